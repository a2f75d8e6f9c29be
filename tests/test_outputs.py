"""Outputs cannot destroy: not the database by any name, not a file without --force."""

from __future__ import annotations

import json
import os

import pytest

from calloff.demo import leeds as demo
from calloff.errors import InvalidInput
from tests.conftest import snapshot


@pytest.fixture
def ordered(leeds, add_request):
    rid = add_request()
    leeds.ok("allocate", str(rid), "--on", "2015-05-02")
    return leeds


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_a_link_to_the_database_is_refused_as_the_database(ordered, tmp_path, link):
    target = tmp_path / "order.html"
    (os.link if link == "hard" else os.symlink)(ordered.db, target)
    before = ordered.db.read_bytes()
    for command in (["order", "1"], ["report", "quarterly", "--year", "2015-16"]):
        message = ordered.refused(*command, "--output", str(target), "--force", code=2)
        assert message.startswith(
            f"Error: --output {target} is the database (or a link to it): choose another file"
        )
    assert ordered.db.read_bytes() == before


def test_an_existing_file_is_replaced_only_with_force(ordered, tmp_path):
    target = tmp_path / "order.md"
    target.write_text("the officer's notes")
    message = ordered.refused("order", "1", "--output", str(target))
    assert message == (
        f"Error: {target} already exists: add --force to replace it, or choose another file"
    )
    assert target.read_text() == "the officer's notes"
    kept = tmp_path / "kept.md"
    os.link(target, kept)  # someone else's link to the old file
    ordered.ok("order", "1", "--output", str(target), "--force")
    assert "Call-off order" in target.read_text()
    assert kept.read_text() == "the officer's notes"  # replaced by rename, not rewritten
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_outputs_are_private_to_their_owner(ordered, tmp_path):
    old = os.umask(0o022)
    try:
        ordered.ok(
            "report",
            "quarterly",
            "--year",
            "2015-16",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "r.csv"),
        )
    finally:
        os.umask(old)
    assert (tmp_path / "r.csv").stat().st_mode & 0o777 == 0o600


def test_a_folder_or_missing_folder_as_output_is_one_line(ordered, tmp_path):
    before = snapshot(ordered.db)
    missing = tmp_path / "no-such" / "r.md"
    assert ordered.refused(
        "report", "quarterly", "--year", "2015-16", "--output", str(missing)
    ) == (f"Error: cannot write {missing}: No such file or directory")
    assert snapshot(ordered.db) == before


def test_a_demo_record_naming_other_files_is_not_believed(tmp_path):
    """A hand-made .calloff-demo listing calloff.db does not license deleting it."""
    (tmp_path / "calloff.db").write_text("the officer's database")
    (tmp_path / demo.MANIFEST).write_text(json.dumps({"files": ["calloff.db", "../x"]}))
    with pytest.raises(InvalidInput, match="holds files the demo did not write"):
        demo.run_demo(tmp_path)
    assert (tmp_path / "calloff.db").read_text() == "the officer's database"


def test_the_demo_replaces_its_own_earlier_output_only(tmp_path):
    demo.run_demo(tmp_path / "d")
    (tmp_path / "d" / "order-3.md").write_text("edited")
    demo.run_demo(tmp_path / "d")
    assert "Call-off order" in (tmp_path / "d" / "order-3.md").read_text()


def test_the_log_beside_a_linked_database_is_protected(ordered, tmp_path):
    """--db through a symbolic link: SQLite's -wal and -journal beside the real file count."""
    link = tmp_path / "via.db"
    link.symlink_to(ordered.db)
    before = ordered.db.read_bytes()
    for name in ("-wal", "-journal"):
        result = ordered.runner.invoke(
            __import__("calloff.cli").cli.main,
            ["--db", str(link), "order", "1", "--force", "--output", str(ordered.db) + name],
        )
        assert result.exit_code == 2 and "is the database" in result.stderr
    assert ordered.db.read_bytes() == before


def test_force_through_a_symbolic_link_writes_the_file_it_names(ordered, tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    ordered.ok("order", "1", "--output", str(link), "--force")
    assert link.is_symlink() and "Call-off order" in real.read_text()
