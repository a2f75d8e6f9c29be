"""The database's upgrades: MIGRATIONS[n] takes schema version n to n + 1.

Each is one step of `calloff.store.schema.upgrade`, run inside its transaction after the backup.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain.model import FINISHED, LIVE
from calloff.domain.money import to_pence
from calloff.store import facts, finance, providers, seal_parts, splitting
from calloff.store.invoices import invoice_key


def create_audit_head(db: sqlite_utils.Database) -> None:
    db.table("audit_head").create(
        {"id": int, "last_event": int, "last_hash": str},
        pk="id",
        not_null={"last_event", "last_hash"},
    )
    db.execute(
        "INSERT INTO audit_head (id, last_event, last_hash) SELECT 1, id, hash "
        "FROM events ORDER BY id DESC LIMIT 1"
    )


# Upgrades from one schema version to the next: MIGRATIONS[n] takes version n to n + 1.
def _migrate_1_to_2(db: sqlite_utils.Database) -> None:
    """Approvals: a call-off at or over the framework's threshold waits for a second officer."""
    if not db.table("audit_head").exists():
        create_audit_head(db)
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
          provider_id INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX changes_year ON changes (year, funding, effective_on)")
    db.execute("CREATE INDEX changes_calloff ON changes (calloff_id)")
    term = db.execute("SELECT term_start FROM framework").fetchone()
    db.execute("ALTER TABLE caps RENAME TO caps_v2")
    db.execute(
        """CREATE TABLE caps (
          id INTEGER PRIMARY KEY, year TEXT NOT NULL,
          stream TEXT NOT NULL REFERENCES streams (name), effective_on TEXT NOT NULL,
          amount_pence INTEGER NOT NULL, recorded_at TEXT, officer TEXT, event_id INTEGER)"""
    )
    db.execute("CREATE INDEX caps_year ON caps (year, stream, effective_on)")
    db.execute(
        "INSERT INTO caps (year, stream, effective_on, amount_pence, officer, event_id) "
        "SELECT year, stream, ?, amount_pence, 'calloff', 1 FROM caps_v2 "
        "ORDER BY year, stream",
        [term[0] if term else "1900-01-01"],
    )
    db.execute("DROP TABLE caps_v2")
    db.execute("ALTER TABLE streams ADD COLUMN confirmed_event INTEGER")
    db.execute("ALTER TABLE calloffs ADD COLUMN event_id INTEGER")
    db.execute("ALTER TABLE spend ADD COLUMN invoice_key TEXT")
    db.execute("ALTER TABLE spend ADD COLUMN event_id INTEGER")
    db.execute(
        """CREATE TABLE ranking_history (
          id INTEGER PRIMARY KEY, lot INTEGER NOT NULL REFERENCES lots (number),
          effective_on TEXT NOT NULL, provider_ids TEXT NOT NULL, event_id INTEGER)"""
    )
    db.execute("CREATE INDEX ranking_history_lot ON ranking_history (lot, effective_on)")
    db.execute(
        """CREATE TABLE price_history (
          id INTEGER PRIMARY KEY, lot INTEGER NOT NULL REFERENCES lots (number),
          provider_id INTEGER NOT NULL REFERENCES providers (id), unit TEXT NOT NULL,
          rate_pence INTEGER, effective_on TEXT NOT NULL, event_id INTEGER)"""
    )
    db.execute("CREATE INDEX price_history_lot ON price_history (lot, provider_id, unit)")
    # The rankings and rates of an older database apply from the start of the term.
    start = term[0] if term else "1900-01-01"
    for (lot,) in db.execute("SELECT DISTINCT lot FROM rankings ORDER BY lot").fetchall():
        ids = [
            r[0]
            for r in db.execute(
                "SELECT provider_id FROM rankings WHERE lot = ? ORDER BY rank", [lot]
            )
        ]
        db.execute(
            "INSERT INTO ranking_history (lot, effective_on, provider_ids, event_id) "
            "VALUES (?, ?, ?, 1)",
            [lot, start, json.dumps(ids)],
        )
    db.execute(
        "INSERT INTO price_history (lot, provider_id, unit, rate_pence, effective_on, "
        "event_id) SELECT lot, provider_id, unit, rate_pence, ?, 1 FROM prices "
        "ORDER BY lot, provider_id, unit",
        [start],
    )
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
            db.execute(
                "UPDATE streams SET confirmed_event = ? WHERE name = ?", [e["id"], e["object_id"]]
            )
        elif e["action"] == "spend.add" and isinstance(after, dict):
            db.execute("UPDATE spend SET event_id = ? WHERE id = ?", [e["id"], after["spend"]])
        elif e["action"] == "ceiling.set" and isinstance(after, dict):
            db.execute(
                "UPDATE caps SET event_id = ? WHERE year = ? AND stream = ?",
                [e["id"], after.get("year"), e["object_id"]],
            )
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
            commitment = (
                _event_pence(after["commitment"])
                if "commitment" in after
                else db.execute(
                    "SELECT COALESCE(SUM(amount_pence), 0) FROM spend WHERE calloff_id = ?",
                    [c["id"]],
                ).fetchone()[0]
            )
        else:
            commitment = 0
        before = state.get(c["id"], ("", 0, 0))[2]
        state[c["id"]] = (status, value, commitment)
        db.execute(
            "INSERT INTO changes (calloff_id, event_id, effective_on, recorded_at, status, "
            "value_pence, commitment_pence, delta_pence, year, funding, lot, provider_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                c["id"],
                e["id"],
                e["effective_on"],
                e["recorded_at"],
                status,
                value,
                commitment,
                commitment - before,
                c["year"],
                c["funding"],
                c["lot"],
                c["provider_id"],
            ],
        )
    seen: set[tuple[int, str]] = set()
    for r in db.query("SELECT id, provider_id, invoice FROM spend ORDER BY id"):
        key = invoice_key(r["invoice"])
        if (r["provider_id"], key) in seen:  # recorded twice before keys were unique
            key = f"{key}#{r['id']}"
        seen.add((r["provider_id"], key))
        db.execute("UPDATE spend SET invoice_key = ? WHERE id = ?", [key, r["id"]])


