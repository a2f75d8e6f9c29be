"""Splitting a purchase to dodge the approval threshold (docs/rules.md, "Approvals").

Council contract procedure rules forbid splitting one purchase into several below a
threshold. So the call-offs on one officer's requests to one provider on one lot, raised
within the framework's `aggregation_days`, count together: a call-off that brings their
total to or over the approval threshold needs approval as one over it alone does.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from calloff.domain.money import format_money
from calloff.errors import DefinitionError

DEFAULT_DAYS = 30
MOST_DAYS = 366
# The statuses whose value still counts: the call-off holds, or held, money committed.
# Declined, lapsed and rejected ones bought nothing; a cancelled one was stopped (its
# commitment became its spend so far), so it does not count either (docs/rules.md).
COUNTED = ("awaiting_approval", "offered", "accepted", "completed")
LISTED = 5  # earlier call-offs named in a reason; the rest are counted


def read_days(data: dict[str, Any]) -> int:
    """The definition's `aggregation_days`: a whole number of days, 0 to turn it off."""
    value = data.get("aggregation_days", DEFAULT_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST_DAYS:
        raise DefinitionError(
            f"aggregation_days must be a whole number of days from 0 to {MOST_DAYS}, such "
            f"as 30 (0 counts each call-off alone), not {value!r}"
        )
    return value


def window(on: date, days: int) -> tuple[date, date]:
    """The first and last days whose call-offs count with one raised on `on`: up to `days`
    days before it, and, as an allocation may be dated back, up to `days` days after."""
    return on - timedelta(days=days), on + timedelta(days=days)


@attrs.frozen
class Earlier:
    """A call-off that counts with a new one: its number and value (as varied)."""

    calloff: int
    value: Decimal


def approval_reason(
    value: Decimal,
    threshold: Decimal | None,
    earlier: list[Earlier],
    officer: str,
    provider: str,
    lot: int,
    days: int,
) -> str | None:
    """Why a call-off of `value` needs approval, or None if it does not: at or over the
    threshold alone, or with the `earlier` call-offs that count with it."""
    if threshold is None:
        return None
    if value >= threshold:
        return f"{format_money(value)} is {_against(value, threshold)}"
    total = value + sum((e.value for e in earlier), Decimal(0))
    if days == 0 or not earlier or total < threshold:
        return None
    named = [f"{e.calloff} ({format_money(e.value)})" for e in earlier[:LISTED]]
    if len(earlier) > LISTED:
        named.append(f"{len(earlier) - LISTED} more")
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    plural = "s" if len(earlier) > 1 else ""
    together = "both" if len(earlier) == 1 else "all"
    return (
        f"this call-off ({format_money(value)}) and call-off{plural} {listed}, {together} "
        f"on {officer}'s requests to {provider} on lot {lot} within {days} days, come to "
        f"{format_money(total)}, {_against(total, threshold)}"
    )


def _against(total: Decimal, threshold: Decimal) -> str:
    where = "over" if total > threshold else "at"
    return f"{where} the {format_money(threshold)} approval threshold"
