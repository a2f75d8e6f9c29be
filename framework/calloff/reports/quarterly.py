"""The quarterly spend-against-contract report, in one shape for every format.

The figures come from SQL (`Ledger.commitments`, `Store.spend_between`), grouped by
lot × provider × funding stream; this module only rolls those groups up and lays them
out. Markdown, HTML, CSV and JSON are all rendered from the same dict, so they agree
to the penny.

A report is made from the database as it stood at one audit event (the head, unless
`upto` names an earlier one): every figure is filtered by the event that recorded it, so
the same event always gives the same report, byte for byte, whatever was recorded later.
The report states that event and its hash instead of the day it was printed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from calloff.domain.dates import FinancialYear, working_days_between
from calloff.domain.lapses import lapse_day
from calloff.domain.model import Framework
from calloff.domain.money import ZERO, from_pence, json_money
from calloff.errors import InvalidInput
from calloff.reports.contract import against_estimate, cost_centres
from calloff.reports.listing import listing
from calloff.reports.programme import programme
from calloff.store.database import Store

MONEY_KEYS = ("committed", "spent_in_quarter", "spent_year_to_date")
COUNT_KEYS = ("attendees_in_quarter", "attendees_year_to_date")


def as_recorded(store: Store, point: str | int | None) -> dict[str, Any]:
    """The audit event a report is made from: the head, an event number, or the last event
    recorded at or before a date and time (ISO 8601; no offset means this computer's time)."""
    head = store.trail.head()
    if head is None or not head["event"]:
        raise InvalidInput("the database has no audit events yet")
    if point is None:
        event = int(head["event"])
    elif isinstance(point, int) or (str(point).strip().isascii() and str(point).strip().isdigit()):
        event = int(point)
        if not 1 <= event <= int(head["event"]):
            runs = f"event {event} does not exist: the audit trail runs from 1 to {head['event']}"
            raise InvalidInput(runs, command=f"{runs} (see `calloff audit`)")
    else:
        stamp = _utc_stamp(str(point))
        found = store.ledger.event_at(stamp)
        if found is None:
            first = store.trail.event(1) or {"recorded_at": "the database was created"}
            raise InvalidInput(
                f"nothing was recorded by {point}: the first event was recorded "
                f"at {first['recorded_at']}"
            )
        event = int(found)
    row = store.trail.event(event)
    assert row is not None
    return {"event": event, "recorded_at": row["recorded_at"], "hash": row["hash"]}


def _utc_stamp(text: str) -> str:
    """An ISO date or date and time as the UTC stamp events are recorded with."""
    from datetime import UTC, datetime, time

    raw = text.strip()
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time(23, 59, 59))
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date and time: write it like 2015-07-01T09:30:00+00:00, "
            "2015-07-01 (its end) or give an audit event number"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def quarterly(
    store: Store,
    year: FinancialYear,
    quarter: int | None = None,
    upto: str | int | None = None,
    lazy: bool = False,
) -> dict[str, Any]:
    """The report for one quarter, or for the whole year quarter by quarter, as the database
    stood at audit event `upto` (an event number or a time; default: now). With `lazy`, each
    quarter's listings are read from the database as a template goes through them
    (`calloff.reports.listing`), for a report drawn without holding them."""
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise InvalidInput(f"quarter {quarter} does not exist: choose 1, 2, 3 or 4")
    fw = store.framework()
    fw.require_year(year)
    if year.start_year >= date.max.year:  # its March would fall past the calendar's end
        raise InvalidInput(f"{year} is past the last financial year there can be, 9998-99")
    audit = as_recorded(store, upto)
    names = store.roster.names()  # those the report names, read as it names them
    titles = {lot.number: lot.title for lot in fw.lots}
    wanted = [quarter] if quarter else [1, 2, 3, 4]
    # Earlier quarters feed only the chart: their listings are not read, and their spend
    # comes from the last quarter's one pass over the year's invoice lines.
    last_q = max(wanted)
    marks = tuple(year.quarter_dates(q)[1] for q in range(1, last_q + 1))
    spend = store.invoices.between(year.start, *year.quarter_dates(last_q), audit["event"], marks)
    # Overdue offers are counted to the quarter's end, or to the day the report's event was
    # recorded if that is earlier: the same event always gives the same count.
    recorded_on = date.fromisoformat(str(audit["recorded_at"])[:10])
    quarters = [
        _quarter(
            store,
            fw,
            year,
            q,
            names,
            titles,
            audit["event"],
            recorded_on,
            q in wanted,
            spend if q == last_q else None if q in wanted else _spend_at(spend, q),
            lazy,
        )
        for q in range(1, last_q + 1)
    ]
    last_end = year.quarter_dates(max(wanted))[1]
    last = store.position(year, last_end, audit["event"])
    return {
        "framework": {"id": fw.id, "name": fw.name, "buyer": fw.buyer},
        "year": str(year),
        "quarter": quarter,
        "as_recorded": audit,
        "ceiling": quarters[-1]["ceiling"],
        "has_ceiling": quarters[-1]["has_ceiling"],
        "estimated_value": against_estimate(store, fw, last_end, audit["event"]),
        "cost_centres": cost_centres(
            store, year.quarter_dates(min(wanted))[0], last_end, audit["event"]
        ),
        "streams": {
            s.name: {
                "title": s.title,
                "capped": s.capped,
                "cap": json_money(last.stream(s.name).cap) if s.capped else None,
                "status": last.stream(s.name).status,
            }
            for s in fw.streams
        },
        "quarters": [q for q in quarters if q["quarter"] in wanted],
        "programme": programme(store, fw, last_end, audit["event"]),
        "chart": [
            {
                "quarter": q["quarter"],
                "ceiling": q["ceiling"],
                "committed": q["committed"],
                "spent_year_to_date": q["spent_year_to_date"],
            }
            for q in quarters
        ],
    }


