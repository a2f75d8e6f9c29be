"""The seal's arithmetic: each row's hash, each table's multiset digest, the schema's
fingerprint, and the one digest over them that the chain carries (see `calloff.store.seal`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import sqlite_utils

RECIPE = "multiset-sha256/1"
MODULUS = 2**256
# The chain and its head prove themselves; the sign-in record and the open sessions are
# the workspace's log of who came and went, written without an event at every sign-in and
# click (an event is a decision); the outbox is the log of who was told, whose sending
# (and the day's reminders) is no decision either. The rest are the records.
NOT_RECORDS = ("events", "audit_head", "seal_parts", "sessions", "sign_ins", "outbox")


def row_hash(table: str, *values: Any) -> str:
    """The SHA-256 of one row of a table, as the seal counts it."""
    text = json.dumps([table, *values], ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_tables(db: sqlite_utils.Database) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            f"AND name NOT IN ({', '.join(repr(t) for t in NOT_RECORDS)}) ORDER BY name"
        )
    ]


def columns(db: sqlite_utils.Database, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA main.table_info([{table}])")]


def schema(db: sqlite_utils.Database) -> dict[str, str]:
    """Every table, index, trigger and view with a short digest of its SQL."""
    found = {"user_version": str(db.execute("PRAGMA main.user_version").fetchone()[0])}
    for kind, name, sql in db.execute(
        "SELECT type, name, sql FROM main.sqlite_master "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name"
    ):
        found[f"{kind} {name}"] = hashlib.sha256((sql or "").encode("utf-8")).hexdigest()[:16]
    return found


def schema_changes(sealed: dict[str, str], now: dict[str, str]) -> list[str]:
    """What differs between the sealed schema and the file's, in words."""
    said = []
    for key in sorted(set(sealed) | set(now)):
        if key not in now:
            said.append(f"{key} was dropped")
        elif key not in sealed:
            said.append(f"{key} was added")
        elif sealed[key] != now[key]:
            said.append(f"{key} was changed")
    return said


def table_digest(db: sqlite_utils.Database, table: str) -> tuple[int, int]:
    """(rows, sum of row hashes) of a whole table, streamed: memory stays flat."""
    cols = ", ".join(f"[{c}]" for c in columns(db, table))
    count, total = 0, 0
    for (h,) in db.execute(f"SELECT calloff_row_hash(?, {cols}) FROM [{table}]", [table]):
        count += 1
        total += int(h, 16)
    return count, total % MODULUS


def unsealed(event: dict[str, Any]) -> str:
    """An event's hash taken without its seal: what a keyed seal's MAC covers."""
    from calloff.store.chain import event_hash

    return event_hash({**event, "seal": None}, event.get("prev_hash") or "")


def digest(state: dict[str, Any]) -> str:
    """One SHA-256 over a sealed state's schema and table digests: what the chain carries."""
    content = {k: state.get(k) for k in ("recipe", "schema", "tables", "inherited")}
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()


def tables_problem(
    db: sqlite_utils.Database,
    state: dict[str, Any],
    progress: Callable[[int], None] | None = None,
) -> str | None:
    """Every record table digested afresh against the sealed state: which changed."""
    sealed: dict[str, list[Any]] = state["tables"]
    present = record_tables(db)
    changed = []
    for table in sorted(set(sealed) | set(present)):
        count, total = table_digest(db, table) if table in present else (0, 0)
        if progress:
            progress(count)
        rows, sealed_sum = sealed.get(table, [0, "0" * 64])
        if (rows, int(sealed_sum, 16)) != (count, total):
            changed.append(table)
    if changed:
        return (
            f"the {', '.join(changed)} record(s) changed outside calloff after event "
            f"{state['event']}, the last change calloff made"
        )
    return None
