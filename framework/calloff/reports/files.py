"""The quarterly report as a file: Markdown and HTML from templates, a tidy CSV, JSON,
or an Excel workbook (xlsx) of the CSV's table and a summary per quarter. The figures
themselves come from `calloff.reports.quarterly`."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, overload

from calloff.domain.dates import FinancialYear
from calloff.errors import InvalidInput
from calloff.reports.chart import chart_geometry
from calloff.reports.quarterly import COUNT_KEYS, MONEY_KEYS, quarterly
from calloff.store.database import Store

FORMATS = ("md", "html", "csv", "json", "xlsx")
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
SUMMARY_COLUMNS = (
    "year",
    "quarter",
    "start",
    "end",
    "ceiling",
    *MONEY_KEYS,
    "headroom",
    *COUNT_KEYS,
)


FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Stop a spreadsheet reading a text cell as a formula; numbers stay numbers. The first
    character is checked in its compatibility form (NFKC, which leaves "=" itself alone):
    a program that normalises text reads a full-width "＝" or a small "﹦" as "=". The
    text itself is kept as given, after the quote."""
    if isinstance(value, str) and unicodedata.normalize("NFKC", value[:1])[:1] in FORMULA_STARTERS:
        return "'" + value
    return value


def _lines(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The tidy table's rows: a row per quarter × lot × provider × funding stream."""
    return [
        {
            "year": report["year"],
            "quarter": q["quarter"],
            **line,
            "audit_event": report["as_recorded"]["event"],
            "audit_head": report["as_recorded"]["hash"],
        }
        for q in report["quarters"]
        for line in q["lines"]
    ]


def to_csv(report: dict[str, Any]) -> str:
    """One tidy table: a row per quarter × lot × provider × funding stream.

    It begins with a UTF-8 byte-order mark, in the text itself so a file and standard
    output both carry it: spreadsheets then read "Café Ŵyn" as written, not as mojibake."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in _lines(report):
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


def _typed(key: str, value: Any) -> Any:
    """A report's JSON value as a workbook cell takes it: money "12500.00" as Decimal,
    a day "2015-09-30" as a date; the rest as it is."""
    if value is None:
        return None
    if key in MONEY_KEYS or key in ("ceiling", "headroom"):
        return Decimal(value)
    if key in ("start", "end"):
        return date.fromisoformat(value)
    return value


def to_xlsx(report: dict[str, Any]) -> bytes:
    """Two sheets: the CSV's table, typed (money in pounds, names and the audit hash as
    text), and one row per quarter with its ceiling, totals and headroom."""
    from calloff.documents.workbook import Sheet, workbook

    year = report["year"]
    lines = [[_typed(c, row[c]) for c in CSV_COLUMNS] for row in _lines(report)]
    quarters = [
        [_typed(c, year if c == "year" else q[c]) for c in SUMMARY_COLUMNS]
        for q in report["quarters"]
    ]
    period = f"{year} Q{report['quarter']}" if report["quarter"] else year
    fw = report["framework"]
    return workbook(
        [
            Sheet(f"Spend against contract {year}", CSV_COLUMNS, lines),
            Sheet(f"Quarters {year}", SUMMARY_COLUMNS, quarters),
        ],
        title=f"Spend against contract: {fw['name']}, {period}",
        creator=str(fw["buyer"]),
        when=datetime.fromisoformat(report["as_recorded"]["recorded_at"]).astimezone(UTC),
    )


@overload
def render_report(
    store: Store,
    year: FinancialYear,
    quarter: int | None,
    fmt: Literal["xlsx"],
    templates: str | Path | None = None,
    upto: str | int | None = None,
) -> bytes: ...
@overload
def render_report(
    store: Store,
    year: FinancialYear,
    quarter: int | None,
    fmt: Literal["md", "html", "csv", "json"],
    templates: str | Path | None = None,
    upto: str | int | None = None,
) -> str: ...
@overload
def render_report(
    store: Store,
    year: FinancialYear,
    quarter: int | None,
    fmt: str,
    templates: str | Path | None = None,
    upto: str | int | None = None,
) -> Any: ...
def render_report(
    store: Store,
    year: FinancialYear,
    quarter: int | None,
    fmt: str,
    templates: str | Path | None = None,
    upto: str | int | None = None,
) -> str | bytes:
    """The report's text (md, html, csv, json) or bytes (xlsx)."""
    found = report_pieces(store, year, quarter, fmt, templates, upto)
    return found if isinstance(found, bytes) else "".join(found)


def report_pieces(
    store: Store,
    year: FinancialYear,
    quarter: int | None,
    fmt: str,
    templates: str | Path | None = None,
    upto: str | int | None = None,
) -> Iterator[str] | bytes:
    """The report's text piece by piece, or its bytes (xlsx). Markdown and HTML are drawn
    a batch at a time from a report whose listings are read as the template goes through
    them, so neither the listings nor the text is held whole; CSV and JSON are one piece."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not known: choose md, html, csv, json or xlsx")
    report = quarterly(store, year, quarter, upto, lazy=fmt in ("md", "html"))
    if fmt == "xlsx":
        return to_xlsx(report)
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
            return iter([json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n"])
        return iter([json.dumps(report, indent=2, ensure_ascii=False) + "\n"])
    if fmt == "csv":
        return iter([to_csv(report)])
    from calloff.documents.rendering import render_pieces  # Jinja, only for md and html

    context = {"report": report}
    if fmt == "html":
        context["chart"] = chart_geometry(report)
    return render_pieces(f"report.{fmt}.j2", fmt, context, templates)
