"""What one invoice line says beyond its amount, and whether it may be recorded: the checks
`add_spend` and a spend file's rows share (kept apart so `calloff.actions.spending` stays
small)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from calloff.domain.dates import parse_date
from calloff.domain.invoicing import Payment
from calloff.domain.money import from_pence, parse_money
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    from calloff.actions.spending import SpendLine

OPTIONAL = (
    "attendees",
    "received",
    "paid",
    "vat",
    "irrecoverable_vat",
    "po",
    "cost_centre",
    "gl_code",
)


def recordable(line: SpendLine, on: date | None) -> None:
    """An invoice is recorded on or after the day it bears, and what it says of its receipt
    and payment has happened by the day it is recorded."""
    if on is None:
        return
    for what, day in (
        ("invoice date", line.spent_on),
        ("received date", line.settled.received),
        ("payment date", line.settled.paid),
    ):
        if day is not None and day > on:
            late = (
                f"{what} {day} of invoice {line.invoice} is after the day it is recorded "
                f"({on}): record it on or after {day}, or leave out"
            )
            raise InvalidInput(f"{late} on=", command=f"{late} --on")


def payment_of(row: dict[str, str]) -> Payment:
    """A CSV row's optional receipt, payment and VAT cells; blank means not said."""

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    return Payment(
        received=parse_date(cell("received")) if cell("received") else None,
        paid=parse_date(cell("paid")) if cell("paid") else None,
        vat=parse_money(cell("vat")) if cell("vat") else None,
        irrecoverable_vat=parse_money(cell("irrecoverable_vat"))
        if cell("irrecoverable_vat")
        else None,
    )


def same_payment(row: dict[str, Any], payment: Payment) -> None:
    """A line already recorded is skipped only if the file says nothing new about it."""
    recorded = {
        "received": row["received_on"],
        "paid": row["paid_on"],
        "vat": from_pence(row["vat_pence"]),
        "irrecoverable_vat": from_pence(row["irrecoverable_vat_pence"]),
    }
    if payment.paid is not None and row["paid_on"] is None:
        also = ""
        if payment.received is not None and row["received_on"] is None:
            also = f" --received {payment.received}"
        raise InvalidInput(
            f"invoice {row['invoice']} is already recorded, unpaid",
            hint=f"record its payment with `calloff spend pay {row['invoice']} --on "
            f"{payment.paid}{also}`",
        )
    for name, value in attrs.asdict(payment).items():
        if value is None:
            continue
        was = recorded[name]
        if (was != value.isoformat()) if isinstance(value, date) else (was != value):
            raise InvalidInput(
                f"invoice {row['invoice']} is already recorded with {name.replace('_', ' ')} "
                f"{was or 'not recorded'}, not {value}"
            )


def same_codes(row: dict[str, Any], codes: dict[str, str | None]) -> None:
    """A line already recorded is skipped only if the file quotes the same codes, or none:
    codes are kept as first recorded, never changed by a later file."""
    for name, given in codes.items():
        kept = row.get(name)
        if given is not None and (kept or "").casefold() != given.casefold():
            what = name.replace("_", " ")
            raise InvalidInput(
                f"invoice {row['invoice']} is already recorded with {what} "
                f"{kept or '(none)'}, and the file gives {given}: codes stay as first recorded"
            )


def same_line(
    row: dict[str, Any], calloff: int, spent_on: date, amount: Decimal, attendees: int | None
) -> bool:
    return (
        row["calloff_id"] == calloff
        and row["spent_on"] == spent_on.isoformat()
        and from_pence(row["amount_pence"]) == amount
        and row["attendees"] == attendees
    )


@attrs.frozen
class CalloffSpend:
    """One call-off on the spend list: what it is worth, what its invoice lines add up
    to (ex-VAT), and how many of them are not yet paid."""

    calloff: int
    request: int
    lot: int
    provider: str
    status: str
    funding: str
    value: Decimal
    spent: Decimal
    lines: int
    unpaid: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CalloffSpend:
        return cls(
            calloff=row["id"],
            request=row["request_id"],
            lot=row["lot"],
            provider=row["provider_name"],
            status=row["status"],
            funding=row["funding"],
            value=from_pence(row["value_pence"]),
            spent=from_pence(row["spent_pence"]),
            lines=row["lines"],
            unpaid=row["unpaid"],
        )

    @property
    def remaining(self) -> Decimal:
        """What can still be invoiced against the call-off's value."""
        return self.value - self.spent


@attrs.frozen
class InvoiceLine:
    """One invoice line as recorded on a call-off: ex-VAT amount, its VAT, and the days it
    was dated, received and paid (None: not yet)."""

    invoice: str
    invoice_date: date
    amount: Decimal
    vat: Decimal
    irrecoverable_vat: Decimal
    attendees: int | None
    received: date | None
    paid: date | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> InvoiceLine:
        return cls(
            invoice=row["invoice"],
            invoice_date=date.fromisoformat(row["spent_on"]),
            amount=from_pence(row["amount_pence"]),
            vat=from_pence(row["vat_pence"]),
            irrecoverable_vat=from_pence(row["irrecoverable_vat_pence"]),
            attendees=row["attendees"],
            received=_day(row["received_on"]),
            paid=_day(row["paid_on"]),
        )


@attrs.frozen
class InvoiceLines:
    """A page of one call-off's invoice lines, with the totals of all of them."""

    calloff: int
    lines: tuple[InvoiceLine, ...]
    count: int
    amount: Decimal
    vat: Decimal
    irrecoverable_vat: Decimal
    attendees: int
    unpaid: int


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
