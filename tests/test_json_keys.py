"""Every key of every `--json` command is documented: a new key fails until docs list it.

docs/json.md has one section per command, headed with the command in backticks, plus
"Shape:" sections for the shapes several commands share; the report's keys are in
docs/reports.md. Keys under `streams` and `caps` are data (stream names, years), not keys.
"""

import re
from pathlib import Path

import pytest

from tests.conftest import Calloff, make_borsetshire

DOCS = Path(__file__).resolve().parent.parent / "docs"
# Keys under these are names (streams, criteria), years or recorded values, not keys.
MAPS = {"streams", "caps", "before", "after", "weights", "scores", "criterion_scores"}


def keys_of(value, parent=None):
    found = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if parent not in MAPS:
                found.add(key)
            found |= keys_of(inner, key)
    elif isinstance(value, list):
        for inner in value:
            found |= keys_of(inner, parent)
    return found


def documented(path: Path) -> dict[str, set[str]]:
    """Backticked names per section; a section is headed `## ...` or `### ...`."""
    sections: dict[str, set[str]] = {"": set()}
    current = ""
    for line in path.read_text().splitlines():
        heading = re.match(r"#{2,3} (.*)", line)
        if heading:
            current = heading.group(1).strip()
            sections[current] = set()
        else:
            sections[current] |= set(re.findall(r"`([A-Za-z_0-9]+)`", line))
    return sections


