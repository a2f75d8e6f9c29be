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
calloff writing until someone looks. Without a key the recipe is public, so a program that
rewrites the tables can rewrite the seal too; only a head hash kept elsewhere (`calloff
audit verify --expect HASH`) catches that, or an older copy of the file. With the audit key
(`calloff.store.seal_key`) each write's seal carries an HMAC that only the key's holder can
make. A decision checks the parts of the records it reads (`calloff.store.seal_parts`)
before it is written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import sqlite_utils

from calloff.errors import CalloffError, DatabaseError, Tampered
from calloff.store import seal_key, seal_parts
from calloff.store.seal_digest import (
    MODULUS,
    NOT_RECORDS,
    RECIPE,
    columns,
    digest,
    record_tables,
    row_hash,
    schema,
    schema_changes,
    table_digest,
    tables_problem,
    unsealed,
)
from calloff.store.seal_key import SealKey

__all__ = [
    "MODULUS",
    "NOT_RECORDS",
    "RECIPE",
    "Seal",
    "columns",
    "digest",
    "record_tables",
    "row_hash",
    "schema",
    "schema_changes",
    "table_digest",
    "unsealed",
]


class Seal:
    """The digests sealed into `audit_head.state`, kept up to date by each write."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._began_at = 0  # the newest event when the current write began
        self._key: tuple[SealKey | None] | None = None  # read when first needed
        self._adopt = False  # this write seals a keyless file with the key from now on
        self.taking_key = False  # set by `Office.use_audit_key` for its one write
        self._vouched: set[tuple[str, str | None]] = set()  # what decisions read
        self.db.conn.create_function("calloff_row_hash", -1, row_hash, deterministic=True)
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS seal_pending "
            "(tbl TEXT NOT NULL, sign INTEGER NOT NULL, h TEXT NOT NULL, part TEXT)"
        )

    @property
    def key(self) -> SealKey | None:
        """The audit key configured for this process (CALLOFF_AUDIT_KEY_FILE), if any."""
        if self._key is None:
            self._key = (seal_key.configured(),)
        return self._key[0]

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
                row = ", ".join([f"'{table}'", *(f"{prefix}.[{c}]" for c in cols)])
                keyed = table in seal_parts.PARTS
                part = seal_parts.part_sql(table, f"{prefix}.") if keyed else "NULL"
                return f"calloff_row_hash({row}), {part}"

            add = "INSERT INTO seal_pending VALUES ('{t}', {s}, {v});"
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
        write's last) carries its digest (with the key's MAC, where there is a key), and its
        hash is taken again over it."""
        from calloff.store.chain import event_hash

        event = next(
            iter(self.db.query("SELECT * FROM events WHERE id = ?", [state["event"]])), None
        )
        if event is not None and "seal" in event:
            event["seal"] = digest(state)
            if state.get("key") and self.key is not None:
                event["seal"] = seal_key.keyed_seal(self.key, event["seal"], unsealed(event))
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
        self._vouched.clear()
        self._adopt = False

    def reseal(self, inherited: str | None = None) -> None:
        """Digest every table afresh: at creation and after an upgrade, never per write."""
        head = self._head()
        if head is None:
            return
        tables = {}
        present = record_tables(self.db)
        for table in present:
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
        before = self.state()  # a keyless file takes the key only by `use_audit_key`
        if self.key is not None and (before is None or before.get("key") or self._adopt):
            state["key"] = self.key.fingerprint
        if "seal_parts" in self._tables():
            seal_parts.refill(self.db, present, columns)
        self._write(state)

    def fold(self) -> None:
        """At the end of a write: check what its decisions read, then fold the rows it
        touched into the digests. A write that kept no event of its own (every change is an
        event) seals nothing: the newest event then belongs to an earlier write and must
        stay exactly as it was."""
        head = self._head()
        if head is None or head[0] <= self._began_at:
            self.forget()
            return
        state = self.state()
        if state is None or state.get("recipe") != RECIPE:
            self.reseal()
            return
        pending = self._pending()
        self._check_vouched(state, pending)
        tables: dict[str, list[Any]] = state["tables"]
        parts: dict[tuple[str, str], list[int]] = {}
        for (table, part), (count, hashes) in pending.items():
            rows, total = tables.get(table, [0, "0" * 64])
            tables[table] = [rows + count, f"{(int(total, 16) + hashes) % MODULUS:064x}"]
            if part is not None and table in seal_parts.PARTS:
                parts[(table, part)] = [count, hashes]
        if parts:
            seal_parts.fold(self.db, parts)
        state["event"], state["hash"] = head
        state["schema"] = schema(self.db)
        if self._adopt and self.key is not None:
            state["key"] = self.key.fingerprint
        self._write(state)

    def read_changed(self, refusal: BaseException) -> Tampered | None:
        """After a refused write, rolled back: if what its decisions read was changed
        outside calloff, that is the refusal to give (a raised cap can make a refusal
        about something else)."""
        vouched = self._vouched
        state = self.state()
        if not isinstance(refusal, CalloffError) or isinstance(refusal, Tampered) or not state:
            self.forget()
            return None
        try:
            self._vouched = vouched
            self._check_vouched(state, {})
        except Tampered as found:
            return found
        finally:
            self.forget()
        return None

    def forget(self) -> None:
        """A write ended without sealing (refused, or without an event)."""
        self._vouched.clear()
        self._adopt = False

    def _pending(self) -> dict[tuple[str, str | None], list[int]]:
        """(table, part) -> [rows, sum of hashes], signed, of the rows this write touched."""
        sums: dict[tuple[str, str | None], list[int]] = {}
        for table, sign, h, part in self.db.execute(
            "SELECT tbl, sign, h, part FROM temp.seal_pending"
        ):
            entry = sums.setdefault((table, part), [0, 0])
            entry[0] += sign
            entry[1] += sign * int(h, 16)
        return sums

    def _tables(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM main.sqlite_master")}

    # -- what a decision read --------------------------------------------------------------

    def sealed_with(self) -> str | None:
        """The fingerprint of the audit key the records are sealed with (None: keyless)."""
        return (self.state() or {}).get("key")

    def vouch(self, table: str, *more: Any) -> None:
        """A decision read these records: before it is written, they must still add up to
        the seal. `vouch("bids", 4)` is one part of a table sealed by parts (`vouch("prices",
        4, 17)`: provider 17's on lot 4); `vouch("caps", "streams")` names small tables read
        whole."""
        if table in seal_parts.PARTS:
            self._vouched.add((table, "/".join(str(k) for k in more) if more else None))
        else:
            self._vouched.update((t, None) for t in (table, *more))

    def _check_vouched(
        self, state: dict[str, Any], pending: dict[tuple[str, str | None], list[int]]
    ) -> None:
        if self._vouched:
            seal_parts.check_reads(self.db, self._vouched, state, pending, record_tables, columns)

    # -- checking --------------------------------------------------------------------------

    def problem_before_write(self) -> str | None:
        """Why calloff must not write on top of this file (cheap: the head, the newest event
        and the schema are read, no table). Called as each write begins: it also notes the
        newest event before the write, and whether this write seals with the key."""
        head = self._head()
        state = self.state()
        self._began_at = head[0] if head else 0
        self.forget()
        if head is None:
            return None
        sealed_with = (state or {}).get("key")
        key = self.key
        if sealed_with and (key is None or key.fingerprint != sealed_with):
            raise DatabaseError(
                f"this database is sealed with audit key {sealed_with}: calloff writes to it "
                f"only with that key"
                + ("" if key is None else f", not with key {key.fingerprint}"),
                hint=f"name the key's file in {seal_key.SETTING}",
            )
        problem = self._problem_now(head, state) or (
            None if sealed_with else seal_key.unkeyed(self.db, head)
        )
        if problem is None and key is not None and state is not None and not sealed_with:
            if not self.taking_key:  # only `Office.use_audit_key`, after a whole verify
                raise DatabaseError(
                    f"this database is sealed without an audit key, though key "
                    f"{key.fingerprint} is configured: calloff writes to it with the key only "
                    "once an admin has verified it and sealed it with the key",
                    hint="run `calloff audit use-key` (or unset " + seal_key.SETTING + ")",
                )
            problem = (
                state.get("inherited")
                or seal_key.once_keyed(self.db)
                or tables_problem(self.db, state)
            )
            self._adopt = problem is None
        return problem

    def _problem_now(self, head: tuple[int, str], state: dict[str, Any] | None) -> str | None:
        """The head, its seal and the newest event, which must agree; and the schema."""
        from calloff.store.chain import event_hash

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
        newest = next(iter(self.db.query("SELECT * FROM events WHERE id = ?", [head[0]])), None)
        if newest is None or newest["hash"] != head[1]:
            return (
                f"the chain's head names event {head[0]}, which is not in the trail as it was "
                "sealed: the newest events were changed outside calloff"
            )
        if event_hash(newest, newest.get("prev_hash") or "") != newest["hash"]:
            return (
                f"event {head[0]}, the newest, was edited outside calloff: it no longer "
                "matches its hash"
            )
        if seal_key.digest_of(newest.get("seal")) != digest(state):
            return (
                f"the seal in the chain's head does not match the one event {head[0]} carries: "
                "the seal was rewritten outside calloff"
            )
        keyed = seal_key.parse(newest.get("seal"))
        if bool(state.get("key")) != (keyed is not None):
            return f"the seal on event {head[0]} has lost its key: it was re-sealed outside calloff"
        if keyed is not None:
            why = seal_key.check(self.key, newest["seal"], unsealed(newest))
            if why:
                return f"event {head[0]}: {why}"
        changed = schema_changes(state.get("schema", {}), schema(self.db))
        if changed:
            return f"the database's schema was changed outside calloff: {'; '.join(changed)}"
        return None

    def problem(self, progress: Callable[[int], None] | None = None) -> str | None:
        """Digest every table afresh and compare with the seal; name what changed."""
        head = self._head()
        if head is None:
            return None
        state = self.state()
        before = self._problem_now(head, state)
        if before or state is None:
            return before
        if state.get("inherited"):
            return str(state["inherited"])
        problem = tables_problem(self.db, state, progress)
        if problem is None and "seal_parts" in self._tables():
            problem = seal_parts.mismatched(self.db, record_tables(self.db), columns)
        return problem
