"""Issue 33: `calloff backup DEST`: a whole copy while others work, checked, private, and
never over the database or an existing file unless asked."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

import calloff
from calloff.actions.service import Service
from calloff.domain import definition
from calloff.store.database import Store
from tests.conftest import ACCOUNT, Calloff, snapshot


def _events(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def test_a_backup_is_whole_private_and_verified(leeds, tmp_path):
    dest = tmp_path / "backups" / "calloff-2015-05-01.db"
    dest.parent.mkdir()
    result = leeds.ok("backup", str(dest))
    head = leeds.json("audit", "verify")["head"]
    assert f"Backed up to {dest}" in result.output
    assert f"audit chain whole, {_events(leeds.db)} event(s); head {head}" in result.output
    assert "Sealed without an audit key." in result.output
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert not Path(f"{dest}-wal").exists()  # one self-contained file
    assert snapshot(dest) == snapshot(leeds.db)
    assert Calloff(dest).json("audit", "verify")["head"] == head
    assert list(dest.parent.iterdir()) == [dest]  # no temporary file left behind


def test_backup_json(leeds, tmp_path):
    dest = tmp_path / "copy.db"
    copy = leeds.json("backup", str(dest))
    assert copy == {
        "path": str(dest),
        "bytes": dest.stat().st_size,
        "ok": True,
        "events": _events(leeds.db),
        "head": leeds.json("audit", "verify")["head"],
        "key": None,
        "problem": None,
    }


def test_a_backup_takes_what_a_file_copy_misses(leeds, add_request, tmp_path):
    """While anyone holds the database open (the server), the newest commits live in the
    write-ahead log beside it: copying the .db file alone gives an older state."""
    server = calloff.open(leeds.db)  # holds the file open, as `calloff serve` does
    try:
        for n in range(5):
            add_request("--value", str(1000 + n), on="2015-05-01")
        copied = tmp_path / "copied.db"
        shutil.copyfile(leeds.db, copied)
        backed = tmp_path / "backed.db"
        leeds.ok("backup", str(backed))
        assert _events(copied) < _events(leeds.db)  # the plain copy misses events
        assert _events(backed) == _events(leeds.db)
        assert snapshot(backed) == snapshot(leeds.db)
    finally:
        server.close()


def test_backup_refuses_the_database_and_an_existing_file(leeds, tmp_path):
    existing = tmp_path / "kept.db"
    existing.write_text("an older backup")
    message = leeds.refused("backup", str(existing))
    assert "already exists" in message and "--force" in message
    assert existing.read_text() == "an older backup"
    assert "is the database" in leeds.refused("backup", str(leeds.db))
    link = tmp_path / "link.db"
    link.symlink_to(leeds.db)
    assert "is the database" in leeds.refused("backup", str(link))
    hard = tmp_path / "hard.db"
    os.link(leeds.db, hard)
    assert "is the database" in leeds.refused("backup", str(hard))
    assert "is the database" in leeds.refused("backup", f"{leeds.db}-wal")
    leeds.ok("backup", str(existing), "--force")
    assert snapshot(existing) == snapshot(leeds.db)
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o600


def test_backup_into_a_missing_folder_is_one_line(leeds, tmp_path):
    message = leeds.refused("backup", str(tmp_path / "no" / "such" / "folder.db"))
    assert "cannot write" in message


def test_backup_is_for_admins_and_auditors(leeds, tmp_path):
    leeds.register("c.clerk", "officer")
    message = leeds.refused("backup", str(tmp_path / "x.db"), officer="c.clerk")
    assert "for admins and auditors" in message
    assert not (tmp_path / "x.db").exists()
    leeds.register("d.auditor", "auditor")
    leeds.ok("backup", str(tmp_path / "x.db"), officer="d.auditor")


def test_a_backup_of_a_changed_database_is_kept_and_says_so(leeds, tmp_path):
    conn = sqlite3.connect(leeds.db)
    conn.execute("UPDATE prices SET rate_pence = 1")
    conn.commit()
    conn.close()
    dest = tmp_path / "evidence.db"
    result = leeds("backup", str(dest))
    assert result.exit_code == 1
    assert "was written, but its audit trail does not verify" in result.stderr
    assert "the prices record(s) changed outside calloff" in result.stderr
    assert dest.exists()


def test_a_keyed_backup_names_its_key(leeds, tmp_path, monkeypatch):
    key = tmp_path / "audit.key"
    leeds.ok("audit", "new-key", str(key))
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(key))
    leeds.ok("audit", "use-key")  # sealed with the key from here
    fingerprint = leeds.json("audit", "verify")["key"]
    assert leeds.json("backup", str(tmp_path / "k.db"))["key"] == fingerprint
    monkeypatch.delenv("CALLOFF_AUDIT_KEY_FILE")  # a keyed copy is checked only with it
    message = leeds.refused("backup", str(tmp_path / "nokey.db"))
    assert f"sealed with audit key {fingerprint}" in message
    assert not (tmp_path / "nokey.db").exists()


def test_backup_through_the_library(leeds, tmp_path):
    with calloff.open(leeds.db) as office:
        copy = office.backup(tmp_path / "lib.db")
    assert copy.ok and copy.events == _events(leeds.db)
    assert Path(copy.path) == tmp_path / "lib.db"


WRITER = """
import sys
from datetime import date
from decimal import Decimal
from calloff.actions.service import Service
from calloff.store.database import Store
store = Store.open(sys.argv[1])
svc = Service(store, "writer")
for i in range(int(sys.argv[2])):
    rid = svc.add_request(4, f"Busy {i}", date(2015, 6, 1), None, Decimal("100"), None,
                          None, "core", None, date(2015, 5, 1))
    svc.allocate(rid, date(2015, 5, 2))
store.close()
"""


@pytest.mark.slow
def test_backup_while_another_process_writes(tmp_path):
    """Backups taken while another process allocates: each is a whole, consistent state
    (it verifies), and they grow as the writer goes on."""
    db = tmp_path / "busy.db"
    store = Store.create(db, definition.embedded("leeds-rp-2015"), ACCOUNT)
    svc = Service(store, ACCOUNT)
    pid = svc.setup.add_provider("Alder Training", "exempt", date(2015, 4, 1))
    svc.setup.set_ranking(4, [pid], date(2015, 4, 1))
    store.close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "300"])
    counts = []
    try:
        for n in range(4):
            time.sleep(0.3)
            with calloff.open(db) as office:
                copy = office.backup(tmp_path / f"during-{n}.db")
            assert copy.ok, copy.problem
            counts.append(copy.events)
    finally:
        assert writer.wait(timeout=120) == 0
    assert counts == sorted(counts) and counts[-1] > counts[0]
    final = tmp_path / "after.db"
    with calloff.open(db) as office:
        assert office.backup(final).events == _events(db)
