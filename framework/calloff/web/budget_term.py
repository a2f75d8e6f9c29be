"""Set-up: the term with its extension options (taking up the next one, as
`calloff term extend`), and the framework's settings with the one an admin changes here, the OCDS
prefix (as `calloff framework ocid-prefix`). The views join the "budget" blueprint
(`calloff.web.budget_pages`), by `ROUTES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from calloff import CalloffError
from calloff.arguments import ocid_prefix
from calloff.web import desk
from calloff.web.forms import Form, with_today
from calloff.web.register_steps import (
    Field,
    check_page,
    crumbs,
    form_page,
    long_day,
    status,
)
from calloff.web.security import needs, needs_role
from calloff.web.signing_in import desk_message


@needs_role("admin")
def term() -> str:
    office = desk.office()
    return render_template(
        "web/budget_term.html",
        fw=office.framework,
        extensions=office.extensions(),
        crumbs=crumbs({"text": "Term"}),
        active="setup",
    )


def _extend_form(form: Form) -> str:
    return form_page(
        title="Take up the next extension",
        explains=_what_extending_does(),
        form=form,
        fields=[Field("date", "on", "Date the extension was taken up")],
        action=url_for("budget.extend_term"),
        button="Continue",
        back=("Back to the term", url_for("budget.term")),
        trail=_trail("Extend"),
    )


def _what_extending_does() -> str:
    t = desk.office().framework.term
    if not t.extensions_left:
        return f"No extension options are left: the term runs to {long_day(t.end)}."
    return (
        f"The term ends on {long_day(t.end)}. Taking up the next of the {t.extensions_left} "
        f"extension option{'s' if t.extensions_left != 1 else ''} left moves the end to "
        f"{long_day(t.end_after(t.extensions_used + 1))}. It is taken up while the term runs."
    )


@needs("term.extend")
def extend_form() -> str:
    return _extend_form(with_today(Form()))


@needs("term.extend")
def extend_term() -> Any:
    form = Form(request.form)
    on = form.day("on", "date the extension was taken up")
    form.not_future("on", on)
    if form.errors:
        return _extend_form(form), 400
    t = desk.office().framework.term
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        extended = desk.write_or_rehearse(confirmed, "extend_term", on=on).term
    except CalloffError as e:
        form.error("on", desk_message(e))
        return _extend_form(form), status(e)
    if not confirmed:
        return check_page(
            title="Take up the next extension",
            explains=_what_extending_does(),
            form=form,
            rows=[
                ("Taken up on", long_day(on)),
                ("The term ends", f"{long_day(extended.end)}, not {long_day(t.end)}"),
            ],
            action=url_for("budget.extend_term"),
            button="Extend the term",
            back=("Back to the term", url_for("budget.term")),
            trail=_trail("Extend"),
        )
    t = extended
    flash(
        f"Term: {t.start} to {t.end} (original end {t.original_end}); "
        f"{t.extensions_used} extension(s) taken, {t.extensions_left} left; "
        f"latest possible end {t.latest_end}.",
        "outcome",
    )
    return redirect(url_for("budget.term"))


# -- the framework's settings ------------------------------------------------------------------


@needs_role("admin")
def settings() -> str:
    return render_template(
        "web/budget_settings.html",
        fw=desk.office().framework,
        crumbs=crumbs({"text": "Settings"}),
        active="setup",
    )


def _prefix_fields() -> list[Field]:
    fw = desk.office().framework
    fields = [
        Field(
            "text",
            "prefix",
            "OCDS prefix",
            hint="The prefix the Open Contracting Partnership registered for the council: "
            "ocds- and six letters or digits, such as ocds-a1b2c3",
            width="govuk-input--width-10",
        )
    ]
    if fw.ocid_prefix:
        fields.append(
            Field(
                "checkbox",
                "replace",
                f"Replace {fw.ocid_prefix}, the prefix already set (only while nothing "
                "was published under it)",
            )
        )
    return fields


def _prefix_form(form: Form) -> str:
    return form_page(
        title="The framework's OCDS prefix",
        explains="Every ocid in the open data begins with it. The change is audited.",
        form=form,
        fields=_prefix_fields(),
        action=url_for("budget.set_ocid_prefix"),
        button="Continue",
        back=("Back to the settings", url_for("budget.settings")),
        trail=crumbs(
            {"text": "Settings", "href": url_for("budget.settings")}, {"text": "OCDS prefix"}
        ),
    )


@needs("framework.ocid_prefix")
def prefix_form() -> str:
    return _prefix_form(Form())


@needs("framework.ocid_prefix")
def set_ocid_prefix() -> Any:
    form = Form(request.form)
    prefix = form.required("prefix", "Enter the OCDS prefix, such as ocds-a1b2c3")
    if prefix:
        form.read("prefix", ocid_prefix, prefix)
    if form.errors:
        return _prefix_form(form), 400
    replace = form.get("replace") == "yes"
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        fw = desk.write_or_rehearse(confirmed, "set_ocid_prefix", prefix, replace=replace)
    except CalloffError as e:
        form.error("prefix", desk_message(e))
        return _prefix_form(form), status(e)
    if not confirmed:
        old = desk.office().framework.ocid_prefix
        return check_page(
            title="The framework's OCDS prefix",
            form=form,
            rows=[("OCDS prefix", prefix), ("Replaces", old if replace else "")]
            if old
            else [("OCDS prefix", prefix)],
            action=url_for("budget.set_ocid_prefix"),
            button="Set the prefix",
            back=("Back to the settings", url_for("budget.settings")),
            trail=crumbs(
                {"text": "Settings", "href": url_for("budget.settings")},
                {"text": "OCDS prefix"},
            ),
        )
    flash(f"The framework's OCDS prefix is now {fw.ocid_prefix}.", "outcome")
    return redirect(url_for("budget.settings"))


def _trail(last: str) -> list[dict[str, str]]:
    return crumbs({"text": "Term", "href": url_for("budget.term")}, {"text": last})


# (path, endpoint, view, methods) on the "budget" blueprint.
ROUTES: list[tuple[str, str, Callable[..., Any], list[str]]] = [
    ("/setup/term", "term", term, ["GET"]),
    ("/setup/term/extend", "extend_form", extend_form, ["GET"]),
    ("/setup/term/extend", "extend_term", extend_term, ["POST"]),
    ("/setup/settings", "settings", settings, ["GET"]),
    ("/setup/settings/ocds-prefix", "prefix_form", prefix_form, ["GET"]),
    ("/setup/settings/ocds-prefix", "set_ocid_prefix", set_ocid_prefix, ["POST"]),
]
