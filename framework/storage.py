"""SQLite storage through sqlite-utils: the only module that knows about tables and rows.

Money is stored as integer pence, dates as ISO text. Every write happens inside
`Store.transaction()`, a `BEGIN IMMEDIATE` transaction: the check that a commitment
fits under the ceiling and the write of that commitment cannot be split by another
process, and a refusal (any exception) rolls back everything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import sqlite_utils

from framework.audit import COUNTED, Verdict, event_hash, reconcile, verify_chain
from framework.dates import FinancialYear
from framework.errors import DatabaseError, InvalidInput, NotFound
from framework.ledger import NOW, Ledger
from framework.model import (
    FINISHED,
    LIVE,
    CallOff,
    Framework,
    FundingStream,
    Lot,
    PassOver,
    Provider,
    RankEntry,
    Rates,
    Request,
    Term,
    Unavailability,
)
from framework.money import from_pence, to_pence
from framework.rules import Position

SCHEMA_VERSION = 3
BUSY_TIMEOUT_SECONDS = 15

# SQL for the commitment a call-off holds, given its spend so far as `spent`.
COMMITMENT_SQL = (
    "CASE WHEN c.status IN ({live}) THEN c.value_pence "
    "WHEN c.status IN ({finished}) THEN COALESCE(s.spent, 0) ELSE 0 END"
).format(
    live=", ".join(f"'{s}'" for s in LIVE), finished=", ".join(f"'{s}'" for s in FINISHED)
)
SPENT_JOIN = (
    "LEFT JOIN (SELECT calloff_id, SUM(amount_pence) AS spent FROM spend "
    "GROUP BY calloff_id) s ON s.calloff_id = c.id"
)


def now_stamp() -> str:
    """When something was recorded: UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _connect(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def _create_schema_v1(db: sqlite_utils.Database) -> None:
    """The first release's schema. Later versions change it only through MIGRATIONS."""
    db.table("framework").create(
        {
            "id": str, "name": str, "buyer": str, "term_start": str, "initial_years": int,
            "extensions_max": int, "extension_years": int, "response_days": int,
            "holidays": str, "approval_threshold_pence": int, "default_funding": str,
            "terms": str, "created_at": str,
        },
        pk="id", not_null={"id", "name", "buyer", "term_start"},
    )
    db.table("lots").create({"number": int, "title": str}, pk="number", not_null={"title"})
    db.table("streams").create(
        {
            "name": str, "title": str, "capped": int, "status": str, "confirmed_on": str,
            "window_start": str, "window_end": str, "position": int,
        },
        pk="name", not_null={"capped", "status"},
    )
    db.table("caps").create(
        {"year": str, "stream": str, "amount_pence": int},
        pk=("year", "stream"), not_null={"amount_pence"},
        foreign_keys=[("stream", "streams", "name")],
    )
    db.table("extensions").create(
        {"id": int, "effective_on": str, "recorded_at": str, "officer": str}, pk="id"
    )
    db.table("providers").create(
        {"id": int, "name": str, "vat": str, "created_on": str, "recorded_at": str,
         "officer": str},
        pk="id", not_null={"name", "vat"},
    )
    db.execute("CREATE UNIQUE INDEX providers_name ON providers (name COLLATE NOCASE)")
    db.table("provider_status").create(
        {"id": int, "provider_id": int, "effective_on": str, "status": str, "reason": str,
         "recorded_at": str, "officer": str},
        pk="id", not_null={"provider_id", "effective_on", "status"},
        foreign_keys=[("provider_id", "providers", "id")],
    )
    db.table("unavailability").create(
        {"id": int, "provider_id": int, "lot": int, "start": str, "end": str, "reason": str,
         "effective_on": str, "recorded_at": str, "officer": str},
        pk="id", not_null={"provider_id", "start", "end"},
        foreign_keys=[("provider_id", "providers", "id"), ("lot", "lots", "number")],
    )
    db.table("rankings").create(
        {"lot": int, "rank": int, "provider_id": int},
        pk=("lot", "rank"),
        foreign_keys=[("lot", "lots", "number"), ("provider_id", "providers", "id")],
    )
    db.execute("CREATE UNIQUE INDEX rankings_provider ON rankings (lot, provider_id)")
    db.table("prices").create(
        {"lot": int, "provider_id": int, "unit": str, "rate_pence": int},
        pk=("lot", "provider_id", "unit"), not_null={"rate_pence"},
        foreign_keys=[("lot", "lots", "number"), ("provider_id", "providers", "id")],
    )
    db.table("requests").create(
        {"id": int, "lot": int, "title": str, "start": str, "end": str, "value_pence": int,
         "quantity": int, "unit": str, "funding": str, "attendees": int, "created_on": str,
         "recorded_at": str, "officer": str},
        pk="id", not_null={"lot", "title", "start", "end", "funding"},
        foreign_keys=[("lot", "lots", "number"), ("funding", "streams", "name")],
    )
    db.table("calloffs").create(
        {"id": int, "request_id": int, "lot": int, "provider_id": int, "rank": int,
         "status": str, "value_pence": int, "initial_value_pence": int, "funding": str,
         "year": str, "offered_on": str, "respond_by": str, "decided_on": str,
         "closed_on": str, "reason": str, "headroom_after_pence": int,
         "stream_headroom_after_pence": int, "recorded_at": str, "officer": str},
        pk="id",
        not_null={"request_id", "lot", "provider_id", "rank", "status", "value_pence",
                  "funding", "year", "offered_on"},
        foreign_keys=[("request_id", "requests", "id"), ("provider_id", "providers", "id"),
                      ("lot", "lots", "number"), ("funding", "streams", "name")],
    )
    db.execute("CREATE INDEX calloffs_year ON calloffs (year, funding)")
    db.table("variations").create(
        {"id": int, "calloff_id": int, "effective_on": str, "old_value_pence": int,
         "new_value_pence": int, "reason": str, "recorded_at": str, "officer": str},
        pk="id", not_null={"calloff_id", "effective_on", "old_value_pence", "new_value_pence"},
        foreign_keys=[("calloff_id", "calloffs", "id")],
    )
    db.execute("CREATE INDEX calloffs_request ON calloffs (request_id)")
    db.table("passovers").create(
        {"calloff_id": int, "seq": int, "provider_id": int, "name": str, "rank": int,
         "reason": str},
        pk=("calloff_id", "seq"),
        foreign_keys=[("calloff_id", "calloffs", "id"), ("provider_id", "providers", "id")],
    )
    db.table("spend").create(
        {"id": int, "calloff_id": int, "provider_id": int, "invoice": str, "spent_on": str,
         "amount_pence": int, "attendees": int, "recorded_at": str, "officer": str},
        pk="id", not_null={"calloff_id", "invoice", "spent_on", "amount_pence"},
        foreign_keys=[("calloff_id", "calloffs", "id"), ("provider_id", "providers", "id")],
    )
    db.execute("CREATE UNIQUE INDEX spend_invoice ON spend (provider_id, invoice)")
    db.execute("CREATE INDEX spend_calloff ON spend (calloff_id)")
    db.table("events").create(
        {"id": int, "recorded_at": str, "effective_on": str, "officer": str, "action": str,
         "object_type": str, "object_id": str, "before": str, "after": str, "reason": str,
         "prev_hash": str, "hash": str},
        pk="id", not_null={"recorded_at", "action", "hash"},
    )
    _create_audit_head(db)


def _create_audit_head(db: sqlite_utils.Database) -> None:
    db.table("audit_head").create({"id": int, "last_event": int, "last_hash": str}, pk="id",
                                  not_null={"last_event", "last_hash"})
    db.execute("INSERT INTO audit_head (id, last_event, last_hash) SELECT 1, id, hash "
               "FROM events ORDER BY id DESC LIMIT 1")


# Upgrades from one schema version to the next: MIGRATIONS[n] takes version n to n + 1.
def _migrate_1_to_2(db: sqlite_utils.Database) -> None:
    """Approvals: a call-off at or over the framework's threshold waits for a second officer."""
    if not db.table("audit_head").exists():
        _create_audit_head(db)
    # The head also seals a digest of every record table, so that a record changed
    # without an event is caught by `audit verify` (see Store.seal).
    db.execute("ALTER TABLE audit_head ADD COLUMN state TEXT")
    db.execute("ALTER TABLE calloffs ADD COLUMN needs_approval INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE calloffs ADD COLUMN approved_by TEXT")
    db.execute("ALTER TABLE calloffs ADD COLUMN approved_on TEXT")


def _migrate_2_to_3(db: sqlite_utils.Database) -> None:
    """Dated commitments and caps, event numbers on records, and invoice keys.

    Every change to a call-off's commitment becomes a dated row of `changes`, rebuilt from
    the audit trail; caps gain the date they apply from (an existing cap applies from the
    start of the term); spend lines, call-offs and confirmations carry the number of the
    event that recorded them, so a report can be reproduced as the database then stood;
    invoice references get a case-folded key that a unique index holds per provider.
    """
    db.execute(
        """CREATE TABLE changes (
          id INTEGER PRIMARY KEY, calloff_id INTEGER NOT NULL REFERENCES calloffs (id),
          event_id INTEGER NOT NULL, effective_on TEXT NOT NULL, recorded_at TEXT,
          status TEXT NOT NULL, value_pence INTEGER NOT NULL,
          commitment_pence INTEGER NOT NULL, delta_pence INTEGER NOT NULL,
          year TEXT NOT NULL, funding TEXT NOT NULL, lot INTEGER NOT NULL,
          provider_id INTEGER NOT NULL)""")
    db.execute("CREATE INDEX changes_year ON changes (year, funding, effective_on)")
    db.execute("CREATE INDEX changes_calloff ON changes (calloff_id)")
    term = db.execute("SELECT term_start FROM framework").fetchone()
    db.execute("ALTER TABLE caps RENAME TO caps_v2")
    db.execute(
        """CREATE TABLE caps (
          id INTEGER PRIMARY KEY, year TEXT NOT NULL,
          stream TEXT NOT NULL REFERENCES streams (name), effective_on TEXT NOT NULL,
          amount_pence INTEGER NOT NULL, recorded_at TEXT, officer TEXT, event_id INTEGER)""")
    db.execute("CREATE INDEX caps_year ON caps (year, stream, effective_on)")
    db.execute("INSERT INTO caps (year, stream, effective_on, amount_pence, officer, event_id) "
               "SELECT year, stream, ?, amount_pence, 'calloff', 1 FROM caps_v2 "
               "ORDER BY year, stream", [term[0] if term else "1900-01-01"])
    db.execute("DROP TABLE caps_v2")
    db.execute("ALTER TABLE streams ADD COLUMN confirmed_event INTEGER")
    db.execute("ALTER TABLE calloffs ADD COLUMN event_id INTEGER")
    db.execute("ALTER TABLE spend ADD COLUMN invoice_key TEXT")
    db.execute("ALTER TABLE spend ADD COLUMN event_id INTEGER")
    _rebuild_from_trail(db)
    db.execute("DROP INDEX spend_invoice")
    db.execute("CREATE UNIQUE INDEX spend_invoice ON spend (provider_id, invoice_key)")


def _rebuild_from_trail(db: sqlite_utils.Database) -> None:
    """Fill the v3 columns of an older database from its audit trail."""
    calloffs = {r["id"]: r for r in db.query("SELECT * FROM calloffs")}
    state: dict[int, tuple[str, int, int]] = {}  # call-off: status, value, commitment
    for e in db.query("SELECT * FROM events ORDER BY id"):
        after = json.loads(e["after"]) if e["after"] else None
        if e["action"] == "funding.confirm":
            db.execute("UPDATE streams SET confirmed_event = ? WHERE name = ?",
                       [e["id"], e["object_id"]])
        elif e["action"] == "spend.add" and isinstance(after, dict):
            db.execute("UPDATE spend SET event_id = ? WHERE id = ?", [e["id"], after["spend"]])
        elif e["action"] == "ceiling.set" and isinstance(after, dict):
            db.execute("UPDATE caps SET event_id = ? WHERE year = ? AND stream = ?",
                       [e["id"], after.get("year"), e["object_id"]])
        if e["object_type"] != "calloff" or not isinstance(after, dict):
            continue
        c = calloffs.get(int(e["object_id"]))
        if c is None or e["action"] == "spend.add":
            continue
        status, value, commitment = state.get(c["id"], ("", 0, 0))
        if e["action"] == "calloff.offer":
            db.execute("UPDATE calloffs SET event_id = ? WHERE id = ?", [e["id"], c["id"]])
            value, status = c["initial_value_pence"], "offered"
        status = after.get("status", status)
        if "value" in after:
            value = _event_pence(after["value"])
        if status in LIVE:
            commitment = value
        elif status in FINISHED:
            commitment = (_event_pence(after["commitment"]) if "commitment" in after else
                          db.execute("SELECT COALESCE(SUM(amount_pence), 0) FROM spend "
                                     "WHERE calloff_id = ?", [c["id"]]).fetchone()[0])
        else:
            commitment = 0
        before = state.get(c["id"], ("", 0, 0))[2]
        state[c["id"]] = (status, value, commitment)
        db.execute(
            "INSERT INTO changes (calloff_id, event_id, effective_on, recorded_at, status, "
            "value_pence, commitment_pence, delta_pence, year, funding, lot, provider_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [c["id"], e["id"], e["effective_on"], e["recorded_at"], status, value, commitment,
             commitment - before, c["year"], c["funding"], c["lot"], c["provider_id"]])
    seen: set[tuple[int, str]] = set()
    for r in db.query("SELECT id, provider_id, invoice FROM spend ORDER BY id"):
        key = invoice_key(r["invoice"])
        if (r["provider_id"], key) in seen:  # recorded twice before keys were unique
            key = f"{key}#{r['id']}"
        seen.add((r["provider_id"], key))
        db.execute("UPDATE spend SET invoice_key = ? WHERE id = ?", [key, r["id"]])


