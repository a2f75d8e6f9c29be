"""Who must be told of an event, written to the outbox in the event's own transaction
(docs/messages.md): the provider of an offer (with a link to answer it), the raiser of the
request when it is answered, approved, rejected or lapses, the approvers whose limit covers
a call-off that waits for them, the providers invited to a competition and each bidder's own
letter at the award. A refused action rolls back its events and their messages with it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from calloff.domain.invoicing import order_reference
from calloff.domain.money import format_money
from calloff.domain.officers import Officer
from calloff.store.database import Store
from calloff.store.trail import now_stamp

# A message's kind: what it is for, in words (docs/messages.md lists them).
KINDS = {
    "offer": "an offer to the provider, with its order and a link to answer it",
    "reminder": "the provider's reminder the working day before its answer is due",
    "lapsed": "an offer unanswered by its day, to the provider and the request's raiser",
    "approval": "a call-off waiting for approval, to each approver whose limit covers it",
    "approved": "a call-off approved, to the request's raiser",
    "rejected": "a call-off rejected, to the request's raiser",
    "accepted": "an offer accepted, to the request's raiser",
    "declined": "an offer declined, to the request's raiser",
    "invitation": "an invitation to bid, to each provider invited",
    "closing": "a competition closing tomorrow, to each invited provider yet to answer",
    "letter": "a bidder's own assessment summary, at the award",
    "publication": "a publication due within 7 days, or overdue, to admins and the contact",
    "term": "the term ending within 90 days with an extension left, to admins",
}


def token_hash(token: str) -> str:
    """An offer link's token as it is kept: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def write_messages(store: Store, first: int) -> None:
    """The messages for the events from number `first` on, in their transaction."""
    for event in store.trail.events_from(first):
        action = event["action"]
        if action.startswith("calloff."):
            _calloff_messages(store, event, action.split(".", 1)[1])
        elif action in ("competition.open", "competition.award"):
            _competition_messages(store, event, action.split(".", 1)[1])


def _calloff_messages(store: Store, event: dict[str, Any], action: str) -> None:
    after = json.loads(event["after"] or "{}")
    c = store.calloff(int(event["object_id"]))
    on = date.fromisoformat(event["effective_on"])
    if action == "offer" and after.get("status") == "awaiting_approval":
        facts = {**calloff_facts(store, c), "approval_reason": after.get("approval_reason")}
        for officer in approvers_for(store, c.value, on, c.officer):
            _to_officer(store, "approval", event, c, officer, facts)
        return
    if action == "offer" or action == "approve":
        if action == "approve":
            _to_raiser(store, "approved", event, c)
        offer(store, event, c)
        return
    if action in ("accept", "decline", "reject", "lapse"):
        kind = {"accept": "accepted", "decline": "declined", "reject": "rejected"}.get(
            action, "lapsed"
        )
        _to_raiser(store, kind, event, c)
        if kind == "lapsed":
            _to_provider(store, kind, event, c.provider_id, calloff_facts(store, c))


def offer(store: Store, event: dict[str, Any], c: Any) -> None:
    """The offer to the provider, with a link to answer it: a random token kept only as
    its hash, valid to the end of the respond-by day, and in clear only in the unsent
    message."""
    token = secrets.token_urlsafe(32)
    store.outbox.add_link(c.id, token_hash(token), c.respond_by.isoformat(), now_stamp())
    _to_provider(store, "offer", event, c.provider_id, calloff_facts(store, c), token)


def calloff_facts(store: Store, c: Any) -> dict[str, Any]:
    """What a message about a call-off says: never a rank, the headroom or the ceiling."""
    from calloff.domain.rules import needs_award_notice

    r = store.request(c.request_id)
    provider = store.provider(c.provider_id, c.raised_on)
    fw = store.framework()
    return {
        "calloff": c.id,
        "reference": order_reference(fw.id, c.id),
        "title": r.title,
        "lot": c.lot,
        "provider": provider.name,
        "value": format_money(c.value),
        "start": r.start.isoformat(),
        "end": r.end.isoformat(),
        "respond_by": c.respond_by.isoformat() if c.respond_by else None,
        "status": c.status,
        "reason": c.reason,
        "request": r.id,
        # The acceptance waits for the council's contract award notice (s.50(1)).
        "award_notice": needs_award_notice(fw, c.value, provider.vat, c.raised_on),
    }


def approvers_for(store: Store, value: Decimal, on: date, raiser: str) -> list[Officer]:
    """The approvers whose own limit (or one lent by cover) covers `value` on `on`, other
    than the officer who raised the call-off."""
    register = store.officers.register()
    found = []
    for login in register.entries:
        entry = register.as_of(login, on)
        if entry is None or not entry.holds("approver") or login == raiser.casefold():
            continue
        lent = [entry, *register.cover(entry.login, on)]
        if any(o.limit is None or o.limit >= value for o in lent):
            found.append(entry)
    return found


