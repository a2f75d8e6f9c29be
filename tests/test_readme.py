"""The README's tour runs: its ```console blocks, pasted in order into an empty folder.

Every ```console block in README.md is one part of a single session. A line starting
`$ ` is a command (a line ending ` \\` continues on the next; a heredoc, `<<'EOF'` ...
`EOF`, belongs to its command); the lines after it, up to the next command or the end of
the block, are what it prints. A line that is only `...` stands for any run of lines, and
`...` inside a line for any text on that line: the places where the real output varies
from run to run (recorded times, audit hashes). A command whose shown output has an
`Error:` line must exit 1 with that message; every other command must exit 0 and print
exactly what is shown. `export NAME=VALUE` applies to the commands after it.

Deliberately not marked `slow`: it is the README's guard, so it runs wherever the suite runs.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
EXPORT = re.compile(r"export\s+([A-Za-z_][A-Za-z0-9_]*=.*)")


@dataclass
class Step:
    script: str  # what bash runs: the command, its continuation lines and any heredoc
    expected: list[str]  # what the README shows it printing
    line: int  # where the command starts in README.md

    @property
    def refused(self) -> bool:
        return any(x.startswith("Error:") for x in self.expected)


def console_blocks(text: str) -> list[tuple[int, list[str]]]:
    """Each ```console block: the README line number of its first line, and its lines."""
    blocks: list[tuple[int, list[str]]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            start, body = i + 2, []
            i += 1
            while lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            blocks.append((start, body))
        i += 1
    return blocks


def steps(text: str) -> list[Step]:
    """The tour's commands in order, each with the output the README shows."""
    out: list[Step] = []
    for start, body in console_blocks(text):
        i = 0
        assert body and body[0].startswith("$ "), f"README.md:{start}: a block starts with `$ `"
        while i < len(body):
            line_no = start + i
            script = [body[i][2:]]
            while script[-1].endswith(" \\"):
                i += 1
                script.append(body[i])
            i += 1
            heredoc = HEREDOC.search(" ".join(script))
            if heredoc:
                while body[i] != heredoc.group(2):
                    script.append(body[i])
                    i += 1
                script.append(body[i])
                i += 1
            expected = []
            while i < len(body) and not body[i].startswith("$ "):
                expected.append(body[i])
                i += 1
            while expected and not expected[-1].strip():
                expected.pop()
            out.append(Step("\n".join(script), expected, line_no))
    return out


def matches(expected: list[str], actual: str) -> bool:
    """`actual` is what `expected` shows: `...` alone is any run of lines, within a line
    any text; trailing spaces are not compared."""
    pattern = ""
    for line in expected:
        if line.strip() == "...":
            pattern += r"(?:[^\n]*\n)*?"
        else:
            pattern += r"[^\n]*?".join(map(re.escape, line.rstrip().split("..."))) + r"\n"
    text = "".join(x.rstrip() + "\n" for x in actual.rstrip("\n").split("\n")) if actual else ""
    return re.fullmatch(pattern, text) is not None


def environment() -> dict[str, str]:
    """The caller's environment without calloff's own settings, with the installed
    `calloff` first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLOFF_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def test_the_tour_runs_as_written(tmp_path):
    tour = steps(README.read_text(encoding="utf-8"))
    assert len(tour) >= 60, "the tour has lost its commands"
    assert tour[0].script == "calloff init", "the tour makes its own database first"
    assert not any(tmp_path.iterdir()), "the tour starts in an empty folder"
    env = environment()
    for step in tour:
        exported = EXPORT.fullmatch(step.script)
        if exported:
            name, value = exported.group(1).split("=", 1)
            env[name] = shlex.split(value)[0] if value else ""
            continue
        run = subprocess.run(
            ["bash", "-c", step.script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )
        actual = run.stdout + run.stderr if step.refused else run.stdout
        want = 1 if step.refused else 0
        if run.returncode != want or not matches(step.expected, actual):
            shown = "\n".join(step.expected)
            pytest.fail(
                f"README.md:{step.line}: $ {step.script}\n"
                f"exit {run.returncode} (expected {want})\n"
                f"--- expected\n{shown}\n--- actual stdout\n{run.stdout}\n"
                f"--- actual stderr\n{run.stderr}",
                pytrace=False,
            )


CREATES_CALLOFF = re.compile(r'^Call-off (\d+): request|"calloff": (\d+)', re.M)
CREATES_REQUEST = re.compile(r"^Request (\d+) recorded", re.M)
USES_CALLOFF = re.compile(
    r"calloff (?:--officer \S+ )?(?:decline|accept|show|order|record|approve|reject|vary|"
    r"complete|cancel|spend add) (\d+)|--calloff (\d+)"
)
USES_REQUEST = re.compile(r"calloff (?:--officer \S+ )?allocate (\d+)")


def test_the_tour_uses_only_ids_it_created():
    """No command names a call-off or request the tour has not yet made itself (the old
    tour borrowed the demo database's)."""
    calloffs: set[str] = set()
    requests: set[str] = set()
    for step in steps(README.read_text(encoding="utf-8")):
        for used in USES_CALLOFF.findall(step.script):
            assert set(used) - {""} <= calloffs, f"README.md:{step.line}: {step.script}"
        for used in USES_REQUEST.findall(step.script):
            assert used in requests, f"README.md:{step.line}: {step.script}"
        shown = "\n".join(step.expected)
        calloffs |= {a or b for a, b in CREATES_CALLOFF.findall(shown)}
        requests |= set(CREATES_REQUEST.findall(shown))
        if "request add" in step.script and step.script.rstrip().endswith("--json"):
            requests |= set(re.findall(r'^  "id": (\d+)', shown, re.M))
    assert calloffs >= {"1", "2"} and requests >= {"1", "2"}, "the tour creates its own"


def test_ellipsis_matching():
    assert matches(["a", "...", "d"], "a\nb\nc\nd\n")
    assert matches(["a", "...", "b"], "a\nb")
    assert matches(["x ... z"], "x yyy z")
    assert not matches(["a", "b"], "a\nc")
    assert not matches(["x ... z"], "x y\nz")
    assert matches([], "")
