"""The rules of a competition that must hold for every input (docs/competition.md)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calloff.actions.competition_state import Standing
from calloff.documents.competition_view import letters, render_letters
from calloff.domain import definition
from calloff.domain.competition import Answer, Competition, Criterion, Invitation, refine
from calloff.domain.dates import FinancialYear
from calloff.domain.model import CallOff, PassOver, Request
from calloff.domain.scoring import Bid, score, shown
from calloff.errors import InvalidInput

CRITERIA = (Criterion("quality", 50, 40, 60), Criterion("social_value", 10, 5, 15),
            Criterion("price", 40, 30, 50))  # fmt: skip
# Names none of which is part of another, so "names another bidder" is a plain search.
NAMES = ("Alder Training", "Birch Practice", "Cedar Conferencing", "Damson Circles",
         "Elm Mediation", "Fir Learning")  # fmt: skip

prices = st.integers(min_value=1, max_value=10**8).map(lambda p: Decimal(p) / 100)
marks = st.integers(min_value=0, max_value=10_000).map(lambda m: Decimal(m) / 100)


@st.composite
def weights(draw):
    """Weights within CRITERIA's ranges that add up to 100."""
    quality = draw(st.integers(40, 60))
    social = draw(st.integers(5, 15))
    price = 100 - quality - social
    if not 30 <= price <= 50:
        quality = 100 - social - 40
        price = 40
    return {"quality": quality, "social_value": social, "price": price}


@st.composite
def bids(draw, criteria=("quality", "social_value")):
    n = draw(st.integers(1, len(NAMES)))
    ranks = draw(st.permutations(range(1, len(NAMES) + 1)))[:n]
    return [
        Bid(i + 1, NAMES[i], ranks[i], draw(prices), {c: draw(marks) for c in criteria})
        for i in range(n)
    ]


@given(bids(), weights())
def test_the_winner_has_the_highest_total_and_a_tie_goes_to_the_better_rank(bids, weights):
    results = score(bids, weights)
    assert [r.position for r in results] == list(range(1, len(bids) + 1))
    best = max(r.total for r in results)
    win = results[0]
    assert win.total == best
    assert win.bid.rank == min(r.bid.rank for r in results if r.total == best)
    lowest = min(b.price for b in bids)
    for r in results:
        expected = Fraction(lowest) / Fraction(r.bid.price) * weights["price"] + sum(
            Fraction(r.bid.marks[n]) * weights[n] / 100 for n in ("quality", "social_value")
        )
        assert r.total == expected
        assert 0 <= r.total <= 100
    assert all(a.total >= b.total for a, b in itertools.pairwise(results))


@given(
    st.dictionaries(
        st.sampled_from(["quality", "social_value", "price", "delivery", "QUALITY", "value"]),
        st.integers(-5, 120),
        max_size=4,
    )
)
def test_refining_weights_never_lets_a_criterion_in_or_out(given_weights):
    try:
        chosen = refine(CRITERIA, given_weights)
    except InvalidInput:
        return
    assert list(chosen) == [c.name for c in CRITERIA]
    assert sum(chosen.values()) == 100
    for c in CRITERIA:
        assert c.low <= chosen[c.name] <= c.high


def _standing(bid_list, weights, aside=()):
    """A competition awarded to the best bid, as `standing` would find it."""
    k = Competition(1, 1, 2, date(2026, 5, 1), date(2026, 5, 15), weights, "o", "")
    request = Request(1, 2, "Conferencing", date(2026, 9, 1), date(2026, 9, 1), "core",
                      Decimal("10000.00"))  # fmt: skip
    valid = [b for b in bid_list if b.provider_id not in aside]
    results = tuple(score(valid, weights))
    win = results[0].bid
    calloff = CallOff(1, 1, 2, win.provider_id, win.rank, "offered", win.price, "core",
                      FinancialYear(2026), date(2026, 5, 18), date(2026, 6, 4), "o", "",
                      competition_id=1, standstill_ends=date(2026, 5, 28))  # fmt: skip
    answers = tuple(
        Answer(b.provider_id, b.name, b.rank, True, date(2026, 5, 10), b.price, b.marks)
        for b in bid_list
    )
    invitations = tuple(Invitation(b.provider_id, b.name, b.rank, True) for b in bid_list)
    set_aside = tuple(
        PassOver(b.provider_id, b.name, b.rank, "suspended (audit)")
        for b in bid_list
        if b.provider_id in aside
    )
    return Standing(k, request, invitations, answers, True, results, set_aside, calloff,
                    "awarded")  # fmt: skip


