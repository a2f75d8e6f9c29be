"""The audit trail: every change is one chained event, and tampering is named."""

import json
import sqlite3

import pytest


def _journey(leeds, add_request):
    leeds.ok("provider", "suspend", "3", "--reason", "quality review", "--on", "2015-05-01")
    rid = add_request("--value", "5000", on="2015-05-02")
    leeds.json("allocate", str(rid), "--on", "2015-05-03")
    leeds.json("decline", "1", "--reason", "no trainers", "--on", "2015-05-04")
    leeds.ok("accept", "2", "--on", "2015-05-05", officer="officer.b")
    leeds.ok("spend", "add", "2", "--amount", "1000", "--date", "2015-06-02", "--invoice", "I1")
    leeds.ok("vary", "2", "--value", "6000", "--reason", "extra day", "--on", "2015-06-03")
    leeds.ok("complete", "2", "--on", "2015-06-30")
    leeds.ok("funding", "confirm", "innovation", "--on", "2015-06-15")
    leeds.ok(
        "ceiling",
        "set",
        "--year",
        "2016-17",
        "--funding",
        "core",
        "--amount",
        "100000",
        "--on",
        "2016-01-10",
    )
    leeds.ok("term", "extend", "--on", "2016-01-10")


def test_every_change_appends_one_event(leeds, add_request):
    """Set-up, ranking, request, offer, decline, acceptance, spend, variation... each recorded."""
    _journey(leeds, add_request)
    events = leeds.json("audit")
    actions = [e["action"] for e in events]
    assert actions[:10] == [
        "framework.init",
        "officer.add",
        "provider.add",
        "provider.add",
        "provider.add",
        "ranking.set",
        "prices.set",
        "prices.set",
        "prices.set",
        "provider.suspend",
    ]
    assert actions[10:] == [
        "request.add",
        "calloff.offer",
        "calloff.decline",
        "calloff.offer",
        "officer.add",  # officer.b, registered to accept
        "calloff.accept",
        "spend.add",
        "calloff.vary",
        "calloff.complete",
        "funding.confirm",
        "ceiling.set",
        "term.extend",
    ]
    vary = events[actions.index("calloff.vary")]
    assert vary["officer"] == "officer.a" and vary["effective_on"] == "2015-06-03"
    assert vary["before"] == {"value": "5000.00"} and vary["after"] == {"value": "6000.00"}
    assert vary["reason"] == "extra day" and vary["object_id"] == "2"
    accept = events[actions.index("calloff.accept")]
    assert accept["officer"] == "officer.b"
    assert all(e["recorded_at"] and len(e["hash"]) == 64 for e in events)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))


def test_refusals_leave_no_event(leeds, add_request):
    """A refused allocation writes nothing, not even an audit event."""
    rid = add_request("--value", "300000")
    count = len(leeds.json("audit"))
    leeds.refused("allocate", str(rid), "--on", "2015-06-01")
    assert len(leeds.json("audit")) == count


def test_audit_filters(leeds, add_request):
    """--calloff, --provider and --since narrow the trail."""
    _journey(leeds, add_request)
    assert [e["action"] for e in leeds.json("audit", "--calloff", "2")] == [
        "calloff.offer",
        "calloff.accept",
        "spend.add",
        "calloff.vary",
        "calloff.complete",
    ]
    by_alder = [e["action"] for e in leeds.json("audit", "--provider", "1")]
    assert by_alder == [
        "provider.add",
        "ranking.set",
        "prices.set",
        "calloff.offer",
        "calloff.decline",
    ]
    by_cedar = leeds.json("audit", "--provider", "Cedar Conferencing")
    assert [e["action"] for e in by_cedar] == [
        "provider.add",
        "ranking.set",
        "prices.set",
        "provider.suspend",
    ]
    since = leeds.json("audit", "--since", "2015-06-15")
    assert all(e["effective_on"] >= "2015-06-15" for e in since)
    # The fixture's set-up has no --on, so it is dated today; the journey's dates decide.
    journey = [e["action"] for e in since if e["effective_on"] < "2020-01-01"]
    assert journey == ["calloff.complete", "funding.confirm", "ceiling.set", "term.extend"]
    assert "call-off 9 does not exist" in leeds.refused("audit", "--calloff", "9")


def test_verify_passes_on_an_untouched_chain(leeds, add_request):
    """`audit verify` exits 0 and reports the number of events."""
    _journey(leeds, add_request)
    result = leeds.ok("audit", "verify")
    assert result.output.startswith("Audit chain whole: 22 event(s); head ")
    assert leeds.json("audit", "verify")["ok"] is True


