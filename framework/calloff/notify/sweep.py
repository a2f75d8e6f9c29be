"""The reminders a day brings, written once each however often the sweep runs (each has a
key): an offer's the working day before its answer is due; a competition's to the invited
providers yet to answer, the working day before it closes; a publication's 7 days before its
deadline and once it is overdue; the term's within 90 days of its end while an extension is
left. Run by `calloff notify send` and by the server's scheduler."""

from __future__ import annotations

from datetime import date, timedelta

from calloff.actions.messages import add, calloff_facts, officers_holding
from calloff.actions.service import Service
from calloff.domain.dates import working_day_before
from calloff.publishing.calendar import items

PUBLICATION_NOTICE_DAYS = 7
TERM_NOTICE_DAYS = 90
# Far enough ahead to reach the working day before any deadline (a long bank holiday).
AHEAD = timedelta(days=10)


def sweep(service: Service, on: date) -> int:
    """Write the reminders due on `on`; how many were new."""
    store = service.store
    fw = service.framework()
    new = 0
    with store.transaction():
        first, last = on.isoformat(), (on + AHEAD).isoformat()
        for calloff_id, respond_by in store.outbox.offers_due(first, last):
            if working_day_before(date.fromisoformat(respond_by), fw.holidays) <= on:
                c = store.calloff(calloff_id)
                facts = calloff_facts(store, c)
                new += _to_provider(service, "reminder", c.provider_id, facts, f"calloff {c.id}")
        for competition_id, closes_on, provider_id in store.outbox.competitions_closing(
            first, last
        ):
            if working_day_before(date.fromisoformat(closes_on), fw.holidays) <= on:
                k = store.competitions.get(competition_id)
                facts = {
                    "competition": k.id,
                    "title": store.request(k.request_id).title,
                    "lot": k.lot,
                    "closes_on": closes_on,
                }
                new += _to_provider(service, "closing", provider_id, facts, f"competition {k.id}")
        new += _publications(service, on) + _term(service, on)
    return new


def _to_provider(service: Service, kind: str, provider_id: int, facts: dict, about: str) -> int:
    store = service.store
    p = store.provider(provider_id, date.today())
    key = (
        f"{kind}:{about}:provider {provider_id}:{facts.get('respond_by') or facts.get('closes_on')}"
    )
    return int(add(store, kind, about, f"provider {p.id}", p.name, p.email, facts, None, key=key))


def _to_admins(service: Service, kind: str, about: str, facts: dict, key: str, on: date) -> int:
    """To every admin on `on`, and for a publication the framework's publishing contact."""
    store = service.store
    new = 0
    for o in officers_holding(store, "admin", on):
        new += add(
            store,
            kind,
            about,
            f"officer {o.login}",
            o.name,
            o.email or None,
            facts,
            None,
            key=f"{key}:officer {o.login.casefold()}",
        )
    contact = service.framework().publishing_contact
    if kind == "publication" and contact:
        new += add(
            store,
            kind,
            about,
            "publishing contact",
            "Publishing contact",
            contact,
            facts,
            None,
            key=f"{key}:publishing contact",
        )
    return new


def _publications(service: Service, on: date) -> int:
    new = 0
    soon = on + timedelta(days=PUBLICATION_NOTICE_DAYS)
    for i in items(service.store, on):
        if i.published_on is not None or i.due_by > soon:
            continue
        when = "Overdue" if i.overdue(on) else "Due"
        facts = {
            "item": i.item,
            "what": i.title,
            "due": i.due_by.isoformat(),
            "when": when,
            "basis": i.basis,
            "command": i.command,
        }
        key = f"publication:{i.item}:{when.lower()}"
        new += _to_admins(service, "publication", f"publication {i.item}", facts, key, on)
    return new


def _term(service: Service, on: date) -> int:
    term = service.framework().term
    if not term.extensions_left or not on <= term.end <= on + timedelta(days=TERM_NOTICE_DAYS):
        return 0
    facts = {"ends": term.end.isoformat(), "extensions_left": term.extensions_left}
    return _to_admins(service, "term", "the term", facts, f"term:{term.end}", on)
