"""Set-up: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import signed_in

blueprint = Blueprint("setup", __name__)


@blueprint.get("/setup")
@signed_in
def setup() -> str:
    return render_template(
        "web/placeholder.html",
        title="Set-up",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Set-up"}],
        active="setup",
    )
