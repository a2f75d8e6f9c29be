"""A report's listing (the call-offs raised in a quarter, the offers awaiting an answer at
its end) in the shape the report gives each row, read from the database as a template
goes through it: an HTML or Markdown report of any size is drawn without holding them.

A template may go through a listing more than once, ask whether it has any rows (one row
is read) and how many (SQL counts them): each reads it afresh. The report is made as the
records stood at one audit event, so every reading gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

Row = dict[str, Any]


class Readable(Protocol):
    """What the store gives for a listing (`calloff.store.listings.Rows`), or a list."""

    def __iter__(self) -> Iterator[Row]: ...
    def __len__(self) -> int: ...


class Listing:
    """Rows in the report's shape, each made as it is read."""

    def __init__(self, rows: Readable, shape: Callable[[Row], Row]):
        self._rows = rows
        self._shape = shape

    def __iter__(self) -> Iterator[Row]:
        return (self._shape(row) for row in self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __bool__(self) -> bool:
        return bool(self._rows)


def listing(rows: Readable, shape: Callable[[Row], Row], lazy: bool) -> list[Row] | Listing:
    """The listing as a list (for JSON, CSV and the workbook), or read as it is gone
    through (`lazy`: for a template)."""
    return Listing(rows, shape) if lazy else [shape(row) for row in rows]
