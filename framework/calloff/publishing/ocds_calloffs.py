"""Each call-off as its own OCDS contracting process (docs/publishing.md, "Open data"):
its award, its contract once entered into, its variations as amendments and its paid
invoices as transactions, linked to the framework's process by `relatedProcesses`.

The call-offs are read in order beside their variations, payments and passed-over
providers, one pass over each table, so a package of any size is made in flat memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from calloff.documents.orders import order_reference
from calloff.domain.facts import pass_over_counts
from calloff.domain.model import ENTERED, Framework
from calloff.domain.money import from_pence
from calloff.publishing.ocds import (
    _period,
    _providers,
    _recorded,
    calloff_ocid,
    finish,
    framework_ocid,
    items,
    stamp,
    value,
)
from calloff.publishing.ocds_parties import buyer_party, provider_party
from calloff.publishing.ocds_parties import ref as _ref
from calloff.store.database import Store

# A call-off's status as OCDS awards and contracts say it.
AWARD_STATUS = {
    "awaiting_approval": "pending",
    "offered": "pending",
    "accepted": "active",
    "completed": "active",
    "cancelled": "active",
    "declined": "unsuccessful",
    "lapsed": "unsuccessful",
    "rejected": "unsuccessful",
}
CONTRACT_STATUS = {"accepted": "active", "completed": "terminated", "cancelled": "terminated"}


def _by_calloff(rows: Iterator[dict[str, Any]]) -> Callable[[int], list[dict[str, Any]]]:
    """Rows in call-off order, handed out call-off by call-off as the call-offs are read
    in the same order: one pass over each table, whatever its size."""
    pending: list[dict[str, Any] | None] = [next(rows, None)]

    def take(calloff_id: int) -> list[dict[str, Any]]:
        found = []
        while pending[0] is not None and pending[0]["calloff_id"] <= calloff_id:
            row = pending[0]
            if row["calloff_id"] == calloff_id:
                found.append(row)
            pending[0] = next(rows, None)
        return found

    return take


def calloff_releases(
    store: Store, fw: Framework, only: int | None = None, since: date | None = None
) -> Iterator[dict[str, Any]]:
    """Each call-off's release in turn (or call-off `only`'s, or those with anything
    recorded on or after `since`), from a few queries read side by side in call-off
    order, so memory stays flat at any number of call-offs."""
    providers = _providers(store)
    data = store.open_data
    variations = _by_calloff(data.variations(only, since))
    payments = _by_calloff(data.payments(only, since))
    passed = _by_calloff(data.passovers(only, since))
    recorded = _by_calloff(data.calloffs_recorded(only))
    provider_recorded = data.providers_recorded()
    streams = {s.name: s.title for s in fw.streams}
    buyer = buyer_party(fw)
    for c in data.calloffs(only, since):
        last = max(
            filter(
                None,
                (
                    *(r["recorded_at"] for r in recorded(c["id"])),
                    provider_recorded.get(c["provider_id"]),
                ),
            ),
            default=c["recorded_at"],
        )
        yield calloff_release(
            fw,
            c,
            providers[c["provider_id"]],
            variations(c["id"]),
            payments(c["id"]),
            _recorded(last),
            buyer,
            streams,
            passed(c["id"]),
        )


def calloff_release(
    fw: Framework,
    c: dict[str, Any],
    provider: dict[str, Any],
    variations: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    recorded: str,
    buyer: dict[str, Any],
    streams: dict[str, str],
    passed_over: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status = c["status"]
    # Entered into once accepted: an offer cancelled before any answer never was.
    entered = status in ENTERED and c["decided_on"] is not None
    supplier = provider_party(provider, fw, ["supplier", "payee"] if payments else ["supplier"])
    payer = {**buyer, "roles": [*buyer["roles"], "payer"]} if payments else buyer
    ocid = calloff_ocid(fw, c["id"])
    reference = order_reference(fw.id, c["id"])
    period = _period(date.fromisoformat(c["start"]), date.fromisoformat(c["end"]))
    decided = c["decided_on"] if entered else None
    tags = ["award"]
    release: dict[str, Any] = {
        "ocid": ocid,
        "date": recorded,
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": [payer, supplier],
        "buyer": _ref(buyer),
        "planning": {
            "budget": {
                "id": f"{c['funding']}-{c['year']}",
                "description": f"{streams.get(c['funding'], c['funding'])}, {c['year']}",
            }
        },
        "tender": {
            "id": reference,
            "title": c["title"],
            "description": f"Lot {c['lot']}: {c['lot_title']}",
            "status": "complete",
            "procuringEntity": _ref(buyer),
            **items(fw, c["title"]),
            **_method(fw.reference, c),
            "mainProcurementCategory": "services",
        },
        "awards": [
            {
                "id": f"{reference}-award",
                "title": c["title"],
                "status": AWARD_STATUS[status] if entered or status not in ENTERED else "cancelled",
                "date": stamp(date.fromisoformat(decided or c["offered_on"])),
                "description": route(
                    c["rank"],
                    c["lot"],
                    passed_over or [],
                    c.get("competition_id"),
                    full=fw.facts.publish_pass_over_reasons,
                ),
                "value": value(from_pence(c["initial_value_pence"])),
                "suppliers": [_ref(supplier)],
                "contractPeriod": period,
            }
        ],
        "relatedProcesses": [
            {
                "id": "framework",
                "relationship": ["framework"],
                "title": fw.name,
                "scheme": "ocid",
                "identifier": framework_ocid(fw),
                "relatedLots": [str(c["lot"])],
            }
        ],
    }
    if entered:
        tags.append("contract")
        contract: dict[str, Any] = {
            "id": reference,
            "awardID": f"{reference}-award",
            "title": c["title"],
            "status": CONTRACT_STATUS[status],
            "period": period,
            "value": value(from_pence(c["value_pence"])),
            "dateSigned": stamp(date.fromisoformat(c["decided_on"])),
        }
        if variations:
            contract["amendments"] = [amendment(v, n) for n, v in enumerate(variations, 1)]
        if payments:
            tags.append("implementation")
            contract["implementation"] = {
                "transactions": [
                    {
                        "id": f"{fw.reference}/SP-{sp['id']:06d}",
                        "date": stamp(date.fromisoformat(sp["paid_on"])),
                        "value": value(from_pence(sp["amount_pence"])),
                        "payer": _ref(payer),
                        "payee": _ref(supplier),
                    }
                    for sp in payments
                ]
            }
        if status in ("completed", "cancelled"):
            tags.append("contractTermination")
            contract["description"] = (
                f"{'Completed' if status == 'completed' else 'Cancelled'} on {c['closed_on']}"
                + (f": {c['reason']}" if status == "cancelled" and c["reason"] else "")
            )
        release["contracts"] = [contract]
    return finish(release)


def _method(reference: str, c: dict[str, Any]) -> dict[str, Any]:
    """A call-off by the ranking is a direct award; one by competition is a selective,
    competitive procedure among the lot's providers."""
    if c.get("competition_id") is None:
        return {
            "procurementMethod": "direct",
            "procurementMethodDetails": f"Call-off from framework {reference}, by ranking "
            f"(rank {c['rank']} on lot {c['lot']})",
            "competitive": False,
        }
    return {
        "procurementMethod": "selective",
        "procurementMethodDetails": f"Call-off from framework {reference}, by competition "
        f"{c['competition_id']} among the providers on lot {c['lot']}",
        "competitive": True,
    }


