"""Fixtures: a fresh database per test, a CLI runner, and a way to see a database whole."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from calloff import cli
from calloff.domain import officers


class _OnlyAsCalloff:
    """pytest puts the repository on sys.path, where `framework` and `cli` would import
    under their folder names; installed, they exist only inside `calloff`. Refusing the
    folder names here makes a test fail as the wheel would."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        if name in ("framework", "cli"):
            raise ImportError(f"import calloff (the installed package), not {name!r}")


sys.meta_path.insert(0, _OnlyAsCalloff)

settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def snapshot(path: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: to prove a refusal wrote nothing."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {t: conn.execute(f"SELECT * FROM [{t}] ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


# The account the tests run as (the process's own is whoever runs them): `init` registers
# it with every role. TEAM are the other officers a test database has from the start.
ACCOUNT = "officer.a"
TEAM = {"officer.b": ("officer", "approver"), "b": ("officer", "approver")}


# The account running the tests, as a `calloff` started in another process sees it.
REAL_ACCOUNT = officers.process_account()
# Every test in this process runs as the account `officer.a`, module-scoped fixtures
# included; a test patches another with `monkeypatch` (see test_officers.py).
officers.process_account = lambda: ACCOUNT


class Calloff:
    """Drives the CLI against one database file, as an officer would: by default as the
    account `officer.a`, which `init` registers with every role. A test that acts as one
    of TEAM has them registered first (from 2000), so officer.b can approve what officer.a
    raised."""

    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()
        self.team: set[str] = set()

    def __call__(self, *args: str, officer: str = "officer.a") -> Result:
        if officer in TEAM and officer not in self.team and self.db.exists():
            self.register(officer, *TEAM[officer], on="2000-01-01")
        return self.runner.invoke(
            cli.main,
            ["--db", str(self.db), "--officer", officer, *map(str, args)],
            catch_exceptions=False,
        )

    def register(self, login: str, *roles: str, on: str = "2000-01-01", limit: str = "") -> None:
        """Register an officer, as the admin officer.a."""
        given = [x for role in roles for x in ("--role", role)]
        given += ["--limit", limit] if limit else []
        result = self.runner.invoke(
            cli.main,
            ["--db", str(self.db), "officer", "add", login, "--name", login, *given, "--on", on],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        self.team.add(login)

    def ok(self, *args: str, officer: str = "officer.a") -> Result:
        result = self(*args, officer=officer)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, officer: str = "officer.a") -> Any:
        return json.loads(self.ok(*args, "--json", officer=officer).stdout)

    def refused(self, *args: str, code: int = 1, officer: str = "officer.a") -> str:
        """Run a command that must be refused: exit `code`, one line, nothing written."""
        before = snapshot(self.db) if self.db.exists() else None
        result = self(*args, officer=officer)
        assert result.exit_code == code, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert "Traceback" not in result.output
        if before is not None:
            assert snapshot(self.db) == before, "a refusal changed the database"
        return lines[0]


@pytest.fixture
def calloff(tmp_path: Path) -> Calloff:
    """A CLI driver whose database does not exist yet."""
    return Calloff(tmp_path / "calloff.db")


@pytest.fixture
def leeds(calloff: Calloff) -> Calloff:
    """The Leeds framework with three fictional providers ranked on lot 4 with day rates."""
    calloff.ok("init")
    for name in ("Alder Training", "Birch Practice Ltd", "Cedar Conferencing"):
        calloff.ok("provider", "add", name)
    calloff.ok("rank", "set", "4", "1", "2", "3")
    calloff.ok("price", "set", "4", "1", "--day", "1000")
    calloff.ok("price", "set", "4", "2", "--day", "1200")
    calloff.ok("price", "set", "4", "3", "--day", "900")
    return calloff


@pytest.fixture
def add_request(leeds: Calloff) -> Callable[..., int]:
    def add(*extra: str, lot: int = 4, start: str = "2015-06-01", on: str = "2015-05-01") -> int:
        args = [
            "request",
            "add",
            "--lot",
            str(lot),
            "--title",
            "Deep dive",
            "--start",
            start,
            "--on",
            on,
            *extra,
        ]
        if not any(a in ("--value", "--quantity") for a in extra):
            args += ["--value", "5000"]
        return int(leeds.json(*args)["id"])

    return add


@pytest.fixture
def borsetshire(calloff: Calloff) -> Calloff:
    return make_borsetshire(calloff)


def make_borsetshire(calloff: Calloff) -> Calloff:
    """The fictional Borsetshire framework (Procurement Act 2023): lot 1 ranked, lot 2
    either, lot 3 by competition; criteria quality 60 (50–70) and price 40 (30–50); a
    standstill of 8 working days; core cap £180,000 in 2026-27; approval from £50,000.
    Four fictional providers ranked 1 to 4 on every lot; Damson is suspended."""
    calloff.ok("init", "--framework", "borsetshire-rp-2026")
    for name in ("Alder Training", "Birch Practice Ltd", "Cedar Conferencing", "Damson CIC"):
        calloff.ok("provider", "add", name, "--on", "2026-04-01")
    for lot in ("1", "2", "3"):
        calloff.ok("rank", "set", lot, "1", "2", "3", "4", "--on", "2026-04-01")
    calloff.ok("price", "set", "1", "1", "--day", "800", "--on", "2026-04-01")
    calloff.ok(
        "provider", "suspend", "Damson CIC", "--reason", "insurance lapsed", "--on", "2026-04-02"
    )
    return calloff
