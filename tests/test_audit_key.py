"""Issue 32: the keyed seal, the head written down, and the anchor statement.

With an audit key (a 0600 file named by CALLOFF_AUDIT_KEY_FILE) the last event of each
write carries an HMAC over the seal and the event: re-sealing needs the key. Without one
the seal is keyless, as before, and `--expect` with a head written down is the check.
"""

import json
import os
import sqlite3
import stat

import pytest

from calloff.store.chain import event_hash
from tests.conftest import snapshot
from tests.test_audit import _journey


def _sql(db, script):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executescript(script)
    conn.close()


@pytest.fixture
def key(tmp_path, calloff, monkeypatch):
    """A new audit key, configured for every command that follows."""
    path = tmp_path / "audit.key"
    result = calloff.ok("audit", "new-key", str(path))
    fingerprint = result.output.split("fingerprint ")[1].split(")")[0]
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(path))
    return path, fingerprint


def test_new_key_is_private_never_overwritten_and_named_by_its_fingerprint(key, calloff):
    path, fingerprint = key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(fingerprint) == 16 and int(fingerprint, 16) >= 0
    assert path.read_text().strip() not in fingerprint
    message = calloff.refused("audit", "new-key", str(path))
    assert "is never overwritten" in message


def test_a_keyed_database_names_its_key_and_verifies(key, leeds, add_request):
    _, fingerprint = key
    _journey(leeds, add_request)
    verdict = leeds.json("audit", "verify")
    assert verdict["ok"] is True and verdict["key"] == fingerprint
    assert f"Sealed with audit key {fingerprint}." in leeds.ok("audit", "verify").output
    seals = [
        r[0]
        for r in sqlite3.connect(leeds.db).execute("SELECT seal FROM events WHERE seal IS NOT NULL")
    ]
    assert seals and all(s.startswith(f"hmac-sha256:{fingerprint}:") for s in seals)


def test_a_keyless_database_says_so(leeds):
    assert leeds.json("audit", "verify")["key"] is None
    assert "Sealed without an audit key" in leeds.ok("audit", "verify").output


def _reseal_without_the_key(db, monkeypatch):
    """The public recipe, run by someone without the key."""
    from calloff.store.database import Store
    from calloff.store.seal import Seal

    monkeypatch.delenv("CALLOFF_AUDIT_KEY_FILE")
    store = Store.open(db)
    forged = Seal(store.db)
    forged.db.conn.execute("BEGIN")
    forged.reseal()
    forged.db.conn.execute("COMMIT")
    store.close()


def test_the_issues_reseal_fails_with_a_key(key, leeds, add_request, monkeypatch):
    """Caps, bids and ranks edited, one ordinary write, the newest event re-sealed with
    the public recipe: a plain verify and --expect both fail with the key."""
    path, _ = key
    _journey(leeds, add_request)
    head = leeds.json("audit", "verify")["head"]
    _sql(
        leeds.db,
        "UPDATE caps SET amount_pence = 100000000000; "
        "DELETE FROM rankings WHERE lot = 4 AND rank = 3",
    )
    leeds.ok("provider", "add", "Elm Street Trainers")  # reads none of them
    _reseal_without_the_key(leeds.db, monkeypatch)
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(path))
    result = leeds("audit", "verify")
    assert result.exit_code == 1
    assert "its seal has no key, though the trail was sealed with the key" in result.stderr
    result = leeds("audit", "verify", "--expect", head)
    assert result.exit_code == 1
    message = leeds.refused("provider", "add", "Oak Lane Trainers")
    assert "lost its key" in message or "has no key" in message


