"""The OCDS 1.1.5 schema with the extensions a package declares, built offline from
../shared/ocds (its README says how): each extension's release-schema.json is a JSON Merge
Patch (RFC 7396) over the core release schema; the package schema's reference to the
release schema resolves to the patched copy, never to the network.

`review()` runs libcoveocds (the checker behind the OCDS Data Review Tool) over a package
with the same files, offline.

CALLOFF_OCDS_DIR names another copy of that folder. Where there is none (or libcoveocds
is not installed, for `review()`), the tests that need it are skipped with a reason that
says so.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
# The declared extension's repository -> its folder in ../shared/ocds/extensions.
FOLDERS = {
    "ocds_lots_extension": "lots",
    "ocds_submissionTerms_extension": "submission_terms",
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


# -- libcoveocds, offline ----------------------------------------------------------------------


def _standard_zip(base: Path) -> bytes:
    """The standard as libcoveocds reads it (a ZIP of the standard's repository, its schema
    in schema/), made from the local copy; the versioned release schema, which the local
    copy does not hold, is derived from the release schema as the standard derives it."""
    from ocdsextensionregistry.versioned_release_schema import get_versioned_release_schema

    standard = base / "standard-1.1.5"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        for path in sorted(standard.rglob("*")):
            if path.is_file() and path.name != "LICENSE":
                name = path.relative_to(standard).as_posix()
                archive.write(path, f"standard-1__1__5/schema/{name}")
        release = json.loads((standard / "release-schema.json").read_text("utf-8"))
        archive.writestr(
            "standard-1__1__5/schema/versioned-release-validation-schema.json",
            json.dumps(get_versioned_release_schema(release, "1__1__5")),
        )
    return buffer.getvalue()


def _extension_zip(folder: Path, top: str) -> bytes:
    """An extension as GitHub serves its archive at a commit: every file under one folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{top}/", "")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


ARCHIVE = re.compile(r"https://github\.com/open-contracting-extensions/(\w+)/archive/(\w+)\.zip")


def review(document: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """libcoveocds's report on the package (as its API gives it: `validation_errors`,
    `additional_fields`, …), with no network.

    libcoveocds reads the standard from a ZIP (its `standard_zip` setting takes the bytes)
    and each declared extension through ocdsextensionregistry, which downloads the GitHub
    archive at the commit in the extension's URL: that request is answered from the
    extension's folder here, and any other request on the network fails the test."""
    pytest.importorskip(
        "libcoveocds", reason="libcoveocds is not installed (pip install -e '.[test]')"
    )
    base = require_ocds()
    import requests
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig
    from ocdsextensionregistry import util

    def archive(url: str, **_: Any) -> requests.Response:
        found = ARCHIVE.fullmatch(url)
        if found is None or found.group(1) not in FOLDERS:
            raise AssertionError(f"libcoveocds asked the network for {url}")
        response = requests.Response()
        response.url, response.status_code = url, 200
        folder = base / "extensions" / FOLDERS[found.group(1)]
        response._content = _extension_zip(folder, f"{found.group(1)}-{found.group(2)}")
        return response

    def offline(self: Any, request: Any, **_: Any) -> Any:
        raise AssertionError(f"libcoveocds asked the network for {request.url}")

    monkeypatch.setattr(util.session, "get", archive)
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", offline)
    config = LibCoveOCDSConfig({"context": "api", "standard_zip": _standard_zip(base)})
    with tempfile.TemporaryDirectory() as scratch:
        return ocds_json_output(scratch, json_data=document, lib_cove_ocds_config=config)
