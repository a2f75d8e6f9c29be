"""The page on which a provider answers an offer, through the link in its offer message:
no account, no sign-in. The token is the provider's authority for that one offer; it works
once, until the end of the respond-by day (`Office.offer_link`, `Office.answer_offer`). The
page shows what the provider's order shows, never another provider, a rank, the headroom or
the ceiling. A link in a URL is a secret: the page is never kept by a browser or a proxy,
no other site is told its address, and the server logs no path.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from calloff import CalloffError
from calloff.web import desk
from calloff.web.downloads import send
from calloff.web.forms import Form
from calloff.web.signing_in import desk_message

blueprint = Blueprint("offer_links", __name__)


@blueprint.after_request
def _secret(response: Any) -> Any:
    """No search engine keeps a link (the server's headers add no-store and no-referrer)."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _found(token: str) -> Any:
    """The offer the link answers; a token nobody was sent is the 404 page, in the
    library's words ("this link is not known: check it was copied whole…")."""
    return desk.gate().offer_link(token)


@blueprint.get("/offer/<token>")
def offer(token: str) -> Any:
    return _page(token, _found(token), Form())


@blueprint.get("/offer/<token>/order.html")
def order(token: str) -> Any:
    """The call-off order, as the provider's e-mail carries it."""
    linked = _found(token)
    try:
        page = desk.gate().order(linked.calloff.id, format="html")
    except CalloffError:  # declined, lapsed or withdrawn: there is no order to read
        abort(404)
    return send(page, "text/html; charset=utf-8", document=True)


@blueprint.post("/offer/<token>")
def answer(token: str) -> Any:
    linked = _found(token)
    form = Form(request.form)
    choice = form.get("answer")
    if linked.state != "open":
        return _page(token, linked, form), 409
    if choice not in ("accept", "decline"):
        form.error("answer", "Tell us whether you accept or decline the offer")
    elif choice == "decline" and not form.get("reason"):
        form.error("reason", "Enter why you decline the offer")
    if form.errors:
        return _page(token, linked, form), 400
    try:
        with desk.turn():
            done = desk.gate().answer_offer(
                token,
                accept=choice == "accept",
                reason=form.get("reason") or None,
                address=desk.address(),
            )
    except CalloffError as e:
        field = "reason" if choice == "decline" and "reason" in str(e) else "answer"
        form.error(field, desk_message(e))
        return _page(token, desk.gate().offer_link(token), form), 409
    return render_template(
        "web/offer_answered.html", linked=done, accepted=choice == "accept", token=token
    )


def _page(token: str, linked: Any, form: Form) -> str:
    return render_template(
        "web/offer_link.html",
        linked=linked,
        form=form,
        errors=form.summary(),
        token=token,
        buyer=desk.gate().framework.buyer,
    )
