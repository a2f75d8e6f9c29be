"""Help that helps: `calloff` alone, short help that fits, `--db` wherever it is typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from calloff import cli


def commands(group: click.Group, path: tuple[str, ...] = ()):
    """Every command and group under `group`, with the words that reach it."""
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def test_calloff_alone_prints_the_help_not_an_error():
    result = CliRunner().invoke(cli.main, [], prog_name="calloff")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: calloff [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in result.stdout and "allocate" in result.stdout
    assert result.stderr == ""


def test_a_group_alone_prints_its_help():
    result = CliRunner().invoke(cli.main, ["provider"], prog_name="calloff")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: calloff provider [OPTIONS] COMMAND [ARGS]...")
    assert "unavailable" in result.stdout


def test_every_short_help_fits_an_80_column_terminal():
    """No command's description is cut off with "..." in its group's listing."""
    groups = [(), *(p for p, c in commands(cli.main) if isinstance(c, click.Group))]
    for path in groups:
        out = CliRunner().invoke(cli.main, [*path, "--help"], terminal_width=80).stdout
        listing = out.split("Commands:")[1] if "Commands:" in out else ""
        cut = [line for line in listing.splitlines() if line.endswith("...")]
        assert not cut, (path, cut)


def test_every_command_takes_db_and_officer_after_its_name():
    for path, command in commands(cli.main):
        names = {o for p in command.params for o in getattr(p, "opts", [])}
        assert {"--db", "--officer"} <= names, path


def test_db_after_the_command_is_the_database_used(calloff, tmp_path):
    other = tmp_path / "after.db"
    runner = CliRunner()
    assert runner.invoke(cli.main, ["init", "--db", str(other)]).exit_code == 0
    result = runner.invoke(cli.main, ["headroom", "--year", "2015-16", "--db", str(other)])
    assert result.exit_code == 0, result.output
    assert "headroom £260,000.00" in result.stdout
    missing = runner.invoke(cli.main, ["headroom", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1
    assert "no calloff database at " in missing.stderr and "none.db" in missing.stderr


def test_db_after_the_command_wins_over_the_one_before_it(calloff, tmp_path):
    """`calloff --db a.db provider add X --db b.db` writes to b.db, and only there."""
    calloff.ok("init")
    other = tmp_path / "b.db"
    runner = CliRunner()
    assert runner.invoke(cli.main, ["--db", str(other), "init"]).exit_code == 0
    args = ["--db", str(calloff.db), "provider", "add", "Fernhill Learning", "--db", str(other)]
    assert runner.invoke(cli.main, args).exit_code == 0
    assert calloff.json("provider", "list") == []
    names = runner.invoke(cli.main, ["--db", str(other), "provider", "list", "--json"]).stdout
    assert "Fernhill Learning" in names


def test_officer_after_the_command_is_who_the_audit_trail_names(calloff):
    calloff.ok("init")
    calloff.register("officer.after", "admin")
    calloff.ok("provider", "add", "Fernhill Learning", "--officer", "officer.after")
    events = calloff.json("audit")
    assert events[-1]["officer"] == "officer.after"
    assert (
        events[-1]["account"] == "officer.a"
        and events[-1]["acted"] == "officer.a for officer.after"
    )


def test_shell_completion_is_generated_by_the_installed_command(tmp_path):
    """README documents `_CALLOFF_COMPLETE=bash_source calloff`: it must produce a script."""
    exe = Path(sys.executable).parent / "calloff"
    env = {"_CALLOFF_COMPLETE": "bash_source", "PATH": str(exe.parent)}
    out = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "_calloff_completion" in out.stdout and "complete " in out.stdout


def test_options_without_a_command_print_the_help(tmp_path):
    """`calloff --db f.db` and `calloff request --db f.db` name no command: the help."""
    for args in (["--db", str(tmp_path / "f.db")], ["request", "--db", str(tmp_path / "f.db")]):
        result = CliRunner().invoke(cli.main, args, prog_name="calloff")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Usage: calloff") and "Commands:" in result.stdout
    assert not (tmp_path / "f.db").exists()


def test_the_version_is_the_one_pyproject_declares():
    import tomllib

    import calloff

    root = Path(__file__).resolve().parent.parent
    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    assert calloff.__version__ == declared
    assert CliRunner().invoke(cli.main, ["--version"]).stdout.strip().endswith(declared)


def test_completion_offers_the_embedded_frameworks(tmp_path):
    exe = Path(sys.executable).parent / "calloff"
    env = {
        "_CALLOFF_COMPLETE": "bash_complete",
        "COMP_WORDS": "calloff init --framework not",
        "COMP_CWORD": "3",
        "PATH": str(exe.parent),
    }
    out = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "nottingham-rp-2023" in out.stdout and "leeds-rp-2015" not in out.stdout


def test_the_demo_names_the_program_so_it_runs_as_printed(tmp_path, monkeypatch):
    """Started as `./calloff` from its own folder, and not on PATH, the demo's hints say
    `./calloff`, which the shell finds, not `calloff`, which it does not."""
    program = tmp_path / "calloff"
    program.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["./calloff", "demo"])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert cli._program() == "./calloff"
    monkeypatch.chdir(tmp_path.parent)
    monkeypatch.setattr(sys, "argv", [str(program), "demo"])
    assert cli._program() == f"{tmp_path.name}/calloff"


def test_request_list_names_each_requests_latest_call_off(calloff):
    """`show 99` says to find call-off numbers in `request list`: they are there."""
    calloff.ok("init")
    calloff.ok("provider", "add", "Alder Training")
    calloff.ok("rank", "set", "4", "1")
    for title in ("Deep dive", "Briefings"):
        calloff.ok(
            "request",
            "add",
            "--lot",
            "4",
            "--title",
            title,
            "--start",
            "2015-06-10",
            "--value",
            "100",
        )
    calloff.ok("allocate", "1", "--on", "2015-06-01")
    lines = calloff.ok("request", "list").stdout.splitlines()
    assert "offered" in lines[0] and "call-off 1" in lines[0] and "Deep dive" in lines[0]
    assert "call-off" not in lines[1] and "Briefings" in lines[1]


def test_importing_the_library_leaves_sqlite_utils_alone():
    """Hiding pandas from sqlite-utils is the command's start-up trick, not the library's."""
    code = (
        "import sys, calloff, calloff.api\n"
        "from calloff.startup import LeanSqliteUtils\n"
        "print(any(isinstance(f, LeanSqliteUtils) for f in sys.meta_path))\n"
        "import calloff.cli\n"
        "print(any(isinstance(f, LeanSqliteUtils) for f in sys.meta_path) or "
        "'sqlite_utils.db' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "True"], out.stderr
