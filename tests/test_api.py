"""The Python API: keyword arguments, the model's records, and the CLI's own refusals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

import calloff as lib
from tests.conftest import snapshot


@pytest.fixture
def office(calloff):
    """Leeds, two providers ranked on lot 4 at £1,000 and £1,200 a day; the `calloff`
    fixture drives the command against the same database file."""
    desk = lib.create(calloff.db)
    alder = desk.add_provider("Alder Training", vat="exempt")
    desk.add_provider("Birch Practice Ltd")
    desk.set_ranking(lot=4, providers=[alder.id, "Birch Practice Ltd"])
    desk.set_rates(lot=4, provider=1, day="1000")
    desk.set_rates(lot=4, provider=2, day=Decimal("1200.00"))
    yield desk
    desk.close()


def test_a_refusal_is_the_clis_message_and_writes_nothing(office, calloff):
    big = office.add_request(lot=4, title="Whole service", start="2015-07-01", value="260000.01")
    before = snapshot(calloff.db)
    with pytest.raises(lib.CeilingExceeded) as refused:
        office.allocate(big.id, on="2015-06-01")
    assert snapshot(calloff.db) == before
    assert calloff.refused("allocate", big.id, "--on", "2015-06-01") == f"Error: {refused.value}"


def test_money_is_exact_and_floats_are_refused(office, calloff):
    before = snapshot(calloff.db)
    for bad in (1000.5, 0.1):
        with pytest.raises(lib.InvalidInput, match="not a float"):
            office.set_rates(lot=4, provider=1, session=bad)
    with pytest.raises(lib.InvalidInput):
        office.set_rates(lot=4, provider=1, day="12,50a")
    assert snapshot(calloff.db) == before
    request = office.add_request(lot=4, title="Six days", start=date(2015, 6, 10), value=6000)
    assert request.value == Decimal("6000.00")


def test_a_bad_date_is_the_clis_message(office):
    with pytest.raises(lib.InvalidInput, match="write it as YYYY-MM-DD"):
        office.allocate(1, on="1/6/2015")


def test_records_round_trip_through_the_cli(office, calloff):
    """What the library writes, the command reads, and the other way round."""
    request = office.add_request(
        lot=4, title="Deep dive", start="2015-06-10", quantity=6, unit="day", on="2015-05-11"
    )
    offer = office.allocate(request.id, on="2015-05-12")
    assert (offer.status, offer.calloff.value) == ("offered", Decimal("6000.00"))
    shown = calloff.json("show", offer.calloff.id)
    assert shown["value"] == "6000.00" and shown["raised_by"] == "officer.a"
    calloff.ok("decline", offer.calloff.id, "--reason", "booked", "--on", "2015-05-13")
    second = office.calloff(2)
    assert (second.provider_id, second.rank, second.value) == (2, 2, Decimal("7200.00"))
    assert office.headroom(year="2015-16").headroom == Decimal("252800.00")


def test_create_from_a_definition_file(tmp_path):
    from importlib import resources

    text = resources.files("calloff").joinpath("definitions/nottingham-rp-2023.toml").read_text()
    (tmp_path / "mine.toml").write_text(text)
    with lib.create(tmp_path / "n.db", definition_file=tmp_path / "mine.toml") as o:
        assert o.framework.buyer == "Nottingham City Council"
    with pytest.raises(lib.CalloffError, match="already exists"):
        lib.create(tmp_path / "n.db")


WRONG_TYPES = {
    "a datetime for a date": lambda o: o.add_request(
        lot=4, title="dt", start=datetime(2015, 6, 10, 12, 0), quantity=2, unit="day"
    ),
    "a float quantity": lambda o: o.add_request(
        lot=4, title="q", start="2015-06-10", quantity=1.5, unit="day"
    ),
    "True as a quantity": lambda o: o.add_request(
        lot=4, title="q", start="2015-06-10", quantity=True, unit="day"
    ),
    "a float lot": lambda o: o.add_request(lot=4.0, title="q", start="2015-06-10", value="1"),
    "a quantity too large": lambda o: o.add_request(
        lot=4, title="q", start="2015-06-10", quantity=10**30, unit="day"
    ),
    "a value too large": lambda o: o.add_request(
        lot=4, title="q", start="2015-06-10", value=10**20
    ),
    "a rate too large": lambda o: o.set_rates(lot=4, provider=1, day=10**20),
    "attendees as text": lambda o: o.add_request(
        lot=4, title="q", start="2015-06-10", value="1", attendees="3"
    ),
    "no name": lambda o: o.add_provider(None),
    "no reason": lambda o: o.suspend(1, reason=None),
    "no amount": lambda o: o.add_spend(1, amount=None, invoice_date="2015-06-30", invoice="I"),
    "no year": lambda o: o.set_ceiling(year=None, funding="core", amount="1"),
    "a year as a number": lambda o: o.headroom(year=2015),
    "a quarter as text": lambda o: o.report(year="2015-16", quarter="2"),
    "providers as one string": lambda o: o.set_ranking(lot=4, providers="Alder Training"),
    "both a framework and a file": lambda o: lib.create("x.db", framework="x", definition_file="y"),
    "a path that is a number": lambda o: lib.open(5),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_a_wrong_type_is_refused_in_one_line_and_writes_nothing(office, calloff, case):
    """What the command line's parameter types refuse, the library refuses too: an
    `InvalidInput`, never a stored row that breaks a later command."""
    before = snapshot(calloff.db)
    with pytest.raises(lib.InvalidInput) as refused:
        WRONG_TYPES[case](office)
    assert "\n" not in str(refused.value)
    assert snapshot(calloff.db) == before


def test_a_closed_office_says_so(office):
    office.close()
    with pytest.raises(lib.InvalidInput, match="this Office is closed"):
        office.providers()
    assert "closed" in repr(office)


def test_star_import_leaves_the_builtin_open_alone():
    namespace: dict = {}
    exec("from calloff import *", namespace)
    assert "open" not in namespace and "Office" in namespace and "CalloffError" in namespace
