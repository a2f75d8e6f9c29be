"""The audit trail: one hash-chained event for every change, and the checks that prove
the records are what the events say.

Storage of the `events` and `audit_head` tables only; the chain's hashing and the
reconciliation are pure functions in `calloff.store.chain`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain.model import FINISHED, LIVE
from calloff.domain.officers import Actor, Authority
from calloff.errors import InvalidInput
from calloff.store.chain import Verdict, event_hash
from calloff.store.seal import Seal

# SQL for the commitment a call-off holds, given its spend so far as `spent`.
COMMITMENT_SQL = (
    "CASE WHEN c.status IN ({live}) THEN c.value_pence "
    "WHEN c.status IN ({finished}) THEN COALESCE(s.spent, 0) ELSE 0 END"
).format(live=", ".join(f"'{s}'" for s in LIVE), finished=", ".join(f"'{s}'" for s in FINISHED))
SPENT_JOIN = (
    "LEFT JOIN (SELECT calloff_id, SUM(amount_pence) AS spent FROM spend "
    "GROUP BY calloff_id) s ON s.calloff_id = c.id"
)


def now_stamp() -> str:
    """When something was recorded: UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Trail:
    """The events of one calloff database, and the seal over its records."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.seal = Seal(db)
        # Who acts, once the front door has said (None: the system's own writes), the check
        # of each event against the register and the record of what allowed it.
        self.actor: Actor | None = None
        self.guard: Callable[..., Authority | None] | None = None
        self.vouch: Callable[[int, Authority], None] | None = None
        self._run: tuple[int, str] | None = None  # the head, kept in memory in a `run()`

    def _one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def next_event_id(self) -> int:
        """The number the next audit event will get (inside a write, nobody else's)."""
        if self._run is not None:
            return self._run[0] + 1
        row = self.db.execute("SELECT last_event FROM audit_head WHERE id = 1").fetchone()
        return int(row[0]) + 1 if row else 1

    @contextlib.contextmanager
    def run(self) -> Iterator[None]:
        """Many events in a row inside one write (an import's lines): the chain's head is
        kept in memory between them and written once, after the last of them."""
        head = self.db.execute("SELECT last_event, last_hash FROM audit_head WHERE id = 1")
        row = head.fetchone()
        self._run = (int(row[0]), str(row[1])) if row else (0, "")
        try:
            yield
            last_id, last_hash = self._run
        finally:
            self._run = None
        if last_id:
            self._set_head(last_id, last_hash)

    def _set_head(self, event_id: int, event_hash: str) -> None:
        self.db.execute(
            "INSERT INTO audit_head (id, last_event, last_hash) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET last_event = excluded.last_event, "
            "last_hash = excluded.last_hash",
            [event_id, event_hash],
        )

    def changes_since(self, first: int) -> list[tuple[str, str, str | None]]:
        """(action, kind, object id) of each event from number `first` on: what was recorded
        since a reader noted `next_event_id()`, each change being an event."""
        return [
            (str(r[0]), str(r[1]), r[2])
            for r in self.db.execute(
                "SELECT action, object_type, object_id FROM events WHERE id >= ? ORDER BY id",
                [first],
            )
        ]

    def head(self) -> dict[str, Any] | None:
        """The newest event: its number, hash and when it was recorded."""
        return self._one(
            "SELECT h.last_event AS event, h.last_hash AS hash, e.recorded_at "
            "FROM audit_head h LEFT JOIN events e ON e.id = h.last_event"
        )

    def events_from(self, first: int) -> list[dict[str, Any]]:
        """The events from number `first` on, oldest first: a write's own, before it commits."""
        return list(self.db.query("SELECT * FROM events WHERE id >= ? ORDER BY id", [first]))

    def event(self, event_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM events WHERE id = ?", [event_id])

    def verify(self, progress: Callable[[int], None] | None = None) -> Verdict:
        """The chain must be whole and the records must match it (see `calloff.store.verify`)."""
        from calloff.store.verify import verify

        return verify(self.db, self.seal, progress)

    def work(self) -> int:
        """How many rows `verify` reads: the length of its progress bar."""
        from calloff.store.verify import work

        return work(self.db)

    def events_with_hash(self, prefix: str) -> list[int]:
        """The events (two at most) whose hash starts with `prefix`: a head an officer
        wrote down names one event only."""
        return [
            int(r[0])
            for r in self.db.execute(
                "SELECT id FROM events WHERE hash >= ? AND hash < ? ORDER BY id LIMIT 2",
                [prefix, prefix + "g"],
            )
        ]

    def events(
        self,
        calloff: int | None = None,
        provider: int | None = None,
        since: date | None = None,
        *,
        officer: str | None = None,
        action: str | None = None,
        until: date | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """Audit events, oldest first (or newest first); filters narrow by call-off,
        provider, officer, action (`calloff.accept`, or a kind such as `calloff`) and
        effective date; `limit` of them from `offset`, one page read at a time."""
        where: list[str] = []
        params: dict[str, Any] = {}
        if calloff is not None:
            # A call-off awarded by competition: the competition's steps up to its offer,
            # and the award that made it.
            where.append(
                "((e.object_type = 'calloff' AND e.object_id = :calloff) OR "
                "(e.object_type = 'competition' AND e.object_id = (SELECT "
                "CAST(competition_id AS TEXT) FROM calloffs WHERE id = :cid) AND (e.id < "
                "(SELECT event_id FROM calloffs WHERE id = :cid) OR "
                "json_extract(e.after, '$.calloff') = :cid)))"
            )
            params["calloff"] = str(calloff)
            params["cid"] = calloff
        if provider is not None:
            where.append(
                "((e.object_type = 'provider' AND e.object_id = :provider) OR "
                "(e.object_type = 'calloff' AND e.object_id IN "
                "(SELECT CAST(id AS TEXT) FROM calloffs WHERE provider_id = :pid)) OR "
                "(e.action LIKE 'ranking.%' AND (EXISTS (SELECT 1 FROM json_each(e.after) "
                "WHERE value = :pid) OR EXISTS (SELECT 1 FROM json_each(e.before) "
                "WHERE value = :pid))) OR "
                "(e.object_type = 'competition' AND json_extract(e.after, '$.provider') = :pid))"
            )
            params["provider"] = str(provider)
            params["pid"] = provider
        if officer is not None:
            # Whoever the event was for, whoever acted for them from a terminal or a
            # script (not the server, which only vouches for who signed in), and the
            # absent approver whose cover allowed it.
            where.append(
                "(e.officer = :officer COLLATE NOCASE OR (e.account = :officer COLLATE NOCASE "
                "AND COALESCE(e.channel, '') NOT IN ('web', 'link')) OR "
                "a.cover_for = :officer COLLATE NOCASE)"
            )
            params["officer"] = officer
        if action is not None:
            if "." in action:
                where.append("e.action = :action")
            else:  # a kind: every action named kind.something
                where.append("e.action > :action || '.' AND e.action < :action || '/'")
            params["action"] = action
        day = "COALESCE(e.effective_on, substr(e.recorded_at, 1, 10))"
        if since is not None:
            where.append(f"{day} >= :since")
            params["since"] = since.isoformat()
        if until is not None:
            where.append(f"{day} <= :until")
            params["until"] = until.isoformat()
        # With the absent approver whose limit allowed an approval, where cover did.
        sql = "SELECT e.*, a.cover_for FROM events e LEFT JOIN authority a ON a.event_id = e.id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY e.id DESC" if newest_first else " ORDER BY e.id"
        if limit is not None:
            sql += " LIMIT :limit OFFSET :offset"
            params.update(limit=limit, offset=offset)
        return list(self.db.query(sql, params))

    def record(
        self,
        officer: str,
        on: date | None,
        action: str,
        object_type: str,
        object_id: Any,
        before: Any,
        after: Any,
        reason: str | None,
        value: Decimal | None = None,
        role: str | None = None,
    ) -> int:
        """Append one event to the chain, inside the caller's transaction, once the register
        allows it: the acting officer must hold the role it needs on its effective date
        (for an approval, a limit of at least `value`); `role` where the event needs
        another than its kind's (an increase over the approval threshold: an approver's).

        The chain's head (last id and hash) is kept apart from the events, so that
        deleting the newest events is as visible as changing an old one.
        """
        if on is not None and on > date.today():
            raise InvalidInput(
                f"{on} is after today ({date.today()}): a change cannot be dated in the future"
            )
        actor = self.actor
        authority = None
        if actor is not None and self.guard is not None:
            key = None if object_id is None else str(object_id)
            authority = self.guard(officer, action, key, on or date.today(), value, role)
        if self._run is not None:
            last_id, prev_hash = self._run
        else:
            head = self._one("SELECT last_event, last_hash FROM audit_head WHERE id = 1")
            last_id, prev_hash = (head["last_event"], head["last_hash"]) if head else (0, "")
        event_id = int(last_id) + 1
        event: dict[str, Any] = {
            "id": event_id,
            "recorded_at": now_stamp(),
            "effective_on": on.isoformat() if on else None,
            "officer": officer,
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "before": _canonical(before),
            "after": _canonical(after),
            "reason": reason,
        }
        if actor is not None:  # schema 9: who really acted, and through which channel
            event["account"], event["channel"] = actor.account, actor.channel or None
        event["prev_hash"] = prev_hash
        event["hash"] = event_hash(event, prev_hash)
        cols = ", ".join(f"[{k}]" for k in event)
        self.db.execute(
            f"INSERT INTO events ({cols}) VALUES ({', '.join('?' for _ in event)})",
            list(event.values()),
        )
        if self._run is not None:
            self._run = (event_id, event["hash"])
        else:
            self._set_head(event_id, event["hash"])
        if authority is not None and self.vouch is not None:
            self.vouch(event_id, authority)
        return event_id


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
