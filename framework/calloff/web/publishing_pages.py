"""Publishing: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import signed_in

blueprint = Blueprint("publishing", __name__)


@blueprint.get("/publishing")
@signed_in
def publishing() -> str:
    return render_template(
        "web/placeholder.html",
        title="Publishing",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Publishing"}],
        active="publishing",
    )
