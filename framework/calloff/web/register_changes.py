"""Set-up: cover while an approver is away (`calloff officer delegate`), recording that an
officer left (`calloff officer leave`), and setting an officer's password
(`calloff officer password`). The views join the "register" blueprint
(`calloff.web.register_pages`), by `ROUTES`.

A password is never shown again: not on a page (a refused form comes back with both boxes
empty), not in a URL, not in a log. So its form has no check-your-answers page, which
would have to carry it in a hidden field: typing it twice and ticking the box is the
check, on the one POST.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for

from calloff import CalloffError
from calloff.web import desk
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
from calloff.web.security import needs
from calloff.web.signing_in import desk_message

# -- cover -------------------------------------------------------------------------------------


def _cover_fields(login: str) -> list[Field]:
    others = [
        (o.login, f"{o.name} ({o.login})")
        for o in desk.office().officers()
        if o.holds("approver") and o.login.casefold() != login.casefold()
    ]
    return [
        Field("dropdown", "to", "Who covers", hint="Another approver: they approve with "
              f"{login}'s authority and limit while {login} is away.",
              items=(("", "Choose an approver"), *others)),
        Field("date", "start", "First day of cover"),
        Field("date", "end", "Last day of cover"),
        Field("text", "reason", "Reason (optional)", hint="Annual leave, say"),
    ]  # fmt: skip


def _cover_form(login: str, form: Form) -> str:
    return form_page(
        title=f"Cover while {login} is away",
        form=form,
        fields=_cover_fields(login),
        action=url_for("register.delegate", login=login),
        button="Continue",
        back=(f"Back to {login}", url_for("register.officer", login=login)),
        trail=_trail(login, "Cover"),
    )


@needs("officer.delegate")
def cover_form(login: str) -> str:
    entry = desk.office().officer_entry(login)
    return _cover_form(entry.login, with_today(Form(), "start"))


@needs("officer.delegate")
def delegate(login: str) -> Any:
    entry = desk.office().officer_entry(login)
    form = Form(request.form)
    to = form.required("to", "Choose who covers")
    starts = form.day("start", "first day of cover")
    ends = form.day("end", "last day of cover")
    if form.errors:
        return _cover_form(entry.login, form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        d = desk.write_or_rehearse(
            confirmed,
            "delegate",
            entry.login,
            to=to,
            starts=starts or "",
            ends=ends or "",
            reason=form.get("reason") or None,
        )
    except CalloffError as e:
        fields = _cover_fields(entry.login)
        where = "end" if "until" in str(e) else "to" if to in str(e).split(":")[0] else None
        form.error(where or field_named(desk_message(e), fields, {}), desk_message(e))
        return _cover_form(entry.login, form), status(e)
    if not confirmed:
        return check_page(
            title=f"Cover while {entry.login} is away",
            form=form,
            rows=[
                ("Away", f"{entry.name} ({entry.login}), limit {entry.limit_text}"),
                ("Who covers", to),
                ("From", long_day(starts)),
                ("Until", long_day(ends)),
                ("Reason", form.get("reason")),
            ],
            action=url_for("register.delegate", login=entry.login),
            button="Record the cover",
            back=(f"Back to {entry.login}", url_for("register.officer", login=entry.login)),
            trail=_trail(entry.login, "Cover"),
        )
    flash(f"{d.delegate} covers for {d.login} from {d.starts} to {d.ends}.", "outcome")
    return redirect(url_for("register.officer", login=entry.login))


# -- leaving -----------------------------------------------------------------------------------

LEAVE_FIELDS = [
    Field("text", "reason", "Why their rights end", hint="Kept for the audit trail: moved "
          "to another council, say"),
    Field("date", "on", "Date their rights end"),
]  # fmt: skip
LEAVING = (
    "Their rights end from this date, and any session they have open ends now. The "
    "register keeps their history, and their login is never given to anyone else."
)


def _leave_form(login: str, form: Form) -> str:
    return form_page(
        title=f"Record that {login} left",
        form=form,
        fields=LEAVE_FIELDS,
        action=url_for("register.leave", login=login),
        button="Continue",
        back=(f"Back to {login}", url_for("register.officer", login=login)),
        trail=_trail(login, "Left"),
        warning=LEAVING,
    )


@needs("officer.leave")
def leave_form(login: str) -> str:
    entry = desk.office().officer_entry(login)
    return _leave_form(entry.login, with_today(Form()))


@needs("officer.leave")
def leave(login: str) -> Any:
    entry = desk.office().officer_entry(login)
    form = Form(request.form)
    reason = form.required("reason", "Enter why their rights end")
    on = form.day("on", "date their rights end")
    form.not_future("on", on)
    if form.errors:
        return _leave_form(entry.login, form), 400
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        o = desk.write_or_rehearse(confirmed, "officer_leaves", entry.login, reason=reason, on=on)
    except CalloffError as e:
        form.error("on" if on and on in str(e) else "reason", desk_message(e))
        return _leave_form(entry.login, form), status(e)
    if not confirmed:
        return check_page(
            title=f"Record that {entry.login} left",
            explains=LEAVING,
            form=form,
            rows=[
                ("Officer", f"{entry.name} ({entry.login})"),
                ("Why", reason),
                ("Rights end", long_day(on)),
            ],
            action=url_for("register.leave", login=entry.login),
            button=f"Record that {entry.login} left",
            back=(f"Back to {entry.login}", url_for("register.officer", login=entry.login)),
            trail=_trail(entry.login, "Left"),
            warning=True,
        )
    flash(f"{o.login} left on {o.left_on}: their rights end from that day.", "outcome")
    return redirect(url_for("register.officer", login=o.login))


# -- a new password ----------------------------------------------------------------------------


def _password_fields(login: str) -> list[Field]:
    return [
        Field("password", "password", "New password", hint="At least 12 characters, and not "
              "a common password: three or four unrelated words are long and easy to remember."),
        Field("password", "again", "Type the new password again"),
        Field("checkbox", "sure", f"Set this password for {login} now"),
    ]  # fmt: skip


def _password_form(login: str, form: Form) -> str:
    # Whatever was typed is never sent back: a refused form comes back with both boxes empty.
    form.values.pop("password", None)
    form.values.pop("again", None)
    return form_page(
        title=f"Set a new password for {login}",
        explains=f"Give it to {login} in person or by telephone, never by e-mail. Any "
        "session they have open with the old one ends.",
        form=form,
        fields=_password_fields(login),
        action=url_for("register.set_password", login=login),
        button="Set the password",
        back=(f"Back to {login}", url_for("register.officer", login=login)),
        trail=_trail(login, "Password"),
    )


@needs("officer.password")
def password_form(login: str) -> str:
    entry = desk.office().officer_entry(login)
    return _password_form(entry.login, Form())


@needs("officer.password")
def set_password(login: str) -> Any:
    entry = desk.office().officer_entry(login)
    form = Form()  # the passwords are read from the request, never kept in the form
    password = request.form.get("password", "")
    again = request.form.get("again", "")
    if not password:
        form.error("password", "Enter the new password")
    elif not again:
        form.error("again", "Type the new password again")
    elif password != again:
        form.error("again", "The two passwords are not the same: type the new one in both boxes")
    if request.form.get("sure") != "yes":
        form.error("sure", f"Tick the box to set the password for {entry.login}")
    if form.errors:
        return _password_form(entry.login, form), 400
    try:
        with desk.turn():
            done = desk.office().set_password(entry.login, password=password)
    except CalloffError as e:
        form.error("password", desk_message(e))
        return _password_form(entry.login, form), status(e)
    flash(f"Password set for {done.login}; any session signed in with the old one ends.", "outcome")
    return redirect(url_for("register.officer", login=done.login))


def _trail(login: str, last: str) -> list[dict[str, str]]:
    return crumbs(
        {"text": "Officers", "href": url_for("register.officers")},
        {"text": login, "href": url_for("register.officer", login=login)},
        {"text": last},
    )


# (path, endpoint, view, methods) on the "register" blueprint.
ROUTES: list[tuple[str, str, Callable[..., Any], list[str]]] = [
    ("/setup/officers/<login>/cover", "cover_form", cover_form, ["GET"]),
    ("/setup/officers/<login>/cover", "delegate", delegate, ["POST"]),
    ("/setup/officers/<login>/leave", "leave_form", leave_form, ["GET"]),
    ("/setup/officers/<login>/leave", "leave", leave, ["POST"]),
    ("/setup/officers/<login>/password", "password_form", password_form, ["GET"]),
    ("/setup/officers/<login>/password", "set_password", set_password, ["POST"]),
]
