"""Listings of call-offs for the officer and the report: awaiting approval, awaiting an
answer, raised in a period; each row with its provider's name and request's title."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

import sqlite_utils

from calloff.domain.dates import FinancialYear, working_days_between
from calloff.domain.lapses import lapse_command
from calloff.domain.model import FINISHED, LIVE, CallOff, Term
from calloff.store.ledger import NOW, Ledger
from calloff.store.rows import calloff_from_row


class Rows:
    """A listing read from the database each time it is gone through, one row at a time,
    and counted by SQL: for a report that must not hold its listings. A report's listing is
    as recorded by one audit event, so each reading gives the same rows."""

    def __init__(self, listings: Listings, query: Callable[[], tuple[str, str, dict[str, Any]]]):
        self._listings = listings
        self._query = query

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._listings._calloff_iter(*self._query())

    def __len__(self) -> int:
        where, order, params = self._query()
        return int(next(self._listings._calloff_iter(where, order, params, count=True))["count"])

    def __bool__(self) -> bool:
        where, order, params = self._query()
        return any(True for _ in self._listings._calloff_iter(where, order, {**params, "limit": 1}))


class Listings:
    """Call-offs, listed; `status_recorded` is the status as recorded by event `:upto`."""

    def __init__(self, db: sqlite_utils.Database, ledger: Ledger):
        self.db = db
        self.ledger = ledger

    def awaiting_approval(self) -> list[dict[str, Any]]:
        return self._calloff_rows("c.status = 'awaiting_approval'", "c.offered_on, c.id")

    def _calloff_rows(self, where: str, order: str, params: Any = None) -> list[dict[str, Any]]:
        """Call-offs with their provider's name and request's title, for listings; `status`
        is as recorded by event `:upto` where the query names one."""
        return list(self._calloff_iter(where, order, params))

    def _calloff_iter(
        self, where: str, order: str, params: Any = None, count: bool = False
    ) -> Iterator[dict[str, Any]]:
        """`_calloff_rows` one at a time as they are read (or, with `count`, one row of how
        many there are)."""
        params = dict(params or {})
        params.setdefault("upto", NOW)
        params.setdefault("limit", -1)
        columns = """c.*, p.name AS provider_name, r.title AS request_title,
              (SELECT ch.status FROM changes ch WHERE ch.calloff_id = c.id
                 AND ch.event_id <= :upto ORDER BY ch.id DESC LIMIT 1) AS status_recorded"""
        return self.db.query(
            f"""
            SELECT {"COUNT(*) AS count" if count else columns}
            FROM calloffs c JOIN providers p ON p.id = c.provider_id
            JOIN requests r ON r.id = c.request_id
            WHERE {where} {"" if count else f"ORDER BY {order} LIMIT :limit"}
            """,
            params,
        )

    def requests(
        self,
        lot: int | None = None,
        status: str | None = None,
        starts: tuple[str, str] | None = None,
        request_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
        count: bool = False,
    ) -> list[dict[str, Any]]:
        """Requests with where each stands (`standing`), for listing: those on `lot`, with
        `status`, starting within `starts` (first and last day), or the one `request_id`;
        `limit` of them from `offset`, by id. Filtered and paged here, in SQL, so a page of
        a national framework's list reads one page."""
        live = ", ".join(f"'{s}'" for s in LIVE + FINISHED)
        where = ["1 = 1"]
        params: dict[str, Any] = {"limit": -1 if limit is None else limit, "offset": offset}
        inner = ["1 = 1"]
        if lot is not None:
            inner.append("r.lot = :lot")
            params["lot"] = lot
        if request_id is not None:
            inner.append("r.id = :rid")
            params["rid"] = request_id
        if starts is not None:
            inner.append("r.start BETWEEN :first AND :last")
            params["first"], params["last"] = starts
        open_competition = (
            "EXISTS (SELECT 1 FROM competitions k WHERE k.request_id = r.id "
            "AND k.cancelled_on IS NULL)"
        )
        if status == "new":  # the home page's question, asked of the requests alone
            inner.append("NOT EXISTS (SELECT 1 FROM calloffs c WHERE c.request_id = r.id)")
            inner.append(f"NOT {open_competition}")
        elif status == "unallocated":
            inner.append("EXISTS (SELECT 1 FROM calloffs c WHERE c.request_id = r.id)")
            inner.append(
                "NOT EXISTS (SELECT 1 FROM calloffs c WHERE c.request_id = r.id "
                f"AND c.status IN ({live}))"
            )
            inner.append(f"NOT {open_competition}")
        elif status is not None:
            where.append("standing = :status")
            params["status"] = status
        sql = f"""
            SELECT * FROM (
              SELECT *, CASE WHEN live > 0 THEN last_status
                             WHEN competition IS NOT NULL THEN 'in_competition'
                             WHEN last_calloff IS NULL THEN 'new'
                             ELSE 'unallocated' END AS standing
              FROM (
                SELECT r.*,
                  (SELECT c.id FROM calloffs c WHERE c.request_id = r.id
                     ORDER BY c.id DESC LIMIT 1) AS last_calloff,
                  (SELECT c.status FROM calloffs c WHERE c.request_id = r.id
                     ORDER BY c.id DESC LIMIT 1) AS last_status,
                  (SELECT COUNT(*) FROM calloffs c WHERE c.request_id = r.id
                     AND c.status IN ({live})) AS live,
                  (SELECT k.id FROM competitions k WHERE k.request_id = r.id
                     AND k.cancelled_on IS NULL) AS competition
                FROM requests r WHERE {" AND ".join(inner)}))
            WHERE {" AND ".join(where)}"""
        if count:
            row = self.db.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()
            return [{"count": row[0]}]
        return list(self.db.query(sql + " ORDER BY id LIMIT :limit OFFSET :offset", params))

    def count_requests(
        self,
        lot: int | None = None,
        status: str | None = None,
        starts: tuple[str, str] | None = None,
    ) -> int:
        """How many requests `requests()` would list with these filters, unpaged."""
        return int(self.requests(lot, status, starts, count=True)[0]["count"])

    def offers_past(self, on: date) -> list[CallOff]:
        """Offers still unanswered after their respond-by date."""
        return [
            calloff_from_row(r)
            for r in self.db.query(
                "SELECT * FROM calloffs WHERE status = 'offered' AND respond_by < ? ORDER BY id",
                [on.isoformat()],
            )
        ]

    def pending_offers(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Offers waiting for an answer, soonest respond-by first; the first `limit`."""
        return self._calloff_rows(
            "c.status = 'offered'", "c.respond_by, c.id", {"limit": -1 if limit is None else limit}
        )

    def count_pending_offers(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM calloffs WHERE status = 'offered'").fetchone()
        return int(row[0])

    def raised_between(
        self, start: date, end: date, upto: int | None = None
    ) -> list[dict[str, Any]]:
        """Call-offs raised in [start, end], each with its status as recorded by `upto`.

        The column `c.offered_on` is the day a call-off was *raised* (allocated); the day the
        provider was told is `approved_on` where `needs_approval` (see `CallOff.offered_on`)."""
        return list(self.raised(start, end, upto))

    def raised(self, start: date, end: date, upto: int | None = None) -> Rows:
        """`raised_between`, read afresh each time it is gone through."""

        def query() -> tuple[str, str, dict[str, Any]]:
            return (
                "c.offered_on BETWEEN :start AND :end AND c.event_id <= :upto",
                "c.offered_on, c.id",
                {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "upto": NOW if upto is None else upto,
                },
            )

        return Rows(self, query)

    def awaiting_at(self, at: date, upto: int | None = None) -> list[dict[str, Any]]:
        """Offers made by a date that the provider had not yet answered on it.

        Each candidate's latest change by that day is looked up through its index. As the
        database stands now, a call-off answered or closed by then is no candidate at all,
        so the report reads the few call-offs still open on the day, not every one before it.
        """
        return list(self.awaiting(at, upto))

    def awaiting(self, at: date, upto: int | None = None) -> Rows:
        """`awaiting_at`, read afresh each time it is gone through (whether `upto` is still
        the newest event is asked each time)."""

        def query() -> tuple[str, str, dict[str, Any]]:
            where = (
                "c.offered_on <= :at AND c.event_id <= :upto AND (SELECT ch.status FROM "
                "changes ch WHERE ch.calloff_id = c.id AND ch.effective_on <= :at "
                "AND ch.event_id <= :upto ORDER BY ch.effective_on DESC, ch.id DESC "
                "LIMIT 1) = 'offered'"
            )
            last = upto
            if last is None or last >= self.ledger.head_event():
                last = None
                where += (
                    " AND (c.decided_on IS NULL OR c.decided_on > :at) "
                    "AND (c.closed_on IS NULL OR c.closed_on > :at)"
                )
            params = {"at": at.isoformat(), "upto": NOW if last is None else last}
            return where, "c.respond_by, c.id", params

        return Rows(self, query)

    def years_with_commitments(self) -> list[FinancialYear]:
        return [
            FinancialYear.parse(r["year"])
            for r in self.db.query("SELECT DISTINCT year FROM calloffs ORDER BY year")
        ]


def offer_dates(row: Mapping[str, Any], on: date, term: Term, holidays: str) -> dict[str, Any]:
    """A listed call-off's dates with one meaning each: raised (the `offered_on` column,
    the day it was allocated), offered (the day the provider was told: the approval day
    where one was needed), how many working days it is overdue on `on`, if it is, and the
    command that lapses it."""
    offered = row["approved_on"] if row["needs_approval"] else row["offered_on"]
    late = command = None
    if row["status"] == "offered" and row["respond_by"] and row["respond_by"] < on.isoformat():
        respond_by = date.fromisoformat(row["respond_by"])
        late = working_days_between(respond_by, on, holidays)
        command = lapse_command(respond_by, on, term, holidays)
    return {
        "raised_on": row["offered_on"],
        "offered_on": offered,
        "overdue_working_days": late,
        "lapse_command": command,
    }
