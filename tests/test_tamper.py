"""Tamper evidence that the old whole-table seal missed, each caught by the incremental one.

The old seal re-digested whatever the tables held at the next write, so an edit made
outside calloff and followed by any ordinary command was sealed in. Now each write folds
in only the rows it touched: an outside edit stays visible however many writes follow,
and a change to the schema stops calloff writing at all.
"""

import shutil
import sqlite3

import pytest

from tests.test_audit import _journey


def _sql(db, script):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executescript(script)
    conn.close()


def _verify_fails(leeds, fragment):
    result = leeds("audit", "verify")
    assert result.exit_code == 1, result.output
    assert fragment in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return result.stderr


@pytest.mark.parametrize(
    "sql, table",
    [
        ("UPDATE caps SET amount_pence = amount_pence * 10 WHERE stream = 'core'", "caps"),
        ("UPDATE rankings SET rank = 9 WHERE lot = 4 AND rank = 1", "rankings"),
        ("UPDATE daily_totals SET committed_pence = 0", "daily_totals"),
    ],
)
def test_an_edit_followed_by_ordinary_commands_is_still_caught(leeds, add_request, sql, table):
    """An edit in SQL, then more of calloff's own writes: the edit is not sealed in."""
    _journey(leeds, add_request)
    _sql(leeds.db, sql)
    leeds.ok("provider", "add", "Elm Street Trainers")
    # A request reads the caps (issue 32): with them changed it is refused, naming them.
    asked = leeds(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "More",
        "--start",
        "2016-03-01",
        "--end",
        "2016-03-02",
        "--value",
        "1000",
        "--on",
        "2016-02-01",
    )
    assert asked.exit_code == 0 or "caps were changed outside calloff" in asked.stderr
    _verify_fails(leeds, f"the {table} record(s) changed outside calloff")


def test_an_edited_row_that_calloff_later_updates_is_still_caught(leeds, add_request):
    """calloff updating the edited row subtracts the edited row's hash, not the sealed one's."""
    rid = add_request("--value", "5000", on="2015-05-02")
    leeds.json("allocate", str(rid), "--on", "2015-05-03")
    _sql(leeds.db, "UPDATE calloffs SET headroom_after_pence = 1 WHERE id = 1")
    leeds.ok("accept", "1", "--on", "2015-05-05")
    _verify_fails(leeds, "the calloffs record(s) changed outside calloff")


def test_a_removed_seal_stops_writes_and_fails_verify(leeds, add_request):
    _journey(leeds, add_request)
    _sql(leeds.db, "UPDATE audit_head SET state = NULL")
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "seal in the chain's head was removed outside calloff" in message
    assert "calloff audit verify" in message
    _verify_fails(leeds, "seal in the chain's head was removed")


def test_the_newest_event_deleted_and_the_head_moved_back_is_caught(leeds, add_request):
    rid = add_request("--value", "5000", on="2015-05-02")
    leeds.json("allocate", str(rid), "--on", "2015-05-03")
    # The newest event recorded a request; deleting it and its row leaves a chain that is
    # whole and records that agree with it: only the seal remembers the head.
    add_request("--value", "700", on="2015-05-04")
    _sql(
        leeds.db,
        """
        DELETE FROM requests WHERE id = 2;
        DELETE FROM events WHERE id = (SELECT MAX(id) FROM events);
        UPDATE audit_head SET last_event = last_event - 1,
          last_hash = (SELECT hash FROM events WHERE id = (SELECT MAX(id) FROM events));""",
    )
    _verify_fails(leeds, "the chain's head was moved outside calloff")
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "head was moved" in message


def test_an_added_trigger_stops_writes_and_is_named(leeds, add_request):
    """A trigger that quietly raises a cap on every new event never gets to run."""
    _journey(leeds, add_request)
    _sql(
        leeds.db,
        "CREATE TRIGGER lift AFTER INSERT ON events BEGIN "
        "UPDATE caps SET amount_pence = amount_pence + 100000; END",
    )
    caps = sqlite3.connect(leeds.db).execute("SELECT SUM(amount_pence) FROM caps").fetchone()
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "schema was changed outside calloff: trigger lift was added" in message
    assert (
        sqlite3.connect(leeds.db).execute("SELECT SUM(amount_pence) FROM caps").fetchone() == caps
    )
    _verify_fails(leeds, "trigger lift was added")


def test_a_dropped_unique_index_on_invoices_is_named(leeds, add_request):
    _journey(leeds, add_request)
    _sql(leeds.db, "DROP INDEX spend_invoice")
    message = leeds.refused(
        "spend", "add", "2", "--amount", "1", "--date", "2015-06-03", "--invoice", "i1"
    )
    assert "index spend_invoice was dropped" in message
    _verify_fails(leeds, "index spend_invoice was dropped")


