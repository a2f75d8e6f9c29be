"""`make bench`: what each command costs at 0, 1,000, 10,000 and 100,000 call-offs.

Every command is the installed `calloff`, run as an officer runs it, in a fresh process:
each figure is the median wall time of several runs and the peak memory (max RSS) of the
slowest. The library's own rate and the report's ratio to one SQL query (and to pandas,
if installed) are measured in-process. The databases are built by `bench/build.py`; the
table and the targets are `bench/figures.py`'s. The last lines say, target by target,
whether the goals in docs/performance.md hold; the benchmark exits 0 either way.

    python bench/bench.py [--sizes 0,1000,10000,100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BIN = Path(sys.executable).parent
CALLOFF = str(BIN / "calloff")
YEAR, QUARTER, HALF = "2022-23", 2, "2022-23-H1"
OUT = HERE.parent / "bench-output"


# Commands are started by a small process of their own: a child's peak memory (max RSS)
# counts from the memory of the process that forked it, so forking from this one, with the
# library and pandas loaded, would add its size to every figure.
SPAWNER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    args = json.loads(line)
    started = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(p.pid, 0)
    print(json.dumps([time.perf_counter() - started, usage.ru_maxrss / 1024,
                      os.waitstatus_to_exitcode(status), err]), flush=True)
"""
_spawner = subprocess.Popen(
    [sys.executable, "-c", SPAWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
)


def run(args: list[str]) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit status, stderr) of one command in a fresh process."""
    import json

    assert _spawner.stdin and _spawner.stdout
    _spawner.stdin.write(json.dumps(args) + "\n")
    _spawner.stdin.flush()
    elapsed, peak, code, err = json.loads(_spawner.stdout.readline())
    return elapsed, peak, code, err


def median_of(make_args, runs: int) -> tuple[float, float]:
    times, peak = [], 0.0
    for n in range(runs):
        t, mb, code, err = run(make_args(n))
        if code != 0:
            raise SystemExit(f"benchmark command failed: {make_args(n)}: {err.strip()}")
        times.append(t)
        peak = max(peak, mb)
    return statistics.median(times), peak


def work_copy(db: Path, name: str) -> Path:
    target = OUT / "work" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(db)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def import_file(ids: dict[str, int], db: Path) -> Path:
    """10,000 invoice lines: ten for each of the 1,000 call-offs kept for the import."""
    path = OUT / "work" / "import.csv"
    conn = sqlite3.connect(db)
    starts = dict(
        conn.execute(
            "SELECT c.id, r.start FROM calloffs c JOIN requests r ON r.id = c.request_id "
            "WHERE c.id BETWEEN ? AND ?",
            [ids["targets_from"], ids["targets_to"]],
        )
    )
    conn.close()
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["calloff", "invoice", "date", "amount"])
        for cid, start in sorted(starts.items()):
            for n in range(10):
                w.writerow([cid, f"IMPORT-{cid}-{n}", start, "10.00"])
    return path


def report_ratios(db: Path, runs: int = 3) -> dict[str, float | None]:
    """The report's totals three ways, in-process, the median of `runs` rounds."""
    rounds = [_report_once(db) for _ in range(runs)]
    return {
        k: (None if rounds[0][k] is None else statistics.median(r[k] for r in rounds))
        for k in rounds[0]
    }


