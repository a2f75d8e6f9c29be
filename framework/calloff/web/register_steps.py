"""What the admin's Set-up pages for the budget, the term, the settings and the register
share: a form described field by field (so every form is the same GOV.UK pattern, with its
errors at the top and at the field), the check-your-answers page, the crumbs and the status
a refusal answers with.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import attrs
from flask import render_template, url_for
from flask_login import current_user

from calloff import CalloffError, NotAuthorised
from calloff.web.forms import Form

# The register's roles, in its own order (`calloff.api.role_work` says what each is for).
ROLES = ("officer", "approver", "finance", "auditor", "admin")


@attrs.frozen
class Field:
    """One question on a form: `kind` is text, money, date, dropdown, radios, checkboxes,
    checkbox or password; `items` are (value, text) for the choices."""

    kind: str
    name: str
    label: str
    hint: str = ""
    items: tuple[tuple[str, str], ...] = ()
    width: str = ""
    autocomplete: str = ""


def crumbs(*tail: dict[str, str]) -> list[dict[str, str]]:
    """Home > Set-up > the page; Set-up is an admin's, so an auditor's crumbs skip it."""
    found = [{"text": "Home", "href": url_for("home.home")}]
    if current_user.holds("admin"):
        found.append({"text": "Set-up", "href": url_for("setup.setup")})
    return [*found, *tail]


def form_page(
    *,
    title: str,
    form: Form,
    fields: list[Field],
    action: str,
    button: str,
    back: tuple[str, str],
    trail: list[dict[str, str]],
    caption: str = "",
    explains: str = "",
    warning: str = "",
) -> str:
    """A form: its questions, a Continue button and a link back; `warning` is GOV.UK
    warning text above the button."""
    return render_template(
        "web/register_form.html",
        title=title,
        caption=caption,
        explains=explains,
        form=form,
        fields=fields,
        action=action,
        button=button,
        back=back,
        warning=warning,
        errors=form.summary(),
        crumbs=trail,
        active="setup",
    )


def check_page(
    *,
    title: str,
    form: Form,
    rows: list[tuple[str, str]],
    action: str,
    button: str,
    back: tuple[str, str],
    trail: list[dict[str, str]],
    caption: str = "",
    explains: str = "",
    warning: bool = False,
) -> str:
    """Check your answers: what will be written, then the button that writes it. The
    answers travel back as hidden fields (never a password: that form has no check step)."""
    return render_template(
        "web/register_check.html",
        title=title,
        caption=caption,
        explains=explains,
        rows=rows,
        hidden={k: v for k, v in form.values.items() if k != "confirm"},
        action=action,
        button=button,
        back=back,
        warning=warning,
        crumbs=[*trail, {"text": "Check"}],
        active="setup",
    )


def status(error: CalloffError) -> int:
    """A refusal's status: 403 for the register's, 400 for any other."""
    return 403 if isinstance(error, NotAuthorised) else 400


def field_named(message: str, fields: list[Field], dates: dict[str, str | None]) -> str:
    """The field a refusal is about: the date it names, else a field it names before its
    colon, else the first field."""
    head = message.split(":")[0].lower()
    for name, day in dates.items():
        if day and day in head:
            return name
    for f in fields:
        if re.search(rf"\b{re.escape(f.name)}\b", head) or f.label.lower() in head:
            return f.name
    return fields[0].name if fields else "on"


def chosen(values: list[str]) -> list[str]:
    """Checkboxes' values as a browser sends them (one per box) or as the check page
    carries them (joined with commas)."""
    return [v.strip() for given in values for v in given.split(",") if v.strip()]


def everything(args: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments without the ones left empty."""
    return {k: v for k, v in args.items() if v not in (None, "", [])}


def long_day(value: date | str | None) -> str:
    """A date as a page says it: 1 June 2015 (empty for none)."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{day.day} {day:%B %Y}"
