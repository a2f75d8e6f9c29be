"""The officer register: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import needs_role

blueprint = Blueprint("register", __name__)


@blueprint.get("/setup/officers")
@needs_role("admin")
def officers() -> str:
    return render_template(
        "web/placeholder.html",
        title="The officer register",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "The officer register"}],
        active="setup",
    )
