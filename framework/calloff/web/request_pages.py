"""Requests: the list with its filters, adding one, and allocating it down the ranking.

The allocation's page shows what `calloff allocate` prints: who was offered, every
provider passed over with the reason, and the headroom left; a refusal (no eligible
provider, the ceiling) is the command's own sentence, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from calloff import CalloffError, FinancialYear, NotAuthorised
from calloff.api import REQUEST_STATUSES
from calloff.documents.rendering import money
from calloff.web import desk
from calloff.web.forms import Form, whole, with_today
from calloff.web.security import needs, signed_in
from calloff.web.signing_in import desk_message

blueprint = Blueprint("requests", __name__)
PAGE = 50  # requests a page


@blueprint.get("/requests")
@signed_in
def list_requests() -> Any:
    office = desk.office()
    fw = office.framework
    lot, status, year = (request.args.get(k, "") for k in ("lot", "status", "year"))
    page = request.args.get("page", "1")
    if (
        (lot and lot not in {str(x.number) for x in fw.lots})
        or (status and status not in REQUEST_STATUSES)
        or (year and year not in _years(fw))
        or not whole(page)
        or int(page) < 1
    ):
        abort(404)
    filters: dict[str, Any] = {
        "lot": int(lot) if lot else None,
        "status": status or None,
        "year": year or None,
    }
    total = office.count_requests(**filters)
    pages = max(1, -(-total // PAGE))
    number = min(int(page), pages)
    shown = office.requests(**filters, limit=PAGE, offset=(number - 1) * PAGE)
    return render_template(
        "web/requests.html",
        requests=shown,
        total=total,
        first=(number - 1) * PAGE + 1,
        page=number,
        pages=pages,
        pagination=_pagination(number, pages, {"lot": lot, "status": status, "year": year}),
        lots=fw.lots,
        statuses=REQUEST_STATUSES,
        years=_years(fw),
        chosen={"lot": lot, "status": status, "year": year},
        may_add=office.may("request.add"),
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Requests"}],
        active="requests",
    )


def _years(fw: Any) -> list[str]:
    """The financial years of the framework's term, with its extensions."""
    first, last = FinancialYear.of(fw.term.start), FinancialYear.of(fw.term.latest_end)
    return [str(FinancialYear(y)) for y in range(first.start_year, last.start_year + 1)]


