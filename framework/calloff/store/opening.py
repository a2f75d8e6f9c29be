"""Creating and opening a database file, with every fault said in one sentence.

`Store.create` and `Store.open` are these functions. Opening checks, in order: that the
path names a file, that it is SQLite, that it is calloff's and not from a newer calloff;
then upgrades an older schema (see `calloff.store.upgrade`), under one shared wait for the
lock (`calloff.store.faults.Patience`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calloff.domain.model import Framework
from calloff.domain.officers import Actor
from calloff.errors import DatabaseError
from calloff.store.faults import YOURS, Patience, code, explain
from calloff.store.officers import register_first
from calloff.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    connect,
    create_schema_v1,
    write_ahead,
    write_framework,
)
from calloff.store.upgrade import in_memory, upgrade, writable

if TYPE_CHECKING:
    from calloff.store.database import Store

# What the command adds to a refusal about the path: the library's caller gave it as `path`.
CHECK_PATH = "check the --db path"
POINT_DB = "point --db at the database file"


def create(cls: type[Store], path: str | Path, framework: Framework, actor: Actor | str) -> Store:
    """Make a new database for a framework; refuse to touch an existing file. The account
    creating it is the register's first officer, with every role."""
    p = _named(path)
    if isinstance(actor, str):
        actor = Actor(actor, actor, "library")
    try:
        fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise DatabaseError(
            f"{p} already exists: calloff will not overwrite it; create it at another path",
            command=f"{p} already exists: calloff will not overwrite it; use another --db path",
        ) from None
    except OSError as e:
        raise DatabaseError(f"cannot create {p}: {e.strerror}", hint=CHECK_PATH) from None
    os.close(fd)
    try:
        store = cls(connect(p), p)
        with store.transaction():
            create_schema_v1(store.db)
            for version in range(1, SCHEMA_VERSION):
                MIGRATIONS[version](store.db)
            store.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            write_framework(store, framework)
            store.trail.actor = actor
            store.trail.record(
                actor.officer,
                framework.term.start,
                "framework.init",
                "framework",
                framework.id,
                None,
                {"name": framework.name, "buyer": framework.buyer},
                None,
            )
            register_first(store.trail, store.officers, actor.account, framework.term.start)
        # The front door says who acts next (`calloff.api.Office`); below it, nobody is
        # checked: the store and the actions are the library's own.
        store.trail.actor = None
        write_ahead(store.db)
        store.trail.seal.watch()
    except BaseException as e:
        with contextlib.suppress(OSError):
            p.unlink()
        mapped = explain(e, p)
        if mapped is not None:
            raise mapped from e
        raise
    return store


def open_store(cls: type[Store], path: str | Path) -> Store:
    """Open an existing database, upgrading an older schema in place (or, when the file
    cannot be written, in memory for reading)."""
    p = _named(path)
    try:
        if not p.exists():
            raise DatabaseError(
                f"no calloff database at {p}",
                hint="create one with `calloff init` or point --db / CALLOFF_DB at yours",
            )
        if p.is_dir():
            raise DatabaseError(f"{p} is a folder, not a calloff database", hint=POINT_DB)
        if not p.is_file():  # a device, a pipe, a socket
            raise DatabaseError(
                f"{p} is not a regular file, so not a calloff database", hint=POINT_DB
            )
    except OSError as e:  # a name too long, a folder that cannot be searched
        raise DatabaseError(f"cannot open {p}: {e.strerror}", hint=CHECK_PATH) from None
    try:
        return _open(cls, p)
    except sqlite3.Error as e:
        mapped = explain(e, p)
        if mapped is not None:
            raise mapped from e
        raise


def _first_look(p: Path, immutable: bool) -> tuple[Any, Patience, int, bool]:
    """The connection, its wait, the schema version and whether calloff's tables are there."""
    started = time.monotonic()
    db = connect(p, immutable)  # sqlite-utils reads the file here: that may wait too
    patience = Patience(db.conn)
    patience.spent = time.monotonic() - started
    try:
        version = patience.execute("PRAGMA user_version").fetchone()[0]
        has_framework = (
            patience.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'framework'"
            ).fetchone()
            is not None
        )
    except BaseException:
        db.close()
        raise
    return db, patience, int(version), has_framework


def _named(path: str | Path) -> Path:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise DatabaseError(
            f"the database path {str(path)!a} is not UTF-8 text: rename the file or give "
            "another path",
            command=f"the database path {str(path)!a} is not UTF-8 text: rename the file or "
            "give another --db path",
        ) from None
    return Path(path)


def _open(cls: type[Store], p: Path) -> Store:
    can_write = writable(p)
    try:
        db, patience, version, has_framework = _first_look(p, immutable=False)
    except sqlite3.Error as e:
        wal = p.with_name(p.name + "-wal")
        if (
            can_write
            or code(e) not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
            or (wal.exists() and wal.stat().st_size)
        ):
            raise
        # A write-ahead database in a folder no one may write: SQLite cannot make the
        # shared-memory file it reads through, but with no log to replay the file is whole.
        db, patience, version, has_framework = _first_look(p, immutable=True)
    if not has_framework or version == 0:
        db.close()
        if p.stat().st_size == 0:
            raise DatabaseError(f"{p} is an empty file, not a calloff database", hint=YOURS)
        raise DatabaseError(f"{p} is an SQLite file but not a calloff database", hint=YOURS)
    if version > SCHEMA_VERSION:
        db.close()
        raise DatabaseError(
            f"{p} was written by a newer calloff (schema {version}; this one reads up to "
            f"{SCHEMA_VERSION}): upgrade calloff to use it"
        )
    if version < SCHEMA_VERSION and not can_write:
        store = cls(in_memory(db, p, version, SCHEMA_VERSION), p)
        store.read_only = (
            f"{p} is read-only and from an older calloff (schema {version}): it was read "
            "through an upgraded copy in memory and nothing can be written to it; make the "
            "file and its folder writable by you and run any command to upgrade it"
        )
    else:
        store = cls(db, p)
        store.patience = patience
        if not can_write:
            store.read_only = (
                f"{p} is read-only (the file or its folder): nothing was written; make both "
                "writable by you, or work on a copy"
            )
        if version < SCHEMA_VERSION:
            upgrade(store, version, SCHEMA_VERSION)
        write_ahead(store.db)
    store.trail.seal.watch()
    return store
