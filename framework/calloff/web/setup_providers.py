"""Providers: the list (a page of 50, searched by name), one provider's page (details,
status, where it is ranked, when it cannot deliver), and the admin's actions on it: add,
edit details and identifiers, suspend, reinstate, withdraw, mark unavailable. Each action
is a form, then a check-your-answers page, then the write, and the provider's page says
what was done in the command's own words.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from calloff import CalloffError
from calloff.api import role_needed
from calloff.web import desk
from calloff.web.forms import Form, whole, with_today
from calloff.web.security import forbidden, needs, signed_in
from calloff.web.setup_pages import (
    PAGE,
    blueprint,
    check_page,
    crumbs,
    form_page,
    long_date,
    pagination,
)
from calloff.web.setup_pages import status as refusal_status
from calloff.web.setup_provider_forms import (
    DETAILS,
    FLAGS,
    LABELS,
    STEPS,
    changes,
    field_of,
    fields_for,
    flags,
    given,
    read_details,
    shown,
)
from calloff.web.signing_in import desk_message

PROVIDER = "<int(min=1, max=4611686018427387904):provider>"

# -- the list and one provider ----------------------------------------------------------


@blueprint.get("/setup/providers")
@signed_in
def providers() -> Any:
    office = desk.office()
    name = request.args.get("name", "").strip()[:200]
    page = request.args.get("page", "1")
    if not whole(page) or int(page) < 1:
        abort(404)
    total = office.count_providers(name=name or None)
    pages = max(1, -(-total // PAGE))
    number = min(int(page), pages)
    shown = office.providers(name=name or None, limit=PAGE, offset=(number - 1) * PAGE)
    return render_template(
        "web/setup_providers.html",
        providers=shown,
        total=total,
        first=(number - 1) * PAGE + 1,
        page=number,
        pages=pages,
        name=name,
        pagination=pagination("setup.providers", number, pages, name=name),
        may_add=office.may("provider.add"),
        crumbs=crumbs(("Set-up", _setup_link()), ("Providers", None)),
        active="setup",
    )


@blueprint.get(f"/setup/providers/{PROVIDER}")
@signed_in
def provider(provider: int) -> str:
    office = desk.office()
    p = office.provider(provider)
    steps = [name for name in STEPS if _offered(name, p.status)]
    return render_template(
        "web/setup_provider.html",
        p=p,
        placings=office.provider_rankings(provider),
        gaps=office.unavailability(provider),
        steps=[(s, STEPS[s]) for s in steps] if office.may("provider.edit") else [],
        may_rate=office.may("prices.set"),
        crumbs=crumbs(*_trail(), (p.name, None)),
        active="setup",
    )


def _offered(step: str, status: str) -> bool:
    """The actions a provider's status allows: a withdrawn provider takes none."""
    if status == "withdrawn":
        return False
    if step == "suspend":
        return status == "active"
    if step == "reinstate":
        return status == "suspended"
    return True


# -- adding one ---------------------------------------------------------------------------

ADD_FIELDS = ("name", "vat", *DETAILS, *FLAGS)


@blueprint.get("/setup/providers/new")
@needs("provider.add")
def provider_new() -> str:
    form = with_today(Form({"vat": "standard"} | dict.fromkeys(FLAGS, "unknown")))
    return _add_page(form)


@blueprint.post("/setup/providers/new")
@needs("provider.add")
def provider_add() -> Any:
    form = Form(request.form)
    name = form.required("name", "Enter the provider's name")
    on = form.day("on", "date it joined the framework")
    if form.get("vat") not in ("standard", "exempt"):
        form.error("vat", "Choose the VAT on its training: standard-rated or exempt")
    flags(form)
    read = read_details(form, DETAILS)
    form.not_future("on", on)
    if form.errors:
        return _add_page(form), 400
    details = given(form, DETAILS + FLAGS)
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        p = desk.write_or_rehearse(
            confirmed, "add_provider", name, vat=form.get("vat"), on=on, **details
        )
    except CalloffError as e:
        form.error(field_of(str(e), ADD_FIELDS), desk_message(e))
        return _add_page(form), refusal_status(e)
    if not confirmed:
        rows = [("Name", name), ("VAT", form.get("vat"))]
        rows += [(LABELS[k], shown(read.get(k, v))) for k, v in details.items()]
        rows.append(("Joined the framework", long_date(on)))
        return check_page(
            title="Add a provider",
            rows=rows,
            form=form,
            action=url_for("setup.provider_add"),
            button="Add the provider",
            back=("Back to providers", url_for("setup.providers")),
            trail=[*_trail(), ("Add a provider", url_for("setup.provider_new"))],
        )
    flash(f"Provider {p.id}: {p.name} (VAT {p.vat})", "outcome")
    return redirect(url_for("setup.provider", provider=p.id))


def _add_page(form: Form) -> str:
    return form_page(
        title="Add a provider",
        intro="A provider on the framework, and what the council publishes about it. "
        "Rank it on a lot, then give its tendered rates there.",
        fields=[*fields_for(ADD_FIELDS), {"name": "on", "kind": "date", "label": "Date it "
                "joined the framework"}],
        form=form,
        action=url_for("setup.provider_add"),
        back=("Back to providers", url_for("setup.providers")),
        trail=_trail(),
    )  # fmt: skip


# -- the actions on one provider -----------------------------------------------------------


