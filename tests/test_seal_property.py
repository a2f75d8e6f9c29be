"""Issue 32, for every input: any single SQL edit of any record table, followed by any
ordinary command, is caught. Either the command refuses, or `audit verify` fails after it:
never both pass, so an edit can neither drive a decision unseen nor be sealed in."""

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import Calloff

# Ordinary commands, each of which succeeds on the untouched base.
COMMANDS = [
    ["provider", "add", "Elm Street Trainers"],
    [
        "request", "add", "--lot", "4", "--title", "More", "--start", "2016-03-01",
        "--end", "2016-03-02", "--value", "1000", "--on", "2016-02-01",
    ],
    ["allocate", "2", "--on", "2016-02-02"],
    ["rank", "set", "4", "2", "1", "3", "--on", "2016-02-01"],
    ["price", "set", "4", "1", "--day", "1100", "--on", "2016-02-01"],
    ["provider", "suspend", "1", "--reason", "quality review", "--on", "2016-02-01"],
    [
        "ceiling", "set", "--year", "2015-16", "--funding", "core", "--amount", "270000",
        "--on", "2016-02-01",
    ],
    [
        "spend", "add", "1", "--amount", "100", "--date", "2015-06-02", "--invoice", "X9",
    ],
]  # fmt: skip
TABLES = [
    "caps", "streams", "framework", "lots", "providers", "provider_status", "rankings",
    "ranking_history", "prices", "price_history", "requests", "calloffs", "changes",
    "daily_totals", "spend", "variations", "officers", "officer_entries", "passovers",
    "unavailability", "extensions", "authority", "publications",
]  # fmt: skip


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The Leeds journey of tests.test_audit, with one open request (2) to allocate."""
    db = tmp_path_factory.mktemp("base") / "calloff.db"
    run = Calloff(db)
    run.ok("init")
    for name in ("Alder Training", "Birch Practice Ltd", "Cedar Conferencing"):
        run.ok("provider", "add", name)
    run.ok("rank", "set", "4", "1", "2", "3")
    for provider, rate in (("1", "1000"), ("2", "1200"), ("3", "900")):
        run.ok("price", "set", "4", provider, "--day", rate)
    request = ["request", "add", "--lot", "4", "--title", "Deep dive", "--start"]
    run.ok(*request, "2015-06-01", "--value", "5000", "--on", "2015-05-02")
    run.ok("allocate", "1", "--on", "2015-05-03")
    run.ok("accept", "1", "--on", "2015-05-05")
    run.ok("funding", "confirm", "innovation", "--on", "2015-06-15")
    run.ok(*request, "2016-03-01", "--value", "700", "--on", "2016-01-20")
    return db


def _copy(source: Path, to: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(to)
    src.backup(dst)
    src.close()
    dst.close()


def _edit(db: Path, table: str, row: int, column: int, kind: str) -> bool:
    """One edit of one row: a value changed, the row deleted, or a copy inserted."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM [{table}] ORDER BY rowid")]
        if not rowids:
            return False
        rowid = rowids[row % len(rowids)]
        col = cols[column % len(cols)]
        if kind == "delete":
            conn.execute(f"DELETE FROM [{table}] WHERE rowid = ?", [rowid])
        elif kind == "copy":
            others = ", ".join(f"[{c}]" for c in cols)
            conn.execute(
                f"INSERT INTO [{table}] ({others}) SELECT {others} FROM [{table}] WHERE rowid = ?",
                [rowid],
            )
        else:
            conn.execute(
                f"UPDATE [{table}] SET [{col}] = CASE typeof([{col}]) "
                f"WHEN 'integer' THEN [{col}] + 1 WHEN 'real' THEN [{col}] + 1 "
                f"WHEN 'null' THEN '1' ELSE [{col}] || 'x' END WHERE rowid = ?",
                [rowid],
            )
        return True
    except sqlite3.IntegrityError:
        return False  # an edit the table's own constraints refuse changes nothing
    finally:
        conn.close()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_each_command_succeeds_untouched(base, tmp_path, command):
    db = tmp_path / "calloff.db"
    _copy(base, db)
    Calloff(db).ok(*command)
    Calloff(db).ok("audit", "verify")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=st.sampled_from(TABLES),
    row=st.integers(0, 50),
    column=st.integers(0, 20),
    kind=st.sampled_from(["update", "update", "delete", "copy"]),
    command=st.sampled_from(COMMANDS),
)
def test_an_edit_then_a_command_never_both_pass(base, tmp_path, table, row, column, kind, command):
    db = tmp_path / f"edit-{abs(hash((table, row, column, kind, tuple(command))))}.db"
    db.unlink(missing_ok=True)
    _copy(base, db)
    assume(_edit(db, table, row, column, kind))
    run = Calloff(db)
    done = run(*command)
    assert "Traceback" not in done.output
    if done.exit_code == 0:
        verdict = run("audit", "verify")
        assert verdict.exit_code == 1, (table, kind, command, verdict.output)
