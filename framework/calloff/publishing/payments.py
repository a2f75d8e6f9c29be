"""What the Procurement Act 2023 has a council publish about paying its suppliers: each
payment over £30,000 under a contract (s.70), and every six months how promptly it paid
(the payments compliance notice, s.69 and reg. 38 of the Procurement Regulations 2024).

An invoice is received on the day recorded (its invoice date where none was); it falls due
30 days later (s.68(2)); days to pay count from the day after receipt, so an invoice paid
the day after it arrived took 1 day (reg. 38(2)(c)). See docs/publishing.md.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from calloff.documents.orders import order_reference
from calloff.domain.dates import FinancialYear
from calloff.domain.model import REGIMES
from calloff.domain.money import from_pence
from calloff.errors import InvalidInput
from calloff.publishing.transparency import _heading, quarter_bounds
from calloff.store.database import Store

PAYMENTS_OVER = Decimal("30000.00")  # including VAT
PAYMENT_DAYS = 30  # the term the Act implies into every public contract
PAYMENT_COLUMNS = (
    "payment_date",
    "contract_reference",
    "contract_title",
    "supplier",
    "companies_house",
    "ppon",
    "amount_including_vat",
    "vat",
    "amount_excluding_vat",
    "invoice",
    "description",
)
INVOICE_COLUMNS = (
    "invoice",
    "supplier",
    "contract_reference",
    "amount_including_vat",
    "invoice_date",
    "received",
    "received_assumed",
    "due",
    "paid",
    "days_to_pay",
    "band",
    "paid_in_period",
    "payable_in_period",
    "unpaid_at_end",
)
FIGURES = (
    "payments_made",
    "average_days_to_pay",
    "paid_within_30_days_percent",
    "paid_31_to_60_days_percent",
    "paid_61_days_or_more_percent",
    "payable_in_period",
    "payable_unpaid_at_end",
    "payable_unpaid_at_end_percent",
)
HUNDREDTH = Decimal("0.01")


@attrs.frozen(order=True)
class HalfYear:
    """A payments compliance reporting period: April to September (H1) or October to
    March (H2) of a financial year."""

    year: FinancialYear
    half: int

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        match = re.fullmatch(r"\s*(\d{4}-\d{2})-[Hh]([12])\s*", text or "")
        if not match:
            raise InvalidInput(
                f"half-year {text!r} is not valid: write the financial year and H1 (April to "
                "September) or H2 (October to March), e.g. 2026-27-H1"
            )
        return cls(FinancialYear.parse(match[1]), int(match[2]))

    @property
    def start(self) -> date:
        return self.year.start if self.half == 1 else date(self.year.start_year, 10, 1)

    @property
    def end(self) -> date:
        return date(self.year.start_year, 9, 30) if self.half == 1 else self.year.end

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


def duty_applies(regime: str) -> bool:
    return regime == "pa2023"


def not_applicable(regime: str) -> str:
    return (
        "The duty to publish payments over £30,000 (Procurement Act 2023, s.70) does not "
        f"apply to this framework: it is under the {REGIMES[regime]}."
    )


def payments(store: Store, year: FinancialYear, quarter: int) -> dict[str, Any]:
    """Each payment in the quarter over £30,000 including VAT: one row per invoice paid,
    never aggregated. Under a `pcr2015` framework the duty does not apply: no rows."""
    fw = store.framework()
    start, end = quarter_bounds(year, quarter)
    heading = {
        **_heading(fw, "payments", start, end),
        "year": str(year),
        "quarter": quarter,
        "threshold": PAYMENTS_OVER,
        "threshold_includes_vat": True,
        "applies": duty_applies(fw.regime),
        "note": None if duty_applies(fw.regime) else not_applicable(fw.regime),
    }
    if not duty_applies(fw.regime):
        return {**heading, "rows": [], "count": 0, "total": Decimal("0.00")}
    rows = [
        {
            "payment_date": date.fromisoformat(r["paid_on"]),
            "contract_reference": order_reference(fw.id, r["calloff_id"]),
            "contract_title": r["title"],
            "supplier": r["name"],
            "companies_house": r["companies_house"],
            "ppon": r["ppon"],
            "amount_including_vat": from_pence(r["amount_pence"] + r["vat_pence"]),
            "vat": from_pence(r["vat_pence"]),
            "amount_excluding_vat": from_pence(r["amount_pence"]),
            "invoice": r["invoice"],
            "description": f"Training under lot {r['lot']}, invoice {r['invoice']}",
        }
        for r in store.disclosures.payments_over(start, end, PAYMENTS_OVER)
    ]
    count, total = store.disclosures.payments_over_total(start, end, PAYMENTS_OVER)
    return {**heading, "rows": rows, "count": count, "total": total}


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def performance(store: Store, half: HalfYear, stream: bool = False) -> dict[str, Any]:
    """The payments compliance notice's figures for a half-year, and the invoices behind
    them: those paid in the period (for the average and the bands) and those that fell
    due in it (for the share not paid by its end). The figures are SQL's sums over the
    half-year's invoices alone; with `stream`, `invoices` is an iterator that reads them
    one at a time, for a file too big to hold."""
    fw = store.framework()
    # The invoices' query runs first: the figures, read while it is open, see the same records.
    found = store.disclosures.paid_or_due(half.start, half.end, PAYMENT_DAYS)
    made, days, within_30, within_60, later = store.disclosures.payment_times(
        half.start, half.end, PAYMENT_DAYS
    )
    payable, unpaid = store.disclosures.payable(half.start, half.end, PAYMENT_DAYS)
    average = (Decimal(days) / made).quantize(HUNDREDTH, rounding=ROUND_HALF_UP) if made else None
    figures = {
        "payments_made": made,
        "average_days_to_pay": average,
        "paid_within_30_days_percent": _percent(within_30, made),
        "paid_31_to_60_days_percent": _percent(within_60, made),
        "paid_61_days_or_more_percent": _percent(later, made),
        "payable_in_period": payable,
        "payable_unpaid_at_end": unpaid,
        "payable_unpaid_at_end_percent": _percent(unpaid, payable),
    }
    invoices = (_invoice(fw.id, half, r) for r in found)
    return {
        "publication": "payment-performance",
        "organisation": fw.buyer,
        "framework": fw.reference,
        "regime": fw.regime,
        "half": str(half),
        "period_start": half.start,
        "period_end": half.end,
        "payment_days": PAYMENT_DAYS,
        "figures": figures,
        "invoices": invoices if stream else list(invoices),
    }


def _invoice(framework_id: str, half: HalfYear, r: dict[str, Any]) -> dict[str, Any]:
    """One invoice behind the notice, as its row in the file."""
    return {
        "invoice": r["invoice"],
        "supplier": r["name"],
        "contract_reference": order_reference(framework_id, r["calloff_id"]),
        "amount_including_vat": from_pence(r["gross"]),
        "invoice_date": date.fromisoformat(r["spent_on"]),
        "received": date.fromisoformat(r["received"]),
        "received_assumed": r["received_on"] is None,
        "due": date.fromisoformat(r["due"]),
        "paid": date.fromisoformat(r["paid_on"]) if r["paid_on"] else None,
        "days_to_pay": r["days"],
        "band": _band(r["days"]) if r["paid_in"] else None,
        "paid_in_period": bool(r["paid_in"]),
        "payable_in_period": bool(r["due_in"]),
        "unpaid_at_end": r["paid_on"] is None or r["paid_on"] > half.end.isoformat(),
    }


def _band(days: int | None) -> str | None:
    if days is None:
        return None
    if days <= 30:
        return "within 30 days"
    return "31 to 60 days" if days <= 60 else "61 days or more"
