"""The register of officers in the database: each officer's dated entries, cover, and
the authority every recorded action was checked against.

`officers` holds each login once, for ever (a login is never reused); `officer_entries`
holds what the register said of an officer from each date; `delegations` the cover;
`authority` one row per event an officer's rights allowed, so that a later change to the
register can be checked against what was already done under it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain import officers as register
from calloff.domain.money import from_pence, to_pence
from calloff.domain.officers import (
    FROM_THE_START,
    ROLES,
    Actor,
    Authority,
    Delegation,
    Officer,
    Register,
)
from calloff.store.providers import insert_row
from calloff.store.rows import to_date
from calloff.store.trail import Trail, now_stamp


def create_tables(db: sqlite_utils.Database) -> None:
    """Schema 9: the register, cover, and the authority of each event."""
    db.execute(
        """CREATE TABLE officers (
          login TEXT PRIMARY KEY COLLATE NOCASE, registered_on TEXT NOT NULL,
          recorded_at TEXT NOT NULL, event_id INTEGER NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE officer_entries (
          id INTEGER PRIMARY KEY, login TEXT NOT NULL REFERENCES officers (login),
          effective_on TEXT NOT NULL, name TEXT NOT NULL, roles TEXT NOT NULL,
          limit_pence INTEGER, email TEXT NOT NULL DEFAULT '', left_on TEXT,
          left_reason TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL,
          event_id INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX officer_entries_login ON officer_entries (login, effective_on)")
    db.execute(
        """CREATE TABLE delegations (
          id INTEGER PRIMARY KEY, login TEXT NOT NULL REFERENCES officers (login),
          delegate TEXT NOT NULL REFERENCES officers (login), starts_on TEXT NOT NULL,
          ends_on TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL,
          event_id INTEGER NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE authority (
          event_id INTEGER PRIMARY KEY, officer TEXT NOT NULL, role TEXT NOT NULL,
          effective_on TEXT NOT NULL, value_pence INTEGER, cover_for TEXT)"""
    )
    db.execute("CREATE INDEX authority_on ON authority (effective_on)")
    db.execute("ALTER TABLE events ADD COLUMN account TEXT")
    db.execute("ALTER TABLE events ADD COLUMN channel TEXT")
    db.execute("ALTER TABLE calloffs ADD COLUMN decision TEXT")
    db.execute("ALTER TABLE framework ADD COLUMN key_decision_pence INTEGER")


class Officers:
    """The register of one calloff database."""

    def __init__(self, db: sqlite_utils.Database, vouch: Callable[[str], None] | None = None):
        self.db = db
        self.vouch = vouch or (lambda table: None)  # a decision reads it: see Seal.vouch
        self._kept: Register | None = None

    def register(self) -> Register:
        """The whole register's history (a few rows an officer: read whole)."""
        for table in ("officers", "officer_entries", "delegations"):
            self.vouch(table)
        if self._kept is not None:
            return self._kept
        if not self.exists():
            return Register([])
        entries = [
            _entry(r)
            for r in self.db.query(
                "SELECT e.*, o.registered_on FROM officer_entries e JOIN officers o "
                "ON o.login = e.login ORDER BY e.effective_on, e.id"
            )
        ]
        return Register(entries, self.delegations())

    @contextlib.contextmanager
    def kept(self) -> Iterator[None]:
        """The register read once for a run of events that leave it as it is (an import's
        invoice lines, each checked against it), not once an event."""
        self._kept = self.register()
        try:
            yield
        finally:
            self._kept = None

    def exists(self) -> bool:
        return bool(
            self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'officers'"
            ).fetchone()
        )

    def logins(self, limit: int | None = None, offset: int = 0) -> list[str]:
        """Every login, or one page of them (`limit` from `offset`), by login."""
        if limit is None:
            return [r[0] for r in self.db.execute("SELECT login FROM officers ORDER BY login")]
        return [
            r[0]
            for r in self.db.execute(
                "SELECT login FROM officers ORDER BY login LIMIT ? OFFSET ?", [limit, offset]
            )
        ]

    def count(self) -> int:
        """How many logins the register holds, those who left included."""
        if not self.exists():
            return 0
        return int(self.db.execute("SELECT COUNT(*) FROM officers").fetchone()[0])

    def entries_of(self, logins: list[str]) -> Register:
        """The dated entries of these officers only: one page of the register."""
        if not logins:
            return Register([])
        marks = ", ".join("?" for _ in logins)
        rows = self.db.query(
            "SELECT e.*, o.registered_on FROM officer_entries e JOIN officers o "
            f"ON o.login = e.login WHERE e.login IN ({marks}) ORDER BY e.effective_on, e.id",
            logins,
        )
        return Register([_entry(r) for r in rows])

    def known(self, login: str) -> str | None:
        """The login as registered (its own case), or None."""
        row = self.db.execute("SELECT login FROM officers WHERE login = ?", [login]).fetchone()
        return None if row is None else str(row[0])

    def last_entry_on(self, login: str) -> date | None:
        row = self.db.execute(
            "SELECT MAX(effective_on) FROM officer_entries WHERE login = ?", [login]
        ).fetchone()
        return to_date(row[0]) if row and row[0] else None

    def delegations(self) -> list[Delegation]:
        return [
            Delegation(
                r["id"],
                r["login"],
                r["delegate"],
                date.fromisoformat(r["starts_on"]),
                date.fromisoformat(r["ends_on"]),
                r["reason"],
                r["recorded_at"],
            )
            for r in self.db.query("SELECT * FROM delegations ORDER BY starts_on, id")
        ]

    def add(self, entry: Officer, event_id: int) -> None:
        """A new login, and its first entry."""
        insert_row(
            self.db,
            "officers",
            {
                "login": entry.login,
                "registered_on": entry.since.isoformat(),
                "recorded_at": now_stamp(),
                "event_id": event_id,
            },
        )
        self.write(entry, event_id)

    def write(self, entry: Officer, event_id: int) -> None:
        """What the register says of an officer from `entry.since` on."""
        insert_row(
            self.db,
            "officer_entries",
            {
                "login": entry.login,
                "effective_on": entry.since.isoformat(),
                "name": entry.name,
                "roles": ",".join(entry.roles),
                "limit_pence": None if entry.limit is None else to_pence(entry.limit),
                "email": entry.email,
                "left_on": None if entry.left_on is None else entry.left_on.isoformat(),
                "left_reason": entry.left_reason,
                "recorded_at": now_stamp(),
                "event_id": event_id,
            },
        )

    def delegate(self, d: Delegation, event_id: int) -> int:
        return insert_row(
            self.db,
            "delegations",
            {
                "login": d.login,
                "delegate": d.delegate,
                "starts_on": d.starts.isoformat(),
                "ends_on": d.ends.isoformat(),
                "reason": d.reason,
                "recorded_at": d.recorded_at,
                "event_id": event_id,
            },
        )

    def record_authority(self, event_id: int, authority: Authority) -> None:
        insert_row(
            self.db,
            "authority",
            {
                "event_id": event_id,
                "officer": authority.officer,
                "role": authority.role,
                "effective_on": authority.on.isoformat(),
                "value_pence": None if authority.value is None else to_pence(authority.value),
                "cover_for": authority.cover_for,
            },
        )

    def authority_since(
        self, day: date, logins: list[str], before: int
    ) -> list[tuple[int, Authority]]:
        """What was done from `day` on by these officers, or under their cover, before
        event `before` (the change being weighed)."""
        marks = ", ".join("?" for _ in logins)
        rows = self.db.query(
            f"SELECT * FROM authority WHERE effective_on >= ? AND event_id < ? AND "
            f"(officer COLLATE NOCASE IN ({marks}) OR cover_for COLLATE NOCASE IN ({marks})) "
            "ORDER BY event_id",
            [day.isoformat(), before, *logins, *logins],
        )
        return [(r["event_id"], _authority(r)) for r in rows]

    def every_authority(self) -> list[tuple[int, Authority]]:
        return [
            (r["event_id"], _authority(r))
            for r in self.db.query("SELECT * FROM authority ORDER BY event_id")
        ]

    def guard(
        self,
        officer: str,
        action: str,
        object_id: str | None,
        on: date,
        value: Decimal | None,
        role: str | None = None,
    ) -> Authority | None:
        """Check an event against the register as it stood on its effective date; the
        authority that allowed it (None for the system's own events). `role` overrides the
        one the event's kind needs."""
        role = role or register.role_for(action, object_id)
        if role is None:
            return None
        if action.startswith("officer."):
            # The register is changed now, whatever day the change applies from: the admin
            # making it must be one today.
            on = date.today()
        what = WHAT.get(action.split(".", 1)[0], "this")
        if action in register.APPROVALS:
            what = f"{'approving' if action.endswith('approve') else 'rejecting'} call-off "
            what += str(object_id)
        elif action == "calloff.vary" and role == "approver":
            what = f"increasing call-off {object_id} to or over the approval threshold"
        return self.register().check(officer, role, on, value=value, what=what)


WHAT = {
    "officer": "changing the register of officers",
    "provider": "changing a provider",
    "ranking": "setting a ranking",
    "prices": "setting rates",
    "ceiling": "setting a ceiling",
    "funding": "confirming funding",
    "term": "extending the term",
    "framework": "changing the framework's settings",
    "request": "adding a request",
    "calloff": "changing a call-off",
    "competition": "running a competition",
    "spend": "recording spend",
    "publication": "recording a publication",
}


def register_first(trail: Trail, officers: Officers, login: str, on: date | None) -> None:
    """The register's first officer (at creation, or the account upgrading an older
    database): every role, no limit, from the start. The system records it, as nobody is
    registered yet to allow it."""
    entry = first_officer(register.login(login, "the account"))
    actor = trail.actor
    if actor is None:  # the system registers them: the event still names the account
        trail.actor = Actor(entry.login, entry.login, "")
    guard, trail.guard = trail.guard, None
    try:
        officers.add(entry, trail.next_event_id())
        after = {"name": entry.name, "roles": list(entry.roles), "limit": None, "since": None}
        trail.record(entry.login, on, "officer.add", "officer", entry.login, None, after, None)
    finally:
        trail.guard, trail.actor = guard, actor


def first_officer(login: str) -> Officer:
    """The register's first officer: every role, no limit, from the start."""
    return Officer(login, login, ROLES, None, "", FROM_THE_START, FROM_THE_START)


def _entry(r: dict[str, Any]) -> Officer:
    return Officer(
        login=r["login"],
        name=r["name"],
        roles=tuple(x for x in r["roles"].split(",") if x),
        limit=None if r["limit_pence"] is None else from_pence(r["limit_pence"]),
        email=r["email"],
        registered_on=date.fromisoformat(r["registered_on"]),
        since=date.fromisoformat(r["effective_on"]),
        left_on=to_date(r["left_on"]),
        left_reason=r["left_reason"],
        event=r["event_id"],
    )


def _authority(r: dict[str, Any]) -> Authority:
    return Authority(
        r["officer"],
        r["role"],
        date.fromisoformat(r["effective_on"]),
        None if r["value_pence"] is None else from_pence(r["value_pence"]),
        r["cover_for"],
    )
