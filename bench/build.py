"""Build the benchmark's databases through the library, the way an officer's commands
would, only in one transaction per few thousand actions (a batch of `Store.transaction()`
calls nested as savepoints): every action still records its audit event, so the chain of
a built database verifies like any other.

Each database holds `size` call-offs with their spend (ten invoice lines each), plus the
same fixed extras in every size: 1,000 accepted call-offs with no spend yet (for the spend
import), and 400 requests not yet allocated (for the allocation timings).
"""

from __future__ import annotations

import csv
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from calloff.actions.service import Service
from calloff.domain import definition, officers
from calloff.store.database import Store

HERE = Path(__file__).resolve().parent
LINES_PER_CALLOFF = 10
IMPORT_TARGETS = 1000
SPARE_REQUESTS = 400
BATCH = 2000
TERM_START = date(2020, 4, 1)
TERM_DAYS = 4 * 365 - 60


def build(path: Path, size: int, seed: int = 2020, say=print) -> dict[str, int]:
    """A database of `size` call-offs with spend; returns the ids the timings use."""
    rng = random.Random(seed)
    fw = definition.load(HERE / "national.toml")
    # The account running the bench is the first officer, as at `calloff init`; the
    # sixteen officers of the concurrent run are registered from the start of the term.
    account = officers.process_account()
    store = Store.create(path, fw, account)
    svc = Service(store, account)
    for n in range(16):
        svc.registrar.add(
            f"officer.{n}", f"Officer {n}", ["officer", "approver", "finance"], None, None,
            TERM_START,
        )  # fmt: skip
    providers = [
        svc.setup.add_provider(f"Provider {n:02d} Training Ltd", "standard", TERM_START)
        for n in range(1, 49)
    ]
    for lot in range(1, 9):
        ranked = providers[(lot - 1) * 6 : lot * 6]
        svc.setup.set_ranking(lot, ranked, TERM_START)
        for rank, pid in enumerate(ranked):
            svc.setup.set_prices(lot, pid, {"day": Decimal(700 + 25 * rank)}, TERM_START)
    started = time.perf_counter()
    targets: list[int] = []
    spare: list[int] = []
    total = size + IMPORT_TARGETS + SPARE_REQUESTS
    made = 0
    spend_file = path.with_suffix(".spend.csv")
    while made < total:
        lines: list[tuple[int, str, str, str]] = []
        with store.transaction():
            for _ in range(min(BATCH, total - made)):
                made += 1
                offered = TERM_START + timedelta(days=int(TERM_DAYS * made / (total + 1)))
                lot = rng.randint(1, 8)
                start = offered + timedelta(days=rng.randint(14, 40))
                funding = "grant" if rng.random() < 0.2 else "core"
                rid = svc.add_request(
                    lot,
                    f"Training request {made}",
                    start,
                    start + timedelta(days=rng.randint(0, 4)),
                    None,
                    rng.randint(1, 10),
                    "day",
                    funding,
                    rng.randint(5, 40),
                    offered,
                )
                if made > size + IMPORT_TARGETS:
                    spare.append(rid)
                    continue
                outcome = svc.allocate(rid, offered)
                assert outcome.calloff is not None, outcome.refused
                c = svc.accept(outcome.calloff.id, offered + timedelta(days=1))
                if made > size:
                    targets.append(c.id)
                    continue
                share = (c.value / 2 / LINES_PER_CALLOFF).quantize(Decimal("0.01"))
                lines += [
                    (
                        c.id,
                        f"INV-{c.id}-{n}",
                        (start + timedelta(days=n % 5)).isoformat(),
                        str(share),
                    )
                    for n in range(LINES_PER_CALLOFF)
                ]
            if lines:  # the invoice lines of the batch, as an officer's CSV import
                with spend_file.open("w", newline="") as f:
                    writer = csv.writer(f)
                    writer.writerow(["calloff", "invoice", "date", "amount"])
                    writer.writerows(lines)
                svc.spending.import_spend(spend_file)
        if say and made % 20000 < BATCH:
            say(
                f"  {path.name}: {made:,} of {total:,} requests "
                f"({time.perf_counter() - started:.0f} s)"
            )
    spend_file.unlink(missing_ok=True)
    store.close()
    return {
        "targets_from": targets[0],
        "targets_to": targets[-1],
        "spare_from": spare[0],
        "spare_to": spare[-1],
    }


def cache_key() -> str:
    """Built databases are kept and reused while the builder and the schema are the same."""
    import hashlib

    from calloff.store.schema import SCHEMA_VERSION

    store = HERE.parent / "framework" / "calloff" / "store"
    text = b"".join(
        p.read_bytes()
        for p in (HERE / "build.py", HERE / "national.toml", *sorted(store.glob("*.py")))
    )
    return f"{SCHEMA_VERSION}-{hashlib.sha256(text).hexdigest()[:16]}"


def cached(folder: Path, size: int, say=print) -> tuple[Path, dict[str, int]]:
    """The database of `size` call-offs in `folder`, built unless a current one is there."""
    import json

    path, stamp = folder / f"db-{size}.db", folder / f"db-{size}.json"
    if path.exists() and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("key") == cache_key():
            return path, saved["ids"]
    folder.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    say(f"building {path} ({size:,} call-offs with spend; reused by later runs)")
    ids = build(path, size, say=say)
    stamp.write_text(json.dumps({"key": cache_key(), "ids": ids}))
    return path, ids


if __name__ == "__main__":
    import sys

    for size in sys.argv[2:]:
        cached(Path(sys.argv[1]), int(size))
