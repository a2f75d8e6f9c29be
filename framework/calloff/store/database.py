"""SQLite storage through sqlite-utils: the only module that knows about tables and rows.

Money is stored as integer pence, dates as ISO text. Every write happens inside
`Store.transaction()`, a `BEGIN IMMEDIATE` transaction: the check that a commitment
fits under the ceiling and the write of that commitment cannot be split by another
process, and a refusal (any exception) rolls back everything.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils

from calloff.domain.dates import FinancialYear
from calloff.domain.model import LIVE, CallOff, Framework, PassOver, Provider, Request
from calloff.domain.money import to_pence
from calloff.domain.officers import Actor
from calloff.domain.rules import Position
from calloff.errors import DatabaseError, NotFound, Tampered
from calloff.store.clashes import unique_clash
from calloff.store.competitions import CompetitionStore
from calloff.store.disclosures import Disclosures
from calloff.store.faults import Patience, explain
from calloff.store.invoices import Invoices
from calloff.store.ledger import Ledger
from calloff.store.listings import Listings
from calloff.store.officers import Officers
from calloff.store.open_data import OpenData
from calloff.store.outbox import Outbox
from calloff.store.providers import Roster, insert_row
from calloff.store.rankings import Tenders
from calloff.store.rows import calloff_from_row, request_from_row
from calloff.store.schema import read_framework
from calloff.store.seal_parts import FRAMEWORK_TABLES
from calloff.store.sign_ins import SignIns
from calloff.store.trail import Trail, now_stamp


class Store:
    """A calloff database file."""

    def __init__(self, db: sqlite_utils.Database, path: Path):
        self.db = db
        self.path = path
        # Set when opening upgraded the file: (old version, backup path), for a notice.
        self.upgraded: tuple[int, Path] | None = None
        # Set when the file cannot be written: the sentence every write is refused with.
        self.read_only: str | None = None
        self.patience = Patience(db.conn)  # one wait for the lock, shared by each step
        self._depth = 0  # how many transactions are open, the outermost first
        self._framework: tuple[tuple[int, int], Framework] | None = None
        self._generation = 0  # bumped by this connection's own changes to the framework
        self.trail = Trail(db)
        self.ledger = Ledger(db, self.trail.seal.vouch)
        self.invoices = Invoices(db, self.trail)
        self.listings = Listings(db, self.ledger)
        self.disclosures = Disclosures(db)
        self.open_data = OpenData(db)
        self.tenders = Tenders(db, self.trail)
        self.roster = Roster(db)
        self.competitions = CompetitionStore(db, self.trail)
        self.officers = Officers(db, self.trail.seal.vouch)
        self.sign_ins = SignIns(db)
        self.outbox = Outbox(db)
        self.messenger: Callable[[int], None] | None = None  # writes the events' messages
        self.trail.guard = self.officers.guard
        self.trail.vouch = self.officers.record_authority

    # -- opening and writing -------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, framework: Framework, actor: Actor | str) -> Store:
        """Make a new database for a framework; refuse to touch an existing file."""
        from calloff.store.opening import create

        return create(cls, path, framework, actor)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open an existing database, upgrading an older schema in place."""
        from calloff.store.opening import open_store

        return open_store(cls, path)

    def close(self) -> None:
        self.db.close()

    def begin(self) -> None:
        """Take the write lock, waiting for it within the command's one wait."""
        if self.read_only:
            raise DatabaseError(self.read_only)
        self.patience.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.patience.execute("COMMIT")
        self.patience.reset()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write: all of it (with the messages its events need), or none of it.

        Inside another write it is a savepoint: a refusal undoes that action alone. The seal
        is checked before the first change, so nothing is written over a file changed
        outside calloff; a fault of the disk or the lock is one sentence (`faults`)."""
        if self._depth:
            self._depth += 1
            try:
                with self.savepoint():
                    yield self
            finally:
                self._depth -= 1
            return
        conn = self.db.conn
        try:
            self.begin()
            self._depth = 1
            if problem := self.trail.seal.problem_before_write():
                raise Tampered(
                    f"{problem}; calloff will not write to {self.path.name} until it is "
                    "looked into",
                    hint="run `calloff audit verify` and restore from a backup",
                )
            first = self.trail.next_event_id() if self.messenger else 0
            yield self
            if self.messenger is not None:  # the messages the write's events need, with them
                self.messenger(first)
            self.trail.seal.fold()
            self.commit()
        except BaseException as e:
            self._changed()
            self.patience.reset()
            if conn.in_transaction:  # SQLite may already have rolled back (a full disk)
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            mapped = (
                explain(e, self.path) or unique_clash(e, self) or self.trail.seal.read_changed(e)
            )
            if mapped is not None:
                raise mapped from e
            raise
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[Store]:
        """Part of a write that can be undone alone: a refused offer after a kept decline."""
        name = f"attempt{self._depth}"
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self._changed()
            if self.db.conn.in_transaction:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
            raise
        else:
            self.db.execute(f"RELEASE {name}")

    def _one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def _insert(self, table: str, row: Mapping[str, Any]) -> int:
        return insert_row(self.db, table, row)

    # -- the framework -------------------------------------------------------------------

    def framework(self) -> Framework:
        """The framework as it stands; read again only when its tables may have changed
        (another connection committed, or this one changed caps, streams or the term)."""
        key = (self.db.execute("PRAGMA data_version").fetchone()[0], self._generation)
        self.trail.seal.vouch(*FRAMEWORK_TABLES)
        if self._framework is None or self._framework[0] != key:
            self._framework = (key, read_framework(self))
        return self._framework[1]

    def _changed(self) -> None:
        self._generation += 1

    def extensions(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM extensions ORDER BY id"))

    def add_extension(self, on: date, officer: str) -> None:
        self._changed()
        self._insert(
            "extensions",
            {"effective_on": on.isoformat(), "recorded_at": now_stamp(), "officer": officer},
        )

    def set_cap(
        self, year: FinancialYear, stream: str, amount: Decimal, on: date, officer: str
    ) -> None:
        """A cap for a year that applies from `on`, recorded with the next event."""
        self._changed()
        self.ledger.set_cap(
            year, stream, amount, on, officer, self.trail.next_event_id(), now_stamp()
        )

    def confirm_stream(self, name: str, on: date) -> None:
        self._changed()
        self.db.execute(
            "UPDATE streams SET status = 'confirmed', confirmed_on = ?, confirmed_event = ? "
            "WHERE name = ?",
            [on.isoformat(), self.trail.next_event_id(), name],
        )

    # -- providers (kept in `roster`) ----------------------------------------------------

    def providers(self, as_of: date) -> dict[int, Provider]:
        return self.roster.providers(as_of)

    def provider(self, provider_id: int, as_of: date) -> Provider:
        return self.roster.provider(provider_id, as_of)

    # -- requests ------------------------------------------------------------------------

    def add_request(self, request: Request, on: date, officer: str) -> int:
        return self._insert(
            "requests",
            {
                "lot": request.lot,
                "title": request.title,
                "start": request.start.isoformat(),
                "end": request.end.isoformat(),
                "value_pence": None if request.value is None else to_pence(request.value),
                "quantity": request.quantity,
                "unit": request.unit,
                "funding": request.funding,
                "attendees": request.attendees,
                "created_on": on.isoformat(),
                "recorded_at": now_stamp(),
                "officer": officer,
            },
        )

    def request(self, request_id: int) -> Request:
        r = self._one("SELECT * FROM requests WHERE id = ?", [request_id])
        if r is None:
            raise NotFound(
                f"request {request_id} does not exist", hint="see `calloff request list`"
            )
        return request_from_row(r)

    # -- call-offs -----------------------------------------------------------------------

    def add_calloff(self, c: CallOff, passed_over: tuple[PassOver, ...]) -> int:
        calloff_id = self._insert(
            "calloffs",
            {
                "request_id": c.request_id,
                "lot": c.lot,
                "provider_id": c.provider_id,
                "rank": c.rank,
                "status": c.status,
                "value_pence": to_pence(c.value),
                "initial_value_pence": to_pence(c.value),
                "needs_approval": int(c.needs_approval),
                "funding": c.funding,
                "year": str(c.year),
                "offered_on": c.raised_on.isoformat(),
                "respond_by": c.respond_by.isoformat() if c.respond_by else None,
                "headroom_after_pence": None
                if c.headroom_after is None
                else to_pence(c.headroom_after),
                "stream_headroom_after_pence": None
                if c.stream_headroom_after is None
                else to_pence(c.stream_headroom_after),
                "recorded_at": c.recorded_at,
                "officer": c.officer,
                "event_id": self.trail.next_event_id(),
                "competition_id": c.competition_id,
                "standstill_ends": c.standstill_ends.isoformat() if c.standstill_ends else None,
            },
        )
        for seq, p in enumerate(passed_over, start=1):
            self._insert(
                "passovers",
                {
                    "calloff_id": calloff_id,
                    "seq": seq,
                    "provider_id": p.provider_id,
                    "name": p.name,
                    "rank": p.rank,
                    "reason": p.reason,
                },
            )
        return calloff_id

    def calloff(self, calloff_id: int) -> CallOff:
        r = self._one("SELECT * FROM calloffs WHERE id = ?", [calloff_id])
        if r is None:
            raise NotFound(
                f"call-off {calloff_id} does not exist",
                hint="`calloff request list` gives each request's latest call-off",
            )
        return calloff_from_row(r)

    def calloffs_for_request(self, request_id: int) -> list[CallOff]:
        return [
            calloff_from_row(r)
            for r in self.db.query(
                "SELECT * FROM calloffs WHERE request_id = ? ORDER BY id", [request_id]
            )
        ]

    def last_offer_change(self, request_id: int) -> str | None:
        """The day of the last change to any offer of a request (ISO), or None: the next
        offer, or a competition, follows it."""
        last: str | None = self.db.execute(
            "SELECT MAX(ch.effective_on) FROM calloffs c JOIN changes ch ON "
            "ch.calloff_id = c.id WHERE c.request_id = ?",
            [request_id],
        ).fetchone()[0]
        return last

    def passed_over(self, calloff_id: int) -> list[PassOver]:
        return [
            PassOver(r["provider_id"], r["name"], r["rank"], r["reason"])
            for r in self.db.query(
                "SELECT * FROM passovers WHERE calloff_id = ? ORDER BY seq", [calloff_id]
            )
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

    def approve(
        self,
        calloff_id: int,
        officer: str,
        on: date,
        respond_by: date,
        standstill: date | None,
        decision: str | None,
    ) -> None:
        ends = standstill.isoformat() if standstill else None
        self.db.execute(
            "UPDATE calloffs SET status = 'offered', approved_by = ?, approved_on = ?, "
            "respond_by = ?, standstill_ends = ?, decision = ? WHERE id = ?",
            [officer, on.isoformat(), respond_by.isoformat(), ends, decision, calloff_id],
        )

    def vary(
        self, calloff_id: int, old: Decimal, new: Decimal, reason: str, on: date, officer: str
    ) -> None:
        self.db.execute(
            "UPDATE calloffs SET value_pence = ? WHERE id = ?", [to_pence(new), calloff_id]
        )
        self._insert(
            "variations",
            {
                "calloff_id": calloff_id,
                "effective_on": on.isoformat(),
                "old_value_pence": to_pence(old),
                "new_value_pence": to_pence(new),
                "reason": reason,
                "recorded_at": now_stamp(),
                "officer": officer,
            },
        )

    def restate_headroom(self, calloff_id: int, contract: Decimal, stream: Decimal | None) -> None:
        self.db.execute(
            "UPDATE calloffs SET headroom_after_pence = ?, stream_headroom_after_pence = ? "
            "WHERE id = ?",
            [to_pence(contract), None if stream is None else to_pence(stream), calloff_id],
        )

    def variations(self, calloff_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT * FROM variations WHERE calloff_id = ? ORDER BY id", [calloff_id])
        )

    def position(
        self, year: FinancialYear, at: date | None = None, upto: int | None = None
    ) -> Position:
        """Caps, commitments and spend by stream for a year on a day (default today)."""
        return self.ledger.position(year, at or date.today(), upto)

    # -- reports: every figure summed in SQL ----------------------------------------------
