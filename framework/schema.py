"""The database's shape: the first release's schema, each upgrade since, and the
framework's own tables. Opening and upgrading are here; reading and writing records is
in `framework.storage` and the stores beside it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from framework.errors import DatabaseError
from framework.migrations import MIGRATIONS, create_audit_head
from framework.model import Framework, FundingStream, Lot, Term
from framework.money import from_pence, to_pence
from framework.records import to_date
from framework.seal import legacy_problem
from framework.trail import now_stamp

if TYPE_CHECKING:
    from framework.storage import Store

SCHEMA_VERSION = 5
BUSY_TIMEOUT_SECONDS = 15


def busy_timeout() -> int:
    """How long a command waits for another officer's write: CALLOFF_BUSY_TIMEOUT seconds."""
    raw = os.environ.get("CALLOFF_BUSY_TIMEOUT", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 3600 else BUSY_TIMEOUT_SECONDS


def is_busy(error: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


def busy_error(path: Path) -> DatabaseError:
    from framework.errors import DatabaseBusy

    return DatabaseBusy(f"the database {path} is busy: another officer's command is running "
                        f"(calloff waited {busy_timeout()} seconds); try again")

def connect(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(path, timeout=busy_timeout(), isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {busy_timeout() * 1000}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return sqlite_utils.Database(conn)


def write_ahead(db: sqlite_utils.Database) -> None:
    """Write-ahead logging: a commit is one append and one fsync, so a write holds the lock
    for milliseconds, and readers never wait for a writer (see docs/performance.md). Set
    after any upgrade, so an upgrade's backup is the file exactly as it was."""
    with contextlib.suppress(sqlite3.OperationalError):  # a read-only file keeps its mode
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")


def create_schema_v1(db: sqlite_utils.Database) -> None:
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
    create_audit_head(db)


def upgrade(store: Store, version: int) -> None:
    """Upgrade an older database in place, in one transaction, after backing it up."""
    backup = store.path.with_name(f"{store.path.name}.v{version}.bak")
    n = 1
    while backup.exists():  # never overwrite an earlier backup
        n += 1
        backup = store.path.with_name(f"{store.path.name}.v{version}.{n}.bak")
    store.db.conn.execute("BEGIN IMMEDIATE")
    try:
        if store.db.execute("PRAGMA user_version").fetchone()[0] != version:
            store.db.conn.execute("ROLLBACK")  # another process upgraded it meanwhile
            return
        # Copy while holding the write lock, so the backup is the state we upgrade.
        shutil.copy2(store.path, backup)
        os.chmod(backup, 0o600)
        # An older seal digested whole tables: check it before the tables change shape.
        inherited = legacy_problem(store.db, version)
        try:
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](store.db)
        except sqlite3.OperationalError as e:
            raise DatabaseError(
                f"{store.path.name} says it is schema {version} but its tables are not what "
                f"schema {version} holds ({e}): it was changed outside calloff; restore it "
                "from a backup") from None
        store.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        store.trail.record("calloff", None, "database.upgrade", "database", store.path.name,
                          {"schema": version}, {"schema": SCHEMA_VERSION},
                          f"backup written to {backup.name}")
        store.trail.seal.reseal(inherited)
        store.db.conn.execute("COMMIT")
    except BaseException:
        store.db.conn.execute("ROLLBACK")
        with contextlib.suppress(OSError):
            backup.unlink()
        raise
    os.chmod(store.path, 0o600)
    store.upgraded = (version, backup)


def write_framework(store: Store, fw: Framework) -> None:
    """The framework's own tables, from its definition."""
    t = fw.term
    store._insert("framework", {
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
        store._insert("lots", {"number": lot.number, "title": lot.title})
    for i, s in enumerate(fw.streams):
        store._insert("streams", {
            "name": s.name, "title": s.title, "capped": int(s.capped), "status": s.status,
            "confirmed_on": s.confirmed_on.isoformat() if s.confirmed_on else None,
            "window_start": s.window_start.isoformat() if s.window_start else None,
            "window_end": s.window_end.isoformat() if s.window_end else None,
            "position": i,
        })
        for year, amount in s.caps.items():
            # The definition's caps apply from the start of the term; the framework's
            # set-up is always the first event.
            store.ledger.set_cap(year, s.name, amount, t.start, "calloff", 1, now_stamp())

def read_framework(store: Store) -> Framework:
    """The framework as its tables hold it now (caps: the latest for each year)."""
    row = store._one("SELECT * FROM framework")
    if row is None:
        raise DatabaseError(f"{store.path} holds no framework")
    used = store.db.execute("SELECT COUNT(*) FROM extensions").fetchone()[0]
    caps = store.ledger.caps_now()
    streams = tuple(
        FundingStream(
            name=s["name"], title=s["title"] or s["name"], capped=bool(s["capped"]),
            status=s["status"], confirmed_on=to_date(s["confirmed_on"]),
            window_start=to_date(s["window_start"]), window_end=to_date(s["window_end"]),
            caps=caps.get(s["name"], {}),
        )
        for s in store.db.query("SELECT * FROM streams ORDER BY position")
    )
    threshold = row["approval_threshold_pence"]
    return Framework(
        id=row["id"], name=row["name"], buyer=row["buyer"],
        lots=tuple(Lot(r["number"], r["title"])
                   for r in store.db.query("SELECT * FROM lots ORDER BY number")),
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

