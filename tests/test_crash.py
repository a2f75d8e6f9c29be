"""Killed mid-command (SIGKILL), the database is never half-written."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from calloff.actions.service import Service
from calloff.domain import definition
from calloff.store.database import Store
from tests.conftest import REAL_ACCOUNT

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent

ALLOCATOR = """
import sys
from datetime import date
from calloff.errors import CalloffError
from calloff.actions.service import Service
from calloff.store.database import Store
svc = Service(Store.open(sys.argv[1]), "crash.test")
print("ready", flush=True)
for rid in range(1, 401):
    try:
        outcome = svc.allocate(rid, date(2015, 6, 1))
        svc.decline(outcome.calloff.id, "busy", date(2015, 6, 2))
    except CalloffError:
        pass
"""


def _setup(path: Path, requests: int) -> Service:
    store = Store.create(path, definition.embedded("leeds-rp-2015"), REAL_ACCOUNT)
    svc = Service(store, "setup")
    ids = [svc.setup.add_provider(n, "exempt", date(2015, 4, 1)) for n in ("A", "B", "C")]
    svc.setup.set_ranking(4, ids, date(2015, 4, 1))
    for i in range(requests):
        svc.add_request(
            4,
            f"r{i}",
            date(2015, 6, 1),
            None,
            Decimal("100.00"),
            None,
            None,
            "core",
            None,
            date(2015, 5, 1),
        )
    return svc


def _check_whole(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    store = Store.open(path)
    assert store.trail.verify().ok, store.trail.verify().problem
    store.close()
    return conn


def _kill_after(cmd: list[str], delay: float) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    proc.stdout.readline()  # wait until it has started work
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()


def test_killed_during_allocation(tmp_path):
    """25 kills at random moments: every call-off has its pass-overs and its audit event."""
    db = tmp_path / "crash.db"
    _setup(db, 400).store.close()
    rng = random.Random(20150401)
    for _ in range(25):
        _kill_after([sys.executable, "-c", ALLOCATOR, str(db)], rng.uniform(0.0, 0.25))
        conn = _check_whole(db)
        offers = conn.execute(
            "SELECT COUNT(*) FROM calloffs c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE "
            "e.object_type = 'calloff' AND e.object_id = CAST(c.id AS TEXT) "
            "AND e.action = 'calloff.offer')"
        ).fetchone()[0]
        assert offers == 0, "a call-off without its offer event"
        # A rank-2 offer always follows rank 1's decline in the same transaction.
        orphans = conn.execute(
            "SELECT COUNT(*) FROM calloffs c WHERE c.rank = 2 AND NOT EXISTS "
            "(SELECT 1 FROM passovers p WHERE p.calloff_id = c.id AND p.rank = 1)"
        ).fetchone()[0]
        assert orphans == 0
        declined_without_next = conn.execute(
            "SELECT COUNT(*) FROM calloffs d WHERE d.status = 'declined' AND NOT EXISTS "
            "(SELECT 1 FROM calloffs n WHERE n.request_id = d.request_id AND n.id > d.id)"
        ).fetchone()[0]
        assert declined_without_next == 0
        conn.close()


def test_killed_during_spend_import(tmp_path):
    """An import of 3,000 invoice lines killed at random lands whole or not at all."""
    db = tmp_path / "crash.db"
    svc = _setup(db, 3)
    for rid in (1, 2, 3):
        c = svc.allocate(rid, date(2015, 6, 1)).calloff
        svc.accept(c.id, date(2015, 6, 2))
        svc.spending.vary(c.id, Decimal("1000.00"), "room for 1,000 invoices", date(2015, 6, 3))
    svc.store.close()
    lines = ["calloff,invoice,date,amount,attendees"]
    lines += [f"{1 + i % 3},INV-{i:05d},2015-07-01,1.00,1" for i in range(3000)]
    csv_file = tmp_path / "spend.csv"
    csv_file.write_text("\n".join(lines) + "\n")
    exe = Path(sys.executable).parent / "calloff"
    rng = random.Random(20151231)
    for _ in range(12):
        _kill_after(
            [
                sys.executable,
                "-c",
                "import sys; print('ready', flush=True); from calloff.cli import main; main()",
                "--db",
                str(db),
                "spend",
                "import",
                str(csv_file),
            ],
            rng.uniform(0.05, 1.5),
        )
        conn = _check_whole(db)
        count = conn.execute("SELECT COUNT(*) FROM spend").fetchone()[0]
        events = conn.execute("SELECT COUNT(*) FROM events WHERE action = 'spend.add'").fetchone()[
            0
        ]
        conn.close()
        assert count in (0, 3000) and events == count
    done = subprocess.run(
        [str(exe), "--db", str(db), "spend", "import", str(csv_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    conn = _check_whole(db)
    assert conn.execute("SELECT COUNT(*) FROM spend").fetchone()[0] == 3000
    conn.close()
