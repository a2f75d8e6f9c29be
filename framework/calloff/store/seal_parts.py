"""The seal by parts: the digests of one year's day totals, one lot's ranking and rates and
one competition's bids, so that a decision can check the few hundred rows it reads against
the seal before it is written, without digesting the whole database.

A part's digest is the same multiset hash as a table's (see `calloff.store.seal`), over the
rows whose key column holds the part's value; the parts of a table add up to the table's
digest. They live in `seal_parts`, outside the records (like the head), kept up to date by
each write from the rows it touched; `audit verify` recomputes them with the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from calloff.errors import Tampered

MODULUS = 2**256
# The tables sealed by parts, and the column that names a row's part.
PARTS = {
    "daily_totals": ("year",),
    "rankings": ("lot",),
    "ranking_history": ("lot",),
    "prices": ("lot", "provider_id"),  # one provider's rates on one lot: "4/17"
    "price_history": ("lot", "provider_id"),
    "bids": ("competition_id",),
    "competitions": ("id",),
    "invitations": ("competition_id",),
    "requests": ("id",),
    "calloffs": ("provider_id", "lot"),  # a provider's call-offs on a lot: split purchases
}
# The framework's own tables, small and read whole by every decision.
FRAMEWORK_TABLES = ("framework", "lots", "streams", "caps", "extensions", "criteria")
# What a part is called in a refusal.
WORDS = {
    "daily_totals": "the day totals for {} were",
    "rankings": "the ranking of lot {} was",
    "ranking_history": "the ranking of lot {} was",
    "prices": "the rates tendered on lot {} were",
    "price_history": "the rates tendered on lot {} were",
    "bids": "the bids in competition {} were",
    "competitions": "competition {} was",
    "invitations": "the invitations to competition {} were",
    "requests": "request {} was",
    "caps": "the budget caps were",
    "streams": "the funding streams were",
    "framework": "the framework's settings were",
    "lots": "the lots were",
    "extensions": "the term's extensions were",
    "criteria": "the competition's criteria were",
    "officers": "the register of officers was",
    "officer_entries": "the register of officers was",
    "delegations": "the register's cover between officers was",
}


def create_table(db: sqlite_utils.Database) -> None:
    """Schema 15: the parts' digests (filled by the upgrade's re-seal)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS seal_parts (tbl TEXT NOT NULL, part TEXT NOT NULL, "
        "rows INTEGER NOT NULL, total TEXT NOT NULL, PRIMARY KEY (tbl, part))"
    )


def rates_by_provider(db: sqlite_utils.Database) -> None:
    """Schema 19: rates sealed by lot and provider, so a cascade checks the providers it
    walked past, not a lot of thousands; the upgrade's re-seal digests them afresh."""
    db.execute("DELETE FROM seal_parts WHERE tbl IN ('prices', 'price_history')")


def more_parts(db: sqlite_utils.Database) -> None:
    """Schema 20: competitions, their invitations, requests, and each provider's call-offs
    on a lot sealed by parts too, for the award and the split-purchase check; the
    upgrade's re-seal digests them."""


def part_sql(table: str, prefix: str = "") -> str:
    """SQL for the part a row of `table` belongs to (`prefix`: NEW. or OLD. in a trigger)."""
    return " || '/' || ".join(f"COALESCE(CAST({prefix}[{c}] AS TEXT), '')" for c in PARTS[table])


def described(table: str, part: str | None) -> str:
    words = WORDS.get(table, f"the {table} records were")
    if part is not None and table in ("prices", "price_history"):
        lot, _, provider = part.partition("/")
        return f"the rates provider {provider} tendered on lot {lot} were"
    if part is not None and table == "calloffs":
        provider, _, lot = part.partition("/")
        return f"the call-offs to provider {provider} on lot {lot} were"
    return words.format(part) if part is not None else words.replace(" for {}", "")


def digest(
    db: sqlite_utils.Database, table: str, part: str | None, columns: list[str]
) -> tuple[int, int]:
    """(rows, sum of row hashes) of one part of a table, or of the whole table."""
    cols = ", ".join(f"[{c}]" for c in columns)
    sql = f"SELECT calloff_row_hash(?, {cols}) FROM [{table}]"
    params: list[Any] = [table]
    if part is not None:
        keys = PARTS[table]
        sql += " WHERE " + " AND ".join(f"[{c}] = ?" for c in keys)
        params += part.split("/", len(keys) - 1)
    count, total = 0, 0
    for (h,) in db.execute(sql, params):
        count += 1
        total += int(h, 16)
    return count, total % MODULUS