def _spend_at(rows: list[dict[str, Any]], q: int) -> list[dict[str, Any]]:
    """A chart-only quarter's spend, from the last quarter's rows and their marks."""
    return [
        {
            **r,
            "spent_year_to_date": r[f"ytd_{q - 1}"],
            "spent_in_quarter": r[f"ytd_{q - 1}"] - (r[f"ytd_{q - 2}"] if q > 1 else 0),
            "attendees_in_quarter": 0,
            "attendees_year_to_date": 0,
        }
        for r in rows
    ]


def _quarter(
    store: Store,
    fw: Framework,
    year: FinancialYear,
    q: int,
    names: Mapping[int, str],
    titles: dict[int, str],
    upto: int,
    recorded_on: date,
    listed: bool = True,
    spend: list[dict[str, Any]] | None = None,
    lazy: bool = False,
) -> dict[str, Any]:
    start, end = year.quarter_dates(q)
    lines: dict[tuple[int, int, str], dict[str, Any]] = {}

    def line(row: dict[str, Any]) -> dict[str, Any]:
        key = (row["lot"], row["provider_id"], row["funding"])
        if key not in lines:
            lines[key] = {
                "lot": key[0],
                "lot_title": titles.get(key[0], ""),
                "provider": key[1],
                "provider_name": names.get(key[1], ""),
                "funding": key[2],
                **{k: ZERO for k in MONEY_KEYS},
                **{k: 0 for k in COUNT_KEYS},
            }
        return lines[key]

    if listed:  # a chart-only quarter takes its commitment total from the position
        for row in store.ledger.commitments(year, end, upto):
            line(row)["committed"] = from_pence(row["committed"])
    if spend is None:
        spend = store.invoices.between(year.start, start, end, upto)
    for row in spend:
        target = line(row)
        for k in ("spent_in_quarter", "spent_year_to_date"):
            target[k] = from_pence(row[k])
        for k in COUNT_KEYS:
            target[k] = int(row[k] or 0)
    # A declined offer leaves a group of zeros: it is history, not spend.
    ordered = [
        lines[k] for k in sorted(lines) if any(lines[k][f] for f in (*MONEY_KEYS, *COUNT_KEYS))
    ]

    # The caps in force, and the streams confirmed, at the quarter's end.
    position = store.position(year, end, upto)
    caps = {s.name: s.cap for s in position.streams}
    available = {s.name: s.status == "confirmed" for s in position.streams}
    has_ceiling = position.has_ceiling
    ceiling = (
        sum((cap for n, cap in caps.items() if cap is not None and available[n]), ZERO)
        if has_ceiling
        else None
    )
    totals = _sum(ordered)
    if not listed:
        totals["committed"] = sum((s.committed for s in position.streams), ZERO)
    headroom = None if ceiling is None else ceiling - totals["committed"]
    by_stream, stream_sums = [], []
    streams = _group(ordered, "funding")
    for s in fw.streams:
        figures = streams.get(s.name) or _sum(())
        stream_sums.append(figures)
        cap = caps[s.name]
        usable = (cap if available[s.name] else ZERO) if cap is not None else None
        by_stream.append(
            {
                "stream": s.name,
                "cap": json_money(cap),
                "status": position.stream(s.name).status,
                **_json(figures),
                "headroom": json_money(usable - figures["committed"])
                if usable is not None
                else None,
            }
        )
    lots, providers = _group(ordered, "lot"), _group(ordered, "provider")
    as_at = min(end, recorded_on)
    return {
        "quarter": q,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "ceiling": json_money(ceiling),
        "has_ceiling": has_ceiling,
        **_json(totals),
        "headroom": json_money(headroom),
        "by_lot": [
            {"lot": lot, "title": titles.get(lot, ""), **_json(lots[lot])} for lot in sorted(lots)
        ],
        "by_lot_total": _json(_sum(lots.values())),
        "by_provider": [
            {"provider": pid, "name": names.get(pid, ""), **_json(providers[pid])}
            for pid in sorted(providers)
        ],
        "by_provider_total": _json(_sum(providers.values())),
        "by_stream": by_stream,
        "by_stream_total": {
            **_json(_sum(stream_sums)),
            "cap": json_money(ceiling),
            "headroom": json_money(headroom),
        },
        "lines": [_json(x) for x in ordered],
        "calloffs_raised": listing(
            store.listings.raised(start, end, upto) if listed else [], _raised, lazy
        ),
        "awaiting_answer": listing(
            store.listings.awaiting(end, upto) if listed else [],
            lambda r: _awaiting(r, as_at, fw.holidays),
            lazy,
        ),
    }