def _event_pence(amount: Any) -> int:
    return to_pence(Decimal(str(amount)))


def invoice_key(invoice: str) -> str:
    """An invoice reference as the database compares it: `INV-7` and `inv-7` are one."""
    return unicodedata.normalize("NFKC", invoice).strip().casefold()


MIGRATIONS: dict[int, Any] = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


class Store:
    """A calloff database file."""

    def __init__(self, db: sqlite_utils.Database, path: Path):
        self.db = db
        self.path = path
        # Set when opening upgraded the file: (old version, backup path), for a notice.
        self.upgraded: tuple[int, Path] | None = None
        self._unsealed = False
        self.ledger = Ledger(db)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, framework: Framework, officer: str) -> Store:
        """Make a new database for a framework; refuse to touch an existing file."""
        p = Path(path)
        try:
            fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            raise DatabaseError(
                f"{p} already exists: calloff will not overwrite it; use another --db path"
            ) from None
        except OSError as e:
            raise DatabaseError(f"cannot create {p}: {e.strerror}") from None
        os.close(fd)
        try:
            store = cls(_connect(p), p)
            with store.transaction():
                _create_schema_v1(store.db)
                for version in range(1, SCHEMA_VERSION):
                    MIGRATIONS[version](store.db)
                store.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                store._insert_framework(framework)
                store.record_event(
                    officer, framework.term.start, "framework.init", "framework", framework.id,
                    None, {"name": framework.name, "buyer": framework.buyer}, None,
                )
        except BaseException:
            with contextlib.suppress(OSError):
                p.unlink()
            raise
        return store

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open an existing database, upgrading an older schema in place."""
        p = Path(path)
        if not p.exists():
            raise DatabaseError(
                f"no calloff database at {p}: create one with `calloff init` "
                "or point --db / CALLOFF_DB at yours"
            )
        try:
            db = _connect(p)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            has_framework = db.table("framework").exists()
        except sqlite3.DatabaseError:
            raise DatabaseError(f"{p} is not a calloff database (not SQLite)") from None
        if not has_framework or version == 0:
            raise DatabaseError(f"{p} is not a calloff database")
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{p} was written by a newer calloff (schema {version}; this one reads up to "
                f"{SCHEMA_VERSION}): upgrade calloff to use it"
            )
        store = cls(db, p)
        if version < SCHEMA_VERSION:
            store._upgrade(version)
        return store

    def _upgrade(self, version: int) -> None:
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        n = 1
        while backup.exists():  # never overwrite an earlier backup
            n += 1
            backup = self.path.with_name(f"{self.path.name}.v{version}.{n}.bak")
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("PRAGMA user_version").fetchone()[0] != version:
                self.db.conn.execute("ROLLBACK")  # another process upgraded it meanwhile
                return
            # Copy while holding the write lock, so the backup is the state we upgrade.
            shutil.copy2(self.path, backup)
            os.chmod(backup, 0o600)
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](self.db)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.record_event("calloff", None, "database.upgrade", "database", self.path.name,
                              {"schema": version}, {"schema": SCHEMA_VERSION},
                              f"backup written to {backup.name}")
            self.seal()
            self.db.conn.execute("COMMIT")
        except BaseException:
            self.db.conn.execute("ROLLBACK")
            with contextlib.suppress(OSError):
                backup.unlink()
            raise
        os.chmod(self.path, 0o600)
        self.upgraded = (version, backup)

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write: all of it, or (on any exception) none of it."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self.seal()
        except BaseException:
            conn.execute("ROLLBACK")
            self._unsealed = False
            raise
        else:
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[Store]:
        """Part of a write that can be undone alone: a refused offer after a kept decline."""
        self.db.execute("SAVEPOINT attempt")
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK TO attempt")
            self.db.execute("RELEASE attempt")
            raise
        else:
            self.db.execute("RELEASE attempt")

    def record_digests(self) -> dict[str, str]:
        """A SHA-256 of each record table (everything but the audit trail itself)."""
        digests = {}
        for (table,) in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'sqlite_%' AND name NOT IN ('events', 'audit_head') ORDER BY name"):
            h = hashlib.sha256()
            for row in self.db.execute(f"SELECT * FROM [{table}] ORDER BY rowid"):
                h.update(json.dumps(row, default=str, separators=(",", ":")).encode("utf-8"))
                h.update(b"\n")
            digests[table] = h.hexdigest()
        return digests

    def seal(self) -> None:
        """After a write that recorded events, seal the records' digests into the head."""
        if self._unsealed:
            self.db.execute("UPDATE audit_head SET state = ? WHERE id = 1",
                            [json.dumps(self.record_digests(), sort_keys=True)])
            self._unsealed = False

    def _one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def _insert(self, table: str, row: Mapping[str, Any]) -> int:
        cols = ", ".join(f"[{k}]" for k in row)
        marks = ", ".join("?" for _ in row)
        sql = f"INSERT INTO [{table}] ({cols}) VALUES ({marks})"
        cur = self.db.execute(sql, list(row.values()))
        return int(cur.lastrowid or 0)

    # -- the framework -------------------------------------------------------------------

    def _insert_framework(self, fw: Framework) -> None:
        t = fw.term
        self._insert("framework", {
            "id": fw.id, "name": fw.name, "buyer": fw.buyer, "term_start": t.start.isoformat(),
            "initial_years": t.initial_years, "extensions_max": t.extensions_max,
            "extension_years": t.extension_years, "response_days": fw.response_days,
            "holidays": fw.holidays,
            "approval_threshold_pence": None if fw.approval_threshold is None
            else to_pence(fw.approval_threshold),
            "default_funding": fw.default_funding, "terms": fw.terms_statement,
            "created_at": now_stamp(),
        })
        for lot in fw.lots:
            self._insert("lots", {"number": lot.number, "title": lot.title})
        for i, s in enumerate(fw.streams):
            self._insert("streams", {
                "name": s.name, "title": s.title, "capped": int(s.capped), "status": s.status,
                "confirmed_on": s.confirmed_on.isoformat() if s.confirmed_on else None,
                "window_start": s.window_start.isoformat() if s.window_start else None,
                "window_end": s.window_end.isoformat() if s.window_end else None,
                "position": i,
            })
            for year, amount in s.caps.items():
                # The definition's caps apply from the start of the term; the framework's
                # set-up is always the first event.
                self.ledger.set_cap(year, s.name, amount, t.start, "calloff", 1, now_stamp())

    def framework(self) -> Framework:
        row = self._one("SELECT * FROM framework")
        if row is None:
            raise DatabaseError(f"{self.path} holds no framework")
        used = self.db.execute("SELECT COUNT(*) FROM extensions").fetchone()[0]
        caps = self.ledger.caps_now()
        streams = tuple(
            FundingStream(
                name=s["name"], title=s["title"] or s["name"], capped=bool(s["capped"]),
                status=s["status"], confirmed_on=_d(s["confirmed_on"]),
                window_start=_d(s["window_start"]), window_end=_d(s["window_end"]),
                caps=caps.get(s["name"], {}),
            )
            for s in self.db.query("SELECT * FROM streams ORDER BY position")
        )
        threshold = row["approval_threshold_pence"]
        return Framework(
            id=row["id"], name=row["name"], buyer=row["buyer"],
            lots=tuple(Lot(r["number"], r["title"])
                       for r in self.db.query("SELECT * FROM lots ORDER BY number")),
            term=Term(
                start=date.fromisoformat(row["term_start"]),
                initial_years=row["initial_years"], extensions_max=row["extensions_max"],
                extension_years=row["extension_years"], extensions_used=used,
            ),
            streams=streams, default_funding=row["default_funding"],
            response_days=row["response_days"], holidays=row["holidays"],
            approval_threshold=None if threshold is None else from_pence(threshold),
            terms_statement=row["terms"] or "",
        )

    def extensions(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM extensions ORDER BY id"))

    def add_extension(self, on: date, officer: str) -> None:
        self._insert("extensions", {"effective_on": on.isoformat(), "recorded_at": now_stamp(),
                                    "officer": officer})

    def set_cap(self, year: FinancialYear, stream: str, amount: Decimal, on: date,
                officer: str) -> None:
        """A cap for a year that applies from `on`, recorded with the next event."""
        self.ledger.set_cap(year, stream, amount, on, officer, self.next_event_id(),
                            now_stamp())

    def confirm_stream(self, name: str, on: date) -> None:
        self.db.execute(
            "UPDATE streams SET status = 'confirmed', confirmed_on = ?, confirmed_event = ? "
            "WHERE name = ?",
            [on.isoformat(), self.next_event_id(), name],
        )

    # -- providers -----------------------------------------------------------------------

    def add_provider(self, name: str, vat: str, on: date, officer: str) -> int:
        return self._insert("providers", {"name": name, "vat": vat, "created_on": on.isoformat(),
                                          "recorded_at": now_stamp(), "officer": officer})

    def provider_named(self, name: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM providers WHERE name = ? COLLATE NOCASE", [name])

    def providers(self, as_of: date) -> dict[int, Provider]:
        """Every provider with its status on a date (suspensions are dated, not just set)."""
        rows = self.db.query(
            """
            SELECT p.id, p.name, p.vat,
              (SELECT status FROM provider_status ps WHERE ps.provider_id = p.id
                 AND ps.effective_on <= :on
                 ORDER BY ps.status = 'withdrawn' DESC, ps.effective_on DESC, ps.id DESC
                 LIMIT 1) AS status,
              (SELECT reason FROM provider_status ps WHERE ps.provider_id = p.id
                 AND ps.effective_on <= :on
                 ORDER BY ps.status = 'withdrawn' DESC, ps.effective_on DESC, ps.id DESC
                 LIMIT 1) AS reason
            FROM providers p ORDER BY p.id
            """,
            {"on": as_of.isoformat()},
        )
        return {
            r["id"]: Provider(r["id"], r["name"], r["vat"], r["status"] or "active",
                              r["reason"] or "")
            for r in rows
        }

    def provider(self, provider_id: int, as_of: date) -> Provider:
        found = self.providers(as_of).get(provider_id)
        if found is None:
            raise NotFound(
                f"provider {provider_id} does not exist: see `calloff provider list`"
            )
        return found

    def withdrawal(self, provider_id: int) -> dict[str, Any] | None:
        """A provider's withdrawal from the framework, whatever its date: it is final."""
        return self._one("SELECT * FROM provider_status WHERE provider_id = ? AND "
                         "status = 'withdrawn' ORDER BY id LIMIT 1", [provider_id])

    def set_provider_status(
        self, provider_id: int, status: str, reason: str, on: date, officer: str
    ) -> None:
        self._insert("provider_status", {
            "provider_id": provider_id, "effective_on": on.isoformat(), "status": status,
            "reason": reason, "recorded_at": now_stamp(), "officer": officer,
        })

    def add_unavailability(self, gap: Unavailability, on: date, officer: str) -> int:
        return self._insert("unavailability", {
            "provider_id": gap.provider_id, "lot": gap.lot, "start": gap.start.isoformat(),
            "end": gap.end.isoformat(), "reason": gap.reason, "effective_on": on.isoformat(),
            "recorded_at": now_stamp(), "officer": officer,
        })

    def unavailability(self, provider_id: int | None = None) -> list[Unavailability]:
        sql = "SELECT * FROM unavailability"
        params: list[Any] = []
        if provider_id is not None:
            sql += " WHERE provider_id = ?"
            params.append(provider_id)
        return [
            Unavailability(r["provider_id"], date.fromisoformat(r["start"]),
                           date.fromisoformat(r["end"]), r["reason"] or "", r["lot"])
            for r in self.db.query(sql + " ORDER BY start, id", params)
        ]

    # -- rankings and prices -------------------------------------------------------------

    def ranking(self, lot: int) -> list[RankEntry]:
        return [
            RankEntry(r["lot"], r["rank"], r["provider_id"])
            for r in self.db.query("SELECT * FROM rankings WHERE lot = ? ORDER BY rank", [lot])
        ]

    def replace_ranking(self, lot: int, provider_ids: list[int]) -> None:
        self.db.execute("DELETE FROM rankings WHERE lot = ?", [lot])
        for rank, pid in enumerate(provider_ids, start=1):
            self._insert("rankings", {"lot": lot, "rank": rank, "provider_id": pid})

    def rates(self, lot: int) -> dict[int, Rates]:
        found: dict[int, dict[str, Decimal]] = {}
        for r in self.db.query("SELECT * FROM prices WHERE lot = ?", [lot]):
            found.setdefault(r["provider_id"], {})[r["unit"]] = from_pence(r["rate_pence"])
        return {pid: Rates(**units) for pid, units in found.items()}

    def set_rate(self, lot: int, provider_id: int, unit: str, rate: Decimal | None) -> None:
        if rate is None:
            self.db.execute(
                "DELETE FROM prices WHERE lot = ? AND provider_id = ? AND unit = ?",
                [lot, provider_id, unit],
            )
            return
        self.db.execute(
            "INSERT INTO prices (lot, provider_id, unit, rate_pence) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (lot, provider_id, unit) DO UPDATE SET rate_pence = excluded.rate_pence",
            [lot, provider_id, unit, to_pence(rate)],
        )

    # -- requests ------------------------------------------------------------------------

    def add_request(self, request: Request, on: date, officer: str) -> int:
        return self._insert("requests", {
            "lot": request.lot, "title": request.title, "start": request.start.isoformat(),
            "end": request.end.isoformat(),
            "value_pence": None if request.value is None else to_pence(request.value),
            "quantity": request.quantity, "unit": request.unit, "funding": request.funding,
            "attendees": request.attendees, "created_on": on.isoformat(),
            "recorded_at": now_stamp(), "officer": officer,
        })

    def request(self, request_id: int) -> Request:
        r = self._one("SELECT * FROM requests WHERE id = ?", [request_id])
        if r is None:
            raise NotFound(f"request {request_id} does not exist: see `calloff request list`")
        return _request(r)

    def requests(self) -> list[dict[str, Any]]:
        """Every request with where it stands, for listing."""
        return list(self.db.query(
            f"""
            SELECT r.*,
              (SELECT c.id FROM calloffs c WHERE c.request_id = r.id ORDER BY c.id DESC LIMIT 1)
                AS last_calloff,
              (SELECT c.status FROM calloffs c WHERE c.request_id = r.id
                 ORDER BY c.id DESC LIMIT 1) AS last_status,
              (SELECT COUNT(*) FROM calloffs c WHERE c.request_id = r.id
                 AND c.status IN ({", ".join(f"'{s}'" for s in LIVE + FINISHED)})) AS live
            FROM requests r ORDER BY r.id
            """
        ))

    # -- call-offs -----------------------------------------------------------------------

    def add_calloff(self, c: CallOff, passed_over: tuple[PassOver, ...]) -> int:
        calloff_id = self._insert("calloffs", {
            "request_id": c.request_id, "lot": c.lot, "provider_id": c.provider_id,
            "rank": c.rank, "status": c.status, "value_pence": to_pence(c.value),
            "initial_value_pence": to_pence(c.value),
            "needs_approval": int(c.needs_approval),
            "funding": c.funding, "year": str(c.year), "offered_on": c.offered_on.isoformat(),
            "respond_by": c.respond_by.isoformat() if c.respond_by else None,
            "headroom_after_pence": None if c.headroom_after is None
            else to_pence(c.headroom_after),
            "stream_headroom_after_pence": None if c.stream_headroom_after is None
            else to_pence(c.stream_headroom_after),
            "recorded_at": c.recorded_at, "officer": c.officer, "event_id": self.next_event_id(),
        })
        for seq, p in enumerate(passed_over, start=1):
            self._insert("passovers", {"calloff_id": calloff_id, "seq": seq,
                                       "provider_id": p.provider_id, "name": p.name,
                                       "rank": p.rank, "reason": p.reason})
        return calloff_id

    def calloff(self, calloff_id: int) -> CallOff:
        r = self._one("SELECT * FROM calloffs WHERE id = ?", [calloff_id])
        if r is None:
            raise NotFound(f"call-off {calloff_id} does not exist: see `calloff offers`")
        return _calloff(r)

    def calloffs_for_request(self, request_id: int) -> list[CallOff]:
        return [_calloff(r) for r in self.db.query(
            "SELECT * FROM calloffs WHERE request_id = ? ORDER BY id", [request_id])]

    def passed_over(self, calloff_id: int) -> list[PassOver]:
        return [
            PassOver(r["provider_id"], r["name"], r["rank"], r["reason"])
            for r in self.db.query(
                "SELECT * FROM passovers WHERE calloff_id = ? ORDER BY seq", [calloff_id])
        ]

    def set_status(self, calloff_id: int, status: str, on: date, reason: str | None) -> None:
        """Move a call-off on. A provider's answer sets `decided_on`; an end to the
        commitment (declined, lapsed, completed, cancelled) sets `closed_on`."""
        answered = status in ("accepted", "declined", "lapsed")
        closes = status not in LIVE
        self.db.execute(
            """UPDATE calloffs SET status = ?, reason = COALESCE(?, reason),
                 decided_on = CASE WHEN ? THEN ? ELSE decided_on END,
                 closed_on = CASE WHEN ? THEN ? ELSE closed_on END
               WHERE id = ?""",
            [status, reason, answered, on.isoformat(), closes, on.isoformat(), calloff_id],
        )

    def approve(self, calloff_id: int, officer: str, on: date, respond_by: date) -> None:
        self.db.execute(
            "UPDATE calloffs SET status = 'offered', approved_by = ?, approved_on = ?, "
            "respond_by = ? WHERE id = ?",
            [officer, on.isoformat(), respond_by.isoformat(), calloff_id],
        )

    def awaiting_approval(self) -> list[dict[str, Any]]:
        return self._calloff_rows("c.status = 'awaiting_approval'", "c.offered_on, c.id")

    def _calloff_rows(self, where: str, order: str, params: Any = None) -> list[dict[str, Any]]:
        """Call-offs with their provider's name and request's title, for listings; `status`
        is as recorded by event `:upto` where the query names one."""
        params = dict(params or {})
        params.setdefault("upto", NOW)
        return list(self.db.query(
            f"""
            SELECT c.*, p.name AS provider_name, r.title AS request_title,
              (SELECT ch.status FROM changes ch WHERE ch.calloff_id = c.id
                 AND ch.event_id <= :upto ORDER BY ch.id DESC LIMIT 1) AS status_recorded
            FROM calloffs c JOIN providers p ON p.id = c.provider_id
            JOIN requests r ON r.id = c.request_id
            WHERE {where} ORDER BY {order}
            """, params))

    def vary(self, calloff_id: int, old: Decimal, new: Decimal, reason: str, on: date,
             officer: str) -> None:
        self.db.execute("UPDATE calloffs SET value_pence = ? WHERE id = ?",
                        [to_pence(new), calloff_id])
        self._insert("variations", {
            "calloff_id": calloff_id, "effective_on": on.isoformat(),
            "old_value_pence": to_pence(old), "new_value_pence": to_pence(new),
            "reason": reason, "recorded_at": now_stamp(), "officer": officer,
        })

    def restate_headroom(self, calloff_id: int, contract: Decimal,
                         stream: Decimal | None) -> None:
        self.db.execute(
            "UPDATE calloffs SET headroom_after_pence = ?, stream_headroom_after_pence = ? "
            "WHERE id = ?",
            [to_pence(contract), None if stream is None else to_pence(stream), calloff_id])

    def variations(self, calloff_id: int) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT * FROM variations WHERE calloff_id = ? ORDER BY id", [calloff_id]))

    # -- spend ---------------------------------------------------------------------------

    def spent(self, calloff_id: int) -> Decimal:
        row = self.db.execute(
            "SELECT COALESCE(SUM(amount_pence), 0) FROM spend WHERE calloff_id = ?",
            [calloff_id]).fetchone()
        return from_pence(row[0])

    def invoice(self, provider_id: int, invoice: str) -> dict[str, Any] | None:
        """The invoice line with this reference from this provider, in any letter case."""
        return self._one("SELECT * FROM spend WHERE provider_id = ? AND invoice_key = ?",
                         [provider_id, invoice_key(invoice)])

    def last_invoice_date(self, calloff_id: int) -> date | None:
        row = self.db.execute("SELECT MAX(spent_on) FROM spend WHERE calloff_id = ?",
                              [calloff_id]).fetchone()
        return _d(row[0])

    def add_spend(self, calloff_id: int, provider_id: int, invoice: str, spent_on: date,
                  amount: Decimal, attendees: int | None, officer: str) -> int:
        return self._insert("spend", {
            "calloff_id": calloff_id, "provider_id": provider_id, "invoice": invoice,
            "spent_on": spent_on.isoformat(), "amount_pence": to_pence(amount),
            "attendees": attendees, "recorded_at": now_stamp(), "officer": officer,
            "invoice_key": invoice_key(invoice), "event_id": self.next_event_id(),
        })

    def spend_lines(self, calloff_id: int) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT * FROM spend WHERE calloff_id = ? ORDER BY spent_on, id", [calloff_id]))

    def offers_past(self, on: date) -> list[CallOff]:
        """Offers still unanswered after their respond-by date."""
        return [_calloff(r) for r in self.db.query(
            "SELECT * FROM calloffs WHERE status = 'offered' AND respond_by < ? ORDER BY id",
            [on.isoformat()])]

    def pending_offers(self) -> list[dict[str, Any]]:
        return self._calloff_rows("c.status = 'offered'", "c.respond_by, c.id")

    def position(self, year: FinancialYear, at: date | None = None,
                 upto: int | None = None) -> Position:
        """Caps, commitments and spend by stream for a year on a day (default today)."""
        return self.ledger.position(year, at or date.today(), upto)

    # -- reports: every figure summed in SQL ----------------------------------------------

    def spend_between(self, year_start: date, start: date, end: date,
                      upto: int | None = None) -> list[dict[str, Any]]:
        """Spend and attendees by lot, provider and stream: in [start, end] and year to date,
        as recorded by event `upto`."""
        return list(self.db.query(
            """
            SELECT c.lot, c.provider_id, c.funding,
              SUM(CASE WHEN sp.spent_on >= :start THEN sp.amount_pence ELSE 0 END)
                AS spent_in_quarter,
              SUM(sp.amount_pence) AS spent_year_to_date,
              SUM(CASE WHEN sp.spent_on >= :start THEN COALESCE(sp.attendees, 0) ELSE 0 END)
                AS attendees_in_quarter,
              SUM(COALESCE(sp.attendees, 0)) AS attendees_year_to_date
            FROM spend sp JOIN calloffs c ON c.id = sp.calloff_id
            WHERE sp.spent_on BETWEEN :year_start AND :end AND sp.event_id <= :upto
            GROUP BY c.lot, c.provider_id, c.funding
            """,
            {"year_start": year_start.isoformat(), "start": start.isoformat(),
             "end": end.isoformat(), "upto": NOW if upto is None else upto},
        ))

    def raised_between(self, start: date, end: date,
                       upto: int | None = None) -> list[dict[str, Any]]:
        """Call-offs raised in [start, end], each with its status as recorded by `upto`."""
        return self._calloff_rows(
            "c.offered_on BETWEEN :start AND :end AND c.event_id <= :upto", "c.offered_on, c.id",
            {"start": start.isoformat(), "end": end.isoformat(),
             "upto": NOW if upto is None else upto})

    def awaiting_at(self, at: date, upto: int | None = None) -> list[dict[str, Any]]:
        """Offers made by a date that the provider had not yet answered on it."""
        return self._calloff_rows(f"c.id IN ({self.ledger.awaiting_ids(at, upto)})",
                                  "c.respond_by, c.id", {"upto": NOW if upto is None else upto})

    def years_with_commitments(self) -> list[FinancialYear]:
        return [FinancialYear.parse(r["year"]) for r in self.db.query(
            "SELECT DISTINCT year FROM calloffs ORDER BY year")]

    # -- audit events --------------------------------------------------------------------

    def next_event_id(self) -> int:
        """The number the next audit event will get (inside a write, nobody else's)."""
        row = self.db.execute("SELECT last_event FROM audit_head WHERE id = 1").fetchone()
        return int(row[0]) + 1 if row else 1

    def head(self) -> dict[str, Any] | None:
        """The newest event: its number, hash and when it was recorded."""
        return self._one("SELECT h.last_event AS event, h.last_hash AS hash, e.recorded_at "
                         "FROM audit_head h LEFT JOIN events e ON e.id = h.last_event")

    def event(self, event_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM events WHERE id = ?", [event_id])

    def verify_audit(self) -> Verdict:
        """The chain must be whole, and the records must match what it says happened.

        Three checks, most specific first: the chain itself; the call-offs, invoice lines
        and other records against the events that made them; and the digest of every
        record table sealed into the head at calloff's last write.
        """
        head = self._one("SELECT * FROM audit_head WHERE id = 1")
        verdict = verify_chain(self.db.query("SELECT * FROM events ORDER BY id"), head)
        if not verdict.ok:
            return verdict
        mismatch = reconcile(
            self._one("SELECT id FROM framework") is not None,
            self.db.query("SELECT id, status, value_pence FROM calloffs ORDER BY id"),
            self.db.query("SELECT * FROM spend ORDER BY id"),
            self.db.query("SELECT * FROM events ORDER BY id"),
            {t: self.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED},
        )
        if mismatch:
            return attrs.evolve(verdict, ok=False, problem=mismatch[0], event=mismatch[1])
        unbalanced = self.db.execute(
            f"""SELECT c.id FROM calloffs c {SPENT_JOIN}
            LEFT JOIN (SELECT calloff_id, SUM(delta_pence) AS held FROM changes
                       GROUP BY calloff_id) h ON h.calloff_id = c.id
            WHERE COALESCE(h.held, 0) != {COMMITMENT_SQL} ORDER BY c.id LIMIT 1""").fetchone()
        if unbalanced:
            return attrs.evolve(verdict, ok=False, problem=(
                f"call-off {unbalanced[0]}'s dated changes do not add up to what it commits "
                "now: its commitment history was changed outside calloff"))
        if head and head.get("state"):
            sealed = json.loads(head["state"])
            now = self.record_digests()
            changed = sorted(t for t in set(sealed) | set(now) if sealed.get(t) != now.get(t))
            if changed:
                return attrs.evolve(verdict, ok=False, problem=(
                    f"the {', '.join(changed)} record(s) changed outside calloff after event "
                    f"{head['last_event']}, the last change calloff made"))
        return verdict

    def events(self, calloff: int | None = None, provider: int | None = None,
               since: date | None = None) -> list[dict[str, Any]]:
        """Audit events, oldest first; filters narrow by call-off, provider and effective date."""
        where: list[str] = []
        params: dict[str, Any] = {}
        if calloff is not None:
            where.append("(e.object_type = 'calloff' AND e.object_id = :calloff)")
            params["calloff"] = str(calloff)
        if provider is not None:
            where.append(
                "((e.object_type = 'provider' AND e.object_id = :provider) OR "
                "(e.object_type = 'calloff' AND e.object_id IN "
                "(SELECT CAST(id AS TEXT) FROM calloffs WHERE provider_id = :pid)) OR "
                "(e.action LIKE 'ranking.%' AND (EXISTS (SELECT 1 FROM json_each(e.after) "
                "WHERE value = :pid) OR EXISTS (SELECT 1 FROM json_each(e.before) "
                "WHERE value = :pid))))")
            params["provider"] = str(provider)
            params["pid"] = provider
        if since is not None:
            where.append("COALESCE(e.effective_on, substr(e.recorded_at, 1, 10)) >= :since")
            params["since"] = since.isoformat()
        sql = "SELECT * FROM events e"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return list(self.db.query(sql + " ORDER BY e.id", params))

    def record_event(
        self,
        officer: str,
        on: date | None,
        action: str,
        object_type: str,
        object_id: Any,
        before: Any,
        after: Any,
        reason: str | None,
    ) -> int:
        """Append one event to the chain, inside the caller's transaction.

        The chain's head (last id and hash) is kept apart from the events, so that
        deleting the newest events is as visible as changing an old one.
        """
        if on is not None and on > date.today():
            raise InvalidInput(
                f"{on} is after today ({date.today()}): a change cannot be dated in the future")
        head = self._one("SELECT last_event, last_hash FROM audit_head WHERE id = 1")
        last_id, prev_hash = (head["last_event"], head["last_hash"]) if head else (0, "")
        event_id = int(last_id) + 1
        event: dict[str, Any] = {
            "id": event_id,
            "recorded_at": now_stamp(), "effective_on": on.isoformat() if on else None,
            "officer": officer, "action": action, "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "before": _canonical(before), "after": _canonical(after), "reason": reason,
        }
        event["prev_hash"] = prev_hash
        event["hash"] = event_hash(event, prev_hash)
        self._insert("events", event)
        self.db.execute(
            "INSERT INTO audit_head (id, last_event, last_hash) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET last_event = excluded.last_event, "
            "last_hash = excluded.last_hash",
            [event_id, event["hash"]],
        )
        self._unsealed = True
        return event_id


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _request(r: Mapping[str, Any]) -> Request:
    return Request(
        id=r["id"], lot=r["lot"], title=r["title"], start=date.fromisoformat(r["start"]),
        end=date.fromisoformat(r["end"]), funding=r["funding"],
        value=None if r["value_pence"] is None else from_pence(r["value_pence"]),
        quantity=r["quantity"], unit=r["unit"], attendees=r["attendees"],
    )


def _calloff(r: Mapping[str, Any]) -> CallOff:
    return CallOff(
        id=r["id"], request_id=r["request_id"], lot=r["lot"], provider_id=r["provider_id"],
        rank=r["rank"], status=r["status"], value=from_pence(r["value_pence"]),
        funding=r["funding"], year=FinancialYear.parse(r["year"]),
        offered_on=date.fromisoformat(r["offered_on"]), respond_by=_d(r["respond_by"]),
        officer=r["officer"] or "", recorded_at=r["recorded_at"] or "",
        decided_on=_d(r["decided_on"]), closed_on=_d(r["closed_on"]), reason=r["reason"],
        needs_approval=bool(r["needs_approval"]), approved_by=r["approved_by"],
        approved_on=_d(r["approved_on"]),
        headroom_after=None if r["headroom_after_pence"] is None
        else from_pence(r["headroom_after_pence"]),
        stream_headroom_after=None if r["stream_headroom_after_pence"] is None
        else from_pence(r["stream_headroom_after_pence"]),
    )
