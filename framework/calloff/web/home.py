"""Home: what needs the signed-in officer now, and the headroom for this year."""

from __future__ import annotations

from flask import Blueprint, render_template

from calloff.web import cached, desk
from calloff.web.security import signed_in

blueprint = Blueprint("home", __name__)
NOT_ALLOCATED = ("new", "unallocated")
SHOWN = 10  # of each, with a link to the rest


@blueprint.get("/")
@signed_in
def home() -> str:
    office = desk.office()
    due = cached.due_soon(office)
    waiting = {s: office.requests(status=s, limit=SHOWN) for s in NOT_ALLOCATED}
    return render_template(
        "web/home.html",
        offers=office.offers(limit=SHOWN),
        offers_count=office.count_offers(),
        approvals=office.my_approvals() if "approver" in office.roles else None,
        waiting=waiting,
        waiting_counts={
            s: len(found) if len(found) < SHOWN else office.count_requests(status=s)
            for s, found in waiting.items()
        },
        publications=due.items[:SHOWN],
        publications_count=len(due.items),
        overdue_count=due.overdue,
        worked_out=due.worked_out,
        position=office.headroom(),
        messages=office.message_counts() if {"admin", "auditor"} & set(office.roles) else None,
        crumbs=[{"text": "Home"}],
        active="home",
    )