def test_a_keyed_seal_forged_with_a_new_digest_fails_its_mac(key, leeds, add_request):
    """Keeping the keyed form but putting the new digest in it: the MAC does not hold."""
    from calloff.store.seal_digest import digest, table_digest

    _journey(leeds, add_request)
    _sql(leeds.db, "UPDATE caps SET amount_pence = 100000000000")
    conn = sqlite3.connect(leeds.db, isolation_level=None)
    conn.create_function(
        "calloff_row_hash", -1, __import__("calloff.store.seal_digest").store.seal_digest.row_hash
    )
    state = json.loads(conn.execute("SELECT state FROM audit_head").fetchone()[0])
    from calloff.store.database import Store

    store = Store.open(leeds.db)
    count, total = table_digest(store.db, "caps")
    store.close()
    state["tables"]["caps"] = [count, f"{total:064x}"]
    event = dict(
        zip(
            [
                c[0]
                for c in conn.execute(
                    "SELECT * FROM events WHERE id = ?", [state["event"]]
                ).description
            ],
            conn.execute("SELECT * FROM events WHERE id = ?", [state["event"]]).fetchone(),
            strict=False,
        )
    )
    prefix, fingerprint, _, mac = event["seal"].split(":")
    event["seal"] = f"{prefix}:{fingerprint}:{digest(state)}:{mac}"
    event["hash"] = event_hash(event, event["prev_hash"])
    state["hash"] = event["hash"]
    conn.execute(
        "UPDATE events SET seal = ?, hash = ? WHERE id = ?",
        [event["seal"], event["hash"], event["id"]],
    )
    conn.execute(
        "UPDATE audit_head SET last_hash = ?, state = ?", [event["hash"], json.dumps(state)]
    )
    conn.close()
    result = leeds("audit", "verify")
    assert result.exit_code == 1
    assert "its keyed seal does not match: it was re-sealed without the key" in result.stderr
    before = snapshot(leeds.db)
    message = leeds.refused("provider", "add", "Oak Lane Trainers")
    assert "re-sealed without the key" in message
    assert snapshot(leeds.db) == before


def test_an_old_event_edited_and_the_chain_rehashed_fails_with_a_key(key, leeds, add_request):
    """Re-hashing every event after an edited one: each later seal's MAC breaks."""
    _journey(leeds, add_request)
    conn = sqlite3.connect(leeds.db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM events ORDER BY id")]
    rows[5]["reason"] = "rewritten"
    prev = rows[4]["hash"]
    for row in rows[5:]:
        row["prev_hash"] = prev
        row["hash"] = event_hash(row, prev)
        conn.execute(
            "UPDATE events SET reason = ?, prev_hash = ?, hash = ? WHERE id = ?",
            [row["reason"], row["prev_hash"], row["hash"], row["id"]],
        )
        prev = row["hash"]
    state = json.loads(conn.execute("SELECT state FROM audit_head").fetchone()[0])
    state["hash"] = prev
    conn.execute("UPDATE audit_head SET last_hash = ?, state = ?", [prev, json.dumps(state)])
    conn.close()
    result = leeds("audit", "verify")
    assert result.exit_code == 1 and "re-sealed without the key" in result.stderr


def test_a_keyed_database_is_written_and_verified_only_with_its_key(
    key, leeds, monkeypatch, tmp_path
):
    _, fingerprint = key
    monkeypatch.delenv("CALLOFF_AUDIT_KEY_FILE")
    assert leeds.json("provider", "list")  # reading needs no key
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert f"sealed with audit key {fingerprint}" in message
    assert "CALLOFF_AUDIT_KEY_FILE" in message
    result = leeds("audit", "verify")
    assert result.exit_code == 1 and "checking it needs that key" in result.stderr
    other = tmp_path / "other.key"
    leeds.ok("audit", "new-key", str(other))
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(other))
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert f"sealed with audit key {fingerprint}" in message and "not with key" in message


def test_a_key_file_others_can_read_is_refused(key, calloff):
    path, _ = key
    os.chmod(path, 0o644)
    message = calloff.refused("init")
    assert "can be read by others (mode 0644)" in message and f"chmod 600 {path}" in message


def test_a_keyless_database_takes_the_key_only_when_an_admin_says(leeds, tmp_path, monkeypatch):
    """A process holding a key does not write to a keyless database until an admin seals
    it with the key (`audit use-key`), once it verifies: a trail stripped of its keyed
    seals cannot be taken over unseen."""
    path = tmp_path / "audit.key"
    leeds.ok("audit", "new-key", str(path))
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(path))
    assert leeds.json("audit", "verify")["key"] is None  # reading changes nothing
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "sealed without an audit key, though key" in message
    assert "calloff audit use-key" in message
    out = leeds.ok("audit", "use-key").output
    fingerprint = leeds.json("audit", "verify")["key"]
    assert fingerprint and f"Sealed with audit key {fingerprint} from now on" in out
    assert leeds.json("audit")[-1]["action"] == "database.key"
    leeds.ok("provider", "add", "Elm Street Trainers")
    assert "already sealed" in leeds.refused("audit", "use-key")


def test_a_changed_keyless_database_does_not_take_the_key(leeds, tmp_path, monkeypatch):
    """Sealing with the key vouches for what is sealed: a changed file is refused first."""
    path = tmp_path / "audit.key"
    leeds.ok("audit", "new-key", str(path))
    _sql(leeds.db, "UPDATE prices SET rate_pence = 1")
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(path))
    message = leeds.refused("audit", "use-key")
    assert "does not verify, so the key cannot vouch for it" in message
    assert "the prices record(s) changed outside calloff" in message


