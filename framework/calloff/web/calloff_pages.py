"""A call-off: everything `calloff show` shows, the actions the officer's role allows on
it (each with a check-your-answers step before anything is written), and its documents,
the provider's order and the award record, to view, print (A4) and download.
"""

from __future__ import annotations

from typing import Any

import attrs
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from calloff import CalloffError, NotAuthorised
from calloff.api import role_needed
from calloff.documents.rendering import money
from calloff.web import desk
from calloff.web.downloads import send
from calloff.web.forms import Form, with_today
from calloff.web.register_steps import long_day
from calloff.web.security import forbidden, signed_in
from calloff.web.signing_in import desk_message

blueprint = Blueprint("calloffs", __name__)


@attrs.frozen
class Step:
    """An action on a call-off: its button, what it asks for, and what it says when done."""

    verb: str  # "Accept"
    fields: tuple[str, ...]  # reason, decision, value: each a text box
    done: str  # "accepted"
    explains: str

    @property
    def button(self) -> str:
        """The call-off page's button: "Cancel" alone would read as leaving a form."""
        return "Cancel the call-off" if self.verb == "Cancel" else self.verb


STEPS = {
    "accept": Step("Accept", ("po",), "accepted", "The provider accepted the offer."),
    "decline": Step(
        "Decline",
        ("reason",),
        "declined",
        "The provider declined: the request is offered to the next eligible provider.",
    ),
    "approve": Step(
        "Approve",
        ("decision",),
        "approved",
        "You approve the call-off as a second officer; it is then offered to the provider.",
    ),
    "reject": Step(
        "Reject", ("reason",), "rejected", "You reject the call-off: nothing is offered."
    ),
    "vary": Step("Vary", ("value", "reason"), "varied", "The accepted call-off's value changes."),
    "complete": Step(
        "Complete",
        (),
        "completed",
        "Delivery finished: the commitment becomes the actual spend.",
    ),
    "cancel": Step(
        "Cancel",
        ("reason",),
        "cancelled",
        "The call-off ends: the commitment becomes the spend so far.",
    ),
}
LABELS = {
    "reason": "Reason (kept for the audit trail)",
    "decision": "Decision reference (needed over the key-decision value)",
    "value": "New value, excluding VAT",
    "po": "Purchase order number (optional: where the finance system raised one already)",
}
OPTIONAL = ("decision", "po")  # the fields a step may leave empty
DOCUMENTS = ("order", "record")


@blueprint.get("/calloffs/<int(min=1, max=4611686018427387904):calloff>")
@signed_in
def show(calloff: int) -> str:
    office = desk.office()
    shown = office.show(calloff)
    return render_template(
        "web/calloff.html",
        c=shown,
        documents=office.documents(calloff),
        trail=office.audit(calloff=calloff),
        steps=[(s, STEPS[s]) for s in office.next_steps(calloff)],
        crumbs=_crumbs(shown),
        active="requests",
    )


@blueprint.get("/calloffs/<int(min=1, max=4611686018427387904):calloff>/<step>")
@signed_in
def step_form(calloff: int, step: str) -> Any:
    refused = _refuse(step)
    if refused is not None:
        return refused
    return _form_page(calloff, step, with_today(Form()))


@blueprint.post("/calloffs/<int(min=1, max=4611686018427387904):calloff>/<step>")
@signed_in
def step_post(calloff: int, step: str) -> Any:
    refused = _refuse(step)
    if refused is not None:
        return refused
    form = Form(request.form)
    on = form.day("on", "date")
    for field in STEPS[step].fields:
        if field not in OPTIONAL:
            form.required(field, f"Enter the {field}")
    if form.errors:
        return _form_page(calloff, step, form), 400
    args: dict[str, Any] = {"on": on}
    for field in STEPS[step].fields:
        if field not in OPTIONAL or form.get(field):
            args[field] = form.get(field)
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        done = desk.write_or_rehearse(confirmed, step, calloff, **args)
    except CalloffError as e:
        form.error(_field_for(step, str(e), on), desk_message(e))
        return _form_page(calloff, step, form), 403 if isinstance(e, NotAuthorised) else 400
    if not confirmed:
        return _check_page(calloff, step, form, on, _outcome(step, done))
    flash(_done_message(calloff, step, done), "outcome")
    return redirect(url_for("calloffs.show", calloff=calloff))


@blueprint.get("/calloffs/<int(min=1, max=4611686018427387904):calloff>/<document>.<kind>")
@signed_in
def document(calloff: int, document: str, kind: str) -> Response:
    """The order or the award record, as printable HTML or Markdown; `download=1` saves it."""
    if document not in DOCUMENTS or kind not in ("html", "md"):
        abort(404)
    office = desk.office()
    if document not in office.documents(calloff):
        return _no_document(calloff, document)
    text = getattr(office, document)(calloff, format=kind)
    name = f"calloff-{calloff}-{document}.{kind}"
    kind_type = "text/html" if kind == "html" else "text/markdown"
    saved = kind == "md" or request.args.get("download") == "1"
    return send(text, f"{kind_type}; charset=utf-8", name if saved else None, document=True)