def _event_pence(amount: Any) -> int:
    return to_pence(Decimal(str(amount)))


def _migrate_3_to_4(db: sqlite_utils.Database) -> None:
    """Day totals for constant-time headroom checks, and the indexes the queries need.

    `daily_totals` holds, per year, stream and day, the change in commitment and the spend
    dated that day; a headroom check sums a few hundred of those rows instead of every
    change of the year. The seal becomes incremental (see `calloff.store.seal`): the upgrade
    digests each table once, and from then on each write folds in only the rows it touched.
    """
    db.execute(
        """CREATE TABLE daily_totals (
          year TEXT NOT NULL, funding TEXT NOT NULL, day TEXT NOT NULL,
          committed_pence INTEGER NOT NULL DEFAULT 0, spent_pence INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (year, funding, day))"""
    )
    db.execute(
        f"INSERT INTO daily_totals (year, funding, day, committed_pence, spent_pence) "
        f"{DAILY_TOTALS_SQL}"
    )
    for sql in INDEXES_V4:
        db.execute(sql)


# What `daily_totals` must hold, derived from the dated changes and the invoice lines.
DAILY_TOTALS_SQL = """
    SELECT year, funding, day, SUM(committed) AS committed_pence, SUM(spent) AS spent_pence
    FROM (
      SELECT year, funding, effective_on AS day, delta_pence AS committed, 0 AS spent
      FROM changes
      UNION ALL
      SELECT c.year, c.funding, sp.spent_on, 0, sp.amount_pence
      FROM spend sp JOIN calloffs c ON c.id = sp.calloff_id)
    GROUP BY year, funding, day"""

