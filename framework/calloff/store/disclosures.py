"""What the council must publish, read from the records: the compliance calendar's items
and what was recorded as published, the Transparency Code's spend and contracts, and the
Procurement Act 2023's payments and payment performance (docs/publishing.md).

Each row is one payment, contract or invoice, with its money in pence as stored; each
total is summed by SQL and handed back in pounds. A threshold is given in pounds and
compared in pence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain.model import ENTERED
from calloff.domain.money import from_pence, to_pence
from calloff.store.providers import insert_row
from calloff.store.rows import to_date
from calloff.store.trail import now_stamp

# The payments in a period (by the day paid) over a threshold: excluding VAT for the
# Transparency Code's spend, including it for the Procurement Act's payments.
_SPEND_OVER = "sp.paid_on BETWEEN :start AND :end AND sp.amount_pence > :over"
_PAYMENTS_OVER = "sp.paid_on BETWEEN :start AND :end AND sp.amount_pence + sp.vat_pence > :over"
_PAID_IN = "sp.paid_on BETWEEN :start AND :end"


def _period(start: date, end: date, over: Decimal | None = None) -> dict[str, Any]:
    """The parameters of a period, and of a threshold in pence where there is one."""
    params: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
    if over is not None:
        params["over"] = to_pence(over)
    return params


def _terms(payment_days: int) -> tuple[str, str, str, str]:
    """The day an invoice counts as received (its invoice date where none was recorded),
    the day it falls due `payment_days` later, the days it took to pay, counted from the
    day after receipt, and whether it fell due in the period: received `payment_days`
    before it (`_terms_period`), so that the day received is compared as it is stored."""
    received = "COALESCE(sp.received_on, sp.spent_on)"
    due = f"date({received}, '+{payment_days} days')"
    days = f"CAST(julianday(sp.paid_on) - julianday({received}) AS INTEGER)"
    return received, due, days, f"{received} BETWEEN :received_from AND :received_to"


def _terms_period(start: date, end: date, payment_days: int) -> dict[str, Any]:
    """A period's parameters, with the days an invoice falling due in it was received."""
    late = timedelta(days=payment_days)
    return {
        **_period(start, end),
        "received_from": (start - late).isoformat(),
        "received_to": (end - late).isoformat(),
    }


