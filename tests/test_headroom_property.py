"""For any sequence of officer actions, no headroom is ever negative and refusals write nothing."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from calloff.actions.service import Service
from calloff.domain import definition
from calloff.domain.dates import FinancialYear
from calloff.errors import CalloffError
from calloff.store.database import Store
from tests.conftest import snapshot

amounts = st.integers(min_value=1, max_value=25_000_000).map(lambda p: Decimal(p) / 100)
# Mostly inside the first year of the term, sometimes beyond it.
days = st.one_of(st.integers(0, 365), st.integers(-30, 800)).map(
    lambda n: date(2015, 4, 1) + timedelta(n)
)
requests = st.tuples(
    st.just("request"),
    amounts,
    st.sampled_from(["core", "core", "innovation", "traded"]),
    days,
    st.booleans(),
)

actions = st.one_of(
    requests,
    st.tuples(st.just("allocate"), st.integers(0, 50), days),
    st.tuples(st.just("allocate"), st.integers(0, 50), days),
    st.tuples(st.just("decline"), st.integers(0, 50), days),
    st.tuples(st.just("accept"), st.integers(0, 50), days),
    st.tuples(st.just("lapse"), days),
    st.tuples(st.just("confirm"), days),
    st.tuples(st.just("ceiling"), st.sampled_from(["core", "innovation"]), amounts),
    st.tuples(st.just("extend"), days),
)


def _check_positions(svc: Service) -> None:
    for year in {FinancialYear(2015), FinancialYear(2016), FinancialYear(2017)}:
        pos = svc.store.position(year)
        assert pos.headroom >= 0, (year, pos)
        for s in pos.streams:
            assert s.headroom is None or s.headroom >= 0, (year, s)


@settings(max_examples=40)
@given(st.lists(requests, min_size=1, max_size=6), st.lists(actions, min_size=1, max_size=25))
def test_no_sequence_of_actions_makes_headroom_negative(first, then):
    """Requests, allocations, declines, lapses, confirmations and ceilings: headroom stays ≥ 0."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.db"
        store = Store.create(path, definition.embedded("leeds-rp-2015"), "o")
        svc = Service(store, "o")
        ids = [svc.setup.add_provider(n, "exempt", date(2015, 4, 1)) for n in ("A", "B", "C")]
        svc.setup.set_ranking(4, ids, date(2015, 4, 1))
        for pid, rate in zip(ids, ("900", "1500", "400"), strict=True):
            svc.setup.set_prices(4, pid, {"day": Decimal(rate)}, date(2015, 4, 1))
        for step in first + then:
            before = snapshot(path)
            try:
                _apply(svc, step)
                event(f"{step[0]} done")
            except CalloffError as e:
                event(f"{step[0]} refused: {type(e).__name__}")
                assert snapshot(path) == before, step
            _check_positions(svc)
        store.close()


def _pick(svc: Service, table: str, index: int) -> int:
    """One of the existing ids (or 1 when there are none, to exercise the refusal)."""
    count = svc.store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    return index % count + 1 if count else 1


def _apply(svc: Service, step: tuple) -> None:
    kind = step[0]
    if kind == "request":
        _, value, funding, start, by_days = step
        if by_days:
            qty = max(1, int(value // 1000) % 300)
            svc.add_request(
                4, "t", start, start + timedelta(days=2), None, qty, "day", funding, None, start
            )
        else:
            svc.add_request(4, "t", start, None, value, None, None, funding, None, start)
    elif kind == "allocate":
        svc.allocate(_pick(svc, "requests", step[1]), step[2])
    elif kind == "decline":
        svc.decline(_pick(svc, "calloffs", step[1]), "no", step[2])
    elif kind == "accept":
        svc.accept(_pick(svc, "calloffs", step[1]), step[2])
    elif kind == "lapse":
        svc.lapse(step[1])
    elif kind == "confirm":
        svc.budget.confirm_funding("innovation", step[1])
    elif kind == "ceiling":
        svc.budget.set_ceiling(FinancialYear(2015), step[1], step[2], date(2015, 4, 1))
    elif kind == "extend":
        svc.budget.extend_term(step[1])


@settings(max_examples=30)
@given(st.lists(st.integers(min_value=1, max_value=20_000_000), min_size=1, max_size=12))
def test_each_offer_is_refused_exactly_when_it_would_breach_the_cap(values):
    """Offers in turn: each fits iff the running total plus it stays within £260,000."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.create(Path(tmp) / "p.db", definition.embedded("leeds-rp-2015"), "o")
        svc = Service(store, "o")
        pid = svc.setup.add_provider("A", "exempt", date(2015, 4, 1))
        svc.setup.set_ranking(4, [pid], date(2015, 4, 1))
        total = 0
        for pence in values:
            rid = svc.add_request(
                4,
                "t",
                date(2015, 6, 1),
                None,
                Decimal(pence) / 100,
                None,
                None,
                "core",
                None,
                date(2015, 5, 1),
            )
            fits = total + pence <= 26_000_000
            try:
                outcome = svc.allocate(rid, date(2015, 6, 1))
                assert fits
                total += pence
                assert outcome.calloff.headroom_after == Decimal(26_000_000 - total) / 100
            except CalloffError:
                assert not fits
        assert svc.budget.position(FinancialYear(2015)).committed == Decimal(total) / 100
        store.close()
