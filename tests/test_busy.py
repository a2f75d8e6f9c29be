"""Another officer's long write: the command waits, then says so in one line."""

import sqlite3

from calloff import cli
from tests.conftest import snapshot


def _locked(db, mode):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"BEGIN {mode}")
    return conn


def test_a_write_that_cannot_get_the_lock_says_the_database_is_busy(leeds, add_request):
    """With another connection holding the write lock past the wait, allocate exits 1 with
    "the database is busy … try again", never "internal error", and writes nothing."""
    rid = add_request()
    before = snapshot(leeds.db)
    holder = _locked(leeds.db, "IMMEDIATE")
    try:
        result = leeds.runner.invoke(
            cli.main,
            ["--db", str(leeds.db), "allocate", str(rid), "--on", "2015-05-10"],
            env={"CALLOFF_BUSY_TIMEOUT": "1"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the database") and "is busy" in result.stderr
    assert "try again" in result.stderr and "internal error" not in result.stderr
    assert snapshot(leeds.db) == before


def test_reading_does_not_wait_for_another_officers_write(leeds):
    """Write-ahead logging: `headroom` answers at once while another write holds the lock."""
    holder = _locked(leeds.db, "IMMEDIATE")
    try:
        result = leeds.runner.invoke(
            cli.main, ["--db", str(leeds.db), "headroom"], env={"CALLOFF_BUSY_TIMEOUT": "1"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0, result.output


def test_opening_a_database_locked_by_another_write_is_busy_not_foreign(leeds):
    """An exclusive lock while opening is a busy database, not "not a calloff database"."""
    holder = sqlite3.connect(leeds.db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = leeds.runner.invoke(
            cli.main, ["--db", str(leeds.db), "headroom"], env={"CALLOFF_BUSY_TIMEOUT": "1"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1 and "is busy" in result.stderr
    assert "not a calloff database" not in result.stderr