INDEXES_V4 = (
    # The value history of a call-off (show, orders, the dated ledger's rebuild).
    "CREATE INDEX variations_calloff ON variations (calloff_id)",
    # A call-off's or provider's own trail (show, audit --calloff, verify's reconciliation).
    "CREATE INDEX events_object ON events (object_type, object_id)",
    # Spend by invoice date (the quarterly report, year to date).
    "CREATE INDEX spend_spent_on ON spend (spent_on)",
    # Call-offs raised in a quarter, and the offers waiting for an answer or approval.
    "CREATE INDEX calloffs_offered_on ON calloffs (offered_on)",
    "CREATE INDEX calloffs_status ON calloffs (status, respond_by)",
    # Each call-off's changes in date order (awaiting an answer on a day).
    "CREATE INDEX changes_calloff_day ON changes (calloff_id, effective_on)",
)


def _migrate_4_to_5(db: sqlite_utils.Database) -> None:
    """The seal enters the chain: the last event of each write carries the digest of the
    records as it left them, so a head hash written down vouches for the records too."""
    db.execute("ALTER TABLE events ADD COLUMN seal TEXT")


def _migrate_5_to_6(db: sqlite_utils.Database) -> None:
    """What publication needs (docs/publishing.md): the framework's regime and service
    area, providers' registration numbers, and each invoice's VAT, receipt and payment.

    An existing framework takes these from its embedded definition when it is one, and
    otherwise its regime from its start date. Invoice lines already recorded get the VAT
    their provider's treatment implies and no irrecoverable VAT; their receipt and
    payment were never recorded, so they stay unpaid until `calloff spend pay`."""
    for column, kind in (
        ("regime", "TEXT"),
        ("light_touch", "INTEGER NOT NULL DEFAULT 0"),
        ("service_area", "TEXT NOT NULL DEFAULT ''"),
        ("merchant_category", "TEXT NOT NULL DEFAULT ''"),
    ):
        db.execute(f"ALTER TABLE framework ADD COLUMN {column} {kind}")
    row = db.execute("SELECT id, term_start FROM framework").fetchone()
    if row is not None:
        from calloff.domain import definition
        from calloff.domain.model import ACT_IN_FORCE

        if row[0] in definition.EMBEDDED:
            fw = definition.embedded(row[0])
            values = [fw.regime, int(fw.light_touch), fw.service_area, fw.merchant_category]
        else:
            started = date.fromisoformat(row[1])
            values = ["pa2023" if started >= ACT_IN_FORCE else "pcr2015", 0, "", ""]
        db.execute(
            "UPDATE framework SET regime = ?, light_touch = ?, service_area = ?, "
            "merchant_category = ?",
            values,
        )
    for column in ("address", "companies_house", "charity", "sme", "vcse", "ppon"):
        kind = "INTEGER" if column in ("sme", "vcse") else "TEXT"
        db.execute(f"ALTER TABLE providers ADD COLUMN {column} {kind}")
    db.execute("ALTER TABLE spend ADD COLUMN received_on TEXT")
    db.execute("ALTER TABLE spend ADD COLUMN paid_on TEXT")
    db.execute("ALTER TABLE spend ADD COLUMN vat_pence INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE spend ADD COLUMN irrecoverable_vat_pence INTEGER NOT NULL DEFAULT 0")
    # 20% of the amount, rounded half up to the penny, for a standard-rated provider.
    db.execute(
        "UPDATE spend SET vat_pence = (amount_pence * 2 + 5) / 10 WHERE provider_id IN "
        "(SELECT id FROM providers WHERE vat = 'standard')"
    )
    db.execute("CREATE INDEX spend_paid ON spend (paid_on)")


def _migrate_6_to_7(db: sqlite_utils.Database) -> None:
    """Open data and the compliance calendar (docs/publishing.md): the framework's OCDS
    prefix (an embedded framework takes its definition's; any other has none until it is
    set) and the record of what was published, which closes a due item."""
    db.execute("ALTER TABLE framework ADD COLUMN ocid_prefix TEXT NOT NULL DEFAULT ''")
    from calloff.domain import definition

    row = db.execute("SELECT id FROM framework").fetchone()
    if row is not None and row[0] in definition.EMBEDDED:
        prefix = definition.embedded(row[0]).ocid_prefix
        db.execute("UPDATE framework SET ocid_prefix = ?", [prefix])
    db.execute(
        """CREATE TABLE publications (
          item TEXT PRIMARY KEY, published_on TEXT NOT NULL, reference TEXT,
          recorded_at TEXT NOT NULL, officer TEXT NOT NULL)"""
    )


