"""What the Local Government Transparency Code 2015 has every English council publish each
quarter: its spend over £500 and its contracts over £5,000 (docs/publishing.md).

Each publication is a dict of plain values (money as Decimal, dates as date), one row per
payment or contract, with its totals summed by SQL; `calloff.publishing.files` writes it as
CSV or JSON. Payments under the Procurement Act 2023 are in `calloff.publishing.payments`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from calloff.documents.orders import order_reference
from calloff.domain.dates import FinancialYear
from calloff.domain.model import REGIMES, Framework
from calloff.domain.money import from_pence
from calloff.errors import InvalidInput
from calloff.store.database import Store

SPEND_OVER = Decimal("500.00")  # the Code: "each individual item of expenditure that exceeds £500"
CONTRACTS_OVER = Decimal("5000.00")  # the Code: contracts "with a value that exceeds £5,000"

SPEND_COLUMNS = (
    "organisation",
    "transaction_number",
    "payment_date",
    "service_area",
    "beneficiary",
    "companies_house",
    "charity_number",
    "purpose",
    "merchant_category",
    "amount",
    "irrecoverable_vat",
    "contract_reference",
    "invoice",
    "cost_centre",
    "gl_code",
    "purchase_order",
)
CONTRACT_COLUMNS = (
    "reference",
    "kind",
    "title",
    "service_area",
    "description",
    "supplier",
    "companies_house",
    "charity_number",
    "ppon",
    "value",
    "irrecoverable_vat",
    "start_date",
    "end_date",
    "review_date",
    "procurement_route",
    "sme",
    "vcse",
    "supported_employment",
    "public_service_mutual",
    "status",
)


# What the Central Digital Platform records about a supplier, published with each contract.
STATUSES = ("sme", "vcse", "supported_employment", "public_service_mutual")


def quarter_bounds(year: FinancialYear, quarter: int) -> tuple[date, date]:
    if not 1 <= quarter <= 4:
        raise InvalidInput(f"quarter {quarter} is not 1, 2, 3 or 4 (Q1 is April to June)")
    return year.quarter_dates(quarter)


def _heading(fw: Framework, name: str, start: date, end: date) -> dict[str, Any]:
    return {
        "publication": name,
        "organisation": fw.buyer,
        "framework": fw.reference,
        "regime": fw.regime,
        "period_start": start,
        "period_end": end,
    }


def spend(store: Store, year: FinancialYear, quarter: int, stream: bool = False) -> dict[str, Any]:
    """Every payment in the quarter (by the day it was paid) whose amount, excluding VAT,
    exceeds £500: one row per payment, never summed per supplier. With `stream`, `rows` is
    an iterator that reads them one at a time, for a file too big to hold."""
    fw = store.framework()
    start, end = quarter_bounds(year, quarter)
    # The rows' query runs first: the totals, read while it is open, see the same records.
    found = store.disclosures.spend_over(start, end, SPEND_OVER)
    count, amount, lost = store.disclosures.spend_over_totals(start, end, SPEND_OVER)
    rows = (_spend_row(fw, r) for r in found)
    return {
        **_heading(fw, "spend", start, end),
        "year": str(year),
        "quarter": quarter,
        "threshold": SPEND_OVER,
        "threshold_includes_vat": False,
        "rows": rows if stream else list(rows),
        "count": count,
        "total": amount,
        "irrecoverable_vat_total": lost,
    }


def _spend_row(fw: Framework, r: dict[str, Any]) -> dict[str, Any]:
    """One payment as its row in the spend file."""
    return {
        "organisation": fw.buyer,
        "transaction_number": f"{fw.reference}/SP-{r['id']:06d}",
        "payment_date": date.fromisoformat(r["paid_on"]),
        "service_area": fw.service_area,
        "beneficiary": r["name"],
        "companies_house": r["companies_house"],
        "charity_number": r["charity"],
        "purpose": f"Training under lot {r['lot']}: {r['title']}",
        "merchant_category": fw.merchant_category,
        "amount": from_pence(r["amount_pence"]),
        "irrecoverable_vat": from_pence(r["irrecoverable_vat_pence"]),
        "contract_reference": order_reference(fw.id, r["calloff_id"]),
        "invoice": r["invoice"],
        # The council's own codes from its finance system (docs/spend-import.md).
        "cost_centre": r["cost_centre"],
        "gl_code": r["gl_code"],
        "purchase_order": r["purchase_order"] or r["calloff_po"],
    }


def contracts(store: Store, year: FinancialYear, quarter: int) -> dict[str, Any]:
    """The contracts register for a quarter: the framework agreement itself and each call-off
    worth more than £5,000 (ex-VAT, as varied by the quarter's end) that was in force on any
    day of it, from acceptance to completion or cancellation."""
    fw = store.framework()
    start, end = quarter_bounds(year, quarter)
    own = _framework_row(store, fw, start, end)
    rows: list[dict[str, Any]] = [own] if own else []
    for r in store.disclosures.contracts_in_force(start, end, CONTRACTS_OVER):
        ended = r["closed_on"] is not None and r["closed_on"] <= end.isoformat()
        rows.append(
            {
                "reference": order_reference(fw.id, r["id"]),
                "kind": "call-off",
                "title": r["title"],
                "service_area": fw.service_area,
                "description": f"Lot {r['lot']}: {r['lot_title']}",
                "supplier": r["name"],
                "companies_house": r["companies_house"],
                "charity_number": r["charity"],
                "ppon": r["ppon"],
                "value": from_pence(r["value_then"]),
                "irrecoverable_vat": from_pence(r["lost_pence"]),
                "start_date": date.fromisoformat(r["start"]),
                "end_date": date.fromisoformat(r["end"]),
                "review_date": None,
                "procurement_route": f"call-off from framework {fw.reference}, "
                + ("by ranking" if r["competition_id"] is None else "by competition"),
                "sme": _flag(r["sme"]),
                "vcse": _flag(r["vcse"]),
                "supported_employment": _flag(r["supported_employment"]),
                "public_service_mutual": _flag(r["public_service_mutual"]),
                "status": r["status"] if ended else "accepted",
            }
        )
    calloffs = [r for r in rows if r["kind"] == "call-off"]
    return {
        **_heading(fw, "contracts", start, end),
        "year": str(year),
        "quarter": quarter,
        "threshold": CONTRACTS_OVER,
        "threshold_includes_vat": False,
        "rows": rows,
        "count": len(rows),
        "calloffs_value": sum((r["value"] for r in calloffs), Decimal("0.00")),
    }


def award_routes(fw: Framework) -> str:
    """How the framework's call-offs are awarded, in words: by ranking, by competition, or
    by either (as each lot's definition says)."""
    routes = {lot.award for lot in fw.lots}
    if routes == {"ranked"}:
        return "by ranking"
    if routes == {"competition"}:
        return "by competition"
    return "by ranking or by competition"


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _lots(n: int) -> str:
    return "1 lot" if n == 1 else f"{n} lots"


def _framework_row(store: Store, fw: Framework, start: date, end: date) -> dict[str, Any] | None:
    """The framework agreement's own row: its suppliers are every provider ranked on a lot
    and its value the sum of every cap set for any year, both as at the quarter's end."""
    t = fw.term
    if t.start > end or t.end < start:
        return None
    value = store.disclosures.caps_total(end)
    if value <= CONTRACTS_OVER:
        return None
    # The providers ranked on a lot as the rankings stood at the quarter's end.
    ranked = sorted(
        {e.provider_id for lot in fw.lots for e in store.tenders.ranking(lot.number, end)}
    )
    suppliers = store.disclosures.suppliers(ranked)

    def joined(key: str) -> str | None:
        """One value per supplier that has one, named: "Acme Ltd: SC123456; Bee CIC: …"."""
        shown = {1: "Yes", 0: "No"} if key in STATUSES else {}
        parts = [
            f"{s['name']}: {shown.get(s[key], s[key])}" for s in suppliers if s[key] is not None
        ]
        return "; ".join(parts) or None

    route = f"framework agreement, competitive tender under the {REGIMES[fw.regime]}"
    if fw.light_touch:
        route += " (light-touch regime)"
    lost = store.disclosures.irrecoverable_vat_to(end)
    return {
        "reference": fw.reference,
        "kind": "framework",
        "title": fw.name,
        "service_area": fw.service_area,
        "description": f"Framework agreement with {_lots(len(fw.lots))}, call-offs "
        + award_routes(fw),
        "supplier": "; ".join(s["name"] for s in suppliers) or None,
        "companies_house": joined("companies_house"),
        "charity_number": joined("charity"),
        "ppon": joined("ppon"),
        "value": value,
        "irrecoverable_vat": lost,
        "start_date": t.start,
        "end_date": t.end,
        # The day an extension must be decided, while one is left.
        "review_date": t.end if t.extensions_left else None,
        "procurement_route": route,
        **{key: joined(key) for key in STATUSES},
        "status": "in force" if t.end >= end else "ended",
    }
