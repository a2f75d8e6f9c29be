"""Set-up: the register of officers, as `calloff officer` keeps it. The list (50 to a page,
with roles, approval limits, e-mail, who has left and who covers for whom), an officer's
page (their entry, every dated change, their cover), registering an officer and changing
their roles, limit, name or e-mail. Cover, leaving and a new password are in
`calloff.web.register_changes`, on this blueprint too.

Reading the register is for admins and auditors; changing it is the admin's, and goes form,
check your answers, confirm, ending with the command's own line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from calloff import CalloffError
from calloff.api import role_work
from calloff.arguments import email_address, login_text, parse_money
from calloff.documents import register
from calloff.documents.rendering import money
from calloff.web import desk, register_changes
from calloff.web.forms import Form, whole, with_today
from calloff.web.register_steps import (
    ROLES,
    Field,
    check_page,
    chosen,
    crumbs,
    field_named,
    form_page,
    long_day,
    status,
)
from calloff.web.security import needs, needs_role
from calloff.web.signing_in import desk_message

blueprint = Blueprint("register", __name__)
for rule, endpoint, view, methods in register_changes.ROUTES:
    blueprint.add_url_rule(rule, endpoint, view, methods=methods)
PAGE = 50  # officers a page


@blueprint.get("/setup/officers")
@needs_role("admin", "auditor")
def officers() -> Any:
    office = desk.office()
    page = request.args.get("page", "1")
    if not whole(page) or int(page) < 1:
        abort(404)
    total = office.count_officers()
    pages = max(1, -(-total // PAGE))
    number = min(int(page), pages)
    shown = office.officers(limit=PAGE, offset=(number - 1) * PAGE)
    return render_template(
        "web/register_list.html",
        officers=shown,
        cover=_cover(shown, office.delegations()),
        total=total,
        first=(number - 1) * PAGE + 1,
        pagination=_pagination(number, pages),
        may_add=office.may("officer.add"),
        crumbs=crumbs({"text": "Officers"}),
        active="setup",
    )


def _cover(shown: list[Any], delegations: list[Any]) -> dict[str, list[str]]:
    """Each officer's cover, current or to come, in words."""
    today = date.today()
    found: dict[str, list[str]] = {o.login.casefold(): [] for o in shown}
    for d in delegations:
        if d.ends < today:
            continue
        when = f"{long_day(d.starts)} to {long_day(d.ends)}"
        if d.login.casefold() in found:
            found[d.login.casefold()].append(f"{d.delegate} covers, {when}")
        if d.delegate.casefold() in found:
            found[d.delegate.casefold()].append(f"covers for {d.login}, {when}")
    return found


