"""Faults of the disk, the lock and the file system: each is one sentence naming the file
and the fix, exit 1, and the database is left as it was."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from calloff import cli
from calloff.store import faults, schema, upgrade
from calloff.store.database import Store
from tests.conftest import REAL_ACCOUNT, Calloff, snapshot

V1 = Path(__file__).parent / "data" / "calloff-v1.db"
CALLOFF = shutil.which("calloff", path=str(Path(sys.executable).parent))


def _error(exc_info) -> str:
    return str(faults.explain(exc_info.value, "c.db"))


# -- one sentence per SQLite result code -------------------------------------------------


def test_each_sqlite_fault_has_its_own_sentence(tmp_path):
    """Real errors from SQLite, each provoked for what it is, map to their sentence."""
    with pytest.raises(sqlite3.OperationalError) as cantopen:
        sqlite3.connect(tmp_path / "no-such-folder" / "c.db")
    assert "cannot open c.db" in _error(cantopen) and "folder" in _error(cantopen)

    (tmp_path / "junk.db").write_bytes(b"not a database " * 100)
    with pytest.raises(sqlite3.DatabaseError) as notadb:
        sqlite3.connect(tmp_path / "junk.db").execute("PRAGMA user_version")
    assert "not a calloff database" in _error(notadb)

    full = sqlite3.connect(tmp_path / "full.db", isolation_level=None)
    full.execute("CREATE TABLE t (x)")
    full.execute(f"PRAGMA max_page_count = {full.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.OperationalError) as disk_full:
        full.execute("INSERT INTO t VALUES (?)", ["x" * 100_000])
    assert _error(disk_full) == (
        "the disk holding c.db is full: nothing was written; free some space and try again"
    )

    ro = sqlite3.connect(f"file:{tmp_path / 'full.db'}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as readonly:
        ro.execute("INSERT INTO t VALUES (1)")
    assert "c.db is read-only" in _error(readonly) and "writable" in _error(readonly)

    holder = sqlite3.connect(tmp_path / "full.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(tmp_path / "full.db", timeout=0.01, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("BEGIN EXCLUSIVE")
    holder.execute("ROLLBACK")
    assert "c.db is busy: another command is running" in _error(busy)
    assert "try again" in _error(busy)

    assert faults.explain(sqlite3.IntegrityError("UNIQUE constraint failed"), "c.db") is None
    assert faults.explain(ValueError("a bug"), "c.db") is None


def test_a_truncated_database_is_damaged_not_a_bug(leeds):
    _checkpoint(leeds.db)
    damaged = leeds.db.read_bytes()[:40_000]
    leeds.db.write_bytes(damaged)
    for command in (["headroom"], ["provider", "add", "Dale Ltd"], ["audit", "verify"]):
        result = leeds(*command)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: {leeds.db} is damaged (SQLite finds it malformed): nothing was written; "
            "keep the file for investigation, restore your latest backup and run `calloff "
            "audit verify`\n"
        )
    assert leeds.db.read_bytes() == damaged


def _checkpoint(db: Path) -> None:
    """Fold the write-ahead log into the file and empty it."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_an_empty_file_is_not_a_calloff_database(calloff):
    calloff.db.write_bytes(b"")
    assert "is an empty file, not a calloff database" in calloff.refused("headroom")


def test_a_full_disk_says_so_and_writes_nothing(leeds, monkeypatch):
    """SQLITE_FULL mid-write: the sentence for a full disk, not "cannot rollback"."""
    before = snapshot(leeds.db)
    connect = schema.connect

    def tiny(path, immutable=False):
        db = connect(path, immutable)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr("calloff.store.opening.connect", tiny)
    for _ in range(300):  # fill the free pages, then the disk is full
        result = leeds(
            "request",
            "add",
            "--lot",
            "4",
            "--title",
            "x" * 490,
            "--start",
            "2015-06-01",
            "--value",
            "100",
            "--on",
            "2015-05-01",
        )
        if result.exit_code:
            break
        before = snapshot(leeds.db)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the disk holding {leeds.db} is full: nothing was "
        "written; free some space and try again\n"
    )
    assert snapshot(leeds.db) == before
    assert leeds.json("audit", "verify")["ok"] is True


@pytest.mark.skipif(CALLOFF is None, reason="the calloff command is not installed here")
def test_a_file_size_limit_says_the_disk_failed_and_writes_nothing(leeds, add_request):
    """`ulimit -f`: the write fails with an I/O error; the sentence names the limit."""
    rid = add_request()
    _checkpoint(leeds.db)  # so that the write must grow the log
    before = snapshot(leeds.db)
    limit = 1024

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [CALLOFF, "--db", str(leeds.db), "allocate", str(rid), "--on", "2015-05-02"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_files,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0], result.stderr
    assert "nothing was written" in lines[0] and "ulimit -f" in lines[0]
    assert snapshot(leeds.db) == before