def _no_document(calloff: int, document: str) -> Any:
    """A call-off with no such document (an order for one declined): the library's
    sentence, as the command prints it, on a 404 page."""
    try:
        getattr(desk.office(), document)(calloff)
    except CalloffError as e:
        detail = desk_message(e)
    else:  # pragma: no cover - documents() and the renderers agree
        detail = f"call-off {calloff} has no {document}"
    page = render_template(
        "web/error.html",
        title="No such document",
        detail=detail,
        code=404,
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "No such document"}],
    )
    return page, 404


def _refuse(step: str) -> Any:
    """404 for an unknown step; the 403 page for a role the officer does not hold."""
    if step not in STEPS:
        abort(404)
    role = role_needed(f"calloff.{step}")
    if not current_user.holds(role):
        return forbidden(role)
    return None


def _form_page(calloff: int, step: str, form: Form) -> str:
    shown = desk.office().show(calloff)
    return render_template(
        "web/calloff_step.html",
        c=shown,
        step=step,
        s=STEPS[step],
        labels=LABELS,
        form=form,
        errors=form.summary(),
        crumbs=[*_crumbs(shown, link=True), {"text": STEPS[step].verb}],
        active="requests",
    )


def _check_page(calloff: int, step: str, form: Form, on: str | None, outcome: str | None) -> str:
    shown = desk.office().show(calloff)
    return render_template(
        "web/calloff_check.html",
        c=shown,
        step=step,
        s=STEPS[step],
        labels=LABELS,
        form=form,
        on=on,
        outcome=outcome,
        crumbs=[*_crumbs(shown, link=True), {"text": "Check"}],
        active="requests",
    )


def _crumbs(shown: dict[str, Any], link: bool = False) -> list[dict[str, str]]:
    rid, cid = shown["request"], shown["calloff"]
    crumbs = [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Requests", "href": url_for("requests.list_requests")},
        {"text": f"Request {rid}", "href": url_for("requests.show", request_id=rid)},
        {"text": f"Call-off {cid}"},
    ]
    if link:
        crumbs[-1]["href"] = url_for("calloffs.show", calloff=cid)
    return crumbs


def _field_for(step: str, message: str, on: str | None) -> str:
    """The field a refusal is about: a field it names, the date when it names that day
    (or the term), else the first field."""
    lowered = message.lower()
    for field in STEPS[step].fields:
        if field in lowered.split(":")[0]:
            return field
    if (on and on in message) or "in force" in lowered or "today" in lowered:
        return "on"
    return STEPS[step].fields[0] if STEPS[step].fields else "on"


def _outcome(step: str, done: Any) -> str | None:
    """What the rehearsed write would lead to, for the check page: where a declined
    request goes next, when an approved offer must be answered, a varied value."""
    if step == "decline":
        nxt = done.calloff
        if nxt is not None and done.provider is not None:
            return (
                f"The request is {done.status.replace('_', ' ')} to {done.provider.name} "
                f"(rank {nxt.rank}) at {money(nxt.value)}."
            )
        return f"The request is left unallocated: {done.refused}"
    if step == "approve":
        return (
            f"The call-off is offered to the provider, to respond by {long_day(done.respond_by)}."
        )
    if step == "vary":
        return f"The call-off is worth {money(done.value)}."
    return None


def _done_message(calloff: int, step: str, done: Any) -> str:
    """The line the command prints when the action is done."""
    office = desk.office()
    if step == "accept":
        return f"Call-off {done.id} accepted on {done.decided_on}."
    if step == "decline":
        nxt = done.calloff
        if nxt is not None and done.provider is not None:
            answer = (
                f"respond by {nxt.respond_by}."
                if nxt.respond_by
                else "to be approved by another officer before it is offered."
            )
            passed = "".join(
                f"\nPassed over rank {p.rank} {p.name}: {p.reason}" for p in done.passed_over
            )
            return (
                f"Call-off {calloff} declined.{passed}\nCall-off {nxt.id}: request "
                f"{nxt.request_id} {done.status.replace('_', ' ')} to {done.provider.name} "
                f"(rank {nxt.rank} on lot {nxt.lot}) at {money(nxt.value)}, {nxt.funding}; "
                f"{answer} Headroom left {money(nxt.headroom_after)}."
            )
        return (
            f"Call-off {calloff} declined.\nRequest {done.request.id} is unallocated: "
            f"{done.refused}"
        )
    if step == "approve":
        ref = f" (decision {done.decision})" if done.decision else ""
        who = office.audit(calloff=done.id)[-1].acted
        return (
            f"Call-off {done.id} approved by {who} on {done.approved_on}{ref} and offered; "
            f"respond by {done.respond_by}."
        )
    if step == "reject":
        return f"Call-off {done.id} rejected; request {done.request_id} can be allocated again."
    if step == "vary":
        return f"Call-off {done.id} now worth {money(done.value)}."
    spent = money(office.spent(done.id))
    if step == "complete":
        return f"Call-off {done.id} completed: commitment {spent} (value was {money(done.value)})."
    return f"Call-off {done.id} cancelled: commitment {spent}."
