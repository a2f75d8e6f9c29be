"""`audit verify` in bounded memory: the chain streamed event by event, the records
reconciled with the trail in SQL, and the seal's digests recomputed table by table.

Nothing here holds more than one row at a time, so a trail of millions of events is
checked in the memory a hundred events would take; the time grows with the trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs
import sqlite_utils

from calloff.store import seal_key
from calloff.store.chain import COUNTED, Verdict, verify_chain
from calloff.store.migrations import DAILY_TOTALS_SQL
from calloff.store.seal import Seal, unsealed
from calloff.store.trail import COMMITMENT_SQL, SPENT_JOIN

Progress = Callable[[int], None]


def work(db: sqlite_utils.Database) -> int:
    """How many rows a full check reads, for a progress bar."""
    from calloff.store.seal import record_tables

    total = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    for table in record_tables(db):
        total += db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0]
    return int(total)


def verify(db: sqlite_utils.Database, seal: Seal, progress: Progress | None = None) -> Verdict:
    """The chain must be whole, and the records must match what it says happened.

    Checks, most specific first: the chain itself; the call-offs, invoice lines and other
    records against the events that made them; each call-off's dated changes against what
    it commits; the day totals against the changes and lines; and the seal over every
    record table and the schema.
    """
    head = next(iter(db.query("SELECT * FROM audit_head WHERE id = 1")), None)
    verdict = verify_chain(
        _counted(db.query("SELECT * FROM events ORDER BY id"), progress), head, _keyed(seal)
    )
    if not verdict.ok:
        return verdict
    problem = reconcile(db) or _unbalanced(db) or seal.problem(progress) or _day_totals(db)
    if problem:
        return attrs.evolve(
            verdict,
            ok=False,
            problem=problem[0] if isinstance(problem, tuple) else problem,
            event=problem[1] if isinstance(problem, tuple) else None,
        )
    return verdict


def _keyed(seal: Seal) -> Callable[[Mapping[str, Any]], str | None]:
    """Each write's seal, from the first made with the key on: its MAC must hold, so an
    event edited and the chain hashed again after it, or a seal made again without the
    key, is named; and no seal after the first keyed one may lack the key."""
    keyed_from: list[int] = []

    def check(row: Mapping[str, Any]) -> str | None:
        if seal_key.parse(row["seal"]) is None:
            if keyed_from:
                return (
                    f"its seal has no key, though the trail was sealed with the key from event "
                    f"{keyed_from[0]}: it was re-sealed outside calloff"
                )
            return None
        keyed_from[:] = keyed_from or [row["id"]]
        return seal_key.check(seal.key, row["seal"], unsealed(dict(row)))

    return check


def _counted(rows: Iterable[dict[str, Any]], progress: Progress | None) -> Iterator[dict[str, Any]]:
    n = 0
    for row in rows:
        yield row
        n += 1
        if progress and n % 1000 == 0:
            progress(1000)
    if progress:
        progress(n % 1000)


def reconcile(db: sqlite_utils.Database) -> tuple[str, int | None] | None:
    """The records against the trail: a whole chain must also tell their whole story.

    Catches what a chain alone cannot: every event deleted, or a call-off's value or
    status, or an invoice line, changed in its table without an event.
    """
    first = db.execute("SELECT action FROM events ORDER BY id LIMIT 1").fetchone()
    framework = db.execute("SELECT 1 FROM framework LIMIT 1").fetchone()
    if framework and (not first or first[0] != "framework.init"):
        return (
            "the trail does not begin with the framework being set up: its first events "
            "were deleted",
            1,
        )
    for table, action in COUNTED.items():
        rows = db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0]
        logged = db.execute("SELECT COUNT(*) FROM events WHERE action = ?", [action]).fetchone()[0]
        if rows != logged:
            return (
                f"{rows} row(s) in {table} but {logged} {action} event(s): rows or events "
                "were added or deleted outside calloff",
                None,
            )
    return _calloffs(db) or _spend(db)


# The latest event about a call-off that set a value, and one that set a status (an
# offer's status is "offered" unless it says otherwise).
_CALLOFF_SQL = """
SELECT c.id, c.value_pence, c.status,
  EXISTS (SELECT 1 FROM events e WHERE e.object_type = 'calloff'
          AND e.object_id = CAST(c.id AS TEXT) AND e.action = 'calloff.offer') AS offered,
  (SELECT e.id || ' ' || json_extract(e.after, '$.value') FROM events e
     WHERE e.object_type = 'calloff' AND e.object_id = CAST(c.id AS TEXT)
     AND json_type(e.after, '$.value') IS NOT NULL ORDER BY e.id DESC LIMIT 1) AS value,
  (SELECT e.id || ' ' || CASE WHEN e.action = 'calloff.offer'
                         THEN COALESCE(json_extract(e.after, '$.status'), 'offered')
                         ELSE json_extract(e.after, '$.status') END
     FROM events e WHERE e.object_type = 'calloff' AND e.object_id = CAST(c.id AS TEXT)
     AND (e.action = 'calloff.offer' OR json_type(e.after, '$.status') IS NOT NULL)
     ORDER BY e.id DESC LIMIT 1) AS status_event
