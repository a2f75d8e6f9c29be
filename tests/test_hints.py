"""Every hint in an error names a command that exists, and the term hint works as given."""

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "cli.py", *sorted((ROOT / "framework").glob("*.py")),
           *sorted((ROOT / "templates").glob("*.j2"))]
HINT = re.compile(r"`calloff ([^`]*)`")


def _strings(path: Path) -> list[str]:
    """Every string literal in a module, f-string pieces joined with a placeholder; a
    template's whole text."""
    if path.suffix == ".j2":
        return [re.sub(r"{{.*?}}", "{}", path.read_text())]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.JoinedStr):
            found.append("".join(v.value if isinstance(v, ast.Constant) else "{}"
                                 for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return found


def _hints() -> set[str]:
    """The command path of each hint: its words up to the first option or placeholder."""
    text = "\n".join(s for path in SOURCES for s in _strings(path))
    # Hints are often split over two literals; join adjacent ones as Python does.
    text = re.sub(r"`\n", "`", text)
    paths = set()
    for hint in HINT.findall(text.replace("\n", "")):
        words = []
        for word in hint.split():
            if word.startswith("-") or "{" in word or not word.islower() or word == "|":
                break
            words.append(word)
        if words:
            paths.add(" ".join(words))
    return paths


def test_the_source_holds_hints():
    hints = _hints()
    assert {"lapse", "term extend", "record", "approve", "ceiling set"} <= hints


@pytest.mark.parametrize("command", sorted(_hints()))
def test_every_hinted_command_exists(command):
    result = CliRunner().invoke(cli.main, [*command.split(), "--help"])
    assert result.exit_code == 0, f"`calloff {command}` is suggested but: {result.output}"


def test_the_term_hint_after_expiry_is_a_command_that_works(calloff):
    """Leeds ended 2016-03-31 with two extensions left: the refusal's hint must succeed."""
    calloff.ok("init")
    calloff.ok("provider", "add", "Alder Training")
    calloff.ok("rank", "set", "4", "1")
    calloff.ok("request", "add", "--lot", "4", "--title", "t", "--start", "2016-05-01",
               "--value", "1000", "--on", "2016-04-02")
    calloff.ok("ceiling", "set", "--year", "2016-17", "--funding", "core", "--amount", "260000",
               "--on", "2016-04-01")
    message = calloff.refused("allocate", "1", "--on", "2016-04-04")
    hinted = re.search(r"`calloff ([^`]*)`", message).group(1)
    assert hinted == "term extend --on 2016-03-31"
    calloff.ok(*hinted.split())
    assert calloff.json("allocate", "1", "--on", "2016-04-04")["status"] == "offered"


def test_no_hint_to_extend_past_the_latest_possible_end(calloff):
    calloff.ok("init")
    calloff.ok("provider", "add", "Alder Training")
    calloff.ok("rank", "set", "4", "1")
    calloff.ok("request", "add", "--lot", "4", "--title", "t", "--start", "2019-05-01",
               "--value", "1000", "--on", "2019-04-02")
    message = calloff.refused("allocate", "1", "--on", "2019-04-04")
    assert "term extend" not in message
    assert "the latest possible end is 2018-03-31" in message