def _report_once(db: Path) -> dict[str, float | None]:
    """The report's totals three ways, in-process: calloff, one SQL query, pandas."""
    from calloff.domain.dates import FinancialYear
    from calloff.reports.quarterly import quarterly
    from calloff.store.database import Store

    year = FinancialYear.parse(YEAR)
    start, end = year.quarter_dates(QUARTER)
    store = Store.open(db)
    t = time.perf_counter()
    quarterly(store, year, QUARTER)
    ours = time.perf_counter() - t
    store.close()
    sql = f"""
        SELECT lot, provider_id, funding, SUM(committed), SUM(spent_q), SUM(spent_ytd) FROM (
          SELECT lot, provider_id, funding, delta_pence AS committed, 0 AS spent_q,
                 0 AS spent_ytd
          FROM changes WHERE year = '{YEAR}' AND effective_on <= '{end}'
          UNION ALL
          SELECT c.lot, c.provider_id, c.funding, 0,
                 CASE WHEN sp.spent_on >= '{start}' THEN sp.amount_pence ELSE 0 END,
                 sp.amount_pence
          FROM spend sp JOIN calloffs c ON c.id = sp.calloff_id
          WHERE sp.spent_on BETWEEN '{year.start}' AND '{end}')
        GROUP BY lot, provider_id, funding"""
    # The report's programme figure (practitioners trained to date, and what they cost):
    # every completed call-off's invoice lines, whatever the quarter, so the comparison
    # adds up the same totals as the report.
    programme = f"""
        SELECT c.lot, SUM(COALESCE(sp.attendees, 0)), SUM(sp.amount_pence)
        FROM (SELECT DISTINCT calloff_id FROM changes
              WHERE status = 'completed' AND effective_on <= '{end}') done
        JOIN calloffs c ON c.id = done.calloff_id JOIN spend sp ON sp.calloff_id = c.id
        GROUP BY c.lot"""
    conn = sqlite3.connect(db)
    t = time.perf_counter()
    conn.execute(sql).fetchall()
    conn.execute(programme).fetchall()
    one_query = time.perf_counter() - t
    pandas_time = None
    try:
        import pandas as pd

        t = time.perf_counter()
        ch = pd.read_sql_query(
            f"SELECT lot, provider_id, funding, delta_pence FROM changes WHERE year = "
            f"'{YEAR}' AND effective_on <= '{end}'",
            conn,
        )
        sp = pd.read_sql_query(
            f"SELECT c.lot, c.provider_id, c.funding, sp.spent_on, sp.amount_pence FROM spend "
            f"sp JOIN calloffs c ON c.id = sp.calloff_id WHERE sp.spent_on BETWEEN "
            f"'{year.start}' AND '{end}'",
            conn,
        )
        done = pd.read_sql_query(
            f"SELECT DISTINCT calloff_id FROM changes WHERE status = 'completed' AND "
            f"effective_on <= '{end}'",
            conn,
        )
        lines = pd.read_sql_query(
            "SELECT c.id AS calloff_id, c.lot, sp.attendees, sp.amount_pence FROM spend sp "
            "JOIN calloffs c ON c.id = sp.calloff_id",
            conn,
        )
        lines.merge(done, on="calloff_id").groupby("lot")[["attendees", "amount_pence"]].sum()
        sp["spent_q"] = sp["amount_pence"].where(sp["spent_on"] >= str(start), 0)
        ch.groupby(["lot", "provider_id", "funding"])["delta_pence"].sum()
        sp.groupby(["lot", "provider_id", "funding"])[["spent_q", "amount_pence"]].sum()
        pandas_time = time.perf_counter() - t
    except ImportError:
        pass
    conn.close()
    return {"report": ours, "sql": one_query, "pandas": pandas_time}


def library_rate(db: Path, ids: dict[str, int], count: int = 200) -> float:
    """Allocations per second through the library, each its own transaction."""
    from calloff.actions.service import Service
    from calloff.store.database import Store

    store = Store.open(db)
    svc = Service(store, "bench.officer")
    first = ids["spare_from"] + 100
    t = time.perf_counter()
    for rid in range(first, first + count):
        svc.allocate(rid, date(2024, 3, 1))
    rate = count / (time.perf_counter() - t)
    store.close()
    return rate


