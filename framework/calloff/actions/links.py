"""A provider answers an offer through the link in its offer message, with no account.

The link is found by the SHA-256 of its token; it works once, for that offer only, until the
end of its respond-by day. The answer is the provider's own, recorded "via link" with the
address it came from, by the server's account; the register is not asked, as a provider
is not an officer (the token is its authority). Checked again inside the write, so of a
provider's click and an officer's answer at the same moment exactly one is recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from calloff.actions.messages import long_day, token_hash
from calloff.domain.invoicing import order_reference
from calloff.domain.model import CallOff
from calloff.domain.officers import Actor
from calloff.errors import NotFound, RuleBroken, WrongStatus
from calloff.store.database import Store
from calloff.store.trail import now_stamp

# What a link can no longer do, and why, in the provider's words.
ENDED = {
    "used": "This link has already been used: the offer was {answer} through it on {used}.",
    "answered": "The offer was already answered: it was {status} on {decided}.",
    "lapsed": "The offer lapsed: it was not answered by the end of {respond_by}.",
    "withdrawn": "The offer was withdrawn on {closed}: there is nothing to answer.",
    "waiting": "The offer is not open for an answer yet.",
    "expired": "This link expired at the end of {respond_by}, the day the offer had to be "
    "answered by.",
}


@attrs.frozen
class LinkedOffer:
    """An offer as its link shows it: `state` "open", or why it can no longer be answered
    (`used`, `answered`, `lapsed`, `withdrawn`, `expired`), with `said` in words."""

    calloff: CallOff
    reference: str  # the order reference the provider quotes
    provider: str
    title: str
    start: date
    end: date
    state: str
    said: str


def find(store: Store, token: str) -> tuple[dict[str, Any], LinkedOffer]:
    """The link and its offer as it stands today; NotFound for a token nobody was sent."""
    text = token.strip() if isinstance(token, str) else ""
    link = store.outbox.link(token_hash(text)) if 20 <= len(text) <= 200 else None
    if link is None:
        raise NotFound("this link is not known: check it was copied whole from the offer message")
    c = store.calloff(int(link["calloff_id"]))
    provider = store.provider(c.provider_id, date.today()).name
    r = store.request(c.request_id)
    state, said = _state(link, c)
    reference = order_reference(store.framework().id, c.id)
    return link, LinkedOffer(c, reference, provider, r.title, r.start, r.end, state, said)


def _state(link: dict[str, Any], c: CallOff) -> tuple[str, str]:
    if link["used_at"]:
        done = {"accept": "accepted", "decline": "declined"}.get(link["answer"], link["answer"])
        return "used", ENDED["used"].format(answer=done, used=long_day(link["used_at"][:10]))
    if c.status in ("accepted", "declined"):
        decided = long_day(str(c.decided_on))
        return "answered", ENDED["answered"].format(status=c.status, decided=decided)
    respond_by = long_day(link["valid_until"])
    if c.status == "lapsed":
        return "lapsed", ENDED["lapsed"].format(respond_by=respond_by)
    if c.status != "offered":
        closed = long_day(str(c.closed_on or c.decided_on or date.today()))
        return "withdrawn", ENDED["withdrawn"].format(closed=closed)
    if date.today().isoformat() > link["valid_until"]:
        return "expired", ENDED["expired"].format(respond_by=respond_by)
    return "open", "The offer is open: accept it, or decline it with a reason."


def _accept(provider: Any, offer: LinkedOffer, noted: dict[str, Any]) -> None:
    """The provider's acceptance; one the council cannot take yet (its contract award
    notice is still to be published) is refused in the provider's words."""
    try:
        provider.accept(offer.calloff.id, date.today(), noted=noted)
    except RuleBroken as e:
        if "(UK6)" not in str(e):
            raise
        respond_by = long_day(str(offer.calloff.respond_by))
        raise RuleBroken(
            "The council must publish its contract award notice before this offer can be "
            f"accepted: please try again once it is published (by {respond_by}), or decline it"
        ) from None


def answer(
    service: Any,
    token: str,
    accepted: bool,
    reason: str | None,
    address: str,
    account: str,
) -> LinkedOffer:
    """Record the provider's answer: accepted, or declined with `reason` (and the cascade
    moves on). Refused, with nothing written, where the link can no longer answer."""
    from calloff.actions.service import Service

    store = service.store
    with store.transaction():
        link, offer = find(store, token)
        if offer.state != "open":
            raise WrongStatus(offer.said)
        provider = Service(store, offer.provider)
        trail = store.trail
        kept = trail.actor, trail.guard
        trail.actor, trail.guard = Actor(account, offer.provider, "link"), None
        noted = {"via": "link", "from": address}
        try:
            if accepted:
                _accept(provider, offer, noted)
            else:
                provider.decline(offer.calloff.id, reason or "", date.today(), noted=noted)
        finally:
            trail.actor, trail.guard = kept
        store.outbox.use_link(
            int(link["id"]), now_stamp(), address, "accept" if accepted else "decline"
        )
        return find(store, token)[1]
