"""The ranked cascade: the best-ranked eligible provider is always the one offered."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from calloff.domain.model import Provider, RankEntry, Rates, Request, Unavailability
from calloff.domain.rules import cascade

START = date(2015, 6, 1)


@st.composite
def lots(draw):
    """A ranking of 0-8 providers with random statuses, gaps, rates and earlier declines."""
    n = draw(st.integers(0, 8))
    ids = draw(st.permutations(list(range(1, n + 1))))
    providers = {
        pid: Provider(
            pid,
            f"P{pid}",
            status=draw(st.sampled_from(["active", "active", "active", "suspended", "withdrawn"])),
            status_reason="r",
        )
        for pid in ids
    }
    ranking = [RankEntry(4, rank, pid) for rank, pid in enumerate(ids, start=1)]
    gaps = []
    for pid in ids:
        if draw(st.booleans()):
            offset = draw(st.integers(-20, 20))
            length = draw(st.integers(0, 10))
            lot = draw(st.sampled_from([None, 4, 5]))
            s = START + timedelta(days=offset)
            gaps.append(Unavailability(pid, s, s + timedelta(days=length), "leave", lot))
    rates = {
        pid: Rates(day=draw(st.sampled_from([None, Decimal("500.00"), Decimal("750.50")])))
        for pid in ids
    }
    closed = {pid: "declined" for pid in ids if draw(st.integers(0, 4)) == 0}
    length = draw(st.integers(0, 5))
    priced = draw(st.booleans())
    request = Request(
        1,
        4,
        "t",
        START,
        START + timedelta(days=length),
        "core",
        value=None if priced else Decimal("100.00"),
        quantity=3 if priced else None,
        unit="day" if priced else None,
    )
    return request, ranking, providers, gaps, rates, closed


def eligible(request, entry, providers, gaps, rates, closed):
    p = providers[entry.provider_id]
    if p.status != "active" or p.id in closed:
        return False
    for g in gaps:
        if (
            g.provider_id == p.id
            and (g.lot in (None, request.lot))
            and g.start <= request.end
            and request.start <= g.end
        ):
            return False
    return not (request.unit and rates[p.id].day is None)


@given(lots())
def test_cascade_offers_the_best_ranked_eligible_provider(case):
    """Whatever the statuses, gaps, rates and declines, rank order decides and reasons are kept."""
    request, ranking, providers, gaps, rates, closed = case
    result = cascade(request, ranking, providers, gaps, rates, closed)
    ok = [e for e in ranking if eligible(request, e, providers, gaps, rates, closed)]
    if not ok:
        assert result.offer is None
        assert [p.rank for p in result.passed_over] == [e.rank for e in ranking]
        return
    best = min(ok, key=lambda e: e.rank)
    assert result.offer == best
    # Everyone above the chosen rank was passed over, with a reason, in rank order.
    assert [p.rank for p in result.passed_over] == list(range(1, best.rank))
    assert all(p.reason for p in result.passed_over)
    expected = Decimal("100.00") if request.value else rates[best.provider_id].day * 3
    assert result.value == expected


def test_reasons_say_why_each_rank_was_passed_over():
    """Suspended, withdrawn, unavailable, unpriced and declined providers each say so."""
    providers = {i: Provider(i, f"P{i}") for i in range(1, 7)}
    providers[1] = Provider(1, "P1", status="suspended", status_reason="quality review")
    providers[2] = Provider(2, "P2", status="withdrawn", status_reason="ceased trading")
    ranking = [RankEntry(4, r, r) for r in range(1, 7)]
    gaps = [
        Unavailability(3, date(2015, 5, 25), date(2015, 6, 2), "leave", None),
        Unavailability(5, date(2015, 6, 1), date(2015, 6, 30), "other lot", 2),
    ]
    rates = {i: Rates(day=Decimal("500")) for i in range(1, 7)}
    rates[4] = Rates(session=Decimal("100"))
    request = Request(1, 4, "t", START, START, "core", quantity=2, unit="day")
    result = cascade(request, ranking, providers, gaps, rates, {})
    reasons = [p.reason for p in result.passed_over]
    assert reasons == [
        "suspended (quality review)",
        "withdrawn from the framework (ceased trading)",
        "unavailable 2015-05-25 to 2015-06-02 (leave)",
        "no tendered day rate on lot 4",
    ]
    assert result.offer == RankEntry(4, 5, 5)  # unavailable only on lot 2
    assert result.value == Decimal("1000.00")
