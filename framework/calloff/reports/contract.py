"""Spend against the framework's estimated value: what the framework has spent (and
committed) to the report's last day, as a share of the value its definition estimates
(docs/reports.md, "Against the framework's estimated value").

The sums come from SQL (`calloff.store.report_contract`); the shares are worked in
Decimal, rounded half up to 2 decimal places: £3,750.50 of £260,000.00 is 1.44%.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from calloff.domain.model import Framework
from calloff.domain.money import from_pence, json_money
from calloff.store.database import Store
from calloff.store.report_contract import by_cost_centre, framework_to_date

HUNDREDTH = Decimal("0.01")


def percent_of(part: Decimal, whole: Decimal) -> str | None:
    """`part` as a percentage of `whole`, 2 decimal places rounded half up, as text
    ("1.44"); None when `whole` is not above zero."""
    if whole <= 0:
        return None
    return f"{(part * 100 / whole).quantize(HUNDREDTH, rounding=ROUND_HALF_UP):f}"


def against_estimate(store: Store, fw: Framework, at: date, upto: int) -> dict[str, Any] | None:
    """The figure on day `at` as recorded by event `upto`; None where the framework's
    definition gives no estimated value."""
    estimated = fw.facts.estimated_value
    if estimated is None:
        return None
    spent_pence, committed_pence = framework_to_date(store, at, upto)
    spent, committed = from_pence(spent_pence), from_pence(committed_pence)
    return {
        "estimated_value": json_money(estimated),
        "spent": json_money(spent),
        "spent_percent": percent_of(spent, estimated),
        "maximum_value": json_money(fw.facts.maximum_value),
        "committed": json_money(committed),
        "committed_percent": percent_of(committed, estimated),
        "as_at": at.isoformat(),
    }


def cost_centres(store: Store, start: date, end: date, upto: int) -> list[dict[str, Any]]:
    """The report's spend by the council's cost centre and GL code (from a finance
    system's import: docs/spend-import.md); empty when no line carries a code."""
    rows = by_cost_centre(store, start, end, upto)
    if all(centre is None and gl is None and po is None for centre, gl, po, _, _ in rows):
        return []
    return [
        {
            "cost_centre": centre,
            "gl_code": gl,
            "purchase_order": po,
            "lines": lines,
            "spent": json_money(from_pence(pence)),
        }
        for centre, gl, po, lines, pence in rows
    ]
