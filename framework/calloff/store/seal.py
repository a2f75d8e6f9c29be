"""The seal over the records: a digest of every record table and of the schema, kept in
the chain's head and brought up to date row by row, so that a write costs the same in a
database of a hundred call-offs as in one of a hundred thousand.

Each record table's digest is a multiset hash: the number of its rows and the sum, modulo
2**256, of the SHA-256 of each row. Adding a row adds its hash, deleting one subtracts it,
an update does both, so the digest of a table after a write follows from the digest before
it and the rows the write touched. calloff's own connection watches every record table with
TEMP triggers (they exist only on that connection): each touched row's hash goes into a
TEMP table that commits or rolls back with the write, savepoints included, and at commit
the sums are folded into the head. A change made by any other program goes unrecorded, so
the table no longer adds up to its sealed digest and `audit verify` names it.

The schema (every table, index, trigger and view, and the schema version) is sealed the same
way and checked before every write: an added trigger or a dropped unique index stops
calloff writing until someone looks. The recipe is public and the chain has no secret key,
so a program that rewrites the tables can rewrite the seal too; only a head hash kept
elsewhere (`calloff audit verify --expect HASH`) catches that, or an older copy of the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import sqlite_utils

RECIPE = "multiset-sha256/1"
MODULUS = 2**256
# The chain and its head prove themselves; the sign-in record and the open sessions are
# the workspace's log of who came and went, written without an event at every sign-in and
# click (an event is a decision); the outbox is the log of who was told, whose sending
# (and the day's reminders) is no decision either. The rest are the records.
NOT_RECORDS = ("events", "audit_head", "sessions", "sign_ins", "outbox")


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


class Seal:
    """The digests sealed into `audit_head.state`, kept up to date by each write."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._began_at = 0  # the newest event when the current write began
        self.db.conn.create_function("calloff_row_hash", -1, row_hash, deterministic=True)
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS seal_pending "
            "(tbl TEXT NOT NULL, sign INTEGER NOT NULL, h TEXT NOT NULL)"
        )

    # -- watching calloff's own writes -----------------------------------------------------

    def watch(self) -> None:
        """Record the hash of every row calloff's connection inserts, updates or deletes."""
        for (name,) in self.db.execute(
            "SELECT name FROM temp.sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'seal\\_%' ESCAPE '\\'"
        ).fetchall():
            self.db.execute(f"DROP TRIGGER temp.[{name}]")
        for table in record_tables(self.db):
            cols = columns(self.db, table)

            def values(prefix: str, table: str = table, cols: list[str] = cols) -> str:
                return ", ".join([f"'{table}'", *(f"{prefix}.[{c}]" for c in cols)])

            add = "INSERT INTO seal_pending VALUES ('{t}', {s}, calloff_row_hash({v}));"
            self.db.execute(
                f"CREATE TEMP TRIGGER [seal_{table}_insert] AFTER INSERT ON main.[{table}] "
                f"BEGIN {add.format(t=table, s=1, v=values('NEW'))} END"
            )
            self.db.execute(
                f"CREATE TEMP TRIGGER [seal_{table}_update] AFTER UPDATE ON main.[{table}] "
                f"BEGIN {add.format(t=table, s=-1, v=values('OLD'))} "
                f"{add.format(t=table, s=1, v=values('NEW'))} END"
            )
            self.db.execute(
                f"CREATE TEMP TRIGGER [seal_{table}_delete] AFTER DELETE ON main.[{table}] "
                f"BEGIN {add.format(t=table, s=-1, v=values('OLD'))} END"
            )

    # -- the sealed state ------------------------------------------------------------------

    def state(self) -> dict[str, Any] | None:
        try:
            row = self.db.execute("SELECT state FROM audit_head WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # a database being created
            return None
        if not row or not row[0]:
            return None
        try:
            state = json.loads(row[0])
        except ValueError:
            return {"recipe": "unreadable"}
        return state if isinstance(state, dict) else {"recipe": "unreadable"}

    def _head(self) -> tuple[int, str] | None:
        try:
            row = self.db.execute(
                "SELECT last_event, last_hash FROM audit_head WHERE id = 1"
            ).fetchone()
        except sqlite3.OperationalError:  # a database being created
            return None
        return (int(row[0]), str(row[1])) if row else None

    def _write(self, state: dict[str, Any]) -> None:
        """Seal the state into the head, and bind it into the chain: the newest event (this
        write's last) carries its digest, and its hash is taken again over it."""
        from calloff.store.chain import event_hash

        event = next(
            iter(self.db.query("SELECT * FROM events WHERE id = ?", [state["event"]])), None
        )
        if event is not None and "seal" in event:
            event["seal"] = digest(state)
            event["hash"] = event_hash(event, event["prev_hash"])
            self.db.execute(
                "UPDATE events SET seal = ?, hash = ? WHERE id = ?",
                [event["seal"], event["hash"], event["id"]],
            )
            self.db.execute("UPDATE audit_head SET last_hash = ? WHERE id = 1", [event["hash"]])
            state["hash"] = event["hash"]
        self.db.execute(
            "UPDATE audit_head SET state = ? WHERE id = 1",
            [json.dumps(state, sort_keys=True, separators=(",", ":"))],
        )
        self.db.execute("DELETE FROM temp.seal_pending")

    def reseal(self, inherited: str | None = None) -> None:
        """Digest every table afresh: at creation and after an upgrade, never per write."""
        head = self._head()
        if head is None:
            return
        tables = {}
        for table in record_tables(self.db):
            count, total = table_digest(self.db, table)
            tables[table] = [count, f"{total:064x}"]
        state: dict[str, Any] = {
            "recipe": RECIPE,
            "event": head[0],
            "hash": head[1],
            "schema": schema(self.db),
            "tables": tables,
        }
        if inherited:
            state["inherited"] = inherited
        self._write(state)

    def fold(self) -> None:
        """At the end of a write: fold the rows it touched into the digests. A write that
        kept no event of its own (every change is an event) seals nothing: the newest event
        then belongs to an earlier write and must stay exactly as it was."""
        head = self._head()
        if head is None or head[0] <= self._began_at:
            return
        state = self.state()
        if state is None or state.get("recipe") != RECIPE:
            self.reseal()
            return
        tables: dict[str, list[Any]] = state["tables"]
        for table, sign, count, hashes in self._pending():
            rows, total = tables.get(table, [0, "0" * 64])
            tables[table] = [rows + count, f"{(int(total, 16) + sign * hashes) % MODULUS:064x}"]
        state["event"], state["hash"] = head
        state["schema"] = schema(self.db)
        self._write(state)

    def _pending(self) -> Iterable[tuple[str, int, int, int]]:
        """(table, sign, rows, sum of hashes) of the rows this write touched."""
        sums: dict[tuple[str, int], list[int]] = {}
        for table, sign, h in self.db.execute("SELECT tbl, sign, h FROM temp.seal_pending"):
            entry = sums.setdefault((table, sign), [0, 0])
            entry[0] += 1
            entry[1] += int(h, 16)
        for (table, sign), (count, total) in sums.items():
            yield table, sign, sign * count, total

    # -- checking --------------------------------------------------------------------------

    def problem_before_write(self) -> str | None:
        """Why calloff must not write on top of this file (cheap: no table is read).
        Called as each write begins: it also notes the newest event before the write."""
        head = self._head()
        state = self.state()
        self._began_at = head[0] if head else 0
        if head is None:
            return None
        if state is None:
            return "the audit seal in the chain's head was removed outside calloff"
        if state.get("recipe") != RECIPE:
            return (
                "the audit seal in the chain's head is unreadable: it was changed outside calloff"
            )
        if (state.get("event"), state.get("hash")) != head:
            return (
                f"the chain's head was moved outside calloff: calloff last sealed event "
                f"{state.get('event')}, the head now names event {head[0]}"
            )
        changed = schema_changes(state.get("schema", {}), schema(self.db))
        if changed:
            return f"the database's schema was changed outside calloff: {'; '.join(changed)}"
        return None

    def problem(self, progress: Callable[[int], None] | None = None) -> str | None:
        """Digest every table afresh and compare with the seal; name what changed."""
        state = self.state()
        if self._head() is None:
            return None
        before = self.problem_before_write()
        if before:
            return before
        if state is None or state.get("recipe") != RECIPE:
            return "the records carry no seal this calloff can read"
        row = self.db.execute("SELECT seal FROM events WHERE id = ?", [state["event"]]).fetchone()
        if row is None or row[0] != digest(state):
            return (
                f"the seal in the chain's head does not match the one event "
                f"{state['event']} carries: the seal was rewritten outside calloff"
            )
        if state.get("inherited"):
            return str(state["inherited"])
        sealed: dict[str, list[Any]] = state["tables"]
        present = record_tables(self.db)
        changed = []
        for table in sorted(set(sealed) | set(present)):
            count, total = table_digest(self.db, table) if table in present else (0, 0)
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


def digest(state: dict[str, Any]) -> str:
    """One SHA-256 over a sealed state's schema and table digests: what the chain carries."""
    content = {k: state.get(k) for k in ("recipe", "schema", "tables", "inherited")}
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()


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