def _raised(r: dict[str, Any]) -> dict[str, Any]:
    """A call-off raised in the quarter, as the report lists it."""
    return {
        "calloff": r["id"],
        "request": r["request_id"],
        "title": r["request_title"],
        "lot": r["lot"],
        "provider": r["provider_id"],
        "name": r["provider_name"],
        "rank": r["rank"],
        "awarded_by": "ranking" if r["competition_id"] is None else "competition",
        "competition": r["competition_id"],
        "value": json_money(from_pence(r["initial_value_pence"])),
        "funding": r["funding"],
        "year": r["year"],
        "status": r["status_recorded"],
        "raised_on": r["offered_on"],
        "offered_on": _told_on(r, r["status_recorded"]),
    }


def _awaiting(r: dict[str, Any], as_at: date, holidays: str) -> dict[str, Any]:
    """An offer awaiting an answer at the quarter's end, as the report lists it."""
    return {
        "calloff": r["id"],
        "request": r["request_id"],
        "title": r["request_title"],
        "lot": r["lot"],
        "provider": r["provider_id"],
        "name": r["provider_name"],
        "rank": r["rank"],
        "value": json_money(from_pence(r["initial_value_pence"])),
        "raised_on": r["offered_on"],
        "offered_on": _told_on(r, "offered"),
        "respond_by": r["respond_by"],
        **_overdue(r["respond_by"], as_at, holidays),
    }


def _told_on(row: dict[str, Any], status: str | None) -> str | None:
    """The day the provider was told of a call-off, from its listing row.

    The column `calloffs.offered_on` is the day it was *raised*. One that needed approval
    was offered on its approval date, and not at all while (as recorded by the report's
    event) it still awaited approval; a rejected one never was."""
    if not row["needs_approval"]:
        return str(row["offered_on"])
    if status in (None, "awaiting_approval"):
        return None
    return row["approved_on"] or None


def _overdue(respond_by: str | None, as_at: date, holidays: str) -> dict[str, Any]:
    """Working days an offer is past its respond-by date on `as_at` (None if it is not),
    and the command that lapses it. The report is a record of its quarter, so the
    command is dated the day the offer became overdue, whatever day it is read."""
    if not respond_by or date.fromisoformat(respond_by) >= as_at:
        return {"overdue_working_days": None, "lapse_command": None}
    day = date.fromisoformat(respond_by)
    return {
        "overdue_working_days": working_days_between(day, as_at, holidays),
        "lapse_command": f"calloff lapse --on {lapse_day(day, holidays)}",
    }


def _group(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    """Roll the grouped SQL rows up by one of their keys, in one pass."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return {k: _sum(v) for k, v in groups.items()}


def _sum(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Roll grouped SQL rows up to a coarser group (lot, provider, stream or total)."""
    total: dict[str, Any] = {**{k: ZERO for k in MONEY_KEYS}, **{k: 0 for k in COUNT_KEYS}}
    for row in rows:
        for k in (*MONEY_KEYS, *COUNT_KEYS):
            total[k] += row[k]
    return total


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: json_money(v) if isinstance(v, Decimal) else v for k, v in row.items()}
