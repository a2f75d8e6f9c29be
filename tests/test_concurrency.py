"""Several processes allocating at once can never together breach a ceiling."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from calloff.actions.service import Service
from calloff.domain import definition
from calloff.domain.dates import FinancialYear
from calloff.errors import CeilingExceeded
from calloff.store.database import Store
from tests.conftest import REAL_ACCOUNT

pytestmark = pytest.mark.slow


def _setup(path: Path, requests: int, value: str) -> None:
    store = Store.create(path, definition.embedded("leeds-rp-2015"), REAL_ACCOUNT)
    svc = Service(store, "setup")
    pid = svc.setup.add_provider("Alder Training", "exempt", date(2015, 4, 1))
    svc.setup.set_ranking(4, [pid], date(2015, 4, 1))
    for i in range(requests):
        svc.add_request(
            4,
            f"Request {i}",
            date(2015, 6, 1),
            None,
            Decimal(value),
            None,
            None,
            "core",
            None,
            date(2015, 5, 1),
        )
    store.close()


def _worker(path: str, ids: list[int], barrier, results) -> None:
    store = Store.open(path)
    svc = Service(store, f"officer-{os.getpid()}")
    barrier.wait()
    for rid in ids:
        try:
            svc.allocate(rid, date(2015, 6, 1))
            results.put(("offered", rid))
        except CeilingExceeded:
            results.put(("refused", rid))
    store.close()


def _committed(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(value_pence), 0) FROM calloffs "
            "WHERE status IN ('offered', 'awaiting_approval')"
        ).fetchone()
        return row[0], row[1]
    finally:
        conn.close()


def test_eight_processes_racing_for_the_last_headroom(tmp_path):
    """40 requests of £40,000 from 8 processes at once: exactly 6 fit under £260,000."""
    db = tmp_path / "race.db"
    _setup(db, 40, "40000")
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(8)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(str(db), list(range(w + 1, 41, 8)), barrier, results))
        for w in range(8)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in range(40)]
    assert sum(1 for o, _ in outcomes if o == "offered") == 6
    count, pence = _committed(db)
    assert count == 6 and pence == 6 * 40000 * 100 <= 260000 * 100


def test_installed_command_racing_from_separate_processes(tmp_path):
    """The real `calloff` command, 12 at once, £30,000 each: 8 offered, 4 refused with exit 1."""
    exe = shutil.which("calloff", path=os.path.dirname(sys.executable))
    assert exe, "the calloff command is not installed beside this Python"
    db = tmp_path / "race.db"
    _setup(db, 12, "30000")
    procs = [
        subprocess.Popen(
            [exe, "--db", str(db), "allocate", str(i), "--on", "2015-06-01"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(1, 13)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    errors = [p.stderr.read() for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert sorted(codes) == [0] * 8 + [1] * 4
    assert all("below zero" in e for e, c in zip(errors, codes, strict=True) if c == 1)
    assert all("Traceback" not in e for e in errors)
    count, pence = _committed(db)
    assert count == 8 and pence == 240000 * 100


def _mixed_worker(path: str, worker: int, barrier, results) -> None:
    """Allocate, then decline or accept, over and over, as one officer."""
    import random

    from calloff.errors import CalloffError

    rng = random.Random(worker)
    store = Store.open(path)
    svc = Service(store, f"officer-{worker}")
    barrier.wait()
    done = 0
    for _ in range(25):
        rid = rng.randint(1, 60)
        try:
            outcome = svc.allocate(rid, date(2015, 6, 1))
            cid = outcome.calloff.id
            if rng.random() < 0.5:
                svc.decline(cid, "busy", date(2015, 6, 2))
            else:
                svc.accept(cid, date(2015, 6, 2))
            done += 1
        except CalloffError:
            pass
    results.put(done)
    store.close()


def test_eight_officers_allocating_declining_and_accepting(tmp_path):
    """60 requests worth far more than the headroom, 8 processes: no breach, no lost offer."""
    db = tmp_path / "mixed.db"
    store = Store.create(db, definition.embedded("leeds-rp-2015"), REAL_ACCOUNT)
    svc = Service(store, "setup")
    ids = [svc.setup.add_provider(n, "exempt", date(2015, 4, 1)) for n in ("A", "B", "C", "D")]
    svc.setup.set_ranking(4, ids, date(2015, 4, 1))
    for pid, rate in zip(ids, ("2000", "2500", "3000", "3500"), strict=True):
        svc.setup.set_prices(4, pid, {"day": Decimal(rate)}, date(2015, 4, 1))
    for i in range(60):
        svc.add_request(
            4, f"r{i}", date(2015, 6, 1), None, None, 5, "day", "core", None, date(2015, 5, 1)
        )  # £10,000 to £17,500 each: up to £1.05m in all
    store.close()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(8), ctx.Queue()
    workers = [
        ctx.Process(target=_mixed_worker, args=(str(db), w, barrier, results)) for w in range(8)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    assert sum(results.get(timeout=5) for _ in range(8)) > 0
    store = Store.open(db)
    position = store.position(FinancialYear(2015))
    assert position.headroom >= 0 and position.stream("core").headroom >= 0
    conn = sqlite3.connect(db)
    # No offer doubled: at most one live call-off per request.
    doubled = conn.execute(
        "SELECT COUNT(*) FROM (SELECT request_id FROM calloffs WHERE status IN "
        "('offered', 'accepted', 'awaiting_approval') GROUP BY request_id HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert doubled == 0
    # No offer lost: every decline was followed by the next offer or a recorded refusal, and
    # every call-off has its offer event.
    missing = conn.execute(
        "SELECT COUNT(*) FROM calloffs c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE "
        "e.object_id = CAST(c.id AS TEXT) AND e.action = 'calloff.offer')"
    ).fetchone()[0]
    assert missing == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert store.trail.verify().ok
    store.close()