TAMPERING = [
    ("UPDATE events SET reason = 'nothing to see' WHERE id = 13", 13, "was edited"),
    (
        "UPDATE events SET after = replace(after, '5000.00', '500.00') WHERE id = 12",
        12,
        "was edited",
    ),
    ("DELETE FROM events WHERE id = 7", 8, "does not follow after event 6"),
    ("DELETE FROM events WHERE id = (SELECT MAX(id) FROM events)", 22, "was deleted"),
    (
        "INSERT INTO events (id, recorded_at, action, hash, prev_hash) "
        "VALUES (23, '2026-01-01T00:00:00+00:00', 'calloff.accept', 'x', 'y')",
        23,
        "does not follow",
    ),
    (
        "UPDATE events SET id = -id WHERE id IN (5, 6); "
        "UPDATE events SET id = 6 WHERE id = -5; UPDATE events SET id = 5 WHERE id = -6",
        5,
        "does not follow",
    ),
]


@pytest.mark.parametrize(
    "sql, event, fragment",
    TAMPERING,
    ids=["edit reason", "edit value", "delete", "delete last", "insert", "reorder"],
)
def test_verify_names_the_first_event_tampered_with(leeds, add_request, sql, event, fragment):
    """Editing, deleting, inserting or reordering events outside calloff is caught and named."""
    _journey(leeds, add_request)
    conn = sqlite3.connect(leeds.db)
    conn.executescript(sql)
    conn.close()
    result = leeds("audit", "verify")
    assert result.exit_code == 1
    assert f"event {event}" in result.stderr and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    verdict = json.loads(leeds("audit", "verify", "--json").stdout)
    assert verdict["ok"] is False and verdict["event"] == event


def test_show_carries_the_call_offs_own_trail(leeds, add_request):
    """`show` lists the events about this call-off, approvals and spend included."""
    _journey(leeds, add_request)
    trail = [e["action"] for e in leeds.json("show", "2")["events"]]
    assert trail == [
        "calloff.offer",
        "calloff.accept",
        "spend.add",
        "calloff.vary",
        "calloff.complete",
    ]


RECORD_TAMPERING = [
    ("DELETE FROM events; DELETE FROM audit_head", "does not begin with the framework"),
    ("UPDATE calloffs SET value_pence = 100 WHERE id = 2", "call-off 2's value"),
    ("UPDATE calloffs SET status = 'declined' WHERE id = 2", "call-off 2 is declined"),
    ("UPDATE spend SET amount_pence = 1 WHERE id = 1", "spend line 1 does not match"),
    ("DELETE FROM spend WHERE id = 1", "spend line 1, recorded in event"),
    (
        "INSERT INTO spend (calloff_id, provider_id, invoice, spent_on, amount_pence) "
        "VALUES (2, 2, 'FAKE', '2015-06-05', 100)",
        "has no event",
    ),
    (
        "DELETE FROM events WHERE id = 22; UPDATE audit_head SET last_event = 21, last_hash = "
        "(SELECT hash FROM events WHERE id = 21)",
        "1 row(s) in extensions but 0 term.extend",
    ),
    (
        "DELETE FROM events WHERE id >= 19; UPDATE audit_head SET last_event = 18, last_hash = "
        "(SELECT hash FROM events WHERE id = 18)",
        "outside calloff",
    ),
]


@pytest.mark.parametrize(
    "sql, fragment",
    RECORD_TAMPERING,
    ids=[
        "empty trail",
        "value",
        "status",
        "spend amount",
        "spend deleted",
        "spend inserted",
        "tail trimmed",
        "tail trimmed to a status",
    ],
)
def test_verify_reconciles_the_records_with_the_trail(leeds, add_request, sql, fragment):
    """Changing records without an event, or emptying the trail, is caught too."""
    _journey(leeds, add_request)
    conn = sqlite3.connect(leeds.db)
    conn.executescript(sql)
    conn.close()
    result = leeds("audit", "verify")
    assert result.exit_code == 1 and fragment in result.stderr, result.stderr


@pytest.mark.parametrize(
    "sql, table",
    [
        ("UPDATE caps SET amount_pence = 99999999999", "caps"),
        ("UPDATE streams SET window_end = '2099-12-31' WHERE name = 'innovation'", "streams"),
        ("UPDATE requests SET value_pence = 1 WHERE id = 1", "requests"),
        ("UPDATE providers SET name = 'Zed' WHERE id = 1", "providers"),
        ("UPDATE calloffs SET funding = 'traded' WHERE id = 2", "calloffs"),
        ("UPDATE calloffs SET approved_by = 'someone.else' WHERE id = 2", "calloffs"),
        ("DELETE FROM passovers", "passovers"),
        ("UPDATE rankings SET provider_id = 4 WHERE rank = 1", "rankings"),
    ],
)
def test_verify_catches_any_record_changed_without_an_event(leeds, add_request, sql, table):
    """The head seals a digest of every record table: a quiet edit anywhere is named."""
    leeds.ok("provider", "add", "Dogwood CIC")
    _journey(leeds, add_request)
    conn = sqlite3.connect(leeds.db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executescript(sql)
    conn.close()
    result = leeds("audit", "verify")
    assert result.exit_code == 1
    assert f"the {table} record(s) changed outside calloff" in result.stderr, result.stderr
