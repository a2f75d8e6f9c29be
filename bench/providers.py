"""`make bench`, part two: what the number of providers costs, and a spend import beside
seven officers.

Two small databases are built through the library (as `bench/build.py` builds its own):
one framework of 48 providers and one of 5,000 (a national framework). Each has eight
lots ranking six providers each, drawn from across the roster, with tendered day rates;
providers suspended and reinstated, withdrawn and marked unavailable in proportion to
their number; and the same call-offs: 2,000 with spend, 200 offers awaiting an answer,
1,000 accepted call-offs with no spend yet (for the imports) and 400 requests not yet
allocated. At each size it measures, in-process through the
library, allocations a second, imported lines a second (a 10,000-line import), `offers`,
the quarterly report and the OCDS package; and, on the larger, how long a 10,000-line
import holds the write lock, and how many of eight `calloff allocate` commands started
while a 30,000-line `calloff spend import` runs fail for the lock. The last lines say,
target by target, whether the goals in docs/performance.md hold; it exits 0 either way.

    python bench/providers.py [--providers 48,5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from subprocess import PIPE
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "bench-output" / "providers"
CALLOFF = str(Path(sys.executable).parent / "calloff")
TERM_START = date(2020, 4, 1)
ON = date(2024, 3, 1)  # the day the timings allocate and import on, in the term's last year
YEAR, QUARTER = "2022-23", 2
SPENT, PENDING, TARGETS, SPARE = 2000, 200, 1000, 400
LOTS, RANKED = 8, 6


def build(path: Path, providers: int, seed: int = 2023) -> dict[str, int]:
    """A framework of `providers` providers and the same call-offs at every size."""
    from calloff.actions.service import Service
    from calloff.domain import definition, officers
    from calloff.store.database import Store

    rng = random.Random(seed)
    account = officers.process_account()
    store = Store.create(path, definition.load(HERE / "providers.toml"), account)
    svc = Service(store, account)
    with store.transaction():
        for n in range(8):
            roles = ["officer", "approver", "finance"]
            svc.registrar.add(f"officer.{n}", f"Officer {n}", roles, None, None, TERM_START)
        ids = [
            svc.setup.add_provider(f"Provider {n:04d} Training Ltd", "standard", TERM_START)
            for n in range(1, providers + 1)
        ]
    # Each lot ranks six providers, as in bench/build.py, drawn from across the roster: the
    # lots and their rankings are the same size at every number of providers.
    stride = providers // (LOTS * RANKED)
    per_lot = {
        lot: [ids[((lot - 1) * RANKED + k) * stride] for k in range(RANKED)]
        for lot in range(1, LOTS + 1)
    }
    with store.transaction():
        for lot, ranked in per_lot.items():
            svc.setup.set_ranking(lot, ranked, TERM_START)
            for rank, pid in enumerate(ranked):
                svc.setup.set_prices(lot, pid, {"day": Decimal(700 + 25 * rank)}, TERM_START)
    # Dated statuses and gaps in proportion to the providers (every tenth suspended and
    # reinstated, every 23rd withdrawn, every seventh unavailable for a month), never of
    # the first three on a lot, so that every size offers the same work to the same ranks.
    first_three = {pid for ranked in per_lot.values() for pid in ranked[:3]}
    later = TERM_START + timedelta(days=200)
    with store.transaction():
        for n, pid in enumerate(ids):
            if pid in first_three:
                continue
            if n % 10 == 0:
                svc.setup.set_provider_status(pid, "suspended", "bench", TERM_START)
                svc.setup.set_provider_status(pid, "active", "", later)
            elif n % 23 == 0:
                svc.setup.set_provider_status(pid, "withdrawn", "bench", later)
            elif n % 7 == 0:
                gap = TERM_START + timedelta(days=n % 1000)
                lot = n % LOTS + 1
                svc.setup.mark_unavailable(pid, gap, gap + timedelta(days=30), lot, "bench", gap)
    made, targets, spare = 0, [], []
    total = SPENT + PENDING + TARGETS + SPARE
    lines: list[tuple[int, str, str, str]] = []
    with store.transaction():
        while made < total:
            made += 1
            offered = TERM_START + timedelta(days=int(1300 * made / (total + 1)))
            start = offered + timedelta(days=rng.randint(14, 40))
            rid = svc.add_request(
                rng.randint(1, LOTS),
                f"Training request {made}",
                start,
                start,
                None,
                rng.randint(1, 10),
                "day",
                "core",
                rng.randint(5, 40),
                offered,
            )
            if made > SPENT + PENDING + TARGETS:
                spare.append(rid)
                continue
            outcome = svc.allocate(rid, offered)
            assert outcome.calloff is not None, outcome.refused
            if SPENT < made <= SPENT + PENDING:
                continue  # an offer awaiting the provider's answer
            c = svc.accept(outcome.calloff.id, offered + timedelta(days=1))
            if made > SPENT + PENDING:
                targets.append(c.id)
                continue
            share = (c.value / 4).quantize(Decimal("0.01"))
            lines += [(c.id, f"INV-{c.id}-{n}", start.isoformat(), str(share)) for n in (1, 2)]
    spend_file = path.with_suffix(".spend.csv")
    _write_csv(spend_file, lines)
    svc.spending.import_spend(spend_file)
    spend_file.unlink()
    store.close()
    return {"targets_from": targets[0], "targets_to": targets[-1], "spare_from": spare[0]}


def _write_csv(path: Path, lines: list[tuple[int, str, str, str]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["calloff", "invoice", "date", "amount"])
        writer.writerows(lines)


def cached(providers: int) -> tuple[Path, dict[str, int]]:
    """The database of `providers` providers, built unless a current one is there."""
    from calloff.store.schema import SCHEMA_VERSION

    text = b"".join(
        p.read_bytes()
        for p in (
            Path(__file__),
            HERE / "providers.toml",
            *sorted((HERE.parent / "framework" / "calloff" / "store").glob("*.py")),
        )
    )
    key = f"{SCHEMA_VERSION}-{hashlib.sha256(text).hexdigest()[:16]}"
    path, stamp = OUT / f"providers-{providers}.db", OUT / f"providers-{providers}.json"
    if path.exists() and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("key") == key:
            return path, saved["ids"]
    OUT.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    print(f"building {path} ({providers:,} providers; reused by later runs)", flush=True)
    started = time.perf_counter()
    ids = build(path, providers)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    stamp.write_text(json.dumps({"key": key, "ids": ids}))
    return path, ids


def work_copy(db: Path, name: str) -> Path:
    target = OUT / "work" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(db), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def import_file(db: Path, ids: dict[str, int], per_calloff: int, name: str) -> Path:
    """`per_calloff` invoice lines of £1.00 for each of the 1,000 call-offs kept for imports."""
    conn = sqlite3.connect(db)
    starts = conn.execute(
        "SELECT c.id, r.start FROM calloffs c JOIN requests r ON r.id = c.request_id "
        "WHERE c.id BETWEEN ? AND ? ORDER BY c.id",
        [ids["targets_from"], ids["targets_to"]],
    ).fetchall()
    conn.close()
    path = OUT / "work" / name
    _write_csv(
        path,
        [
            (cid, f"IMP-{cid}-{n}", start, "1.00")
            for cid, start in starts
            for n in range(per_calloff)
        ],
    )
    return path


def timed(work: Callable[[], Any], runs: int) -> float:
    """The median seconds of `runs` runs of `work`."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        work()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class LockWatch:
    """How long each write of one store held the write lock (BEGIN IMMEDIATE to COMMIT or
    ROLLBACK), watched from the store's own begin and commit."""

    def __init__(self, store: Any):
        self.held: list[float] = []
        began, commit = store.begin, store.commit
        self._at = 0.0

        def begin() -> None:
            began()
            self._at = time.perf_counter()

        def committed() -> None:
            commit()
            self.held.append(time.perf_counter() - self._at)

        store.begin, store.commit = begin, committed


