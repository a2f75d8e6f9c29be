"""The library's floor plan holds: each floor imports only its own and the floors below it.

The rule is stated by folder, as beancount states its dependency constraints, so a module
added tomorrow is covered the day it is added. `violations()` reads a copy of the package
as well as the real one, which is how the last tests prove the rule bites.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "framework" / "calloff"


def calloff_public() -> dict[str, tuple[str, ...]]:
    """`_PUBLIC` from calloff/__init__.py, read from its text: module -> names."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(getattr(t, "id", "") == "_PUBLIC" for t in targets) and node.value:
                return ast.literal_eval(node.value)
    raise AssertionError("calloff/__init__.py has no _PUBLIC")


# Lowest first. A module's floor is its folder; modules at the top of the package are
# the ground (errors) or the front door (api and its parts, arguments, startup).
FLOORS = [
    "errors",
    "domain",
    "store",
    "actions",
    "documents",
    "reports",
    "publishing",
    "notify",
    "demo",
]
TOP = len(FLOORS)
PURE_DOMAIN_MUST_NOT_USE = {"sqlite3", "sqlite_utils", "jinja2", "click"}
STORAGE = {"sqlite3", "sqlite_utils"}
SQL_CALLS = {"execute", "executemany", "executescript", "query"}
# sqlite-utils' ways in: the handle itself and what only its tables have.
DATABASE_HANDLES = {
    "db",
    "conn",
    "rows_where",
    "insert_all",
    "upsert",
    "upsert_all",
    "delete_where",
}
# The names `calloff` re-exports, by the module each comes from (calloff/__init__.py).
REEXPORTED = {name: home for home, names in calloff_public().items() for name in names}
SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|VIEW|"
    r"TRIGGER)|DROP\s+\w+|ALTER\s+TABLE|WITH\s+\w+\s+AS|PRAGMA)\b",
    re.IGNORECASE,
)
# What the command may reach: the front door, its argument parsers, the refusals, the
# documents it renders, and what it does first so that it starts fast.
COMMAND_MAY_IMPORT = re.compile(
    r"^calloff(\.api|\.arguments|\.errors|\.startup|\.documents(\.\w+)?|\.web(\.\w+)?)?$"
)
# The browser is a second front end beside the command, above the front door: it reaches
# the library as the command does, through Office, and the library never imports it.
FRONT_ENDS = ["web"]


def floor_of(module: str) -> int:
    """`calloff.store.ledger` -> the store's floor; `calloff.api` -> the top."""
    parts = module.split(".")
    if len(parts) < 2:
        return TOP
    if parts[1] in FRONT_ENDS:
        return TOP + 1
    if parts[1] in FLOORS:
        return FLOORS.index(parts[1])
    return TOP


def module_name(path: Path, package: Path) -> str:
    rel = path.relative_to(package.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, public: bool = False) -> set[str]:
    """Every module an import names: relative imports resolved; `from calloff import x`
    read as calloff.x, or as the module a re-exported name comes from (`Office` is
    calloff.api's) unless `public` says such names are the caller's to use;
    `import_module("calloff...")` counted as an import too. A bare `import calloff` names
    the package itself, the front door."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: -node.level]
                base = ".".join([*anchor, base] if base else anchor)
            if base != "calloff":
                found.add(base)
            for a in node.names:
                if base == "calloff" and a.name in REEXPORTED and not public:
                    found.add(f"calloff.{REEXPORTED[a.name]}")
                elif base.startswith("calloff"):
                    found.add(f"{base}.{a.name}")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).startswith("calloff")
        ):
            found.add(str(node.args[0].value))
    return found


def known(name: str, package: Path) -> bool:
    """Whether a dotted name is a module (or package) of calloff, not a name inside one."""
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    base = package / rel
    return name == "calloff" or base.with_suffix(".py").is_file() or base.is_dir()


def sql_in(tree: ast.AST) -> list[str]:
    """SQL run, or written down to be run: `.execute(...)`-style calls and SQL text."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_CALLS
        ):
            found.append(f"line {node.lineno}: .{node.func.attr}(...)")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_TEXT.match(node.value)
        ):
            found.append(f"line {node.lineno}: SQL text {node.value.strip()[:40]!r}")
    return found


def db_in(tree: ast.AST) -> list[str]:
    """The database handle (`store.db`) or sqlite-utils' table methods, used directly."""
    return [
        f"line {node.lineno}: .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in DATABASE_HANDLES
    ]


