"""After acceptance: invoices, variations, completion and cancellation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import EllipsisType
from typing import Any

import attrs

from calloff.actions.base import ServiceBase, not_future
from calloff.actions.payments import settle
from calloff.actions.spend_import import (
    CHANGED,
    Checked,
    SpendPreview,
    check_rows,
    fingerprint,
    own_headings,
    preview,
    read_rows,
)
from calloff.actions.spend_rows import recordable
from calloff.actions.spend_write import recheck, write_lines
from calloff.domain.finance import check_po
from calloff.domain.invoicing import Payment, Settled
from calloff.domain.model import (
    ENTERED,
    LIVE,
    CallOff,
    clean_text,
)
from calloff.domain.money import format_money, more_than_nothing
from calloff.errors import (
    ImportRejected,
    InvalidInput,
    OutsideGrantWindow,
    RuleBroken,
    ValueExceeded,
    WrongStatus,
)


@attrs.frozen
class SpendLine:
    """One invoice line, checked and ready to record."""

    calloff: int
    provider_id: int
    invoice: str
    spent_on: date
    amount: Decimal
    attendees: int | None
    settled: Settled = attrs.field(factory=Settled.unpaid)
    # What the finance system's line quotes, where it does (docs/spend-import.md).
    cost_centre: str | None = None
    gl_code: str | None = None
    purchase_order: str | None = None

    def codes(self) -> dict[str, str | None]:
        return {
            "cost_centre": self.cost_centre,
            "gl_code": self.gl_code,
            "purchase_order": self.purchase_order,
        }


@attrs.frozen
class ImportSummary:
    imported: int
    skipped: int
    amount: Decimal


def _refuse(path: str | Path, checked: Checked, on: date | None, expect: str | None) -> None:
    """An import writes every line or none: not with a bad row, nor other than previewed."""
    if checked.problems:
        raise ImportRejected(str(path), checked.problems)
    if expect is not None and fingerprint(checked, on) != expect:
        raise InvalidInput(CHANGED)


class Spending(ServiceBase):
    """What a call-off actually costs as training is taken up."""

    def add_spend(
        self,
        calloff_id: int,
        amount: Decimal,
        spent_on: date,
        invoice: str,
        attendees: int | None,
        on: date | None = None,
        payment: Payment | None = None,
    ) -> SpendLine:
        """Record one invoice line against an accepted call-off: its date places it in the
        report; `payment` says when it was received and paid, and its VAT."""
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            line = self._spend_line(
                c, amount, spent_on, invoice, attendees, s.invoices.total(c.id), payment=payment
            )
            recordable(line, on)
            self._write_spend(line, on or spent_on)
        return line

    def _spend_line(
        self,
        c: CallOff,
        amount: Decimal,
        spent_on: date,
        invoice: str,
        attendees: int | None,
        spent_so_far: Decimal,
        existing: dict[str, Any] | EllipsisType | None = ...,
        payment: Payment | None = None,
    ) -> SpendLine:
        """Check an invoice line against the call-off; refuse it with the reason if it is wrong.

        `existing` is the line already recorded under this reference, where the caller has
        looked it up (an import looks each invoice up once)."""
        s = self.store
        invoice = clean_text(invoice, "the invoice reference", 100)
        more_than_nothing(amount, "the amount")
        if attendees is not None and attendees < 0:
            raise InvalidInput("attendees must be 0 or more")
        if c.status != "accepted":
            raise WrongStatus(
                f"call-off {c.id} is {c.status.replace('_', ' ')}: spend can be recorded only "
                "against an accepted call-off"
            )
        if isinstance(existing, EllipsisType):
            existing = s.invoices.find(c.provider_id, invoice)
        if isinstance(existing, dict):
            raise InvalidInput(
                f"invoice {invoice} from this provider is already recorded (call-off "
                f"{existing['calloff_id']}, {existing['spent_on']})"
            )
        request = s.request(c.request_id)
        not_future(spent_on, "invoice date")
        if spent_on < request.start:
            raise InvalidInput(
                f"invoice date {spent_on} is before call-off {c.id} starts on {request.start}"
            )
        stream = s.framework().stream(c.funding)
        if not stream.in_window(spent_on, spent_on):
            raise OutsideGrantWindow(
                f"invoice date {spent_on} is outside the {stream.name} grant window "
                f"{stream.window_start} to {stream.window_end}: grant money cannot pay it"
            )
        if spent_so_far + amount > c.value:
            raise ValueExceeded(
                f"{format_money(amount)} would take spend on call-off {c.id} to "
                f"{format_money(spent_so_far + amount)}, past its value of "
                f"{format_money(c.value)}: vary the call-off first"
            )
        vat = s.provider(c.provider_id, spent_on).vat
        settled = settle(payment or Payment(), invoice, spent_on, amount, vat)
        return SpendLine(c.id, c.provider_id, invoice, spent_on, amount, attendees, settled)

    def _write_spend(self, line: SpendLine, on: date, count_day: bool = True) -> None:
        s = self.store
        sid = s.invoices.add(
            line.calloff,
            line.provider_id,
            line.invoice,
            line.spent_on,
            line.amount,
            line.attendees,
            self.officer,
            line.settled,
            count_day,
        )
        s.invoices.orders.codes(sid, line.codes())
        paid = line.settled
        s.trail.record(
            self.officer,
            on,
            "spend.add",
            "calloff",
            line.calloff,
            None,
            {
                "spend": sid,
                "invoice": line.invoice,
                "date": line.spent_on,
                "amount": line.amount,
                "attendees": line.attendees,
                "vat": paid.vat,
                "irrecoverable_vat": paid.irrecoverable_vat,
                "received": paid.received,
                "paid": paid.paid,
                **{k: v for k, v in line.codes().items() if v is not None},
            },
            None,
        )

    def import_spend(
        self,
        path: str | Path,
        on: date | None = None,
        progress: Callable[[int], None] | None = None,
        expect: str | None = None,
        mapping: Mapping[str, str] | None = None,
    ) -> ImportSummary:
        """Import invoice lines from CSV: all of them in one transaction, or none.

        Every row is checked first against the database and the rows before it
        (`spend_import.check_rows`, as a preview checks them), before the write lock is
        taken, so that other officers' writes go on meanwhile; a line already recorded
        with the same details is skipped. The write then checks again what was recorded
        since (`spend_write`) and writes every line in one short transaction. `expect`
        is a preview's fingerprint: if what would be written now differs from what it
        showed, nothing is. `progress` is told how many rows have been checked and then
        written: twice the number of rows in all. `mapping` reads a finance system's
        export: each field calloff knows to its heading.
        """
        rows, problems = read_rows(path, self._mapping(path, mapping))
        s = self.store
        since = s.trail.next_event_id()
        checked = check_rows(self, rows, problems, on, progress)
        _refuse(path, checked, on, expect)
        with s.transaction():
            s.framework()  # what the checks read of it, vouched for at the commit
            again = recheck(self, rows, checked, since, on)
            if again is not checked:
                _refuse(path, again, on, expect)
            lines = again.lines
            write_lines(self, lines, on, progress)
            if progress:
                progress(len(rows) - len(lines) // 200 * 200)
        return ImportSummary(
            imported=len(lines),
            skipped=again.skipped,
            amount=sum((line.amount for line in lines), Decimal("0.00")),
        )

    def preview_spend(
        self, path: str | Path, on: date | None = None, mapping: Mapping[str, str] | None = None
    ) -> SpendPreview:
        """What `import_spend` would write from `path` now, writing nothing."""
        return preview(self, path, on, self._mapping(path, mapping))

    def _mapping(
        self, path: str | Path, given: Mapping[str, str] | None
    ) -> Mapping[str, str] | None:
        """The mapping given; else the definition's saved one, for a file that does not have
        calloff's own headings."""
        saved = self.store.framework().finance.spend_map
        if given is not None or not saved or own_headings(path):
            return given
        return saved

    def record_po(self, calloff_id: int, number: str, on: date) -> CallOff:
        """The council's purchase order number for a call-off entered into: one per
        call-off, and no two call-offs share one."""
        number = check_po(number)
        not_future(on)
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            self.authorised("calloff.po", on, c.id)
            if c.status not in ENTERED or c.accepted_on is None:
                raise WrongStatus(
                    f"call-off {c.id} is {c.status.replace('_', ' ')}: a purchase order is "
                    "raised once a call-off is accepted"
                )
            if on < c.accepted_on:
                raise InvalidInput(
                    f"{on} is before call-off {c.id} was accepted on {c.accepted_on}: a "
                    f"purchase order is raised once it is accepted, so date it on or after "
                    f"{c.accepted_on}"
                )
            before = s.invoices.orders.of(c.id)
            self.po_free(number, c.id)
            if before == number:
                raise WrongStatus(f"call-off {c.id}'s purchase order is already {number}")
            s.invoices.orders.record(c.id, number)
            s.trail.record(
                self.officer,
                on,
                "calloff.po",
                "calloff",
                c.id,
                {"purchase_order": before},
                {"purchase_order": number},
                None,
            )
            return s.calloff(c.id)

    def po_free(self, number: str, calloff_id: int) -> None:
        """Refuse a purchase order number another call-off carries."""
        holder = self.store.invoices.orders.calloff_with(number)
        if holder is not None and holder != calloff_id:
            raise RuleBroken(
                f"purchase order {number} is call-off {holder}'s: each call-off has its own"
            )

    def vary(self, calloff_id: int, value: Decimal, reason: str, on: date) -> CallOff:
        """Change an accepted call-off's value; an increase must fit under the ceiling."""
        reason = clean_text(reason, "the reason")
        if value <= 0:
            raise InvalidInput("the new value must be more than £0.00")
        not_future(on)
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            self._expect(c, ("accepted",), "varied")
            self._not_before(c, on)
            if c.decided_on and on < c.decided_on:
                raise InvalidInput(
                    f"{on} is before call-off {c.id} was accepted on {c.decided_on}",
                    hint="check --on",
                )
            fw = s.framework()
            threshold = fw.approval_threshold
            # An increase to or over the approval threshold is an approver's decision: a
            # second officer, with the approver role and a limit of at least the new value.
            approving = threshold is not None and value > c.value and value >= threshold
            self.authorised("calloff.vary", on, c.id)
            if approving:
                self.authorised("calloff.vary", on, c.id, value, role="approver")
            if approving and c.officer.casefold() == self.officer.casefold():
                raise RuleBroken(
                    f"an increase to {format_money(value)} is at or over the approval threshold "
                    f"of {format_money(threshold)}: {self.officer} raised call-off {c.id}, so "
                    "another officer must make it"
                )
            spent = s.invoices.total(c.id)
            if value < spent:
                raise InvalidInput(
                    f"call-off {c.id} has already spent {format_money(spent)}: its value "
                    f"cannot go below that"
                )
            if value == c.value:
                raise InvalidInput(f"call-off {c.id} is already worth {format_money(value)}")
            s.vary(c.id, c.value, value, reason, on, self.officer)
            eid = s.trail.record(
                self.officer,
                on,
                "calloff.vary",
                "calloff",
                c.id,
                {"value": c.value},
                {"value": value},
                reason,
                value=value if approving else None,
                role="approver" if approving else None,
            )
            s.ledger.record(c, eid, on, c.status, value, value)
            if value > c.value:
                self._hold(
                    c.year,
                    on,
                    f"increasing call-off {c.id} by {format_money(value - c.value)}",
                    value - c.value,
                )
            # The headroom the order shows is re-stated as it stands after the variation.
            after = s.position(c.year, on)
            s.restate_headroom(c.id, after.headroom, after.stream(c.funding).headroom)
            return s.calloff(c.id)

    def complete(self, calloff_id: int, on: date) -> CallOff:
        """Delivery finished: the commitment becomes the actual spend."""
        with self.store.transaction() as s:
            c = self._move(calloff_id, ("accepted",), "completed", "complete", on, settles=True)
            return s.calloff(c.id)

    def cancel(self, calloff_id: int, reason: str, on: date) -> CallOff:
        """Stop a call-off: its commitment becomes what has been spent so far."""
        reason = clean_text(reason, "the reason")
        with self.store.transaction() as s:
            c = self._move(calloff_id, LIVE, "cancelled", "cancel", on, reason, settles=True)
            return s.calloff(c.id)
