"""The forms that write a competition: open one for a request, record a bid or a no-bid,
award it, cancel it. Each is a form, then a check-your-answers page, then (`confirm=yes`)
the one `Office` call inside `desk.turn()`; a refusal is the command's own sentence,
linked to its field, and nothing is written.

A bid's price and scores appear only on the form and the check page of the officer
typing them in: once recorded they are sealed until the closing day, so the outcome
banner says the bid was recorded, not what it was.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from calloff import CalloffError
from calloff.api import role_needed
from calloff.arguments import parse_amount, parse_mark, parse_money
from calloff.documents import json_shapes
from calloff.documents.rendering import money
from calloff.web import desk
from calloff.web.competition_pages import (
    NUMBER,
    blueprint,
    crumbs,
    refused_field,
    status_of,
    summary,
)
from calloff.web.forms import Form, whole, with_today
from calloff.web.register_steps import long_day
from calloff.web.security import forbidden, signed_in
from calloff.web.signing_in import desk_message

# The steps whose date the library refuses after today (a bid's and a no-bid's are checked
# by its preview), by what its refusal calls the date.
DATED = {"award": "the award date", "cancel": "the cancellation date"}
# step: (the event it records, its heading, what it does)
STEPS = {
    "bid": (
        "competition.bid",
        "Record a bid",
        "An invited provider's bid: sealed until the close.",
    ),
    "no-bid": ("competition.no_bid", "Record a no-bid", "An invited provider will not bid."),
    "award": (
        "competition.award",
        "Award",
        "The call-off goes to the highest total, a tie to the better rank, at its bid price.",
    ),
    "cancel": (
        "competition.cancel",
        "Cancel the competition",
        "The competition ends without an award; its request can be called off again.",
    ),
}


@blueprint.get(f"/competitions/<{NUMBER}:competition>/<step>")
@signed_in
def step_form(competition: int, step: str) -> Any:
    refused = _refuse(step)
    if refused is not None:
        return refused
    return _step_page(competition, step, with_today(Form()))


@blueprint.post(f"/competitions/<{NUMBER}:competition>/<step>")
@signed_in
def step_post(competition: int, step: str) -> Any:
    refused = _refuse(step)
    if refused is not None:
        return refused
    office = desk.office()
    data = office.competition(competition)
    form = Form(request.form)
    args: dict[str, Any] = {}
    if step in ("bid", "no-bid"):
        # Any provider chosen goes to the library, which says what is wrong with one that
        # has answered already or was not invited (a second tab, a form sent twice).
        provider = form.get("provider")
        if not whole(provider):
            form.error("provider", "Choose the provider")
        else:
            args["provider"] = int(provider)
    if step == "bid":
        args["price"] = form.required("price", "Enter the price")
        if args["price"]:
            form.read("price", parse_amount, args["price"], "price")
        args["scores"] = {n: _score(form, n) for n in data["weights"] if n != "price"}
    if step == "cancel":
        args["reason"] = form.required("reason", "Enter the reason")
    if step == "no-bid" and form.get("reason"):
        args["reason"] = form.get("reason")
    args["on"] = form.day("on", "date")
    if step in DATED:
        form.not_future("on", args["on"], DATED[step])
    if form.errors:
        return _step_page(competition, step, form), 400
    try:
        if form.get("confirm") != "yes":
            answer = _preview(competition, step, args)
            # An award or a cancellation has no preview of its own: Continue rehearses the
            # very write Confirm does, so the check page is only for what it would do.
            rehearsed = None if answer is not None else _write(competition, step, args, False)
            return _step_check(competition, step, form, args, answer, rehearsed)
        done = _write(competition, step, args)
    except CalloffError as e:
        form.error(_refused(str(e), form, args), desk_message(e))
        return _step_page(competition, step, form), status_of(e)
    flash(_done(competition, step, done, args), "outcome")
    if step == "award":
        return redirect(url_for("calloffs.show", calloff=done.id))
    return redirect(url_for("competitions.show", competition=competition))


def _refuse(step: str) -> Any:
    """404 for an unknown step; the 403 page for a role the officer does not hold: both
    before the form is read."""
    if step not in STEPS:
        abort(404)
    role = role_needed(STEPS[step][0])
    if not current_user.holds(role):
        return forbidden(role)
    return None


def _score(form: Form, name: str) -> str:
    given = form.required(f"score-{name}", f"Enter the score for {name}")
    if given:
        try:
            parse_mark(given, name)
        except CalloffError as e:
            form.error(f"score-{name}", desk_message(e))
    return given


def _refused(message: str, form: Form, args: dict[str, Any]) -> str:
    """The field a refusal is about: the provider, for one that has answered already or
    was not invited; else as `refused_field` finds it."""
    head = message.split(":")[0]
    if "provider" in args and (" already " in head or " was not invited " in head):
        return "provider"
    return refused_field(message, form, args.get("scores", {}), None, args["on"])


def _preview(competition: int, step: str, args: dict[str, Any]) -> Any:
    """What a bid or no-bid would record, or the library's refusal; nothing written."""
    office = desk.office()
    if step == "bid":
        return office.preview_bid(competition, **args)
    if step == "no-bid":
        return office.preview_no_bid(competition, **args)
    return None