def measure(providers: int, runs: int) -> dict[str, float]:
    """Every in-process figure at one number of providers."""
    import calloff

    db, ids = cached(providers)
    work = work_copy(db, f"work-{providers}.db")
    r: dict[str, float] = {}
    office = calloff.open(work)
    first = ids["spare_from"]
    t = time.perf_counter()
    for rid in range(first, first + 200):
        office.allocate(rid, on=ON)
    r["allocations/s"] = 200 / (time.perf_counter() - t)
    imp = import_file(work, ids, 10, f"import-{providers}.csv")
    watch = LockWatch(office.service.store)
    t = time.perf_counter()
    done = office.import_spend(imp, on=ON)
    r["import lines/s"] = done.imported / (time.perf_counter() - t)
    r["import lock held per 10,000 lines"] = max(watch.held) * 10_000 / done.imported
    r["offers"] = timed(lambda: office.offers(on=ON), runs)
    r["report quarterly"] = timed(lambda: office.report(year=YEAR, quarter=QUARTER), runs)

    def ocds() -> None:
        with (OUT / "work" / "ocds.json").open("w") as f:
            for piece in office.ocds_file() or ():
                f.write(piece)

    r["publish ocds"] = timed(ocds, runs)
    office.close()
    print(
        f"  {providers:>5,} providers: "
        + ", ".join(
            f"{k} {v:,.0f}" if k.endswith("/s") else f"{k} {v:.3f} s" for k, v in r.items()
        ),
        flush=True,
    )
    return r


