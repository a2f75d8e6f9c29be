"""Recording a payment for an invoice already on the books (`calloff spend pay`): the
form, check your answers, then `Office.pay`; finance only. Its routes are on the spend
blueprint (`calloff.web.spend_pages`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from calloff import CalloffError, NotAuthorised
from calloff.documents.rendering import money
from calloff.web import desk
from calloff.web.forms import Form, with_today
from calloff.web.security import needs
from calloff.web.signing_in import desk_message
from calloff.web.spend_parts import spend_crumbs, summary


@needs("spend.pay")
def pay_form() -> Any:
    form = Form({k: request.args.get(k, "") for k in ("invoice", "provider")})
    return _pay_page(with_today(form))


@needs("spend.pay")
def pay() -> Any:
    """A payment for an invoice on the books: the form, check, then `Office.pay`."""
    form = Form(request.form)
    invoice = form.required("invoice", "Enter the invoice reference")
    on = form.day("on", "date paid")
    received = form.day("received", "date received", required=False)
    if form.errors:
        return _pay_page(form), 400
    args = {"on": on, "provider": form.get("provider") or None, "received": received}
    try:
        if form.get("confirm") != "yes":  # the library's own check, writing nothing
            return _pay_check(form, desk.office().preview_payment(invoice, **args))
        with desk.turn():
            paid = desk.office().pay(invoice, **args)
    except CalloffError as e:
        form.error(_pay_field(str(e), form, on, received), desk_message(e))
        return _pay_page(form), 403 if isinstance(e, NotAuthorised) else 400
    # The line `calloff spend pay` prints.
    days = f", {(paid.paid - paid.received).days} day(s) after receipt" if paid.received else ""
    flash(
        f"Invoice {paid.invoice} on call-off {paid.calloff} "
        f"({money(paid.amount + paid.vat)} with VAT) paid on {paid.paid}{days}.",
        "outcome",
    )
    return redirect(url_for("spend.calloff_spend", calloff=paid.calloff))


ROUTES: list[tuple[str, Callable[..., Any], list[str]]] = [
    ("/spend/pay", pay_form, ["GET"]),
    ("/spend/pay", pay, ["POST"]),
]


def _pay_page(form: Form) -> str:
    return render_template(
        "web/spend_pay.html",
        form=form,
        errors=summary(form),
        crumbs=[*spend_crumbs(), {"text": "Record a payment"}],
        active="spend",
    )


def _pay_check(form: Form, found: Any) -> str:
    """What `pay` would record, as the library found it: whose invoice, on which
    call-off, its money, and the days."""
    office = desk.office()
    rows = [
        ("Invoice reference", found.invoice, False),
        ("Provider", office.provider(found.provider).name, False),
        ("Call-off", str(found.calloff), False),
        ("Invoice date", found.invoice_date.isoformat(), True),
        ("Amount, excluding VAT", money(found.amount), False),
        ("VAT", money(found.vat), False),
        ("Date received", found.received.isoformat() if found.received else "Not recorded",
         bool(found.received)),
        ("Date paid", found.paid.isoformat(), True),
    ]  # fmt: skip
    return render_template(
        "web/spend_check.html",
        title=f"Check the payment of invoice {found.invoice}",
        caption="Record a payment",
        explains="The invoice is recorded as paid: the payment publications count from "
        "the day it was received to the day it was paid.",
        rows=rows,
        form=form,
        action=url_for("spend.pay"),
        button=f"Confirm: invoice {found.invoice} was paid",
        back=url_for("spend.pay_form"),
        back_text="Back to the payment",
        crumbs=[*spend_crumbs(), {"text": "Check"}],
        active="spend",
    )


def _pay_field(message: str, form: Form, on: str | None, received: str | None) -> str:
    """The field a refusal is about: the provider, the day paid or received that it is
    about, else the invoice."""
    head = message.split(":")[0].lower()
    if "provider" in head:
        return "provider"
    if "payment date" in head or "effective date" in head:
        return "on"
    if received and "received" in head:
        return "received"
    return "invoice"