def _pagination(number: int, pages: int, kept: dict[str, str]) -> dict[str, Any] | None:
    """GOV.UK pagination: previous, next and the pages around this one."""
    if pages <= 1:
        return None
    args: dict[str, Any] = {k: v for k, v in kept.items() if v}

    def link(n: int) -> str:
        return url_for("requests.list_requests", **args, page=n)

    near = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    items: list[dict[str, Any]] = []
    for i, n in enumerate(near):
        if i and n - near[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": link(n), "current": n == number})
    found: dict[str, Any] = {"items": items}
    if number > 1:
        found["previous"] = {"href": link(number - 1)}
    if number < pages:
        found["next"] = {"href": link(number + 1)}
    return found


@blueprint.get("/requests/new")
@needs("request.add")
def new() -> str:
    return _new_page(with_today(Form()))


@blueprint.post("/requests/new")
@needs("request.add")
def add() -> Any:
    form = Form(request.form)
    lot = form.required("lot", "Choose the lot")
    title = form.required("title", "Enter what the training is")
    start = form.day("start", "start date")
    end = form.day("end", "end date", required=False)
    on = form.day("on", "date the request was agreed")
    value, quantity = form.get("value"), form.get("quantity")
    if not value and not quantity:
        form.error("value", "Enter the value, or a quantity and unit priced at the rate")
    for name, what in (
        ("lot", "Choose the lot"),
        ("quantity", "Enter the quantity as a whole number"),
        ("attendees", "Enter the number of practitioners as a whole number"),
    ):
        if form.get(name) and not whole(form.get(name)):
            form.error(name, what)
    if form.errors:
        return _new_page(form), 400
    try:
        with desk.turn():
            made = desk.office().add_request(
                lot=int(lot),
                title=title,
                start=start or "",
                end=end,
                value=value or None,
                quantity=int(quantity) if quantity else None,
                unit=form.get("unit") or None,
                funding=form.get("funding") or None,
                attendees=int(form.get("attendees")) if form.get("attendees") else None,
                on=on,
            )
    except CalloffError as e:
        form.error(_field_of(str(e), {"on": on, "start": start, "end": end}), desk_message(e))
        return _new_page(form), _status(e)
    flash(f"Request {made.id} recorded on lot {made.lot}.")
    return redirect(url_for("requests.show", request_id=made.id))


@blueprint.get("/requests/<int(min=1, max=4611686018427387904):request_id>")
@signed_in
def show(request_id: int) -> str:
    office = desk.office()
    standing = _request(request_id)
    return render_template(
        "web/request.html",
        r=office.request(request_id),
        standing=standing,
        history=office.history(request_id),
        may_allocate=standing.status in ("new", "unallocated") and office.may("calloff.offer"),
        crumbs=_crumbs(request_id),
        active="requests",
    )


@blueprint.get("/requests/<int(min=1, max=4611686018427387904):request_id>/allocate")
@needs("calloff.offer")
def allocate_check(request_id: int) -> str:
    return _allocate_page(request_id, with_today(Form()))


@blueprint.post("/requests/<int(min=1, max=4611686018427387904):request_id>/allocate")
@needs("calloff.offer")
def allocate(request_id: int) -> Any:
    form = Form(request.form)
    on = form.day("on", "date of the offer")
    if form.errors:
        return _allocate_page(request_id, form), 400
    try:
        with desk.turn():
            outcome = desk.office().allocate(request_id, on=on)
    except CalloffError as e:
        form.error("on", desk_message(e))
        return _allocate_page(request_id, form), _status(e)
    if outcome.calloff is None:  # nobody could take it: the command's line, nothing written
        form.error("on", f"Request {request_id} is unallocated: {outcome.refused}")
        return _allocate_page(request_id, form), 400
    # Post, then redirect: the call-off's page shows the outcome once, as the command
    # prints it, and reloading it cannot allocate again.
    flash(_outcome_lines(outcome), "outcome")
    return redirect(url_for("calloffs.show", calloff=outcome.calloff.id))


def _outcome_lines(outcome: Any) -> str:
    """What `calloff allocate` prints: each pass-over, then the offer."""
    lines = [f"Passed over rank {p.rank} {p.name}: {p.reason}" for p in outcome.passed_over]
    c = outcome.calloff
    answer = (
        f"respond by {c.respond_by}."
        if c.respond_by
        else "to be approved by another officer before it is offered."
    )
    lines.append(
        f"Call-off {c.id}: request {c.request_id} {outcome.status.replace('_', ' ')} to "
        f"{outcome.provider.name} (rank {c.rank} on lot {c.lot}) at {money(c.value)}, "
        f"{c.funding}; {answer} Headroom left {money(c.headroom_after)}."
    )
    if outcome.approval_reason:
        lines.append(f"Needs approval: {outcome.approval_reason}.")
    return "\n".join(lines)


def _request(request_id: int) -> Any:
    found = desk.office().requests(request=request_id)
    if not found:
        abort(404)
    return found[0]


def _new_page(form: Form) -> str:
    office = desk.office()
    fw = office.framework
    return render_template(
        "web/request_new.html",
        form=form,
        errors=form.summary(),
        lots=fw.lots,
        streams=fw.streams,
        default_funding=fw.default_funding,
        crumbs=[
            {"text": "Home", "href": url_for("home.home")},
            {"text": "Requests", "href": url_for("requests.list_requests")},
            {"text": "Add a request"},
        ],
        active="requests",
    )


def _allocate_page(request_id: int, form: Form) -> str:
    standing = _request(request_id)
    return render_template(
        "web/allocate.html",
        r=standing,
        form=form,
        errors=form.summary(),
        crumbs=[*_crumbs(request_id), {"text": "Allocate"}],
        active="requests",
    )


def _crumbs(request_id: int) -> list[dict[str, str]]:
    return [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Requests", "href": url_for("requests.list_requests")},
        {"text": f"Request {request_id}", "href": url_for("requests.show", request_id=request_id)},
    ]


FIELDS = (
    ("lot", "lot"),
    ("title", "title"),
    ("end", "end"),
    ("start", "start"),
    ("quantity", "quantity"),
    ("unit", "unit"),
    ("funding", "funding"),
    ("attendees", "attendees"),
    ("value", "value"),
)


def _field_of(message: str, days: dict[str, str | None]) -> str:
    """The field a refusal is about: the date it names, else the first field it names
    before its colon, else the value."""
    for field, day in days.items():
        if day and day in message.split(":")[0]:
            return field
    lowered = message.lower().split(":")[0]
    for word, field in FIELDS:
        if word in lowered:
            return field
    return "value"


def _status(error: CalloffError) -> int:
    return 403 if isinstance(error, NotAuthorised) else 400
