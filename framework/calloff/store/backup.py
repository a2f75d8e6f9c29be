"""A whole copy of the database while others work: through SQLite's backup API.

The database runs in write-ahead mode: while any process holds it open, the newest commits
live in the `-wal` file beside it, and a copy of the `.db` file alone is an older state
(tried as a user would, a file copy missed 18 of 19 events). SQLite's backup API copies
the database as one reader sees it, WAL included, in one step: a consistent snapshot,
taken without stopping anyone writing. The copy is then made a single self-contained
file (rollback journal, no `-wal` beside it) and flushed to disk.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from calloff.errors import DatabaseError

if TYPE_CHECKING:
    from calloff.store.database import Store


def copy_into(store: Store, target: Path) -> None:
    """Copy the database `store` reads into the (empty, private) file `target`."""
    try:
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            store.db.conn.backup(copy)  # every page in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        with open(target, "rb+") as f:
            os.fsync(f.fileno())
    except sqlite3.Error as e:
        raise DatabaseError(f"cannot copy the database to {target}: {e}") from None
    except OSError as e:
        raise DatabaseError(f"cannot write the backup {target}: {e.strerror}") from None


def single_file(target: Path) -> None:
    """After the copy was opened to be checked: back to one file, flushed."""
    try:
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        with open(target, "rb+") as f:
            os.fsync(f.fileno())
    except (sqlite3.Error, OSError) as e:
        raise DatabaseError(f"cannot finish the backup {target}: {e}") from None
