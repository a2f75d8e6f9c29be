"""Writing an offer: the call-off, its dated commitment, and the check of every day after.

Both award routes end here: the ranked cascade (`calloff.actions.service`) and a competition's
award (`calloff.actions.competitions`), so an award by either is held to the same ceiling and
the same approval threshold, with one officer's split purchases counted together
(`calloff.domain.splitting`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from calloff.actions.base import ServiceBase
from calloff.domain.dates import add_working_days
from calloff.domain.model import CallOff, PassOver, Provider, Request
from calloff.domain.rules import Position
from calloff.domain.splitting import approval_reason, window
from calloff.store.database import now_stamp
from calloff.store.splitting import SplitPurchases


@attrs.frozen
class Outcome:
    """Where a request stands after an allocation attempt."""

    request: Request
    status: str  # offered | awaiting_approval | unallocated
    calloff: CallOff | None
    provider: Provider | None
    passed_over: tuple[PassOver, ...]
    refused: str | None = None
    position: Position | None = None
    approval_reason: str | None = None  # why it awaits approval (calloff.domain.splitting)


@attrs.frozen
class Lapse:
    """An offer that went unanswered, and what the cascade did next."""

    lapsed: CallOff
    outcome: Outcome


def approval_needed(
    desk: ServiceBase, request: Request, provider: Provider, value: Decimal, on: date
) -> str | None:
    """Why offering `value` to the provider on `on` needs approval, or None: at or over the
    threshold alone, or with the call-offs on the same officer's requests to the same
    provider on the same lot within the framework's `aggregation_days`."""
    s = desk.store
    fw = s.framework()
    if fw.approval_threshold is None:
        return None
    split = SplitPurchases(s)
    officer = split.raiser(request.id) or desk.officer
    earlier = []
    if value < fw.approval_threshold and fw.aggregation_days > 0:
        first, last = window(on, fw.aggregation_days)
        earlier = split.earlier(officer, provider.id, request.lot, first, last)
    return approval_reason(
        value,
        fw.approval_threshold,
        earlier,
        officer,
        provider.name,
        request.lot,
        fw.aggregation_days,
    )


def write_offer(
    desk: ServiceBase,
    request: Request,
    provider: Provider,
    rank: int,
    value: Decimal,
    passed_over: tuple[PassOver, ...],
    on: date,
    what: str,
    competition_id: int | None = None,
    standstill_ends: date | None = None,
) -> tuple[CallOff, Position, str | None]:
    """Write the offer and its dated commitment, then check every day from `on`; returns
    the call-off, the position that day and why it needs approval (None if it does not).

    Where it needs approval (`approval_needed`) the commitment is held, but the provider is
    not told until a second officer approves; the response period starts then. After a
    standstill the response period starts when the standstill ends.
    """
    s = desk.store
    fw = s.framework()
    reason = approval_needed(desk, request, provider, value, on)
    needs_approval = reason is not None
    respond_by = None
    if not needs_approval:
        respond_by = add_working_days(max(on, standstill_ends or on), fw.response_days, fw.holidays)
    calloff = CallOff(
        id=0,
        request_id=request.id,
        lot=request.lot,
        provider_id=provider.id,
        rank=rank,
        status="awaiting_approval" if needs_approval else "offered",
        value=value,
        funding=request.funding,
        year=request.year,
        raised_on=on,
        respond_by=respond_by,
        officer=desk.officer,
        recorded_at=now_stamp(),
        needs_approval=needs_approval,
        competition_id=competition_id,
        standstill_ends=standstill_ends,
    )
    cid = s.add_calloff(calloff, passed_over)
    calloff = attrs.evolve(calloff, id=cid)
    after: dict[str, object] = {
        "request": request.id,
        "provider": provider.id,
        "rank": calloff.rank,
        "status": calloff.status,
        "value": calloff.value,
        "funding": calloff.funding,
        "respond_by": calloff.respond_by,
        "passed_over": [[p.provider_id, p.rank, p.reason] for p in passed_over],
    }
    if reason is not None:  # the audit record says why it waits for an approver
        after["approval_reason"] = reason
    if competition_id is not None:
        after["competition"] = competition_id
        after["standstill_ends"] = standstill_ends
    eid = s.trail.record(desk.officer, on, "calloff.offer", "calloff", cid, None, after, None)
    s.ledger.record(calloff, eid, on, calloff.status, calloff.value, calloff.value)
    desk._hold(calloff.year, on, what, calloff.value)
    # The headroom recorded with the offer is the headroom on the day it was made.
    position = s.position(calloff.year, on)
    s.restate_headroom(cid, position.headroom, position.stream(calloff.funding).headroom)
    return s.calloff(cid), position, reason


def declined(calloffs: list[CallOff]) -> dict[int, str]:
    """Providers whose own answer (a decline, or no answer in time) closed one of these
    offers, and why: the cascade and a competition pass them over with it."""
    closed = {}
    for c in calloffs:
        if c.status == "lapsed":
            closed[c.provider_id] = f"did not answer by {c.respond_by} (lapsed on {c.decided_on})"
        elif c.status == "declined":
            closed[c.provider_id] = f"declined on {c.decided_on}: {c.reason}"
    return closed