def chapter(path: Path, title: str) -> set[str]:
    """Backticked names under `## title`, its subsections included."""
    text = path.read_text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Za-z_0-9]+)`", text))


def allowed(command: str) -> set[str]:
    sections = documented(DOCS / "json.md")
    titles = [t for t in sections if re.search(rf"`calloff {command} --json`", t)]
    assert titles, f"docs/json.md has no section headed `calloff {command} --json`"
    mine = {k for t in titles for k in sections[t]}
    shared = {k for title, keys in sections.items() if title.startswith("Shape:") for k in keys}
    return mine | shared


@pytest.fixture
def outputs(leeds, tmp_path):
    """Each --json command's output, from a database that has a bit of everything."""
    out: dict[str, list] = {}
    # Every command that takes --json appears here: test_every_json_command_is_run checks.

    def run(name, *args, officer="officer.a"):
        out.setdefault(name, []).append(leeds.json(*args, officer=officer))

    run("framework", "framework")
    run("framework ocid-prefix", "framework", "ocid-prefix", "ocds-abc123", "--replace")
    run("provider add", "provider", "add", "Dogwood Ltd")
    run(
        "provider edit",
        "provider",
        "edit",
        "Dogwood Ltd",
        "--companies-house",
        "01234567",
        "--sme",
        "--on",
        "2015-04-02",
    )
    run("provider show", "provider", "show", "Dogwood Ltd")
    run("provider list", "provider", "list")
    run("rank show", "rank", "show", "4")
    run(
        "request add",
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "a",
        "--start",
        "2015-06-01",
        "--value",
        "5000",
        "--on",
        "2015-05-01",
    )
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "b",
        "--start",
        "2015-11-02",
        "--value",
        "30000",
        "--on",
        "2015-05-01",
    )
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "c",
        "--start",
        "2015-07-01",
        "--value",
        "2000",
        "--on",
        "2015-05-01",
    )
    run("request list", "request", "list")
    run("allocate", "allocate", "1", "--on", "2015-05-01")
    run("decline", "decline", "1", "--reason", "busy", "--on", "2015-05-02")
    run("accept", "accept", "2", "--on", "2015-05-03", "--po", "PO-1001")
    run("po", "po", "2", "PO-1002", "--on", "2015-05-03")
    run("vary", "vary", "2", "--value", "5500", "--reason", "r", "--on", "2015-05-04")
    run(
        "spend add",
        "spend",
        "add",
        "2",
        "--amount",
        "1000",
        "--date",
        "2015-06-02",
        "--invoice",
        "I1",
        "--received",
        "2015-06-03",
    )
    run("spend pay", "spend", "pay", "I1", "--on", "2015-06-20")
    run("complete", "complete", "2", "--on", "2015-06-30")
    run("allocate", "allocate", "2", "--on", "2015-05-05")
    run("approvals", "approvals")
    run("reject", "reject", "3", "--reason", "not now", "--on", "2015-05-06", officer="officer.b")
    leeds.ok("allocate", "2", "--on", "2015-05-07")
    run("approve", "approve", "4", "--on", "2015-05-08", officer="officer.b")
    run("allocate", "allocate", "3", "--on", "2015-05-09")
    run("offers", "offers")
    run("lapse", "lapse", "--on", "2015-05-20")
    run("cancel", "cancel", "6", "--reason", "r", "--on", "2015-05-21")
    for cid in range(1, 7):
        run("show", "show", str(cid))
    run("headroom", "headroom", "--year", "2015-16")
    run("headroom", "headroom", "--year", "2016-17")
    run("term", "term")
    run("term extend", "term", "extend", "--on", "2016-03-01")
    run("audit", "audit")
    run("audit verify", "audit", "verify")
    head = out["audit verify"][0]["head"]
    run("audit verify", "audit", "verify", "--expect", head)
    run("audit anchor", "audit", "anchor")
    run("backup", "backup", str(tmp_path / "backup.db"))
    run("report quarterly", "report", "quarterly", "--year", "2015-16")
    for name in ("spend", "contracts", "payments"):
        run(f"publish {name}", "publish", name, "--year", "2015-16", "--quarter", "1")
    run("publish payment-performance", "publish", "payment-performance", "--half", "2015-16-H1")
    run("publish notice", "publish", "notice", "2", "--type", "details")
    run("published", "published", "calloff-2-details", "--on", "2015-05-10", "--reference", "x")
    run("due", "due", "--on", "2015-12-01", "--all")
    run("officer add", "officer", "add", "c.cover", "--name", "C Cover", "--role", "approver",
        "--limit", "10000", "--email", "c.cover@example.gov.uk", "--on", "2015-04-01")  # fmt: skip
    run("officer edit", "officer", "edit", "c.cover", "--limit", "20000", "--on", "2015-05-01")
    run("officer delegate", "officer", "delegate", "officer.b", "--to", "c.cover", "--from",
        "2015-08-01", "--until", "2015-08-14", "--reason", "leave")  # fmt: skip
    run("officer delegations", "officer", "delegations")
    run("officer show", "officer", "show", "c.cover")
    run("officer list", "officer", "list")
    run("officer leave", "officer", "leave", "c.cover", "--reason", "moved on")
    run("notify send", "notify", "send", "--on", "2015-05-19")
    run("notify list", "notify", "list")
    competitions(make_borsetshire(Calloff(tmp_path / "b.db")), out)
    return out


def competitions(b, out):
    """Every competition command, on the Borsetshire framework (lot 2: either)."""

    def run(name, *args, officer="officer.a"):
        out.setdefault(name, []).append(b.json(*args, officer=officer))

    for value in ("10000", "60000"):
        b.ok("request", "add", "--lot", "2", "--title", "t", "--start", "2026-09-01",
             "--value", value, "--on", "2026-05-01")  # fmt: skip
    run("competition open", "competition", "open", "1", "--closes", "2026-05-15",
        "--on", "2026-05-01", "--weights", "quality=65,price=35")  # fmt: skip
    run("competition bid", "competition", "bid", "1", "1", "--price", "9000",
        "--score", "quality=70", "--on", "2026-05-02")  # fmt: skip
    run("competition no-bid", "competition", "no-bid", "1", "2", "--reason", "busy",
        "--on", "2026-05-02")  # fmt: skip
    run("competition show", "competition", "show", "1")
    run("competition award", "competition", "award", "1", "--on", "2026-05-18")
    run("competition list", "competition", "list")
    run("show", "show", "1")
    b.ok("competition", "open", "2", "--closes", "2026-05-15", "--on", "2026-05-01")
    run("competition cancel", "competition", "cancel", "2", "--reason", "r", "--on", "2026-05-03")


def test_every_json_key_is_documented(outputs):
    missing = {}
    for command, results in outputs.items():
        keys = set().union(*(keys_of(r) for r in results))
        if command == "report quarterly":
            known = chapter(DOCS / "reports.md", "JSON keys")
        elif command.startswith("publish "):
            known = chapter(DOCS / "publishing.md", "JSON keys")
        else:
            known = allowed(command)
        if keys - known:
            missing[command] = sorted(keys - known)
    assert not missing, f"JSON keys the docs do not list: {missing}"


def test_the_checker_would_catch_an_undocumented_key(outputs):
    """The test above can fail: a made-up key is not in the docs."""
    assert "no_such_key_anywhere" not in allowed("show")
    assert keys_of({"streams": {"core": {"cap": 1}}, "x": [{"y": 1}]}) == {
        "streams",
        "cap",
        "x",
        "y",
    }


def test_every_json_command_is_run(outputs):
    """No command with a --json option escapes the check above."""
    import click

    from calloff import cli

    def walk(group, prefix=()):
        for name, command in group.commands.items():
            path = (*prefix, name)
            if isinstance(command, click.Group):
                yield from walk(command, path)
                if any(p.name == "as_json" for p in command.params):
                    yield " ".join(path)
            elif any(p.name == "as_json" for p in command.params):
                yield " ".join(path)

    assert set(walk(cli.main)) <= set(outputs)