def route(
    rank: int,
    lot: int,
    passed_over: list[dict[str, Any]],
    competition: int | None = None,
    *,
    full: bool = False,
) -> str:
    """How the call-off was awarded, and why not to anyone ranked above (the contract
    details notice says whether it was by competition and, if not, why).

    By default it says how many were passed over (or, in a competition, how many bids were
    set aside) for which kind of reason: no provider's name, and never the reason an
    officer typed, which stays in the council's award record. With `full` (the definition's
    `publish_pass_over_reasons = true`) it names each, with its rank and recorded reason.
    Each of `passed_over` has `rank`, `name` and `reason`."""
    if competition is not None:
        text = (
            f"Awarded under the framework by competition {competition} among the providers "
            f"on lot {lot}: the valid bid with the highest total on the framework's award "
            "criteria."
        )
        if passed_over:
            text += f" Bids set aside: {_passed(passed_over, full)}."
        return text
    text = (
        f"Direct award under the framework, by ranking: offered to rank {rank} on lot {lot}, "
        "the best-ranked eligible provider; not awarded by competition."
    )
    if passed_over and full:
        text += f" Passed over: {_passed(passed_over, full)}."
    elif passed_over:
        text += f" Ranked above and passed over: {_passed(passed_over, full)}."
    return text


def _passed(passed_over: list[dict[str, Any]], full: bool) -> str:
    if full:
        return "; ".join(f"rank {p['rank']}, {p['name']} ({p['reason']})" for p in passed_over)
    return pass_over_counts([p["reason"] for p in passed_over])


def amendment(v: dict[str, Any], number: int) -> dict[str, Any]:
    """Variation `number` of its call-off (1 for the first)."""
    from calloff.domain.money import format_money

    old, new = from_pence(v["old_value_pence"]), from_pence(v["new_value_pence"])
    amendment = {
        "id": f"variation-{number}",
        "date": stamp(date.fromisoformat(v["effective_on"])),
        "description": f"Value changed from {format_money(old)} to {format_money(new)}",
    }
    if v["reason"]:
        amendment["rationale"] = v["reason"]
    return amendment
