"""The officer's lists, read from the store as records: what awaits approval or an answer,
requests and competitions with where each stands, the term's extensions, and the audit
trail with its check. Reading only: nothing here writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from calloff.actions.base import ServiceBase
from calloff.domain.dates import FinancialYear
from calloff.domain.listings import (
    AuditCheck,
    AuditEvent,
    AwaitingApproval,
    CompetitionStanding,
    Extension,
    PendingOffer,
    RequestStanding,
)
from calloff.domain.money import from_pence
from calloff.errors import InvalidInput
from calloff.store.listings import offer_dates
from calloff.store.rows import to_date
from calloff.store.splitting import SplitPurchases


class Lists(ServiceBase):
    """What the officer lists and checks, each line a record."""

    def approvals(self) -> list[AwaitingApproval]:
        """Call-offs waiting for a second officer, oldest first, each with why."""
        rows = self.store.listings.awaiting_approval()
        reasons = SplitPurchases(self.store).reasons([r["id"] for r in rows])
        return [
            AwaitingApproval(
                **_listed(r),
                funding=r["funding"],
                raised_by=r["officer"],
                raised_on=_day(r["offered_on"]),
                approval_reason=reasons.get(r["id"]),
            )
            for r in rows
        ]

    def offers(self, on: date, limit: int | None = None) -> list[PendingOffer]:
        """Offers waiting for the provider's answer, soonest respond-by first; those past
        it on `on` say by how much and which command lapses them."""
        fw = self.store.framework()
        found = []
        for r in self.store.listings.pending_offers(limit):
            dates = offer_dates(r, on, fw.term, fw.holidays)
            found.append(
                PendingOffer(
                    **_listed(r),
                    raised_on=_day(dates["raised_on"]),
                    offered_on=to_date(dates["offered_on"]),
                    respond_by=to_date(r["respond_by"]),
                    overdue_working_days=dates["overdue_working_days"],
                    lapse_command=dates["lapse_command"],
                )
            )
        return found

    def requests(
        self,
        lot: int | None = None,
        status: str | None = None,
        year: FinancialYear | None = None,
        request_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[RequestStanding]:
        """Requests with where each stands: its live call-off's status, in a competition,
        new (never offered) or unallocated (every offer ended); filtered and paged."""
        starts = None if year is None else (year.start.isoformat(), year.end.isoformat())
        return [
            RequestStanding(
                id=r["id"],
                lot=r["lot"],
                title=r["title"],
                start=_day(r["start"]),
                end=to_date(r["end"]),
                funding=r["funding"],
                status=r["standing"],
                calloff=r["last_calloff"],
                competition=r["competition"],
            )
            for r in self.store.listings.requests(lot, status, starts, request_id, limit, offset)
        ]

    def count_requests(
        self, lot: int | None = None, status: str | None = None, year: FinancialYear | None = None
    ) -> int:
        starts = None if year is None else (year.start.isoformat(), year.end.isoformat())
        return self.store.listings.count_requests(lot, status, starts)

    def competitions(
        self, today: date, limit: int | None = None, offset: int = 0
    ) -> list[CompetitionStanding]:
        """Every competition (or `limit` of them from `offset`), with its status as
        `competition show` has it: cancelled, awarded, or open until its closing day and
        closed from then."""
        found = []
        for r in self.store.competitions.all(limit, offset):
            if r["cancelled_on"]:
                status = "cancelled"
            elif r["calloff"]:
                status = "awarded"
            else:
                status = "closed" if today.isoformat() >= r["closes_on"] else "open"
            found.append(
                CompetitionStanding(
                    competition=r["id"],
                    request=r["request_id"],
                    lot=r["lot"],
                    title=r["title"],
                    status=status,
                    opened_on=_day(r["opened_on"]),
                    closes_on=_day(r["closes_on"]),
                    invited=r["invited"],
                    bids=r["bids"],
                    calloff=r["calloff"],
                )
            )
        return found

    def extensions(self) -> list[Extension]:
        """The extension options taken up, in order."""
        return [
            Extension(_day(e["effective_on"]), e["recorded_at"], e["officer"])
            for e in self.store.extensions()
        ]

    def spent(self, calloff_id: int) -> Decimal:
        """What a call-off's invoice lines add up to (ex-VAT)."""
        self.store.calloff(calloff_id)
        return self.store.invoices.total(calloff_id)

    # -- the audit trail -----------------------------------------------------------------

    def audit(
        self,
        calloff: int | None,
        provider: int | None,
        since: date | None,
        today: date,
        **narrower: Any,
    ) -> list[AuditEvent]:
        """The trail, oldest first, narrowed to a call-off, a provider or a first day, and
        by `narrower` (officer, action, until, limit, offset, newest_first: see
        `Trail.events`). A bid stays sealed until its competition's closing day, as in
        `competition show`."""
        if calloff is not None:
            self.store.calloff(calloff)
        sealed = self.store.competitions.sealed(today)
        return [
            AuditEvent(
                id=e["id"],
                recorded_at=e["recorded_at"],
                effective_on=to_date(e["effective_on"]),
                officer=e["officer"],
                action=e["action"],
                object_type=e["object_type"],
                object_id=e["object_id"],
                before=json.loads(e["before"]) if e["before"] else None,
                after=_after(e, sealed),
                reason=e["reason"],
                hash=e["hash"],
                account=e["account"],
                channel=e["channel"],
                registered=e["officer"] == "calloff" or e["account"] is not None,
                cover_for=e["cover_for"],
            )
            for e in self.store.trail.events(calloff, provider, since, **narrower)
        ]

    def audit_size(self) -> int:
        """How many rows checking the trail reads: the length of a progress bar."""
        return self.store.trail.work()

    def verify(
        self, expected: str | None, progress: Callable[[int], None] | None = None
    ) -> AuditCheck:
        """Check the chain; where a head hash written down earlier is given, the chain must
        still pass through it (a trail rewritten with the public recipe, or the file
        replaced by an older copy, does not)."""
        matches = self.store.trail.events_with_hash(expected) if expected else []
        if len(matches) > 1:
            raise InvalidInput(
                f"expect={expected} names more than one event ({matches[0]} and "
                f"{matches[1]}): give more of the head hash, or all 64 digits",
                command=f"--expect {expected} names more than one event ({matches[0]} and "
                f"{matches[1]}): give more of the head hash, or all 64 digits",
            )
        # The whole chain is walked, so the events from the expected one to now are each
        # checked against their hash, the one before, and (with a key) their seal's MAC.
        verdict = self.store.trail.verify(progress)
        found = matches[0] if matches and verdict.ok else None
        problem = verdict.problem
        if verdict.ok and expected and found is None:
            problem = (
                f"the head you expected ({expected}) is not in this audit trail: the "
                "trail was rewritten, or this file is an older copy"
            )
        return AuditCheck(
            ok=problem is None,
            events=verdict.events,
            head=verdict.head,
            problem=problem,
            event=verdict.event,
            expected=expected,
            expected_event=found,
            key=self.store.trail.seal.sealed_with(),
        )


def _listed(row: Mapping[str, Any]) -> dict[str, Any]:
    """What every listed call-off shows, from a listing's row."""
    return {
        "calloff": row["id"],
        "request": row["request_id"],
        "lot": row["lot"],
        "provider": row["provider_id"],
        "name": row["provider_name"],
        "rank": row["rank"],
        "value": from_pence(row["value_pence"]),
    }


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _after(event: Mapping[str, Any], sealed: set[str]) -> Any:
    data = json.loads(event["after"]) if event["after"] else None
    if event["action"] == "competition.bid" and event["object_id"] in sealed and data:
        data = {**data, "price": None, "scores": None, "sealed": True}
    return data
