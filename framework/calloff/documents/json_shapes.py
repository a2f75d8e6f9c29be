"""The serialised form: model objects as JSON-ready dicts with stable keys.

Money is a two-decimal string ("12500.00"), dates are ISO strings, absent values null.
Documents and `--json` output share these shapes, so every view agrees to the penny.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from calloff.domain import facts
from calloff.domain.dates import FinancialYear
from calloff.domain.model import CallOff, Framework, PassOver, Provider, Rates, Request
from calloff.domain.money import json_money
from calloff.domain.rules import Position

if TYPE_CHECKING:
    from calloff.actions.service import Outcome
    from calloff.actions.spending import SpendLine
    from calloff.domain import listings
    from calloff.domain.competition import Answer
    from calloff.domain.invoicing import PaidInvoice


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def framework(fw: Framework) -> dict[str, Any]:
    return {
        "id": fw.id,
        "name": fw.name,
        "buyer": fw.buyer,
        "lots": [{"number": lot.number, "title": lot.title, "award": lot.award} for lot in fw.lots],
        "criteria": [
            {
                "name": c.name,
                "title": c.title or None,
                "weight": c.weight,
                "min": c.low,
                "max": c.high,
            }
            for c in fw.criteria
        ],
        "standstill_days": fw.standstill_days,
        "term": term(fw),
        "streams": {
            s.name: {
                "title": s.title,
                "status": s.status,
                "confirmed_on": iso(s.confirmed_on),
                "capped": s.capped,
                "cap": json_money(s.caps.get(FinancialYear.of(fw.term.start)))
                if s.capped
                else None,
                "caps": {str(y): json_money(a) for y, a in sorted(s.caps.items())},
                "window": {"start": iso(s.window_start), "end": iso(s.window_end)}
                if s.window_start or s.window_end
                else None,
                "default": s.name == fw.default_funding,
            }
            for s in fw.streams
        },
        "response_days": fw.response_days,
        "approval_threshold": json_money(fw.approval_threshold),
        "aggregation_days": fw.aggregation_days,
        "key_decision": json_money(fw.key_decision),
        "regime": fw.regime,
        "light_touch": fw.light_touch,
        "service_area": fw.service_area,
        "merchant_category": fw.merchant_category,
        "ocid_prefix": fw.ocid_prefix or None,
        **facts.as_dict(fw.facts, fw.regime, fw.light_touch, date.today()),
    }


def term(fw: Framework, extensions: list[listings.Extension] | None = None) -> dict[str, Any]:
    t = fw.term
    data: dict[str, Any] = {
        "start": iso(t.start),
        "end": iso(t.end),
        "original_end": iso(t.original_end),
        "latest_end": iso(t.latest_end),
        "extensions_used": t.extensions_used,
        "extensions_left": t.extensions_left,
        "in_force_today": t.in_force(date.today()),
    }
    if extensions is not None:
        data["extensions"] = [
            {"on": iso(e.on), "recorded_at": e.recorded_at, "officer": e.officer}
            for e in extensions
        ]
    return data


def provider(p: Provider) -> dict[str, Any]:
    data = attrs.asdict(p)  # every field, in the model's order
    return {**data, "status_reason": p.status_reason or None, "ppon_warning": p.ppon_warning}


def rates(r: Rates) -> dict[str, str | None]:
    return {unit: json_money(rate) for unit, rate in r.as_dict().items()}


def passed_over(items: tuple[PassOver, ...] | list[PassOver]) -> list[dict[str, Any]]:
    return [
        {"provider": p.provider_id, "name": p.name, "rank": p.rank, "reason": p.reason}
        for p in items
    ]


def position(pos: Position) -> dict[str, Any]:
    return {
        "year": str(pos.year),
        "has_ceiling": pos.has_ceiling,
        # A year with no cap set has no ceiling at all: null, not a ceiling of £0.00.
        "ceiling": json_money(pos.ceiling) if pos.has_ceiling else None,
        "committed": json_money(pos.committed),
        "spent": json_money(pos.spent),
        "headroom": json_money(pos.headroom) if pos.has_ceiling else None,
        "streams": {
            s.name: {
                "cap": json_money(s.cap),
                "status": s.status,
                "committed": json_money(s.committed),
                "spent": json_money(s.spent),
                "headroom": json_money(s.headroom),
            }
            for s in pos.streams
        },
    }


def request(r: Request) -> dict[str, Any]:
    return {
        "id": r.id,
        "lot": r.lot,
        "title": r.title,
        "start": iso(r.start),
        "end": iso(r.end),
        "value": json_money(r.value),
        "quantity": r.quantity,
        "unit": r.unit,
        "funding": r.funding,
        "attendees": r.attendees,
        "year": str(r.year),
    }


def outcome(o: Outcome) -> dict[str, Any]:
    c = o.calloff
    return {
        "calloff": c.id if c else None,
        "request": o.request.id,
        "lot": o.request.lot,
        "provider": c.provider_id if c else None,
        "name": o.provider.name if o.provider else None,
        "rank": c.rank if c else None,
        "status": o.status,
        "value": json_money(c.value) if c else None,
        "funding": o.request.funding,
        "respond_by": iso(c.respond_by) if c else None,
        "passed_over": passed_over(o.passed_over),
        "headroom": json_money(c.headroom_after) if c else None,
        "reason": o.refused,
        "approval_reason": o.approval_reason,
    }


def calloff(
    c: CallOff,
    provider_name: str | None = None,
    overdue_working_days: int | None = None,
    lapse_command: str | None = None,
) -> dict[str, Any]:
    """A call-off with its dates, each with one meaning (see `CallOff`); an overdue offer
    with how late it is and the command that lapses it."""
    return {
        "calloff": c.id,
        "request": c.request_id,
        "lot": c.lot,
        "provider": c.provider_id,
        "name": provider_name,
        "rank": c.rank,
        "awarded_by": "ranking" if c.competition_id is None else "competition",
        "competition": c.competition_id,
        "standstill_ends": iso(c.standstill_ends),
        "status": c.status,
        "status_on": iso(c.status_on),
        "value": json_money(c.value),
        "funding": c.funding,
        "year": str(c.year),
        "raised_on": iso(c.raised_on),
        "raised_by": c.officer,
        "needs_approval": c.needs_approval,
        "approved_by": c.approved_by,
        "approved_on": iso(c.approved_on),
        "decision": c.decision,
        "authorised_by": c.authorised_by,
        "authorised_on": iso(c.authorised_on),
        "offered_on": iso(c.offered_on),
        "respond_by": iso(c.respond_by),
        "overdue_working_days": overdue_working_days,
        "lapse_command": lapse_command,
        "accepted_on": iso(c.accepted_on),
        "declined_on": iso(c.declined_on),
        "lapsed_on": iso(c.lapsed_on),
        "rejected_on": iso(c.rejected_on),
        "completed_on": iso(c.completed_on),
        "cancelled_on": iso(c.cancelled_on),
        "reason": c.reason,
        "headroom_after": json_money(c.headroom_after),
        "stream_headroom_after": json_money(c.stream_headroom_after),
        "recorded_at": c.recorded_at,
    }


def ranking(lot: int, entries: list[tuple[int, Provider, Rates]]) -> dict[str, Any]:
    """A lot's ranking with each provider's status and tendered rates (`rank show`)."""
    return {
        "lot": lot,
        "ranking": [
            {
                "rank": rank,
                "provider": p.id,
                "name": p.name,
                "status": p.status,
                "rates": rates(r),
            }
            for rank, p, r in entries
        ],
    }


def request_standing(r: listings.RequestStanding) -> dict[str, Any]:
    return {
        "id": r.id,
        "lot": r.lot,
        "title": r.title,
        "start": iso(r.start),
        "end": iso(r.end),
        "funding": r.funding,
        "status": r.status,
        "calloff": r.calloff,
        "competition": r.competition,
    }


def listed_calloff(c: listings.ListedCallOff) -> dict[str, Any]:
    return {
        "calloff": c.calloff,
        "request": c.request,
        "lot": c.lot,
        "provider": c.provider,
        "name": c.name,
        "rank": c.rank,
        "value": json_money(c.value),
    }


def awaiting_approval(a: listings.AwaitingApproval) -> dict[str, Any]:
    return {
        **listed_calloff(a),
        "funding": a.funding,
        "raised_by": a.raised_by,
        "raised_on": iso(a.raised_on),
        "approval_reason": a.approval_reason,
    }


def pending_offer(o: listings.PendingOffer) -> dict[str, Any]:
    return {
        **listed_calloff(o),
        "raised_on": iso(o.raised_on),
        "offered_on": iso(o.offered_on),
        "respond_by": iso(o.respond_by),
        "overdue_working_days": o.overdue_working_days,
        "lapse_command": o.lapse_command,
    }


def with_spent(calloff_document: dict[str, Any], spent: Decimal) -> dict[str, Any]:
    return {**calloff_document, "spent": json_money(spent)}


def spend_line(
    calloff_document: dict[str, Any], c: CallOff, line: SpendLine, spent: Decimal
) -> dict[str, Any]:
    """An invoice line just recorded, on its call-off: spent so far and what remains."""
    settled = line.settled
    return {
        **with_spent(calloff_document, spent),
        "remaining": json_money(c.value - spent),
        "invoice": line.invoice,
        "amount": json_money(line.amount),
        "vat": json_money(settled.vat),
        "irrecoverable_vat": json_money(settled.irrecoverable_vat),
        "received": iso(settled.received),
        "paid": iso(settled.paid),
    }


def payment(paid: PaidInvoice) -> dict[str, Any]:
    """An invoice recorded as paid (`spend pay`)."""
    return {
        "spend": paid.spend,
        "calloff": paid.calloff,
        "provider": paid.provider,
        "invoice": paid.invoice,
        "date": iso(paid.invoice_date),
        "received": iso(paid.received),
        "paid": iso(paid.paid),
        "amount": json_money(paid.amount),
        "vat": json_money(paid.vat),
    }


def answer(competition: int, a: Answer) -> dict[str, Any]:
    """An invited provider's answer to a competition: a bid or a no-bid."""
    return {
        "competition": competition,
        "provider": a.provider_id,
        "name": a.name,
        "rank": a.rank,
        "bid": a.bid,
        "on": iso(a.on),
        "price": json_money(a.price) if a.bid else None,
        "scores": marks(a) if a.bid else None,
        "reason": None if a.bid else a.reason,
    }


def marks(a: Answer) -> dict[str, str]:
    return {n: f"{m:.2f}" for n, m in a.marks.items()}


def award(calloff_document: dict[str, Any], competition: dict[str, Any]) -> dict[str, Any]:
    """A competition's award: the call-off, the winner's total, every result and the bids
    set aside."""
    return {
        **calloff_document,
        "total": competition["winner"]["total"],
        "results": competition["results"],
        "set_aside": competition["set_aside"],
    }


def competition_standing(c: listings.CompetitionStanding) -> dict[str, Any]:
    return {
        "competition": c.competition,
        "request": c.request,
        "lot": c.lot,
        "title": c.title,
        "status": c.status,
        "opened_on": iso(c.opened_on),
        "closes_on": iso(c.closes_on),
        "invited": c.invited,
        "bids": c.bids,
        "calloff": c.calloff,
    }


def audit_event(e: listings.AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "recorded_at": e.recorded_at,
        "effective_on": iso(e.effective_on),
        "officer": e.officer,
        "account": e.account,
        "channel": e.channel,
        "cover_for": e.cover_for,
        "acted": e.acted,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "before": e.before,
        "after": e.after,
        "reason": e.reason,
        "hash": e.hash,
    }
