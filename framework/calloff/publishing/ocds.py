"""Open contracting data: the framework and its call-offs as one OCDS 1.1 release package
(docs/publishing.md, "Open data (OCDS)").

The framework is one contracting process: its lots, the ranking on each lot as bids with a
rank, the caps per funding stream and year as a budget breakdown. Each call-off is its own
process, linked to the framework's by `relatedProcesses`, with its award, its contract,
its variations as amendments and its paid invoices as transactions.

The call-offs' releases are built in `calloff.publishing.ocds_calloffs`. A release describes its
process as the records hold it now, and is named by what it says:
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

from calloff.domain.model import REGIMES, Framework
from calloff.errors import InvalidInput
from calloff.store.database import Store

# The extensions a package declares, each pinned to the commit its schema was taken from
# (the same files as ../shared/ocds; see its README).
EXTENSIONS = {
    "lots": "open-contracting-extensions/ocds_lots_extension/"
    "8d3b52eb26ce0f1a015c91b665c120b17ef619a0",
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


def _prefix(fw: Framework) -> str:
    if not fw.ocid_prefix:
        name = f"the framework {fw.id} has no ocid_prefix: name the council's registered prefix"
        or_file = '(or ocid_prefix = "ocds-xxxxxx" in the definition file of a new database)'
        raise InvalidInput(
            f'{name} with set_ocid_prefix("ocds-xxxxxx") {or_file}',
            command=f"{name} with `calloff framework ocid-prefix ocds-xxxxxx` {or_file}",
        )
    return fw.ocid_prefix


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


# -- parties ---------------------------------------------------------------------------------


def buyer_party(fw: Framework) -> dict[str, Any]:
    return {"id": f"{_prefix(fw)}-buyer", "name": fw.buyer, "roles": ["buyer", "procuringEntity"]}


def provider_party(row: dict[str, Any], fw: Framework, roles: list[str]) -> dict[str, Any]:
    """A provider with its registration numbers: Companies House as GB-COH, a charity as
    GB-CHC, the PPON beside them (docs/publishing.md). Whether an SME or a VCSE is left
    out: no extension the package declares has a field for it."""
    schemes = [("GB-COH", row.get("companies_house")), ("GB-CHC", row.get("charity"))]
    known = [(scheme, ident) for scheme, ident in schemes if ident]
    party: dict[str, Any] = {
        "id": f"{known[0][0]}-{known[0][1]}" if known else f"{_prefix(fw)}-provider-{row['id']}",
        "name": row["name"],
        "roles": roles,
    }
    if known:
        party["identifier"] = {"scheme": known[0][0], "id": known[0][1], "legalName": row["name"]}
    more = [{"scheme": s, "id": i} for s, i in known[1:]]
    if row.get("ppon"):
        more.append({"scheme": "GB-PPON", "id": row["ppon"]})
    if more:
        party["additionalIdentifiers"] = more
    if row.get("address"):
        party["address"] = {"streetAddress": row["address"], "countryName": "United Kingdom"}
    return party


def _ref(party: dict[str, Any]) -> dict[str, Any]:
    return {"id": party["id"], "name": party["name"]}


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
            "mainProcurementCategory": "services",
            "contractPeriod": _period(term.start, term.end, term.latest_end),
            "techniques": {
                "hasFrameworkAgreement": True,
                "frameworkAgreement": {"method": method},
            },
            "lots": [
                {"id": str(lot.number), "title": lot.title, "status": "active"} for lot in fw.lots
            ],
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


def dumps(document: Any, indent: int | None = 2) -> str:
    """JSON with every Decimal written as the exact number it is (never through a float)."""
    token = secrets.token_hex(8)
    marker = re.compile(f'"{token}(-?[0-9]+(?:\\.[0-9]+)?)"')

    def exact(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{token}{value:f}"
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON")

    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(
        document,
        indent=indent,
        default=exact,
        ensure_ascii=False,
        separators=separators,
    )
    return marker.sub(r"\1", text)


def write_package(store: Store, since: date | None = None) -> Iterator[str]:
    """The package as JSON text, piece by piece, one release per line: memory stays flat
    at any size, and a line-by-line diff of two packages shows the releases that changed."""
    head = dumps(package_head(store, since))
    yield f'{head[:-2]},\n  "releases": [\n'
    separator = "    "
    for release in releases(store, since):
        yield separator + dumps(release, indent=None)
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