def _migrate_7_to_8(db: sqlite_utils.Database) -> None:
    """Awarding by competition (docs/competition.md): each lot's award route (every existing
    lot stays `ranked`), the award criteria, the standstill, competitions and their bids."""
    from calloff.store.competitions import create_tables

    create_tables(db)


def _migrate_8_to_9(db: sqlite_utils.Database) -> None:
    """The register of officers (docs/rules.md, delegated authority): officers, their dated
    entries, cover and the authority of each event; each event names the account that
    acted and its channel; an approval its decision reference; the framework its key
    decision value (an embedded framework takes its definition's). The account upgrading
    is registered by the upgrade itself (`calloff.store.upgrade.migrate`)."""
    from calloff.domain import definition
    from calloff.store.officers import create_tables

    create_tables(db)
    row = db.execute("SELECT id FROM framework").fetchone()
    if row is not None and row[0] in definition.EMBEDDED:
        key = definition.embedded(row[0]).key_decision
        if key is not None:
            db.execute("UPDATE framework SET key_decision_pence = ?", [to_pence(key)])


def _migrate_9_to_10(db: sqlite_utils.Database) -> None:
    """Signing in to the workspace: officers' password hashes and the sign-in record; and
    an index for the workspace's home page, which asks which requests have no live
    call-off."""
    from calloff.store.sign_ins import create_tables

    create_tables(db)
    db.execute("CREATE INDEX calloffs_request_status ON calloffs (request_id, status)")


def _migrate_10_to_11(db: sqlite_utils.Database) -> None:
    """The programme's target of practitioners trained, from the definition: an embedded
    framework's is filled in (Leeds: 6,000)."""
    from calloff.domain import definition

    db.execute("ALTER TABLE framework ADD COLUMN practitioners_target INTEGER")
    row = db.execute("SELECT id FROM framework").fetchone()
    if row is not None and row[0] in definition.EMBEDDED:
        target = definition.embedded(row[0]).practitioners_target
        db.execute("UPDATE framework SET practitioners_target = ?", [target])


def _migrate_11_to_12(db: sqlite_utils.Database) -> None:
    """Messages (docs/messages.md): the outbox, the links on which providers answer offers,
    providers' e-mail addresses and the framework's publishing contact."""
    from calloff.store.outbox import create_tables

    create_tables(db)


def _migrate_16_to_17(db: sqlite_utils.Database) -> None:
    """The payments compliance notice reads its half-year's invoices alone: those paid in
    it (`spend_paid`) and those that fell due in it, found by the day each counts as
    received (its invoice date where none was recorded)."""
    db.execute("CREATE INDEX spend_received ON spend (COALESCE(received_on, spent_on))")


MIGRATIONS: dict[int, Any] = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
    4: _migrate_4_to_5,
    5: _migrate_5_to_6,
    6: _migrate_6_to_7,
    7: _migrate_7_to_8,
    8: _migrate_8_to_9,
    9: _migrate_9_to_10,
    10: _migrate_10_to_11,
    11: _migrate_11_to_12,
    12: facts.migrate,  # the framework's own facts, and two more provider statuses
    13: finance.add_columns,  # purchase order numbers and invoice lines' codes
    14: splitting.migrate,  # split purchases count together against approval
    15: seal_parts.create_table,  # the seal by parts, for the checks before a decision
    16: _migrate_16_to_17,  # the payments notice's invoices by the day received
    17: providers.add_indexes,  # one provider's status and gaps by its id
    18: seal_parts.rates_by_provider,  # rates sealed by lot and provider
    19: seal_parts.more_parts,  # competitions, requests and call-offs sealed by parts
}
