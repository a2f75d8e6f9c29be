"""Paying invoices: when each was received and paid, and the VAT on it.

The spend-against-contract report places an invoice by its date; what the council must
publish about payments (docs/publishing.md) goes by the day it was received and the day
it was paid, so both are kept beside the invoice date, each checked against the others.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from calloff.actions.base import ServiceBase, not_future
from calloff.domain.invoicing import PaidInvoice, Payment, Settled, vat_due
from calloff.domain.model import clean_text
from calloff.domain.money import PENNY, format_money, from_pence
from calloff.errors import InvalidInput, NotFound, WrongStatus
from calloff.store.rows import to_date


def settle(
    payment: Payment, invoice: str, invoice_date: date, amount: Decimal, vat: str
) -> Settled:
    """Check what was said against the invoice; the VAT defaults to the provider's rate
    (20% standard, none exempt) and irrecoverable VAT to £0.00."""
    received, paid = payment.received, payment.paid
    if received is not None:
        _check_received(received, invoice, invoice_date)
    if paid is not None:
        _check_paid(paid, invoice, received or invoice_date, received is not None)
    tax = vat_due(amount, vat) if payment.vat is None else payment.vat
    most = vat_due(amount, "standard") + PENNY
    if tax > most:
        over = (
            f"VAT {format_money(tax)} is more than 20% of invoice {invoice}'s "
            f"{format_money(amount)} (the standard rate)"
        )
        raise InvalidInput(
            f"{over}: vat= is the VAT alone, and the amount excludes it",
            command=f"{over}: --vat is the VAT alone, and the amount excludes it",
        )
    lost = payment.irrecoverable_vat if payment.irrecoverable_vat is not None else Decimal("0.00")
    if lost > tax:
        raise InvalidInput(
            f"irrecoverable VAT {format_money(lost)} is more than the VAT on invoice {invoice} "
            f"({format_money(tax)}): it is the part of that VAT the council cannot reclaim"
        )
    return Settled(received, paid, tax, lost)


def _check_received(received: date, invoice: str, invoice_date: date) -> None:
    not_future(received, "received date")
    if received < invoice_date:
        raise InvalidInput(
            f"received date {received} is before invoice {invoice} is dated "
            f"{invoice_date}: an invoice cannot arrive before it is written"
        )


def _check_paid(paid: date, invoice: str, after: date, was_received: bool) -> None:
    not_future(paid, "payment date")
    if paid < after:
        what = "was received on" if was_received else "is dated"
        raise InvalidInput(
            f"payment date {paid} is before invoice {invoice} {what} {after}: check the dates"
        )


class Payments(ServiceBase):
    """Recording that an invoice already on the books was paid."""

    def pay(
        self,
        invoice: str,
        paid: date,
        provider: str | int | None = None,
        received: date | None = None,
    ) -> PaidInvoice:
        """Mark invoice `invoice` paid on `paid` (and, if not yet known, received on
        `received`). The reference is unique per provider; where two providers used it,
        `provider` says whose."""
        with self.store.transaction() as s:
            row, found = self._checked(invoice, paid, provider, received)
            s.invoices.mark_paid(row["id"], paid, received)
            after: dict[str, object] = {"spend": row["id"], "invoice": row["invoice"], "paid": paid}
            if received is not None:
                after["received"] = received
            s.trail.record(
                self.officer, paid, "spend.pay", "calloff", row["calloff_id"], None, after, None
            )
            return found

    def preview(
        self,
        invoice: str,
        paid: date,
        provider: str | int | None = None,
        received: date | None = None,
    ) -> PaidInvoice:
        """The payment `pay` would record, refused as it would be, writing nothing."""
        return self._checked(invoice, paid, provider, received)[1]

    def _checked(
        self, invoice: str, paid: date, provider: str | int | None, received: date | None
    ) -> tuple[dict[str, Any], PaidInvoice]:
        invoice = clean_text(invoice, "the invoice reference", 100)
        not_future(paid, "payment date")
        row = self._find(invoice, provider)
        if row["paid_on"]:
            raise WrongStatus(
                f"invoice {row['invoice']} was already paid on {row['paid_on']}: a payment "
                "is recorded once"
            )
        spent_on = date.fromisoformat(row["spent_on"])
        if received is not None and row["received_on"]:
            was = f"invoice {row['invoice']} was recorded as received on {row['received_on']}"
            raise InvalidInput(
                f"{was}: leave out received=", command=f"{was}: leave out --received"
            )
        if received is not None:
            _check_received(received, row["invoice"], spent_on)
        got = received or to_date(row["received_on"])
        _check_paid(paid, row["invoice"], got or spent_on, got is not None)
        return row, PaidInvoice(
            spend=row["id"],
            calloff=row["calloff_id"],
            provider=row["provider_id"],
            invoice=row["invoice"],
            invoice_date=spent_on,
            received=got,
            paid=paid,
            amount=from_pence(row["amount_pence"]),
            vat=from_pence(row["vat_pence"]),
        )

    def _find(self, invoice: str, provider: str | int | None) -> dict[str, Any]:
        s = self.store
        if provider is not None:
            p = self.provider(provider)
            row = s.invoices.find(p.id, invoice)
            if row is None:
                raise NotFound(
                    f"{p.name} has no invoice {invoice}",
                    hint="see `calloff show CALLOFF` for the invoices recorded on a call-off",
                )
            return row
        rows = s.invoices.find_any(invoice)
        if not rows:
            raise NotFound(
                f"no invoice {invoice} is recorded", hint="record it first with `calloff spend add`"
            )
        if len(rows) > 1:
            many = f"{len(rows)} providers have an invoice {invoice}"
            raise InvalidInput(
                f"{many}: give provider= to say whose",
                command=f"{many}: add --provider to say whose",
            )
        return rows[0]
