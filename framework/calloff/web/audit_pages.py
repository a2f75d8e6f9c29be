"""Audit, for auditors and admins: the trail with its filters, each event with who acted
and for whom, and the check of the chain (`calloff audit verify`) with the head hash to
write down. Reading only: nothing here writes, and both pages' forms are GET forms.

The library reads one page of the trail at a time (`Office.audit(limit=…, offset=…)`), so
the trail of a framework with 100,000 call-offs pages as fast as a new one's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from calloff import CalloffError, NotAuthorised
from calloff.web import desk
from calloff.web.forms import Form, whole
from calloff.web.kept import AlreadyRunning, one_at_a_time
from calloff.web.security import needs_role
from calloff.web.signing_in import desk_message

blueprint = Blueprint("audit", __name__)
PAGE = 50  # events a page
SHORT = 16  # the fewest characters of a head hash `--expect` takes
CHANNELS = {"cli": "command", "library": "library", "web": "web", "link": "link"}
KINDS = {
    "framework": "The framework",
    "database": "The database",
    "officer": "The register of officers",
    "provider": "Providers",
    "ranking": "Rankings",
    "prices": "Rates",
    "ceiling": "Ceilings",
    "funding": "Funding streams",
    "term": "The term",
    "request": "Requests",
    "calloff": "Call-offs",
    "competition": "Competitions",
    "spend": "Spend",
    "publication": "Publishing",
}
# Where a refusal's sentence is shown: the field whose value it names.
FIELDS = (
    ("until", "to"),
    ("since", "from"),
    ("provider", "provider"),
    ("call-off", "calloff"),
    ("calloff", "calloff"),
    ("action", "action"),
    ("officer", "officer"),
    ("login", "officer"),
    ("offset", "page"),
    ("limit", "page"),
)


@blueprint.get("/audit")
@needs_role("auditor", "admin")
def trail() -> Any:
    office = desk.office()
    form = Form(request.args)
    narrowed, page = _filters(form)
    events: list[Any] = []
    if not form.errors:
        try:
            events = office.audit(**narrowed, limit=PAGE + 1, offset=(page - 1) * PAGE)
        except CalloffError as e:
            form.error(_field_of(desk_message(e)), desk_message(e))
            if isinstance(e, NotAuthorised):
                return _trail_page(form, [], page, False), 403
    more = len(events) > PAGE
    page_html = _trail_page(form, events[:PAGE], page, more)
    return (page_html, 400) if form.errors else page_html


FILTERS = (
    "order",
    "calloff",
    "provider",
    "officer",
    "action",
    *(f"{when}-{part}" for when in ("from", "to") for part in ("day", "month", "year")),
)


def _filters(form: Form) -> tuple[dict[str, Any], int]:
    """The trail's filters, as `Office.audit` takes them, and the page asked for. Only
    whether each can be read is checked here; what they mean is the library's to say."""
    order = form.get("order") or "newest"
    narrowed: dict[str, Any] = {"newest_first": order == "newest"}
    if order not in ("newest", "oldest"):
        form.error("order", "Choose newest first or oldest first")
    calloff = form.get("calloff")
    if calloff and not whole(calloff):
        form.error("calloff", "Enter the call-off as its number, such as 7")
    elif calloff:
        narrowed["calloff"] = int(calloff)
    for name in ("provider", "officer", "action"):
        if form.get(name):
            narrowed[name] = form.get(name)
    since = form.day("from", "first day", required=False)
    until = form.day("to", "last day", required=False)
    narrowed.update(since=since, until=until)
    page = form.get("page", "1")
    if not whole(page) or not 1 <= int(page) <= 10**7:
        form.error("page", "The page must be a whole number from 1, such as 2")
        page = "1"
    return narrowed, int(page)


def _field_of(message: str) -> str:
    """The filter a refusal is about: the first one its sentence names before its colon."""
    lowered = message.lower().split(":")[0]
    for word, field in FIELDS:
        if word in lowered:
            return field
    return "calloff"


def _trail_page(form: Form, events: list[Any], page: int, more: bool) -> str:
    office = desk.office()
    # The filters carried to the next page: only the form's own fields, never whatever
    # else the address held (`url_for` would treat `_method` or `_external` as its own).
    kept: dict[str, Any] = {k: v for k, v in form.values.items() if k in FILTERS and v}
    errors = [
        {"text": m, "href": "#" + (f"{f}-day" if f in ("from", "to") else f)}
        for f, m in form.errors.items()
    ]
    return render_template(
        "web/audit.html",
        form=form,
        errors=errors,
        events=[_shown(e) for e in events],
        first=(page - 1) * PAGE + 1,
        page=page,
        pagination=_pagination(page, more, kept) if events else None,
        first_href=url_for("audit.trail", **kept),
        kinds=_kinds(office.audit_actions()),
        filtered=any(k != "order" for k in kept),
        newest_first=form.get("order") != "oldest",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Audit trail"}],
        active="audit",
        tab="trail",
    )


