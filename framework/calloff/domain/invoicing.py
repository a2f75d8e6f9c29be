"""An invoice's money beyond its amount: the VAT due on it, and what an officer says of its
receipt and payment (the Procurement Act's payment duties count from those days)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import attrs

from calloff.domain.model import VAT_RATE
from calloff.domain.money import PENNY


def vat_due(value: Decimal, vat: str) -> Decimal:
    """VAT on an ex-VAT value for a standard-rated provider; nothing if exempt."""
    if vat != "standard":
        return Decimal("0.00")
    return (value * VAT_RATE).quantize(PENNY, rounding=ROUND_HALF_UP)


@attrs.frozen
class Payment:
    """What an officer says about an invoice's receipt, payment and VAT (None: not said)."""

    received: date | None = None
    paid: date | None = None
    vat: Decimal | None = None
    irrecoverable_vat: Decimal | None = None


@attrs.frozen
class Settled:
    """An invoice's receipt, payment and VAT as they will be recorded."""

    received: date | None
    paid: date | None
    vat: Decimal
    irrecoverable_vat: Decimal

    @classmethod
    def unpaid(cls) -> Settled:
        return cls(None, None, Decimal("0.00"), Decimal("0.00"))


@attrs.frozen
class PaidInvoice:
    """An invoice recorded as paid: its line, whose it is, and its days and money."""

    spend: int
    calloff: int
    provider: int
    invoice: str
    invoice_date: date
    received: date | None
    paid: date
    amount: Decimal
    vat: Decimal


def order_reference(framework_id: str, calloff_id: int) -> str:
    """What the provider quotes on its invoices."""
    return f"{framework_id.upper()}/CO-{calloff_id:05d}"
