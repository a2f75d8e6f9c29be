"""The notices an officer files on the Central Digital Platform for a call-off: contract
award (UK6), contract details (UK7), contract change (UK10) and contract termination
(UK11), as an OCDS release or as Markdown to read before filing (docs/publishing.md,
"Notices").

Under the Public Contracts Regulations 2015 the award is published on Contracts Finder
instead, with the same content, and there is no change or termination notice: those two
are still given, saying they are not required.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from calloff.documents.orders import order_reference
from calloff.domain.model import FINISHED, REGIMES, VAT_RATE, Framework, PassOver
from calloff.domain.money import from_pence, json_money
from calloff.domain.rules import needs_award_notice
from calloff.errors import InvalidInput, NotFound, WrongStatus
from calloff.publishing import calendar, ocds, ocds_calloffs
from calloff.store.database import Store

TYPES = ("award", "details", "change", "termination")
FORMATS = ("json", "md")
NOTICE = {
    "award": ("UK6", "Contract award notice", "award", "awardNotice"),
    "details": ("UK7", "Contract details notice", "contract", "contractNotice"),
    "change": ("UK10", "Contract change notice", "contractAmendment", "contractNotice"),
    "termination": (
        "UK11",
        "Contract termination notice",
        "contractTermination",
        "contractTerminationNotice",
    ),
}


def notice(
    store: Store, calloff_id: int, kind: str, variation: int | None = None
) -> dict[str, Any]:
    """What the notice says: its type, the duty behind it and its deadline, and the OCDS
    release to file."""
    if kind not in TYPES:
        raise InvalidInput(
            f"notice type {kind!r} is not known: choose award, details, change or termination"
        )
    fw = store.framework()
    c = store.calloff(calloff_id)
    if kind == "award" and c.accepted_on is None and c.status != "offered":
        raise WrongStatus(
            f"call-off {c.id} is {c.status.replace('_', ' ')}: it is not offered nor was it "
            "entered into, so it has no contract award notice"
        )
    if kind != "award" and c.accepted_on is None:
        raise WrongStatus(
            f"call-off {c.id} is {c.status.replace('_', ' ')} and was never entered into "
            f"(accepted): it has no {NOTICE[kind][1].lower()}"
        )
    if kind == "termination" and c.status not in FINISHED:
        unfinished = (
            f"call-off {c.id} is {c.status.replace('_', ' ')}: a termination notice follows its end"
        )
        raise WrongStatus(
            unfinished,
            command=f"{unfinished} (`calloff complete` or `calloff cancel` records it)",
        )
    chosen = _variation(store, c.id, variation) if kind == "change" else None
    # The release needs the publisher's prefix; Markdown can do without one.
    named = fw if fw.ocid_prefix else attrs.evolve(fw, ocid_prefix="ocds-xxxxxx")
    (full,) = ocds_calloffs.calloff_releases(store, named, c.id)
    code, title, tag, document_type = NOTICE[kind]
    release = _shape(full, kind, chosen, named)
    document = {
        "id": f"{code}-{order_reference(fw.id, c.id)}" + (f"-{chosen['number']}" if chosen else ""),
        "documentType": document_type,
        "noticeType": code,
        "title": f"{title} ({code})",
    }
    release["tag"] = [tag]
    release["date"] = _event_recorded(store, c.id, kind, chosen) or release["date"]
    if kind == "details" and c.decision:  # the key decision behind the award, by reference
        award = dict(release["awards"][0])
        award["description"] = f"{award['description']} Approved under decision {c.decision}."
        release["awards"] = [award]
    if kind == "award":
        release["awards"] = [{**release["awards"][0], "documents": [document]}]
    else:
        release["contracts"][0]["documents"] = [document]
    item = _item(store, c.id, kind, chosen)
    provider = store.provider(c.provider_id, c.raised_on)
    offered = Decimal(str(full["awards"][0]["value"]["amount"]))  # before any variation
    needed = kind == "award" and needs_award_notice(fw, offered, provider.vat, c.raised_on)
    return {
        "type": kind,
        "notice_type": code,
        "title": f"{title} ({code})",
        "regime": fw.regime,
        "light_touch": fw.light_touch,
        "calloff": c.id,
        "reference": order_reference(fw.id, c.id),
        "ocid": full["ocid"] if fw.ocid_prefix else None,
        "due": item,
        "required": _required(fw, kind, chosen, needed, c.raised_on),
        "release": ocds.finish({k: v for k, v in release.items() if k != "id"}),
        "details": _details(store, fw, c.id, full, chosen),
    }


def _variation(store: Store, calloff_id: int, variation: int | None) -> dict[str, Any]:
    """Variation `variation` of the call-off, numbered 1, 2… in the order made (default
    the latest), with its `number`."""
    rows = [
        {**row, "number": n}
        for n, row in enumerate(store.open_data.variations_of(calloff_id), start=1)
    ]
    if not rows:
        unvaried = f"call-off {calloff_id} has no variation: a change notice describes one"
        raise WrongStatus(unvaried, command=f"{unvaried} (`calloff vary` records it)")
    if variation is None:
        return rows[-1]
    if 1 <= variation <= len(rows):
        return rows[variation - 1]
    has = f"call-off {calloff_id} has no variation {variation}: it has 1"
    if len(rows) == 1:
        raise NotFound(f"{has} (give variation=1)", command=f"{has} (give --variation 1)")
    raise NotFound(f"{has} to {len(rows)}")


def _shape(
    full: dict[str, Any], kind: str, chosen: dict[str, Any] | None, fw: Framework
) -> dict[str, Any]:
    """The release as the notice tells it: a details notice the contract as entered into,
    a change notice the one modification, a termination notice the end and what was paid."""
    release = {k: v for k, v in full.items() if k not in ("planning",)}
    if kind != "termination":  # no payment is part of the notice
        release["parties"] = [
            {**p, "roles": [r for r in p["roles"] if r not in ("payer", "payee")]}
            for p in release["parties"]
        ]
    if kind == "award":  # made before the contract is entered into: the award alone
        award = release["awards"][0]
        pending = award["status"] == "active" and "contracts" not in full
        release["awards"] = [{**award, "status": "pending" if pending else award["status"]}]
        release.pop("contracts", None)
        return release
    contract = dict(release["contracts"][0])
    if kind == "details":
        contract["value"] = release["awards"][0]["value"]
        contract["status"] = "active"
        contract.pop("amendments", None)
        contract.pop("implementation", None)
        contract.pop("description", None)
    elif kind == "change":
        assert chosen is not None
        contract["amendments"] = [ocds_calloffs.amendment(chosen, chosen["number"])]
        contract["value"] = ocds.value(from_pence(chosen["new_value_pence"]))
        contract.pop("implementation", None)
    release["contracts"] = [contract]
    return release


def _event_recorded(
    store: Store, calloff_id: int, kind: str, chosen: dict[str, Any] | None
) -> str | None:
    """When the event the notice is about was recorded: so the notice's release stays the
    same, whatever is recorded about the call-off afterwards."""
    actions = {
        "award": ("calloff.offer", "calloff.approve"),
        "details": ("calloff.accept",),
        "change": ("calloff.vary",),
        "termination": ("calloff.complete", "calloff.cancel"),
    }[kind]
    rows = store.open_data.notice_events(calloff_id, actions)
    if not rows:
        return None
    index = chosen["number"] - 1 if chosen is not None and chosen["number"] <= len(rows) else -1
    return ocds._recorded(rows[0 if kind == "details" else index])  # award: its offer


def _item(
    store: Store, calloff_id: int, kind: str, chosen: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The calendar's item for this notice, as at today: its deadline and whether done."""
    name = f"calloff-{calloff_id}-{kind}" + (f"-{chosen['number']}" if chosen else "")
    today = date.today()
    found = calendar.find(store, name, today)
    return None if found is None or found.item != name else found.as_dict(today)


