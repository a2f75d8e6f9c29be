"""The database's shape: the first release's schema, each upgrade since, and the
framework's own tables. Opening and upgrading are here; reading and writing records is
in `calloff.store.database` and the stores beside it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import urllib.parse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from calloff.domain.competition import Criterion
from calloff.domain.model import Framework, FundingStream, Lot, Term
from calloff.errors import DatabaseError
from calloff.store import facts, finance, splitting
from calloff.store.faults import busy_timeout
from calloff.store.migrations import MIGRATIONS as MIGRATIONS  # re-exported for Store.create
from calloff.store.migrations import create_audit_head
from calloff.store.rows import to_date
from calloff.store.trail import now_stamp

if TYPE_CHECKING:
    from calloff.store.database import Store

SCHEMA_VERSION = 20


def connect(path: Path, immutable: bool = False) -> sqlite_utils.Database:
    """A connection that waits for the lock (see `Store.patience`) and keeps commits durable.
    `immutable` reads a file no one can write, without the shared-memory file beside it."""
    if immutable:
        uri = "file:" + urllib.parse.quote(str(path.absolute())) + "?immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    else:
        conn = sqlite3.connect(path, timeout=busy_timeout(), isolation_level=None)
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
            "id": str,
            "name": str,
            "buyer": str,
            "term_start": str,
            "initial_years": int,
            "extensions_max": int,
            "extension_years": int,
            "response_days": int,
            "holidays": str,
            "approval_threshold_pence": int,
            "default_funding": str,
            "terms": str,
            "created_at": str,
        },
        pk="id",
        not_null={"id", "name", "buyer", "term_start"},
    )
    db.table("lots").create({"number": int, "title": str}, pk="number", not_null={"title"})
    db.table("streams").create(
        {
            "name": str,
            "title": str,
            "capped": int,
            "status": str,
            "confirmed_on": str,
            "window_start": str,
            "window_end": str,
            "position": int,
        },
        pk="name",
        not_null={"capped", "status"},
    )
    db.table("caps").create(
        {"year": str, "stream": str, "amount_pence": int},
        pk=("year", "stream"),
        not_null={"amount_pence"},
        foreign_keys=[("stream", "streams", "name")],
    )
    db.table("extensions").create(
        {"id": int, "effective_on": str, "recorded_at": str, "officer": str}, pk="id"
    )
    db.table("providers").create(
        {"id": int, "name": str, "vat": str, "created_on": str, "recorded_at": str, "officer": str},
        pk="id",
        not_null={"name", "vat"},
    )
    db.execute("CREATE UNIQUE INDEX providers_name ON providers (name COLLATE NOCASE)")
    db.table("provider_status").create(
        {
            "id": int,
            "provider_id": int,
            "effective_on": str,
            "status": str,
            "reason": str,
            "recorded_at": str,
            "officer": str,
        },
        pk="id",
        not_null={"provider_id", "effective_on", "status"},
        foreign_keys=[("provider_id", "providers", "id")],
    )
    db.table("unavailability").create(
        {
            "id": int,
            "provider_id": int,
            "lot": int,
            "start": str,
            "end": str,
            "reason": str,
            "effective_on": str,
            "recorded_at": str,
            "officer": str,
        },
        pk="id",
        not_null={"provider_id", "start", "end"},
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
        pk=("lot", "provider_id", "unit"),
        not_null={"rate_pence"},
        foreign_keys=[("lot", "lots", "number"), ("provider_id", "providers", "id")],
    )
    db.table("requests").create(
        {
            "id": int,
            "lot": int,
            "title": str,
            "start": str,
            "end": str,
            "value_pence": int,
            "quantity": int,
            "unit": str,
            "funding": str,
            "attendees": int,
            "created_on": str,
            "recorded_at": str,
            "officer": str,
        },
        pk="id",
        not_null={"lot", "title", "start", "end", "funding"},
        foreign_keys=[("lot", "lots", "number"), ("funding", "streams", "name")],
    )
    db.table("calloffs").create(
        {
            "id": int,
            "request_id": int,
            "lot": int,
            "provider_id": int,
            "rank": int,
            "status": str,
            "value_pence": int,
            "initial_value_pence": int,
            "funding": str,
            "year": str,
            "offered_on": str,
            "respond_by": str,
            "decided_on": str,
            "closed_on": str,
            "reason": str,
            "headroom_after_pence": int,
            "stream_headroom_after_pence": int,
            "recorded_at": str,
            "officer": str,
        },
        pk="id",
        not_null={
            "request_id",
            "lot",
            "provider_id",
            "rank",
            "status",
            "value_pence",
            "funding",
            "year",
            "offered_on",
        },
        foreign_keys=[
            ("request_id", "requests", "id"),
            ("provider_id", "providers", "id"),
            ("lot", "lots", "number"),
            ("funding", "streams", "name"),
        ],
    )
    db.execute("CREATE INDEX calloffs_year ON calloffs (year, funding)")
    db.table("variations").create(
        {
            "id": int,
            "calloff_id": int,
            "effective_on": str,
            "old_value_pence": int,
            "new_value_pence": int,
            "reason": str,
            "recorded_at": str,
            "officer": str,
        },
        pk="id",
        not_null={"calloff_id", "effective_on", "old_value_pence", "new_value_pence"},
        foreign_keys=[("calloff_id", "calloffs", "id")],
    )
    db.execute("CREATE INDEX calloffs_request ON calloffs (request_id)")
    db.table("passovers").create(
        {
            "calloff_id": int,
            "seq": int,
            "provider_id": int,
            "name": str,
            "rank": int,
            "reason": str,
        },
        pk=("calloff_id", "seq"),
        foreign_keys=[("calloff_id", "calloffs", "id"), ("provider_id", "providers", "id")],
    )
    db.table("spend").create(
        {
            "id": int,
            "calloff_id": int,
            "provider_id": int,
            "invoice": str,
            "spent_on": str,
            "amount_pence": int,
            "attendees": int,
            "recorded_at": str,
            "officer": str,
        },
        pk="id",
        not_null={"calloff_id", "invoice", "spent_on", "amount_pence"},
        foreign_keys=[("calloff_id", "calloffs", "id"), ("provider_id", "providers", "id")],
    )
    db.execute("CREATE UNIQUE INDEX spend_invoice ON spend (provider_id, invoice)")
    db.execute("CREATE INDEX spend_calloff ON spend (calloff_id)")
    db.table("events").create(
        {
            "id": int,
            "recorded_at": str,
            "effective_on": str,
            "officer": str,
            "action": str,
            "object_type": str,
            "object_id": str,
            "before": str,
            "after": str,
            "reason": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"recorded_at", "action", "hash"},
    )
    create_audit_head(db)


def write_framework(store: Store, fw: Framework) -> None:
    """The framework's own tables, from its definition."""
    t = fw.term
    store._insert(
        "framework",
        {
            "id": fw.id,
            "name": fw.name,
            "buyer": fw.buyer,
            "term_start": t.start.isoformat(),
            "initial_years": t.initial_years,
            "extensions_max": t.extensions_max,
            "extension_years": t.extension_years,
            "response_days": fw.response_days,
            "holidays": fw.holidays,
            "approval_threshold_pence": facts.pence(fw.approval_threshold),
            "key_decision_pence": facts.pence(fw.key_decision),
            "default_funding": fw.default_funding,
            "terms": fw.terms_statement,
            "created_at": now_stamp(),
            "regime": fw.regime,
            "light_touch": int(fw.light_touch),
            "service_area": fw.service_area,
            "merchant_category": fw.merchant_category,
            "ocid_prefix": fw.ocid_prefix,
            "standstill_days": fw.standstill_days,
            "practitioners_target": fw.practitioners_target,
            "publishing_contact": fw.publishing_contact or None,
            **facts.row(fw.facts) | finance.row(fw.finance, fw.transparency) | splitting.row(fw),
        },
    )
    for lot in fw.lots:
        store._insert("lots", {"number": lot.number, "title": lot.title, "award": lot.award})
    for i, c in enumerate(fw.criteria):
        store._insert(
            "criteria",
            {
                "name": c.name,
                "title": c.title,
                "weight": c.weight,
                "low": c.low,
                "high": c.high,
                "position": i,
            },
        )
    for i, s in enumerate(fw.streams):
        store._insert(
            "streams",
            {
                "name": s.name,
                "title": s.title,
                "capped": int(s.capped),
                "status": s.status,
                "confirmed_on": s.confirmed_on.isoformat() if s.confirmed_on else None,
                "window_start": s.window_start.isoformat() if s.window_start else None,
                "window_end": s.window_end.isoformat() if s.window_end else None,
                "position": i,
            },
        )
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
            name=s["name"],
            title=s["title"] or s["name"],
            capped=bool(s["capped"]),
            status=s["status"],
            confirmed_on=to_date(s["confirmed_on"]),
            window_start=to_date(s["window_start"]),
            window_end=to_date(s["window_end"]),
            caps=caps.get(s["name"], {}),
        )
        for s in store.db.query("SELECT * FROM streams ORDER BY position")
    )
    return Framework(
        id=row["id"],
        name=row["name"],
        buyer=row["buyer"],
        lots=tuple(
            Lot(r["number"], r["title"], r["award"])
            for r in store.db.query("SELECT * FROM lots ORDER BY number")
        ),
        term=Term(
            start=date.fromisoformat(row["term_start"]),
            initial_years=row["initial_years"],
            extensions_max=row["extensions_max"],
            extension_years=row["extension_years"],
            extensions_used=used,
        ),
        streams=streams,
        default_funding=row["default_funding"],
        response_days=row["response_days"],
        holidays=row["holidays"],
        approval_threshold=facts.amount(row["approval_threshold_pence"]),
        aggregation_days=row["aggregation_days"],
        key_decision=facts.amount(row["key_decision_pence"]),
        terms_statement=row["terms"] or "",
        regime=row["regime"],
        light_touch=bool(row["light_touch"]),
        service_area=row["service_area"],
        merchant_category=row["merchant_category"],
        ocid_prefix=row["ocid_prefix"],
        criteria=tuple(
            Criterion(r["name"], r["weight"], r["low"], r["high"], r["title"])
            for r in store.db.query("SELECT * FROM criteria ORDER BY position")
        ),
        standstill_days=row["standstill_days"],
        practitioners_target=row["practitioners_target"],
        publishing_contact=row.get("publishing_contact") or "",
        facts=facts.read(row),
        finance=finance.read(row),
        transparency=finance.transparency_of(row),
    )
