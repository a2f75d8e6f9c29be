"""Whose column names a framework's Transparency Code files use (`calloff publish spend` and
`publish contracts`): calloff's own, or the Local Government Association's, and the facts
only the LGA's columns carry (docs/publishing.md, "LGA columns")."""

from __future__ import annotations

import re
from typing import Any

import attrs

from calloff.domain.text import clean_text
from calloff.errors import DefinitionError, InvalidInput

COLUMN_SETS = ("calloff", "lga")
# An organisation's URI, such as http://opendatacommunities.org/id/metropolitan-district-
# council/leeds: a web address, one line, nothing a CSV or page would misread.
URI = re.compile(r"https?://[^\s\"'<>]+")
PROCLASS_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]*")


@attrs.frozen
class TransparencySettings:
    """What a definition says about the spend and contracts files: the column names used
    when the command names none, and what fills the LGA's `OrganisationURI`,
    `ProclassCode` and `ProclassLabel` ("" where it gives none: the cell is empty)."""

    columns: str = "calloff"
    organisation_uri: str = ""
    proclass_code: str = ""
    proclass_label: str = ""


def check_columns(value: str) -> str:
    """`calloff` or `lga`, as `--columns` or `Office.publication_file(columns=…)` names it."""
    if value not in COLUMN_SETS:
        raise InvalidInput(
            f"columns {value!r} is not known: choose calloff (calloff's own names) or lga "
            "(the Local Government Association's)"
        )
    return value


def read(data: dict[str, Any]) -> TransparencySettings:
    """A definition's top-level `transparency_columns` ("calloff", the default, or "lga"),
    `organisation_uri`, `proclass_code` and `proclass_label`, each optional."""
    columns = _text(data, "transparency_columns") or "calloff"
    if columns not in COLUMN_SETS:
        raise DefinitionError(
            f'transparency_columns {columns!r} is not known: write "calloff" or "lga"'
        )
    uri = _text(data, "organisation_uri")
    if uri and (len(uri) > 300 or not URI.fullmatch(uri)):
        raise DefinitionError(
            f"organisation_uri {uri[:60]!r} is not a web address of up to 300 characters: "
            'write it like "http://opendatacommunities.org/id/metropolitan-district-council/leeds"'
        )
    code = _text(data, "proclass_code")
    if code and (len(code) > 20 or not PROCLASS_CODE.fullmatch(code)):
        raise DefinitionError(
            f"proclass_code {code[:30]!r} is not a Proclass code: up to 20 letters, digits, "
            "dots or hyphens"
        )
    label = _text(data, "proclass_label")
    if label:
        try:
            label = clean_text(label, "proclass_label", 200)
        except InvalidInput as e:
            raise DefinitionError(str(e)) from None
    return TransparencySettings(columns, uri, code, label)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise DefinitionError(f"{key} must be text")
    return value.strip()
