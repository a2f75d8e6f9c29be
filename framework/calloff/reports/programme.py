"""The programme figure: practitioners trained against the definition's target, and the
cost per practitioner trained, per lot and in total (docs/reports.md).

Practitioners trained are the attendees on the invoice lines of *completed* call-offs:
an invoice says how many attended what it bills, and only a completed call-off's training
is all delivered and billed, so its cost per head is final. One whose invoices record no
attendees (a conference delivered, or attendees not written down) is left out, its cost
too, so it cannot inflate the cost per practitioner. The figure runs from the framework's
start to the report's last day (the programme to date, whatever financial year each
call-off belongs to), as recorded by the report's audit event.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from calloff.domain.model import Framework
from calloff.domain.money import PENNY, ZERO, from_pence, json_money
from calloff.store.database import Store
from calloff.store.report_programme import trained_by_lot

TENTH = Decimal("0.1")


def target_of(fw: Framework) -> int | None:
    """The framework's target of practitioners trained, as its definition set it (Leeds:
    6,000); None where none is set."""
    return fw.practitioners_target


def cost_per_head(spent: Decimal, trained: int) -> Decimal | None:
    """Spend ÷ practitioners trained, rounded half up to the penny; None with nobody."""
    if trained <= 0:
        return None
    return (spent / trained).quantize(PENNY, rounding=ROUND_HALF_UP)


def programme(store: Store, fw: Framework, at: date, upto: int) -> dict[str, Any]:
    """The programme figure as at day `at`, as recorded by event `upto`."""
    titles = {lot.number: lot.title for lot in fw.lots}
    rows = trained_by_lot(store, at, upto)
    target = target_of(fw)
    by_lot = []
    trained, calloffs, spent = 0, 0, ZERO
    for row in rows:
        lot_spent = from_pence(row["spent"])
        by_lot.append(
            {
                "lot": row["lot"],
                "title": titles.get(row["lot"], ""),
                "calloffs": row["calloffs"],
                "trained": row["trained"],
                "spent": json_money(lot_spent),
                "cost_per_practitioner": json_money(cost_per_head(lot_spent, row["trained"])),
            }
        )
        trained += row["trained"]
        calloffs += row["calloffs"]
        spent += lot_spent
    share = None
    if target:
        share = f"{(Decimal(trained) * 100 / target).quantize(TENTH, rounding=ROUND_HALF_UP):f}"
    return {
        "as_at": at.isoformat(),
        "target": target,
        "trained": trained,
        "share_of_target": share,
        "calloffs": calloffs,
        "spent": json_money(spent),
        "cost_per_practitioner": json_money(cost_per_head(spent, trained)),
        "by_lot": by_lot,
    }
