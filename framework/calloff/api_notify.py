"""The library's door to messages (docs/messages.md): the outbox, the reminders a day
brings, sending by SMTP, and the provider's answer through the link in an offer, as
`Office` methods (see `calloff.api`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from calloff.arguments import Day, _count, _day, _text
from calloff.domain.listings import Message
from calloff.errors import InvalidInput, NotAuthorised

if TYPE_CHECKING:
    from calloff.actions.links import LinkedOffer
    from calloff.actions.service import Service
    from calloff.domain.officers import Actor
    from calloff.notify.mail import Mail
    from calloff.notify.sending import Sending

STATUSES = ("pending", "sent", "failed", "undeliverable", "superseded")


def mail_settings(environ: Mapping[str, str] | None = None, base_url: str | None = None) -> Mail:
    """How messages are sent, from CALLOFF_SMTP_* and CALLOFF_MAIL_FROM (or the file named
    by CALLOFF_CONFIG), checked; `base_url` (or CALLOFF_BASE_URL) makes the offers' links."""
    from calloff.notify.mail import mail_settings as read

    return read(environ, base_url)


class Notifying:
    """The outbox and the offers' links."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    actor: Actor  # provided by Office

    def _roles_today(self) -> set[str]:
        entry = self.service.gate.today()
        return set() if entry is None or entry.left_on is not None else set(entry.roles)

    def _reads_outbox(self) -> None:
        if not {"admin", "auditor"} & self._roles_today():
            raise NotAuthorised(
                "the outbox (who was told what, at which address) is for admins and "
                f"auditors: {self.service.officer} holds neither role"
            )

    def messages(
        self, *, status: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Message]:
        """The outbox, newest first; only `status` (pending, sent, failed, undeliverable,
        superseded) if given. For admins and auditors, who never see the link an offer carries: that
        is the provider's alone."""
        self._reads_outbox()
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"status {status!r} is not known: choose from {', '.join(STATUSES)}")
        found = self.service.store.outbox.messages(
            status,
            None if limit is None else _count(limit, "limit", 1, 10_000),
            _count(offset, "offset", 0, 10**9) or 0,
        )
        return [attrs.evolve(m, link_token=None) for m in found]

    def message_counts(self) -> dict[str, int]:
        """How many messages are pending, sent, failed, undeliverable and superseded. For
        admins and auditors."""
        self._reads_outbox()
        return self.service.store.outbox.counts()

    def remind(self, *, on: Day | None = None) -> int:
        """Write the reminders day `on` (default today) brings, each once however often it
        is asked; how many were new. `send_messages` does this first."""
        from calloff.domain.dates import not_future
        from calloff.notify.sweep import sweep

        if "admin" not in self._roles_today():
            raise NotAuthorised(
                "writing reminders and sending messages is an admin's (the server's account "
                f"or its cron job): {self.service.officer} is not an admin"
            )
        day = not_future(_day(on), "the day of the reminders")
        return sweep(self.service, day)

    def send_messages(
        self,
        *,
        on: Day | None = None,
        mail: Mail | None = None,
        templates: str | Path | None = None,
        now: datetime | None = None,
    ) -> Sending:
        """Write the day's reminders, then send what is due by SMTP (`mail`, default
        `mail_settings()`), each message once: what was sent, failed and is waiting.
        With no SMTP host set, nothing is sent and every message waits."""
        from calloff.notify.sending import send_outbox

        settings = mail if mail is not None else mail_settings()
        reminders = self.remind(on=on)
        done = send_outbox(self.service, settings, now, templates)
        return attrs.evolve(done, reminders=reminders)

    def offer_link(self, token: str) -> LinkedOffer:
        """The offer a link answers, as it stands: its `state` is "open" or says why the
        link can no longer answer it. NotFound for a token nobody was sent."""
        from calloff.actions.links import find

        return find(self.service.store, _text(token, "token"))[1]

    def answer_offer(
        self, token: str, *, accept: bool, reason: str | None = None, address: str
    ) -> LinkedOffer:
        """Record a provider's answer through its link: accepted, or declined with a
        reason. Recorded as the provider's ("via link", from `address`) by this account,
        which must be an admin's (the server's). Refused, with nothing written, for a link
        used, expired or for an offer no longer open."""
        from calloff.actions.links import answer

        if not isinstance(accept, bool):
            raise InvalidInput("accept must be True or False")
        if "admin" not in self._account_roles():
            raise NotAuthorised(
                f"{self.actor.account} is not an admin: only the server's account records "
                "a provider's answer through a link"
            )
        why = None if accept else _text(reason or "", "the reason")
        if not accept and not (why or "").strip():
            raise InvalidInput("give a reason for declining the offer")
        return answer(
            self.service, token, accept, why, _text(address, "address"), self.actor.account
        )

    def _account_roles(self) -> set[str]:
        from datetime import date

        entry = self.service.store.officers.register().as_of(self.actor.account, date.today())
        return set() if entry is None or entry.left_on else set(entry.roles)
