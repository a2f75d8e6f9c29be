"""Build the benchmark's databases through the library, the way an officer's commands
would, only in one transaction per few thousand actions (a batch of `Store.transaction()`
calls nested as savepoints): every action still records its audit event, so the chain of
a built database verifies like any other.

Each database holds `size` call-offs spread over the whole term, so every size has the
same work in the report's year and quarter, and every size takes every path the commands
take: offers declined and lapsed (each cascading to the next provider), call-offs over the
approval threshold approved by a second officer, variations (some over 10%, which owe a
change notice), ten invoice lines each with an invoice over £500, most of them received
and paid (some late, some not yet), call-offs completed or cancelled, and half of the
contract details notices recorded published (a tenth of those late). The same fixed
extras are in every size: 1,000 accepted call-offs with no spend yet (for the spend
import), and 400 requests not yet allocated (for the allocation timings).
"""

from __future__ import annotations

import csv
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from calloff.actions.service import Service
from calloff.domain import definition, officers
from calloff.publishing.published import Publications
from calloff.store.database import Store

HERE = Path(__file__).resolve().parent
LINES_PER_CALLOFF = 10
IMPORT_TARGETS = 1000
SPARE_REQUESTS = 400
BATCH = 2000
TERM_START = date(2020, 4, 1)
TERM_DAYS = 4 * 365 - 60
APPROVER = "officer.1"  # a second officer approves what the account running the bench raised
# The share of call-offs that take each path (the rest are offered, accepted and invoiced).
LARGE = 0.01  # over the approval threshold (£100,000): approved before the offer goes out
DECLINED = 0.04  # the first provider declines; the next one accepts
LAPSED = 0.02  # the first provider does not answer; the offer lapses; the next one accepts
VARIED = 0.05  # varied once after acceptance, half of them by more than 10%
COMPLETED = 0.6  # completed after their last invoice
CANCELLED = 0.03  # cancelled after their last invoice
UNPAID = 0.1  # invoice lines not paid yet
PUBLISHED = 0.5  # details notices recorded published (a tenth of them late)


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
    approver = Service(store, APPROVER)
    publications = Publications(store, account)
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
        lines: list[list[str]] = []
        settle: list[tuple[int, date]] = []
        with store.transaction():
            for _ in range(min(BATCH, total - made)):
                made += 1
                if made <= size:  # spread over the whole term, whatever the size
                    offered = _day(made, size)
                elif made <= size + IMPORT_TARGETS:
                    offered = _day(made - size, IMPORT_TARGETS)
                else:  # the spare requests, at the term's end
                    offered = TERM_START + timedelta(days=TERM_DAYS - 30)
                # The spare requests are allocated by the timings: none waits for approval.
                request = _request(svc, rng, made, offered, made <= size + IMPORT_TARGETS)
                if made > size + IMPORT_TARGETS:
                    spare.append(request)
                    continue
                # The import's call-offs are accepted at once: one each, numbered in a row.
                every_path = made <= size
                c, accepted_on = _offer_and_accept(svc, approver, rng, request, offered, every_path)
                if made > size:
                    targets.append(c.id)
                    continue
                if rng.random() < VARIED:
                    more = Decimal("1.25") if rng.random() < 0.5 else Decimal("1.05")
                    approver.spending.vary(  # a second officer, as over the threshold
                        c.id, (c.value * more).quantize(Decimal("0.01")), "more places",
                        accepted_on,
                    )  # fmt: skip
                if rng.random() < PUBLISHED:  # the contract details notice, as `published`
                    late = rng.randint(31, 60) if rng.random() < 0.1 else rng.randint(1, 30)
                    shown = accepted_on + timedelta(days=late - 1)
                    publications.record(f"calloff-{c.id}-details", shown, f"UK7-{c.id}")
                start = svc.store.request(c.request_id).start
                lines += _invoices(rng, c.id, c.value, start)
                settle.append((c.id, start + timedelta(days=LINES_PER_CALLOFF // 2)))
            if lines:  # the invoice lines of the batch, as an officer's CSV import
                with spend_file.open("w", newline="") as f:
                    writer = csv.writer(f)
                    writer.writerow(["calloff", "invoice", "date", "amount", "received", "paid"])
                    writer.writerows(lines)
                svc.spending.import_spend(spend_file)
            for cid, last in settle:  # completed or cancelled once invoiced
                roll = rng.random()
                if roll < COMPLETED:
                    svc.spending.complete(cid, last)
                elif roll < COMPLETED + CANCELLED:
                    svc.spending.cancel(cid, "no longer needed", last)
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


def _day(n: int, of: int) -> date:
    """The day the `n`th of `of` requests is offered: evenly over the term."""
    return TERM_START + timedelta(days=int(TERM_DAYS * n / (of + 1)))


def _request(svc: Service, rng: random.Random, n: int, offered: date, large_too: bool) -> int:
    """A request for days of training, or (LARGE of them, if `large_too`) a fixed price
    over the approval threshold and under the threshold of a contract award notice."""
    lot = rng.randint(1, 8)
    start = offered + timedelta(days=rng.randint(14, 40))
    funding = "grant" if rng.random() < 0.2 else "core"
    large = rng.random() < LARGE and large_too
    value = Decimal(rng.randint(100_000, 150_000)) if large else None
    days = None if large else rng.randint(1, 10)
    end = start + timedelta(days=rng.randint(0, 4))
    return svc.add_request(
        lot, f"Training request {n}", start, end, value, days, None if large else "day",
        funding, rng.randint(5, 40), offered,
    )  # fmt: skip


def _offer_and_accept(
    svc: Service,
    approver: Service,
    rng: random.Random,
    request: int,
    offered: date,
    every_path: bool = True,
) -> tuple[Any, date]:
    """Allocate; approve an offer over the threshold; let DECLINED of the first offers be
    declined and LAPSED lapse (if `every_path`), each cascading to the next provider;
    accept the offer that stands. Returns the accepted call-off and the day accepted."""
    outcome = svc.allocate(request, offered)
    c = _approved(approver, outcome, offered)
    roll = rng.random() if every_path else 1.0
    if roll < DECLINED:
        offered += timedelta(days=1)
        c = _approved(approver, svc.decline(c.id, "fully booked", offered), offered)
    elif roll < DECLINED + LAPSED:
        offered = c.respond_by + timedelta(days=1)
        (lapse,) = svc.lapse(offered)
        c = _approved(approver, lapse.outcome, offered)
    accepted_on = offered + timedelta(days=1)
    return svc.accept(c.id, accepted_on), accepted_on


def _approved(approver: Service, outcome: Any, on: date) -> Any:
    assert outcome.calloff is not None, outcome.refused
    c = outcome.calloff
    if c.status == "awaiting_approval":
        c = approver.approve(c.id, on)
    return c


def _invoices(rng: random.Random, cid: int, value: Decimal, start: date) -> list[list[str]]:
    """Ten invoice lines, a quarter of the value and then 3% each (the first over £500 for
    almost every call-off), each received a few days after its date and most of them paid:
    within 30 days, in 31 to 60 or later."""
    lines = []
    for n in range(LINES_PER_CALLOFF):
        share = Decimal("0.25") if n == 0 else Decimal("0.03")
        dated = start + timedelta(days=n % 5)
        received = dated + timedelta(days=rng.randint(0, 3))
        paid = ""
        if rng.random() >= UNPAID:
            late = rng.random()
            days = rng.randint(5, 30) if late < 0.7 else rng.randint(31, 60) if late < 0.9 else 75
            paid = (received + timedelta(days=days)).isoformat()
        amount = (value * share).quantize(Decimal("0.01"))
        lines.append(
            [str(cid), f"INV-{cid}-{n}", dated.isoformat(), str(amount), received.isoformat(), paid]
        )
    return lines


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
