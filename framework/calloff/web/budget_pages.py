"""Set-up: the budget. Each funding stream's caps by financial year with the day each
applies from (the history, as `calloff ceiling set` and the definition wrote it), each
year's headroom, setting a cap, and confirming a pending stream (the DfE grant). The term
and the framework's settings are on this blueprint too (`calloff.web.budget_term`).

Every page is the admin's; every change goes form, check your answers, confirm, and ends
with the command's own line.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from calloff import CalloffError, FinancialYear
from calloff.arguments import parse_money
from calloff.documents.rendering import money
from calloff.web import budget_term, desk
from calloff.web.forms import Form, with_today
from calloff.web.register_steps import (
    Field,
    check_page,
    crumbs,
    field_named,
    form_page,
    long_day,
    status,
)
from calloff.web.security import needs, needs_role
from calloff.web.signing_in import desk_message

blueprint = Blueprint("budget", __name__)
for rule, endpoint, view, methods in budget_term.ROUTES:
    blueprint.add_url_rule(rule, endpoint, view, methods=methods)


@blueprint.get("/setup/budget")
@needs_role("admin")
def budget() -> str:
    office = desk.office()
    fw = office.framework
    history = office.cap_history()
    years = sorted({*fw.term.years(), *(c.year for c in history)})
    positions = []
    for year in years:
        try:
            positions.append(office.headroom(year=year))
        except CalloffError:  # a year the framework cannot hold: nothing to show for it
            continue
    return render_template(
        "web/budget.html",
        fw=fw,
        caps=_cap_rows(history),
        positions=positions,
        crumbs=crumbs({"text": "Budget"}),
        active="setup",
    )


def _cap_rows(history: list[Any]) -> list[dict[str, Any]]:
    """Each cap recorded, saying whether it is in force or which later one replaced it."""
    rows = []
    for i, c in enumerate(history):
        later = next(
            (d for d in history[i + 1 :] if (d.stream, d.year) == (c.stream, c.year)), None
        )
        state = "in force" if later is None else f"replaced from {long_day(later.on)}"
        rows.append({"cap": c, "state": state, "recorded": c.recorded_at[:10]})
    return rows


# -- a stream's cap for a year ----------------------------------------------------------------


def _ceiling_fields() -> list[Field]:
    fw = desk.office().framework
    first, last = FinancialYear.of(fw.term.start), FinancialYear.of(fw.term.latest_end)
    years = [str(FinancialYear(y)) for y in range(first.start_year, last.start_year + 1)]
    capped = tuple(
        (s.name, f"{s.name}: {s.title}" if s.title else s.name) for s in fw.streams if s.capped
    )
    return [
        Field("dropdown", "year", "Financial year",
              items=(("", "Choose a year"), *((y, y) for y in years))),
        Field("radios", "funding", "Funding stream", items=capped),
        Field("money", "amount", "The stream's cap for the year, excluding VAT",
              hint="In pounds, such as 150000.00. It replaces the cap from the date below."),
        Field("date", "on", "Date the cap applies from"),
    ]  # fmt: skip


def _ceiling_form(form: Form) -> str:
    return form_page(
        title="Set a funding stream's cap",
        explains="A cap applies from its date: reports for earlier days keep the cap in "
        "force then. It is refused if any day after it would have more committed than the "
        "ceiling.",
        form=form,
        fields=_ceiling_fields(),
        action=url_for("budget.set_ceiling"),
        button="Continue",
        back=("Back to the budget", url_for("budget.budget")),
        trail=_trail("Set a cap"),
    )


@blueprint.get("/setup/budget/ceiling")
@needs("ceiling.set")
def ceiling_form() -> str:
    return _ceiling_form(with_today(Form(request.args)))


@blueprint.post("/setup/budget/ceiling")
@needs("ceiling.set")
def set_ceiling() -> Any:
    form = Form(request.form)
    year = form.required("year", "Choose the financial year")
    funding = form.required("funding", "Choose the funding stream")
    amount = form.required("amount", "Enter the cap, such as 150000.00")
    on = form.day("on", "date the cap applies from")
    if year:
        form.read("year", FinancialYear.parse, year)
    if amount:
        form.read("amount", parse_money, amount)
    form.not_future("on", on)
    if form.errors:
        return _ceiling_form(form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        pos = desk.write_or_rehearse(
            confirmed, "set_ceiling", year=year, funding=funding, amount=amount, on=on
        )
    except CalloffError as e:
        where = field_named(desk_message(e), _ceiling_fields(), {"on": on})
        form.error("funding" if funding in str(e).split(":")[0] else where, desk_message(e))
        return _ceiling_form(form), status(e)
    if not confirmed:
        return check_page(
            title="Set a funding stream's cap",
            form=form,
            rows=[
                ("Financial year", year),
                ("Funding stream", funding),
                ("Cap", money(parse_money(amount))),
                ("Applies from", long_day(on)),
                ("On that day", f"ceiling {money(pos.ceiling)}, headroom {money(pos.headroom)}"),
            ],
            action=url_for("budget.set_ceiling"),
            button="Set the cap",
            back=("Back to the budget", url_for("budget.budget")),
            trail=_trail("Set a cap"),
        )
    flash(
        f"{funding} cap for {year} set to {money(parse_money(amount))} from {on}; on that "
        f"day the ceiling is {money(pos.ceiling)} and headroom {money(pos.headroom)}.",
        "outcome",
    )
    return redirect(url_for("budget.budget"))


# -- confirming a pending stream --------------------------------------------------------------


def _stream(name: str) -> Any:
    for s in desk.office().framework.streams:
        if s.name == name:
            return s
    abort(404)


def _funding_form(stream: Any, form: Form) -> str:
    return form_page(
        title=f"Confirm the {stream.title or stream.name}",
        caption=f"Funding stream {stream.name}",
        explains=_what_confirming_does(stream),
        form=form,
        fields=[Field("date", "on", "Date the funding was confirmed")],
        action=url_for("budget.confirm_funding", stream=stream.name),
        button="Continue",
        back=("Back to the budget", url_for("budget.budget")),
        trail=_trail(f"Confirm {stream.name}"),
    )


def _what_confirming_does(stream: Any) -> str:
    """What the ceiling becomes once the stream counts, year by year."""
    if stream.status == "confirmed":
        return f"Funding stream {stream.name} is already confirmed."
    office = desk.office()
    after = []
    for year, cap in sorted(stream.caps.items()):
        try:
            ceiling = office.headroom(year=year).ceiling
        except CalloffError:
            continue
        after.append(f"for {year} the ceiling becomes {money(ceiling + cap)}")
    said = "; ".join(after) if after else "its caps count towards the ceiling"
    return (
        f"While it is pending, {stream.name} adds nothing to the ceiling. Once confirmed, "
        f"its caps count from the date below: {said}."
    )


@blueprint.get("/setup/budget/funding/<stream>")
@needs("funding.confirm")
def funding_form(stream: str) -> str:
    return _funding_form(_stream(stream), with_today(Form()))


@blueprint.post("/setup/budget/funding/<stream>")
@needs("funding.confirm")
def confirm_funding(stream: str) -> Any:
    found = _stream(stream)
    form = Form(request.form)
    on = form.day("on", "date the funding was confirmed")
    form.not_future("on", on)
    if form.errors:
        return _funding_form(found, form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        desk.write_or_rehearse(confirmed, "confirm_funding", found.name, on=on)
    except CalloffError as e:
        form.error("on", desk_message(e))
        return _funding_form(found, form), status(e)
    if not confirmed:
        return check_page(
            title=f"Confirm the {found.title or found.name}",
            explains=_what_confirming_does(found),
            form=form,
            rows=[("Funding stream", found.name), ("Confirmed on", long_day(on))],
            action=url_for("budget.confirm_funding", stream=found.name),
            button=f"Confirm {found.name}",
            back=("Back to the budget", url_for("budget.budget")),
            trail=_trail(f"Confirm {found.name}"),
        )
    flash(f"Funding stream {found.name} confirmed on {on}.", "outcome")
    return redirect(url_for("budget.budget"))


def _trail(last: str) -> list[dict[str, str]]:
    return crumbs({"text": "Budget", "href": url_for("budget.budget")}, {"text": last})
