"""Spend: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import signed_in

blueprint = Blueprint("spend", __name__)


@blueprint.get("/spend")
@signed_in
def spend() -> str:
    return render_template(
        "web/placeholder.html",
        title="Spend",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Spend"}],
        active="spend",
    )