FRAMEWORK = definition.embedded("borsetshire-rp-2026")


@given(bids(criteria=("quality",)), st.data())
def test_a_losers_letter_never_names_another_loser(bid_list, data):
    weights = {"quality": 60, "price": 40}
    aside = set(data.draw(st.sets(st.sampled_from([b.provider_id for b in bid_list]))))
    if len(aside) == len(bid_list):
        aside.pop()
    standing = _standing(bid_list, weights, aside)
    winner = standing.results[0].bid
    facts = {f["to"]["provider"]: f for f in letters(standing, FRAMEWORK)}
    assert set(facts) == {b.provider_id for b in bid_list}
    for fmt in ("md", "html"):
        for name, text in render_letters(standing, FRAMEWORK, fmt):
            to = next(b for b in bid_list if name == f"{facts[b.provider_id]['file']}.{fmt}")
            assert to.name in text and winner.name in text
            for other in bid_list:
                if other.provider_id not in (to.provider_id, winner.provider_id):
                    assert other.name not in text, (name, other.name)


def test_points_are_shown_to_two_places_halves_up():
    assert shown(Fraction(9000, 10500) * 40) == Decimal("34.29")
    assert shown(Fraction(1, 8)) == Decimal("0.13")
    assert shown(Fraction(100)) == Decimal("100.00")


def test_the_checks_above_can_fail():
    """A bid scored as if a foreign criterion counted would not match the arithmetic."""
    with pytest.raises(InvalidInput):
        refine(CRITERIA, {"quality": 50, "delivery": 10, "price": 40})
    results = score([Bid(1, "A", 2, Decimal(10), {}), Bid(2, "B", 1, Decimal(10), {})],
                    {"price": 100})  # fmt: skip
    assert results[0].bid.name == "B"  # the same total: the better rank wins


@st.composite
def outbid_on_quality(draw):
    """Bids whose lowest price (one bid's alone) cannot win: that bid's quality is 0, so
    it scores 40.00, and another's is 100, so it scores more than 60.00."""
    n = draw(st.integers(2, len(NAMES)))
    ranks = draw(st.permutations(range(1, len(NAMES) + 1)))[:n]
    priced = draw(st.lists(st.integers(100_000, 10_000_000), min_size=n, max_size=n, unique=True))
    cheapest = priced.index(min(priced))
    best = draw(st.sampled_from([i for i in range(n) if i != cheapest]))
    quality = {cheapest: Decimal(0), best: Decimal(100)}
    return [
        Bid(i + 1, NAMES[i], ranks[i], Decimal(priced[i]) / 100,
            {"quality": quality[i] if i in quality else draw(marks)})
        for i in range(n)
    ]  # fmt: skip


@settings(max_examples=30)  # each example renders every letter twice
@given(outbid_on_quality(), st.integers(90, 99))
def test_no_other_letter_changes_with_a_lowest_price_that_is_not_the_winners(bid_list, percent):
    """Where the lowest price is not the winner's, lower it (the order of the bids staying
    as it was): every other bidder's letter is the same, word for word, so none of them
    can tell what that price was (issue 32)."""
    weights = {"quality": 60, "price": 40}
    results = score(bid_list, weights)
    cheapest = min(bid_list, key=lambda b: b.price)
    assert results[0].bid != cheapest
    lower = (cheapest.price * percent / 100).quantize(Decimal("0.01"))
    moved = [attrs.evolve(b, price=lower) if b == cheapest else b for b in bid_list]
    assume(
        [r.bid.provider_id for r in score(moved, weights)] == [r.bid.provider_id for r in results]
    )
    before = dict(render_letters(_standing(bid_list, weights), FRAMEWORK, "md"))
    after = dict(render_letters(_standing(moved, weights), FRAMEWORK, "md"))
    for name, text in before.items():
        if f"-letter-{cheapest.provider_id}-" not in name:
            assert after[name] == text, name
