"""The compliance calendar's call-off items, read in the calendar's own order
(`calloff.publishing.calendar`).

Each kind of item (a call-off's details, termination, change or award notice) is one
query that works out the item's name and deadline in SQL, marks it published if that was
recorded by the day, and hands the rows back overdue first, then by deadline, then by
name: the calendar merges the kinds as they come, so no list of every call-off is held
and SQLite's sorter, not Python, holds what must be sorted. The counts are one grouped
query per kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import attrs

from calloff.domain.model import ENTERED, FINISHED
from calloff.store.database import Store

_ENTERED = ", ".join(repr(s) for s in ENTERED)
_FINISHED = ", ".join(repr(s) for s in FINISHED)
_CALLOFF = "calloffs c JOIN requests rq ON rq.id = c.request_id"


@attrs.frozen
class Kind:
    """One kind of call-off item: its name and deadline as SQL, and the rows it comes from."""

    name: str
    due_by: str
    columns: str
    source: str
    where: str
    calloff: str = "c.id"


DETAILS = Kind(
    name="'calloff-' || c.id || '-details'",
    due_by="date(c.decided_on, :days)",
    columns="c.id, c.decided_on, rq.title",
    source=_CALLOFF,
    where=f"c.status IN ({_ENTERED}) AND c.decided_on <= :on",
)
TERMINATION = Kind(
    name="'calloff-' || c.id || '-termination'",
    due_by="date(c.closed_on, '+29 days')",
    columns="c.id, c.status, c.closed_on, rq.title",
    source=_CALLOFF,
    where=f"c.status IN ({_FINISHED}) AND c.decided_on <= :on "
    "AND c.closed_on > '' AND c.closed_on <= :on",
)
# A change of the value by more than 10% (s.75(2)): each variation numbered 1, 2… within
# its call-off in the order made.
CHANGE = Kind(
    name="'calloff-' || v.calloff_id || '-change-' || v.number",
    due_by="date(v.effective_on, '-1 day')",
    columns="v.calloff_id, v.effective_on, v.old_value_pence, v.new_value_pence, v.number, "
    "v.decided_on",
    source="""(SELECT v.calloff_id, v.effective_on, v.old_value_pence, v.new_value_pence,
        ROW_NUMBER() OVER (PARTITION BY v.calloff_id ORDER BY v.id) AS number, c.decided_on
      FROM variations v JOIN calloffs c ON c.id = v.calloff_id {only_variations}) v""",
    where="v.effective_on <= :on "
    "AND abs(v.new_value_pence - v.old_value_pence) * 10 > v.old_value_pence",
    calloff="v.calloff_id",
)
# Offered (the council's award decision) and still offered or entered into, worth at least
# `:least` pence before VAT could double it: the calendar applies the threshold itself.
AWARD = Kind(
    name="'calloff-' || c.id || '-award'",
    due_by="CASE WHEN c.respond_by >= COALESCE(c.approved_on, c.offered_on) THEN c.respond_by "
    "ELSE COALESCE(c.approved_on, c.offered_on) END",
    columns="c.id, c.offered_on AS raised_on, COALESCE(c.approved_on, c.offered_on) AS "
    "offered_on, c.initial_value_pence, rq.title, pr.name AS provider, pr.vat",
    source=f"{_CALLOFF} JOIN providers pr ON pr.id = c.provider_id",
    where=f"(c.status = 'offered' OR (c.status IN ({_ENTERED}) AND c.decided_on IS NOT NULL)) "
    "AND COALESCE(c.approved_on, c.offered_on) <= :on AND c.initial_value_pence * 2 >= :least",
)


def _inner(kind: Kind, only: int | None) -> str:
    """The kind's rows with their name, deadline and publication as at `:on`."""
    source = kind.source.format(
        only_variations="" if only is None else "WHERE v.calloff_id = :only"
    )
    return f"""
        SELECT {kind.columns}, {kind.name} AS item, {kind.due_by} AS due_by,
          p.published_on, p.reference
        FROM {source}
          LEFT JOIN publications p ON p.item = {kind.name} AND p.published_on <= :on
        WHERE {kind.where}{"" if only is None else f" AND {kind.calloff} = :only"}"""


def rows(
    store: Store,
    kind: Kind,
    params: dict[str, Any],
    everything: bool = True,
    only: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The kind's items as at `params["on"]`, overdue first, then by deadline and name (all
    of them, or only those not published); only call-off `only`'s, if given. The query has
    run by the time this returns, so a count read next sees the same records."""
    sql = f"""
        SELECT * FROM ({_inner(kind, only)})
        {"" if everything else "WHERE published_on IS NULL"}
        ORDER BY published_on IS NULL AND due_by < :on DESC, due_by, item"""
    cursor = store.db.execute(sql, {**params, "only": only})
    names = [d[0] for d in cursor.description]
    return (dict(zip(names, row, strict=True)) for row in cursor)


def counts(store: Store, kind: Kind, params: dict[str, Any]) -> tuple[int, int, int]:
    """How many of the kind's items there are as at `params["on"]`: not published, of
    those overdue, and published."""
    total, unpublished, overdue = store.db.execute(
        f"""
        SELECT COUNT(*), COALESCE(SUM(published_on IS NULL), 0),
          COALESCE(SUM(published_on IS NULL AND due_by < :on), 0)
        FROM ({_inner(kind, None)})""",
        {**params, "only": None},
    ).fetchone()
    return unpublished, overdue, total - unpublished


def published_periods(store: Store, on: date) -> dict[str, dict[str, Any]]:
    """Each period's item (a quarter's file, a half-year's notice) recorded as published
    on or before `on`, by name: a few a year."""
    return {
        r["item"]: r
        for r in store.db.query(
            "SELECT item, published_on, reference FROM publications "
            "WHERE item NOT LIKE 'calloff-%' AND published_on <= ?",
            [on.isoformat()],
        )
    }
