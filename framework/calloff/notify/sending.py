"""Sending the outbox by SMTP, each message once.

A message is claimed (its next try put off) before it is sent, so two senders at once (the
server's worker and a cron job) never both send it; it is marked sent only after the SMTP
server has accepted it, so a process killed in between sends it again on the next run, with
the same Message-ID (at most one duplicate, which mail clients fold into one). A failed try
is retried after 1, 5, 15 and 60 minutes; after the fifth it is failed for good, listed by
`calloff notify list --failed` and on admins' home page.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import attrs

from calloff.actions.messages import long_day
from calloff.actions.service import Service
from calloff.documents import sandbox
from calloff.documents.rendering import environment
from calloff.domain.listings import Message
from calloff.errors import CalloffError
from calloff.notify.mail import Mail
from calloff.notify.transports import Undelivered, transport_for

BACKOFF_MINUTES = (1, 5, 15, 60)  # after the first to the fourth failed try
CLAIM = timedelta(minutes=10)  # how long a message being sent is kept from other senders
BATCH = 200  # messages a run sends at most, so a run ends


@attrs.frozen
class Sending:
    """What one run did: messages sent, tries that failed (and of them, those failed for
    good), reminders written; then what the whole outbox holds undeliverable and waiting,
    and the route (`notify`, `smtp`, or None: nothing is sent)."""

    sent: int
    failed: int
    gave_up: int
    undeliverable: int
    waiting: int
    reminders: int = 0
    route: str | None = None


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def compose(
    service: Service, mail: Mail, m: Message, templates: str | Path | None = None
) -> EmailMessage:
    """The message as it is sent: text and HTML parts, the order or letter attached."""
    fw = service.framework()
    link = None
    if m.kind == "offer" and m.link_token and mail.base_url:
        link = f"{mail.base_url}/offer/{m.link_token}"
    context: dict[str, Any] = {
        "m": m.payload,
        "name": m.name,
        "framework": fw.name,
        "buyer": fw.buyer,
        "link": link,
        "base_url": mail.base_url,
        "order": "",
        "letter": "",
    }
    attachments = _attachments(service, m, templates)
    plain = _render(f"messages/{m.kind}.txt.j2", "text", context, templates)
    msg = EmailMessage()
    msg["Subject"] = m.subject
    msg["From"] = formataddr((fw.buyer, mail.sender))
    msg["To"] = formataddr((m.name, m.address or ""))
    msg["Message-ID"] = f"<{m.message_id}@{mail.domain}>"
    msg["Date"] = format_datetime(datetime.fromisoformat(m.created_at))
    full = plain
    if attachments:  # the text part carries the order or letter too; the HTML attaches it
        part = "order" if m.kind == "offer" else "letter"
        full = _render(
            f"messages/{m.kind}.txt.j2", "text", context | {part: attachments[1]}, templates
        )
    msg.set_content(full)
    paragraphs = [p for p in plain.strip().split("\n\n") if p.strip()]
    html = _render(
        "messages/message.html.j2",
        "html",
        {"paragraphs": paragraphs, "link": link, "subject": m.subject, "buyer": fw.buyer},
        templates,
    )
    msg.add_alternative(html, subtype="html")
    if attachments:
        name, _, page = attachments
        msg.add_attachment(page, subtype="html", filename=name)
    return msg


def _attachments(
    service: Service, m: Message, templates: str | Path | None
) -> tuple[str, str, str] | None:
    """The offer's order, or the bidder's own letter: (file name, Markdown, HTML)."""
    if m.kind == "offer":
        from calloff.documents.orders import render_order

        cid = int(m.payload["calloff"])
        md = render_order(service, cid, "md", templates)
        return f"order-{cid}.html", md, render_order(service, cid, "html", templates)
    if m.kind == "letter":
        from calloff.actions.competition_state import standing
        from calloff.documents.competition_view import letters

        st = standing(service.store, int(m.payload["competition"]), None)
        wanted = int(m.recipient.split()[-1])
        for facts in letters(st, service.framework()):
            if int(facts["to"]["provider"]) == wanted:
                md = _render("letter.md.j2", "md", facts, templates)
                page = _render("letter.html.j2", "html", facts, templates)
                return f"{facts['file']}.html", md, page
    return None


def _render(name: str, kind: str, context: dict[str, Any], templates: str | Path | None) -> str:
    env = environment(kind, templates)
    env.filters["day"] = long_day
    return sandbox.render(env, name, context)


def send_outbox(
    service: Service,
    mail: Mail,
    now: datetime | None = None,
    templates: str | Path | None = None,
    connect: Callable[..., smtplib.SMTP] = smtplib.SMTP,
) -> Sending:
    """Send what is due, by Notify or SMTP (`mail.route`); each message marked as it goes.
    An offer or reminder whose call-off has moved on (answered, lapsed, withdrawn) is no
    longer sent: it is `superseded`. When the route itself fails, the run stops, and each
    message it had claimed and not sent waits for its next try."""
    store = service.store
    moment = now or datetime.now(UTC)
    sent = failed = gave_up = 0
    transport = transport_for(mail, connect)
    if transport is not None:
        with store.transaction():
            due = store.outbox.due(stamp(moment), BATCH)
            for m in due:  # claimed: no other sender takes them meanwhile
                store.outbox.claim(m.id, stamp(moment + CLAIM))
        broken: Undelivered | None = None
        for m in due:
            why = None if broken else superseded(service, m)
            if why is not None:
                with store.transaction():
                    store.outbox.superseded(m.id, why)
                continue
            try:
                if broken:
                    raise broken
                transport.send(compose(service, mail, m, templates), m)
            except (Undelivered, CalloffError) as e:
                failed += 1
                gave_up += _failed_try(service, m, e, moment)
                if isinstance(e, Undelivered) and e.broken:
                    broken = e
                continue
            with store.transaction():
                store.outbox.sent(m.id, stamp(datetime.now(UTC)))
            sent += 1
        transport.close()
    counts = store.outbox.counts()
    return Sending(
        sent, failed, gave_up, counts["undeliverable"], counts["pending"], route=mail.route
    )


def superseded(service: Service, m: Message) -> str | None:
    """Why a message is no longer worth sending, or None: an offer or its reminder whose
    call-off is no longer offered; a competition's closing reminder once it closed, or
    once the provider answered."""
    store = service.store
    if m.kind in ("offer", "reminder"):
        c = store.calloff(int(m.payload["calloff"]))
        if c.status != "offered":
            return f"not sent: call-off {c.id} was {c.status.replace('_', ' ')} first"
    if m.kind == "closing":
        k = store.competitions.get(int(m.payload["competition"]))
        provider = int(m.recipient.split()[-1])
        answered = any(a.provider_id == provider for a in store.competitions.answers(k.id))
        if k.cancelled_on or store.competitions.calloffs(k.id) or answered:
            return f"not sent: competition {k.id} was answered, awarded or cancelled first"
    return None


def _failed_try(service: Service, m: Message, error: Exception, moment: datetime) -> int:
    """Record a failed try; 1 if it was the last."""
    tries = m.attempts + 1
    last = tries > len(BACKOFF_MINUTES)
    retry = None if last else stamp(moment + timedelta(minutes=BACKOFF_MINUTES[tries - 1]))
    text = str(error) if isinstance(error, Undelivered) else f"{type(error).__name__}: {error}"
    with service.store.transaction():
        service.store.outbox.failed_try(m.id, text[:300], retry)
    return int(last)