FROM calloffs c ORDER BY c.id
"""


def _calloffs(db: sqlite_utils.Database) -> tuple[str, int | None] | None:
    for c in db.query(_CALLOFF_SQL):
        oid = c["id"]
        if not c["offered"]:
            return (
                f"call-off {oid} has no offer in the trail: it was written, or its events "
                "deleted, outside calloff",
                None,
            )
        event, _, value = (c["value"] or "0 ").partition(" ")
        if _pence(value) != c["value_pence"]:
            return (
                f"call-off {oid}'s value in its table does not match event {event}: "
                "changed outside calloff",
                int(event),
            )
        event, _, status = (c["status_event"] or "0 ").partition(" ")
        if status != c["status"]:
            return (
                f"call-off {oid} is {c['status']} in its table but {status} after "
                f"event {event}: changed, or later events deleted, outside calloff",
                int(event),
            )
    missing = db.execute(
        "SELECT e.id, e.object_id FROM events e WHERE e.action = 'calloff.offer' AND NOT EXISTS "
        "(SELECT 1 FROM calloffs c WHERE c.id = CAST(e.object_id AS INTEGER)) ORDER BY e.id "
        "LIMIT 1"
    ).fetchone()
    if missing:
        return (
            f"call-off {missing[1]}, offered in event {missing[0]}, is missing: deleted "
            "outside calloff",
            missing[0],
        )
    return None


def _spend(db: sqlite_utils.Database) -> tuple[str, int | None] | None:
    for s in db.query(
        """SELECT s.id, s.invoice, s.amount_pence, s.spent_on, e.id AS event,
                 json_extract(e.after, '$.amount') AS amount,
                 json_extract(e.after, '$.invoice') AS logged_invoice,
                 json_extract(e.after, '$.date') AS logged_date
               FROM spend s LEFT JOIN events e ON e.id = s.event_id
                 AND e.action = 'spend.add' AND json_extract(e.after, '$.spend') = s.id
               ORDER BY s.id"""
    ):
        if s["event"] is None:
            found = db.execute(
                "SELECT id FROM events WHERE action = 'spend.add' "
                "AND json_extract(after, '$.spend') = ? LIMIT 1",
                [s["id"]],
            ).fetchone()
            if found is None:
                return (
                    f"spend line {s['id']} (invoice {s['invoice']}) has no event: written "
                    "outside calloff",
                    None,
                )
            return (
                f"spend line {s['id']} does not match event {found[0]}: changed outside calloff",
                found[0],
            )
        if (
            _pence(s["amount"]) != s["amount_pence"]
            or s["logged_invoice"] != s["invoice"]
            or s["logged_date"] != s["spent_on"]
        ):
            return (
                f"spend line {s['id']} does not match event {s['event']}: changed outside calloff",
                s["event"],
            )
    missing = db.execute(
        "SELECT e.id, json_extract(e.after, '$.spend') FROM events e "
        "WHERE e.action = 'spend.add' AND NOT EXISTS (SELECT 1 FROM spend s "
        "WHERE s.id = json_extract(e.after, '$.spend')) ORDER BY e.id LIMIT 1"
    ).fetchone()
    if missing:
        return (
            f"spend line {missing[1]}, recorded in event {missing[0]}, is missing: deleted "
            "outside calloff",
            missing[0],
        )
    return None


def _unbalanced(db: sqlite_utils.Database) -> str | None:
    row = db.execute(
        f"""SELECT c.id FROM calloffs c {SPENT_JOIN}
        LEFT JOIN (SELECT calloff_id, SUM(delta_pence) AS held FROM changes
                   GROUP BY calloff_id) h ON h.calloff_id = c.id
        WHERE COALESCE(h.held, 0) != {COMMITMENT_SQL} ORDER BY c.id LIMIT 1"""
    ).fetchone()
    if row:
        return (
            f"call-off {row[0]}'s dated changes do not add up to what it commits now: its "
            "commitment history was changed outside calloff"
        )
    return None


def _day_totals(db: sqlite_utils.Database) -> str | None:
    derived = f"SELECT * FROM ({DAILY_TOTALS_SQL}) WHERE committed_pence != 0 OR spent_pence != 0"
    kept = (
        "SELECT year, funding, day, committed_pence, spent_pence FROM daily_totals "
        "WHERE committed_pence != 0 OR spent_pence != 0"
    )
    for a, b in ((derived, kept), (kept, derived)):
        row = db.execute(f"SELECT * FROM ({a} EXCEPT {b}) LIMIT 1").fetchone()
        if row:
            return (
                f"the day totals for {row[0]} {row[1]} on {row[2]} do not match the dated "
                "changes and invoice lines: changed outside calloff"
            )
    return None


def _pence(amount: str | None) -> int:
    pounds, _, pence = str(amount or "0").partition(".")
    try:
        return int(pounds) * 100 + int((pence or "0").ljust(2, "0")[:2])
    except ValueError:
        return -1
