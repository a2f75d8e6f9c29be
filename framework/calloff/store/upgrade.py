"""Upgrading an older database: under SQLite's own lock, after a backup taken through it.

The backup is copied page by page by SQLite's backup API while the upgrading connection
holds the write lock, into a private temporary file beside the database that is flushed
to disk and only then renamed to its promised name. Only SQLite opens the database file,
so the lock is never dropped (closing a descriptor that SQLite does not know of releases
the process's POSIX locks on the file: https://sqlite.org/howtocorrupt.html), exactly
one process upgrades, and every other one waits for the lock and then finds the new
version. A kill at any moment leaves either
no backup or a complete one under the promised name.

A database that cannot be written (a read-only file, folder or disk) is not upgraded: it
is read through an upgraded copy in memory, and writes are refused with a sentence that
says how to upgrade it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from calloff.errors import DatabaseError
from calloff.store.migrations import MIGRATIONS
from calloff.store.seal_legacy import legacy_problem

if TYPE_CHECKING:
    from calloff.store.database import Store


def writable(path: Path) -> bool:
    """Whether this process may change the file and create its journal beside it."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)


def upgrade(store: Store, version: int, target: int) -> None:
    """Upgrade the file from `version` to `target` in one transaction, after a backup."""
    conn = store.db.conn
    store.begin()
    backup: Path | None = None
    try:
        if store.db.execute("PRAGMA user_version").fetchone()[0] != version:
            conn.execute("ROLLBACK")  # another process upgraded it while this one waited
            return
        # An older seal digested whole tables: check it before the tables change shape.
        inherited = legacy_problem(store.db, version)
        backup = take_backup(store.path, version)
        migrate(store, version, target, inherited, f"backup written to {backup.name}")
        store.commit()
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        if backup is not None:  # the file is as it was: the copy of it is not needed
            with contextlib.suppress(OSError):
                backup.unlink()
        raise
    os.chmod(store.path, 0o600)
    store.upgraded = (version, backup)


def in_memory(
    disk: sqlite_utils.Database, path: Path, version: int, target: int
) -> sqlite_utils.Database:
    """An upgraded copy of a database that cannot be written, for reading only."""
    from calloff.store.schema import connect

    mem = connect(Path(":memory:"))
    disk.conn.backup(mem.conn)
    disk.close()
    mem.conn.execute("BEGIN IMMEDIATE")
    try:
        from calloff.store.database import Store

        store = Store(mem, path)
        migrate(
            store,
            version,
            target,
            legacy_problem(mem, version),
            f"read-only: upgraded in memory for reading; nothing was written to {path.name}",
        )
        mem.conn.execute("COMMIT")
    except BaseException:
        mem.conn.execute("ROLLBACK")
        raise
    return mem


def migrate(store: Store, version: int, target: int, inherited: str | None, note: str) -> None:
    """The upgrade's steps inside the caller's transaction: tables, version, event, seal."""
    try:
        for v in range(version, target):
            MIGRATIONS[v](store.db)
    except sqlite3.OperationalError as e:
        from calloff.store.faults import code

        if code(e) not in (None, sqlite3.SQLITE_ERROR):
            raise  # a fault of the disk or the lock, not of the tables
        raise DatabaseError(
            f"{store.path.name} says it is schema {version} but its tables are not what "
            f"schema {version} holds ({e}): it was changed outside calloff; restore it "
            "from a backup"
        ) from None
    store.db.execute(f"PRAGMA user_version = {target}")
    from calloff.domain.officers import Actor, process_account

    # From schema 9 each event names the account that acted: here, the one upgrading.
    account = process_account()
    if target >= 9:
        store.trail.actor = Actor(account, account, "")
    try:
        store.trail.record(
            "calloff",
            None,
            "database.upgrade",
            "database",
            store.path.name,
            {"schema": version},
            {"schema": target},
            note,
        )
        if version < 9:  # the register begins: the account upgrading holds every role
            from calloff.store.officers import register_first

            register_first(store.trail, store.officers, account, None)
    finally:
        store.trail.actor = None
    store.trail.seal.reseal(inherited)


def take_backup(path: Path, version: int) -> Path:
    """Copy the locked database through SQLite into `<name>.v<version>.bak` (or `.v<n>.<k>.bak`
    if that exists: an earlier backup is never overwritten), private to its owner."""
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.v{version}.", suffix=".partial", dir=path.parent
        )
    except OSError as e:
        raise DatabaseError(
            f"cannot write the upgrade's backup beside {path} ({e.strerror}): nothing was "
            "changed; free some space or make the folder writable, and try again"
        ) from None
    os.close(fd)  # mkstemp made it 0600; SQLite writes it
    tmp = Path(temporary)
    try:
        # SQLite will not back up from a connection in a write transaction, so a second
        # connection in this process reads the file. SQLite knows both are on one file and
        # keeps the lock held when the second closes; while `conn` holds the write lock,
        # what it reads is exactly the state being upgraded.
        source = sqlite3.connect(path, isolation_level=None)
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        backup = path.with_name(f"{path.name}.v{version}.bak")
        n = 1
        while backup.exists():
            n += 1
            backup = path.with_name(f"{path.name}.v{version}.{n}.bak")
        os.replace(tmp, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_folder(backup.parent)
    return backup


def _sync_folder(folder: Path) -> None:
    """Make the rename durable: flush the folder's entry for the new name."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
