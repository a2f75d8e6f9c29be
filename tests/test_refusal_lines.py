"""A refusal is its own lines, nothing before them (issue 33): a refused `spend import` or
`audit verify` on a terminal takes its progress bar down first, and `--json` beside
another `--format` is a usage error in every command that has both."""

from __future__ import annotations

import os
import pty
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest

from calloff import cli
from tests.conftest import REAL_ACCOUNT, Calloff

CALLOFF = shutil.which("calloff", path=str(Path(sys.executable).parent))
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(calloff: Calloff, *args: str) -> tuple[int, list[str]]:
    """Run the command with its standard error on a terminal (a pseudo-terminal), as the
    account running the tests; the lines left on the screen, as a person reads them."""
    if REAL_ACCOUNT not in calloff.team:
        calloff.register(REAL_ACCOUNT, "officer", "admin")
    main, side = pty.openpty()
    child = subprocess.Popen(
        [str(CALLOFF), "--db", str(calloff.db), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=side,
    )
    os.close(side)
    written = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closes with the command
            break
        if not chunk:
            break
        written += chunk
    os.close(main)
    code = child.wait(timeout=120)
    screen = []
    for line in written.decode("utf-8", "replace").split("\n"):
        shown = ESCAPES.sub("", line.rstrip("\r").rsplit("\r", 1)[-1])  # \r writes over
        if shown.strip():
            screen.append(shown)
    return code, screen


needs_command = pytest.mark.skipif(CALLOFF is None, reason="the calloff command is not installed")


@needs_command
def test_a_refused_import_on_a_terminal_leaves_only_its_error(leeds: Calloff, tmp_path):
    """2,500 rows (so the bar is shown) and then a line no CSV file has."""
    path = tmp_path / "spend.csv"
    rows = "".join(f"1,I{n},2015-06-01,100\n" for n in range(2_500))
    path.write_text("calloff,invoice,date,amount\n" + rows + "x" * 20_000 + "\n")
    code, screen = on_a_terminal(leeds, "spend", "import", str(path))
    assert code == 1
    assert screen == [
        f"Error: {path}:2502: a line longer than 10,000 bytes: is this the CSV file you meant?"
    ]


@needs_command
def test_a_rejected_import_on_a_terminal_lists_its_rows_and_no_bar(leeds: Calloff, tmp_path):
    path = tmp_path / "spend.csv"
    rows = "".join(f"9,I{n},2015-06-01,100\n" for n in range(2_500))
    path.write_text("calloff,invoice,date,amount\n" + rows)
    code, screen = on_a_terminal(leeds, "spend", "import", str(path))
    assert code == 1
    assert not any("Importing" in line for line in screen), screen[:2]
    assert screen[0].startswith(f"{path}:2: call-off 9 does not exist")
    assert screen[-1].startswith(f"Error: {path}: 2,500 bad row(s), nothing imported")


@needs_command
def test_a_failed_verify_on_a_terminal_leaves_only_its_error(leeds: Calloff):
    conn = sqlite3.connect(leeds.db)
    conn.execute("UPDATE prices SET rate_pence = rate_pence * 10")
    conn.commit()
    conn.close()
    code, screen = on_a_terminal(leeds, "audit", "verify")
    assert code == 1
    assert len(screen) == 1 and screen[0].startswith("Error: audit trail does not verify")


def _commands_with_format_and_json() -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        if {"--format", "--json"} <= options:
            found[" ".join(path)] = command

    walk(cli.main, [])
    return found


# What each such command needs besides --format and --json.
NEEDS = {
    "report quarterly": ["--year", "2015-16"],
    "publish spend": ["--year", "2015-16", "--quarter", "2"],
    "publish contracts": ["--year", "2015-16", "--quarter", "2"],
    "publish payments": ["--year", "2015-16", "--quarter", "2"],
    "publish payment-performance": ["--half", "2015-16-H1"],
    "publish notice": ["1", "--type", "details"],
}


def test_every_command_with_format_and_json_is_listed_here():
    assert set(_commands_with_format_and_json()) == set(NEEDS)


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_json_beside_another_format_is_a_usage_error(leeds: Calloff, name: str):
    command = _commands_with_format_and_json()[name]
    choice = next(p for p in command.params if "--format" in getattr(p, "opts", []))
    assert isinstance(choice.type, click.Choice)
    for fmt in choice.type.choices:
        args = [*name.split(), *NEEDS[name], "--format", str(fmt), "--json"]
        if fmt == "json":
            assert leeds(*args).exit_code in (0, 1)  # the same thing asked twice is fine
            continue
        said = leeds.refused(*args, code=2)
        assert said.startswith(f"Error: --json and --format {fmt} disagree: give one of them")
        assert said.endswith(f"{name} --help')")


def test_report_json_alone_or_with_format_json_is_the_json_report(leeds: Calloff):
    alone = leeds.json("report", "quarterly", "--year", "2015-16")
    both = leeds.json("report", "quarterly", "--year", "2015-16", "--format", "json")
    assert alone == both and "quarters" in alone
