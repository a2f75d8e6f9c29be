"""Open contracting data: the framework and its call-offs as one OCDS 1.1 release package
(docs/publishing.md, "Open data (OCDS)").

The framework is one contracting process: its lots, the ranking on each lot as bids with a
rank, the caps per funding stream and year as a budget breakdown, and the definition's facts
where it gives them: the estimated value as `tender.value`, the maximum as a lot group of
every lot, the CPV codes as an item's classifications, the authorities entitled to call off
as the framework agreement's `buyerCategories`. Each call-off is its own process, linked
to the framework's by `relatedProcesses`, with its award, its contract, its variations as
amendments and its paid invoices as transactions.

The call-offs' releases are built in `calloff.publishing.ocds_calloffs`, the parties in
`calloff.publishing.ocds_parties` (which says why the providers' statuses are left out).
A release describes its process as the records hold it now, and is named by what it says:
its `id` is the process's `ocid` and a digest of its content, and its `date` is the last
time anything it says was recorded. The same records give the same release, byte for
byte; any change gives a release with a new `id` beside the old one, never a rewrite of it.
Amounts are exact (the JSON numbers are written from Decimal) and exclude VAT, as the
ceilings and call-off values do.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from calloff.domain.facts import cpv_title
from calloff.domain.model import REGIMES, Framework
from calloff.publishing.ocds_parties import buyer_party, provider_party
from calloff.publishing.ocds_parties import publisher_prefix as _prefix
from calloff.publishing.ocds_parties import ref as _ref
from calloff.store.database import Store

# The extensions a package declares, each pinned to the commit its schema was taken from
# (the same files as ../shared/ocds; see its README).
EXTENSIONS = {
    "lots": "open-contracting-extensions/ocds_lots_extension/"
    "8d3b52eb26ce0f1a015c91b665c120b17ef619a0",
    # The lots extension's Lot.submissionTerms refers to its SubmissionTerms: without it
    # the lots patch cannot be resolved, and a checker cannot tell known fields from unknown.
    "submission_terms": "open-contracting-extensions/ocds_submissionTerms_extension/"
    "449ade63333a50f1e8cd2b0704c0a3c5e329a8a8",
    "techniques": "open-contracting-extensions/ocds_techniques_extension/"
    "5568b00a8dd694a3d34441bdd9ef2bd3f9d44b11",
    "bid": "open-contracting-extensions/ocds_bid_extension/"
    "d62ff4b0ba393d823ca8113a9039b12edf7acb8f",
    "budget_breakdown": "open-contracting-extensions/ocds_budget_breakdown_extension/"
    "345db699d4915049638a701bf2cb91a7439cff29",
}
EXTENSION_URLS = tuple(
    f"https://raw.githubusercontent.com/{path}/extension.json" for path in EXTENSIONS.values()
)


def framework_ocid(fw: Framework) -> str:
    return f"{_prefix(fw)}-{fw.id}"


def calloff_ocid(fw: Framework, calloff_id: int) -> str:
    return f"{framework_ocid(fw)}-CO-{calloff_id:05d}"


def stamp(day: date, end: bool = False) -> str:
    """A day as an OCDS date-time: its start, or (for the end of a period) its last second."""
    return f"{day.isoformat()}T{'23:59:59' if end else '00:00:00'}Z"


def _period(start: date, end: date, max_extent: date | None = None) -> dict[str, Any]:
    period = {"startDate": stamp(start), "endDate": stamp(end, end=True)}
    if max_extent is not None:
        period["maxExtentDate"] = stamp(max_extent, end=True)
    return period


def value(amount: Decimal) -> dict[str, Any]:
    return {"amount": amount, "currency": "GBP"}


def _recorded(stamp_text: str | None) -> str:
    """An audit event's recording time (UTC) as OCDS writes it."""
    if not stamp_text:
        return "1970-01-01T00:00:00Z"
    moment = datetime.fromisoformat(stamp_text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- releases ---------------------------------------------------------------------------------


def finish(release: dict[str, Any]) -> dict[str, Any]:
    """Name the release by its content: the same records always give the same `id`."""
    canonical = json.dumps(
        release, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    return {"ocid": release["ocid"], "id": f"{release['ocid']}-{digest}", **release}


def framework_release(store: Store) -> dict[str, Any]:
    fw = store.framework()
    providers = _providers(store)
    lots = [lot.number for lot in fw.lots]
    ranked = {n: store.tenders.ranking(n) for n in lots}
    on_a_lot = sorted({e.provider_id for entries in ranked.values() for e in entries})
    parties = [buyer_party(fw)] + [
        provider_party(providers[pid], fw, ["tenderer", "supplier"]) for pid in on_a_lot
    ]
    by_id = {p["id"]: p for p in parties}
    party_of = {pid: parties[i + 1]["id"] for i, pid in enumerate(on_a_lot)}
    term = fw.term
    ranked_lots = [n for n in lots if ranked[n]]
    method = framework_method(fw)
    release: dict[str, Any] = {
        "ocid": framework_ocid(fw),
        "date": _recorded(_framework_recorded(store)),
        "tag": ["tender", "award"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": _ref(parties[0]),
        "planning": {"budget": _budget(store, fw)},
        "tender": {
            "id": fw.reference,
            "title": fw.name,
            "description": f"Framework agreement under the {REGIMES[fw.regime]}"
            + (" (light-touch regime)" if fw.light_touch else "")
            + "; call-offs are offered by rank on each lot",
            "status": "complete",
            "procuringEntity": _ref(parties[0]),
            **_estimate(fw),
            "mainProcurementCategory": "services",
            "contractPeriod": _period(term.start, term.end, term.latest_end),
            "techniques": {
                "hasFrameworkAgreement": True,
                "frameworkAgreement": {"method": method, **_buyers(fw)},
            },
            "lots": [
                {"id": str(lot.number), "title": lot.title, "status": "active"} for lot in fw.lots
            ],
            **_maximum(fw),
        },
        "bids": {
            "details": [
                {
                    "id": f"lot-{n}-rank-{e.rank}",
                    "status": "valid",
                    "tenderers": [_ref(by_id[party_of[e.provider_id]])],
                    "relatedLots": [str(n)],
                    "hasRank": True,
                    "rank": e.rank,
                }
                for n in lots
                for e in ranked[n]
            ]
        },
        "awards": [
            {
                "id": f"lot-{n}",
                "title": f"Lot {n}: {fw.lot(n).title}",
                "status": "active",
                "date": stamp(term.start),
                "suppliers": [_ref(by_id[party_of[e.provider_id]]) for e in ranked[n]],
                "contractPeriod": _period(term.start, term.end, term.latest_end),
                "relatedLots": [str(n)],
            }
            for n in ranked_lots
        ],
    }
    if not release["bids"]["details"]:
        del release["bids"]
    if not release["awards"]:
        del release["awards"]
    return finish(release)


# -- the framework's facts (each left out where the definition gives none) --------------------


def items(fw: Framework, description: str) -> dict[str, Any]:
    """What is bought, as one item classified by the framework's CPV codes: the first as
    its classification, the rest as additional classifications (8 digits, no check
    digit; titled where calloff knows the title)."""
    codes = list(dict.fromkeys(code[:8] for code in fw.facts.cpv_codes))
    if not codes:
        return {}

    def cpv(code: str) -> dict[str, Any]:
        title = cpv_title(code)
        return {"scheme": "CPV", "id": code, **({"description": title} if title else {})}

    item: dict[str, Any] = {"id": "1", "description": description, "classification": cpv(codes[0])}
    if codes[1:]:
        item["additionalClassifications"] = [cpv(code) for code in codes[1:]]
    return {"items": [item]}


def _estimate(fw: Framework) -> dict[str, Any]:
    """The CPV item, and the estimated value (ex-VAT) as the tender's value."""
    found = items(fw, fw.name)
    if fw.facts.estimated_value is not None:
        found["value"] = value(fw.facts.estimated_value)
    return found


def _maximum(fw: Framework) -> dict[str, Any]:
    """The framework's maximum value (ex-VAT), as a lot group of every lot.

    Not `tender.maximumValue`: neither the core 1.1.5 schema nor any declared extension
    defines it (it would be an unknown field to a checker). The lots extension's
    `LotGroup.maximumValue` is "the maximum estimated value of the lots in this group", so
    one group of all the lots says it. (The techniques extension's
    `frameworkAgreement.value`, "the total upper estimated value", would say it too; one
    place is enough.)"""
    if fw.facts.maximum_value is None:
        return {}
    group = {
        "id": "all-lots",
        "title": "All lots",
        "relatedLots": [str(lot.number) for lot in fw.lots],
        "maximumValue": value(fw.facts.maximum_value),
    }
    return {"lotGroups": [group]}


def _buyers(fw: Framework) -> dict[str, Any]:
    """The authorities entitled to call off, as the techniques extension's buyerCategories."""
    if not fw.facts.authorities:
        return {}
    return {"buyerCategories": "; ".join(fw.facts.authorities)}


def _budget(store: Store, fw: Framework) -> dict[str, Any]:
    """The caps as they stand, one line per funding stream and financial year."""
    titles = {s.name: s for s in fw.streams}
    lines: list[dict[str, Any]] = [
        {
            "id": f"{stream}-{year}",
            "description": f"{titles[stream].title}, {year}"
            + ("" if titles[stream].available else " (not yet confirmed)"),
            "amount": value(amount),
            "period": _period(year.start, year.end),
        }
        for stream, years in sorted(
            ((s.name, s.caps) for s in fw.streams), key=lambda item: item[0]
        )
        for year, amount in sorted(years.items())
    ]
    budget: dict[str, Any] = {
        "id": f"{fw.reference}-ceilings",
        "description": "Budget ceilings per funding stream and financial year, excluding VAT",
    }
    if lines:
        budget["amount"] = value(sum((line["amount"]["amount"] for line in lines), Decimal("0")))
        budget["budgetBreakdown"] = lines
    return budget


def _framework_recorded(store: Store) -> str | None:
    """When anything the framework's release says was last recorded."""
    return store.open_data.framework_recorded()


def _providers(store: Store) -> dict[int, dict[str, Any]]:
    return store.open_data.providers()


# -- the package ------------------------------------------------------------------------------


def package(store: Store, since: date | None = None) -> dict[str, Any]:
    """The release package: the framework's release and every call-off's, or (with `since`)
    only those whose information was recorded on or after that day."""
    head = package_head(store, since)
    return {**head, "releases": list(releases(store, since))}


def releases(store: Store, since: date | None = None) -> Iterator[dict[str, Any]]:
    """The framework's release, then each call-off's, in turn (those recorded on or after
    `since`, if given)."""
    first = framework_release(store)
    if since is None or first["date"][:10] >= since.isoformat():
        yield first
    from calloff.publishing.ocds_calloffs import calloff_releases

    for release in calloff_releases(store, store.framework(), None, since):
        if since is None or release["date"][:10] >= since.isoformat():
            yield release


def package_head(store: Store, since: date | None = None) -> dict[str, Any]:
    """Everything in the package but its releases. `publishedDate` is the latest release's
    `date`: when anything in the package was last recorded (so the same records give the
    same package)."""
    fw = store.framework()
    published = _recorded(store.open_data.package_recorded())
    return {
        "uri": f"urn:calloff:{framework_ocid(fw)}:"
        + (f"since-{since.isoformat()}:" if since else "")
        + re.sub(r"[^0-9TZ]", "", published),
        "version": "1.1",
        "extensions": list(EXTENSION_URLS),
        "publishedDate": published,
        "publisher": {"name": fw.buyer},
    }


def anything_since(store: Store, since: date | None) -> bool:
    """Whether any release would be recorded on or after `since` (always, without one)."""
    if since is None:
        return True
    return package_head(store)["publishedDate"][:10] >= since.isoformat()


class Exact:
    """Writes each Decimal as the exact number it is: json writes it as a string marked
    with a random token, which one pass of a compiled pattern then unquotes. One per
    package: a token and a pattern made afresh for every release cost more than the
    release itself. The token is random, so no text in the records can be mistaken for
    a marked number."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(8)
        self.marker = re.compile(f'"{self.token}(-?[0-9]+(?:\\.[0-9]+)?)"')

    def default(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{self.token}{value:f}"
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON")

    def dumps(self, document: Any, indent: int | None = 2) -> str:
        separators = (",", ":") if indent is None else (",", ": ")
        text = json.dumps(
            document,
            indent=indent,
            default=self.default,
            ensure_ascii=False,
            separators=separators,
        )
        return self.marker.sub(r"\1", text)


def dumps(document: Any, indent: int | None = 2) -> str:
    """JSON with every Decimal written as the exact number it is (never through a float)."""
    return Exact().dumps(document, indent)


def write_package(store: Store, since: date | None = None) -> Iterator[str]:
    """The package as JSON text, piece by piece, one release per line: memory stays flat
    at any size, and a line-by-line diff of two packages shows the releases that changed."""
    exact = Exact()
    head = exact.dumps(package_head(store, since))
    yield f'{head[:-2]},\n  "releases": [\n'
    separator = "    "
    for release in releases(store, since):
        yield separator + exact.dumps(release, indent=None)
        separator = ",\n    "
    yield "\n  ]\n}\n"


def framework_method(fw: Framework) -> str:
    """The techniques extension's frameworkAgreement.method: whether call-offs reopen
    competition (by competition), do not (by the ranking), or either, lot by lot."""
    routes = {lot.award for lot in fw.lots}
    if routes == {"ranked"}:
        return "withoutReopeningCompetition"
    if routes == {"competition"}:
        return "withReopeningCompetition"
    return "withAndWithoutReopeningCompetition"