def officers_holding(store: Store, role: str, on: date) -> list[Officer]:
    register = store.officers.register()
    entries = (register.as_of(login, on) for login in register.entries)
    return [e for e in entries if e is not None and e.holds(role)]


def _to_raiser(store: Store, kind: str, event: dict[str, Any], c: Any) -> None:
    raiser = store.outbox.raiser(c.request_id) or c.officer
    register = store.officers.register()
    entry = register.as_of(raiser, date.today()) if raiser else None
    facts = calloff_facts(store, c) | {"by": event["officer"]}
    if entry is None:
        add(store, kind, f"calloff {c.id}", f"officer {raiser}", raiser, None, facts, event)
    else:
        _to_officer(store, kind, event, c, entry, facts)


def _to_officer(
    store: Store,
    kind: str,
    event: dict[str, Any],
    c: Any,
    officer: Officer,
    facts: dict[str, Any] | None = None,
) -> None:
    add(
        store,
        kind,
        f"calloff {c.id}",
        f"officer {officer.login}",
        officer.name,
        officer.email or None,
        facts or calloff_facts(store, c),
        event,
    )


def _to_provider(
    store: Store,
    kind: str,
    event: dict[str, Any] | None,
    provider_id: int,
    facts: dict[str, Any],
    token: str | None = None,
    key: str | None = None,
    about: str | None = None,
) -> None:
    name = store.provider(provider_id, date.today()).name
    add(
        store,
        kind,
        about or f"calloff {facts['calloff']}",
        f"provider {provider_id}",
        name,
        store.outbox.provider_email(provider_id),
        facts,
        event,
        token=token,
        key=key,
    )


def _competition_messages(store: Store, event: dict[str, Any], action: str) -> None:
    after = json.loads(event["after"] or "{}")
    k = store.competitions.get(int(event["object_id"]))
    r = store.request(k.request_id)
    facts = {
        "competition": k.id,
        "title": r.title,
        "lot": k.lot,
        "closes_on": k.closes_on.isoformat(),
        "request": r.id,
    }
    if action == "open":
        for provider_id, _rank in after.get("invited", []):
            _to_provider(
                store, "invitation", event, provider_id, facts, about=f"competition {k.id}"
            )
        return
    bidders = [p for p, _ in after.get("order", [])] + [p for p, _ in after.get("set_aside", [])]
    for provider_id in dict.fromkeys(bidders):
        _to_provider(store, "letter", event, provider_id, facts, about=f"competition {k.id}")


def add(
    store: Store,
    kind: str,
    about: str,
    recipient: str,
    name: str,
    address: str | None,
    facts: dict[str, Any],
    event: dict[str, Any] | None,
    token: str | None = None,
    key: str | None = None,
) -> bool:
    """One message; undeliverable at once where nobody recorded an address."""
    return store.outbox.add(
        {
            "key": key,
            "kind": kind,
            "event_id": None if event is None else event["id"],
            "about": about,
            "recipient": recipient,
            "name": name,
            "address": address,
            "subject": subject(kind, facts),
            "payload": facts,
            "message_id": uuid.uuid4().hex,
            "status": "pending" if address else "undeliverable",
            "created_at": now_stamp(),
            "link_token": token if address else None,  # nobody to carry it to
        }
    )


def long_day(iso: str | None) -> str:
    """ "Thursday 28 May 2015", as a message says it."""
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f"{day:%A} {day.day} {day:%B %Y}"


def subject(kind: str, f: dict[str, Any]) -> str:
    """The message's subject line, in plain English."""
    what = f"{f.get('reference')}, {f.get('title')}"
    by = long_day(f.get("respond_by"))
    return {
        "offer": f"Offer of call-off {what}: please answer by {by}",
        "reminder": f"Reminder: please answer the offer of {what} by {by}",
        "lapsed": f"Offer lapsed: {what} was not answered by {by}",
        "approval": f"Waiting for your approval: {what}, {f.get('value')}",
        "approved": f"Approved: {what}",
        "rejected": f"Rejected: {what}",
        "accepted": f"Accepted by {f.get('provider')}: {what}",
        "declined": f"Declined by {f.get('provider')}: {what}",
        "invitation": f"Invitation to bid: {f.get('title')} (closes "
        f"{long_day(f.get('closes_on'))})",
        "closing": f"Closing tomorrow: competition for {f.get('title')}",
        "letter": f"Outcome of the competition for {f.get('title')}",
        "publication": f"{f.get('when', 'Due')}: {f.get('what')} by {long_day(f.get('due'))}",
        "term": f"The framework's term ends on {long_day(f.get('ends'))}: an extension is left",
    }[kind]
