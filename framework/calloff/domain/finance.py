"""Money in from the finance system: which of a finance export's headings holds which field
`calloff` knows (docs/spend-import.md), and the purchase order number a council raises for
a call-off once it is accepted."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from calloff.domain import toml_files
from calloff.domain.text import clean_text
from calloff.errors import DefinitionError, MappingError

# The fields a spend file's row may give, by the name `--map` uses: the call-off by its
# order reference (or its number), or by the council's purchase order number.
SPEND_FIELDS = (
    "calloff",
    "po",
    "invoice",
    "amount",
    "vat",
    "date",
    "received",
    "paid",
    "cost_centre",
    "gl_code",
    "attendees",
)
# The fields calloff's own spend file has always had (its headings are the names).
NEEDED = ("invoice", "date", "amount")


@attrs.frozen
class Finance:
    """What a framework's definition says about the finance system: the saved mapping of
    its spend export's headings (field -> heading), empty for calloff's own headings."""

    spend_map: Mapping[str, str] = attrs.field(factory=dict)


def check_map(mapping: Mapping[str, str]) -> dict[str, str]:
    """A mapping `calloff` can use: known fields, each to a heading, the call-off given by
    its reference or its purchase order, and an invoice, date and amount."""
    mapping = {str(k).strip().lower(): v for k, v in mapping.items()}
    unknown = [k for k in mapping if k not in SPEND_FIELDS]
    if unknown:
        raise MappingError(
            f"the mapping names {', '.join(repr(k) for k in unknown)}, which calloff does not "
            f"know: map {', '.join(SPEND_FIELDS)}"
        )
    checked = {}
    for field, heading in mapping.items():
        if not isinstance(heading, str) or not heading.strip():
            raise MappingError(f'the mapping gives {field} no heading: write {field}="Heading"')
        checked[field] = heading.strip()
    missing = [f for f in NEEDED if f not in checked]
    if "calloff" not in checked and "po" not in checked:
        missing.insert(0, "calloff or po")
    if missing:
        raise MappingError(f"the mapping does not map {', '.join(missing)}: map each to a heading")
    return checked


PAIR = re.compile(r'\s*([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^",]*))\s*(?:,|$)')


def parse_map(text: str) -> dict[str, str]:
    """`invoice="Document No",amount="Net Amount"` as the command takes it: comma-separated
    FIELD=HEADING pairs, a heading in double quotes where it holds a comma."""
    pairs: dict[str, str] = {}
    at, text = 0, text.strip()
    while at < len(text):
        found = PAIR.match(text, at)
        if found is None or found.end() == at:
            rest = text[at:].split(",")[0].strip()
            raise MappingError(
                f"{rest!r} in the mapping is not FIELD=HEADING: write "
                'invoice="Document No",amount="Net Amount" (a heading with a comma in quotes)'
            )
        field = found.group(1).lower()
        if field in pairs:
            raise MappingError(f"the mapping maps {field} twice: map it once")
        pairs[field] = found.group(2) if found.group(2) is not None else found.group(3)
        at = found.end()
    return check_map(pairs)


def map_file(path: str | Path) -> dict[str, str]:
    """A small TOML file holding a mapping: `[spend_map]` (as in a definition) or the pairs
    on their own."""
    p = Path(path)
    try:
        data = toml_files.loads(
            toml_files.read_text(p, "spend mapping", MappingError), str(p), MappingError
        )
    except FileNotFoundError:
        raise MappingError(f"{p}: no such mapping file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise MappingError(f"{p}: not a TOML mapping file ({e})") from None
    table = data.get("spend_map", data)
    if not isinstance(table, dict):
        raise MappingError(f'{p}: [spend_map] must be a table of FIELD = "Heading"')
    return check_map(table)


def read(data: dict[str, Any]) -> Finance:
    """A definition's `[spend_map]` table, if any."""
    table = data.get("spend_map")
    if table is None:
        return Finance()
    if not isinstance(table, dict):
        raise DefinitionError('spend_map must be a table such as { invoice = "Document No" }')
    try:
        return Finance(spend_map=check_map(table))
    except MappingError as e:
        raise DefinitionError(f"spend_map: {e}") from None


def check_po(value: str) -> str:
    """A purchase order number as the finance system gives it: one line, up to 50
    characters, kept as typed (spaces at either end aside)."""
    return clean_text(value, "the purchase order number", 50)
