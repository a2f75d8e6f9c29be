"""The quarterly report as a file: Markdown and HTML from templates, a tidy CSV, or JSON.
The figures themselves come from `calloff.reports.quarterly`."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from calloff.domain.dates import FinancialYear
from calloff.errors import InvalidInput
from calloff.reports.chart import chart_geometry
from calloff.reports.quarterly import COUNT_KEYS, MONEY_KEYS, quarterly
from calloff.store.database import Store

FORMATS = ("md", "html", "csv", "json")
LARGE_JSON_ROWS = 2000  # above this many listed rows, JSON is written compact
BOM = "\ufeff"  # starts every CSV report, so spreadsheets know it is UTF-8
CSV_COLUMNS = (
    "year",
    "quarter",
    "lot",
    "lot_title",
    "provider",
    "provider_name",
    "funding",
    *MONEY_KEYS,
    *COUNT_KEYS,
    "audit_event",
    "audit_head",
)


def neutralise(value: Any) -> Any:
    """Stop a spreadsheet reading a text cell as a formula; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(report: dict[str, Any]) -> str:
    """One tidy table: a row per quarter × lot × provider × funding stream.

    It begins with a UTF-8 byte-order mark, in the text itself so a file and standard
    output both carry it: spreadsheets then read "Café Ŵyn" as written, not as mojibake."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for q in report["quarters"]:
        for line in q["lines"]:
            row = {
                "year": report["year"],
                "quarter": q["quarter"],
                **line,
                "audit_event": report["as_recorded"]["event"],
                "audit_head": report["as_recorded"]["hash"],
            }
            writer.writerow(
                [
                    row[c]
                    if c in MONEY_KEYS
                    or c in COUNT_KEYS
                    or c in ("lot", "provider", "quarter", "audit_event", "audit_head")
                    else neutralise(row[c])
                    for c in CSV_COLUMNS
                ]
            )
    return out.getvalue()


def render_report(
    store: Store,
    year: FinancialYear,
    quarter: int | None,
    fmt: str,
    templates: str | Path | None = None,
    upto: str | int | None = None,
) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not known: choose md, html, csv or json")
    report = quarterly(store, year, quarter, upto)
    if fmt == "json":
        import json

        # Indented JSON goes through Python's slow encoder; a large report is written
        # compact, on one line, by the C one.
        rows = sum(
            len(q[k])
            for q in report["quarters"]
            for k in ("lines", "calloffs_raised", "awaiting_answer")
        )
        if rows > LARGE_JSON_ROWS:
            return json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n"
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(report)
    from calloff.documents.rendering import render  # Jinja, only for md and html

    context = {"report": report}
    if fmt == "html":
        context["chart"] = chart_geometry(report)
    return render(f"report.{fmt}.j2", fmt, context, templates)
