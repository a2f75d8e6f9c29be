"""Opening a competition for a request on a lot that allows one: the lot's criteria with
their weights, refined within their ranges; the closing and opening dates; then a
check-your-answers page showing who the library would invite, and who it would pass over
and why (`Office.preview_competition`, which writes nothing); then the competition.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from calloff import CalloffError
from calloff.web import desk
from calloff.web.competition_pages import NUMBER, blueprint, refused_field, status_of, summary
from calloff.web.forms import Form, whole, with_today
from calloff.web.security import needs
from calloff.web.signing_in import desk_message

OPEN = "Run a competition"


@blueprint.get(f"/requests/<{NUMBER}:request_id>/competition")
@needs("competition.open")
def open_form(request_id: int) -> Any:
    form = with_today(with_today(Form(), "closes"))
    for c in desk.office().framework.criteria:
        form.values[f"weight-{c.name}"] = str(c.weight)
    return _open_page(request_id, form)


@blueprint.post(f"/requests/<{NUMBER}:request_id>/competition")
@needs("competition.open")
def open_post(request_id: int) -> Any:
    office = desk.office()
    form = Form(request.form)
    weights = {}
    for c in office.framework.criteria:
        given = form.get(f"weight-{c.name}")
        if not given:  # a box left empty keeps the framework's weight, shown filled in
            given = form.values[f"weight-{c.name}"] = str(c.weight)
        if not whole(given) or len(given) > 3:
            form.error(f"weight-{c.name}", f"Enter the weight for {c.name} in whole points")
        else:
            weights[c.name] = int(given)
    closes = form.day("closes", "closing date")
    on = form.day("on", "opening date")
    if form.errors:
        return _open_page(request_id, form), 400
    args: dict[str, Any] = {"closes": closes, "weights": weights, "on": on}
    try:
        confirmed = form.get("confirm") == "yes"
        if not confirmed:
            preview = office.preview_competition(request_id, **args)
        # Continue rehearses the very write Confirm does: the check page only for what it would do.
        made = desk.write_or_rehearse(confirmed, "open_competition", request_id, **args)
        if not confirmed:
            return _open_check(request_id, form, preview)
    except CalloffError as e:
        form.error(refused_field(str(e), form, weights, closes, on), desk_message(e))
        return _open_page(request_id, form), status_of(e)
    flash(_opened(made.id), "outcome")
    return redirect(url_for("competitions.show", competition=made.id))


def _open_page(request_id: int, form: Form) -> str:
    office = desk.office()
    r = office.request(request_id)
    fields: list[dict[str, Any]] = [
        {
            "kind": "number",
            "name": f"weight-{c.name}",
            "label": f"{c.title or c.name.capitalize()}: weight in points",
            "hint": f"From {c.low} to {c.high}; the framework's weight is {c.weight}",
        }
        for c in office.framework.criteria
    ]
    fields += [
        {"kind": "date", "name": "closes", "label": "Bids close at the end of"},
        {"kind": "date", "name": "on", "label": "Date it opens"},
    ]
    return render_template(
        "web/competition_step.html",
        k=None,
        r=r,
        heading=OPEN,
        explains=(
            f"Every eligible provider on lot {r.lot} is invited to bid; the weights may be "
            "refined within their ranges and must add up to 100."
        ),
        fields=fields,
        form=form,
        errors=summary(form),
        action=url_for("competitions.open_post", request_id=request_id),
        back=url_for("requests.show", request_id=request_id),
        back_text=f"Back to request {request_id}",
        crumbs=[*_request_crumbs(request_id), {"text": OPEN}],
        active="competitions",
    )


def _open_check(request_id: int, form: Form, preview: Any) -> str:
    r = desk.office().request(request_id)
    invited = [f"{i.name} (rank {i.rank})" for i in preview.invitations if i.invited]
    passed = [f"Rank {i.rank} {i.name}: {i.reason}" for i in preview.invitations if not i.invited]
    rows = [
        ("Request", f"{r.id}: {r.title}"),
        ("Lot", str(r.lot)),
        ("Weights", ", ".join(f"{n} {w}" for n, w in preview.weights.items())),
        ("Opens on", preview.opened_on.isoformat()),
        ("Bids close at the end of", preview.closes_on.isoformat()),
        ("Invited", "; ".join(invited)),
        ("Passed over", "; ".join(passed) or "Nobody"),
    ]
    return render_template(
        "web/competition_check.html",
        k=None,
        r=r,
        heading=OPEN,
        explains="Each invited provider may then bid once, or say it will not, until the close.",
        rows=rows,
        dates=("Opens on", "Bids close at the end of"),
        form=form,
        action=url_for("competitions.open_post", request_id=request_id),
        back=url_for("requests.show", request_id=request_id),
        back_text=f"Back to request {request_id}",
        warning=False,
        crumbs=[*_request_crumbs(request_id), {"text": "Check"}],
        active="competitions",
    )


def _request_crumbs(request_id: int) -> list[dict[str, str]]:
    return [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Requests", "href": url_for("requests.list_requests")},
        {"text": f"Request {request_id}", "href": url_for("requests.show", request_id=request_id)},
    ]


def _opened(competition: int) -> str:
    """What `calloff competition open` prints."""
    data = desk.office().competition(competition)
    lines = [
        f"Passed over rank {p['rank']} {p['name']}: {p['reason']}" for p in data["passed_over"]
    ]
    names = ", ".join(f"{i['name']} (rank {i['rank']})" for i in data["invited"])
    weighted = ", ".join(f"{n} {w}" for n, w in data["weights"].items())
    lines.append(
        f"Competition {competition} opened for request {data['request']} on lot {data['lot']}: "
        f"invited {names}; bids close at the end of {data['closes_on']}. Weights: {weighted}."
    )
    return "\n".join(lines)
