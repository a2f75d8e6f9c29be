"""Commitment and caps as functions of time: the dated ledger behind every headroom figure.

Each change to what a call-off commits (an offer, a decline, a variation, a completion)
is one row of `changes`, with its effective date, the audit event that recorded it and
the change in commitment (`delta_pence`). Each cap is one row of `caps` with the date it
applies from. So the commitment on any day is a sum, the cap on any day is the latest
cap dated on or before it, and "as the database stood at event N" is a filter on the
event number. The ceiling check is one SQL query with running sums (window functions)
over the year's day totals (`daily_totals`, kept with each change and invoice line): it
reads a few hundred rows of the one year it is asked about, however many call-offs there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import sqlite_utils

from calloff.domain.dates import FinancialYear
from calloff.domain.money import from_pence, to_pence
from calloff.domain.rules import Position, StreamPosition

# An event number past any real one: "as the database stands now".
NOW = 2**62


@attrs.frozen
class Breach:
    """The first day on which a year's headroom would be below zero, and by how much."""

    day: date
    stream: str | None  # None: the contract ceiling across every stream
    cap: Decimal
    committed: Decimal
    first_cap_on: date | None = None  # when the stream's (or year's) first cap applies

    @property
    def over_by(self) -> Decimal:
        return self.committed - self.cap


def _upto(upto: int | None) -> int:
    return NOW if upto is None else upto