def _kinds(actions: tuple[str, ...]) -> list[dict[str, Any]]:
    """The action select's groups: each kind, with its actions."""
    groups: dict[str, list[str]] = {}
    for action in actions:
        groups.setdefault(action.split(".", 1)[0], []).append(action)
    return [
        {"kind": kind, "label": KINDS.get(kind, kind.capitalize()), "actions": listed}
        for kind, listed in groups.items()
    ]


def _pagination(page: int, more: bool, kept: dict[str, Any]) -> dict[str, Any] | None:
    """GOV.UK pagination, previous and next: the trail is read a page at a time, so how
    many pages it has is not counted (that would read every event)."""
    found: dict[str, Any] = {}
    if page > 1:
        href = url_for("audit.trail", **kept, page=page - 1)
        found["previous"] = {"href": href, "labelText": f"Page {page - 1}"}
    if more:
        href = url_for("audit.trail", **kept, page=page + 1)
        found["next"] = {"href": href, "labelText": f"Page {page + 1}"}
    return found or None


def _shown(e: Any) -> dict[str, Any]:
    """One event as the page shows it."""
    return {
        "id": e.id,
        "recorded": e.recorded_at.replace("T", " ").removesuffix("+00:00"),
        "effective_on": e.effective_on,
        "action": e.action,
        "concerns": _concerns(e.object_type, e.object_id),
        "details": _details(e),
        "acted": e.acted,
        "how": _how(e),
        "channel": CHANNELS.get(e.channel or "", e.channel or "not recorded"),
    }


def _concerns(kind: str, key: str | None) -> dict[str, str | None]:
    """What an event is about, linked to its page where the workspace has one."""
    key = key or ""
    if kind == "calloff" and whole(key):
        return {"text": f"Call-off {key}", "href": url_for("calloffs.show", calloff=int(key))}
    if kind == "request" and whole(key):
        href = url_for("requests.show", request_id=int(key))
        return {"text": f"Request {key}", "href": href}
    if kind == "provider" and whole(key):
        href = url_for("audit.trail", provider=key)
        return {"text": f"Provider {key}", "href": href}
    words = {
        "framework": "The framework",
        "database": "The database",
        "lot": "Lot",
        "stream": "Funding stream",
        "officer": "Officer",
        "competition": "Competition",
        "publication": "Publication",
    }
    return {"text": f"{words.get(kind, kind.capitalize())} {key}".strip(), "href": None}


def _how(e: Any) -> list[str]:
    """Who acted and for whom, in plain words beside the trail's own."""
    lines = []
    if e.channel in ("web", "link") and e.account:
        how = "was signed in to the workspace" if e.channel == "web" else "acted through a link"
        lines.append(f"{e.officer} {how}; the server's account {e.account} recorded it for them.")
    elif e.account and e.account.casefold() != e.officer.casefold():
        lines.append(f"{e.account} acted for {e.officer}.")
    if e.cover_for:
        lines.append(f"Covering for {e.cover_for}, who was away: their limit allowed it.")
    if not e.registered:
        lines.append(f"{e.officer} is not in the register of officers (an older name).")
    return lines


def _details(e: Any) -> list[str]:
    """What changed, value by value, and why."""
    before, after = e.before, e.after
    lines: list[str] = []
    if isinstance(after, dict) and after.get("sealed"):
        lines.append("Price and scores sealed until the competition closes")
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        for key in [*new, *(k for k in old if k not in new)]:
            if key == "sealed":
                continue
            was, now = old.get(key), new.get(key)
            name = key.replace("_", " ")
            if before is None:
                if now not in (None, "", [], {}):
                    lines.append(f"{name}: {_value(now)}")
            elif was != now:
                lines.append(f"{name}: {_value(was)} → {_value(now)}")
    elif before != after:
        lines.append(_value(after) if before is None else f"{_value(before)} → {_value(after)}")
    if e.reason:
        lines.append(f"Reason: {e.reason}")
    return lines


def _value(value: Any) -> str:
    if value is None or value in ("", [], {}):
        return "none"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in value.items())
    return str(value)


@blueprint.get("/audit/verify")
@needs_role("auditor", "admin")
def verify() -> Any:
    """The check runs when its button is pressed: a GET form, as it writes nothing."""
    office = desk.office()
    form = Form(request.args)
    check = None
    if form.get("run") or form.get("expect"):
        try:
            with one_at_a_time(str(desk.settings().database)):
                check = office.verify_audit(expect=form.get("expect") or None)
        except AlreadyRunning as e:
            form.error(
                "expect",
                f"Another check of the trail started at {e.started:%H:%M:%S} is still "
                "running: it reads every event, so wait a minute and press the button again",
            )
        except CalloffError as e:
            form.error("expect", desk_message(e))
    since = None
    if check is not None and check.expected_event is not None:
        since = check.events - check.expected_event
    page = render_template(
        "web/audit_verify.html",
        form=form,
        errors=form.summary(),
        check=check,
        short=SHORT,
        since=since,
        crumbs=[
            {"text": "Home", "href": url_for("home.home")},
            {"text": "Audit trail", "href": url_for("audit.trail")},
            {"text": "Check the trail"},
        ],
        active="audit",
        tab="verify",
    )
    return (page, 400) if form.errors else page
