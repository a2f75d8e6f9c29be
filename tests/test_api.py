"""The Python API: keyword arguments, the model's records, and the CLI's own refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import calloff as lib
import pytest

from tests.conftest import snapshot


@pytest.fixture
def office(calloff):
    """Leeds, two providers ranked on lot 4 at £1,000 and £1,200 a day; the `calloff`
    fixture drives the command against the same database file."""
    desk = lib.create(calloff.db, officer="a.officer")
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
    assert shown["value"] == "6000.00" and shown["raised_by"] == "a.officer"
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