class Ledger:
    """The dated commitments and caps of one calloff database."""

    def __init__(self, db: sqlite_utils.Database, vouch: Callable[..., None] | None = None):
        self.db = db
        self.vouch = vouch or (lambda table, part=None: None)  # see Seal.vouch

    def _reads(self, year: FinancialYear) -> None:
        """A decision reads the year's day totals, the caps and the streams."""
        self.vouch("daily_totals", str(year))
        self.vouch("caps")
        self.vouch("streams")

    # -- writing -------------------------------------------------------------------------

    def record(
        self,
        calloff: Any,
        event_id: int,
        on: date,
        status: str,
        value: Decimal,
        commitment: Decimal,
    ) -> Decimal:
        """One dated change to a call-off; returns the change in its commitment."""
        row = self.db.execute(
            "SELECT commitment_pence FROM changes WHERE calloff_id = ? ORDER BY id DESC LIMIT 1",
            [calloff.id],
        ).fetchone()
        before = row[0] if row else 0
        delta = to_pence(commitment) - before
        self.db.execute(
            "INSERT INTO changes (calloff_id, event_id, effective_on, recorded_at, status, "
            "value_pence, commitment_pence, delta_pence, year, funding, lot, provider_id) "
            "SELECT ?, ?, ?, recorded_at, ?, ?, ?, ?, ?, ?, ?, ? FROM events WHERE id = ?",
            [
                calloff.id,
                event_id,
                on.isoformat(),
                status,
                to_pence(value),
                to_pence(commitment),
                delta,
                str(calloff.year),
                calloff.funding,
                calloff.lot,
                calloff.provider_id,
                event_id,
            ],
        )
        if delta:
            self.add_to_day(str(calloff.year), calloff.funding, on, committed=delta)
        return from_pence(delta)

    def add_to_day(
        self, year: str, funding: str, day: date, committed: int = 0, spent: int = 0
    ) -> None:
        """Keep the day's totals for a year and stream: what every headroom check reads."""
        self.db.execute(
            "INSERT INTO daily_totals (year, funding, day, committed_pence, spent_pence) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (year, funding, day) DO UPDATE SET "
            "committed_pence = committed_pence + excluded.committed_pence, "
            "spent_pence = spent_pence + excluded.spent_pence",
            [year, funding, day.isoformat(), committed, spent],
        )

    def last_change(self, calloff_id: int) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                "SELECT * FROM changes WHERE calloff_id = ? ORDER BY id DESC LIMIT 1", [calloff_id]
            )
        )
        return rows[0] if rows else None

    def history(self, calloff_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT * FROM changes WHERE calloff_id = ? ORDER BY id", [calloff_id])
        )

    def set_cap(
        self,
        year: FinancialYear,
        stream: str,
        amount: Decimal,
        on: date,
        officer: str,
        event_id: int | None,
        recorded_at: str,
    ) -> None:
        self.db.execute(
            "INSERT INTO caps (year, stream, effective_on, amount_pence, recorded_at, officer, "
            "event_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [str(year), stream, on.isoformat(), to_pence(amount), recorded_at, officer, event_id],
        )

    # -- reading -------------------------------------------------------------------------

    def caps_now(self) -> dict[str, dict[FinancialYear, Decimal]]:
        """Each stream's latest cap for each year (the one in force from its date on)."""
        caps: dict[str, dict[FinancialYear, Decimal]] = {}
        for r in self.db.query(
            """
            SELECT stream, year, amount_pence FROM (
              SELECT stream, year, amount_pence, ROW_NUMBER() OVER (
                PARTITION BY stream, year ORDER BY effective_on DESC, id DESC) AS n
              FROM caps) WHERE n = 1 ORDER BY year
            """
        ):
            caps.setdefault(r["stream"], {})[FinancialYear.parse(r["year"])] = from_pence(
                r["amount_pence"]
            )
        return caps

    def cap_history(self, year: FinancialYear, stream: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM caps WHERE year = ? AND stream = ? ORDER BY effective_on, id",
                [str(year), stream],
            )
        )

    def every_cap(self) -> list[dict[str, Any]]:
        """Every cap recorded, by stream, year and the day it applies from: a few rows a
        year, read whole."""
        return list(self.db.query("SELECT * FROM caps ORDER BY stream, year, effective_on, id"))

    def position(self, year: FinancialYear, at: date, upto: int | None = None) -> Position:
        """The year's caps, commitments and spend by stream as they stood on day `at`,
        as recorded up to event `upto` (default: everything recorded)."""
        if upto is not None and upto >= self.head_event():
            upto = None  # as recorded by the newest event is as it stands now
        if upto is None:
            self._reads(year)
        if upto is None:  # now: the day totals, a few hundred rows per year and stream
            committed = (
                "SELECT COALESCE(SUM(d.committed_pence), 0) FROM daily_totals d "
                "WHERE d.year = :year AND d.funding = st.name AND d.day <= :at"
            )
            spent = (
                "SELECT COALESCE(SUM(d.spent_pence), 0) FROM daily_totals d "
                "WHERE d.year = :year AND d.funding = st.name AND d.day <= :at"
            )
        else:  # as recorded by an earlier event: every dated change and line up to it
            committed = (
                "SELECT COALESCE(SUM(ch.delta_pence), 0) FROM changes ch "
                "WHERE ch.year = :year AND ch.funding = st.name "
                "AND ch.effective_on <= :at AND ch.event_id <= :upto"
            )
            spent = (
                "SELECT COALESCE(SUM(sp.amount_pence), 0) FROM spend sp "
                "JOIN calloffs c ON c.id = sp.calloff_id "
                "WHERE c.year = :year AND c.funding = st.name AND sp.spent_on <= :at "
                "AND sp.event_id <= :upto"
            )
        rows = self.db.query(
            f"""
            SELECT st.name, st.capped,
              CASE WHEN st.status = 'confirmed'
                    AND (st.confirmed_on IS NULL OR st.confirmed_on <= :at)
                    AND COALESCE(st.confirmed_event, 0) <= :upto
                THEN 'confirmed' ELSE 'pending' END AS status,
              (SELECT c.amount_pence FROM caps c WHERE c.year = :year AND c.stream = st.name
                 AND c.effective_on <= :at AND COALESCE(c.event_id, 0) <= :upto
                 ORDER BY c.effective_on DESC, c.id DESC LIMIT 1) AS cap,
              ({committed}) AS committed,
              ({spent}) AS spent
            FROM streams st ORDER BY st.position
            """,
            {"year": str(year), "at": at.isoformat(), "upto": _upto(upto)},
        )
        return Position(
            year,
            tuple(
                StreamPosition(
                    name=r["name"],
                    capped=bool(r["capped"]),
                    status=r["status"],
                    cap=None if r["cap"] is None or not r["capped"] else from_pence(r["cap"]),
                    committed=from_pence(r["committed"]),
                    spent=from_pence(r["spent"]),
                )
                for r in rows
            ),
        )

    def head_event(self) -> int:
        """The newest event: a report as recorded by it is the database as it stands."""
        row = self.db.execute("SELECT last_event FROM audit_head WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def first_breach(self, year: FinancialYear, start: date) -> Breach | None:
        """The first day from `start` on which any headroom in `year` is below zero.

        Commitments and caps are both dated changes; a running sum of each, per stream
        and across streams, gives the position on every day a change takes effect, and
        between those days nothing moves. Changes dated before `start` are counted on
        `start`, so the position carried into it is checked too. A pending stream adds
        nothing to the ceiling; a confirmed one adds its caps from the later of their
        dates and its confirmation.
        """
        self._reads(year)
        rows = list(
            self.db.query(
                """
            WITH ledger AS (
              SELECT funding AS stream, MAX(day, :start) AS day, committed_pence AS dc,
                0 AS dcap
              FROM daily_totals WHERE year = :year
              UNION ALL
              SELECT c.stream,
                MAX(CASE WHEN st.confirmed_on > c.effective_on THEN st.confirmed_on
                         ELSE c.effective_on END, :start),
                0,
                c.amount_pence - COALESCE(LAG(c.amount_pence) OVER (
                  PARTITION BY c.stream ORDER BY c.effective_on, c.id), 0)
              FROM caps c JOIN streams st ON st.name = c.stream
              WHERE c.year = :year AND st.capped AND st.status = 'confirmed'
            ),
            per_stream AS (
              SELECT stream, day, SUM(SUM(dcap)) OVER w AS cap, SUM(SUM(dc)) OVER w AS committed
              FROM ledger GROUP BY stream, day
              WINDOW w AS (PARTITION BY stream ORDER BY day ROWS UNBOUNDED PRECEDING)
            ),
            whole AS (
              SELECT day, SUM(SUM(dcap)) OVER w AS cap, SUM(SUM(dc)) OVER w AS committed
              FROM ledger GROUP BY day
              WINDOW w AS (ORDER BY day ROWS UNBOUNDED PRECEDING)
            )
            SELECT p.day, p.stream, p.cap, p.committed, 0 AS whole FROM per_stream p
              JOIN streams st ON st.name = p.stream
              WHERE st.capped AND p.committed > p.cap
            UNION ALL
            SELECT day, NULL, cap, committed, 1 FROM whole WHERE committed > cap
            ORDER BY 1, 5 LIMIT 1
            """,
                {"year": str(year), "start": start.isoformat()},
            )
        )
        if not rows:
            return None
        r = rows[0]
        first = self.db.execute(
            "SELECT MIN(c.effective_on) FROM caps c JOIN streams st ON st.name = c.stream "
            "WHERE c.year = ? AND (? IS NULL OR c.stream = ?) AND st.capped",
            [str(year), r["stream"], r["stream"]],
        ).fetchone()[0]
        return Breach(
            date.fromisoformat(r["day"]),
            r["stream"],
            from_pence(r["cap"]),
            from_pence(r["committed"]),
            date.fromisoformat(first) if first else None,
        )

    def commitments(
        self,
        year: FinancialYear,
        at: date,
        upto: int | None = None,
    ) -> Iterable[dict[str, Any]]:
        """Commitment by lot, provider and stream on day `at`, as recorded by event `upto`."""
        return self.db.query(
            """
            SELECT lot, provider_id, funding, SUM(delta_pence) AS committed FROM changes
            WHERE year = :year AND effective_on <= :at AND event_id <= :upto
            GROUP BY lot, provider_id, funding
            """,
            {"year": str(year), "at": at.isoformat(), "upto": _upto(upto)},
        )

    def awaiting_ids(self, at: date, upto: int | None = None) -> str:
        """SQL for the call-offs whose latest change by day `at` left them offered."""
        return (
            "SELECT calloff_id FROM (SELECT calloff_id, status, ROW_NUMBER() OVER ("
            "PARTITION BY calloff_id ORDER BY effective_on DESC, id DESC) AS n FROM changes "
            f"WHERE effective_on <= '{at.isoformat()}' AND event_id <= {_upto(upto)}) "
            "WHERE n = 1 AND status = 'offered'"
        )

    def event_at(self, recorded: str) -> int | None:
        """The last event recorded at or before a UTC time stamp."""
        row = self.db.execute(
            "SELECT MAX(id) FROM events WHERE recorded_at <= ?", [recorded]
        ).fetchone()
        return row[0]
