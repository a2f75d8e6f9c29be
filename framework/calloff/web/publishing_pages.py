"""Publishing: the compliance calendar (what is due, by when, overdue first, as `calloff
due` lists it), recording an item as published (a form, a check-your-answers page, then
`calloff published`), and the history of what was published and by whom.

Every signed-in officer reads these pages. Recording an item needs the role the library
names for it (`Office.publication_role`: finance for a payment publication, an officer's
otherwise), checked before the form is read. The files and notices to download are in
`calloff.web.publishing_files`, on this blueprint.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from calloff import CalloffError, NotAuthorised
from calloff.web import desk
from calloff.web.forms import Form, whole, with_today
from calloff.web.security import forbidden, signed_in
from calloff.web.signing_in import desk_message

blueprint = Blueprint("publishing", __name__)
PAGE = 50  # items or publications a page
KEPT = 16  # pages of the calendar kept, the most recently asked for
_kept: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()
QUARTERLY = re.compile(r"(spend|contracts|payments)-([0-9]{4}-[0-9]{2})-Q([1-4])")
HALF = re.compile(r"payment-performance-([0-9]{4}-[0-9]{2}-H[12])")
CHANGE = re.compile(r"calloff-[0-9]+-change-([0-9]+)")


@blueprint.get("/publishing")
@signed_in
def publishing() -> Any:
    """The compliance calendar as at today (or the day asked), a page at a time."""
    office = desk.office()
    everything = request.args.get("all", "")
    page = request.args.get("page", "1")
    if everything not in ("", "1") or not whole(page) or int(page) < 1:
        abort(404)
    form = Form({k: v for k, v in request.args.items() if k.startswith("on-")})
    on = form.day("on", "date", required=False)
    if form.errors:
        return _calendar_page(form, None, everything, 1), 400
    try:
        calendar = _due(office, on, everything == "1", int(page))
    except CalloffError as e:
        form.error("on", desk_message(e))
        return _calendar_page(form, None, everything, 1), 400
    total = calendar["open"] + (calendar["published"] if everything else 0)
    if int(page) > 1 and not calendar["items"]:
        abort(404)
    return _calendar_page(form, calendar, everything, int(page), total)


def _due(office: Any, on: str | None, everything: bool, page: int) -> dict[str, Any]:
    """One page of the calendar. Working it out reads every call-off (about a second at
    100,000), and it changes only when something is recorded or the day turns: so the
    last few pages asked for are kept while nothing has been recorded since."""
    key = (str(desk.settings().database), office.last_event, date.today(), on, everything, page)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    found: dict[str, Any] = office.due(on=on, all=everything, limit=PAGE, offset=(page - 1) * PAGE)
    with _lock:
        _kept[key] = found
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return found


def _calendar_page(
    form: Form, calendar: dict[str, Any] | None, everything: str, page: int, total: int = 0
) -> str:
    office = desk.office()
    pages = max(1, -(-total // PAGE))
    kept = {"all": everything, **{k: form.get(k) for k in ("on-day", "on-month", "on-year")}}
    rows = []
    for item in calendar["items"] if calendar else []:
        role = office.publication_role(item["item"])
        rows.append(
            {
                **item,
                "file": file_link(item),
                "may_record": item["published_on"] is None and current_user.holds(role),
            }
        )
    return render_template(
        "web/publishing.html",
        calendar=calendar,
        rows=rows,
        total=total,
        first=(page - 1) * PAGE + 1,
        page=page,
        pages=pages,
        pagination=pagination("publishing.publishing", page, pages, kept),
        everything=everything == "1",
        regime=office.framework.regime_name,
        form=form,
        errors=form.summary(),
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Publishing"}],
        active="publishing",
    )


def file_link(item: dict[str, Any]) -> str | None:
    """Where to download the file or notice an item asks for (what its `command` makes)."""
    name = item["item"]
    if item["calloff"] is not None:
        args: dict[str, Any] = {"calloff": item["calloff"], "type": item["kind"]}
        change = CHANGE.fullmatch(name)
        if change:
            args["variation"] = change.group(1)
        return url_for("publishing.download", name="notice", **args, format="json")
    quarterly = QUARTERLY.fullmatch(name)
    if quarterly:
        kind, year, quarter = quarterly.groups()
        return url_for("publishing.download", name=kind, year=year, quarter=quarter, format="csv")
    half = HALF.fullmatch(name)
    if half:
        return url_for(
            "publishing.download", name="payment-performance", half=half.group(1), format="csv"
        )
    return None


def pagination(endpoint: str, number: int, pages: int, kept: dict[str, str]) -> Any:
    """GOV.UK pagination: previous, next and the pages around this one."""
    if pages <= 1:
        return None
    args: dict[str, Any] = {k: v for k, v in kept.items() if v}

    def link(n: int) -> str:
        return url_for(endpoint, **args, page=n)

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


# -- recording an item as published --------------------------------------------------------


@blueprint.get("/publishing/record/<item>")
@signed_in
def record_form(item: str) -> Any:
    refused = _refuse(item)
    if refused is not None:
        return refused
    return _record_page(item, with_today(Form()))


@blueprint.post("/publishing/record/<item>")
@signed_in
def record(item: str) -> Any:
    refused = _refuse(item)
    if refused is not None:
        return refused
    form = Form(request.form)
    on = form.day("on", "date it was published")
    if form.errors or on is None:
        return _record_page(item, form), 400
    reference = form.get("reference") or None
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        done = desk.write_or_rehearse(confirmed, "published", item, on=on, reference=reference)
    except CalloffError as e:
        field = "reference" if "reference" in str(e).split(":")[0] else "on"
        form.error(field, desk_message(e))
        return _record_page(item, form), 403 if isinstance(e, NotAuthorised) else 400
    if not confirmed:
        return _record_page(item, form, check=on)
    flash(done_line(done), "outcome")
    return redirect(url_for("publishing.publishing"))


def done_line(done: dict[str, Any]) -> str:
    """What `calloff published` prints once it is recorded."""
    late = ""
    if done["published_late"]:
        days = (date.fromisoformat(done["published_on"]) - date.fromisoformat(done["due_by"])).days
        late = f", {days} day{'s' if days != 1 else ''} late"
    return (
        f"Recorded {done['item']} as published on {done['published_on']}"
        + (f" ({done['reference']})" if done["reference"] else "")
        + f": it was due by {done['due_by']}{late}."
    )


def _refuse(item: str) -> Any:
    """The 403 page for an officer without the role this item needs; 404 for a name that
    cannot be an item."""
    try:
        role = desk.office().publication_role(item)
    except CalloffError:
        abort(404)
    if not current_user.holds(role):
        return forbidden(role)
    return None


def _record_page(item: str, form: Form, check: str | None = None) -> str:
    """The form (or, with `check`, the check-your-answers page) for one due item."""
    found = desk.office().due_item(item)
    crumbs = [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Publishing", "href": url_for("publishing.publishing")},
        {"text": found["item"]},
    ]
    return render_template(
        "web/publishing_check.html" if check else "web/publishing_record.html",
        i=found,
        on=check,
        file=file_link(found),
        form=form,
        errors=form.summary(),
        crumbs=crumbs,
        active="publishing",
    )


# -- the history ---------------------------------------------------------------------------


@blueprint.get("/publishing/history")
@signed_in
def history() -> Any:
    """What was recorded as published, the latest first, with who recorded it and when."""
    office = desk.office()
    page = request.args.get("page", "1")
    if not whole(page) or int(page) < 1:
        abort(404)
    total = office.count_publications()
    pages = max(1, -(-total // PAGE))
    number = min(int(page), pages)
    return render_template(
        "web/publishing_history.html",
        published=office.publications(limit=PAGE, offset=(number - 1) * PAGE),
        total=total,
        first=(number - 1) * PAGE + 1,
        page=number,
        pages=pages,
        pagination=pagination("publishing.history", number, pages, {}),
        crumbs=[
            {"text": "Home", "href": url_for("home.home")},
            {"text": "Publishing", "href": url_for("publishing.publishing")},
            {"text": "What was published"},
        ],
        active="publishing",
    )


from calloff.web import publishing_files  # noqa: E402,F401  (its routes are on this blueprint)
