"""The report's figure against the framework's estimated value: what has been spent and
what is committed under the whole framework, every financial year together, up to a day
(docs/reports.md, "Against the framework's estimated value").

Spent is every invoice line's amount (ex-VAT) dated on or before the day; committed is the
dated commitment ledger summed over every call-off, as the report's own "committed" is for
one year. Both read only what the report's audit event had recorded, so `--as-recorded`
gives the same figure. Two sums, each one pass in SQL, whatever the number of call-offs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from calloff.store.ledger import NOW

if TYPE_CHECKING:
    from calloff.store.database import Store


def framework_to_date(store: Store, at: date, upto: int | None = None) -> tuple[int, int]:
    """(spent, committed) in pence under the framework on day `at`, as recorded by event
    `upto` (default: everything recorded): the invoice lines dated on or before `at`, and
    the commitment of every call-off, whatever its year, by the changes effective by `at`."""
    params = {"at": at.isoformat(), "upto": NOW if upto is None else upto}
    # Spend to date is most of the table: one scan (80 ms for 1,000,000 lines) beats
    # looking each line up through the `spent_on` index (three times as long).
    spent = store.db.execute(
        "SELECT COALESCE(SUM(amount_pence), 0) FROM spend NOT INDEXED "
        "WHERE spent_on <= :at AND event_id <= :upto",
        params,
    ).fetchone()[0]
    committed = store.db.execute(
        "SELECT COALESCE(SUM(delta_pence), 0) FROM changes "
        "WHERE effective_on <= :at AND event_id <= :upto",
        params,
    ).fetchone()[0]
    return int(spent), int(committed)


def by_cost_centre(
    store: Store, start: date, end: date, upto: int | None = None
) -> list[tuple[str | None, str | None, str | None, int, int]]:
    """(cost centre, GL code, purchase order, lines, pence) of the invoice lines dated in
    [start, end], as recorded by event `upto`, by the council's codes from its finance
    system (a line's purchase order, else its call-off's; those with none last)."""
    rows = store.db.execute(
        "SELECT sp.cost_centre, sp.gl_code, COALESCE(sp.purchase_order, c.purchase_order) AS po, "
        "COUNT(*), SUM(sp.amount_pence) FROM spend sp JOIN calloffs c ON c.id = sp.calloff_id "
        "WHERE sp.spent_on BETWEEN :start AND :end AND sp.event_id <= :upto "
        "GROUP BY sp.cost_centre, sp.gl_code, po "
        "ORDER BY sp.cost_centre IS NULL, sp.cost_centre, sp.gl_code IS NULL, sp.gl_code, "
        "po IS NULL, po",
        {"start": start.isoformat(), "end": end.isoformat(), "upto": NOW if upto is None else upto},
    ).fetchall()
    return [(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]
