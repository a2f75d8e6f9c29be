"""Spend: the finance officer's pages. The call-offs that take invoices with what each has
spent, a call-off's invoice lines with their totals, adding a line (`calloff spend add`),
recording a payment (`calloff spend pay`) and importing a file (`calloff spend import`,
in `calloff.web.spend_import`). Every officer reads them; only finance writes, each
write behind a check-your-answers step.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from calloff import CalloffError, NotAuthorised
from calloff.arguments import parse_amount, parse_money
from calloff.documents.rendering import money
from calloff.web import desk, spend_import, spend_pay
from calloff.web.forms import Form, whole
from calloff.web.security import needs, signed_in
from calloff.web.signing_in import desk_message
from calloff.web.spend_parts import calloff_crumbs, pagination, summary

blueprint = Blueprint("spend", __name__)
PAGE = 50  # rows a page
CALLOFF = "<int(min=1, max=4611686018427387904):calloff>"
# The add form's fields, in the order `calloff spend add` takes them, with their labels.
LABELS = {
    "amount": "Amount, excluding VAT",
    "invoice": "Invoice reference",
    "invoice_date": "Invoice date",
    "attendees": "Practitioners trained (attendees), as invoiced",
    "received": "Date received",
    "paid": "Date paid",
    "vat": "VAT",
    "irrecoverable_vat": "Irrecoverable VAT",
}
MONEY = ("amount", "vat", "irrecoverable_vat")
# The dates `add_spend` refuses after today, by what its refusal calls each.
DATED = {"invoice_date": "invoice date", "received": "received date", "paid": "payment date"}


@blueprint.get("/spend")
@signed_in
def spend() -> Any:
    """The finance officer's start: what to do, a call-off by number, and the call-offs
    that take invoices with their spend, fifty a page."""
    office = desk.office()
    form = Form(request.args)
    wanted = form.get("calloff")
    if "calloff" in request.args:
        if not whole(wanted.removeprefix("#")) or int(wanted.removeprefix("#")) < 1:
            form.error("calloff", "Enter a call-off number, such as 12")
        else:
            number = int(wanted.removeprefix("#"))
            try:
                office.calloff(number)
            except CalloffError as e:
                form.error("calloff", desk_message(e))
            else:
                return redirect(url_for("spend.calloff_spend", calloff=number))
    page = request.args.get("page", "1")
    if not whole(page) or int(page) < 1:
        abort(404)
    total = office.count_spend_by_calloff()
    pages = max(1, -(-total // PAGE))
    number = min(int(page), pages)
    rows = office.spend_by_calloff(limit=PAGE, offset=(number - 1) * PAGE)
    page_html = render_template(
        "web/spend.html",
        rows=rows,
        total=total,
        first=(number - 1) * PAGE + 1,
        page=number,
        pages=pages,
        pagination=pagination("spend.spend", number, pages),
        form=form,
        errors=form.summary(),
        may_write=office.may("spend.add"),
        may_pay=office.may("spend.pay"),
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Spend"}],
        active="spend",
    )
    if form.errors:
        return page_html, 404 if whole(wanted.removeprefix("#")) else 400
    return page_html


@blueprint.get(f"/calloffs/{CALLOFF}/spend")
@signed_in
def calloff_spend(calloff: int) -> Any:
    """A call-off's invoice lines, fifty a page, with the totals of all of them."""
    office = desk.office()
    page = request.args.get("page", "1")
    if not whole(page) or int(page) < 1:
        abort(404)
    c = office.calloff(calloff)
    first = office.invoice_lines(calloff, limit=1)
    pages = max(1, -(-first.count // PAGE))
    number = min(int(page), pages)
    found = office.invoice_lines(calloff, limit=PAGE, offset=(number - 1) * PAGE)
    return render_template(
        "web/spend_calloff.html",
        c=c,
        provider=office.provider(c.provider_id).name,
        found=found,
        first=(number - 1) * PAGE + 1,
        page=number,
        pages=pages,
        pagination=pagination("spend.calloff_spend", number, pages, calloff=calloff),
        may_add=c.status == "accepted" and office.may("spend.add"),
        may_pay=office.may("spend.pay"),
        crumbs=calloff_crumbs(calloff),
        active="spend",
    )


@blueprint.get(f"/calloffs/{CALLOFF}/spend/add")
@needs("spend.add")
def add_form(calloff: int) -> Any:
    return _add_page(calloff, Form())


@blueprint.post(f"/calloffs/{CALLOFF}/spend/add")
@needs("spend.add")
def add(calloff: int) -> Any:
    """One invoice line: the form, then check your answers, then `Office.add_spend`."""
    form = Form(request.form)
    amount = form.required("amount", "Enter the amount of the invoice, excluding VAT")
    invoice = form.required("invoice", "Enter the provider's invoice reference")
    days = {
        "invoice_date": form.day("invoice_date", "invoice date"),
        "received": form.day("received", "date received", required=False),
        "paid": form.day("paid", "date paid", required=False),
    }
    if form.get("attendees") and not whole(form.get("attendees")):
        form.error("attendees", "Enter the number of attendees as a whole number, such as 40")
    money_given = _read_add(form, amount, days)
    if form.errors:
        return _add_page(calloff, form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        line = desk.write_or_rehearse(
            confirmed,
            "add_spend",
            calloff,
            amount=amount,
            invoice_date=days["invoice_date"] or "",
            invoice=invoice,
            attendees=int(form.get("attendees")) if form.get("attendees") else None,
            received=days["received"],
            paid=days["paid"],
            vat=form.get("vat") or None,
            irrecoverable_vat=form.get("irrecoverable_vat") or None,
        )
    except CalloffError as e:
        form.error(_field_of(str(e), form, days), desk_message(e))
        return _add_page(calloff, form), 403 if isinstance(e, NotAuthorised) else 400
    if not confirmed:
        return _add_check(calloff, form, days, money_given, line.settled)
    office = desk.office()
    c = office.calloff(calloff)
    # The line `calloff spend add` prints.
    flash(
        f"Invoice {line.invoice}: {money(line.amount)} on call-off {calloff}; "
        f"spent {money(office.spent(calloff))} of {money(c.value)}.",
        "outcome",
    )
    return redirect(url_for("spend.calloff_spend", calloff=calloff))


# Recording a payment and importing a file have modules of their own, on this blueprint.
for rule, view, methods in (*spend_pay.ROUTES, *spend_import.ROUTES):
    blueprint.add_url_rule(rule, view_func=view, methods=methods)


def _add_page(calloff: int, form: Form) -> str:
    office = desk.office()
    c = office.calloff(calloff)
    return render_template(
        "web/spend_add.html",
        c=c,
        provider=office.provider(c.provider_id).name,
        spent=office.spent(calloff),
        form=form,
        labels=LABELS,
        errors=summary(form),
        crumbs=[*calloff_crumbs(calloff, link=True), {"text": "Add an invoice line"}],
        active="spend",
    )


def _read_add(form: Form, amount: str, days: dict[str, str | None]) -> dict[str, Decimal]:
    """The add form's money and dates read as `add_spend` reads them, at Continue: each
    refusal in the library's words at its field, so the check page shows nothing that
    Confirm would refuse for how it was written. Returns the amounts read."""
    read: dict[str, Decimal | None] = {}
    if amount:
        read["amount"] = form.read("amount", parse_amount, amount)
    for field in MONEY[1:]:
        if form.get(field):
            read[field] = form.read(field, parse_money, form.get(field))
    for field, what in DATED.items():
        form.not_future(field, days[field], what)
    return {k: v for k, v in read.items() if v is not None}


def _add_check(
    calloff: int, form: Form, days: dict[str, str | None], read: dict[str, Decimal], settled: Any
) -> str:
    """Check your answers, with the VAT the rehearsed write would record (`settled`)."""
    office = desk.office()
    c = office.calloff(calloff)
    vat = office.provider(c.provider_id).vat
    rate = "the provider's rate: standard, 20%" if vat == "standard" else "exempt from VAT"
    rows = [
        (LABELS["amount"], money(read["amount"]), False),
        (LABELS["invoice"], form.get("invoice"), False),
        (LABELS["invoice_date"], days["invoice_date"], True),
        (LABELS["attendees"], form.get("attendees") or "Not given", False),
        (LABELS["received"], days["received"] or "Not given", bool(days["received"])),
        (
            LABELS["paid"],
            days["paid"] or "Not paid yet (record the payment later)",
            bool(days["paid"]),
        ),
        (
            LABELS["vat"],
            money(settled.vat) if "vat" in read else f"{money(settled.vat)} ({rate})",
            False,
        ),
        (LABELS["irrecoverable_vat"], money(settled.irrecoverable_vat), False),
    ]
    return render_template(
        "web/spend_check.html",
        title=f"Check the invoice line for call-off {calloff}",
        caption=f"Call-off {calloff}: {office.provider(c.provider_id).name}, {money(c.value)}",
        explains="The invoice line is recorded against the call-off: its date places it "
        "in the quarterly report.",
        rows=rows,
        form=form,
        action=url_for("spend.add", calloff=calloff),
        button=f"Confirm: add the invoice line to call-off {calloff}",
        back=url_for("spend.calloff_spend", calloff=calloff),
        back_text=f"Back to the invoice lines of call-off {calloff}",
        crumbs=[*calloff_crumbs(calloff, link=True), {"text": "Check"}],
        active="spend",
    )


def _field_of(message: str, form: Form, days: dict[str, str | None]) -> str:
    """The add form's field a refusal is about: a money field whose text it quotes, a date
    it names, else a field it names before its colon; the amount otherwise."""
    head = message.split(":")[0].lower()
    for field in MONEY:
        if form.get(field) and repr(form.get(field)) in message:
            return field
    for phrase, field in (
        ("irrecoverable", "irrecoverable_vat"),
        ("vat", "vat"),
        ("received", "received"),
        ("payment date", "paid"),
        ("invoice date", "invoice_date"),
        ("already recorded", "invoice"),
        ("invoice reference", "invoice"),
        ("attendees", "attendees"),
    ):
        if phrase in head:
            return field
    for field, day in days.items():
        if day and day in head:
            return field
    return "amount"
