"""Reports: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import signed_in

blueprint = Blueprint("reports", __name__)


@blueprint.get("/reports")
@signed_in
def reports() -> str:
    return render_template(
        "web/placeholder.html",
        title="Reports",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Reports"}],
        active="reports",
    )
