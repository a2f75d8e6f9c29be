"""Audit: a placeholder the issue-28 pages replace."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web.security import signed_in

blueprint = Blueprint("audit", __name__)


@blueprint.get("/audit")
@signed_in
def trail() -> str:
    return render_template(
        "web/placeholder.html",
        title="Audit",
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Audit"}],
        active="audit",
    )
