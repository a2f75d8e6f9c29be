"""For any dated actions recorded in any order, headroom is never negative on any day.

The check does not ask calloff's own ledger: the test keeps a plain model of every action
that was accepted (what each call-off committed from which day, which cap applied from
which day, when the grant was confirmed) and replays it day by day.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from calloff.actions.service import Service
from calloff.domain import definition
from calloff.errors import CalloffError
from calloff.store.database import Store
from tests.conftest import snapshot

FIRST, LAST = date(2015, 3, 1), date(2016, 9, 30)
days = st.integers(0, 365).map(lambda n: date(2015, 4, 1) + timedelta(n))
amounts = st.integers(1_000, 30_000).map(lambda pounds: Decimal(pounds))
calloff_ids = st.integers(0, 12)

offers = st.tuples(
    st.just("offer"), amounts, st.sampled_from(["core", "core", "innovation", "traded"]), days, days
)
actions = st.one_of(
    offers,
    offers,
    offers,
    st.tuples(st.just("decline"), calloff_ids, days),
    st.tuples(st.just("accept"), calloff_ids, days),
    st.tuples(st.just("approve"), calloff_ids, days),
    st.tuples(st.just("vary"), calloff_ids, amounts, days),
    st.tuples(st.just("spend"), calloff_ids, amounts, days),
    st.tuples(st.just("complete"), calloff_ids, days),
    st.tuples(st.just("cancel"), calloff_ids, days),
    st.tuples(
        st.just("cap"),
        st.sampled_from(["core", "innovation"]),
        st.integers(0, 80_000).map(Decimal),
        days,
    ),
    st.tuples(st.just("confirm"), days),
    st.tuples(st.just("lapse"), days),
)


class Model:
    """What the officer was told happened: dated commitments and caps, replayed by day."""

    def __init__(self) -> None:
        self.held: dict[int, list[tuple[date, str, Decimal]]] = defaultdict(list)
        self.caps: dict[str, list[tuple[date, Decimal]]] = {
            "core": [(date(2015, 4, 1), Decimal(60_000))],
            "innovation": [
                (date(2015, 4, 1), Decimal(1_240_000)),
                (date(2015, 4, 1), Decimal(40_000)),
            ],
        }
        self.confirmed: date | None = None
        self.spent: dict[int, Decimal] = defaultdict(Decimal)

    def hold(self, calloff: int, day: date, stream: str, amount: Decimal) -> None:
        self.held[calloff].append((day, stream, amount))

    def committed(self, day: date) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for states in self.held.values():
            # The state in force on `day`: the last one dated on or before it.
            current = sorted(
                (s for s in enumerate(states) if s[1][0] <= day), key=lambda s: (s[1][0], s[0])
            )
            if current:
                _, (_, stream, amount) = current[-1]
                totals[stream] += amount
        return totals

    def cap(self, stream: str, day: date) -> Decimal:
        if stream == "innovation" and (self.confirmed is None or day < self.confirmed):
            return Decimal(0)
        in_force = sorted(
            (start, i, amount)
            for i, (start, amount) in enumerate(self.caps[stream])
            if start <= day
        )
        return in_force[-1][2] if in_force else Decimal(0)


def _seed(svc: Service) -> None:
    ids = [svc.setup.add_provider(n, "exempt", date(2015, 4, 1)) for n in ("Ash", "Beech")]
    svc.setup.set_ranking(4, ids, date(2015, 4, 1))
    year = svc.framework().years[0]
    svc.budget.set_ceiling(year, "core", Decimal(60_000), date(2015, 4, 1))
    svc.budget.set_ceiling(year, "innovation", Decimal(40_000), date(2015, 4, 1))


def _apply(svc: Service, model: Model, step: tuple, ids: list[int]) -> None:
    kind = step[0]
    store = svc.store

    def pick(index: int) -> int:
        return ids[index % len(ids)] if ids else 1

    if kind == "offer":
        _, rid, stream, on = step
        outcome = svc.allocate(rid, on)
        assert outcome.calloff is not None
        ids.append(outcome.calloff.id)
        model.hold(outcome.calloff.id, on, stream, outcome.calloff.value)
    elif kind == "approve":
        svc.approve(pick(step[1]), step[2])
    elif kind in ("decline", "accept", "complete", "cancel"):
        cid, on = pick(step[1]), step[2]
        c = store.calloff(cid)
        if kind == "decline":
            outcome = svc.decline(cid, "busy", on)
            model.hold(cid, on, c.funding, Decimal(0))
            if outcome.calloff is not None:
                ids.append(outcome.calloff.id)
                model.hold(outcome.calloff.id, on, c.funding, outcome.calloff.value)
        elif kind == "accept":
            svc.accept(cid, on)
        else:
            getattr(svc.spending, kind)(cid, *(("stopped",) if kind == "cancel" else ()), on)
            model.hold(cid, on, c.funding, model.spent[cid])
    elif kind == "vary":
        cid, value, on = pick(step[1]), step[2], step[3]
        c = store.calloff(cid)
        svc.spending.vary(cid, value, "change", on)
        model.hold(cid, on, c.funding, value)
    elif kind == "spend":
        cid, amount, on = pick(step[1]), step[2], step[3]
        svc.spending.add_spend(cid, amount, on, f"I{len(model.spent)}-{on}-{amount}", None)
        model.spent[cid] += amount
    elif kind == "cap":
        _, stream, amount, on = step
        svc.budget.set_ceiling(svc.framework().years[0], stream, amount, on)
        model.caps[stream].append((on, amount))
    elif kind == "lapse":
        for lapse in svc.lapse(step[1]):
            model.hold(lapse.lapsed.id, step[1], lapse.lapsed.funding, Decimal(0))
            if lapse.outcome.calloff is not None:
                ids.append(lapse.outcome.calloff.id)
                model.hold(
                    lapse.outcome.calloff.id,
                    step[1],
                    lapse.lapsed.funding,
                    lapse.outcome.calloff.value,
                )
    elif kind == "confirm":
        svc.budget.confirm_funding("innovation", step[1])
        model.confirmed = step[1]


def _every_day_holds(model: Model) -> None:
    day = FIRST
    while day <= LAST:
        committed = model.committed(day)
        core, grant = model.cap("core", day), model.cap("innovation", day)
        assert committed["core"] <= core, (day, "core", committed, core)
        assert committed["innovation"] <= grant, (day, "innovation", committed, grant)
        assert sum(committed.values()) <= core + grant, (day, "whole", committed)
        day += timedelta(days=1)


@settings(max_examples=80)
@given(st.lists(offers, min_size=1, max_size=6), st.lists(actions, min_size=1, max_size=30))
def test_no_order_of_recording_takes_any_day_below_the_ceiling(first, then):
    """Offers, declines, variations, spend, completions, caps and the grant, each dated at
    random and recorded in the order drawn: every day of the year stays within every cap and
    the ceiling, and every refusal leaves the database as it was."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.db"
        store = Store.create(path, definition.embedded("leeds-rp-2015"), "o")
        svc, approver = Service(store, "o"), Service(store, "approver")
        _seed(svc)
        model, ids = Model(), []
        for step in first + then:
            if step[0] == "offer":  # the request is recorded first, on its own
                _, value, stream, start, on = step
                rid = svc.add_request(
                    4, "t", start, None, value, None, None, stream, None, min(start, on)
                )
                step = ("offer", rid, stream, on)
            before = snapshot(path)
            try:
                # Approvals, and variations over the threshold, need a second officer.
                _apply(approver if step[0] in ("vary", "approve") else svc, model, step, ids)
                event(f"{step[0]} done")
            except CalloffError as e:
                event(f"{step[0]} refused: {type(e).__name__}")
                assert snapshot(path) == before, step
        _every_day_holds(model)
        store.close()
