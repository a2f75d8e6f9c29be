"""The demo's second framework: a competition on Borsetshire's `either` lot, end to end.

Borsetshire (fictional, embedded) awards lot 2 by the ranking or by competition. The demo
opens a competition there, records three bids and a no-bid, refuses a late bid, awards
to the highest total (a tie broken by rank), waits out the standstill, and writes the
bidders' letters and the award record, through the library calls the commands use.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from calloff import definition
from calloff.errors import RuleBroken
from calloff.money import format_money
from calloff.orders import render_record
from calloff.service import Service
from calloff.storage import Store

if TYPE_CHECKING:
    from calloff.demo import DemoFolder

DATABASE = "competition.db"
FILES = tuple(DATABASE + suffix for suffix in ("", "-wal", "-shm", "-journal"))
BIDDERS = [
    # name, VAT, price, quality score
    ("Ashgrove Restorative Partners", "standard", "12000.00", "80"),
    ("Brookside Conferencing CIC", "exempt", "9000.00", "60"),
    ("Copperfield Family Practice", "exempt", "10000.00", "70"),
    ("Dunmore Circles Ltd", "standard", None, None),
]


def run_competition(folder: DemoFolder, officer: str, program: str) -> list[str]:
    """Build competition.db in the demo folder; the lines say what happened."""
    from calloff.competition_view import render_letters
    from calloff.standing import standing

    path = folder.directory / DATABASE
    store = Store.create(path, definition.embedded("borsetshire-rp-2026"), officer)
    svc = Service(store, officer)
    setup = date(2026, 4, 1)
    ids = [svc.setup.add_provider(name, vat, setup) for name, vat, *_ in BIDDERS]
    svc.setup.set_ranking(2, ids, setup)
    request = svc.add_request(
        2,
        "Family group conferencing for 12 families",
        date(2026, 9, 1),
        date(2026, 12, 18),
        Decimal("10000.00"),
        None,
        None,
        None,
        None,
        date(2026, 5, 1),
    )
    desk = svc.competitions
    k = desk.open(request, date(2026, 5, 15), date(2026, 5, 1))
    lines = [
        f"Competition database: {path}",
        f"Competition {k.id} on Borsetshire lot 2 (ranking or competition) for request "
        f"{request}: {len(ids)} providers invited, closing {k.closes_on}; weights quality 60, "
        "price 40.",
    ]
    for (name, _, price, score), on in zip(BIDDERS, (11, 12, 15, 13), strict=True):
        if price is None:
            desk.no_bid(k.id, name, "no trainer free in the autumn", date(2026, 5, on))
            continue
        desk.bid(k.id, name, Decimal(price), {"quality": str(score)}, date(2026, 5, on))
    try:
        desk.bid(k.id, BIDDERS[3][0], Decimal("8500.00"), {"quality": "75"}, date(2026, 5, 18))
    except RuleBroken as e:
        lines.append(f"Refused, as it should be: {e}")
    calloff = desk.award(k.id, date(2026, 5, 18))
    results = standing(store, k.id).results
    order = "; ".join(f"{r.position}. {r.bid.name}" for r in results)
    lines.append(
        f"Scored: {order} (the first two tie at 78.00: the better rank wins). Call-off "
        f"{calloff.id} offered to {BIDDERS[0][0]} at {format_money(calloff.value)}; "
        f"standstill ends {calloff.standstill_ends}."
    )
    try:
        svc.accept(calloff.id, date(2026, 5, 28))
    except RuleBroken as e:
        lines.append(f"Refused, as it should be: {e}")
    svc.accept(calloff.id, date(2026, 5, 29))
    lines.append(f"Call-off {calloff.id} accepted on 2026-05-29, after the standstill.")
    for name, text in render_letters(standing(store, k.id), store.framework(), "md"):
        lines.append(f"Assessment summary (for a bidder): {folder.write(name, text)}")
    for fmt in ("md", "html"):
        written = folder.write(f"record-competition-{calloff.id}.{fmt}",
                               render_record(svc, calloff.id, fmt))  # fmt: skip
        lines.append(f"Award record (for the council's file): {written}")
    store.close()
    lines.append(f"  {program} --db {path} competition show {k.id}")
    return lines
