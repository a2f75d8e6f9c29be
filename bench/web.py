"""`make bench`, the workspace: 16 signed-in officers doing mixed work for 60 seconds.

Against the 10,000 and 100,000 call-off databases (built by bench/build.py, as `make
bench` builds them), `calloff serve` runs in its own process and sixteen clients, one per
officer, each signed in with a password, loop over the officer's day: the home page, the
request list, a call-off's page, the quarterly report's page, an allocation (its form,
then the POST) and the acceptance of the offer it made (form, check, confirm); the first
client is a finance officer who, between those, imports spend files of 200 invoice lines
through the browser (upload, preview, confirm) while the others allocate; pausing between
clicks as a
person reading the page does (`--think`, a mean of 1 s; 0 for none, which measures how
many requests a second the server can take). It reports requests per second,
p50 and p95 for pages and for allocations, errors (any 5xx, or a page that did not say
what it should), ceiling breaches (any capped stream below zero afterwards) and lost
lines (invoice lines an import confirmed that the database does not hold, or holds twice).
The goals (docs/performance.md): 0 errors, 0 breaches, 0 lost lines; p95 at most 300 ms
for the officer's pages, 500 ms for an allocation, 1,500 ms for the quarterly report's page
(a quarter's spend worked out afresh whenever anything new is recorded) and 1,000 ms for
confirming a 200-line spend import.

    python bench/web.py [--sizes 10000,100000] [--seconds 60] [--clients 16]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

YEAR, QUARTER = "2022-23", 2  # the report's period, as bench/bench.py's
IMPORT_LINES = 200  # invoice lines in each spend file the finance officer imports

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
OUT = HERE.parent / "bench-output"
CALLOFF = str(Path(sys.executable).parent / "calloff")
PASSWORD = "bench pass phrase for officers"
ON = {"on-day": "1", "on-month": "3", "on-year": "2024"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def prepare(size: int) -> tuple[Path, dict[str, int]]:
    """A working copy of the cached database, with the sixteen officers' passwords."""
    from build import cached

    import calloff

    built, ids = cached(OUT, size)
    work = OUT / "work"
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"web-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(built, db)
    with calloff.open(db) as office:
        for n in range(16):
            office.set_password(f"officer.{n}", password=PASSWORD)
    return db, ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client(threading.Thread):
    """One officer in the browser, timing each request by kind."""

    def __init__(
        self,
        n: int,
        base: str,
        ids: dict[str, int],
        size: int,
        until: float,
        think: float,
        starts: dict[int, str],
    ):
        super().__init__(daemon=True)
        self.starts = starts  # the call-offs kept for imports, with their start dates
        self.imported = 0  # invoice lines an import confirmed
        self.files = 0
        self.n, self.base, self.until, self.think = n, base, until, think
        self.http = requests.Session()
        self.spares = list(range(ids["spare_from"] + n, ids["spare_to"] + 1, 16))
        self.largest = max(size, 1)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.offers: list[int] = []
        self.rng = random.Random(n)

    def timed(self, kind: str, method: str, path: str, **kwargs) -> requests.Response:
        started = time.perf_counter()
        answer = self.http.request(method, self.base + path, allow_redirects=False, **kwargs)
        self.times[kind].append(time.perf_counter() - started)
        if answer.status_code >= 500:
            self.errors.append(f"{method} {path}: {answer.status_code}")
        return answer

    def token(self, page: requests.Response) -> str:
        found = TOKEN.search(page.text)
        if not found:
            self.errors.append(f"no token on {page.url} ({page.status_code})")
            return ""
        return found.group(1)

    def sign_in(self) -> None:
        page = self.http.get(self.base + "/sign-in")
        answer = self.http.post(
            self.base + "/sign-in",
            data={
                "login": f"officer.{self.n}",
                "password": PASSWORD,
                "csrf_token": self.token(page),
            },
            allow_redirects=False,
        )
        if answer.status_code != 302:
            self.errors.append(f"officer.{self.n} could not sign in: {answer.status_code}")

    def run(self) -> None:
        self.sign_in()
        while time.time() < self.until:
            if self.think:  # an officer reads a page before the next click
                time.sleep(self.rng.uniform(0.5, 1.5) * self.think)
            roll = self.rng.random()
            if self.n == 0 and roll < 0.3:
                self.import_spend()
            elif roll < 0.1:
                self.check(
                    "report",
                    "GET",
                    f"/reports?year={YEAR}&quarter={QUARTER}",
                    "Spend against contract",
                )
            elif roll < 0.2:
                self.check("home", "GET", "/", "What needs you now")
            elif roll < 0.4:
                self.check("requests", "GET", "/requests?lot=1", "Requests")
            elif roll < 0.7:
                cid = self.rng.randint(1, self.largest)
                self.check("call-off", "GET", f"/calloffs/{cid}", f"Call-off {cid}")
            elif roll < 0.85 and self.spares:
                self.allocate(self.spares.pop(0))
            elif self.offers:
                self.accept(self.offers.pop(0))

    def check(self, kind: str, method: str, path: str, says: str) -> requests.Response:
        answer = self.timed(kind, method, path)
        if answer.status_code == 200 and says not in answer.text:
            self.errors.append(f"{path} did not say {says!r}")
        elif answer.status_code not in (200,):
            self.errors.append(f"{path}: {answer.status_code}")
        return answer

    def import_spend(self) -> None:
        """A spend file of 200 new lines (ten call-offs, twenty each, £1.00 a line)
        uploaded, previewed and confirmed, as a finance officer does in the browser."""
        self.files += 1
        chosen = self.rng.sample(sorted(self.starts), 10)
        rows = ["calloff,invoice,date,amount"] + [
            f"{cid},WEB-{self.files}-{cid}-{k},{self.starts[cid]},1.00"
            for cid in chosen
            for k in range(IMPORT_LINES // 10)
        ]
        form = self.timed("page", "GET", "/spend/import")
        preview = self.timed(
            "preview",
            "POST",
            "/spend/import",
            data={"csrf_token": self.token(form)},
            files={"file": (f"spend-{self.files}.csv", "\n".join(rows) + "\n", "text/csv")},
        )
        hidden = dict(re.findall(r'name="(digest|fingerprint|name)" value="([^"]*)"', preview.text))
        if preview.status_code != 200 or "fingerprint" not in hidden:
            self.errors.append(f"spend preview: {preview.status_code}")
            return
        done = self.timed(
            "import",
            "POST",
            "/spend/import/confirm",
            data={**hidden, "csrf_token": self.token(preview)},
        )
        if done.status_code == 302:
            self.imported += IMPORT_LINES
        elif done.status_code != 400:  # 400: refused (a line added meanwhile), nothing written
            self.errors.append(f"spend import: {done.status_code}")

    def allocate(self, request_id: int) -> None:
        form = self.timed("page", "GET", f"/requests/{request_id}/allocate")
        answer = self.timed(
            "allocate",
            "POST",
            f"/requests/{request_id}/allocate",
            data={**ON, "csrf_token": self.token(form)},
        )
        found = re.search(r"/calloffs/(\d+)$", answer.headers.get("Location", ""))
        if answer.status_code == 302 and found:  # to the new call-off's page
            self.offers.append(int(found.group(1)))
        elif answer.status_code != 400:  # 400: refused by a rule, with its sentence
            self.errors.append(f"allocate {request_id}: {answer.status_code}")

    def accept(self, calloff_id: int) -> None:
        path = f"/calloffs/{calloff_id}/accept"
        form = self.timed("page", "GET", path)
        data = {**ON, "csrf_token": self.token(form)}
        self.timed("page", "POST", path, data=data)
        done = self.timed("accept", "POST", path, data={**data, "confirm": "yes"})
        if done.status_code not in (302, 400):
            self.errors.append(f"accept {calloff_id}: {done.status_code}")


def p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def breaches(db: Path) -> int:
    """Capped streams below zero in any year of the term, after the run."""
    import calloff

    found = 0
    with calloff.open(db) as office:
        fw = office.framework
        start, end = fw.term.start.year, fw.term.latest_end.year
        for year in range(start, end + 1):
            position = office.headroom(year=f"{year}-{str(year + 1)[2:]}")
            found += sum(1 for s in position.streams if s.headroom is not None and s.headroom < 0)
    return found


def import_starts(db: Path, ids: dict[str, int]) -> dict[int, str]:
    """The call-offs kept for imports, with their requests' start dates."""
    conn = sqlite3.connect(db)
    found = dict(
        conn.execute(
            "SELECT c.id, r.start FROM calloffs c JOIN requests r ON r.id = c.request_id "
            "WHERE c.id BETWEEN ? AND ?",
            [ids["targets_from"], ids["targets_to"]],
        )
    )
    conn.close()
    return found


def web_lines(db: Path) -> int:
    """Invoice lines the browser's imports wrote."""
    conn = sqlite3.connect(db)
    (found,) = conn.execute("SELECT COUNT(*) FROM spend WHERE invoice LIKE 'WEB-%'").fetchone()
    conn.close()
    return int(found)


def measure(size: int, seconds: int, clients: int, think: float) -> dict[str, object]:
    db, ids = prepare(size)
    starts = import_starts(db, ids)
    port = free_port()
    server = subprocess.Popen(
        [CALLOFF, "--db", str(db), "serve", "--port", str(port), "--threads", str(clients)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CALLOFF_SECRET_KEY": "bench"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(base + "/sign-in", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        until = time.time() + seconds
        team = [Client(n, base, ids, size, until, think, starts) for n in range(clients)]
        for c in team:
            c.start()
        for c in team:
            c.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    times: dict[str, list[float]] = defaultdict(list)
    for c in team:
        for kind, values in c.times.items():
            times[kind] += values
    # The officer's day: every page but the writes, the report (a quarter's figures
    # worked out from its spend, a document of its own) and the spend file's steps.
    heavy = ("allocate", "accept", "report", "preview", "import")
    pages = [t for k, v in times.items() if k not in heavy for t in v]
    confirmed = sum(c.imported for c in team)
    errors = [e for c in team for e in c.errors]
    total = sum(len(v) for v in times.values())
    return {
        "size": size,
        "requests": total,
        "rate": total / seconds,
        "pages_p50": p(pages, 0.5),
        "pages_p95": p(pages, 0.95),
        "allocate_p95": p(times["allocate"], 0.95),
        "allocations": len(times["allocate"]),
        "accept_p95": p(times["accept"], 0.95),
        "report_p95": p(times["report"], 0.95),
        "import_p95": p(times["import"], 0.95),
        "by_kind": {k: (len(v), p(v, 0.5), p(v, 0.95)) for k, v in sorted(times.items())},
        "errors": errors,
        "breaches": breaches(db),
        "imported": confirmed,
        "lost": abs(web_lines(db) - confirmed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds an officer reads a page before the next click (0: none)",
    )
    args = parser.parse_args()
    print(
        f"\nThe workspace: {args.clients} signed-in clients for {args.seconds} s, "
        f"{args.think:g} s between clicks on average, {os.cpu_count()} CPU(s)"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size, args.seconds, args.clients, args.think)
        print(
            f"{size:>7,} call-offs: {r['requests']:,} requests ({r['rate']:.0f}/s); pages "
            f"p50 {r['pages_p50']:.0f} ms, p95 {r['pages_p95']:.0f} ms; allocation p95 "
            f"{r['allocate_p95']:.0f} ms ({r['allocations']} made); accept p95 "
            f"{r['accept_p95']:.0f} ms; errors {len(r['errors'])}; ceiling breaches "
            f"{r['breaches']}; {r['imported']:,} invoice lines imported, {r['lost']} lost"
        )
        for kind, (count, p50, p95) in r["by_kind"].items():  # type: ignore[attr-defined]
            print(f"    {kind:<9} {count:>6,}  p50 {p50:6.0f} ms  p95 {p95:6.0f} ms")
        for e in r["errors"][:5]:  # type: ignore[index]
            print(f"    error: {e}")
        ok = (
            not r["errors"]
            and r["breaches"] == 0
            and r["lost"] == 0
            and r["pages_p95"] <= 300
            and r["allocate_p95"] <= 500
            and r["report_p95"] <= 1500
            and r["import_p95"] <= 1000
        )
        print(
            "    target (0 errors, 0 breaches, 0 lost lines; p95: pages ≤ 300 ms, allocation "
            "≤ 500 ms, the report page ≤ 1,500 ms, a 200-line spend import ≤ 1,000 ms): "
            + ("met" if ok else "NOT met")
        )
    shutil.rmtree(OUT / "work", ignore_errors=True)


if __name__ == "__main__":
    main()
