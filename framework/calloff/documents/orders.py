"""A call-off's two documents and its `show` view (docs/rules.md: two documents, two readers).

The *call-off order* goes to the provider: its own work, its tendered rate, each variation,
its status with the date, how to invoice. It never names another provider, a rank, the
council's ceiling or headroom: those are commercially sensitive. The *award record* stays
on the council's file: everything on the order, plus the rank, the whole cascade, the
headroom and cap when the commitment was made, approvals, spend lines and the hash of the
call-off's last audit event, so a printed record can be checked against the database.

Both are built from the same facts, and a figure is never derived to look like one: after
a variation the order gives the tendered rate and the variation, not value ÷ quantity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calloff.documents import json_shapes
from calloff.documents.rendering import render
from calloff.domain.invoicing import order_reference as order_reference
from calloff.domain.invoicing import vat_due
from calloff.domain.lapses import lapse_command
from calloff.domain.model import CLOSED, FINISHED, CallOff
from calloff.domain.money import ZERO, from_pence, json_money
from calloff.domain.officers import said
from calloff.errors import InvalidInput
from calloff.store.splitting import reason_in

if TYPE_CHECKING:
    from calloff.actions.service import Service

FORMATS = ("md", "html")
# The audit action behind each dated step, for who took it.
ACTED = {
    "calloff.offer": "raised",
    "calloff.approve": "authorised",
    "calloff.accept": "accepted",
    "calloff.decline": "declined",
    "calloff.lapse": "lapsed",
    "calloff.reject": "rejected",
    "calloff.complete": "completed",
    "calloff.cancel": "cancelled",
}


def overdue(service: Service, c: CallOff, on: date | None = None) -> dict[str, Any]:
    """Working days an offer is past its respond-by date today (None if it is not), and
    the command that lapses it."""
    fw = service.store.framework()
    today = on or date.today()
    days = c.overdue_days(today, fw.holidays)
    command = None
    if days is not None and c.respond_by is not None:
        command = lapse_command(c.respond_by, today, fw.term, fw.holidays)
    return {"overdue_working_days": days, "lapse_command": command}


def _variations(service: Service, c: CallOff) -> list[dict[str, Any]]:
    """Each variation: the value before and after it, and the change it made (after −
    before), so a printed line never shows the new value where an amount belongs."""
    return [
        {
            "on": v["effective_on"],
            "from": json_money(from_pence(v["old_value_pence"])),
            "to": json_money(from_pence(v["new_value_pence"])),
            "change": json_money(from_pence(v["new_value_pence"] - v["old_value_pence"])),
            "reason": v["reason"],
            "officer": v["officer"],
        }
        for v in service.store.variations(c.id)
    ]


def _spend(service: Service, c: CallOff) -> list[dict[str, Any]]:
    return [
        {
            "invoice": s["invoice"],
            "date": s["spent_on"],
            "amount": json_money(from_pence(s["amount_pence"])),
            "attendees": s["attendees"],
            "vat": json_money(from_pence(s["vat_pence"])),
            "irrecoverable_vat": json_money(from_pence(s["irrecoverable_vat_pence"])),
            "received": s["received_on"],
            "paid": s["paid_on"],
            "cost_centre": s.get("cost_centre"),
            "gl_code": s.get("gl_code"),
            "purchase_order": s.get("purchase_order"),
        }
        for s in service.store.invoices.lines(c.id)
    ]


def _cascade(service: Service, request_id: int, names: Mapping[int, str]) -> list[dict[str, Any]]:
    """Every step of a request's cascade in order: each provider passed over before an
    offer (with the day and the reason), then the offer and what became of it."""
    steps: list[dict[str, Any]] = []
    offered: set[int] = set()
    for other, passed in service.history(request_id):
        # A provider that already had its own offer for this request shows it there.
        for p in (p for p in passed if p.provider_id not in offered):
            steps.append(
                {
                    "calloff": None,
                    "on": json_shapes.iso(other.raised_on),
                    "rank": p.rank,
                    "provider": p.provider_id,
                    "name": p.name,
                    "outcome": "passed over",
                    "reason": p.reason,
                }
            )
        steps.append(
            {
                "calloff": other.id,
                "on": json_shapes.iso(other.status_on),
                "rank": other.rank,
                "provider": other.provider_id,
                "name": names.get(other.provider_id),
                "outcome": other.status,
                "reason": other.reason,
            }
        )
        offered.add(other.provider_id)
    return steps


def _competition(service: Service, c: CallOff) -> dict[str, Any] | None:
    """For the council's file: the competition this call-off was awarded by, every bid and
    score included (never on the provider's order)."""
    if c.competition_id is None:
        return None
    from calloff.actions.competition_state import standing
    from calloff.documents.competition_view import to_json

    return to_json(standing(service.store, c.competition_id, c.raised_on, award=c))


def _payable(c: CallOff, spent: Decimal, vat: str) -> dict[str, str | None] | None:
    """A completed or cancelled call-off is payable for what was invoiced: on completion
    the work done, on cancellation the work to the day it stopped. Nothing more can be
    invoiced once it is finished (spend is recorded only against an accepted call-off),
    so this is what the council pays, whatever the order's value was."""
    if c.status not in FINISHED:
        return None
    tax = vat_due(spent, vat)
    return {"value": json_money(spent), "vat": json_money(tax), "total": json_money(spent + tax)}


def calloff_view(service: Service, calloff_id: int) -> dict[str, Any]:
    """Everything about one call-off, as `calloff show` prints it and `--json` gives it."""
    store = service.store
    c = store.calloff(calloff_id)
    fw = store.framework()
    names = store.roster.names()  # this call-off's provider, and those its request passed over
    request = store.request(c.request_id)
    spent = store.invoices.total(c.id)
    data = json_shapes.calloff(c, names[c.provider_id], **overdue(service, c))
    events = store.trail.events(calloff=c.id)
    steps = [e for e in events if e["action"] in ACTED]
    # Who took each step: the officer, and in `acted_by` the words the documents print
    # ("root for b.approver" where an admin acted for another officer).
    acted = {ACTED[e["action"]]: _who(e) for e in steps}
    if not c.needs_approval and "raised" in acted:
        acted["authorised"] = acted["raised"]
    data.update(
        {
            "officers": {ACTED[e["action"]]: e["officer"] for e in steps},
            "acted_by": acted,
            "lot_title": fw.lot(c.lot).title,
            "approval_reason": next(
                (reason_in(e) for e in events if e["action"] == "calloff.offer"), None
            ),
            "request_detail": json_shapes.request(request),
            "passed_over": json_shapes.passed_over(store.passed_over(c.id)),
            "spent": json_money(spent),
            "committed": json_money(c.value if c.live else spent if c.status in FINISHED else ZERO),
            "amount_payable": _payable(c, spent, store.provider(c.provider_id, date.today()).vat),
            "variations": _variations(service, c),
            "purchase_order": store.invoices.orders.of(c.id),
            "spend": _spend(service, c),
            "cascade": _cascade(service, c.request_id, names),
            "competition_detail": _competition(service, c),
            "history": [
                {
                    **json_shapes.calloff(o, names.get(o.provider_id)),
                    "passed_over": json_shapes.passed_over(p),
                }
                for o, p in service.history(c.request_id)
            ],
            "events": [
                {
                    "id": e["id"],
                    "recorded_at": e["recorded_at"],
                    "effective_on": e["effective_on"],
                    "officer": e["officer"],
                    "account": e["account"],
                    "channel": e["channel"],
                    "acted": _who(e),
                    "action": e["action"],
                    "reason": e["reason"],
                    "before": json.loads(e["before"]) if e["before"] else None,
                    "after": json.loads(e["after"]) if e["after"] else None,
                    "hash": e["hash"],
                }
                for e in events
            ],
        }
    )
    return data


def _who(e: dict[str, Any]) -> str:
    """Who took a step: "root for b.approver" where an admin acted for another, and a name
    from before the register began (an event naming no account) "(not registered)"."""
    text = said(e["officer"], e["account"], e["channel"], e.get("cover_for"))
    return text if e["account"] is not None else f"{text} (not registered)"


def _status(c: CallOff, variations: list[dict[str, Any]]) -> dict[str, Any]:
    """The order's status line: what it is now, and since when."""
    if c.status == "accepted" and variations:
        return {
            "label": "varied",
            "on": variations[-1]["on"],
            "accepted_on": json_shapes.iso(c.accepted_on),
        }
    return {
        "label": c.status,
        "on": json_shapes.iso(c.status_on),
        "accepted_on": json_shapes.iso(c.accepted_on),
    }


def documents_for(c: CallOff) -> list[str]:
    """The documents a call-off has: its award record always; the provider's order once
    it is authorised and not closed (see `order_context`)."""
    if c.status in CLOSED or c.status == "awaiting_approval":
        return ["record"]
    return ["order", "record"]


def order_context(service: Service, calloff_id: int) -> dict[str, Any]:
    """What the provider's call-off order says: docs/rules.md's list, and nothing more."""
    store = service.store
    c = store.calloff(calloff_id)
    if c.status in CLOSED:
        closed = f"call-off {c.id} was {c.status}: there is no order to issue"
        raise InvalidInput(
            closed, command=f"{closed}; see `calloff show {c.id}` or `calloff record {c.id}`"
        )
    if c.status == "awaiting_approval":
        raise InvalidInput(
            f"call-off {c.id} is awaiting approval: another officer must approve it before "
            "the order is issued",
            command=f"call-off {c.id} is awaiting approval: another officer must run "
            f"`calloff approve {c.id}` before the order is issued",
        )
    fw = store.framework()
    provider = store.provider(c.provider_id, date.today())
    request = store.request(c.request_id)
    variations = _variations(service, c)
    tendered = Decimal(variations[0]["from"]) if variations else c.value
    rate = None
    # A competition's call-off is priced by the bid, not by a tendered rate.
    if request.unit and request.quantity and c.competition_id is None:
        rates = store.tenders.rates(c.lot, c.raised_on).get(c.provider_id)
        rate = rates.for_unit(request.unit) if rates else None
        if rate is None or rate * request.quantity != tendered:
            # The rate is what was tendered, exactly: the offer was quantity × rate.
            rate = tendered / request.quantity
    stream = fw.stream(c.funding)
    vat = vat_due(c.value, provider.vat)
    spent = store.invoices.total(c.id)
    return {
        "reference": order_reference(fw.id, c.id),
        "purchase_order": store.invoices.orders.of(c.id),
        # The day the order was issued is the day the provider was told (the offer, or the
        # approval where one was needed), whenever it is printed; `printed_on` is today.
        "issued_on": c.offered_on,
        "printed_on": date.today(),
        "framework": {"id": fw.id, "name": fw.name, "buyer": fw.buyer, "terms": fw.terms_statement},
        "lot": {"number": c.lot, "title": fw.lot(c.lot).title},
        "provider": {"id": provider.id, "name": provider.name, "vat": provider.vat},
        "calloff": c,
        "request": request,
        "status": _status(c, variations),
        "tendered": {
            "value": tendered,
            "rate": rate,
            "quantity": request.quantity,
            "unit": request.unit,
            "competition": c.competition_id,
        },
        "variations": variations,
        "value": c.value,
        "vat": vat,
        "total": c.value + vat,
        "invoiced": spent,
        "payable": _payable(c, spent, provider.vat),
        "stream": {"name": stream.name, "title": stream.title},
    }


def record_context(service: Service, calloff_id: int) -> dict[str, Any]:
    """The award record: the order's facts plus why this provider got the work."""
    store = service.store
    c = store.calloff(calloff_id)
    fw = store.framework()
    view = calloff_view(service, calloff_id)
    issued = c.status not in (*CLOSED, "awaiting_approval")
    order = order_context(service, calloff_id) if issued else None
    offer = next((e for e in view["events"] if e["action"] == "calloff.offer"), None)
    at_award = None
    if offer is not None:
        pos = store.position(c.year, c.raised_on, offer["id"])
        s = pos.stream(c.funding)
        at_award = {
            "on": json_shapes.iso(c.raised_on),
            "event": offer["id"],
            "has_ceiling": pos.has_ceiling,
            "ceiling": json_money(pos.ceiling) if pos.has_ceiling else None,
            "headroom": json_money(pos.headroom) if pos.has_ceiling else None,
            "stream": c.funding,
            "stream_cap": json_money(s.cap),
            "stream_headroom": json_money(s.headroom),
        }
    last = view["events"][-1] if view["events"] else None
    return {
        "reference": order_reference(fw.id, c.id),
        "made_on": date.today(),
        "framework": {"id": fw.id, "name": fw.name, "buyer": fw.buyer},
        "c": view,
        "order": order,
        "at_award": at_award,
        "last_event": None
        if last is None
        else {"id": last["id"], "recorded_at": last["recorded_at"], "hash": last["hash"]},
    }


def render_order(
    service: Service, calloff_id: int, fmt: str, templates: str | Path | None = None
) -> str:
    """The call-off order for the provider, from `order.md.j2` or `order.html.j2`."""
    _check(fmt)
    return render(f"order.{fmt}.j2", fmt, order_context(service, calloff_id), templates)


def render_record(
    service: Service, calloff_id: int, fmt: str, templates: str | Path | None = None
) -> str:
    """The award record for the council's file, from `record.md.j2` or `record.html.j2`."""
    _check(fmt)
    return render(f"record.{fmt}.j2", fmt, record_context(service, calloff_id), templates)


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not known: choose md or html")