def _write(competition: int, step: str, args: dict[str, Any], confirmed: bool = True) -> Any:
    """The step's write, in this server's turn; rehearsed (nothing written) unless
    `confirmed`."""
    method = {"no-bid": "no_bid", "cancel": "cancel_competition"}.get(step, step)
    return desk.write_or_rehearse(confirmed, method, competition, **args)


def _step_check(
    competition: int, step: str, form: Form, args: dict[str, Any], answer: Any, rehearsed: Any
) -> str:
    """Check your answers: what will be recorded (a bid or no-bid as the library's preview
    has it, an award as its rehearsal made it), in the words of the form."""
    office = desk.office()
    data = office.competition(competition)
    rows: list[tuple[str, str]] = []
    if answer is not None:
        rows.append(("Provider", f"{answer.name} (rank {answer.rank})"))
    if step == "bid":
        rows.append(("Price, excluding VAT", money(answer.price)))
        for name, mark in args["scores"].items():
            rows.append((f"{_title(name)}: score out of 100", mark))
    if step in ("no-bid", "cancel"):
        rows.append(("Reason", args.get("reason") or "None given"))
    if step == "award":
        rows += _award_rows(competition, args["on"])
        rows.append(("Then", _award_then(rehearsed)))
    rows.append(("Date", args["on"]))
    return render_template(
        "web/competition_check.html",
        k=data,
        heading=STEPS[step][1],
        explains=STEPS[step][2],
        rows=rows,
        dates=("Date",),
        form=form,
        action=url_for("competitions.step_post", competition=competition, step=step),
        back=url_for("competitions.show", competition=competition),
        back_text=f"Back to competition {competition}",
        warning=step == "cancel",
        crumbs=[*crumbs(competition, link=True), {"text": "Check"}],
        active="competitions",
    )


def _award_rows(competition: int, on: str) -> list[tuple[str, str]]:
    """The winner on the award's day, as the library scores it (sealed before the close)."""
    data = desk.office().competition(competition, on=on)
    win = data["winner"]
    if win is None:
        return [
            ("Bids", f"none to award on that day (bids close at the end of {data['closes_on']})")
        ]
    return [
        ("Goes to", f"{win['name']} (rank {win['rank']}), total {win['total']} of 100"),
        ("Value of the call-off", money(parse_money(win["price"]))),
    ]


def _award_then(done: Any) -> str:
    """What the rehearsed award made of the call-off: offered, or waiting for approval."""
    if done.respond_by:
        return f"Call-off offered to the provider, to respond by {long_day(done.respond_by)}"
    return "Call-off to be approved by another officer before it is offered"