def test_use_key_is_for_admins(leeds, tmp_path, monkeypatch):
    path = tmp_path / "audit.key"
    leeds.ok("audit", "new-key", str(path))
    leeds.register("c.clerk", "officer")
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(path))
    assert "for admins" in leeds.refused("audit", "use-key", officer="c.clerk")


def test_a_trail_stripped_of_its_keyed_seals_is_not_written_with_the_key(
    key, leeds, add_request, monkeypatch
):
    """The reviewer's attack: every keyed seal turned back into its plain digest, the chain
    re-hashed and re-sealed with the public recipe. Verify alone cannot tell (the recipe is
    public), but a process holding the key refuses to write to it."""
    from tests.rehash import rewrite_events

    _journey(leeds, add_request)
    _sql(leeds.db, "UPDATE caps SET amount_pence = 100000000000")
    monkeypatch.delenv("CALLOFF_AUDIT_KEY_FILE")  # the attacker holds no key
    rewrite_events(
        leeds.db,
        "UPDATE events SET seal = substr(seal, 35, 64) WHERE seal LIKE 'hmac-sha256:%'",
    )
    conn = sqlite3.connect(leeds.db)
    state = json.loads(conn.execute("SELECT state FROM audit_head").fetchone()[0])
    conn.close()
    assert "key" not in state  # the re-seal ran without the key
    monkeypatch.setenv("CALLOFF_AUDIT_KEY_FILE", str(key[0]))
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "sealed without an audit key, though key" in message


def test_a_keyed_database_resealed_keyless_is_not_written_without_the_key(
    key, leeds, add_request, monkeypatch
):
    """The reviewer's D4: the key taken out of the head and the newest event re-sealed
    without it; a process without the key must still not write."""
    _journey(leeds, add_request)
    _sql(leeds.db, "UPDATE caps SET amount_pence = 100000000000")
    _reseal_without_the_key(leeds.db, monkeypatch)
    message = leeds.refused("provider", "add", "Oak Lane Trainers")
    assert "has no key, though event" in message and "re-sealed outside calloff" in message


# -- the head written down ------------------------------------------------------------------


def test_expect_takes_the_full_head_or_sixteen_digits(leeds, add_request):
    _journey(leeds, add_request)
    head = leeds.json("audit", "verify")["head"]
    add_request("--value", "700", on="2016-02-01")
    for given in (head, head[:16], head[:40].upper()):
        found = leeds.json("audit", "verify", "--expect", given)["expected"]
        assert (
            found["found"] is True and found["event"] == leeds.json("audit", "verify")["events"] - 1
        )
    result = leeds("audit", "verify", "--expect", head[:15])
    assert result.exit_code == 2 and "at least the first 16" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4  # click's usage line and the error


def test_expect_naming_two_events_is_refused(leeds, monkeypatch):
    from calloff.store.trail import Trail

    monkeypatch.setattr(Trail, "events_with_hash", lambda self, prefix: [3, 7])
    result = leeds("audit", "verify", "--expect", "0" * 16)
    assert result.exit_code == 2 and "names more than one event (3 and 7)" in result.stderr


# -- the anchor -----------------------------------------------------------------------------


def test_anchor_states_where_the_verified_trail_stands(leeds, add_request):
    _journey(leeds, add_request)
    verdict = leeds.json("audit", "verify")
    anchor = leeds.json("audit", "anchor")
    assert anchor["framework"] == "leeds-rp-2015"
    assert anchor["event"] == verdict["events"] and anchor["head"] == verdict["head"]
    assert anchor["key"] is None and anchor["recorded_at"].startswith("20")
    text = leeds.ok("audit", "anchor").output
    assert f"verified whole at event {anchor['event']}" in text
    assert f"Head: {anchor['head']}." in text
    assert f"calloff audit verify --expect {anchor['head']}" in text
    assert leeds.json("audit", "verify", "--expect", anchor["head"])["expected"]["found"]


def test_anchor_names_the_key(key, leeds):
    _, fingerprint = key
    assert leeds.json("audit", "anchor")["key"] == fingerprint
    assert f"sealed with audit key {fingerprint}" in leeds.ok("audit", "anchor").output


def test_anchor_refuses_a_trail_that_does_not_verify(leeds, add_request):
    _journey(leeds, add_request)
    _sql(leeds.db, "UPDATE prices SET rate_pence = 1")
    message = leeds.refused("audit", "anchor")
    assert "does not verify, so there is nothing to anchor" in message
