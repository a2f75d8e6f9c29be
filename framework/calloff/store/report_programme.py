"""The programme figure's one query: practitioners trained on completed call-offs, and
what those call-offs cost, by lot (docs/reports.md, "The programme figure").

A call-off counts once it is completed: its dated change to `completed` takes effect by
the day asked about and was recorded by the report's audit event. Its practitioners are
the attendees on its invoice lines and its cost is those lines' amounts (a completed
call-off commits exactly its spend); one whose lines record no attendees trained nobody
the report can count, and is left out, its cost too. Two `GROUP BY`s over the completed
call-offs and their lines, whatever the number of call-offs: nothing is loaded call-off
by call-off.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from calloff.store.ledger import NOW

if TYPE_CHECKING:
    from calloff.store.database import Store


def trained_by_lot(store: Store, at: date, upto: int | None = None) -> list[dict[str, Any]]:
    """Per lot: completed call-offs that trained anyone (`calloffs`), the attendees on
    their invoice lines (`trained`) and those lines' amounts in pence (`spent`), for
    call-offs completed on or before `at` as recorded by event `upto` (default: everything
    recorded)."""
    return list(
        store.db.query(
            """
            WITH done AS (
              SELECT DISTINCT calloff_id FROM changes
              WHERE status = 'completed' AND effective_on <= :at AND event_id <= :upto
            ),
            each AS (
              SELECT c.lot, SUM(COALESCE(sp.attendees, 0)) AS trained,
                SUM(sp.amount_pence) AS spent
              FROM done JOIN calloffs c ON c.id = done.calloff_id
              JOIN spend sp ON sp.calloff_id = c.id AND sp.event_id <= :upto
              GROUP BY c.id HAVING SUM(COALESCE(sp.attendees, 0)) > 0
            )
            SELECT lot, COUNT(*) AS calloffs, SUM(trained) AS trained, SUM(spent) AS spent
            FROM each GROUP BY lot ORDER BY lot
            """,
            {"at": at.isoformat(), "upto": NOW if upto is None else upto},
        )
    )
