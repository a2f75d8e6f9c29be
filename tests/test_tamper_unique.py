"""A row put in by hand where calloff's next write goes (issue 32): the write clashes with
SQLite's UNIQUE check. It used to stop with "internal error … UNIQUE constraint"; now it
says what was found, in one line, writes nothing and keeps refusing (fail closed)."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

import calloff
from calloff.errors import Tampered
from tests.conftest import Calloff

STOP = (
    "calloff will not write to calloff.db until it is looked into: run `calloff audit "
    "verify` and restore from a backup"
)


def _sql(db, script: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(script)
    conn.close()


def _head(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT last_event FROM audit_head").fetchone()[0])
    finally:
        conn.close()


def test_an_event_inserted_after_the_head_is_named(leeds: Calloff):
    head = _head(leeds.db)
    _sql(
        leeds.db,
        f"INSERT INTO events (id, recorded_at, action, hash) VALUES ({head + 1}, "
        "'2015-05-01T09:00:00+00:00', 'provider.add', 'forged')",
    )
    for _ in range(2):  # and again: the file stays refused until someone looks
        said = leeds.refused("provider", "add", "Elm Street Trainers")
        assert said == (
            f"Error: event {head + 1} already exists though the chain's head is event "
            f"{head}: the trail was changed outside calloff; {STOP}"
        )
    assert leeds("audit", "verify").exit_code == 1


def test_an_authority_record_for_the_next_event_is_named(leeds: Calloff):
    head = _head(leeds.db)
    _sql(
        leeds.db,
        "INSERT INTO authority (event_id, officer, role, effective_on) "
        f"VALUES ({head + 1}, 'officer.a', 'admin', '2015-05-01')",
    )
    said = leeds.refused("provider", "add", "Elm Street Trainers")
    assert said == (
        f"Error: the record of what allowed event {head + 1} already exists though the "
        f"chain's head is event {head}: the authority records were changed outside "
        f"calloff; {STOP}"
    )
    assert "UNIQUE" not in said and "internal error" not in said
    assert leeds("audit", "verify").exit_code == 1


def test_the_library_refuses_as_tampered_in_its_own_words(leeds: Calloff):
    head = _head(leeds.db)
    _sql(
        leeds.db,
        f"INSERT INTO events (id, recorded_at, action, hash) VALUES ({head + 1}, 'x', 'x', 'x')",
    )
    with calloff.open(leeds.db) as office, pytest.raises(Tampered) as caught:
        office.add_provider("Elm Street Trainers")
    assert str(caught.value) == (
        f"event {head + 1} already exists though the chain's head is event {head}: the "
        "trail was changed outside calloff; calloff will not write to calloff.db until it "
        "is looked into"
    )
    assert "--" not in str(caught.value)
    assert _head(leeds.db) == head


def test_a_clash_in_a_record_table_is_named_only_where_the_seal_confirms_it(leeds: Calloff):
    """A clash the seal does not explain is a bug in calloff, and stays one; a clash with a
    row added by hand says so (calloff's own check is bypassed here, as a bug would)."""
    from calloff.store.database import Store

    store = Store.open(leeds.db)
    try:
        with pytest.raises(sqlite3.IntegrityError), store.transaction():
            store.roster.add_provider("Alder Training", "standard", date(2015, 5, 1), "x")
        _sql(
            leeds.db,
            "INSERT INTO providers (name, vat) VALUES ('Elm Street Trainers', 'standard')",
        )
        with pytest.raises(Tampered) as caught, store.transaction():
            store.roster.add_provider("Elm Street Trainers", "standard", date(2015, 5, 1), "x")
    finally:
        store.close()
    said = str(caught.value)
    assert said.startswith(
        "a providers row already holds the name calloff was about to record, and the "
        "providers record(s) changed outside calloff"
    )
    assert said.endswith("calloff will not write to calloff.db until it is looked into")
