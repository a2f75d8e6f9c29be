"""Money is exact: it parses, stores and prints without losing a penny."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calloff.domain.money import format_money, from_pence, json_money, parse_money, to_pence
from calloff.errors import InvalidInput
from tests.strategies import money, money_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12500", "12500.00"),
        ("12500.00", "12500.00"),
        ("12,500.00", "12500.00"),
        ("£12,500.00", "12500.00"),
        ("0.50", "0.50"),
        (" 1,234,567.89 ", "1234567.89"),
        ("0", "0.00"),
        ("12,500", "12500.00"),
        ("£12500", "12500.00"),
        ("£12500.00", "12500.00"),
    ],
)
def test_accepts_the_forms_officers_type(text, expected):
    """The forms the README lists all read as the same exact Decimal."""
    assert parse_money(text) == Decimal(expected)
    assert json_money(parse_money(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12,50a",
        "1e5",
        "NaN",
        "nan",
        "Infinity",
        "12.345",
        "-5",
        "-£5",
        "£-5",
        "",
        " ",
        "1,2500",
        "12,500,00",
        "£",
        "12.",
        ".5",
        "1 000",
        "0x10",
        "12,5000.00",
        "++1",
        "12500.5",
        "12,500.5",
        "0012500",
        "00.50",
        "0.5",
        "012,500.00",
        "£012500",
    ],
)
def test_rejects_anything_else_with_a_clear_message(text):
    """Scientific notation, NaN, one or three decimal places, leading zeros, negatives and bad
    grouping are refused."""
    with pytest.raises(InvalidInput, match="not an amount of money"):
        parse_money(text)


@given(money.flatmap(lambda m: st.tuples(st.just(m), money_text(m))))
def test_typed_money_round_trips_exactly(case):
    """Whatever form an amount is typed in, it parses to itself and back to the same pence."""
    amount, text = case
    parsed = parse_money(text)
    assert parsed == amount
    assert from_pence(to_pence(parsed)) == amount
    assert parse_money(json_money(parsed)) == amount
    assert parse_money(format_money(parsed)) == amount


@given(st.integers(min_value=0, max_value=10**15))
def test_pence_round_trip(pence):
    """Integer pence from SQLite come back as the same pence."""
    assert to_pence(from_pence(pence)) == pence


def test_documents_and_json_show_money_their_own_way():
    """JSON has a two-decimal string; documents have pounds with commas."""
    assert json_money(Decimal("12500")) == "12500.00"
    assert format_money(Decimal("1234567.8")) == "£1,234,567.80"
    assert format_money(Decimal("-5")) == "-£5.00"
