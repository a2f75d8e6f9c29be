"""Invoice lines: what each call-off has actually cost, by invoice date.

A reference is unique per provider in any letter case: the database holds a case-folded
key under a unique index, so no path (one line, a file, two files) can count it twice.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain.invoicing import Settled
from calloff.domain.money import from_pence, to_pence
from calloff.store.ledger import NOW
from calloff.store.trail import Trail, now_stamp


def invoice_key(invoice: str) -> str:
    """An invoice reference as the database compares it: `INV-7` and `inv-7` are one."""
    return unicodedata.normalize("NFKC", invoice).strip().casefold()


# A call-off on the spend list: one that takes invoices now, or took some before it ended.
_TAKES_SPEND = "(c.status = 'accepted' OR EXISTS (SELECT 1 FROM spend s WHERE s.calloff_id = c.id))"


class Invoices:
    """The spend table of one calloff database."""

    def __init__(self, db: sqlite_utils.Database, trail: Trail):
        from calloff.store.finance import PurchaseOrders

        self.db = db
        self.trail = trail
        self.orders = PurchaseOrders(db)  # the council's purchase order numbers

    def _one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def total(self, calloff_id: int) -> Decimal:
        row = self.db.execute(
            "SELECT COALESCE(SUM(amount_pence), 0) FROM spend WHERE calloff_id = ?", [calloff_id]
        ).fetchone()
        return from_pence(row[0])

    def find(self, provider_id: int, invoice: str) -> dict[str, Any] | None:
        """The invoice line with this reference from this provider, in any letter case."""
        return self._one(
            "SELECT * FROM spend WHERE provider_id = ? AND invoice_key = ?",
            [provider_id, invoice_key(invoice)],
        )

    def find_any(self, invoice: str) -> list[dict[str, Any]]:
        """Every provider's invoice line with this reference, in any letter case: paying
        one needs no provider named unless two providers used it."""
        return list(
            self.db.query(
                "SELECT * FROM spend WHERE invoice_key = ? ORDER BY id", [invoice_key(invoice)]
            )
        )

    def mark_paid(self, spend_id: int, paid: date, received: date | None = None) -> None:
        """That invoice line `spend_id` was paid on `paid` and, if not yet known, received
        on `received`: a received day already recorded stands."""
        self.db.execute(
            "UPDATE spend SET paid_on = ?, received_on = COALESCE(received_on, ?) WHERE id = ?",
            [paid.isoformat(), received.isoformat() if received else None, spend_id],
        )

    def last_date(self, calloff_id: int) -> date | None:
        row = self.db.execute(
            "SELECT MAX(spent_on) FROM spend WHERE calloff_id = ?", [calloff_id]
        ).fetchone()
        return date.fromisoformat(row[0]) if row[0] else None

    def add(
        self,
        calloff_id: int,
        provider_id: int,
        invoice: str,
        spent_on: date,
        amount: Decimal,
        attendees: int | None,
        officer: str,
        paid: Settled,
        count_day: bool = True,
    ) -> int:
        """One invoice line, tied to the event about to record it; added to its day's total
        unless `count_day` is False (then the caller adds it with `count_days`)."""
        cur = self.db.execute(
            "INSERT INTO spend (calloff_id, provider_id, invoice, invoice_key, spent_on, "
            "amount_pence, attendees, recorded_at, officer, event_id, received_on, paid_on, "
            "vat_pence, irrecoverable_vat_pence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                calloff_id,
                provider_id,
                invoice,
                invoice_key(invoice),
                spent_on.isoformat(),
                to_pence(amount),
                attendees,
                now_stamp(),
                officer,
                self.trail.next_event_id(),
                paid.received.isoformat() if paid.received else None,
                paid.paid.isoformat() if paid.paid else None,
                to_pence(paid.vat),
                to_pence(paid.irrecoverable_vat),
            ],
        )
        if count_day:
            self.count_days({(calloff_id, spent_on): amount})
        return int(cur.lastrowid or 0)

    def count_days(self, spent: dict[tuple[int, date], Decimal]) -> None:
        """Add spend to the day totals: (call-off, invoice date) -> amount. An import adds
        its lines' in one step, a row a call-off and day, not one a line."""
        self.db.conn.executemany(
            "INSERT INTO daily_totals (year, funding, day, committed_pence, spent_pence) "
            "SELECT year, funding, ?, 0, ? FROM calloffs WHERE id = ? "
            "ON CONFLICT (year, funding, day) DO UPDATE SET "
            "spent_pence = spent_pence + excluded.spent_pence",
            [(day.isoformat(), to_pence(amount), cid) for (cid, day), amount in spent.items()],
        )

    def lines(self, calloff_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM spend WHERE calloff_id = ? ORDER BY spent_on, id", [calloff_id]
            )
        )

    def page(self, calloff_id: int, limit: int, offset: int) -> list[dict[str, Any]]:
        """One page of a call-off's invoice lines, by invoice date."""
        return list(
            self.db.query(
                "SELECT * FROM spend WHERE calloff_id = ? ORDER BY spent_on, id LIMIT ? OFFSET ?",
                [calloff_id, limit, offset],
            )
        )

    def totals(self, calloff_id: int) -> dict[str, Any]:
        """A call-off's invoice lines added up: how many, the money, attendees, unpaid."""
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(amount_pence), 0), COALESCE(SUM(vat_pence), 0), "
            "COALESCE(SUM(irrecoverable_vat_pence), 0), COALESCE(SUM(attendees), 0), "
            "COALESCE(SUM(paid_on IS NULL), 0) FROM spend WHERE calloff_id = ?",
            [calloff_id],
        ).fetchone()
        names = ("lines", "amount", "vat", "irrecoverable_vat", "attendees", "unpaid")
        return dict(zip(names, row, strict=True))

    def by_calloff(self, limit: int, offset: int) -> list[dict[str, Any]]:
        """Call-offs that take invoices (accepted) or have some, newest first, each with
        its provider's name, lines, spend and unpaid lines: one page, cut in SQL, so a
        page of 100,000 call-offs reads fifty."""
        return list(
            self.db.query(
                f"""
            SELECT c.id, c.request_id, c.lot, c.status, c.value_pence, c.funding,
              p.name AS provider_name,
              (SELECT COALESCE(SUM(s.amount_pence), 0) FROM spend s
                 WHERE s.calloff_id = c.id) AS spent_pence,
              (SELECT COUNT(*) FROM spend s WHERE s.calloff_id = c.id) AS lines,
              (SELECT COUNT(*) FROM spend s WHERE s.calloff_id = c.id
                 AND s.paid_on IS NULL) AS unpaid
            FROM calloffs c JOIN providers p ON p.id = c.provider_id
            WHERE {_TAKES_SPEND} ORDER BY c.id DESC LIMIT :limit OFFSET :offset
            """,
                {"limit": limit, "offset": offset},
            )
        )

    def count_by_calloff(self) -> int:
        """How many call-offs `by_calloff` lists in all."""
        row = self.db.execute(f"SELECT COUNT(*) FROM calloffs c WHERE {_TAKES_SPEND}").fetchone()
        return int(row[0])

    def between(
        self,
        year_start: date,
        start: date,
        end: date,
        upto: int | None = None,
        marks: tuple[date, ...] = (),
    ) -> list[dict[str, Any]]:
        """Spend and attendees by lot, provider and stream: in [start, end] and year to date,
        as recorded by event `upto`; with `marks`, also the year to date at each of those
        days (`ytd_0`, `ytd_1`…), so earlier quarters need no pass of their own."""
        marked = "".join(
            f", SUM(CASE WHEN sp.spent_on <= :mark{n} THEN sp.amount_pence ELSE 0 END) AS ytd_{n}"
            for n in range(len(marks))
        )
        return list(
            self.db.query(
                f"""
            SELECT c.lot, c.provider_id, c.funding,
              SUM(CASE WHEN sp.spent_on >= :start THEN sp.amount_pence ELSE 0 END)
                AS spent_in_quarter,
              SUM(sp.amount_pence) AS spent_year_to_date,
              SUM(CASE WHEN sp.spent_on >= :start THEN COALESCE(sp.attendees, 0) ELSE 0 END)
                AS attendees_in_quarter,
              SUM(COALESCE(sp.attendees, 0)) AS attendees_year_to_date{marked}
            FROM spend sp JOIN calloffs c ON c.id = sp.calloff_id
            WHERE sp.spent_on BETWEEN :year_start AND :end AND sp.event_id <= :upto
            GROUP BY c.lot, c.provider_id, c.funding
            """,
                {
                    "year_start": year_start.isoformat(),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "upto": NOW if upto is None else upto,
                    **{f"mark{n}": m.isoformat() for n, m in enumerate(marks)},
                },
            )
        )