# -- read-only files and folders ---------------------------------------------------------


def _without_override() -> None:
    """In the child: as root, drop the capabilities that let root ignore permissions."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                os._exit(97)


def _as_reader(db: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(CALLOFF), "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_without_override,
    )
    if result.returncode == 97:
        pytest.skip("permissions cannot be made to bind here (root without CAP_SETPCAP)")
    return result


def _read_only(tmp_path: Path, source: Path, folder_too: bool) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "c.db"
    shutil.copyfile(source, db)
    db.chmod(0o444)
    if folder_too:
        folder.chmod(0o555)
    return db


@pytest.mark.skipif(CALLOFF is None, reason="the calloff command is not installed here")
@pytest.mark.parametrize("folder_too", [False, True], ids=["file", "folder"])
def test_a_read_only_database_can_be_read_and_refuses_writes(leeds, tmp_path, folder_too):
    leeds.register(REAL_ACCOUNT, "officer", "admin")  # who runs the command below
    db = _read_only(tmp_path, leeds.db, folder_too)
    try:
        before = db.read_bytes()
        shown = _as_reader(db, "headroom", "--json")
        assert shown.returncode == 0, shown.stderr
        assert '"ceiling": "260000.00"' in shown.stdout
        refused = _as_reader(db, "provider", "add", "Dale Ltd", "--vat", "exempt")
        assert refused.returncode == 1
        assert refused.stderr == (
            f"Error: {db} is read-only (the file or its folder): "
            "nothing was written; make both writable by you, or work "
            "on a copy\n"
        )
        assert db.read_bytes() == before
    finally:
        db.parent.chmod(0o755)


@pytest.mark.skipif(CALLOFF is None, reason="the calloff command is not installed here")
def test_a_read_only_first_release_database_is_read_through_an_upgraded_copy(tmp_path):
    db = _read_only(tmp_path, V1, folder_too=True)
    try:
        shown = _as_reader(db, "headroom", "--json")
        assert shown.returncode == 0, shown.stderr
        assert '"committed": "9700.00"' in shown.stdout
        refused = _as_reader(db, "provider", "add", "Dale Ltd", "--vat", "exempt")
        assert refused.returncode == 1
        assert "read-only and from an older calloff (schema 1)" in refused.stderr
        assert "run any command to upgrade it" in refused.stderr
        assert db.read_bytes() == V1.read_bytes()
        assert sorted(p.name for p in db.parent.iterdir()) == ["c.db"]
    finally:
        db.parent.chmod(0o755)


# -- the lock: one wait in all -----------------------------------------------------------


def test_waits_for_the_lock_add_up_to_the_stated_wait_at_most(tmp_path):
    """Opening waits, then the upgrade waits: together no longer than CALLOFF_BUSY_TIMEOUT."""
    db = tmp_path / "c.db"
    shutil.copyfile(V1, db)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # nobody can even read

    def hand_over():
        time.sleep(1.5)
        holder.execute("COMMIT")
        holder.execute("BEGIN IMMEDIATE")  # now readers may read, but nobody may write

    switch = threading.Thread(target=hand_over)
    switch.start()
    started = time.monotonic()
    try:
        from click.testing import CliRunner

        result = CliRunner().invoke(
            cli.main, ["--db", str(db), "headroom"], env={"CALLOFF_BUSY_TIMEOUT": "2"}
        )
    finally:
        switch.join()
        holder.execute("ROLLBACK")
        holder.close()
    waited = time.monotonic() - started
    assert result.exit_code == 1
    assert "is busy: another command is running (calloff waited 2 seconds in all)" in (
        result.stderr
    )
    assert waited < 3.0, f"waited {waited:.1f}s against a stated 2s"
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 1


# -- the upgrade under SQLite's own lock -------------------------------------------------


def _open_and_report(path: str, results) -> None:
    try:
        Store.open(path).close()
        results.put("ok")
    except Exception as e:  # reported to the test, which shows them
        results.put(f"{type(e).__name__}: {e}")


def test_eight_processes_opening_an_old_database_upgrade_it_once(tmp_path):
    """Repeated: every process succeeds, one upgrade event, one complete backup."""
    context = multiprocessing.get_context("fork")
    for round_ in range(int(os.environ.get("CALLOFF_UPGRADE_ROUNDS", "100"))):
        folder = tmp_path / f"round-{round_}"
        folder.mkdir()
        db = folder / "c.db"
        shutil.copyfile(V1, db)
        results = context.Queue()
        workers = [
            context.Process(target=_open_and_report, args=(str(db), results)) for _ in range(8)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        outcomes = [results.get(timeout=5) for _ in workers]
        assert outcomes == ["ok"] * 8, outcomes
        conn = sqlite3.connect(db)
        upgrades = conn.execute(
            "SELECT COUNT(*) FROM events WHERE action = 'database.upgrade'"
        ).fetchone()[0]
        conn.close()
        assert upgrades == 1
        assert sorted(
            p.name for p in folder.iterdir() if "bak" in p.name or p.name.endswith(".partial")
        ) == ["c.db.v1.bak"]
        backup = sqlite3.connect(folder / "c.db.v1.bak")
        assert backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert backup.execute("PRAGMA user_version").fetchone() == (1,)
        backup.close()


def _killed_while_backing_up(path: str) -> None:
    def die(fd):
        os.kill(os.getpid(), signal.SIGKILL)

    os.fsync = die  # the backup is copied; the kill comes before it is flushed and named
    Store.open(path)


def test_a_kill_during_the_backup_leaves_no_file_under_the_promised_name(tmp_path):
    db = tmp_path / "c.db"
    shutil.copyfile(V1, db)
    child = multiprocessing.get_context("fork").Process(
        target=_killed_while_backing_up, args=(str(db),)
    )
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert not (tmp_path / "c.db.v1.bak").exists()
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone() == (1,)
    store = Store.open(db)  # the next open upgrades as if nothing had happened
    assert store.upgraded == (1, tmp_path / "c.db.v1.bak")
    store.close()
    assert upgrade.writable(db)


# -- arguments the shell passes ----------------------------------------------------------


def test_an_argument_that_is_not_utf8_is_a_usage_error(leeds):
    message = leeds.refused("provider", "add", "Caf\udce9 Ltd", code=2)
    assert message.startswith("Error: argument ")
    assert message.endswith(
        " ('Caf\\udce9 Ltd') is not UTF-8 text: type it again, or rename the file it names"
    )


def test_a_database_name_too_long_for_the_file_system(tmp_path):
    result = Calloff(tmp_path / ("x" * 300 + ".db"))("headroom")
    assert result.exit_code == 1
    assert result.stderr.endswith(": File name too long: check the --db path\n")
    assert "internal error" not in result.stderr


# -- bounded input -----------------------------------------------------------------------


def test_an_endless_file_stops_at_the_first_overlong_line(leeds):
    """`rank import /dev/zero` stops at once with one line, instead of filling the memory."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    assert leeds.refused("rank", "import", "/dev/zero") == (
        "Error: /dev/zero:1: a line longer than 10,000 bytes: is this the CSV file you meant?"
    )


