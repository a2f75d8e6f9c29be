"""Competitions: the list, one competition as it stands, and its bidders' letters.

Every page reads the competition through `Office.competition()`, which keeps each bid's
price and scores sealed (null) until the closing day has come, for every role: the page
prints only what that document gives, so it cannot show a price before the close. The
forms that write (open, bid, no-bid, award, cancel) are in `competition_steps`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from calloff import CalloffError, NotAuthorised
from calloff.documents.competition_view import letter_name
from calloff.web import desk
from calloff.web.downloads import send
from calloff.web.forms import Form, whole
from calloff.web.security import signed_in
from calloff.web.signing_in import desk_message

blueprint = Blueprint("competitions", __name__)
PAGE = 50  # competitions a page
NUMBER = "int(min=1, max=4611686018427387904)"
KINDS = {"html": "text/html", "md": "text/markdown"}


@blueprint.app_template_global()
def may_compete(lot: int) -> bool:
    """Whether the request page offers "Run a competition": the lot allows one and the
    signed-in officer's role may open it."""
    office = desk.office()
    found = [x for x in office.framework.lots if x.number == lot]
    return bool(found) and found[0].award != "ranked" and office.may("competition.open")


@blueprint.get("/competitions")
@signed_in
def competitions() -> Any:
    office = desk.office()
    form = Form(request.args)
    on = form.day("on", "date", required=False)
    page = request.args.get("page", "1")
    if not whole(page) or int(page) < 1:
        abort(404)
    total = office.count_competitions()
    pages = max(1, -(-total // PAGE))
    number = min(int(page), pages)
    shown: list[Any] = []
    status = 200
    if not form.errors:
        try:
            shown = office.list_competitions(on=on, limit=PAGE, offset=(number - 1) * PAGE)
        except CalloffError as e:
            form.error("on", desk_message(e))
    if form.errors:
        status = 400
    kept: dict[str, Any] = {
        k: form.get(k) for k in ("on-day", "on-month", "on-year") if form.get(k)
    }
    page_html = render_template(
        "web/competitions.html",
        competitions=shown,
        total=total,
        first=(number - 1) * PAGE + 1,
        page=number,
        pages=pages,
        pagination=_pagination(number, pages, kept),
        form=form,
        on=on,
        errors=summary(form),
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Competitions"}],
        active="competitions",
    )
    return page_html, status


@blueprint.get(f"/competitions/<{NUMBER}:competition>")
@signed_in
def show(competition: int) -> Any:
    """The competition as it stands today, or as it stood on an earlier day (`on-day`,
    `on-month`, `on-year`); the library refuses a later day, so nothing is unsealed early."""
    office = desk.office()
    form = Form(request.args)
    on = form.day("on", "date", required=False)
    status = 200
    data = office.competition(competition)  # 404 for no such competition
    if on is not None and not form.errors:
        try:
            data = office.competition(competition, on=on)
        except CalloffError as e:
            form.error("on", desk_message(e))
    if form.errors:
        status = 400
        on = None
    letters, refused = _letters(competition, data)
    criteria = {c.name: c.title or c.name.replace("_", " ").capitalize() for c in _criteria()}
    page = render_template(
        "web/competition.html",
        k=data,
        on=on,
        form=form,
        errors=summary(form),
        titles=criteria,
        marked=[n for n in data["weights"] if n != "price"],
        letters=letters,
        letters_refused=refused,
        actions=[] if on else _actions(data),
        crumbs=crumbs(competition),
        active="competitions",
    )
    return page, status


@blueprint.get(f"/competitions/<{NUMBER}:competition>/letters/<name>.<kind>")
@signed_in
def letter(competition: int, name: str, kind: str) -> Response:
    """One bidder's assessment summary: HTML to read and print, or either format to save
    (`download=1`); worked out afresh from the records, as the command writes it."""
    if kind not in KINDS:
        abort(404)
    try:
        found = desk.office().letters(competition, format=kind)
    except CalloffError:
        abort(404)
    text = found.get(f"{name}.{kind}")
    if text is None:
        abort(404)
    saved = kind == "md" or request.args.get("download") == "1"
    return send(
        text,
        f"{KINDS[kind]}; charset=utf-8",
        f"{name}.{kind}" if saved else None,
        document=True,
    )


def _letters(competition: int, data: dict[str, Any]) -> tuple[list[dict[str, str]], str]:
    """Each bidder's letter (to whom, and its file name without the extension), or the
    library's sentence saying why there are none yet; nothing before an award."""
    if data["status"] != "awarded":
        return [], ""
    try:
        names = desk.office().letters(competition, format="md")
    except CalloffError as e:
        return [], desk_message(e)
    to = {letter_name(competition, b["provider"], b["name"]): b["name"] for b in data["bids"]}
    found = []
    for file in names:
        stem = file.removesuffix(".md")
        found.append({"to": to.get(stem, stem), "name": stem})
    return found, ""


def _actions(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The buttons the competition's state today and the officer's role allow: (step,
    label), the first the main one."""
    office = desk.office()
    if data["status"] not in ("open", "closed"):
        return []
    steps = []
    if data["no_answer"] and not data["bidding_closed_on"]:  # closed for good at an award
        steps += [("bid", "Record a bid"), ("no-bid", "Record a no-bid")]
    if data["status"] == "closed":
        steps.insert(0, ("award", "Award"))
    steps.append(("cancel", "Cancel the competition"))
    action = {"bid": "bid", "no-bid": "no_bid", "award": "award", "cancel": "cancel"}
    return [(s, label) for s, label in steps if office.may(f"competition.{action[s]}")]


def _criteria() -> tuple[Any, ...]:
    return tuple(desk.office().framework.criteria)


def crumbs(competition: int | None = None, link: bool = False) -> list[dict[str, str]]:
    found = [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Competitions", "href": url_for("competitions.competitions")},
    ]
    if competition is not None:
        found.append({"text": f"Competition {competition}"})
        if link:
            found[-1]["href"] = url_for("competitions.show", competition=competition)
    return found


DATES = ("on", "closes")


def summary(form: Form) -> list[dict[str, str]]:
    """The error summary, each date's line linked to its first box."""
    return [
        {"text": m, "href": f"#{f}-day" if f in DATES else f"#{f}"} for f, m in form.errors.items()
    ]


def _pagination(number: int, pages: int, kept: dict[str, Any]) -> dict[str, Any] | None:
    """GOV.UK pagination: previous, next and the pages around this one."""
    if pages <= 1:
        return None

    def link(n: int) -> str:
        return url_for("competitions.competitions", **kept, page=n)

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


def refused_field(message: str, form: Form, named: Any, closes: str | None, on: str | None) -> str:
    """The field a refusal is about: a criterion it names, the price, a date it names;
    else the first field of the form."""
    head = message.split(":")[0].lower()
    for name in named:
        for prefix in ("weight-", "score-"):
            if f"{prefix}{name}" in form.values and name in head:
                return f"{prefix}{name}"
    if "weights" in head and named:
        return f"weight-{next(iter(named))}"
    if "price" in head and "price" in form.values:
        return "price"
    if closes and (closes in head or "closes" in head):
        return "closes"
    if (on and on in message) or "in force" in head or "today" in head or "term" in head:
        return "on"
    if "provider" in form.values and "provider" in head:
        return "provider"
    for first in ("provider", "reason", "on"):
        if first in form.values:
            return first
    return "on"


def status_of(error: CalloffError) -> int:
    return 403 if isinstance(error, NotAuthorised) else 400


# The forms that write join this blueprint.
from calloff.web import competition_open, competition_steps  # noqa: E402, F401