def _rows(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    """A query's rows as dicts, read as they are asked for. The query has run already, so
    what is read next on the connection sees the same records until the last row."""
    names = [d[0] for d in cursor.description]
    return (dict(zip(names, row, strict=True)) for row in cursor)


class Disclosures:
    """The records behind what the council publishes, and the record of publishing it."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    # -- the compliance calendar ----------------------------------------------------------

    def published_by(self, on: date) -> list[dict[str, Any]]:
        """Each due item recorded as published on or before `on`: the calendar as at that
        day shows it closed."""
        return list(
            self.db.query(
                "SELECT item, published_on, reference FROM publications WHERE published_on <= ?",
                [on.isoformat()],
            )
        )

    def entered_by(self, on: date) -> list[dict[str, Any]]:
        """The call-offs entered into by `on`, with their status, end and title: each owes
        a details (or award) notice, and one that ended a termination notice."""
        return list(
            self.db.query(
                f"""
                SELECT c.id, c.status, c.decided_on, c.closed_on, rq.title
                FROM calloffs c JOIN requests rq ON rq.id = c.request_id
                WHERE c.status IN ({", ".join(repr(s) for s in ENTERED)}) AND c.decided_on <= ?
                ORDER BY c.id
                """,
                [on.isoformat()],
            )
        )

    def offered_by(self, on: date) -> list[dict[str, Any]]:
        """The call-offs offered by `on` (the council's award decision) that are still
        offered or were entered into, with their value at award and the provider's VAT:
        each above the threshold owes a contract award notice before it is entered into."""
        return list(
            self.db.query(
                f"""
                SELECT c.id, c.status, c.offered_on AS raised_on, c.respond_by, c.decided_on,
                  COALESCE(c.approved_on, c.offered_on) AS offered_on, c.initial_value_pence,
                  rq.title, p.name AS provider, p.vat
                FROM calloffs c JOIN requests rq ON rq.id = c.request_id
                  JOIN providers p ON p.id = c.provider_id
                WHERE (c.status = 'offered'
                    OR (c.status IN ({", ".join(repr(s) for s in ENTERED)})
                        AND c.decided_on IS NOT NULL))
                  AND COALESCE(c.approved_on, c.offered_on) <= ?
                ORDER BY c.id
                """,
                [on.isoformat()],
            )
        )

    def published_on(self, item: str) -> str | None:
        """The day due item `item` was recorded as published, or None."""
        row = self.db.execute(
            "SELECT published_on FROM publications WHERE item = ? COLLATE NOCASE", [item]
        ).fetchone()
        return None if row is None else str(row[0])

    def variations_by(self, on: date) -> list[dict[str, Any]]:
        """The variations in effect by `on`, each numbered 1, 2… within its call-off in the
        order made, with the day its call-off was entered into: each may owe a change
        notice, named by that number."""
        return list(
            self.db.query(
                """
                SELECT * FROM (
                  SELECT v.id, v.calloff_id, v.effective_on, v.old_value_pence, v.new_value_pence,
                    ROW_NUMBER() OVER (PARTITION BY v.calloff_id ORDER BY v.id) AS number,
                    c.decided_on
                  FROM variations v JOIN calloffs c ON c.id = v.calloff_id)
                WHERE effective_on <= ? ORDER BY calloff_id, number
                """,
                [on.isoformat()],
            )
        )

    def last_activity(self) -> date | None:
        """The last day a payment was made, a call-off closed or one entered into was due
        to end: quarters owe their files until then, if it is after the framework's term."""
        (last,) = self.db.execute(
            f"""
            SELECT MAX(d) FROM (
              SELECT MAX(paid_on) AS d FROM spend
              UNION ALL SELECT MAX(closed_on) FROM calloffs
              UNION ALL SELECT MAX(rq."end") FROM calloffs c
                JOIN requests rq ON rq.id = c.request_id
                WHERE c.status IN ({", ".join(repr(s) for s in ENTERED)}))
            """
        ).fetchone()
        return to_date(last)

    def notices_published(self) -> int:
        """How many call-off notices were recorded as published: their ocids begin with the
        publisher's prefix, which then cannot change."""
        (count,) = self.db.execute(
            "SELECT COUNT(*) FROM publications WHERE item LIKE 'calloff-%'"
        ).fetchone()
        return int(count)

    def publications(self, limit: int | None, offset: int) -> list[dict[str, Any]]:
        """What was recorded as published, the latest recorded first, `limit` from
        `offset`: each with the officer's name today and who acted, from its event."""
        return list(
            self.db.query(
                """
                SELECT p.item, p.published_on, p.reference, p.recorded_at, p.officer,
                  (SELECT e.name FROM officer_entries e
                     WHERE e.login = p.officer COLLATE NOCASE
                     ORDER BY e.effective_on DESC, e.id DESC LIMIT 1) AS name,
                  ev.account, ev.channel
                FROM publications p LEFT JOIN events ev ON ev.id = (
                  SELECT MAX(id) FROM events WHERE object_type = 'publication'
                    AND object_id = p.item AND action = 'publication.record')
                ORDER BY p.rowid DESC LIMIT ? OFFSET ?
                """,
                [-1 if limit is None else limit, offset],
            )
        )

    def count_publications(self) -> int:
        """How many items were recorded as published."""
        (count,) = self.db.execute("SELECT COUNT(*) FROM publications").fetchone()
        return int(count)

    def record_published(self, item: str, on: date, reference: str | None, officer: str) -> int:
        """That due item `item` was published on `on`, which closes it from that day."""
        row = {
            "item": item,
            "published_on": on.isoformat(),
            "reference": reference,
            "recorded_at": now_stamp(),
            "officer": officer,
        }
        return insert_row(self.db, "publications", row)

    # -- the Transparency Code ------------------------------------------------------------

    def spend_over(self, start: date, end: date, over: Decimal) -> Iterator[dict[str, Any]]:
        """Each payment made in [start, end] over `over` excluding VAT, by the day paid,
        with its call-off's lot, its request's title and its provider: the spend file's
        rows, one a payment, one at a time as they are read."""
        return _rows(
            self.db.execute(
                f"""
                SELECT sp.id, sp.paid_on, sp.invoice, sp.amount_pence,
                  sp.irrecoverable_vat_pence, sp.calloff_id, c.lot, rq.title, p.name,
                  p.companies_house, p.charity, sp.cost_centre, sp.gl_code,
                  sp.purchase_order, c.purchase_order AS calloff_po
                FROM spend sp JOIN calloffs c ON c.id = sp.calloff_id
                  JOIN requests rq ON rq.id = c.request_id
                  JOIN providers p ON p.id = sp.provider_id
                WHERE {_SPEND_OVER} ORDER BY sp.paid_on, sp.id
                """,
                _period(start, end, over),
            )
        )

    def spend_over_totals(
        self, start: date, end: date, over: Decimal
    ) -> tuple[int, Decimal, Decimal]:
        """How many of those payments there are, their amount and their irrecoverable VAT:
        the spend file's totals."""
        count, amount, lost = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(amount_pence), 0), "
            f"COALESCE(SUM(irrecoverable_vat_pence), 0) FROM spend sp WHERE {_SPEND_OVER}",
            _period(start, end, over),
        ).fetchone()
        return count, from_pence(amount), from_pence(lost)

    def contracts_in_force(self, start: date, end: date, over: Decimal) -> list[dict[str, Any]]:
        """The call-offs in force on any day of [start, end] worth more than `over` as
        varied by `end`, with their provider, lot and irrecoverable VAT to `end`: the
        contracts register's call-off rows."""
        return list(
            self.db.query(
                """
                SELECT c.id, c.lot, c.status, c.closed_on, c.competition_id, rq.title, rq.start,
                  rq."end", l.title AS lot_title, p.name, p.companies_house, p.charity, p.ppon,
                  p.sme, p.vcse, p.supported_employment, p.public_service_mutual,
                  (SELECT ch.value_pence FROM changes ch WHERE ch.calloff_id = c.id
                     AND ch.effective_on <= :end ORDER BY ch.effective_on DESC, ch.id DESC LIMIT 1)
                    AS value_then,
                  (SELECT COALESCE(SUM(sp.irrecoverable_vat_pence), 0) FROM spend sp
                     WHERE sp.calloff_id = c.id AND sp.spent_on <= :end) AS lost_pence
                FROM calloffs c JOIN requests rq ON rq.id = c.request_id
                  JOIN providers p ON p.id = c.provider_id JOIN lots l ON l.number = c.lot
                WHERE c.status IN ('accepted', 'completed', 'cancelled')
                  AND c.decided_on IS NOT NULL
                  AND c.decided_on <= :end AND (c.closed_on IS NULL OR c.closed_on >= :start)
                  AND value_then > :over
                ORDER BY c.id
                """,
                _period(start, end, over),
            )
        )

    def caps_total(self, on: date) -> Decimal:
        """The sum of every cap set for any stream and year, each as it stood on `on`: the
        framework agreement's value in the contracts register."""
        (value,) = self.db.execute(
            """
            SELECT COALESCE(SUM(amount_pence), 0) FROM (
              SELECT amount_pence, ROW_NUMBER() OVER (
                PARTITION BY stream, year ORDER BY effective_on DESC, id DESC) AS n
              FROM caps WHERE effective_on <= ?) WHERE n = 1
            """,
            [on.isoformat()],
        ).fetchone()
        return from_pence(value)

    def suppliers(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """The providers `ids` by name, with what the contracts register says of each: the
        framework agreement's suppliers."""
        marks = ", ".join("?" * len(ids))
        return list(
            self.db.query(
                "SELECT name, companies_house, charity, ppon, sme, vcse, supported_employment, "
                "public_service_mutual FROM providers "
                f"WHERE id IN ({marks}) ORDER BY name COLLATE NOCASE",
                list(ids),
            )
        )

    def irrecoverable_vat_to(self, on: date) -> Decimal:
        """The VAT the council could not reclaim on every invoice dated up to `on`: the
        framework agreement's in the contracts register."""
        (lost,) = self.db.execute(
            "SELECT COALESCE(SUM(irrecoverable_vat_pence), 0) FROM spend WHERE spent_on <= ?",
            [on.isoformat()],
        ).fetchone()
        return from_pence(lost)

    # -- the Procurement Act 2023's payments ----------------------------------------------

    def payments_over(self, start: date, end: date, over: Decimal) -> list[dict[str, Any]]:
        """Each payment made in [start, end] over `over` including VAT, by the day paid,
        with its call-off's lot, its request's title and its provider: the s.70 rows."""
        return list(
            self.db.query(
                f"""
                SELECT sp.paid_on, sp.calloff_id, sp.invoice, sp.amount_pence, sp.vat_pence,
                  c.lot, rq.title, p.name, p.companies_house, p.ppon
                FROM spend sp JOIN calloffs c ON c.id = sp.calloff_id
                  JOIN requests rq ON rq.id = c.request_id
                  JOIN providers p ON p.id = sp.provider_id
                WHERE {_PAYMENTS_OVER} ORDER BY sp.paid_on, sp.id
                """,
                _period(start, end, over),
            )
        )

    def payments_over_total(self, start: date, end: date, over: Decimal) -> tuple[int, Decimal]:
        """How many of those payments there are and their amount including VAT."""
        count, total = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(amount_pence + vat_pence), 0) "
            f"FROM spend sp WHERE {_PAYMENTS_OVER}",
            _period(start, end, over),
        ).fetchone()
        return count, from_pence(total)

    def payment_times(
        self, start: date, end: date, payment_days: int
    ) -> tuple[int, int, int, int, int]:
        """Of the invoices paid in [start, end]: how many, their days to pay summed, and
        how many were paid within 30 days, in 31 to 60 and in 61 or more (the payments
        compliance notice's average and bands)."""
        days = _terms(payment_days)[2]
        made, total, within_30, within_60, later = self.db.execute(
            f"""
            SELECT COUNT(*), COALESCE(SUM({days}), 0), COALESCE(SUM({days} <= 30), 0),
              COALESCE(SUM({days} BETWEEN 31 AND 60), 0), COALESCE(SUM({days} >= 61), 0)
            FROM spend sp WHERE {_PAID_IN}
            """,
            _period(start, end),
        ).fetchone()
        return made, total, within_30, within_60, later

    def payable(self, start: date, end: date, payment_days: int) -> tuple[int, int]:
        """Of the invoices that fell due in [start, end]: how many, and how many were not
        paid by `end` (the notice's share unpaid)."""
        due_in = _terms(payment_days)[3]
        payable, unpaid = self.db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(sp.paid_on IS NULL OR sp.paid_on > :end), 0) "
            f"FROM spend sp WHERE {due_in}",
            _terms_period(start, end, payment_days),
        ).fetchone()
        return payable, unpaid

    def paid_or_due(self, start: date, end: date, payment_days: int) -> Iterator[dict[str, Any]]:
        """Each invoice paid or falling due in [start, end], in the order received, with
        its provider, amount including VAT, days received, due and to pay: the invoices
        behind the payments compliance notice, one at a time as they are read."""
        received, due, days, due_in = _terms(payment_days)
        return _rows(
            self.db.execute(
                f"""
                SELECT sp.invoice, sp.calloff_id, sp.spent_on, sp.received_on, sp.paid_on,
                  sp.amount_pence + sp.vat_pence AS gross, p.name, {received} AS received,
                  {due} AS due, {days} AS days, {_PAID_IN} AS paid_in, {due_in} AS due_in
                FROM spend sp JOIN providers p ON p.id = sp.provider_id
                WHERE {_PAID_IN} OR {due_in} ORDER BY {received}, sp.id
                """,
                _terms_period(start, end, payment_days),
            )
        )