def violations(package: Path = PACKAGE) -> list[str]:
    """Every breach of the floor plan in the package at `package`, one line each."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mine = floor_of(module)
        names = imported(tree, module)
        where = path.relative_to(package.parent)
        for name in sorted(names):
            top = name.split(".")[0]
            if top == "click":
                problems.append(f"{where}: imports click (only cli.py knows click)")
            if mine == FLOORS.index("domain") and top in PURE_DOMAIN_MUST_NOT_USE:
                problems.append(f"{where}: the domain imports {top}")
            elif top in STORAGE and mine != FLOORS.index("store"):
                problems.append(f"{where}: imports {top} (only the store knows SQLite)")
            if top == "calloff" and known(name, package) and floor_of(name) > mine:
                problems.append(f"{where}: imports {name}, a floor above its own")
        if mine != FLOORS.index("store"):
            problems += [f"{where}: runs SQL outside the store, {s}" for s in sql_in(tree)]
            problems += [
                f"{where}: reaches the database outside the store, {s}" for s in db_in(tree)
            ]
    return problems


def command_violations(cli: Path = ROOT / "cli.py") -> list[str]:
    tree = ast.parse(cli.read_text(encoding="utf-8"))
    return [
        f"cli.py imports {name}: the command reaches the library through Office only"
        for name in sorted(imported(tree, "calloff.cli", public=True))
        if name.split(".")[0] == "calloff"
        and known(name, PACKAGE)
        and not COMMAND_MAY_IMPORT.match(name)
    ]


def front_end_violations(package: Path = PACKAGE) -> list[str]:
    """The browser's modules import what the command may, and no floor below the door."""
    problems = []
    for front in FRONT_ENDS:
        for path in sorted((package / front).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = module_name(path, package)
            problems += [
                f"{path.relative_to(package.parent)} imports {name}: the browser reaches the "
                "library through Office only"
                for name in sorted(imported(tree, module, public=True))
                if name.split(".")[0] == "calloff"
                and known(name, package)
                and not COMMAND_MAY_IMPORT.match(name)
            ]
    return problems


def test_every_module_is_on_a_known_floor():
    """A new folder must be placed in FLOORS before it can be checked."""
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= set(FLOORS) | set(FRONT_ENDS)
    assert {p.stem for p in PACKAGE.glob("*.py")} == {
        "__init__",
        "errors",
        "api",
        "api_competition",
        "api_notify",
        "api_officers",
        "api_publishing",
        "api_records",
        "api_setup",
        "api_sign_in",
        "api_spending",
        "arguments",
        "startup",
    }


def test_each_floor_imports_only_its_own_and_the_floors_below():
    assert violations() == []


def test_the_command_reaches_the_library_through_the_front_door():
    assert command_violations() == []


def test_the_browser_reaches_the_library_through_the_front_door():
    assert front_end_violations() == []


def test_a_page_that_bypasses_the_front_door_is_caught(tmp_path):
    copy = tmp_path / "calloff"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    home = copy / "web" / "home.py"
    home.write_text("from calloff.store.database import Store\n" + home.read_text())
    assert front_end_violations(copy) == [
        "calloff/web/home.py imports calloff.store.database: the browser reaches the library "
        "through Office only"
    ]
    assert any("web/home.py" in v and "runs SQL" in v for v in violations(copy)) is False


def test_only_the_store_runs_sql():
    """The store folder holds every SQL statement; everywhere else asks it by name."""
    runs_sql = {
        module_name(p, PACKAGE).split(".")[1]
        for p in PACKAGE.rglob("*.py")
        if len(module_name(p, PACKAGE).split(".")) > 2 and sql_in(ast.parse(p.read_text()))
    }
    assert runs_sql == {"store"}


PLANTED = {
    "domain/money.py": ("import sqlite3\n", "the domain imports sqlite3"),
    "domain/dates.py": ("from calloff.store import ledger\n", "a floor above its own"),
    "store/ledger.py": ("from calloff.actions.base import ServiceBase\n", "a floor above"),
    "reports/chart.py": ("import click\n", "imports click"),
    "reports/quarterly.py": ("import sqlite_utils\n", "only the store knows SQLite"),
    "publishing/ocds.py": (
        "def f(db):\n    return db.execute('SELECT 1')\n",
        "runs SQL outside the store",
    ),
    "documents/orders.py": (
        "QUERY = 'SELECT id FROM calloffs'\n",
        "runs SQL outside the store, line",
    ),
    "actions/new_module.py": ("from calloff.documents import orders\n", "a floor above"),
    "domain/helpers.py": ("from ..store import rows\n", "a floor above its own"),
    "domain/rules.py": ("from calloff import Office\n", "imports calloff.api, a floor above"),
    "store/trail.py": ("from calloff import Outcome\n", "calloff.actions.service, a floor"),
    "domain/scoring.py": ("import calloff\n", "imports calloff, a floor above its own"),
    "domain/lapses.py": (
        "from importlib import import_module\nS = import_module('calloff.store.database')\n",
        "imports calloff.store.database, a floor above",
    ),
    "publishing/notices.py": (
        "def f(store):\n    return store.db['calloffs'].rows_where('id = 1')\n",
        "reaches the database outside the store",
    ),
}


@pytest.mark.parametrize("where", PLANTED)
def test_a_planted_breach_is_caught(tmp_path, where):
    """The rule bites: a copy of the package with one bad line fails it, naming the line."""
    copy = tmp_path / "calloff"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    text, expected = PLANTED[where]
    target = copy / where
    target.write_text(text + (target.read_text() if target.exists() else ""))
    found = violations(copy)
    assert found and all(str(Path(where)) in v for v in found), found
    assert any(expected in v for v in found), found


def test_a_command_that_bypasses_the_front_door_is_caught(tmp_path):
    cli = tmp_path / "cli.py"
    cli.write_text((ROOT / "cli.py").read_text() + "\nfrom calloff.store.database import Store\n")
    assert command_violations(cli) == [
        "cli.py imports calloff.store.database: the command reaches the library through Office only"
    ]