def _required(
    fw: Framework, kind: str, chosen: dict[str, Any] | None, needed: bool, raised: date
) -> str:
    if kind == "award":
        return _award_required(fw, needed, raised)
    if fw.regime != "pa2023":
        if kind == "details":
            return (
                f"Under the {REGIMES[fw.regime]} this call-off's award is published on "
                "Contracts Finder within 30 days of its award: this is what to publish"
            )
        return (
            f"Not required: the {REGIMES[fw.regime]} ask for no {NOTICE[kind][1].lower()} "
            "(a Procurement Act 2023 notice); it may be published voluntarily"
        )
    if kind == "details":
        days = 120 if fw.light_touch else 30
        return f"Procurement Act 2023, s.53: within {days} days of entering into the contract"
    if kind == "termination":
        return "Procurement Act 2023, s.80: within 30 days of the contract ending"
    assert chosen is not None
    if fw.light_touch:
        return "Not required: s.75 does not apply to a light-touch contract (s.75(6))"
    if not calendar.needs_change_notice(chosen["old_value_pence"], chosen["new_value_pence"]):
        return "Not required: the change is 10% of the value or less (s.75(2)); voluntary"
    return "Procurement Act 2023, s.75: before the modification is made"


def _award_required(fw: Framework, needed: bool, raised: date) -> str:
    from calloff.domain.facts import NOTIFIABLE, threshold
    from calloff.domain.money import format_money

    if fw.regime != "pa2023":
        return (
            f"Not required: the {REGIMES[fw.regime]} ask for no contract award notice (a "
            "Procurement Act 2023 notice); the award goes on Contracts Finder"
        )
    limit = format_money(threshold(fw.light_touch, raised))
    if needed:
        return (
            "Procurement Act 2023, s.50(1) and regulation 27: before entering into the "
            f"contract, which is at or over the {limit} threshold including VAT; its "
            "acceptance is refused until this notice is recorded published"
        )
    return (
        f"Not required: the call-off is below the {limit} threshold including VAT"
        + (" for a light-touch contract" if fw.light_touch else "")
        + f"; at {format_money(NOTIFIABLE)} or more it needs a contract details notice "
        "instead (s.87)"
    )