def test_expect_catches_an_older_copy_and_a_rewritten_trail(leeds, add_request, tmp_path):
    """Only a head kept elsewhere catches a copy from before it, or a full re-hash."""
    rid = add_request("--value", "5000", on="2015-05-02")
    older = tmp_path / "older.db"
    shutil.copy(leeds.db, older)  # no write is open: the WAL is checkpointed on close
    leeds.json("allocate", str(rid), "--on", "2015-05-03")
    head = leeds.json("audit", "verify")["head"]
    leeds.ok("accept", "1", "--on", "2015-05-05")
    later = leeds.ok("audit", "verify", "--expect", head).output
    assert "The head you expected is event" in later and "1 event(s) recorded since" in later
    assert leeds.json("audit", "verify", "--expect", head[:16])["expected"]["found"] is True

    shutil.copy(older, leeds.db)
    assert leeds("audit", "verify").exit_code == 0  # whole, but older
    result = leeds("audit", "verify", "--expect", head)
    assert result.exit_code == 1 and "is not in this audit trail" in result.stderr
    assert "older copy" in result.stderr
    verdict = leeds("audit", "verify", "--expect", head, "--json")
    assert verdict.exit_code == 1


def test_expect_needs_a_hash(leeds):
    result = leeds("audit", "verify", "--expect", "yesterday")
    assert result.exit_code == 2 and "or at least the first 16" in result.stderr


def test_a_write_digests_only_the_rows_it_touched(leeds, add_request, monkeypatch):
    """Constant-cost writes: no whole table is digested after set-up, yet verify still is."""
    from datetime import date

    import calloff.store.seal_digest
    from calloff.actions.service import Service
    from calloff.store.database import Store

    _journey(leeds, add_request)
    store = Store.open(leeds.db)
    digested = []
    real = calloff.store.seal_digest.table_digest
    monkeypatch.setattr(
        calloff.store.seal_digest,
        "table_digest",
        lambda db, table: digested.append(table) or real(db, table),
    )
    svc = Service(store, "officer.a")
    rid = svc.add_request(
        4, "More training", date(2015, 9, 1), None, None, 2, "day", None, None, date(2015, 8, 1)
    )
    svc.allocate(rid, date(2015, 8, 2))
    assert digested == []
    assert store.trail.verify().ok
    assert "calloffs" in digested and "spend" in digested
    store.close()


def test_a_trigger_named_like_sqlites_own_is_still_sealed(leeds, add_request):
    """`sqlite_` in LIKE is a pattern: only SQLite's own `sqlite_…` objects are skipped."""
    _journey(leeds, add_request)
    _sql(
        leeds.db,
        "CREATE TRIGGER sqliteXhide AFTER INSERT ON providers BEGIN "
        "UPDATE providers SET vat = 'exempt' WHERE id = 1; END",
    )
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "trigger sqliteXhide was added" in message


def test_a_garbled_seal_stops_writes(leeds, add_request):
    """Garbling the seal must not let the next write seal an edit in afresh."""
    _journey(leeds, add_request)
    _sql(
        leeds.db,
        "UPDATE prices SET rate_pence = rate_pence * 10; UPDATE audit_head SET state = 'x'",
    )
    assert "seal in the chain's head is unreadable" in leeds.refused(
        "provider", "add", "Elm Street Trainers"
    )
    _verify_fails(leeds, "unreadable")


def test_a_forged_schema_version_does_not_launder_an_edit(leeds, add_request):
    """Posing as an older database to be upgraded (and resealed) is caught by the upgrade."""
    _journey(leeds, add_request)
    _sql(
        leeds.db,
        "UPDATE prices SET rate_pence = rate_pence * 10; "
        "UPDATE audit_head SET state = NULL; PRAGMA user_version = 3",
    )
    _verify_fails(leeds, "says it is schema 3 but its tables are not what schema 3 holds")


def test_a_removed_seal_in_an_older_database_survives_its_upgrade(tmp_path):
    """A schema 3 database whose seal was removed: the upgrade keeps that finding."""
    from pathlib import Path

    from tests.conftest import Calloff

    db = tmp_path / "calloff.db"
    shutil.copyfile(Path(__file__).parent / "data" / "calloff-v3.db", db)
    _sql(db, "UPDATE prices SET rate_pence = rate_pence * 10; UPDATE audit_head SET state = NULL")
    result = Calloff(db)("audit", "verify")  # opening upgrades it, with a notice
    assert result.exit_code == 1
    assert "removed outside calloff before this database was upgraded" in result.stderr


def test_a_seal_rewritten_with_the_public_recipe_moves_the_head(leeds, add_request):
    """Editing records and resealing them passes a plain verify, but not --expect."""
    from calloff.store.database import Store
    from calloff.store.seal import Seal

    _journey(leeds, add_request)
    head = leeds.json("audit", "verify")["head"]
    _sql(leeds.db, "UPDATE prices SET rate_pence = rate_pence * 10")
    forged = Seal(Store.open(leeds.db).db)
    forged.db.conn.execute("BEGIN")
    forged.reseal()
    forged.db.conn.execute("COMMIT")
    forged.db.conn.close()
    assert leeds("audit", "verify").exit_code == 0  # whole, and consistent with itself
    result = leeds("audit", "verify", "--expect", head)
    assert result.exit_code == 1 and "is not in this audit trail" in result.stderr


def test_a_seal_rewritten_without_the_chain_is_caught(leeds, add_request):
    """Rewriting the seal's digests but not the head event that carries them fails."""
    import json

    _journey(leeds, add_request)
    conn = sqlite3.connect(leeds.db)
    state = json.loads(conn.execute("SELECT state FROM audit_head").fetchone()[0])
    state["tables"]["prices"][0] += 1
    conn.execute("UPDATE audit_head SET state = ?", [json.dumps(state)])
    conn.commit()
    conn.close()
    _verify_fails(leeds, "the seal was rewritten outside calloff")
