"""A database from the first release upgrades in place, after a backup; a newer one is refused."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from calloff.store import schema
from tests.conftest import Calloff

V1 = Path(__file__).parent / "data" / "calloff-v1.db"


@pytest.fixture
def old(tmp_path):
    path = tmp_path / "calloff.db"
    shutil.copyfile(V1, path)
    return Calloff(path)


def _version(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _dump(path):
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_first_release_database_upgrades_in_place_with_a_backup(old):
    """Opening a v1 file upgrades it; the backup beside it is the untouched original."""
    assert _version(old.db) == 1
    head = old.json("headroom", "--year", "2015-16")
    assert head["committed"] == "9700.00" and head["spent"] == "3600.00"
    assert _version(old.db) == schema.SCHEMA_VERSION
    backup = old.db.with_name("calloff.db.v1.bak")
    assert _dump(backup) == _dump(V1)  # every table, row and index of the original
    assert sqlite3.connect(backup).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert (backup.stat().st_mode & 0o777) == 0o600
    assert old.json("show", "2")["spent"] == "3600.00"
    assert old.json("audit", "verify")["ok"] is True


def test_upgraded_database_takes_new_features(old):
    """After the upgrade, approvals work on old and new call-offs alike."""
    old.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "Big",
        "--start",
        "2015-09-01",
        "--value",
        "40000",
        "--on",
        "2015-08-01",
    )
    assert old.json("allocate", "3", "--on", "2015-08-01")["status"] == "awaiting_approval"
    assert old.json("show", "3")["needs_approval"] is False  # the v1 offer of £2,500


def test_a_failed_upgrade_leaves_the_file_as_it_was(old, monkeypatch):
    """A migration that fails rolls back whole: still v1, same bytes in the data."""

    def broken(db):
        db.execute("ALTER TABLE calloffs ADD COLUMN needs_approval INTEGER")
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(schema.MIGRATIONS, 1, broken)
    result = old("headroom")
    assert result.exit_code == 1 and "disk on fire" in result.stderr
    assert _version(old.db) == 1
    conn = sqlite3.connect(old.db)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(calloffs)")]
    conn.close()
    assert "needs_approval" not in columns


def test_a_database_from_a_newer_calloff_is_refused(old):
    """A schema newer than this calloff knows is refused with a clear message, untouched."""
    conn = sqlite3.connect(old.db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = old.db.read_bytes()
    result = old("headroom")
    assert result.exit_code == 1
    assert "written by a newer calloff (schema 99" in result.stderr
    assert old.db.read_bytes() == before


def test_the_upgrade_is_announced_audited_and_keeps_earlier_backups(old, monkeypatch):
    """The officer is told, the trail records it, and a second upgrade never overwrites."""
    backup = old.db.with_name("calloff.db.v1.bak")
    backup.write_text("an earlier backup the officer keeps")
    monkeypatch.setattr("calloff.domain.officers.process_account", lambda: "upgrader")
    result = old("headroom", officer="upgrader")
    assert result.exit_code == 0
    assert "Upgraded" in result.stderr and "calloff.db.v1.2.bak" in result.stderr
    assert backup.read_text() == "an earlier backup the officer keeps"
    assert _dump(old.db.with_name("calloff.db.v1.2.bak")) == _dump(V1)
    trail = old.json("audit", officer="upgrader")
    assert [e["action"] for e in trail[-2:]] == ["database.upgrade", "officer.add"]
    # The account upgrading is the register's first officer, with every role; the names
    # in the trail from before the register are kept as they were, "not registered".
    assert trail[-1]["object_id"] == "upgrader" and trail[-1]["after"]["roles"] == [
        "officer", "approver", "finance", "auditor", "admin"
    ]  # fmt: skip
    earlier = {e["officer"] for e in trail[:-2]} - {"calloff"}
    assert earlier and "upgrader" not in earlier
    assert all(
        e["acted"].endswith("(not registered)") for e in trail[:-2] if e["officer"] in earlier
    )
    assert (old.db.stat().st_mode & 0o777) == 0o600


V3 = Path(__file__).parent / "data" / "calloff-v3.db"


@pytest.fixture
def v3(tmp_path):
    path = tmp_path / "calloff.db"
    shutil.copyfile(V3, path)
    return Calloff(path)


def _figures(report):
    return [
        (
            q["quarter"],
            q["committed"],
            q["spent_in_quarter"],
            q["headroom"],
            [
                (x["lot"], x["provider"], x["committed"], x["spent_year_to_date"])
                for x in q["lines"]
            ],
        )
        for q in report["quarters"]
    ]


def test_a_schema_3_database_upgrades_to_the_incremental_seal(v3):
    conn = sqlite3.connect(v3.db)
    before = conn.execute("SELECT SUM(delta_pence) FROM changes").fetchone()[0]
    conn.close()
    report = v3.json("report", "quarterly", "--year", "2015-16")
    assert _version(v3.db) == schema.SCHEMA_VERSION
    assert v3.json("audit", "verify")["ok"] is True
    conn = sqlite3.connect(v3.db)
    assert conn.execute("SELECT SUM(committed_pence) FROM daily_totals").fetchone()[0] == before
    conn.close()
    # The figures are those the previous release printed for the same database.
    import json

    previous = json.loads((Path(__file__).parent / "data" / "calloff-v3-report.json").read_text())
    assert _figures(report) == _figures(previous)
    # And it takes new writes, sealed incrementally.
    v3.ok("provider", "add", "Rowan Practice Ltd")
    assert v3.json("audit", "verify")["ok"] is True


def test_an_edit_before_the_upgrade_is_not_sealed_in_by_it(v3):
    conn = sqlite3.connect(v3.db)
    conn.execute("UPDATE caps SET amount_pence = amount_pence + 1")
    conn.commit()
    conn.close()
    v3.ok("headroom")  # opening upgrades it
    result = v3("audit", "verify")
    assert result.exit_code == 1
    assert "the caps record(s) changed outside calloff" in result.stderr
    assert "before this database was upgraded" in result.stderr


def test_an_upgraded_database_has_what_publication_needs(old):
    """Schema 6: Leeds takes its regime and service area from its embedded definition;
    the invoice recorded before (Birch, standard-rated, £3,600.00) gets 20% VAT and stays
    unpaid until `spend pay` records its payment, which the spend file then shows."""
    fw = old.json("framework")
    assert (fw["regime"], fw["light_touch"], fw["service_area"]) == (
        "pcr2015",
        False,
        "Children's Services",
    )
    assert old.json("publish", "spend", "--year", "2015-16", "--quarter", "2")["rows"] == []
    paid = old.json("spend", "pay", "B-1", "--on", "2015-07-15")
    assert (paid["amount"], paid["vat"], paid["received"]) == ("3600.00", "720.00", None)
    rows = old.json("publish", "spend", "--year", "2015-16", "--quarter", "2")["rows"]
    assert [(r["invoice"], r["amount"], r["payment_date"]) for r in rows] == [
        ("B-1", "3600.00", "2015-07-15")
    ]
    provider = old.json("provider", "show", "Birch Practice Ltd")
    assert provider["companies_house"] is None and provider["sme"] is None
    assert old.json("audit", "verify")["ok"] is True


def test_an_upgraded_database_has_open_data_and_a_calendar(old):
    """Schema 7: Leeds takes its OCDS prefix from its embedded definition, gets an empty
    record of publications, and its calendar and package work at once."""
    assert old.json("framework")["ocid_prefix"] == "ocds-fake01"
    assert _version(old.db) == schema.SCHEMA_VERSION
    calendar = old.json("due", "--on", "2015-08-01")
    assert calendar["published"] == 0 and calendar["open"] > 0
    first = calendar["items"][0]["item"]
    old.ok("published", first, "--on", "2015-08-01")
    assert old.json("due", "--on", "2015-08-01")["published"] == 1
    releases = json.loads(old.ok("publish", "ocds").stdout)["releases"]
    assert releases[0]["ocid"] == "ocds-fake01-leeds-rp-2015"
    assert old.json("audit", "verify")["ok"] is True


def test_an_upgraded_database_awards_by_the_ranking_as_before(old):
    """Schema 8: every lot of an older database stays `ranked`, with no criteria and no
    standstill; a competition is refused there and the ranking works as it did."""
    fw = old.json("framework")
    assert {lot["award"] for lot in fw["lots"]} == {"ranked"}
    assert (fw["criteria"], fw["standstill_days"]) == ([], 0)
    assert old.json("competition", "list") == []
    request = old.json("request", "list")[0]["id"]
    error = old.refused("competition", "open", str(request), "--closes", "2015-12-01")
    assert "awards call-offs by the ranking, not by competition" in error
    assert all(s["awarded_by"] == "ranking" for s in [old.json("show", "1")])
    assert old.json("audit", "verify")["ok"] is True


V7 = Path(__file__).parent / "data" / "calloff-v7.db"


def test_a_database_sealed_by_the_multiset_seal_still_verifies_after_its_upgrade(tmp_path):
    """Schema 7 to 8: the seal checked before the upgrade is the one that database carries
    (the multiset seal), not the whole-table seal of schemas 2 and 3."""
    path = tmp_path / "calloff.db"
    shutil.copyfile(V7, path)
    old = Calloff(path)
    assert old.json("audit", "verify")["ok"] is True
    assert _version(path) == schema.SCHEMA_VERSION
    assert old.json("show", "1")["awarded_by"] == "ranking"


def test_a_table_edited_before_a_multiset_seal_upgrade_is_still_reported(tmp_path):
    path = tmp_path / "calloff.db"
    shutil.copyfile(V7, path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE providers SET name = 'Alder Trainings' WHERE id = 1")
    conn.commit()
    conn.close()
    old = Calloff(path)
    old.ok("framework")  # upgrades it, noting so on stderr
    error = old.refused("audit", "verify")
    assert "the providers record(s) changed outside calloff after event 9" in error
    assert "before this database was upgraded" in error
