"""A JSON document written piece by piece, for one too long to hold: the calendar's items,
a spend file's rows, the invoices behind a payments notice.

`pieces(document)` gives exactly the text `json.dumps(document, indent=2,
ensure_ascii=False, default=default)` would, with a newline after it, except that a value
of the top-level dict may be an iterator (a generator of rows): it is written element by
element as it is read, as the list it stands for would be. Only the document's own keys
may be iterators; everything inside an element is written as json writes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

INDENT = 2


def _dumps(value: Any, default: Callable[[Any], Any] | None) -> str:
    return json.dumps(value, indent=INDENT, ensure_ascii=False, default=default)


def _nested(text: str, depth: int) -> str:
    """A value's JSON as it sits `depth` levels in: each line after the first indented."""
    return text.replace("\n", "\n" + " " * (INDENT * depth))


def pieces(
    document: Mapping[str, Any], default: Callable[[Any], Any] | None = None
) -> Iterator[str]:
    """The document as indented JSON and a newline, a key or an element at a time."""
    if not document:
        yield "{}\n"
        return
    opening = "{\n"
    for key, value in document.items():
        yield f"{opening}{' ' * INDENT}{_dumps(key, None)}: "
        opening = ",\n"
        if isinstance(value, Iterator):
            yield from _elements(value, default)
        else:
            yield _nested(_dumps(value, default), 1)
    yield "\n}\n"


def _elements(values: Iterable[Any], default: Callable[[Any], Any] | None) -> Iterator[str]:
    """A list one level in, written as its elements are read: `[]` if there are none."""
    opening = "[\n"
    for value in values:
        yield opening + " " * (INDENT * 2) + _nested(_dumps(value, default), 2)
        opening = ",\n"
    yield "[]" if opening == "[\n" else "\n" + " " * INDENT + "]"
