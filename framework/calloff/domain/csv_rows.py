"""Reading an officer's CSV files: every row with its line number, every problem kept."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from calloff.errors import CalloffError, InvalidInput, MappingError

# A bad row: its line, and what is wrong (as text, or as the refusal the row met).
Problem = tuple[int, str | CalloffError]


def whole_number(text: str, what: str) -> int:
    raw = (text or "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise InvalidInput(f"{what} {text!r} is not a whole number")
    return int(raw)


MAX_LINE = 10_000  # bytes in one line of a CSV file, its line ending aside
MAX_ROWS = 500_000  # lines in one import
MAX_BYTES = 200_000_000  # bytes in one import


def read_csv(
    path: str | Path,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    mapping: Mapping[str, str] | None = None,
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """Rows of a CSV file with their line numbers, and the problems found reading it.

    Read a line at a time, never more than MAX_LINE bytes of one line or MAX_ROWS
    rows in all: a file that is not a CSV file (/dev/zero, a database, a photograph) stops
    at its first overlong line instead of filling the memory."""
    p = Path(path)
    try:
        f = open(p, "rb")  # noqa: SIM115 - closed below, after the lines are read
    except FileNotFoundError:
        raise InvalidInput(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{p} is a folder: give a CSV file") from None
    except OSError as e:
        raise InvalidInput(f"{p}: cannot be read ({e.strerror})") from None
    with f:
        reader = csv.reader(_lines(f, p), strict=True)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise InvalidInput(f"{p}: the file is empty: it needs a header row") from None
        except csv.Error as e:
            raise InvalidInput(f"{p}: not a CSV file ({e})") from None
        if mapping is not None:
            return _mapped(p, reader, header, mapping)
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in required + optional]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing column(s) {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown column(s) {', '.join(unknown)}")
            raise InvalidInput(
                f"{p}: " + "; ".join(parts) + ": the columns are " + ",".join(required + optional)
            )
        return _collect(p, reader, header, lambda cells: dict(zip(header, cells, strict=True)))


def _mapped(
    p: Path, reader: Any, header: list[str], mapping: Mapping[str, str]
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """A finance system's export read through a mapping (field -> its heading): the rows
    by calloff's field names; the file's other columns are left alone."""
    at: dict[str, int] = {}
    for field, heading in mapping.items():
        wanted = heading.strip().lower()
        if wanted not in header:
            raise MappingError(
                f"{p}: the heading {heading!r} (mapped to {field}) is not in the file: its "
                f"headings are {', '.join(h for h in header if h)}"
            )
        at[field] = header.index(wanted)
    return _collect(p, reader, header, lambda cells: {f: cells[i] for f, i in at.items()})


def _collect(
    p: Path, reader: Any, header: list[str], pick: Callable[[list[str]], dict[str, str]]
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """Every row after the header, as `pick` names its cells, with its line number; a row
    of the wrong width, or not CSV, is a problem of its line."""
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[Problem] = []
    try:
        for cells in reader:
            line = reader.line_num
            if line > MAX_ROWS + 1:  # every line counts, blank or spanned by a field
                raise InvalidInput(
                    f"{p}: more than {MAX_ROWS:,} rows: split the file and import each part"
                )
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append((line, f"{len(cells)} cells where the header has {len(header)}"))
                continue
            rows.append((line, pick(cells)))
    except csv.Error as e:
        problems.append((reader.line_num, f"not valid CSV ({e})"))
    return rows, problems


def _lines(f: BinaryIO, p: Path) -> Iterator[str]:
    """The file's lines as text, each at most MAX_LINE characters."""
    number = read = 0
    while True:
        raw = f.readline(MAX_LINE + 2)
        if not raw:
            return
        number += 1
        read += len(raw)
        if read > MAX_BYTES:
            raise InvalidInput(
                f"{p}: larger than {MAX_BYTES // 10**6:,} MB: split the file and import each part"
            )
        if len(raw) == MAX_LINE + 2 and not raw.endswith(b"\n"):
            raise InvalidInput(
                f"{p}:{number}: a line longer than {MAX_LINE:,} bytes: is this "
                "the CSV file you meant?"
            )
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{p}:{number}: not UTF-8 text: save the file as CSV UTF-8 and import it again"
            ) from None