def _step_page(competition: int, step: str, form: Form) -> str:
    office = desk.office()
    data = office.competition(competition)
    return render_template(
        "web/competition_step.html",
        k=data,
        heading=STEPS[step][1],
        explains=STEPS[step][2],
        fields=_fields(step, data, form),
        form=form,
        errors=summary(form),
        action=url_for("competitions.step_post", competition=competition, step=step),
        back=url_for("competitions.show", competition=competition),
        back_text=f"Back to competition {competition}",
        crumbs=[*crumbs(competition, link=True), {"text": STEPS[step][1]}],
        active="competitions",
    )


def _fields(step: str, data: dict[str, Any], form: Form) -> list[dict[str, Any]]:
    """What the step's form asks, in order: each a kind of input the template knows."""
    fields: list[dict[str, Any]] = []
    if step in ("bid", "no-bid"):
        items = [
            {
                "value": str(p["provider"]),
                "text": f"{p['name']} (rank {p['rank']})",
                "checked": form.get("provider") == str(p["provider"]),
            }
            for p in data["no_answer"]
        ]
        fields.append({"kind": "radios", "name": "provider", "label": "Provider", "items": items})
    if step == "bid":
        fields.append(
            {
                "kind": "money",
                "name": "price",
                "label": "Price for the whole call-off, excluding VAT",
            }
        )
        for name in data["weights"]:
            if name != "price":
                fields.append(
                    {
                        "kind": "number",
                        "name": f"score-{name}",
                        "label": f"{_title(name)}: the evaluators' score",
                        "hint": "Out of 100, in at most two decimal places, for example 72.5",
                    }
                )
    if step in ("no-bid", "cancel"):
        optional = " (optional)" if step == "no-bid" else ""
        fields.append(
            {
                "kind": "text",
                "name": "reason",
                "label": f"Reason{optional}, kept for the audit trail",
            }
        )
    when = {"bid": "bid", "no-bid": "answer", "award": "award", "cancel": "cancellation"}[step]
    fields.append({"kind": "date", "name": "on", "label": f"Date of the {when}"})
    return fields


def _title(name: str) -> str:
    found = [c for c in desk.office().framework.criteria if c.name == name]
    return found[0].title if found and found[0].title else name.replace("_", " ").capitalize()


def _done(competition: int, step: str, done: Any, args: dict[str, Any]) -> str:
    """The line the command prints, except that a bid stays sealed until the close."""
    office = desk.office()
    if step == "bid":
        data = office.competition(competition)
        if data["sealed"]:
            return (
                f"Recorded a bid from {done.name} in competition {competition} on {done.on}: "
                f"sealed until the closing day, {data['closes_on']}."
            )
        given = "".join(f", {n} {m}" for n, m in json_shapes.marks(done).items())
        return (
            f"Recorded a bid from {done.name} in competition {competition} on {done.on}: "
            f"{money(done.price)}{given}."
        )
    if step == "no-bid":
        why = f": {done.reason}" if done.reason else ""
        return f"Recorded that {done.name} will not bid in competition {competition}{why}."
    if step == "cancel":
        return f"Competition {done.id} cancelled on {done.cancelled_on}: {done.cancel_reason}"
    data = office.competition(competition, on=args["on"])
    lines = [f"Set aside rank {p['rank']} {p['name']}: {p['reason']}" for p in data["set_aside"]]
    win = data["winner"]
    answer = (
        f"respond by {done.respond_by}."
        if done.respond_by
        else "to be approved by another officer before it is offered."
    )
    standstill = f"standstill ends {done.standstill_ends}; " if done.standstill_ends else ""
    lines.append(
        f"Competition {competition} awarded: call-off {done.id} "
        f"{done.status.replace('_', ' ')} to {win['name']} (rank {done.rank} on lot {done.lot}), "
        f"total {win['total']}, at {money(done.value)}; {standstill}{answer} "
        f"Headroom left {money(done.headroom_after)}."
    )
    return "\n".join(lines)
