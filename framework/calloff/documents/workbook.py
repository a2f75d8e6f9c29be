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

A sheet is written row by row (openpyxl's write-only mode), so a table of any length is
written in flat memory: its rows are read once, their widths measured as they go to a
temporary file, and written from there once the columns' widths are known. The file is
the same, byte for byte, as the whole sheet built in memory would give.
"""

from __future__ import annotations

import io
import pickle
import re
import shutil
import tempfile
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
    """One table: a frozen header row, then a row of typed values per line (`rows` may be
    an iterator, read once)."""

    title: str = attrs.field(validator=attrs.validators.max_len(SHEET_TITLE))
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


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
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook(write_only=True)
    with tempfile.TemporaryFile() as spool:
        for sheet in sheets:
            _write_sheet(book.create_sheet(sheet.title), sheet, spool)
    book.properties.title = title
    book.properties.creator = creator
    book.properties.created = book.properties.modified = when.replace(tzinfo=None)
    out = io.BytesIO()
    with _Timeless(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return out.getvalue()


def _write_sheet(ws: Any, sheet: Sheet, spool: Any) -> None:
    """One sheet: its rows read once into `spool` while their widths are measured, then
    the widths, the frozen header and the rows, in that order (a write-only sheet takes
    its columns' widths before its first row)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    spool.seek(0)
    spool.truncate()
    widths = [len(h) for h in sheet.header]
    count = 0
    for row in sheet.rows:
        values = list(row)
        pickle.dump(values, spool)
        count += 1
        for col, value in enumerate(values):
            widths[col] = max(widths[col], len(shown(value)))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, WIDEST)
    ws.freeze_panes = "A2"
    # What a sheet built whole says of its size, which a write-only one cannot know.
    size = f"A1:{get_column_letter(len(sheet.header))}{count + 1}"
    ws.calculate_dimension = lambda: size
    bold = Font(bold=True)
    header = []
    for name in sheet.header:
        head = WriteOnlyCell(ws)
        _put(head, name)
        head.font = bold
        header.append(head)
    ws.append(header)
    spool.seek(0)
    for _ in range(count):
        cells = []
        for value in pickle.load(spool):
            cell = WriteOnlyCell(ws)
            _put(cell, value)
            cells.append(cell)
        ws.append(cells)


class _Timeless(zipfile.ZipFile):
    """A zip whose every entry is dated ZIP_TIME, whenever it is written: openpyxl names
    its entries, and the zip would date each the moment it was written."""

    @staticmethod
    def _entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        super().writestr(self._entry(name), data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as read, self.open(self._entry(arcname or filename), "w") as out:
            shutil.copyfileobj(read, out)
