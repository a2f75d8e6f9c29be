"""Reading an officer's CSV files: every row with its line number, every problem kept."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from framework.errors import InvalidInput


def whole_number(text: str, what: str) -> int:
    raw = (text or "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise InvalidInput(f"{what} {text!r} is not a whole number")
    return int(raw)


def read_csv(
    path: str | Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """Rows of a CSV file with their line numbers, and the problems found reading it."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{p}: no such file") from None
    except OSError as e:
        raise InvalidInput(f"{p}: cannot be read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InvalidInput(
            f"{p}:{line}: not UTF-8 text: save the file as CSV UTF-8 and import it again"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{p}: the file is empty: it needs a header row") from None
    except csv.Error as e:
        raise InvalidInput(f"{p}: not a CSV file ({e})") from None
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise InvalidInput(f"{p}: " + "; ".join(parts) + ": the columns are "
                           + ",".join(required + optional))
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[tuple[int, str]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append((line, f"{len(cells)} cells where the header has {len(header)}"))
                continue
            rows.append((line, dict(zip(header, cells, strict=True))))
    except csv.Error as e:
        problems.append((reader.line_num, f"not valid CSV ({e})"))
    return rows, problems

