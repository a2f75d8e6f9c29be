"""The serialised form: model objects as JSON-ready dicts with stable keys.

Money is a two-decimal string ("12500.00"), dates are ISO strings, absent values null.
Documents and `--json` output share these shapes, so every view agrees to the penny.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from calloff.domain.dates import FinancialYear
from calloff.domain.model import CallOff, Framework, PassOver, Provider, Rates, Request
from calloff.domain.money import json_money
from calloff.domain.rules import Position

if TYPE_CHECKING:
    from calloff.actions.service import Outcome


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
        "regime": fw.regime,
        "light_touch": fw.light_touch,
        "service_area": fw.service_area,
        "merchant_category": fw.merchant_category,
        "ocid_prefix": fw.ocid_prefix or None,
    }


def term(fw: Framework, extensions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
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
            {"on": e["effective_on"], "recorded_at": e["recorded_at"], "officer": e["officer"]}
            for e in extensions
        ]
    return data


def provider(p: Provider) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "vat": p.vat,
        "status": p.status,
        "status_reason": p.status_reason or None,
        "address": p.address,
        "companies_house": p.companies_house,
        "charity": p.charity,
        "sme": p.sme,
        "vcse": p.vcse,
        "ppon": p.ppon,
    }


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
