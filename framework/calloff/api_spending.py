"""The library's money desk: the budget (ceilings, funding, the term) and, after a call-off
is accepted, its invoice lines, payments, variations, completion and cancellation, as
`Office` methods (see `calloff.api`). Kept apart so each capability stays small."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from calloff.actions.spend_rows import CalloffSpend, InvoiceLine, InvoiceLines
from calloff.arguments import (
    Day,
    Money,
    Ref,
    _amount,
    _count,
    _day,
    _id,
    _money,
    _path,
    _ref,
    _text,
    _year,
    spend_map,
)
from calloff.domain.dates import FinancialYear
from calloff.domain.invoicing import PaidInvoice, Payment
from calloff.domain.model import CallOff, Framework
from calloff.domain.money import from_pence
from calloff.domain.rules import Position
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    from calloff.actions.service import Service
    from calloff.actions.spend_import import SpendPreview
    from calloff.actions.spending import ImportSummary, SpendLine


class Spending:
    """The budget, and what is spent against it after acceptance."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    def add_spend(
        self,
        calloff: int,
        *,
        amount: Money,
        invoice_date: Day,
        invoice: str,
        attendees: int | None = None,
        on: Day | None = None,
        received: Day | None = None,
        paid: Day | None = None,
        vat: Money | None = None,
        irrecoverable_vat: Money | None = None,
    ) -> SpendLine:
        """One invoice line (ex-VAT) against an accepted call-off; `on` defaults to the
        invoice date. `vat` defaults to the provider's rate, `irrecoverable_vat` to 0."""
        return self.service.spending.add_spend(
            _id(calloff, "calloff"),
            _amount(amount, "amount"),
            _day(invoice_date, "invoice_date"),
            _text(invoice, "invoice"),
            _count(attendees, "attendees", 0, 10_000_000),
            None if on is None else _day(on),
            Payment(
                None if received is None else _day(received, "received"),
                None if paid is None else _day(paid, "paid"),
                _money(vat, "vat"),
                _money(irrecoverable_vat, "irrecoverable_vat"),
            ),
        )

    def pay(
        self,
        invoice: str,
        *,
        on: Day | None = None,
        provider: Ref | None = None,
        received: Day | None = None,
    ) -> PaidInvoice:
        """Record that an invoice already on the books was paid on `on`."""
        return self.service.payments.pay(
            _text(invoice, "invoice"),
            _day(on),
            None if provider is None else _ref(provider),
            None if received is None else _day(received, "received"),
        )

    def preview_payment(
        self,
        invoice: str,
        *,
        on: Day | None = None,
        provider: Ref | None = None,
        received: Day | None = None,
    ) -> PaidInvoice:
        """The payment `pay` with the same arguments would record (whose invoice it is, its
        call-off, money and days), or its refusal; nothing is written. A page shows it for
        the officer to check before recording it."""
        return self.service.payments.preview(
            _text(invoice, "invoice"),
            _day(on),
            None if provider is None else _ref(provider),
            None if received is None else _day(received, "received"),
        )

    def import_spend(
        self,
        path: str | Path,
        *,
        on: Day | None = None,
        progress: Callable[[int], None] | None = None,
        expect: str | None = None,
        mapping: Mapping[str, str] | None = None,
    ) -> ImportSummary:
        """Invoice lines from CSV, all or none (`ImportRejected.problems` lists bad rows).
        `progress` is called as rows are checked and written (each row counts twice).
        `expect` is `preview_spend(...).fingerprint`: if what the file would write now is
        not what the preview showed (a line recorded meanwhile), nothing is written.
        `mapping` reads a finance system's export (field -> heading: `calloff.arguments.
        spend_map`); without one, a file without calloff's own headings is read through
        the definition's saved `spend_map`, if it has one."""
        return self.service.spending.import_spend(
            _path(path),
            None if on is None else _day(on),
            progress=progress,
            expect=None if expect is None else _text(expect, "expect"),
            mapping=_mapping(mapping),
        )

    def preview_spend(
        self, path: str | Path, *, on: Day | None = None, mapping: Mapping[str, str] | None = None
    ) -> SpendPreview:
        """What `import_spend(path, on=..., mapping=...)` would write, with nothing
        written: the lines, the lines already recorded, totals per call-off, every bad row
        (`rejected`, the refusal the import would raise, or None) and the `fingerprint`."""
        return self.service.spending.preview_spend(
            _path(path), None if on is None else _day(on), _mapping(mapping)
        )

    def record_po(self, calloff: int, *, number: str, on: Day | None = None) -> CallOff:
        """The council's purchase order number for a call-off entered into (raised in the
        finance system once it is accepted): unique per framework, audited; a spend file
        may then name the call-off by it."""
        return self.service.spending.record_po(
            _id(calloff, "calloff"), _text(number, "number"), _day(on)
        )

    def spend_by_calloff(self, *, limit: int = 50, offset: int = 0) -> list[CalloffSpend]:
        """Call-offs that take invoices (accepted) or have some, newest first, each with
        its value, its spend so far and its unpaid lines: `limit` of them from `offset`, a
        page at a time."""
        store = self.service.store
        rows = store.invoices.by_calloff(
            _count(limit, "limit", 1, 10_000) or 50, _count(offset, "offset", 0, 10**9) or 0
        )
        return [CalloffSpend.from_row(row) for row in rows]

    def invoice_lines(self, calloff: int, *, limit: int = 50, offset: int = 0) -> InvoiceLines:
        """A call-off's invoice lines by invoice date (`limit` of them from `offset`), with
        the totals of all of them: money ex-VAT, VAT, attendees and how many are unpaid."""
        cid = self.service.calloff(_id(calloff, "calloff")).id
        invoices = self.service.store.invoices
        rows = invoices.page(
            cid, _count(limit, "limit", 1, 10_000) or 50, _count(offset, "offset", 0, 10**9) or 0
        )
        totals = invoices.totals(cid)
        return InvoiceLines(
            calloff=cid,
            lines=tuple(InvoiceLine.from_row(row) for row in rows),
            count=totals["lines"],
            amount=from_pence(totals["amount"]),
            vat=from_pence(totals["vat"]),
            irrecoverable_vat=from_pence(totals["irrecoverable_vat"]),
            attendees=totals["attendees"],
            unpaid=totals["unpaid"],
        )

    def count_spend_by_calloff(self) -> int:
        """How many call-offs `spend_by_calloff()` lists in all."""
        return self.service.store.invoices.count_by_calloff()

    def vary(self, calloff: int, *, value: Money, reason: str, on: Day | None = None) -> CallOff:
        return self.service.spending.vary(
            _id(calloff, "calloff"), _amount(value, "value"), _text(reason, "reason"), _day(on)
        )

    def complete(self, calloff: int, *, on: Day | None = None) -> CallOff:
        """Delivery finished: the commitment becomes the actual spend."""
        return self.service.spending.complete(_id(calloff, "calloff"), _day(on))

    def cancel(self, calloff: int, *, reason: str, on: Day | None = None) -> CallOff:
        """The commitment becomes the spend so far."""
        return self.service.spending.cancel(
            _id(calloff, "calloff"), _text(reason, "reason"), _day(on)
        )

    # -- the budget ----------------------------------------------------------------------

    def headroom(self, *, year: FinancialYear | str | None = None) -> Position:
        """Ceiling, commitments and headroom for a financial year (default: as `calloff
        headroom` chooses), per stream and whole."""
        return self.service.budget.position(_year(year))

    def set_ceiling(
        self, *, year: FinancialYear | str, funding: str, amount: Money, on: Day | None = None
    ) -> Position:
        """A stream's cap for a year, from `on`; returns the year's position on that day."""
        fy = _year(year)
        if fy is None:
            raise InvalidInput("year is required, such as '2016-17'")
        return self.service.budget.set_ceiling(
            fy, _text(funding, "funding"), _amount(amount, "amount"), _day(on)
        )

    def confirm_funding(self, stream: str, *, on: Day | None = None) -> Framework:
        """The pending stream (the DfE grant) is confirmed from `on`; returns the framework."""
        return self.service.budget.confirm_funding(_text(stream, "stream"), _day(on))

    def extend_term(self, *, on: Day | None = None) -> Framework:
        """Take up the next extension option (while the term runs); returns the framework."""
        return self.service.budget.extend_term(_day(on))


def _mapping(mapping: Mapping[str, str] | str | None) -> Mapping[str, str] | None:
    """A mapping as given: field -> heading, or the command's `invoice="Document No",…`."""
    if isinstance(mapping, str):
        return spend_map(mapping)
    if mapping is not None and not isinstance(mapping, Mapping):
        raise InvalidInput(
            'mapping must be a dict of field -> heading, or text like invoice="Document No"'
        )
    return mapping
