"""The seals of older schemas, kept only so that an upgrade can tell whether an older
database was changed outside calloff before it was upgraded."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

import sqlite_utils

from calloff.store.seal import RECIPE, record_tables, row_hash, table_digest


def legacy_digests(db: sqlite_utils.Database) -> dict[str, str]:
    """The seal of schema versions 2 and 3: a SHA-256 over each whole table, in rowid order.

    Kept only so that an upgrade can tell whether an older database was changed outside
    calloff before it was upgraded.
    """
    digests = {}
    for table in record_tables(db):
        h = hashlib.sha256()
        for row in db.execute(f"SELECT * FROM [{table}] ORDER BY rowid"):
            h.update(json.dumps(row, default=str, separators=(",", ":")).encode("utf-8"))
            h.update(b"\n")
        digests[table] = h.hexdigest()
    return digests


def legacy_problem(db: sqlite_utils.Database, version: int) -> str | None:
    """Whether an older database's whole-table seal still matches its tables."""
    if version < 2:  # the first release kept no seal
        return None
    try:
        row = db.execute("SELECT state, last_event FROM audit_head WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return "the chain's head is missing: it was removed outside calloff before the upgrade"
    if not row:
        return None
    if not row[0]:
        return (
            "the audit seal in the chain's head was removed outside calloff before this "
            "database was upgraded"
        )
    try:
        sealed = json.loads(row[0])
    except ValueError:
        sealed = {}
    if not isinstance(sealed, dict):
        sealed = {}
    if sealed.get("recipe") == RECIPE:
        return _sealed_problem(db, sealed, row[1])
    now = legacy_digests(db)
    changed = sorted(t for t in set(sealed) | set(now) if sealed.get(t) != now.get(t))
    if not changed:
        return None
    return (
        f"the {', '.join(changed)} record(s) changed outside calloff after event {row[1]}, "
        "before this database was upgraded"
    )


def _sealed_problem(db: sqlite_utils.Database, sealed: dict[str, Any], event: int) -> str | None:
    """Before an upgrade from schema 4 on: whether the tables still add up to the multiset
    seal they carry (an earlier upgrade's finding is carried on)."""
    if sealed.get("inherited"):
        return str(sealed["inherited"])
    db.conn.create_function("calloff_row_hash", -1, row_hash, deterministic=True)
    tables: dict[str, list[Any]] = sealed.get("tables") or {}
    present = record_tables(db)
    changed = []
    for table in sorted(set(tables) | set(present)):
        count, total = table_digest(db, table) if table in present else (0, 0)
        rows, sealed_sum = tables.get(table, [0, "0" * 64])
        if (rows, int(sealed_sum, 16)) != (count, total):
            changed.append(table)
    if not changed:
        return None
    return (
        f"the {', '.join(changed)} record(s) changed outside calloff after event {event}, "
        "before this database was upgraded"
    )
