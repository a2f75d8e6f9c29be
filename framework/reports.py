"""The quarterly spend-against-contract report, in one shape for every format.

The figures come from SQL (`Store.commitments_at`, `Store.spend_between`), grouped by
lot × provider × funding stream; this module only rolls those groups up and lays them
out. Markdown, HTML, CSV and JSON are all rendered from the same dict, so they agree
to the penny.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from framework.dates import FinancialYear
from framework.errors import InvalidInput
from framework.model import Framework
from framework.money import ZERO, from_pence, json_money
from framework.storage import Store

FORMATS = ("md", "html", "csv", "json")
MONEY_KEYS = ("committed", "spent_in_quarter", "spent_year_to_date")
COUNT_KEYS = ("attendees_in_quarter", "attendees_year_to_date")
CSV_COLUMNS = ("year", "quarter", "lot", "lot_title", "provider", "provider_name", "funding",
               *MONEY_KEYS, *COUNT_KEYS)


def quarterly(store: Store, year: FinancialYear, quarter: int | None = None,
              today: date | None = None) -> dict[str, Any]:
    """The report for one quarter, or for the whole year quarter by quarter."""
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise InvalidInput(f"quarter {quarter} does not exist: choose 1, 2, 3 or 4")
    fw = store.framework()
    fw.require_year(year)
    names = {p.id: p.name for p in store.providers(today or date.today()).values()}
    titles = {lot.number: lot.title for lot in fw.lots}
    wanted = [quarter] if quarter else [1, 2, 3, 4]
    quarters = [_quarter(store, fw, year, q, names, titles) for q in range(1, max(wanted) + 1)]
    last_end = year.quarter_dates(max(wanted))[1]
    return {
        "framework": {"id": fw.id, "name": fw.name, "buyer": fw.buyer},
        "year": str(year),
        "quarter": quarter,
        "generated_on": (today or date.today()).isoformat(),
        "ceiling": quarters[-1]["ceiling"],
        "streams": {
            s.name: {"title": s.title, "capped": s.capped,
                     "cap": json_money(s.caps.get(year)) if s.capped else None,
                     "status": _status_at(s, last_end)}
            for s in fw.streams
        },
        "quarters": [q for q in quarters if q["quarter"] in wanted],
        "chart": [
            {"quarter": q["quarter"], "ceiling": q["ceiling"], "committed": q["committed"],
             "spent_year_to_date": q["spent_year_to_date"]}
            for q in quarters
        ],
    }


def _status_at(stream: Any, at: date) -> str:
    if stream.status == "confirmed" and (stream.confirmed_on is None or stream.confirmed_on <= at):
        return "confirmed"
    return "pending"


def _quarter(store: Store, fw: Framework, year: FinancialYear, q: int,
             names: dict[int, str], titles: dict[int, str]) -> dict[str, Any]:
    start, end = year.quarter_dates(q)
    lines: dict[tuple[int, int, str], dict[str, Any]] = {}

    def line(row: dict[str, Any]) -> dict[str, Any]:
        key = (row["lot"], row["provider_id"], row["funding"])
        if key not in lines:
            lines[key] = {"lot": key[0], "lot_title": titles.get(key[0], ""),
                          "provider": key[1], "provider_name": names.get(key[1], ""),
                          "funding": key[2], **{k: ZERO for k in MONEY_KEYS},
                          **{k: 0 for k in COUNT_KEYS}}
        return lines[key]

    for row in store.commitments_at(year, end):
        line(row)["committed"] = from_pence(row["committed"])
    for row in store.spend_between(year.start, start, end):
        target = line(row)
        for k in ("spent_in_quarter", "spent_year_to_date"):
            target[k] = from_pence(row[k])
        for k in COUNT_KEYS:
            target[k] = int(row[k] or 0)
    # A declined offer leaves a group of zeros: it is history, not spend.
    ordered = [lines[k] for k in sorted(lines)
               if any(lines[k][f] for f in (*MONEY_KEYS, *COUNT_KEYS))]

    caps = {s.name: (s.caps.get(year) if s.capped else None) for s in fw.streams}
    available = {s.name: _status_at(s, end) == "confirmed" for s in fw.streams}
    ceiling = sum((cap for n, cap in caps.items() if cap is not None and available[n]), ZERO)
    totals = _sum(ordered)
    by_stream = []
    for s in fw.streams:
        figures = _sum(x for x in ordered if x["funding"] == s.name)
        cap = caps[s.name]
        usable = (cap if available[s.name] else ZERO) if cap is not None else None
        by_stream.append({
            "stream": s.name, "cap": json_money(cap), "status": _status_at(s, end),
            **_json(figures),
            "headroom": json_money(usable - figures["committed"]) if usable is not None
            else None,
        })
    return {
        "quarter": q,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "ceiling": json_money(ceiling),
        **_json(totals),
        "headroom": json_money(ceiling - totals["committed"]),
        "by_lot": [{"lot": lot, "title": titles.get(lot, ""),
                    **_json(_sum(x for x in ordered if x["lot"] == lot))}
                   for lot in sorted({x["lot"] for x in ordered})],
        "by_provider": [{"provider": pid, "name": names.get(pid, ""),
                         **_json(_sum(x for x in ordered if x["provider"] == pid))}
                        for pid in sorted({x["provider"] for x in ordered})],
        "by_stream": by_stream,
        "lines": [_json(x) for x in ordered],
        "calloffs_raised": [
            {"calloff": r["id"], "request": r["request_id"], "title": r["request_title"],
             "lot": r["lot"], "provider": r["provider_id"], "name": r["provider_name"],
             "rank": r["rank"], "value": json_money(from_pence(r["initial_value_pence"])),
             "funding": r["funding"], "year": r["year"], "status": r["status"],
             "offered_on": r["offered_on"]}
            for r in store.raised_between(start, end)
        ],
        "awaiting_answer": [
            {"calloff": r["id"], "request": r["request_id"], "title": r["request_title"],
             "lot": r["lot"], "provider": r["provider_id"], "name": r["provider_name"],
             "rank": r["rank"], "value": json_money(from_pence(r["initial_value_pence"])),
             "offered_on": r["offered_on"], "respond_by": r["respond_by"]}
            for r in store.awaiting_at(end)
        ],
    }


def _sum(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Roll grouped SQL rows up to a coarser group (lot, provider, stream or total)."""
    total: dict[str, Any] = {**{k: ZERO for k in MONEY_KEYS}, **{k: 0 for k in COUNT_KEYS}}
    for row in rows:
        for k in (*MONEY_KEYS, *COUNT_KEYS):
            total[k] += row[k]
    return total


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: json_money(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def neutralise(value: Any) -> Any:
    """Stop a spreadsheet reading a text cell as a formula; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(report: dict[str, Any]) -> str:
    """One tidy table: a row per quarter × lot × provider × funding stream."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for q in report["quarters"]:
        for line in q["lines"]:
            row = {"year": report["year"], "quarter": q["quarter"], **line}
            writer.writerow([
                row[c] if c in MONEY_KEYS or c in COUNT_KEYS or c in ("lot", "provider",
                                                                       "quarter")
                else neutralise(row[c])
                for c in CSV_COLUMNS
            ])
    return out.getvalue()


def chart_geometry(report: dict[str, Any], width: int = 640, height: int = 330) -> dict[str, Any]:
    """Coordinates for the cumulative spend and commitment chart (drawn by the template).

    Worked in Decimal like every other figure here, rounded to a tenth of a pixel.
    """
    points = report["chart"]
    left, right, top, bottom = 90, 20, 20, 70
    top_value = max([Decimal(p[k]) for p in points
                     for k in ("ceiling", "committed", "spent_year_to_date")] + [Decimal(1)])
    scale_max = top_value * Decimal("1.1")
    plot_w, plot_h = width - left - right, height - top - bottom
    tenth = Decimal("0.1")

    def y(fraction: Decimal) -> Decimal:
        return (top + plot_h - fraction * plot_h).quantize(tenth)

    def x(q: int) -> Decimal:
        return (left + Decimal(plot_w) / 4 * (q - Decimal("0.5"))).quantize(tenth)

    series = {
        k: [(x(p["quarter"]), y(Decimal(p[k]) / scale_max)) for p in points]
        for k in ("ceiling", "committed", "spent_year_to_date")
    }
    ticks = [(y(Decimal(i) / 4), json_money(scale_max * i / 4)) for i in range(5)]
    return {"width": width, "height": height, "left": left, "top": top,
            "plot_w": plot_w, "plot_h": plot_h, "series": series, "ticks": ticks,
            "labels": [(x(q), f"Q{q}") for q in (1, 2, 3, 4)], "bottom": top + plot_h}


def render_report(store: Store, year: FinancialYear, quarter: int | None, fmt: str,
                  templates: str | Path | None = None) -> str:
    import json

    from framework.documents import render

    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not known: choose md, html, csv or json")
    report = quarterly(store, year, quarter)
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(report)
    context = {"report": report}
    if fmt == "html":
        context["chart"] = chart_geometry(report)
    return render(f"report.{fmt}.j2", fmt, context, templates)
