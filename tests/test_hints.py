"""Every hint in an error names a command that exists, and the term hint works as given."""

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from calloff import cli

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    ROOT / "cli.py",
    *sorted((ROOT / "framework").rglob("*.py")),
    *sorted((ROOT / "templates").glob("*.j2")),
]
HINT = re.compile(r"`calloff ([^`]*)`")


def _strings(path: Path) -> list[str]:
    """Every string literal in a module, f-string pieces joined with a placeholder; a
    template's whole text."""
    if path.suffix == ".j2":
        return [re.sub(r"{{.*?}}", "{}", path.read_text())]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.JoinedStr):
            found.append(
                "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            )
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
    calloff.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "t",
        "--start",
        "2016-05-01",
        "--value",
        "1000",
        "--on",
        "2016-04-02",
    )
    calloff.ok(
        "ceiling",
        "set",
        "--year",
        "2016-17",
        "--funding",
        "core",
        "--amount",
        "260000",
        "--on",
        "2016-04-01",
    )
    message = calloff.refused("allocate", "1", "--on", "2016-04-04")
    hinted = re.search(r"`calloff ([^`]*)`", message).group(1)
    assert hinted == "term extend --on 2016-03-31"
    calloff.ok(*hinted.split())
    assert calloff.json("allocate", "1", "--on", "2016-04-04")["status"] == "offered"


def test_no_hint_to_extend_past_the_latest_possible_end(calloff):
    calloff.ok("init")
    calloff.ok("provider", "add", "Alder Training")
    calloff.ok("rank", "set", "4", "1")
    calloff.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "t",
        "--start",
        "2019-05-01",
        "--value",
        "1000",
        "--on",
        "2019-04-02",
    )
    message = calloff.refused("allocate", "1", "--on", "2019-04-04")
    assert "term extend" not in message
    assert "the latest possible end is 2018-03-31" in message


def test_the_pending_funding_hint_is_dated_so_the_allocation_then_works(leeds):
    """Confirming 'today' could never cover a back-dated allocation: the hint gives the day."""
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "g",
        "--start",
        "2015-09-01",
        "--value",
        "1000",
        "--funding",
        "innovation",
    )
    message = leeds.refused("allocate", "1", "--on", "2015-08-10")
    hinted = re.search(r"`calloff ([^`]*)`", message).group(1)
    assert hinted == "funding confirm innovation --on 2015-08-10"
    leeds.ok(*hinted.split())
    assert leeds.json("allocate", "1", "--on", "2015-08-10")["status"] == "offered"


def test_the_overdue_hint_after_the_term_lapses_on_the_day_it_became_overdue(leeds):
    """Run as printed, the lapse cascades to the next provider inside the term."""
    leeds.ok(
        "request", "add", "--lot", "4", "--title", "t", "--start", "2015-07-01", "--value", "1000"
    )
    leeds.json("allocate", "1", "--on", "2015-06-05")  # Friday: respond by Wednesday 10th
    offers = leeds.json("offers")
    assert offers[0]["lapse_command"] == "calloff lapse --on 2015-06-11"
    assert "run `calloff lapse --on 2015-06-11`" in leeds.ok("offers").stdout
    assert "run `calloff lapse --on 2015-06-11`" in leeds.ok("show", "1").stdout
    leeds.ok(*offers[0]["lapse_command"].split()[1:])
    after = leeds.json("show", "2")
    assert (after["name"], after["raised_on"]) == ("Birch Practice Ltd", "2015-06-11")


def test_every_call_off_json_says_how_overdue_it_is(leeds):
    """approve --json and show --json agree on the same offer at the same moment."""
    leeds.ok(
        "request", "add", "--lot", "4", "--title", "t", "--start", "2015-11-02", "--value", "30000"
    )
    leeds.json("allocate", "1", "--on", "2015-10-01")
    approved = leeds.json("approve", "1", "--on", "2015-10-02", officer="officer.b")
    shown = leeds.json("show", "1")
    assert approved["overdue_working_days"] == shown["overdue_working_days"] > 0
    assert approved["lapse_command"] == shown["lapse_command"] == "calloff lapse --on 2015-10-08"
