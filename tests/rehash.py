"""A test's own rewrite of the trail: change events in SQL, then hash the chain again and
re-seal it with the public recipe, as only someone without an audit key could and as the
keyless seal cannot tell (docs/audit.md). For tests that need older events (their
recorded times moved back), not a way round the seal: a keyed database would refuse it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from calloff.store.chain import event_hash


def rewrite_events(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("BEGIN")
    conn.execute(sql)
    prev = ""
    for row in [dict(r) for r in conn.execute("SELECT * FROM events ORDER BY id")]:
        row["prev_hash"] = prev
        row["hash"] = event_hash(row, prev)
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?",
            [row["prev_hash"], row["hash"], row["id"]],
        )
        prev = row["hash"]
    conn.execute("UPDATE audit_head SET last_hash = ?", [prev])
    conn.execute("COMMIT")
    conn.close()
    from calloff.store.database import Store
    from calloff.store.seal import Seal

    store = Store.open(db)
    seal = Seal(store.db)
    store.db.conn.execute("BEGIN")
    seal.reseal()
    store.db.conn.execute("COMMIT")
    store.close()