@blueprint.get(f"/setup/providers/{PROVIDER}/<step>")
@signed_in
def provider_step_form(provider: int, step: str) -> Any:
    refused = _refuse(step)
    if refused is not None:
        return refused
    p = desk.office().provider(provider)
    form = Form()
    if step == "edit":
        form = Form({k: getattr(p, k) or "" for k in DETAILS})
        for flag in FLAGS:
            value = getattr(p, flag)
            form.values[flag] = "unknown" if value is None else ("yes" if value else "no")
    return _step_page(p, step, with_today(form))


@blueprint.post(f"/setup/providers/{PROVIDER}/<step>")
@signed_in
def provider_step(provider: int, step: str) -> Any:
    refused = _refuse(step)
    if refused is not None:
        return refused
    office = desk.office()
    p = office.provider(provider)
    s = STEPS[step]
    form = Form(request.form)
    on = form.day("on", "date")
    args: dict[str, Any] = {"on": on}
    if "reason" in s.fields:
        args["reason"] = form.required("reason", "Enter the reason")
    if step == "unavailable":
        args["start"] = form.day("start", "first day it cannot deliver")
        args["end"] = form.day("end", "last day it cannot deliver")
        lot = form.get("lot")
        if lot and lot not in {str(x.number) for x in office.framework.lots}:
            form.error("lot", "Choose a lot of the framework, or every lot")
        args["lot"] = int(lot) if lot and not form.errors.get("lot") else None
    if step == "edit":
        flags(form)
        args.update(changes(p, form))
        if not form.errors and len(args) == 1:
            form.error("address", f"Nothing to change: change at least one of {p.name}'s details")
    read = read_details(form, [k for k in args if k in DETAILS])
    form.not_future("on", on)
    if form.errors:
        return _step_page(p, step, form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        done = desk.write_or_rehearse(confirmed, _method(step), provider, **args)
    except CalloffError as e:
        form.error(field_of(str(e), s.fields), desk_message(e))
        return _step_page(p, step, form), refusal_status(e)
    if not confirmed:
        return _check(p, step, form, {**args, **read})
    flash(_done_message(step, done, args), "outcome")
    return redirect(url_for("setup.provider", provider=provider))


def _method(step: str) -> str:
    return {"edit": "edit_provider", "unavailable": "mark_unavailable"}.get(step, step)


def _refuse(step: str) -> Any:
    """404 for an unknown action; the 403 page for anyone not holding its role, before
    the form is read."""
    if step not in STEPS:
        abort(404)
    role = role_needed(f"provider.{step}")
    if not current_user.holds(role):
        return forbidden(role)
    return None


def _step_page(p: Any, step: str, form: Form) -> str:
    s = STEPS[step]
    fields = fields_for(s.fields, desk.office().framework.lots)
    for field in fields:  # once recorded, a flag is yes or no: "not recorded" is gone
        if field["name"] in FLAGS and getattr(p, field["name"]) is not None:
            field["items"] = [i for i in field["items"] if i["value"] != "unknown"]
    fields.append({"name": "on", "kind": "date", "label": "Date it applies from"})
    return form_page(
        title=f"{s.verb}: {p.name}",
        caption=f"Provider {p.id}",
        intro=s.explains,
        fields=fields,
        form=form,
        action=url_for("setup.provider_step", provider=p.id, step=step),
        back=(f"Back to {p.name}", url_for("setup.provider", provider=p.id)),
        trail=_trail(p),
    )


def _check(p: Any, step: str, form: Form, args: dict[str, Any]) -> str:
    s = STEPS[step]
    rows = [("Provider", p.name)]
    for key, value in args.items():
        if key == "on":
            continue
        if key in ("start", "end"):
            rows.append((LABELS[key], long_date(value)))
        elif key == "lot":
            rows.append(("Lot", "every lot" if value is None else f"lot {value}"))
        else:
            rows.append((LABELS[key], shown(value)))
    rows.append(("From", long_date(args["on"])))
    return check_page(
        title=CHECKS[step].format(name=p.name),
        caption=f"Provider {p.id}",
        rows=rows,
        form=form,
        action=url_for("setup.provider_step", provider=p.id, step=step),
        button=f"Confirm: {s.verb.lower()}",
        warning=s.warning,
        back=(f"Back to {p.name}", url_for("setup.provider", provider=p.id)),
        trail=[*_trail(p), (s.verb, url_for("setup.provider_step_form", provider=p.id,
                                            step=step))],
    )  # fmt: skip


CHECKS = {
    "edit": "change {name}'s details",
    "suspend": "suspend {name}",
    "reinstate": "reinstate {name}",
    "withdraw": "withdraw {name}",
    "unavailable": "mark {name} unavailable",
}


def _done_message(step: str, p: Any, args: dict[str, Any]) -> str:
    """The line the command prints when the action is done."""
    if step == "edit":
        given = sorted(k for k in args if k != "on")
        return f"{p.name}: " + ", ".join(given).replace("_", " ") + " updated."
    if step == "unavailable":
        where = f" on lot {args['lot']}" if args["lot"] else ""
        return f"{p.name} unavailable {args['start']} to {args['end']}{where}."
    return f"{p.name} {STEPS[step].done} from {args['on']}."


def _setup_link() -> str | None:
    """Set-up's index is an admin's page: others see its name, not a link."""
    return url_for("setup.setup") if current_user.holds("admin") else None


def _trail(p: Any = None) -> list[tuple[str, str | None]]:
    found = [("Set-up", _setup_link()), ("Providers", url_for("setup.providers"))]
    if p is not None:
        found.append((p.name, url_for("setup.provider", provider=p.id)))
    return found