def _details(
    store: Store,
    fw: Framework,
    calloff_id: int,
    release: dict[str, Any],
    chosen: dict[str, Any] | None,
) -> dict[str, Any]:
    """The facts the Markdown shows, as plain values."""
    c = store.calloff(calloff_id)
    provider = store.provider(c.provider_id, date.today())
    award = release["awards"][0]
    # Before it is entered into, the award alone says what the contract will be.
    contract = (
        release["contracts"][0]
        if "contracts" in release
        else {
            "title": release["awards"][0]["title"],
            "period": release["awards"][0]["contractPeriod"],
        }
    )
    vat = provider.vat == "standard"
    paid_count, paid = store.open_data.paid_to_date(c.id)
    initial = award["value"]["amount"]
    return {
        "buyer": fw.buyer,
        "framework": fw.name,
        "framework_reference": fw.reference,
        "framework_ocid": ocds.framework_ocid(fw) if fw.ocid_prefix else None,
        "lot": c.lot,
        "lot_title": fw.lot(c.lot).title,
        "title": contract["title"],
        "supplier": provider.name,
        "address": provider.address,
        "companies_house": provider.companies_house,
        "charity": provider.charity,
        "ppon": provider.ppon,
        "sme": provider.sme,
        "vcse": provider.vcse,
        "entered_on": c.decided_on,
        "start": contract["period"]["startDate"][:10],
        "end": contract["period"]["endDate"][:10],
        "value": json_money(initial),
        "value_with_vat": json_money(initial * (1 + VAT_RATE) if vat else initial),
        "current_value": json_money(c.value),
        "rank": c.rank,
        "competition": c.competition_id,
        "decision": c.decision,
        **_passed_over(fw, store.passed_over(c.id)),
        "supported_employment": provider.supported_employment,
        "public_service_mutual": provider.public_service_mutual,
        "standstill_ends": c.standstill_ends,
        "criteria": _criteria(store, fw, c.competition_id),
        "status": c.status,
        "closed_on": c.closed_on,
        "reason": c.reason,
        "invoices_paid": paid_count,
        "paid": json_money(paid),
        "variation": None
        if chosen is None
        else {
            "number": chosen["number"],
            "on": chosen["effective_on"],
            "from": json_money(from_pence(chosen["old_value_pence"])),
            "to": json_money(from_pence(chosen["new_value_pence"])),
            "reason": chosen["reason"],
            "percent": _percent(chosen["old_value_pence"], chosen["new_value_pence"]),
        },
    }


def _passed_over(fw: Framework, passed: list[PassOver]) -> dict[str, Any]:
    """Who ranked above was passed over: by default how many for which kind of reason only;
    each with its name and reason where the definition opts in (docs/publishing.md)."""
    from calloff.domain.facts import pass_over_counts

    full = fw.facts.publish_pass_over_reasons
    return {
        "passed_over": [{"rank": p.rank, "name": p.name, "reason": p.reason} for p in passed]
        if full
        else [],
        "passed_over_summary": pass_over_counts([p.reason for p in passed]) or None,
    }


def _criteria(store: Store, fw: Framework, competition: int | None) -> list[dict[str, Any]]:
    """A competition's award criteria with the weights it used."""
    if competition is None:
        return []
    weights = store.competitions.get(competition).weights
    return [
        {"name": c.name, "title": c.title or c.name, "weight": weights.get(c.name, c.weight)}
        for c in fw.criteria
    ]


def _percent(old: int, new: int) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    if not old:
        return "—"
    exact = Decimal(new - old) * 100 / Decimal(old)
    change = exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if abs(change) == 10 and abs(exact) > 10:
        return f"{'+' if exact > 0 else '-'}over 10.00%"  # past the 10% line, if only just
    return f"{change:+f}%"


def render(
    store: Store,
    calloff_id: int,
    kind: str,
    fmt: str = "json",
    variation: int | None = None,
    templates: str | Path | None = None,
) -> str:
    """The notice as JSON (the OCDS release) or Markdown (for the officer to read)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not known: choose json or md")
    content = notice(store, calloff_id, kind, variation)
    if fmt == "json":
        if content["ocid"] is None:
            ocds._prefix(store.framework())  # refuses, saying how to set the prefix
        return ocds.dumps(content["release"]) + "\n"
    from calloff.documents.rendering import render as render_template

    return render_template("notice.md.j2", "md", {"n": content}, templates)
