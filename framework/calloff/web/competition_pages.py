"""Competitions: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import signed_in

blueprint = Blueprint("competitions", __name__)


@blueprint.get("/competitions")
@signed_in
def competitions() -> str:
    return render_template(
        "web/placeholder.html",
        title="Competitions",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Competitions"}],
        active="competitions",
    )
