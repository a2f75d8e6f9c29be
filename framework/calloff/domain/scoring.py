"""Scoring a competition's bids: pure arithmetic, so hypothesis can test it for any bids.

Price scores lowest price ÷ bid price × the price weight; every other criterion scores the
evaluators' mark (0–100) × its weight ÷ 100; the total is their sum and the highest total
wins, a tie going to the better (lower) rank on the lot. The arithmetic is exact
(fractions): 9,000 ÷ 10,500 × 40 is 34.2857…, and two totals equal on paper are equal here,
so a tie is a tie and goes to rank. Points are shown to two decimal places.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import attrs

from calloff.domain.competition import PRICE
from calloff.errors import InvalidInput

HUNDRED = Decimal(100)


@attrs.frozen
class Bid:
    """One provider's bid: its price (the call-off's value, ex-VAT) and its marks."""

    provider_id: int
    name: str
    rank: int
    price: Decimal
    marks: Mapping[str, Decimal] = attrs.field(factory=dict)


@attrs.frozen
class Result:
    """A bid as scored: the points on each criterion, the total, and its place."""

    bid: Bid
    points: Mapping[str, Fraction]
    total: Fraction
    position: int


def score(bids: Sequence[Bid], weights: Mapping[str, int]) -> list[Result]:
    """Every bid scored with the competition's weights, best first."""
    if not bids:
        return []
    lowest = min(b.price for b in bids)
    scored = []
    for b in bids:
        points: dict[str, Fraction] = {}
        for name, weight in weights.items():
            if name == PRICE:
                points[name] = Fraction(lowest) / Fraction(b.price) * weight
            else:
                points[name] = Fraction(b.marks[name]) * weight / 100
        scored.append((b, points, sum(points.values(), Fraction(0))))
    scored.sort(key=lambda item: (-item[2], item[0].rank))
    return [Result(b, points, total, n) for n, (b, points, total) in enumerate(scored, 1)]


def shown(points: Fraction) -> Decimal:
    """Points to two decimal places, halves rounded up, as documents and JSON give them."""
    with localcontext() as ctx:
        ctx.prec = 60
        value = Decimal(points.numerator) / Decimal(points.denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_mark(text: str, criterion: str) -> Decimal:
    """An evaluator's mark on one criterion: 0 to 100, in at most two decimal places."""
    value = str(text).strip()
    if not re.fullmatch(r"(0|[1-9][0-9]{0,2})(\.[0-9]{1,2})?", value):
        raise InvalidInput(
            f"the score for {criterion} is {value!r}: give a number from 0 to 100, like 70 or 72.5"
        )
    mark = Decimal(value)
    if mark > HUNDRED:
        raise InvalidInput(f"the score for {criterion} is {value}: scores run from 0 to 100")
    return mark


def check_marks(
    competition: int, weights: Mapping[str, int], marks: Mapping[str, Decimal | str]
) -> dict[str, Decimal]:
    """One mark, 0 to 100, for every criterion of the competition but price."""
    wanted = [name for name in weights if name != PRICE]
    checked: dict[str, Decimal] = {}
    for raw_name, raw in marks.items():
        name = str(raw_name).strip().lower()
        if name == PRICE:
            raise InvalidInput(
                "price is scored from price=, not given a score: leave it out of scores=",
                command="price is scored from --price, not given a score: leave it out",
            )
        if name not in weights:
            raise InvalidInput(
                f"{name} is not one of competition {competition}'s award criteria "
                f"({', '.join(weights)}): score {', '.join(wanted) or 'none of them'}"
            )
        if name in checked:
            raise InvalidInput(f"the score for {name} is given twice: give it once")
        checked[name] = parse_mark(format(raw, "f") if isinstance(raw, Decimal) else raw, name)
    missing = [name for name in wanted if name not in checked]
    if missing:
        lacking = f"the bid has no score for {', '.join(missing)}"
        raise InvalidInput(
            f"{lacking}: give scores={{{', '.join(f'{n!r}: N' for n in missing)}}} (0 to 100)",
            command=f"{lacking}: give --score "
            + " --score ".join(f"{n}=N" for n in missing)
            + " (0 to 100)",
        )
    return {name: checked[name] for name in wanted}
