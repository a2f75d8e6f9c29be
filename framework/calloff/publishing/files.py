"""A publication as the file a council puts on its website: CSV (UTF-8 with a byte-order
mark, formula cells neutralised, money as plain numbers with two decimals), JSON, or an
Excel workbook (xlsx: identifiers as text, money in pounds, dates as dates; see
`calloff.documents.workbook`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal, overload

from calloff.errors import InvalidInput
from calloff.publishing.payments import FIGURES, INVOICE_COLUMNS, PAYMENT_COLUMNS
from calloff.publishing.transparency import CONTRACT_COLUMNS, SPEND_COLUMNS
from calloff.reports.files import BOM, neutralise

FORMATS = ("csv", "json", "xlsx")
# Each workbook's sheet, named for the publication (at most 31 characters).
TITLES = {
    "spend": "Spend over £500",
    "contracts": "Contracts over £5,000",
    "payments": "Payments over £30,000",
    "payment-performance": "Payment performance",
}
HEADING = ("organisation", "half", "period_start", "period_end", "payment_days")
COLUMNS = {"spend": SPEND_COLUMNS, "contracts": CONTRACT_COLUMNS, "payments": PAYMENT_COLUMNS}


def columns_of(publication: dict[str, Any]) -> Sequence[str]:
    """A table publication's columns, in order: its own set where it names one (the Local
    Government Association's, `publication["columns"]`), else calloff's."""
    named: Sequence[str] | None = publication.get("columns")
    return named if named is not None else COLUMNS[publication["publication"]]


def cell(value: Any) -> Any:
    """One CSV cell: 1234.50 for money, 2015-07-20 for a date, Yes/No for a flag."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    return neutralise(str(value))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


FLUSH = 64 * 1024  # characters of CSV gathered before they are handed on


def csv_pieces(publication: dict[str, Any]) -> Iterator[str]:
    """The CSV file's text, some rows at a time: its rows may be an iterator, read as the
    file is written."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\n")
    name = publication["publication"]
    columns: Sequence[str]
    if name == "payment-performance":
        # The notice's figures first, then the invoices they were counted from.
        writer.writerow(("measure", "value"))
        for key in HEADING:
            writer.writerow((key, cell(publication[key])))
        for key in FIGURES:
            writer.writerow((key, cell(publication["figures"][key])))
        writer.writerow(())
        columns, rows = INVOICE_COLUMNS, publication["invoices"]
    else:
        columns, rows = columns_of(publication), publication["rows"]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row[c]) for c in columns])
        if out.tell() >= FLUSH:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def to_xlsx(publication: dict[str, Any]) -> bytes:
    """The workbook: one sheet named for the publication, its table under a frozen header
    row. The payment-performance notice has two: its figures as measure and value rows
    (as the CSV begins), then the invoices counted, each under its own header row."""
    from calloff.documents.workbook import Number, Sheet, workbook

    name = publication["publication"]
    title = TITLES[name]
    if name == "payment-performance":
        figures = [(key, publication[key]) for key in HEADING]
        for key in FIGURES:  # counts, and days and percentages with two decimals: not money
            value = publication["figures"][key]
            figures.append((key, Number(value) if isinstance(value, Decimal) else value))
        invoices = ([row[c] for c in INVOICE_COLUMNS] for row in publication["invoices"])
        sheets = [
            Sheet(title, ("measure", "value"), figures),
            Sheet(f"{title} invoices", INVOICE_COLUMNS, invoices),
        ]
    else:
        columns = columns_of(publication)
        rows = ([row[c] for c in columns] for row in publication["rows"])
        sheets = [Sheet(title, columns, rows)]
    period = f"{publication['period_start']} to {publication['period_end']}"
    about = f"{title}: {publication['organisation']}, {period}"
    return workbook(sheets, title=about, creator=str(publication["organisation"]))


@overload
def render(publication: dict[str, Any], fmt: Literal["xlsx"]) -> bytes: ...
@overload
def render(publication: dict[str, Any], fmt: Literal["csv", "json"]) -> str: ...
@overload
def render(publication: dict[str, Any], fmt: str) -> Any: ...
def render(publication: dict[str, Any], fmt: str) -> str | bytes:
    """The file's text (csv, json) or bytes (xlsx)."""
    found = pieces(publication, fmt)
    return found if isinstance(found, bytes) else "".join(found)


def pieces(publication: dict[str, Any], fmt: str) -> Iterator[str] | bytes:
    """The file's text (csv, json) piece by piece, as its rows (which may be an iterator)
    are read; a workbook (xlsx) whole, as bytes, its rows read once and written a row at a
    time (`calloff.documents.workbook`)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not known: choose csv, json or xlsx")
    if fmt == "xlsx":
        return to_xlsx(publication)
    if fmt == "json":
        from calloff.documents.json_pieces import pieces as json_pieces

        return json_pieces(publication, default=_plain)
    return csv_pieces(publication)
