"""Passwords, sessions and the sign-in record in the database.

`passwords` keeps one scrypt hash per officer (never the password, never in an event);
`sessions` each signed-in session by the SHA-256 of its token (the token itself is only in
the officer's cookie), so signing out ends it on the server too; `sign_ins` every attempt,
sign-out and time-out, with the address it came from, for admins and auditors to read and
for the lock on repeated failures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from calloff.domain.listings import SignIn
from calloff.domain.passwords import FAILURES


def create_tables(db: sqlite_utils.Database) -> None:
    """Schema 10: officers' password hashes and the record of sign-ins."""
    db.execute(
        """CREATE TABLE passwords (
          login TEXT PRIMARY KEY COLLATE NOCASE REFERENCES officers (login),
          hash TEXT NOT NULL, set_at TEXT NOT NULL, event_id INTEGER NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE sign_ins (
          id INTEGER PRIMARY KEY, at TEXT NOT NULL, login TEXT NOT NULL COLLATE NOCASE,
          address TEXT NOT NULL, method TEXT NOT NULL, outcome TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX sign_ins_login ON sign_ins (login, at)")
    db.execute("CREATE INDEX sign_ins_address ON sign_ins (address, at)")
    db.execute(
        """CREATE TABLE sessions (
          id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
          login TEXT NOT NULL COLLATE NOCASE, method TEXT NOT NULL, address TEXT NOT NULL,
          started_at TEXT NOT NULL, seen_at TEXT NOT NULL, ended_at TEXT, ended_how TEXT)"""
    )
    db.execute("CREATE INDEX sessions_login ON sessions (login, ended_at)")


class SignIns:
    """Password hashes and the sign-in record of one calloff database."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def password(self, login: str) -> str | None:
        row = self.db.execute("SELECT hash FROM passwords WHERE login = ?", [login]).fetchone()
        return None if row is None else str(row[0])

    def set_password(self, login: str, kept: str, at: str, event_id: int) -> None:
        self.db.execute(
            """INSERT INTO passwords (login, hash, set_at, event_id) VALUES (?, ?, ?, ?)
               ON CONFLICT (login) DO UPDATE SET hash = excluded.hash,
               set_at = excluded.set_at, event_id = excluded.event_id""",
            [login, kept, at, event_id],
        )

    def record(self, at: datetime, login: str, address: str, method: str, outcome: str) -> None:
        self.db.execute(
            "INSERT INTO sign_ins (at, login, address, method, outcome) VALUES (?, ?, ?, ?, ?)",
            [_stamp(at), login, address, method, outcome],
        )

    def failures(self, column: str, value: str, since: datetime) -> list[datetime]:
        """Failed attempts for a login since `since` and since its last successful sign-in;
        from an address, every one since `since` (a success from the address does not
        wipe them, or guessing could go on between one's own sign-ins)."""
        assert column in ("login", "address")
        reset = (
            "AND id > COALESCE((SELECT MAX(id) FROM sign_ins WHERE login = :value "
            "AND outcome = 'signed in'), 0)"
            if column == "login"
            else ""
        )
        failed = ", ".join(f"'{f}'" for f in FAILURES)
        rows = self.db.execute(
            f"""SELECT at FROM sign_ins WHERE {column} = :value AND at > :since
                AND outcome IN ({failed}) {reset}""",
            {"value": value, "since": _stamp(since)},
        ).fetchall()
        return [datetime.fromisoformat(r[0]) for r in rows]

    def start_session(
        self, token_hash: str, login: str, method: str, address: str, at: datetime
    ) -> None:
        self.db.execute(
            """INSERT INTO sessions (token_hash, login, method, address, started_at, seen_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [token_hash, login, method, address, _stamp(at), _stamp(at)],
        )

    def session(self, token_hash: str) -> dict[str, Any] | None:
        cursor = self.db.execute("SELECT * FROM sessions WHERE token_hash = ?", [token_hash])
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def seen(self, session_id: int, at: datetime) -> None:
        self.db.execute("UPDATE sessions SET seen_at = ? WHERE id = ?", [_stamp(at), session_id])

    def end_session(self, session_id: int, at: datetime, how: str) -> None:
        self.db.execute(
            "UPDATE sessions SET ended_at = ?, ended_how = ? WHERE id = ? AND ended_at IS NULL",
            [_stamp(at), how, session_id],
        )

    def end_sessions_of(self, login: str, at: datetime, how: str) -> int:
        """End every open session of an officer; how many there were."""
        cursor = self.db.execute(
            "UPDATE sessions SET ended_at = ?, ended_how = ? WHERE login = ? AND ended_at IS NULL",
            [_stamp(at), how, login],
        )
        return int(cursor.rowcount)

    def listing(self, login: str | None = None, limit: int = 200, offset: int = 0) -> list[SignIn]:
        """`limit` entries, newest first, after skipping the newest `offset`; one officer's
        where `login` is given."""
        where, params = ("WHERE login = ?", [login]) if login else ("", [])
        rows = self.db.execute(
            f"SELECT * FROM sign_ins {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        names = [d[0] for d in rows.description]
        return [_sign_in(dict(zip(names, r, strict=True))) for r in rows.fetchall()]


def _stamp(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat()


def _sign_in(r: dict[str, Any]) -> SignIn:
    return SignIn(
        at=datetime.fromisoformat(r["at"]),
        login=r["login"],
        address=r["address"],
        method=r["method"],
        outcome=r["outcome"],
    )
