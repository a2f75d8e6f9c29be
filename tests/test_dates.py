"""Dates, financial years, quarters, working days and the term."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from calloff.domain.dates import (
    FinancialYear,
    add_working_days,
    bank_holidays,
    is_working_day,
    parse_date,
    quarter_of,
)
from calloff.domain.model import Term
from calloff.errors import InvalidInput
from tests.strategies import dates


@given(dates)
def test_every_date_falls_in_the_right_year_and_quarter(day):
    """A date lies inside its financial year, inside the quarter named for it."""
    year = FinancialYear.of(day)
    assert year.start <= day <= year.end
    q = quarter_of(day)
    first, last = year.quarter_dates(q)
    assert first <= day <= last
    assert FinancialYear.parse(str(year)) == year


@pytest.mark.parametrize(
    "day, year, quarter",
    [
        ("2015-04-01", "2015-16", 1),
        ("2015-06-30", "2015-16", 1),
        ("2015-07-01", "2015-16", 2),
        ("2015-12-31", "2015-16", 3),
        ("2016-01-01", "2015-16", 4),
        ("2016-03-31", "2015-16", 4),
        ("2016-04-01", "2016-17", 1),
        ("1999-03-31", "1998-99", 4),
        ("2099-04-01", "2099-00", 1),
    ],
)
def test_known_years_and_quarters(day, year, quarter):
    """UK financial years run April to March; Q1 is April to June."""
    d = parse_date(day)
    assert str(FinancialYear.of(d)) == year
    assert quarter_of(d) == quarter


@pytest.mark.parametrize(
    "text",
    [
        "2015-13-01",
        "2015-02-30",
        "01/06/2015",
        "2015-6-1",
        "20150601",
        "yesterday",
        "",
        "2015-06-01T00:00",
    ],
)
def test_bad_dates_are_refused(text):
    """Only real calendar dates in ISO form are dates."""
    with pytest.raises(InvalidInput):
        parse_date(text)


@pytest.mark.parametrize("text", ["2015", "2015-17", "15-16", "2015-2016", "2015-1"])
def test_bad_years_are_refused(text):
    """A financial year is written 2015-16."""
    with pytest.raises(InvalidInput):
        FinancialYear.parse(text)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(0, 5),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_term_end_after_k_extensions(start, k, initial, each):
    """After k extensions the term ends the day before start + initial + k × extension years."""
    term = Term(
        start, initial_years=initial, extensions_max=5, extension_years=each, extensions_used=k
    )
    assert term.end == start + relativedelta(years=initial + k * each) - timedelta(days=1)
    assert term.in_force(term.end) and not term.in_force(term.end + timedelta(days=1))
    assert term.extensions_left == 5 - k


def test_leeds_term_runs_a_year_and_two_extensions():
    """1 April 2015 for a year, extendable twice: 31 March 2016, at the latest 31 March 2018."""
    term = Term(date(2015, 4, 1), 1, 2, 1)
    assert term.original_end == date(2016, 3, 31)
    assert term.end_after(1) == date(2017, 3, 31)
    assert term.latest_end == date(2018, 3, 31)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(1, 15))
def test_working_days_skip_weekends_and_bank_holidays(day, n):
    """The respond-by date is exactly n working days on, and is itself a working day."""
    end = add_working_days(day, n)
    assert is_working_day(end)
    counted = sum(
        1 for i in range(1, (end - day).days + 1) if is_working_day(day + timedelta(days=i))
    )
    assert counted == n


def test_bank_holidays_of_2015():
    """Easter 2015 and the Christmas substitute day are not working days."""
    assert {date(2015, 4, 3), date(2015, 4, 6), date(2015, 12, 28)} <= bank_holidays(2015)
    assert add_working_days(date(2015, 4, 1), 3) == date(2015, 4, 8)
    assert add_working_days(date(2015, 6, 1), 3) == date(2015, 6, 4)
    assert add_working_days(date(2015, 6, 5), 3, holidays="none") == date(2015, 6, 10)
