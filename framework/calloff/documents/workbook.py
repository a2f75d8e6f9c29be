"""Tables as an Excel workbook (.xlsx) that a spreadsheet keeps as written.

CSV leaves every cell's type to the spreadsheet's guess: LibreOffice's default import
garbles "Café Ŵyn" even with a byte-order mark, and a file saved back turns Companies
House `01234567` into `1234567`. A workbook says what each cell is:

- text is text: a `str` is always a text cell (an identifier, a reference, a name), never
  read as a number, a date or a formula;
- money (`Decimal`) is a number in pounds with two decimals (`"£"#,##0.00`), written from
  its exact decimal text, never through a float;
- a `Number` is a figure that is not money (days, a percentage), with its own format;
- dates are date cells (`yyyy-mm-dd`); flags are "Yes" or "No", as in the CSV; None is an
  empty cell;
- each sheet has one header row, frozen, and columns as wide as their content (to a cap).

The same tables give the same bytes: no time of writing is recorded in the file. Its
created and modified times are the moment the caller names (a report's audit event), or
1 January 1980 (as every entry in the zip is dated).
openpyxl is imported only here, when a workbook is written, so the command starts fast.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

MONEY_FORMAT = '"£"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
TWO_PLACES = "0.00"
WIDEST = 60  # characters: a longer cell wraps its column no further
SHEET_TITLE = 31  # Excel's limit on a sheet's name
# Characters XML 1.0 cannot hold (openpyxl refuses them): dropped from text cells.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry records: the same every time
TIMELESS = datetime(*ZIP_TIME)


@attrs.frozen
class Number:
    """A figure that is not money (days to pay, a percentage), shown with `format`."""

    value: Decimal | int
    format: str = TWO_PLACES


@attrs.frozen
class Sheet:
    """One table: a frozen header row, then a row of typed values per line."""

    title: str = attrs.field(validator=attrs.validators.max_len(SHEET_TITLE))
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


def shown(value: Any) -> str:
    """A cell's value roughly as a spreadsheet shows it: how wide its column must be."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    if isinstance(value, Number):
        return f"{value.value:,}"
    if isinstance(value, date):
        return "2015-07-20"
    return str(value)


def _put(cell: Any, value: Any) -> None:
    """One typed value into one cell (see the module's rules)."""
    if value is None:
        return
    if isinstance(value, bool):
        cell.value = "Yes" if value else "No"
    elif isinstance(value, Number):
        cell.value = value.value
        cell.number_format = value.format
    elif isinstance(value, Decimal):
        cell.value = value  # written as its decimal text, "12500.00"
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, datetime):
        raise TypeError("a workbook cell takes a date, not a date and time")
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int):
        cell.value = value
    elif isinstance(value, str):
        cell.value = UNWRITABLE.sub("", value)
        cell.data_type = "s"  # never a formula (=...) or an error code (#N/A)
    else:
        raise TypeError(f"a workbook cell cannot hold {type(value).__name__}")


def workbook(
    sheets: Iterable[Sheet],
    *,
    title: str,
    creator: str = "calloff",
    when: datetime = TIMELESS,
) -> bytes:
    """The sheets, in order, as the bytes of one .xlsx file, dated `when` (UTC)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title)
        widths = [len(h) for h in sheet.header]
        for col, name in enumerate(sheet.header, start=1):
            head = ws.cell(row=1, column=col)
            _put(head, name)
            head.font = bold
        for r, row in enumerate(sheet.rows, start=2):
            for col, value in enumerate(row, start=1):
                _put(ws.cell(row=r, column=col), value)
                widths[col - 1] = max(widths[col - 1], len(shown(value)))
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = min(width + 2, WIDEST)
        ws.freeze_panes = "A2"
    book.properties.title = title
    book.properties.creator = creator
    book.properties.created = book.properties.modified = when.replace(tzinfo=None)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return _without_times(raw.getvalue())


def _without_times(data: bytes) -> bytes:
    """The same zip with every entry's time set to one fixed moment."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry))
    return out.getvalue()
