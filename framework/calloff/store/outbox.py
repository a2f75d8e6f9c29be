"""The outbox: every message to a person, written in the same transaction as the event that
needs it (so a refused action writes none and none is lost), then sent and marked sent;
and the links on which a provider answers an offer, kept by the SHA-256 of their token.

A message's `link_token` holds an offer link's token in clear only until the message is
sent, so that a retry carries the same link; marking it sent wipes it. The link itself is
kept only as a hash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from calloff.domain.listings import Message

STATUSES = ("pending", "sent", "failed", "undeliverable", "superseded")


def create_tables(db: sqlite_utils.Database) -> None:
    """Schema 12: the outbox, the offer links, providers' e-mail and the framework's
    publishing contact."""
    db.execute(
        """CREATE TABLE outbox (
          id INTEGER PRIMARY KEY, key TEXT UNIQUE, kind TEXT NOT NULL, event_id INTEGER,
          about TEXT NOT NULL, recipient TEXT NOT NULL, name TEXT NOT NULL, address TEXT,
          subject TEXT NOT NULL, payload TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE,
          status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_try_at TEXT,
          last_error TEXT, created_at TEXT NOT NULL, sent_at TEXT, link_token TEXT)"""
    )
    db.execute("CREATE INDEX outbox_status ON outbox (status, next_try_at)")
    db.execute(
        """CREATE TABLE offer_links (
          id INTEGER PRIMARY KEY, calloff_id INTEGER NOT NULL REFERENCES calloffs (id),
          token_hash TEXT NOT NULL UNIQUE, valid_until TEXT NOT NULL,
          created_at TEXT NOT NULL, used_at TEXT, used_from TEXT, answer TEXT)"""
    )
    db.execute("CREATE INDEX offer_links_calloff ON offer_links (calloff_id)")
    db.execute("ALTER TABLE providers ADD COLUMN email TEXT")
    db.execute("ALTER TABLE framework ADD COLUMN publishing_contact TEXT")


class Outbox:
    """The messages of one calloff database, and its offer links."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def add(self, row: Mapping[str, Any]) -> bool:
        """One message; False where one with the same `key` was written before (a
        reminder the sweep already wrote)."""
        cols = ", ".join(f"[{k}]" for k in row)
        cur = self.db.execute(
            f"INSERT INTO outbox ({cols}) VALUES ({', '.join('?' for _ in row)}) "
            "ON CONFLICT (key) DO NOTHING",
            [json.dumps(v) if k == "payload" else v for k, v in row.items()],
        )
        return cur.rowcount == 1

    def keys_like(self, prefix: str) -> set[str]:
        rows = self.db.execute("SELECT key FROM outbox WHERE key LIKE ?", [prefix + "%"])
        return {r[0] for r in rows}

    def due(self, now: str, limit: int = 100) -> list[Message]:
        """Pending messages whose next try has come, oldest first."""
        rows = self.db.query(
            "SELECT * FROM outbox WHERE status = 'pending' AND address IS NOT NULL "
            "AND (next_try_at IS NULL OR next_try_at <= ?) ORDER BY id LIMIT ?",
            [now, limit],
        )
        return [_message(r) for r in rows]

    def message(self, message_id: int) -> Message | None:
        row = next(self.db.query("SELECT * FROM outbox WHERE id = ?", [message_id]), None)
        return None if row is None else _message(row)

    def claim(self, message_id: int, until: str) -> None:
        """Keep a message from other senders while this one sends it."""
        self.db.execute("UPDATE outbox SET next_try_at = ? WHERE id = ?", [until, message_id])

    def sent(self, message_id: int, at: str) -> None:
        self.db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "link_token = NULL, last_error = NULL, next_try_at = NULL WHERE id = ?",
            [at, message_id],
        )

    def failed_try(self, message_id: int, error: str, next_try_at: str | None) -> None:
        """A try that failed: tried again at `next_try_at`, or (None) failed for good, when
        the link it carried is wiped."""
        self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_try_at = ?, "
            "status = CASE WHEN ? IS NULL THEN 'failed' ELSE status END, "
            "link_token = CASE WHEN ? IS NULL THEN NULL ELSE link_token END WHERE id = ?",
            [error, next_try_at, next_try_at, next_try_at, message_id],
        )

    def superseded(self, message_id: int, why: str) -> None:
        """A message no longer worth sending (its offer moved on first): kept, not sent."""
        self.db.execute(
            "UPDATE outbox SET status = 'superseded', last_error = ?, next_try_at = NULL, "
            "link_token = NULL WHERE id = ?",
            [why, message_id],
        )

    def messages(
        self, status: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Message]:
        """The outbox, newest first; only one status if given."""
        sql = "SELECT * FROM outbox"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_message(r) for r in self.db.query(sql, params)]

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATUSES, 0)
        for status, n in self.db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"):
            found[status] = n
        return found

    # -- offer links ---------------------------------------------------------------------

    def add_link(self, calloff_id: int, token_hash: str, valid_until: str, at: str) -> None:
        self.db.execute(
            "INSERT INTO offer_links (calloff_id, token_hash, valid_until, created_at) "
            "VALUES (?, ?, ?, ?)",
            [calloff_id, token_hash, valid_until, at],
        )

    def link(self, token_hash: str) -> dict[str, Any] | None:
        return next(
            self.db.query("SELECT * FROM offer_links WHERE token_hash = ?", [token_hash]), None
        )

    def use_link(self, link_id: int, at: str, address: str, answer: str) -> None:
        self.db.execute(
            "UPDATE offer_links SET used_at = ?, used_from = ?, answer = ? WHERE id = ?",
            [at, address, answer, link_id],
        )

    def offers_due(self, first: str, last: str) -> list[tuple[int, str]]:
        """Open offers (id, respond-by day) to be answered from `first` to `last`."""
        rows = self.db.execute(
            "SELECT id, respond_by FROM calloffs WHERE status = 'offered' "
            "AND respond_by BETWEEN ? AND ? ORDER BY id",
            [first, last],
        )
        return [(r[0], r[1]) for r in rows]

    def competitions_closing(self, first: str, last: str) -> list[tuple[int, str, int]]:
        """Competitions (id, closing day) neither cancelled nor awarded, closing from `first`
        to `last`, with the providers invited who have not answered."""
        rows = self.db.execute(
            "SELECT k.id, k.closes_on, i.provider_id FROM competitions k JOIN invitations i "
            "ON i.competition_id = k.id AND i.invited WHERE k.cancelled_on IS NULL "
            "AND k.closes_on BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM calloffs c "
            "WHERE c.competition_id = k.id) AND NOT EXISTS (SELECT 1 FROM bids b "
            "WHERE b.competition_id = k.id AND b.provider_id = i.provider_id) "
            "ORDER BY k.id, i.seq",
            [first, last],
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def raiser(self, request_id: int) -> str | None:
        """The officer who raised a request: told when its offers are answered."""
        row = self.db.execute("SELECT officer FROM requests WHERE id = ?", [request_id]).fetchone()
        return None if row is None else row[0]

    def provider_email(self, provider_id: int) -> str | None:
        row = self.db.execute("SELECT email FROM providers WHERE id = ?", [provider_id]).fetchone()
        return None if row is None else row[0]


def _message(row: Mapping[str, Any]) -> Message:
    return Message(
        id=row["id"],
        kind=row["kind"],
        about=row["about"],
        recipient=row["recipient"],
        name=row["name"],
        address=row["address"],
        subject=row["subject"],
        status=row["status"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        next_try_at=row["next_try_at"],
        last_error=row["last_error"],
        message_id=row["message_id"],
        payload=json.loads(row["payload"]),
        event_id=row["event_id"],
        link_token=row["link_token"],
    )