def beside_officers(providers: int, lines: int = 30_000, officers: int = 8) -> dict[str, Any]:
    """A `lines`-line `calloff spend import`, timed alone first; then again on a fresh copy
    with `officers` `calloff allocate` commands, each as another officer, started one after
    another across the time it took. How many failed for the lock, how many started while
    the import ran, and the slowest of them."""
    db, ids = cached(providers)
    alone = work_copy(db, f"alone-{providers}.db")
    imp = import_file(alone, ids, lines // TARGETS, "beside.csv")
    importing = ["spend", "import", str(imp), "--on", ON.isoformat()]
    t = time.perf_counter()
    subprocess.run([CALLOFF, "--db", str(alone), *importing], check=True, capture_output=True)
    took = time.perf_counter() - t
    work = work_copy(db, f"beside-{providers}.db")
    base = [CALLOFF, "--db", str(work)]
    started = time.perf_counter()
    importer = subprocess.Popen([*base, *importing], stdout=subprocess.DEVNULL, stderr=PIPE)
    runs: list[dict[str, Any]] = []

    def allocate(n: int) -> None:
        time.sleep(took * (n + 1) / (officers + 1))
        rid = str(ids["spare_from"] + 300 + n)
        run: dict[str, Any] = {"during": importer.poll() is None, "at": time.perf_counter()}
        done = subprocess.run(
            [*base, "--officer", f"officer.{n}", "allocate", rid, "--on", ON.isoformat()],
            capture_output=True,
            text=True,
        )
        run.update(seconds=time.perf_counter() - run["at"], code=done.returncode, err=done.stderr)
        runs.append(run)

    threads = [threading.Thread(target=allocate, args=(n,)) for n in range(officers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, err = importer.communicate()
    beside = time.perf_counter() - started
    busy = sum(1 for r in runs if r["code"] != 0 and ("busy" in r["err"] or "locked" in r["err"]))
    for r in runs:
        if r["code"] != 0:
            print(f"    (an allocation was refused: {r['err'].strip()[:160]})")
    if importer.returncode != 0:
        print(f"    (the import was refused: {err.decode(errors='replace').strip()[:160]})")
    during = sum(1 for r in runs if r["during"])
    slowest = max(r["seconds"] for r in runs)
    print(
        f"  {lines:,}-line import: {took:.1f} s alone, {beside:.1f} s beside {officers} "
        f"allocations ({during} started while it ran; the slowest took {slowest:.2f} s); "
        f"{busy} failed for the lock",
        flush=True,
    )
    return {
        "busy": busy,
        "import ok": importer.returncode == 0,
        "during": during,
        "officers": officers,
        "alone": took,
        "beside": beside,
        "slowest": slowest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", default="48,5000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.providers.split(",")]
    print(
        f"calloff providers benchmark on {platform.machine()}, {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        flush=True,
    )
    results = {n: measure(n, args.runs) for n in sizes}
    beside = beside_officers(max(sizes))
    table(results)
    targets(results, beside)
    shutil.rmtree(OUT / "work", ignore_errors=True)


def table(results: dict[int, dict[str, float]]) -> None:
    sizes = list(results)
    print()
    print("| providers | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    for k in results[sizes[0]]:
        cells = [
            f"{results[s][k]:,.0f}" if k.endswith("/s") else f"{results[s][k]:.3f} s" for s in sizes
        ]
        print(f"| {k} | " + " | ".join(cells) + " |")
    print()


def targets(results: dict[int, dict[str, float]], beside: dict[str, Any]) -> None:
    small, big = min(results), max(results)
    lines = []

    def target(name: str, value: float, goal: str, ok: bool, unit: str = "") -> None:
        lines.append(f"target: {name} = {value:.2f}{unit} (goal {goal}) {'ok' if ok else 'short'}")

    for k in results[small]:
        if k.startswith("import lock"):
            continue
        a, b = results[small][k], results[big][k]
        slower = a / b if k.endswith("/s") else b / a  # how many times slower at `big`
        target(f"{k} at {big:,} providers / at {small:,}", slower, "<= 1.50", slower <= 1.5, "x")
    held = max(r["import lock held per 10,000 lines"] for r in results.values())
    target("spend import: write lock held per 10,000 lines", held, "<= 1.00", held <= 1, " s")
    busy = beside["busy"] + (0 if beside["import ok"] else 1)
    whole = busy == 0 and beside["during"] == beside["officers"]
    lines.append(
        f"target: {beside['officers']} allocations during a 30,000-line import at {big:,} "
        f"providers ({beside['during']} started while it ran): failed for the lock = {busy} "
        f"(goal 0) {'ok' if whole else 'short'}"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