def _pagination(number: int, pages: int) -> dict[str, Any] | None:
    """GOV.UK pagination: previous, next and the pages around this one."""
    if pages <= 1:
        return None
    near = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    items: list[dict[str, Any]] = []
    for i, n in enumerate(near):
        if i and n - near[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append(
            {"number": n, "href": url_for("register.officers", page=n), "current": n == number}
        )
    found: dict[str, Any] = {"items": items}
    if number > 1:
        found["previous"] = {"href": url_for("register.officers", page=number - 1)}
    if number < pages:
        found["next"] = {"href": url_for("register.officers", page=number + 1)}
    return found


@blueprint.get("/setup/officers/<login>")
@needs_role("admin", "auditor")
def officer(login: str) -> str:
    office = desk.office()
    entry = office.officer_entry(login)
    return render_template(
        "web/register_officer.html",
        o=entry,
        shown=office.officer_document(entry.login),
        may_change=office.may("officer.edit"),
        crumbs=crumbs({"text": "Officers", "href": url_for("register.officers")}, {"text": login}),
        active="setup",
    )


# -- registering an officer --------------------------------------------------------------------


def _role_field(label: str) -> Field:
    return Field(
        "checkboxes", "roles", label, items=tuple((r, f"{r}: {role_work(r)}") for r in ROLES)
    )


ADD_FIELDS = [
    Field("text", "login", "Login", hint="Their account name: letters, digits and . _ @ -, "
          "such as b.approver. It is theirs for good, never given to anyone else.",
          width="govuk-input--width-20", autocomplete="off"),
    Field("text", "name", "Full name", autocomplete="off"),
    _role_field("Roles"),
    Field("money", "limit", "Approval limit (approvers only)", hint="The most they may "
          "approve, excluding VAT, such as 20000.00."),
    Field("checkbox", "no_limit", "No limit: they may approve any value"),
    Field("text", "email", "E-mail address (optional)", hint="Where their messages go; "
          "single sign-on matches them by it.", autocomplete="off"),
    Field("date", "on", "Date their rights start"),
]  # fmt: skip


def _add_form(form: Form) -> str:
    return form_page(
        title="Register an officer",
        form=form,
        fields=ADD_FIELDS,
        action=url_for("register.add_officer"),
        button="Continue",
        back=("Back to the officers", url_for("register.officers")),
        trail=_trail({"text": "Register an officer"}),
    )


@blueprint.get("/setup/officers/new")
@needs("officer.add")
def add_form() -> str:
    return _add_form(with_today(Form()))


@blueprint.post("/setup/officers/new")
@needs("officer.add")
def add_officer() -> Any:
    form = Form(request.form)
    login = form.required("login", "Enter their login, such as b.approver")
    name = form.required("name", "Enter their full name")
    roles = _roles(form, "Choose at least one role")
    limit = _limit(form)
    on = form.day("on", "date their rights start")
    _limit_or_none(form, roles, limit, adding=True)
    if login:
        form.read("login", login_text, login)
    _read_email_and_day(form, on)
    if form.errors:
        return _add_form(form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        o = desk.write_or_rehearse(
            confirmed,
            "add_officer",
            login,
            name=name,
            roles=roles,
            limit=limit,
            email=form.get("email") or None,
            on=on,
        )
    except CalloffError as e:
        form.error(field_named(desk_message(e), ADD_FIELDS, {"on": on}), desk_message(e))
        return _add_form(form), status(e)
    if not confirmed:
        return check_page(
            title="Register an officer",
            form=form,
            rows=[
                ("Login", login),
                ("Full name", name),
                ("Roles", ", ".join(roles)),
                ("Approval limit", _limit_said(roles, limit)),
                ("E-mail address", form.get("email")),
                ("From", long_day(on)),
            ],
            action=url_for("register.add_officer"),
            button=f"Register {login}",
            back=("Back to the officers", url_for("register.officers")),
            trail=_trail({"text": "Register an officer"}),
        )
    limit_text = f" (limit {o.limit_text})" if "approver" in o.roles else ""
    flash(
        f"Registered {o.login} ({o.name}) from {_since(o.since)}: {', '.join(o.roles)}"
        f"{limit_text}.",
        "outcome",
    )
    return redirect(url_for("register.officer", login=o.login))


# -- changing an officer -----------------------------------------------------------------------

EDIT_FIELDS = [
    Field("text", "name", "Full name", autocomplete="off"),
    _role_field("Roles (tick every role they hold from the date below)"),
    Field("money", "limit", "Approval limit (approvers only)", hint="The most they may "
          "approve, excluding VAT, such as 20000.00. Leave it as it is to keep it."),
    Field("checkbox", "no_limit", "No limit: they may approve any value"),
    Field("text", "email", "E-mail address", hint="Empty it to remove it.", autocomplete="off"),
    Field("date", "on", "Date the change applies from"),
]  # fmt: skip


def _edit_form(login: str, form: Form) -> str:
    return form_page(
        title=f"Change {login}'s entry",
        explains="The register keeps what it said before; a change is refused if it would "
        "take away authority already used after its date.",
        form=form,
        fields=EDIT_FIELDS,
        action=url_for("register.edit_officer", login=login),
        button="Continue",
        back=(f"Back to {login}", url_for("register.officer", login=login)),
        trail=_trail(_officer_crumb(login), {"text": "Change"}),
    )


@blueprint.get("/setup/officers/<login>/edit")
@needs("officer.edit")
def edit_form(login: str) -> str:
    o = desk.office().officer_entry(login)
    limit = "" if o.limit is None else str(o.limit)
    given = {"name": o.name, "roles": ",".join(o.roles), "limit": limit, "email": o.email}
    return _edit_form(o.login, with_today(Form(given)))


@blueprint.post("/setup/officers/<login>/edit")
@needs("officer.edit")
def edit_officer(login: str) -> Any:
    o = desk.office().officer_entry(login)
    form = Form(request.form)
    name = form.required("name", "Enter their full name")
    roles = _roles(form, "Tick at least one role (to end their rights, record that they left)")
    limit = _limit(form)
    on = form.day("on", "date the change applies from")
    no_limit = form.get("no_limit") == "yes"
    if no_limit and form.get("limit") and limit != o.limit:
        form.error("limit", "Give a limit or tick no limit, not both")
    _limit_or_none(form, roles, limit, adding="approver" not in o.roles)
    changes: dict[str, Any] = {
        "name": name if name != o.name else None,
        "add_roles": [r for r in roles if r not in o.roles],
        "remove_roles": [r for r in o.roles if r not in roles],
        "limit": limit if limit is not None and limit != o.limit and not no_limit else None,
        "no_limit": no_limit and o.limit is not None,
        "email": form.get("email") if form.get("email") != o.email else None,
    }
    if not form.errors and not any(v not in (None, [], False) for v in changes.values()):
        form.error("name", "Change at least one of the name, roles, approval limit or e-mail")
    _read_email_and_day(form, on)
    if form.errors:
        return _edit_form(o.login, form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        new = desk.write_or_rehearse(confirmed, "edit_officer", o.login, on=on, **changes)
    except CalloffError as e:
        form.error(field_named(desk_message(e), EDIT_FIELDS, {"on": on}), desk_message(e))
        return _edit_form(o.login, form), status(e)
    if not confirmed:
        return check_page(
            title=f"Change {o.login}'s entry",
            form=form,
            rows=_edit_rows(o, changes, roles, on),
            action=url_for("register.edit_officer", login=o.login),
            button=f"Change {o.login}'s entry",
            back=(f"Back to {o.login}", url_for("register.officer", login=o.login)),
            trail=_trail(_officer_crumb(o.login), {"text": "Change"}),
        )
    limit_text = f", limit {new.limit_text}" if "approver" in new.roles else ""
    flash(f"{new.login} from {_since(new.since)}: {', '.join(new.roles)}{limit_text}.", "outcome")
    return redirect(url_for("register.officer", login=new.login))


def _edit_rows(o: Any, changes: dict[str, Any], roles: list[str], on: str | None) -> list[Any]:
    """What changes, beside what the register says now."""
    rows = []
    if changes["name"]:
        rows.append(("Full name", f"{changes['name']} (was {o.name})"))
    if changes["add_roles"] or changes["remove_roles"]:
        rows.append(("Roles", f"{', '.join(roles)} (was {', '.join(o.roles)})"))
    if changes["limit"] is not None or changes["no_limit"]:
        now = "no limit" if changes["no_limit"] else money(changes["limit"])
        rows.append(("Approval limit", f"{now} (was {o.limit_text})"))
    if changes["email"] is not None:
        rows.append(("E-mail address", f"{changes['email'] or 'none'} (was {o.email or 'none'})"))
    rows.append(("From", long_day(on)))
    return rows


# -- shared ------------------------------------------------------------------------------------


def _roles(form: Form, missing: str) -> list[str]:
    """The roles ticked, kept in the form as the check page carries them."""
    roles = chosen(request.form.getlist("roles"))
    form.values["roles"] = ",".join(roles)
    if not roles:
        form.error("roles", missing)
    elif any(r not in ROLES for r in roles):
        form.error("roles", f"Choose roles from {', '.join(ROLES)}")
    return [r for r in ROLES if r in roles]


def _limit(form: Form) -> Any:
    """The approval limit given (None for none), or the library's sentence at the field."""
    if not form.get("limit"):
        return None
    try:
        return parse_money(form.get("limit"))
    except CalloffError as e:
        form.error("limit", desk_message(e))
        return None


def _read_email_and_day(form: Form, on: str | None) -> None:
    """At Continue, the e-mail address and the date read as the register reads them: an
    address it can keep, a date not after today."""
    if form.get("email"):
        form.read("email", email_address, form.get("email"))
    form.not_future("on", on)


def _limit_or_none(form: Form, roles: list[str], limit: Any, adding: bool) -> None:
    """A new approver's limit is given, or "no limit" ticked: unlimited authority is never
    given by leaving a box empty."""
    if "approver" not in roles or not adding or form.errors.get("limit"):
        return
    no_limit = form.get("no_limit") == "yes"
    if limit is None and not no_limit:
        form.error("limit", "Give the approver's limit, or tick no limit")
    elif limit is not None and no_limit:
        form.error("limit", "Give a limit or tick no limit, not both")


def _limit_said(roles: list[str], limit: Any) -> str:
    if "approver" not in roles:
        return "none (not an approver)" if limit is None else money(limit)
    return "no limit" if limit is None else money(limit)


def _since(value: date | None) -> str:
    return register.day(value) or "the start"


def _officer_crumb(login: str) -> dict[str, str]:
    return {"text": login, "href": url_for("register.officer", login=login)}


def _trail(*tail: dict[str, str]) -> list[dict[str, str]]:
    return crumbs({"text": "Officers", "href": url_for("register.officers")}, *tail)
