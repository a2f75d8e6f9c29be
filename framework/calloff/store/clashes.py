"""A write that clashed with a row put there outside calloff: what was found, in one line.

calloff numbers each event one after the chain's head, and records what allowed it under
the same number, so a row inserted by hand with the next number (an event, or an authority
record) makes calloff's own insert fail SQLite's UNIQUE check. The write is rolled back
either way; this says what was found instead of "internal error", and stops writes as the
seal's check does (`Tampered`). A clash elsewhere is named only where the seal confirms
that the table was changed outside calloff: otherwise it is a bug, and reported as one.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

from calloff.errors import Tampered

if TYPE_CHECKING:
    from calloff.store.database import Store

UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)")
HINT = "run `calloff audit verify` and restore from a backup"


def unique_clash(error: BaseException, store: Store) -> Tampered | None:
    """The refusal for a UNIQUE failure that a change outside calloff explains, or None.
    Called after the write was rolled back, so it reads the file as it was."""
    found = UNIQUE.search(str(error)) if isinstance(error, sqlite3.IntegrityError) else None
    if found is None:
        return None
    table, column = found.groups()
    head = _head(store)
    stop = f"calloff will not write to {store.path.name} until it is looked into"
    if table == "events" and _exists(store, "SELECT 1 FROM events WHERE id > ?", head):
        return Tampered(
            f"event {head + 1} already exists though the chain's head is event {head}: the "
            f"trail was changed outside calloff; {stop}",
            hint=HINT,
        )
    if table == "authority" and _exists(store, "SELECT 1 FROM authority WHERE event_id > ?", head):
        return Tampered(
            f"the record of what allowed event {head + 1} already exists though the chain's "
            f"head is event {head}: the authority records were changed outside calloff; {stop}",
            hint=HINT,
        )
    problem = store.trail.seal.problem()
    if problem:
        return Tampered(
            f"a {table} row already holds the {column} calloff was about to record, and "
            f"{problem}; {stop}",
            hint=HINT,
        )
    return None


def _head(store: Store) -> int:
    row = store.db.execute("SELECT last_event FROM audit_head WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def _exists(store: Store, sql: str, head: int) -> bool:
    return store.db.execute(sql, [head]).fetchone() is not None