def test_a_long_line_stops_the_import(leeds, tmp_path):
    csv_file = tmp_path / "r.csv"
    csv_file.write_text("lot,rank,provider\n4,1,Alder Training\n4,2," + "x" * 20_000 + "\n")
    assert leeds.refused("rank", "import", str(csv_file)) == (
        f"Error: {csv_file}:3: a line longer than 10,000 bytes: is this the CSV file you meant?"
    )


def test_a_hundred_thousand_bad_rows_print_fifty_and_a_count(leeds, tmp_path):
    csv_file = tmp_path / "spend.csv"
    with open(csv_file, "w") as f:
        f.write("calloff,invoice,date,amount\n")
        f.writelines("x\n" for _ in range(100_000))
    before = snapshot(leeds.db)
    result = leeds("spend", "import", str(csv_file))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 52
    assert lines[0] == f"{csv_file}:2: 1 cells where the header has 4"
    assert lines[50] == f"{csv_file}: … and 99,950 more bad rows"
    assert lines[51] == (
        f"Error: {csv_file}: 100,000 bad row(s), nothing imported: correct "
        "the rows listed above and import the whole file again"
    )
    assert snapshot(leeds.db) == before


def test_blank_lines_count_towards_the_row_limit(leeds, tmp_path, monkeypatch):
    from calloff.domain import csv_rows as csvfile

    monkeypatch.setattr(csvfile, "MAX_ROWS", 1000)
    csv_file = tmp_path / "blank.csv"
    csv_file.write_text("calloff,invoice,date,amount\n" + ",,,\n" * 2000)
    assert leeds.refused("spend", "import", str(csv_file)) == (
        f"Error: {csv_file}: more than 1,000 rows: split the file and import each part"
    )


@pytest.mark.parametrize("value", ["²", "٢", "0", "-1", "abc", "99999"])
def test_a_strange_busy_timeout_falls_back_to_the_default(value, monkeypatch):
    monkeypatch.setenv("CALLOFF_BUSY_TIMEOUT", value)
    assert faults.busy_timeout() == faults.BUSY_TIMEOUT_SECONDS


def test_a_device_or_pipe_as_the_database_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    for db in (fifo, Path("/dev/zero")):
        if not db.exists():
            continue
        result = Calloff(db)("headroom")
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: {db} is not a regular file, so not a calloff "
            "database: point --db at the database file\n"
        )