def sealed(db: sqlite_utils.Database, table: str, part: str) -> tuple[int, int]:
    row = db.execute(
        "SELECT rows, total FROM seal_parts WHERE tbl = ? AND part = ?", [table, part]
    ).fetchone()
    return (0, 0) if row is None else (int(row[0]), int(row[1], 16))


def fold(db: sqlite_utils.Database, touched: dict[tuple[str, str], list[int]]) -> None:
    """Add the rows a write touched ((table, part) -> [rows, sum]) to the parts' digests."""
    for (table, part), (count, total) in touched.items():
        rows, before = sealed(db, table, part)
        rows, after = rows + count, (before + total) % MODULUS
        if rows == 0 and after == 0:
            db.execute("DELETE FROM seal_parts WHERE tbl = ? AND part = ?", [table, part])
            continue
        db.execute(
            "INSERT INTO seal_parts (tbl, part, rows, total) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (tbl, part) DO UPDATE SET rows = excluded.rows, total = excluded.total",
            [table, part, rows, f"{after:064x}"],
        )


def every_part(
    db: sqlite_utils.Database, table: str, columns: list[str]
) -> Iterator[tuple[str, int, int]]:
    """Each part of a table with its rows and sum, one part at a time: the rows are read in
    the order of the part's columns (an index has it), so memory stays flat however many
    parts (a request each) there are."""
    cols = ", ".join(f"[{c}]" for c in columns)
    order = ", ".join(f"[{c}]" for c in PARTS[table])
    current: str | None = None
    rows = total = 0
    for part, h in db.execute(
        f"SELECT {part_sql(table)}, calloff_row_hash(?, {cols}) FROM [{table}] ORDER BY {order}",
        [table],
    ):
        if part != current:
            if current is not None:
                yield current, rows, total
            current, rows, total = part, 0, 0
        rows += 1
        total = (total + int(h, 16)) % MODULUS
    if current is not None:
        yield current, rows, total


def refill(db: sqlite_utils.Database, tables: Iterable[str], columns: Any) -> None:
    """Digest every part afresh: at creation and after an upgrade."""
    db.execute("DELETE FROM seal_parts")
    for table in tables:
        if table not in PARTS:
            continue
        for part, rows, total in every_part(db, table, columns(db, table)):
            db.execute(
                "INSERT INTO seal_parts (tbl, part, rows, total) VALUES (?, ?, ?, ?)",
                [table, part, rows, f"{total:064x}"],
            )


def mismatched(db: sqlite_utils.Database, present: list[str], columns: Any) -> str | None:
    """The first part whose sealed digest its rows no longer match (for `audit verify`),
    read part by part: memory stays flat."""
    for table in PARTS:
        seen = 0
        parts = every_part(db, table, columns(db, table)) if table in present else iter(())
        for part, rows, total in parts:
            seen += 1
            if (rows, total) != sealed(db, table, part):
                return f"{described(table, part)} changed outside calloff (the seal's part)"
        kept = db.execute("SELECT COUNT(*) FROM seal_parts WHERE tbl = ?", [table]).fetchone()
        if int(kept[0]) != seen:
            return f"{described(table, None)} changed outside calloff (the seal's parts)"
    return None


def check_reads(
    db: sqlite_utils.Database,
    vouched: set[tuple[str, str | None]],
    state: dict[str, Any],
    pending: dict[tuple[str, str | None], list[int]],
    record_tables: Any,
    columns: Any,
) -> None:
    """What a decision read must still add up to the seal, with the rows this write
    touched (`pending`) added: else the decision is refused (see `Seal.vouch`)."""
    sealed_tables: dict[str, list[Any]] = state.get("tables") or {}
    present = set(record_tables(db))
    for table, part in sorted(vouched, key=lambda k: (k[0], k[1] or "")):
        if table not in present or table not in sealed_tables:
            continue
        now = digest(db, table, part, columns(db, table))
        if part is None:
            rows, total = sealed_tables[table][0], int(sealed_tables[table][1], 16)
            touched = [v for (t, _), v in pending.items() if t == table]
        else:
            rows, total = sealed(db, table, part)
            touched = [pending.get((table, part), [0, 0])]
        rows += sum(t[0] for t in touched)
        total = (total + sum(t[1] for t in touched)) % MODULUS
        if now != (rows, total):
            raise Tampered(
                f"{described(table, part)} changed outside calloff",
                hint="run `calloff audit verify`",
            )
