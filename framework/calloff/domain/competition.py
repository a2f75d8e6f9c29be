"""Awarding a call-off by competition: the award routes, the framework's award criteria,
and a competition's invitations and bids as records.

A framework sets its criteria once, at tender: each with a weight and the range within
which an officer may refine that weight for one competition. A competition may move the
weights within their ranges, but may not add, drop or replace a criterion (DOMAIN.md,
"Awarding a call-off by competition"). Nothing here knows about storage or the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs

from calloff.domain.dates import add_working_days
from calloff.errors import InvalidInput

# How a lot's call-offs are awarded: by the ranking (direct award, as Leeds), by a
# competition among the lot's providers, or either, chosen by the officer per request.
AWARD_ROUTES = ("ranked", "competition", "either")
# The criterion scored from the bid prices rather than by the evaluators.
PRICE = "price"


@attrs.frozen
class Criterion:
    """One award criterion: its weight (points out of 100) and the range it may be refined
    within for a competition."""

    name: str
    weight: int
    low: int
    high: int
    title: str = ""

    @property
    def is_price(self) -> bool:
        return self.name == PRICE


def standstill_end(told: date, days: int, holidays: str) -> date | None:
    """The last day of a standstill of `days` working days beginning with the day the
    bidders are told (as the Act's standstill begins with the day of its notice)."""
    if not days:
        return None
    return add_working_days(told - timedelta(days=1), days, holidays)


def check_criteria(criteria: Sequence[Criterion]) -> None:
    """The framework's criteria: distinct names, each weight within its range, 100 in all."""
    names = [c.name for c in criteria]
    if len(set(names)) != len(names):
        raise InvalidInput("award criteria must have distinct names")
    for c in criteria:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", c.name):
            raise InvalidInput(
                f"award criterion {c.name!r}: name it in lower-case letters, digits and _ "
                "(like quality or social_value)"
            )
        if not 0 <= c.low <= c.weight <= c.high <= 100:
            raise InvalidInput(
                f"award criterion {c.name}: its weight {c.weight} must lie within its range "
                f"{c.low}–{c.high}, inside 0–100"
            )
    total = sum(c.weight for c in criteria)
    if criteria and total != 100:
        raise InvalidInput(
            f"the award criteria's weights add up to {total}, not 100: "
            + ", ".join(f"{c.name} {c.weight}" for c in criteria)
        )


def parse_weights(text: str) -> dict[str, int]:
    """`quality=65,price=35` as a mapping; only the form is checked here."""
    weights: dict[str, int] = {}
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        name = name.strip().lower()
        value = value.strip()
        if not sep or not name or not re.fullmatch(r"[0-9]{1,3}", value):
            raise InvalidInput(
                f"{part.strip()!r} is not a weight: write each as CRITERION=N in whole points, "
                "like quality=65,price=35"
            )
        if name in weights:
            raise InvalidInput(f"the weight for {name} is given twice: give it once")
        weights[name] = int(value)
    return weights


def refine(criteria: Sequence[Criterion], weights: Mapping[str, int] | None) -> dict[str, int]:
    """The weights for one competition: the framework's, or the officer's refinement of them.

    A refinement names every criterion of the framework and no other, keeps each weight
    within its range, and adds up to 100; anything else is refused, so a competition is
    always scored on the criteria the framework was let on.
    """
    if not criteria:
        raise InvalidInput(
            "this framework has no award criteria, so it cannot hold a competition: its "
            "definition needs [criteria] (docs/framework-definition.md)"
        )
    if weights is None:
        return {c.name: c.weight for c in criteria}
    known = {c.name: c for c in criteria}
    listed = ", ".join(f"{c.name} {c.low}–{c.high}" for c in criteria)
    foreign = [name for name in weights if name not in known]
    if foreign:
        raise InvalidInput(
            f"{foreign[0]} is not one of the framework's award criteria ({listed}): a "
            "competition may refine their weights but not add or replace a criterion"
        )
    missing = [name for name in known if name not in weights]
    if missing:
        missed = ", ".join(missing)
        rule = f"give every criterion ({listed}), as a competition may not drop one"
        raise InvalidInput(
            f"the weights leave out {missed}: {rule}",
            command=f"--weights leaves out {missed}: {rule}",
        )
    for name, weight in weights.items():
        c = known[name]
        if not c.low <= weight <= c.high:
            raise InvalidInput(
                f"the weight for {name} is {weight}, outside the range the framework allows "
                f"({c.low}–{c.high}): choose one within it"
            )
    total = sum(weights.values())
    if total != 100:
        raise InvalidInput(
            f"the weights add up to {total}, not 100: "
            + ", ".join(f"{n}={w}" for n, w in weights.items())
        )
    return {c.name: weights[c.name] for c in criteria}


@attrs.frozen
class Competition:
    """A competition among a lot's providers for one request."""

    id: int
    request_id: int
    lot: int
    opened_on: date
    closes_on: date
    weights: Mapping[str, int]
    officer: str
    recorded_at: str
    cancelled_on: date | None = None
    cancel_reason: str | None = None

    def closed(self, on: date) -> bool:
        """Whether the closing day has come: the bids can be scored and the award made.
        A bid dated the closing day is still in time, until the award is made."""
        return on >= self.closes_on


@attrs.frozen
class Invitation:
    provider_id: int
    name: str
    rank: int
    invited: bool
    reason: str | None = None  # why a provider was passed over, not invited


@attrs.frozen
class Opening:
    """A competition as it would open: its weights and who it would invite or pass over
    (with the reason), before anything is written."""

    request_id: int
    lot: int
    opened_on: date
    closes_on: date
    weights: Mapping[str, int]
    invitations: tuple[Invitation, ...]


@attrs.frozen
class Answer:
    """What an invited provider sent: a bid (price and marks) or a no-bid (reason)."""

    provider_id: int
    name: str
    rank: int
    bid: bool
    on: date
    price: Decimal | None = None
    marks: Mapping[str, Decimal] = attrs.field(factory=dict)
    reason: str | None = None
    officer: str = ""
