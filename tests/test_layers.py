"""The domain knows nothing of storage or the CLI."""

import ast
from pathlib import Path

import pytest

FRAMEWORK = Path(__file__).resolve().parent.parent / "framework"
DOMAIN = [
    "lapses",
    "money",
    "dates",
    "model",
    "rules",
    "errors",
    "definition",
    "present",
    "records",
    "competition",
    "scoring",
]


def imports_of(module: str) -> set[str]:
    tree = ast.parse((FRAMEWORK / f"{module}.py").read_text())
    # Imports only for type checkers do not run, so they do not count.
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
            if node.module == "calloff":
                found |= {f"calloff.{a.name}" for a in node.names}
            elif node.module.startswith("calloff."):
                found.add(node.module)
    return found


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_import_neither_storage_nor_cli(module):
    """money, dates, model, rules and friends never import click, sqlite_utils or storage."""
    found = imports_of(module)
    assert not found & {
        "click",
        "sqlite_utils",
        "sqlite3",
        "calloff.cli",
        "jinja2",
        "calloff.storage",
        "calloff.service",
        "calloff.documents",
    }


def test_only_storage_touches_sqlite_utils():
    """sqlite_utils appears only in the storage layer: the store and the tables beside it."""
    users = {p.stem for p in FRAMEWORK.glob("*.py") if "sqlite_utils" in imports_of(p.stem)}
    assert users == {
        "storage",
        "schema",
        "ledger",
        "trail",
        "invoices",
        "listings",
        "tenders",
        "seal",
        "verify",
        "migrations",
        "upgrade",
        "competition_store",
    }


def test_the_library_never_imports_click():
    """Only cli.py knows click."""
    assert not any("click" in imports_of(p.stem) for p in FRAMEWORK.glob("*.py"))
