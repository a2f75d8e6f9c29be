"""What every officer action shares: the store, who is acting, and the checks that keep
each call-off's history in order and every day under the ceiling.

The actions themselves live by capability: `calloff.actions.service` (requests, the cascade,
answers and approvals), `calloff.actions.setup` (providers, rankings, prices),
`calloff.actions.budget` (ceilings, funding, the term) and `calloff.actions.spending` (invoices,
variations, completion). Each write is one `BEGIN IMMEDIATE` transaction: any refusal
raises before it commits, so it leaves nothing behind.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from calloff.domain import dates
from calloff.domain.dates import FinancialYear
from calloff.domain.model import (
    FINISHED,
    LIVE,
    CallOff,
    Framework,
    Provider,
)
from calloff.domain.money import ZERO
from calloff.domain.rules import (
    breach_message,
)
from calloff.errors import (
    CeilingExceeded,
    InvalidInput,
    NotFound,
    WrongStatus,
)
from calloff.store.database import Store


class ServiceBase:
    """One officer at one framework database."""

    def __init__(self, store: Store, officer: str):
        from calloff.actions.messages import write_messages

        self.store = store
        self.officer = officer
        # Each write's events tell whoever must act, in the write's own transaction.
        store.messenger = lambda first: write_messages(store, first)

    def framework(self) -> Framework:
        return self.store.framework()

    def authorised(
        self,
        action: str,
        on: date,
        object_id: object = None,
        value: Decimal | None = None,
        role: str | None = None,
    ) -> None:
        """Refuse now, before anything else is weighed, what the register would refuse
        when the event is recorded: the role (and an approval's limit) on `on`."""
        trail = self.store.trail
        if trail.actor is not None and trail.guard is not None:
            key = None if object_id is None else str(object_id)
            trail.guard(self.officer, action, key, on, value, role)

    def provider(self, ref: str | int, as_of: date | None = None) -> Provider:
        """A provider by id or by exact name (case does not matter)."""
        on = as_of or date.today()
        text = str(ref).strip()
        if re.fullmatch(r"[0-9]{1,18}", text):
            return self.store.provider(int(text), on)
        row = self.store.roster.provider_named(text)
        if row is None:
            raise NotFound(f"no provider is called {text!r}", hint="see `calloff provider list`")
        return self.store.provider(row["id"], on)

    def _hold(
        self, year: FinancialYear, start: date, what: str, amount: Decimal | None = None
    ) -> None:
        """Refuse the write in progress if any headroom in `year` is below zero on any day
        from `start` on; the message names the first such day and by how much."""
        breach = self.store.ledger.first_breach(year, start)
        if breach is None:
            return
        message = breach_message(
            what, year, breach.day, breach.stream, breach.cap, breach.committed, amount
        )
        if breach.first_cap_on is None or breach.first_cap_on > breach.day:
            stream = breach.stream or self.framework().default_funding
            message += f"; no cap for {year} applied on {breach.day}"
            hint = (
                f"date one from then with `calloff ceiling set --year {year} --funding "
                f"{stream} --amount MONEY --on {breach.day}`"
            )
            raise CeilingExceeded(message, hint=hint)
        raise CeilingExceeded(message)

    def _move(
        self,
        calloff_id: int,
        allowed: tuple[str, ...],
        status: str,
        action: str,
        on: date,
        reason: str | None = None,
        settles: bool = False,
        noted: dict[str, Any] | None = None,
    ) -> CallOff:
        """Move a call-off from one of `allowed` to `status` and record it; returns it as it was.

        `settles`: the commitment becomes the spend so far, and the event says so;
        `noted`: more for the event to say (an answer through a link: where it came from).
        """
        not_future(on)
        s = self.store
        c = s.calloff(calloff_id)
        self.authorised(f"calloff.{action}", on, c.id, c.value if action == "reject" else None)
        self._expect(c, allowed, status)
        self._not_before(c, on)
        if settles:
            self._not_before_answer_or_invoices(c, on, status)
        s.set_status(c.id, status, on, reason)
        spent = s.invoices.total(c.id)
        before: dict[str, Any] = {"status": c.status}
        after: dict[str, Any] = {"status": status, **(noted or {})}
        if settles:
            before["commitment"], after["commitment"] = c.value, spent
        eid = s.trail.record(
            self.officer,
            on,
            f"calloff.{action}",
            "calloff",
            c.id,
            before,
            after,
            reason,
            value=c.value if action == "reject" else None,
        )
        commitment = c.value if status in LIVE else spent if status in FINISHED else ZERO
        s.ledger.record(c, eid, on, status, c.value, commitment)
        return c

    @staticmethod
    def _expect(c: CallOff, statuses: tuple[str, ...], action: str) -> None:
        if c.status not in statuses:
            raise WrongStatus(
                f"call-off {c.id} is {c.status.replace('_', ' ')}: only an "
                f"{' or '.join(s.replace('_', ' ') for s in statuses)} call-off can be {action}"
            )

    def _not_before_answer_or_invoices(self, c: CallOff, on: date, what: str) -> None:
        """A call-off is settled after it was accepted (or approved) and after its invoices."""
        for label, when in (("accepted", c.decided_on), ("approved", c.approved_on)):
            if when and on < when:
                raise InvalidInput(
                    f"{on} is before call-off {c.id} was {label} on {when}", hint="check --on"
                )
        last = self.store.invoices.last_date(c.id)
        if last and on < last:
            raise InvalidInput(
                f"call-off {c.id} has an invoice dated {last}: it can be {what} on or after "
                "that date"
            )

    def _not_before(self, c: CallOff, on: date) -> None:
        """A call-off's history runs forward: each change is dated on or after the last."""
        if on < c.raised_on:
            raised = "raised" if c.needs_approval else "offered"
            raise InvalidInput(
                f"{on} is before call-off {c.id} was {raised} on {c.raised_on}", hint="check --on"
            )
        last = self.store.ledger.last_change(c.id)
        if last and on.isoformat() < last["effective_on"]:
            raise InvalidInput(
                f"{on} is before call-off {c.id}'s last recorded change, dated "
                f"{last['effective_on']} ({last['status'].replace('_', ' ')}): record this "
                "change on or after that date"
            )


def not_future(on: date, what: str = "the effective date") -> None:
    """No change of state may be dated after today (`calloff.domain.dates.not_future`,
    which the front door's `arguments.not_future` also reads with)."""
    dates.not_future(on, what)


def default_year(fw: Framework, today: date | None = None) -> FinancialYear:
    """Today's financial year, held inside the term (the last year once it has ended)."""
    today = today or date.today()
    if today > fw.term.end:
        return FinancialYear.of(fw.term.end)
    if today < fw.term.start:
        return FinancialYear.of(fw.term.start)
    return FinancialYear.of(today)
