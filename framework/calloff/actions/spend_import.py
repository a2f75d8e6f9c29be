"""Importing invoice lines from a CSV file: one check, shared by the preview and the import.

A finance officer sees what a file would write before anything is written (`preview`), and
the import that follows writes exactly that or nothing: both run `check_rows`, and the
preview's `fingerprint` of what it would write is compared, inside the import's own
transaction, with what the import is about to write.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from calloff.actions.spend_rows import (
    OPTIONAL,
    payment_of,
    recordable,
    same_codes,
    same_line,
    same_payment,
)
from calloff.domain.csv_rows import Problem, read_csv, whole_number
from calloff.domain.dates import parse_date
from calloff.domain.finance import check_map
from calloff.domain.model import clean_text
from calloff.domain.money import parse_money
from calloff.errors import CalloffError, ImportRejected, InvalidInput, NotFound
from calloff.store.invoices import invoice_key

if TYPE_CHECKING:
    from calloff.actions.spending import Spending, SpendLine
    from calloff.domain.model import CallOff


@attrs.frozen
class CalloffTotal:
    """What a file would add to one call-off: its lines and money, beside what the call-off
    has spent already and its value."""

    calloff: int
    provider: str
    lines: int
    amount: Decimal
    spent_before: Decimal
    value: Decimal

    @property
    def spent_after(self) -> Decimal:
        return self.spent_before + self.amount


@attrs.frozen(eq=False)
class SpendPreview:
    """What `import_spend` would write from a file, with nothing written: the lines, the
    lines already recorded (skipped), the totals per call-off, and the bad rows as the
    refusal would list them (`rejected`, None when there are none). Pass `fingerprint`
    to `import_spend(expect=...)` so the import writes exactly this, or nothing."""

    lines: tuple[SpendLine, ...]
    skipped: int
    amount: Decimal
    calloffs: tuple[CalloffTotal, ...]
    rejected: ImportRejected | None
    fingerprint: str

    @property
    def problems(self) -> list[tuple[int, str]]:
        """Each bad row (line number, the command's sentence); empty for a good file."""
        return [] if self.rejected is None else self.rejected.command_problems


@attrs.frozen
class Checked:
    """Every row of a file checked against the database and the rows before it."""

    lines: list[SpendLine]
    skipped: int
    problems: list[Problem]
    before: dict[int, Decimal]  # each call-off's spend before the file
    # Each good row by line number: its call-off, that call-off's provider, and the line
    # to write (None: the line is recorded already).
    rows: dict[int, tuple[int, int, SpendLine | None]] = attrs.field(factory=dict)


def read_rows(
    path: str | Path, mapping: Mapping[str, str] | None = None
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The file's rows by line number, and the rows that could not be read: calloff's own
    headings, or a finance system's read through `mapping` (field -> heading)."""
    if mapping is not None:
        mapping = check_map(mapping)
    required = ("calloff", "invoice", "date", "amount")
    return read_csv(path, required=required, optional=OPTIONAL, mapping=mapping)


def own_headings(path: str | Path) -> bool:
    """Whether a file's first line has calloff's own headings (calloff, invoice, date,
    amount), so that it is read as calloff's own spend file."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            first = f.readline(10_000)
    except OSError:
        return True  # reading it again says what is wrong
    cells = {c.strip().strip('"').lower() for c in first.split(",")}
    return {"calloff", "invoice", "date", "amount"} <= cells


def calloff_of(desk: Spending, row: dict[str, str]) -> CallOff:
    """The call-off a row is for: by its order reference (LEEDS-RP-2015/CO-00004) or number
    in `calloff`, or by the council's purchase order number in `po` (which must then be
    the call-off's own)."""
    s = desk.store
    given = (row.get("calloff") or "").strip()
    po = (row.get("po") or "").strip()
    if given:
        c = s.calloff(calloff_number(given, s.framework().reference))
        holder = s.invoices.orders.calloff_with(po) if po else None
        own = s.invoices.orders.of(c.id)
        if po and ((holder is not None and holder != c.id) or (own and holder != c.id)):
            whose = f"call-off {holder}'s" if holder is not None else "no call-off's"
            raise InvalidInput(
                f"purchase order {po} is {whose}, not call-off {c.id}'s"
                + (f" ({own})" if own else "")
            )
        return c
    if not po:
        raise InvalidInput("the row gives neither a call-off reference nor a purchase order")
    found = s.invoices.orders.calloff_with(po)
    if found is None:
        raise NotFound(
            f"no call-off has purchase order {po}: record it with the call-off first",
            command=f"no call-off has purchase order {po}: record it first with "
            "`calloff po CALLOFF NUMBER`",
        )
    return s.calloff(found)


def calloff_number(text: str, framework: str) -> int:
    """`4`, or the order reference `LEEDS-RP-2015/CO-00004` (any letter case)."""
    if re.fullmatch(r"[0-9]{1,9}", text):
        return int(text)
    found = re.fullmatch(r"(.+)/CO-([0-9]{1,9})", text.strip(), flags=re.IGNORECASE)
    if found is None:
        raise InvalidInput(
            f"call-off {text!r} is not a number nor an order reference such as {framework}/CO-00004"
        )
    if found.group(1).upper() != framework:
        raise InvalidInput(f"order reference {text} is not this framework's ({framework})")
    return int(found.group(2))


def codes_of(row: dict[str, str]) -> dict[str, str | None]:
    """The cost centre, GL code and purchase order a row quotes, as short text."""
    said = {"cost_centre": "cost_centre", "gl_code": "gl_code", "purchase_order": "po"}
    found: dict[str, str | None] = {}
    for name, cell in said.items():
        text = (row.get(cell) or "").strip()
        found[name] = clean_text(text, f"the {name.replace('_', ' ')}", 50) if text else None
    return found


def check_rows(
    desk: Spending,
    rows: list[tuple[int, dict[str, str]]],
    problems: list[Problem],
    on: date | None,
    progress: Callable[[int], None] | None = None,
) -> Checked:
    """Check each row as `add_spend` would, against the database and the rows before it;
    a line already recorded with the same details is skipped, so re-importing a file adds
    nothing. `progress` is told how many rows have been checked, 200 at a time."""
    s = desk.store
    lines: list[SpendLine] = []
    skipped = 0
    running: dict[int, Decimal] = {}
    before: dict[int, Decimal] = {}
    seen: dict[tuple[int, str], int] = {}
    good: dict[int, tuple[int, int, SpendLine | None]] = {}
    for n, (line_no, row) in enumerate(rows, start=1):
        if progress and n % 200 == 0:
            progress(200)
        try:
            c = calloff_of(desk, row)
            invoice = clean_text(row["invoice"], "the invoice reference", 100)
            spent_on = parse_date(row["date"])
            amount = parse_money(row["amount"])
            cell = (row.get("attendees") or "").strip()
            attendees = whole_number(cell, "attendees") if cell else None
            payment = payment_of(row)
            key = (c.provider_id, invoice_key(invoice))
            if key in seen:
                raise InvalidInput(
                    f"invoice {invoice} appears twice in the file (also line {seen[key]})"
                )
            seen[key] = line_no
            existing = s.invoices.find(c.provider_id, invoice)
            if existing and same_line(existing, c.id, spent_on, amount, attendees):
                same_payment(existing, payment)
                same_codes(existing, codes_of(row))
                skipped += 1
                good[line_no] = (c.id, c.provider_id, None)
                continue
            if c.id not in running:
                running[c.id] = before[c.id] = s.invoices.total(c.id)
            line = desk._spend_line(
                c, amount, spent_on, invoice, attendees, running[c.id], existing, payment
            )
            codes = codes_of(row)
            line = attrs.evolve(
                line,
                cost_centre=codes["cost_centre"],
                gl_code=codes["gl_code"],
                purchase_order=codes["purchase_order"],
            )
            recordable(line, on)
        except CalloffError as e:
            problems.append((line_no, e))
            continue
        running[c.id] += amount
        lines.append(line)
        good[line_no] = (c.id, c.provider_id, line)
    if progress:
        progress(len(rows) % 200)
    return Checked(lines, skipped, problems, before, good)


def fingerprint(checked: Checked, on: date | None) -> str:
    """A digest of exactly what an import would write (and what the preview shows beside
    it: each call-off's spend before the file): if any of it changes, so does this."""
    said: dict[str, Any] = {
        "on": None if on is None else on.isoformat(),
        "skipped": checked.skipped,
        "before": sorted((c, str(v)) for c, v in checked.before.items()),
        "lines": [
            [
                line.calloff,
                line.provider_id,
                line.invoice,
                line.spent_on.isoformat(),
                str(line.amount),
                line.attendees,
                None if line.settled.received is None else line.settled.received.isoformat(),
                None if line.settled.paid is None else line.settled.paid.isoformat(),
                str(line.settled.vat),
                str(line.settled.irrecoverable_vat),
                line.cost_centre,
                line.gl_code,
                line.purchase_order,
            ]
            for line in checked.lines
        ],
    }
    return hashlib.sha256(json.dumps(said, separators=(",", ":")).encode()).hexdigest()


def preview(
    desk: Spending, path: str | Path, on: date | None, mapping: Mapping[str, str] | None = None
) -> SpendPreview:
    """What importing `path` would write now, read without taking the write lock and with
    nothing written; a row the register would refuse is refused as the import would."""
    rows, problems = read_rows(path, mapping)
    checked = check_rows(desk, rows, problems, on)
    s = desk.store
    totals: dict[int, list[Any]] = {}
    for line in checked.lines:
        found = totals.setdefault(line.calloff, [0, Decimal("0.00")])
        found[0] += 1
        found[1] += line.amount
    rejected = ImportRejected(str(path), checked.problems) if checked.problems else None
    if rejected is None:
        for day in sorted({on or line.spent_on for line in checked.lines}):
            desk.authorised("spend.add", day)
    calloffs = []
    for cid, (count, amount) in sorted(totals.items()):
        c = s.calloff(cid)
        calloffs.append(
            CalloffTotal(
                cid,
                desk.provider(c.provider_id).name,
                count,
                amount,
                checked.before[cid],
                c.value,
            )
        )
    return SpendPreview(
        lines=tuple(checked.lines),
        skipped=checked.skipped,
        amount=sum((line.amount for line in checked.lines), Decimal("0.00")),
        calloffs=tuple(calloffs),
        rejected=rejected,
        fingerprint=fingerprint(checked, on),
    )


CHANGED = (
    "what the file would import has changed since it was previewed (an invoice line was "
    "recorded or changed meanwhile): nothing imported; preview the file again"
)
