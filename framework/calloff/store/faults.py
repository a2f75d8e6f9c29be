"""What a SQLite fault means to an officer: one sentence per error code.

SQLite reports every fault with a numbered result code (https://sqlite.org/rescode.html).
Each code an officer can meet (another command holding the lock, a full disk, a read-only
file, a damaged file, a file that is not a database, a folder that cannot be opened) is
turned here into one line that names the file and the fix. Anything else is left alone,
so that it reaches the CLI as the genuine bug it is.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from calloff.errors import DatabaseBusy, DatabaseError

BUSY_TIMEOUT_SECONDS = 15


def busy_timeout() -> int:
    """How long a command waits, in all, for another officer's write: CALLOFF_BUSY_TIMEOUT."""
    raw = os.environ.get("CALLOFF_BUSY_TIMEOUT", "").strip()
    if re.fullmatch(r"[0-9]{1,4}", raw) and 0 < int(raw) <= 3600:
        return int(raw)
    return BUSY_TIMEOUT_SECONDS


def code(error: BaseException) -> int | None:
    """The primary SQLite result code of an error, or None if it is not SQLite's."""
    if not isinstance(error, sqlite3.Error):
        return None
    extended = getattr(error, "sqlite_errorcode", None)
    if extended is not None:
        return int(extended) & 0xFF
    text = str(error)  # errors raised by the sqlite3 module itself carry no code
    if "locked" in text or "busy" in text:
        return sqlite3.SQLITE_BUSY
    return None


def is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock."""
    return code(error) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def busy_error(path: Path) -> DatabaseBusy:
    return DatabaseBusy(
        f"the database {path} is busy: another command is running (calloff waited "
        f"{busy_timeout()} seconds in all); nothing was written: try again"
    )


# What the command adds where the file is not the database meant (the library's caller
# gave its path; the command's user gave --db or CALLOFF_DB).
YOURS = "check that --db or CALLOFF_DB points at your database"

# One sentence per primary result code; {p} is the file, {detail} SQLite's own name for it.
SENTENCES: dict[int, str] = {
    sqlite3.SQLITE_FULL: "the disk holding {p} is full: nothing was written; free some space "
    "and try again",
    sqlite3.SQLITE_IOERR: "the disk reported an input/output error on {p} ({detail}): nothing "
    "was written; the disk may be full, over a file-size limit (ulimit "
    "-f) or failing: check it and try again",
    sqlite3.SQLITE_READONLY: "{p} is read-only (the file, its folder, or the disk): nothing "
    "was written; make the file and its folder writable by you, or "
    "work on a copy",
    sqlite3.SQLITE_CORRUPT: "{p} is damaged (SQLite finds it malformed): nothing was written; "
    "keep the file for investigation, restore your latest backup and "
    "check it with verify_audit()",
    sqlite3.SQLITE_NOTADB: "{p} is not a calloff database (it is not an SQLite file)",
    sqlite3.SQLITE_CANTOPEN: "cannot open {p} or the journal beside it: check that its folder "
    "exists, that you can write to the folder, and that the path is "
    "not too long",
    sqlite3.SQLITE_PERM: "access to {p} was denied: check who owns the file",
    sqlite3.SQLITE_AUTH: "access to {p} was denied: check who owns the file",
    sqlite3.SQLITE_TOOBIG: "a value is too large to store in {p}: nothing was written; shorten it",
}
# The same sentence in the command's words, where they differ: the whole of it, or a hint.
COMMAND = {
    sqlite3.SQLITE_CORRUPT: "{p} is damaged (SQLite finds it malformed): nothing was written; "
    "keep the file for investigation, restore your latest backup and "
    "run `calloff audit verify`",
}
HINTS = {sqlite3.SQLITE_NOTADB: YOURS}


def explain(error: BaseException, path: Path | str) -> DatabaseError | None:
    """The officer's sentence for a SQLite fault on the database at `path`, or None when
    the error is not one of the faults above (then it is a bug, reported as one)."""
    primary = code(error)
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return busy_error(Path(path))
    if primary not in SENTENCES:
        return None
    words = {"p": Path(path), "detail": _name(error)}
    command = COMMAND[primary].format(**words) if primary in COMMAND else None
    return DatabaseError(
        SENTENCES[primary].format(**words), command=command, hint=HINTS.get(primary)
    )


def _name(error: BaseException) -> str:
    name = getattr(error, "sqlite_errorname", None) or "SQLITE_IOERR"
    return str(name).removeprefix("SQLITE_").lower().replace("_", " ")


class Patience:
    """One wait for the lock shared by every step of a command, so that opening, upgrading
    and writing together wait at most `busy_timeout()` seconds, not that much each.

    Only the time spent in statements that may wait is counted; it starts again after
    each write, so a long-lived library connection gets the whole wait for every write.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.spent = 0.0

    def execute(self, sql: str) -> sqlite3.Cursor:
        """Run a statement that may wait for another connection's lock."""
        import time

        left = max(busy_timeout() - self.spent, 0.001)
        self.conn.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
        started = time.monotonic()
        try:
            return self.conn.execute(sql)
        finally:
            self.spent += time.monotonic() - started

    def reset(self) -> None:
        self.spent = 0.0
