"""Budget and term: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import needs_role

blueprint = Blueprint("budget", __name__)


@blueprint.get("/setup/budget")
@needs_role("admin")
def budget() -> str:
    return render_template(
        "web/placeholder.html",
        title="Budget and term",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Budget and term"}],
        active="setup",
    )
