"""Reading a council's TOML file (a framework definition, a spend mapping) within limits.

A definition is a few kilobytes (the embedded ones are under 4 KB), so calloff reads at
most `MAX_TOML_BYTES` of one, as it reads at most so much of a template: a device that
never ends (`/dev/zero`) or the wrong, huge file is refused at once rather than read until
the machine runs out of memory. Tables or arrays nested some hundreds deep make the TOML
reader recurse past Python's limit: that is refused in one line too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from calloff.errors import CalloffError

MAX_TOML_BYTES = 1_000_000  # the largest definition or mapping file read


def read_text(path: Path, what: str, refusal: type[CalloffError]) -> str:
    """The file's text, read no further than MAX_TOML_BYTES: a larger file is refused (as
    `refusal`); a missing, unreadable or non-UTF-8 one raises as `Path.read_text` would.
    `what` names the file: "framework definition"."""
    with path.open("rb") as f:
        data = f.read(MAX_TOML_BYTES + 1)
    if len(data) > MAX_TOML_BYTES:
        raise refusal(
            f"{path} is larger than {MAX_TOML_BYTES:,} bytes, the most calloff reads as a "
            f"{what}: give the {what} file itself (a few kilobytes of TOML)"
        )
    return data.decode("utf-8")


def loads(text: str, source: str, refusal: type[CalloffError]) -> dict[str, Any]:
    """The TOML `text` read; tables or arrays nested too deeply to follow are refused (as
    `refusal`) in one line. Text that is not TOML raises `tomllib.TOMLDecodeError`."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise nests_too_deeply(source, refusal) from None


def nests_too_deeply(source: str, refusal: type[CalloffError]) -> CalloffError:
    """The refusal for a file whose tables or arrays nest deeper than calloff follows."""
    return refusal(
        f"{source}: its tables or arrays nest too deeply to read (hundreds of levels): a "
        "definition or mapping nests a few levels at most, so check it is the right file"
    )
