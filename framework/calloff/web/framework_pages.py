"""The framework, read-only: lots, rankings with rates, the term, the funding streams with
their caps, and this year's headroom. Changing them is the admin's (the next pages)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from calloff.web import desk
from calloff.web.security import signed_in

blueprint = Blueprint("framework", __name__)


@blueprint.get("/framework")
@signed_in
def framework() -> str:
    office = desk.office()
    fw = office.framework
    return render_template(
        "web/framework.html",
        fw=fw,
        rankings={lot.number: office.ranking(lot.number) for lot in fw.lots},
        extensions=office.extensions(),
        position=office.headroom(),
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "Framework"}],
        active="framework",
    )
