"""The outbox in the browser (admins and auditors): who was told what, at which address,
and whether it was sent, 50 a page, newest first; failed and undeliverable messages on
their own (docs/messages.md). Nothing here writes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for

from calloff.web import desk
from calloff.web.forms import whole
from calloff.web.security import needs_role

blueprint = Blueprint("messages", __name__)
PAGE = 50
STATUSES = {
    "": "Every message",
    "pending": "Waiting to be sent",
    "sent": "Sent",
    "failed": "Failed after the last try",
    "undeliverable": "Undeliverable: no address",
    "superseded": "Not sent: the offer moved on first",
}


@blueprint.get("/messages")
@needs_role("admin", "auditor")
def outbox() -> Any:
    status = request.args.get("status", "")
    page = request.args.get("page", "1")
    if status not in STATUSES or not whole(page) or not 1 <= int(page) <= 10**9:
        abort(404)
    number = int(page)
    office = desk.office()
    found = office.messages(status=status or None, limit=PAGE + 1, offset=(number - 1) * PAGE)
    kept: dict[str, Any] = {"status": status} if status else {}
    pagination: dict[str, Any] = {}
    if number > 1:
        pagination["previous"] = {"href": url_for("messages.outbox", **kept, page=number - 1)}
    if len(found) > PAGE:
        pagination["next"] = {"href": url_for("messages.outbox", **kept, page=number + 1)}
    return render_template(
        "web/messages.html",
        messages=found[:PAGE],
        counts=office.message_counts(),
        status=status,
        statuses=STATUSES,
        pagination=pagination,
        crumbs=[
            {"text": "Home", "href": url_for("home.home")},
            {"text": "Audit", "href": url_for("audit.trail")},
            {"text": "Messages"},
        ],
        active="messages",
    )
