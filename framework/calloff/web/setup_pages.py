"""Set-up, the administrator's pages: the index of everything kept there, and what the
set-up pages share (a form, its check-your-answers page, pagination).

Providers are in `setup_providers`, rankings and rates in `setup_rankings`, the rankings
import with its preview in `setup_rank_import`; each adds its routes to this blueprint.
Reading a provider or a ranking is for every signed-in officer; every form is an admin's,
checked on the server before the form is read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, url_for

from calloff import CalloffError, NotAuthorised
from calloff.web.forms import Form
from calloff.web.security import needs_role

blueprint = Blueprint("setup", __name__)
PAGE = 50  # rows a page

# The set-up index: (path or endpoint, title, what it is for). The budget, term, settings
# and register pages are another area's; they are linked by path.
SECTIONS = (
    ("setup.providers", "Providers", "Add providers, edit their details and identifiers, "
     "suspend, reinstate or withdraw them, and mark when they cannot deliver."),
    ("setup.rankings", "Rankings and rates", "Each lot's ranking from tender evaluation, and "
     "each provider's tendered rates on it."),
    ("setup.rankings_import_form", "Import rankings", "Rankings and rates for several lots "
     "from a CSV file, previewed before anything is written."),
    ("/setup/officers", "Officers", "The register of officers: add, roles, approval limits, "
     "cover for absent approvers, leavers, new passwords."),
    ("/setup/budget", "Budget", "Ceilings and caps with the dates they apply from, and "
     "confirming a funding stream."),
    ("/setup/term", "Term", "Taking up an option to extend the framework's term."),
    ("/setup/settings", "Settings", "The framework's settings and its OCDS prefix for open "
     "data."),
)  # fmt: skip


@blueprint.get("/setup")
@needs_role("admin")
def setup() -> str:
    links = [
        (target if target.startswith("/") else url_for(target), title, about)
        for target, title, about in SECTIONS
    ]
    return render_template(
        "web/setup.html",
        links=links,
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Set-up"}],
        active="setup",
    )


def crumbs(*trail: tuple[str, str | None]) -> list[dict[str, str]]:
    """Home, then each (text, link) given; the last one is this page."""
    found = [{"text": "Home", "href": url_for("home.home")}]
    for text, href in trail:
        found.append({"text": text, "href": href} if href else {"text": text})
    return found


def long_date(iso: str | None) -> str:
    """A date as the pages show it: 1 June 2015."""
    if not iso:
        return "—"
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def status(error: CalloffError) -> int:
    """A refusal's status: 403 for the register's, 400 for any other."""
    return 403 if isinstance(error, NotAuthorised) else 400


def form_page(
    *,
    title: str,
    fields: list[dict[str, Any]],
    form: Form,
    action: str,
    back: tuple[str, str],
    trail: list[tuple[str, str | None]],
    caption: str = "",
    intro: str = "",
    button: str = "Continue",
) -> str:
    """A set-up form: its fields (text, money, radios, choice, textarea, date, file), each with
    its error, and the error summary at the top."""
    return render_template(
        "web/setup_form.html",
        title=title,
        caption=caption,
        intro=intro,
        fields=fields,
        form=form,
        errors=form.summary(),
        action=action,
        back=back,
        button=button,
        crumbs=crumbs(*trail, (title, None)),
        active="setup",
    )


def check_page(
    *,
    title: str,
    rows: list[tuple[str, str]],
    form: Form,
    action: str,
    button: str,
    back: tuple[str, str],
    trail: list[tuple[str, str | None]],
    caption: str = "",
    warning: bool = False,
    ranking: list[tuple[int, str, str]] | None = None,
) -> str:
    """Check your answers: what will be written, then one button that writes it."""
    return render_template(
        "web/setup_check.html",
        title=title,
        caption=caption,
        rows=rows,
        ranking=ranking,
        form=form,
        action=action,
        button=button,
        warning=warning,
        back=back,
        crumbs=crumbs(*trail, ("Check", None)),
        active="setup",
    )


def pagination(endpoint: str, number: int, pages: int, **kept: Any) -> dict[str, Any] | None:
    """GOV.UK pagination: previous, next and the pages around this one."""
    if pages <= 1:
        return None
    args = {k: v for k, v in kept.items() if v}

    def link(n: int) -> str:
        return url_for(endpoint, **args, page=n)

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


# The pages that add routes to this blueprint.
from calloff.web import setup_providers, setup_rank_import, setup_rankings  # noqa: E402, F401
