"""`Office.rehearse`: a write done and undone. For any invoice line, the rehearsal refuses
exactly when the write would, with the same sentence, and writes nothing either way; the
trail still verifies and the next real write goes on from it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import calloff
from calloff.errors import CalloffError, InvalidInput
from tests.conftest import snapshot


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """Call-off 1: Alder Training, £6,000.00 (6 days at £1,000.00), accepted."""
    path = tmp_path_factory.mktemp("rehearsal") / "r.db"
    with calloff.create(path) as office:
        office.add_provider("Alder Training", vat="standard", on="2015-04-01")
        office.set_ranking(lot=4, providers=[1], on="2015-04-01")
        office.set_rates(lot=4, provider=1, day="1000", on="2015-04-01")
        office.add_request(
            lot=4, title="Days", start="2015-06-10", quantity=6, unit="day", on="2015-05-01"
        )
        office.allocate(1, on="2015-05-12")
        office.accept(1, on="2015-05-13")
    return path


LINES = st.fixed_dictionaries(
    {
        "amount": st.sampled_from(["0", "-1", "0.01", "100", "2500.50", "6000", "6000.01", "1e3"]),
        "invoice_date": st.sampled_from(["2015-06-09", "2015-06-10", "2015-07-01", "2099-01-01"]),
        "invoice": st.sampled_from(["A-1", "", "x" * 101, "B 2"]),
        "received": st.sampled_from([None, "2015-06-01", "2015-07-02"]),
        "vat": st.sampled_from([None, "0", "20", "5000"]),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=LINES)
def test_a_rehearsal_refuses_exactly_when_the_write_would_and_writes_nothing(accepted, line):
    with calloff.open(accepted) as office:
        before = snapshot(accepted)
        try:
            shown = office.rehearse("add_spend", 1, **line)
        except CalloffError as e:
            rehearsed: object = ("refused", str(e))
        else:
            rehearsed = ("done", shown.amount, shown.settled.vat)
        assert snapshot(accepted) == before
        spent = office.spent(1)
        try:
            done = office.add_spend(1, **line)
        except CalloffError as e:
            written: object = ("refused", str(e))
        else:
            written = ("done", done.amount, done.settled.vat)
            assert office.spent(1) == spent + done.amount
        assert rehearsed == written
        assert office.verify_audit().ok


def test_only_writes_within_the_database_are_rehearsed(accepted):
    with calloff.open(accepted) as office:
        with pytest.raises(InvalidInput, match="'import_spend' is not an action that can be"):
            office.rehearse("import_spend", "spend.csv")
        with pytest.raises(InvalidInput, match="'set_password' is not"):
            office.rehearse("set_password", "officer.a", password="x")


def test_a_rehearsed_allocation_shows_the_offer_and_the_headroom_it_would_leave(tmp_path):
    with calloff.create(tmp_path / "a.db") as office:
        office.add_provider("Alder Training", on="2015-04-01")
        office.set_ranking(lot=4, providers=[1], on="2015-04-01")
        office.set_rates(lot=4, provider=1, day="1000", on="2015-04-01")
        office.add_request(
            lot=4, title="Days", start="2015-06-10", quantity=6, unit="day", on="2015-05-01"
        )
        outcome = office.rehearse("allocate", 1, on="2015-05-12")
        # £260,000.00 core cap − £6,000.00 = £254,000.00
        assert outcome.calloff.headroom_after == Decimal("254000.00")
        assert office.history(1) == []  # nothing offered
        assert office.allocate(1, on="2015-05-12").calloff.id == 1  # the same number, then
