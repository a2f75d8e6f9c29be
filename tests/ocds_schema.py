"""The OCDS 1.1.5 schema with the extensions a package declares, built offline from
../shared/ocds (its README says how): each extension's release-schema.json is a JSON Merge
Patch (RFC 7396) over the core release schema; the package schema's reference to the
release schema resolves to the patched copy, never to the network.

CALLOFF_OCDS_DIR names another copy of that folder. Where there is none, the tests that
need it are skipped with a reason that says so.
"""

from __future__ import annotations

import csv
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
# The declared extension's repository -> its folder in ../shared/ocds/extensions.
FOLDERS = {
    "ocds_lots_extension": "lots",
    "ocds_techniques_extension": "techniques",
    "ocds_bid_extension": "bid",
    "ocds_budget_breakdown_extension": "budget_breakdown",
}


def ocds_dir() -> Path | None:
    named = os.environ.get("CALLOFF_OCDS_DIR")
    candidate = Path(named) if named else ROOT.parent / "shared" / "ocds"
    if (candidate / "standard-1.1.5" / "release-schema.json").is_file():
        return candidate
    return None


def require_ocds() -> Path:
    found = ocds_dir()
    if found is None:
        pytest.skip(
            f"the OCDS schema files are not at {ROOT.parent / 'shared' / 'ocds'} (nor at "
            "CALLOFF_OCDS_DIR): offline validation needs them"
        )
    return found


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def folder_of(url: str) -> str:
    for repository, folder in FOLDERS.items():
        if f"/{repository}/" in url:
            return folder
    raise AssertionError(f"the package declares an extension this test does not hold: {url}")


@cache
def _schemas(base: str, extensions: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    root = Path(base)
    release = json.loads((root / "standard-1.1.5" / "release-schema.json").read_text("utf-8"))
    for url in extensions:
        patch = root / "extensions" / folder_of(url) / "release-schema.json"
        release = merge_patch(release, json.loads(patch.read_text("utf-8")))
    package = json.loads((root / "standard-1.1.5" / "release-package-schema.json").read_text())
    return package, release


def validate(document: dict[str, Any]) -> None:
    """Raise jsonschema's ValidationError where the package breaks the patched schema."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    base = require_ocds()
    package_schema, release_schema = _schemas(str(base), tuple(document.get("extensions", ())))
    registry = Registry().with_resource(
        RELEASE_URL, Resource.from_contents(release_schema, default_specification=DRAFT4)
    )
    jsonschema.Draft4Validator(package_schema, registry=registry).validate(document)
    # Each release against the release schema itself, for messages that name the field.
    for release in document["releases"]:
        jsonschema.Draft4Validator(release_schema).validate(release)


@cache
def codes(name: str) -> frozenset[str]:
    """Every code in a codelist: the core list plus any extension's additions (+name.csv)."""
    base = require_ocds()
    found: set[str] = set()
    core = base / "standard-1.1.5" / "codelists" / name
    added = sorted(base.glob(f"extensions/*/codelists/{name}"))
    extended = sorted(base.glob(f"extensions/*/codelists/+{name}"))
    for path in (core, *added, *extended):
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as f:
                found.update(row["Code"] for row in csv.DictReader(f))
    assert found, f"no codelist {name} in {base}"
    return frozenset(found)


def undeclared(document: dict[str, Any]) -> list[str]:
    """Every field of the package's releases that neither the core schema nor a declared
    extension defines (OCDS allows them, but a package should declare what it uses)."""
    base = require_ocds()
    _, schema = _schemas(str(base), tuple(document.get("extensions", ())))
    found: list[str] = []

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    def walk(value: Any, node: dict[str, Any], path: str) -> None:
        node = resolve(node)
        if isinstance(value, dict):
            known = node.get("properties", {})
            for key, inner in value.items():
                if key not in known:
                    found.append(f"{path}.{key}")
                else:
                    walk(inner, known[key], f"{path}.{key}")
        elif isinstance(value, list) and "items" in node:
            for inner in value:
                walk(inner, node["items"], f"{path}[]")

    for release in document["releases"]:
        walk(release, schema, release["ocid"])
    return found