def concurrent(db: Path, ids: dict[str, int], workers: int = 16) -> int:
    """Sixteen officers at once: allocating, accepting, varying, adding and importing spend.
    Returns how many commands failed because the database was locked or busy."""
    spare, target = ids["spare_from"] + 320, ids["targets_from"]
    commands = []
    for n in range(workers):
        kind = n % 4
        if kind == 0:
            commands.append(["allocate", str(spare + n), "--on", "2024-03-01"])
        elif kind == 1:
            commands.append(
                [
                    "vary",
                    str(target + n),
                    "--value",
                    "99999",
                    "--reason",
                    "bench",
                    "--on",
                    "2024-03-01",
                ]
            )
        elif kind == 2:
            commands.append(
                [
                    "spend",
                    "add",
                    str(target + n),
                    "--amount",
                    "5",
                    "--date",
                    "2024-03-01",
                    "--invoice",
                    f"CONC-{n}",
                ]
            )
        else:
            path = OUT / "work" / f"conc-{n}.csv"
            with path.open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["calloff", "invoice", "date", "amount"])
                for k in range(50):
                    w.writerow([target + n, f"CONC-{n}-{k}", "2024-03-01", "1.00"])
            commands.append(["spend", "import", str(path)])
    procs = [
        subprocess.Popen(
            [CALLOFF, "--db", str(db), "--officer", f"officer.{n}", *c],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n, c in enumerate(commands)
    ]
    failed = 0
    for p in procs:
        _, err = p.communicate()
        text = err.decode()
        if p.returncode != 0 and ("busy" in text or "locked" in text):
            failed += 1
        elif p.returncode != 0:
            print(f"    (a concurrent command was refused: {text.strip()[:120]})")
    return failed


def measure(size: int, runs: int, concurrency: bool) -> dict[str, Any]:
    """Every figure for one size of database."""
    db, ids = cached(OUT, size)
    r: dict[str, tuple[float, float] | float | int | None] = {}
    work = work_copy(db, f"work-{size}.db")
    spare = ids["spare_from"]
    base = [CALLOFF, "--db", str(work)]
    few = max(3, runs // 2)

    def out(name: str) -> list[str]:
        return ["--output", str(OUT / "work" / name), "--force"]

    r["allocate"] = median_of(
        lambda n: [*base, "allocate", str(spare + n), "--on", "2024-03-01", "--json"], runs
    )
    r["headroom"] = median_of(lambda n: [*base, "headroom", "--year", YEAR, "--json"], runs)
    r["show"] = median_of(lambda n: [*base, "show", str(ids["targets_from"]), "--json"], runs)
    for fmt in ("md", "html", "csv", "json"):
        r[f"report {fmt}"] = median_of(
            lambda n, fmt=fmt: [
                *base, "report", "quarterly", "--year", YEAR, "--quarter", str(QUARTER),
                "--format", fmt, *out(f"report.{fmt}"),
            ],
            few,
        )  # fmt: skip
    r["report html, whole year"] = median_of(
        lambda n: [*base, "report", "quarterly", "--year", YEAR, "--format", "html",
                   *out("year.html")],
        few,
    )  # fmt: skip
    r["due --json"] = median_of(lambda n: [*base, "due", "--json"], few)
    r["publish payment-performance"] = median_of(
        lambda n: [*base, "publish", "payment-performance", "--half", HALF, *out("pp.csv")], few
    )
    r["publish payment-performance xlsx"] = median_of(
        lambda n: [*base, "publish", "payment-performance", "--half", HALF, "--format", "xlsx",
                   *out("pp.xlsx")],
        few,
    )  # fmt: skip
    r["publish spend"] = median_of(
        lambda n: [*base, "publish", "spend", "--year", YEAR, "--quarter", str(QUARTER),
                   *out("spend.csv")],
        few,
    )  # fmt: skip
    r["publish ocds --output"] = median_of(
        lambda n: [*base, "publish", "ocds", *out("ocds.json")], 1
    )
    r["audit verify"] = median_of(lambda n: [*base, "audit", "verify"], 1)
    imp = import_file(ids, work)
    r["spend import 10k"] = median_of(lambda n: [*base, "spend", "import", str(imp)], 1)
    r["library allocations/s"] = library_rate(work, ids)
    r.update({f"ratio {k}": v for k, v in report_ratios(work).items()})
    r.update({f"data {k}": v for k, v in data_counts(db).items()})
    if concurrency:
        r["concurrent lock failures"] = concurrent(work, ids)
    print(
        f"  {size:>7,} call-offs: "
        + ", ".join(f"{k} {v[0]:.2f} s" for k, v in r.items() if isinstance(v, tuple))
    )
    return r


def data_counts(db: Path) -> dict[str, float]:
    """What the database holds: the work each command's figures are for."""
    conn = sqlite3.connect(db)
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    found = {
        "call-offs": one("SELECT COUNT(*) FROM calloffs"),
        "declined or lapsed": one(
            "SELECT COUNT(*) FROM calloffs WHERE status IN ('declined', 'lapsed')"
        ),
        "approved": one("SELECT COUNT(*) FROM calloffs WHERE approved_on IS NOT NULL"),
        "completed or cancelled": one(
            "SELECT COUNT(*) FROM calloffs WHERE status IN ('completed', 'cancelled')"
        ),
        "variations": one("SELECT COUNT(*) FROM variations"),
        "invoice lines": one("SELECT COUNT(*) FROM spend"),
        "lines over £500": one("SELECT COUNT(*) FROM spend WHERE amount_pence > 50000"),
        "lines paid": one("SELECT COUNT(*) FROM spend WHERE paid_on IS NOT NULL"),
        "lines in the report's year": one(
            f"SELECT COUNT(*) FROM spend WHERE spent_on BETWEEN '{YEAR[:4]}-04-01' "
            f"AND '{int(YEAR[:4]) + 1}-03-31'"
        ),
        "published": one("SELECT COUNT(*) FROM publications"),
        "audit events": one("SELECT COUNT(*) FROM events"),
        "file MB": db.stat().st_size / 2**20,
    }
    conn.close()
    return found


def cached(folder: Path, size: int) -> tuple[Path, dict[str, int]]:
    from build import cached as built

    return built(folder, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = args.runs
    print(
        f"calloff benchmark on {platform.machine()}, "
        f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}"
    )
    results: dict[int, dict[str, tuple[float, float] | float | int | None]] = {}
    for size in sizes:
        results[size] = measure(size, runs, concurrency=size == max(sizes))
    help_ours = median_of(lambda n: [CALLOFF, "--help"], runs)[0]
    help_theirs = median_of(lambda n: [str(BIN / "sqlite-utils"), "--help"], runs)[0]
    from figures import table, targets

    table(results)
    events = {s: results[s]["data audit events"] for s in sizes}
    targets(results, sizes, help_ours, help_theirs, events)
    shutil.rmtree(OUT / "work", ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("TMPDIR", tempfile.gettempdir())
    main()
