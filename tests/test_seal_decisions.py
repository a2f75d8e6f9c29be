"""Issue 32: a record changed in SQL never drives a decision, and an erased action is not
laundered by the next command.

Each test edits the file as someone with the file and plain SQL would, then runs an
ordinary command: the command refuses with one line and writes nothing, and `audit
verify` still fails.
"""

import json
import sqlite3

import pytest

from tests.conftest import snapshot


def _sql(db, script):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executescript(script)
    conn.close()


def _refused_alone(leeds, args, fragment, officer="officer.a"):
    """The command refuses with the one line, and the file is exactly as it was."""
    before = snapshot(leeds.db)
    message = leeds.refused(*args, officer=officer)
    assert fragment in message, message
    assert message.rstrip().endswith("changed outside calloff: run `calloff audit verify`")
    assert snapshot(leeds.db) == before
    return message


def _verify_fails(leeds):
    result = leeds("audit", "verify")
    assert result.exit_code == 1, result.output


def _allocations(leeds, add_request, count, value="24000"):
    """`count` requests of `value` on lot 4; allocated one by one until one is refused."""
    ids = [add_request("--value", value, on="2015-05-01") for _ in range(count)]
    return ids


def test_a_raised_cap_refuses_the_first_allocation(leeds, add_request):
    """The issue: a core cap raised in SQL let 20 allocations of £24,000 commit £534,030
    against the real £260,000. Now the first allocation is refused."""
    rid = add_request("--value", "24000", on="2015-05-01")
    _sql(leeds.db, "UPDATE caps SET amount_pence = 100000000000 WHERE stream = 'core'")
    _refused_alone(leeds, ["allocate", str(rid), "--on", "2015-05-02"], "the budget caps were")
    assert leeds.json("headroom", "--year", "2015-16")  # reading still works
    _verify_fails(leeds)


def test_lowered_day_totals_refuse_the_allocation(leeds, add_request):
    first = add_request("--value", "24000", on="2015-05-01")
    leeds.json("allocate", str(first), "--on", "2015-05-02")
    second = add_request("--value", "24000", on="2015-05-03")
    _sql(leeds.db, "UPDATE daily_totals SET committed_pence = 0")
    _refused_alone(
        leeds,
        ["allocate", str(second), "--on", "2015-05-04"],
        "the day totals for 2015-16 were",
    )
    _verify_fails(leeds)


def test_an_edited_ranking_refuses_the_allocation(leeds, add_request):
    rid = add_request("--value", "5000", on="2015-05-01")
    _sql(leeds.db, "UPDATE ranking_history SET provider_ids = '[3, 2, 1]' WHERE lot = 4")
    _refused_alone(leeds, ["allocate", str(rid), "--on", "2015-05-02"], "the ranking of lot 4 was")
    _verify_fails(leeds)


def test_an_edited_rate_refuses_the_allocation(leeds):
    """A rate cut in SQL would change the value offered: refused."""
    rid = leeds.json(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "Two days",
        "--start",
        "2015-06-01",
        "--end",
        "2015-06-02",
        "--quantity",
        "2",
        "--unit",
        "day",
        "--on",
        "2015-05-01",
    )["id"]
    _sql(leeds.db, "UPDATE price_history SET rate_pence = 100 WHERE lot = 4")
    _refused_alone(
        leeds,
        ["allocate", str(rid), "--on", "2015-05-02"],
        "the rates provider 1 tendered on lot 4 were",
    )


def test_a_role_granted_in_sql_refuses_the_action(leeds, add_request):
    """The register is read by every decision: a role added outside calloff stops it."""
    rid = add_request("--value", "5000", on="2015-05-01")
    leeds.json("allocate", str(rid), "--on", "2015-05-02")
    _sql(leeds.db, "UPDATE officer_entries SET limit_pence = 1 WHERE login = 'officer.a'")
    _refused_alone(leeds, ["accept", "1", "--on", "2015-05-03"], "the register of officers was")


def test_untouched_records_let_every_decision_through(leeds, add_request):
    """The checks cost nothing when nothing was changed: an ordinary journey passes."""
    rid = add_request("--value", "5000", on="2015-05-01")
    leeds.json("allocate", str(rid), "--on", "2015-05-02")
    leeds.json("decline", "1", "--reason", "no trainers", "--on", "2015-05-03")
    leeds.ok("accept", "2", "--on", "2015-05-04", officer="officer.b")
    leeds.ok("audit", "verify")


def _erase_newest(db):
    """The issue's recipe: delete the newest event, and copy the previous event's id and
    hash into the head and the seal, with no hashing at all."""
    _sql(
        db,
        """
        DELETE FROM events WHERE id = (SELECT MAX(id) FROM events);
        UPDATE audit_head SET
          last_event = (SELECT MAX(id) FROM events),
          last_hash = (SELECT hash FROM events WHERE id = (SELECT MAX(id) FROM events));
        UPDATE audit_head SET state = json_set(state, '$.event', last_event,
          '$.hash', last_hash);
        """,
    )


def test_an_erased_grant_confirmation_is_caught_by_the_next_write(leeds):
    """The £1,240,000 grant confirmation deleted from the trail, the ceiling kept: the next
    ordinary command refuses, and verify keeps failing."""
    leeds.ok("funding", "confirm", "innovation", "--on", "2015-06-15")
    ceiling = leeds.json("headroom", "--year", "2015-16")
    _erase_newest(leeds.db)
    before = snapshot(leeds.db)
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "the seal in the chain's head does not match the one event" in message
    assert "calloff audit verify" in message
    assert snapshot(leeds.db) == before
    _verify_fails(leeds)
    assert leeds.json("headroom", "--year", "2015-16") == ceiling


def test_the_newest_event_edited_without_rehashing_stops_writes(leeds, add_request):
    rid = add_request("--value", "5000", on="2015-05-01")
    _sql(
        leeds.db,
        f"UPDATE events SET reason = 'edited' WHERE id = (SELECT MAX(id) FROM events) AND {rid}",
    )
    message = leeds.refused("provider", "add", "Elm Street Trainers")
    assert "the newest, was edited outside calloff" in message


@pytest.mark.parametrize(
    "table",
    ["caps", "streams", "framework", "lots", "officers", "officer_entries", "delegations"],
)
def test_each_small_table_is_named(leeds, add_request, table):
    """Whichever small table a decision reads whole is named when it changed."""
    rid = add_request("--value", "5000", on="2015-05-01")
    if table == "delegations":
        _sql(
            leeds.db,
            "INSERT INTO delegations (login, delegate, starts_on, ends_on, reason, "
            "recorded_at, event_id) VALUES ('officer.a', 'officer.b', '2015-01-01', "
            "'2015-12-31', '', '2015-01-01', 1)",
        )
    else:
        cols = [r[1] for r in sqlite3.connect(leeds.db).execute(f"PRAGMA table_info({table})")]
        text = next(c for c in cols if c in ("title", "name", "recorded_at", "stream", "buyer"))
        _sql(leeds.db, f"UPDATE {table} SET [{text}] = [{text}] || ' '")
    message = leeds.refused("allocate", str(rid), "--on", "2015-05-02")
    assert "changed outside calloff: run `calloff audit verify`" in message


def test_the_seal_by_parts_matches_the_tables_after_ordinary_work(leeds, add_request):
    """Each write keeps the parts' digests; verify recomputes them and finds them whole."""
    rid = add_request("--value", "5000", on="2015-05-01")
    leeds.json("allocate", str(rid), "--on", "2015-05-02")
    leeds.ok("rank", "set", "4", "2", "1", "3", "--on", "2015-05-03")
    leeds.ok("audit", "verify")
    conn = sqlite3.connect(leeds.db)
    parts = {(t, p) for t, p in conn.execute("SELECT tbl, part FROM seal_parts")}
    assert ("rankings", "4") in parts and ("daily_totals", "2015-16") in parts
    state = json.loads(conn.execute("SELECT state FROM audit_head").fetchone()[0])
    assert "key" not in state  # no key configured: the keyless seal, as before


def test_a_sealed_bid_cut_to_one_pound_is_refused_at_the_award(borsetshire):
    """The issue: a sealed bid cut to £1 in SQL won the award. Now the award is refused."""
    from tests.test_competition import bid, opened, request

    opened(borsetshire, request(borsetshire))
    bid(borsetshire, 1, "Alder Training", "12000", "80")
    bid(borsetshire, 1, "Birch Practice Ltd", "9000", "60")
    _sql(borsetshire.db, "UPDATE bids SET price_pence = 100 WHERE provider_id = 1")
    _refused_alone(
        borsetshire,
        ["competition", "award", "1", "--on", "2026-05-18"],
        "the bids in competition 1 were",
    )
    _verify_fails(borsetshire)


@pytest.mark.parametrize(
    "sql, named",
    [
        ('UPDATE competitions SET weights = \'{"quality": 50, "price": 50}\'', "competition 1 was"),
        (
            "UPDATE invitations SET rank = 9 WHERE provider_id = 1",
            "the invitations to competition 1",
        ),
        ("UPDATE competitions SET closes_on = '2026-05-10'", "competition 1 was"),
    ],
)
def test_an_edited_competition_is_refused_at_the_award(borsetshire, sql, named):
    """The reviewer's finding: the weights, the ranks or the closing day changed in SQL
    changed the award. Now the award is refused."""
    from tests.test_competition import bid, opened, request

    opened(borsetshire, request(borsetshire))
    bid(borsetshire, 1, "Alder Training", "12000", "80")
    bid(borsetshire, 1, "Birch Practice Ltd", "9000", "60")
    _sql(borsetshire.db, sql)
    _refused_alone(borsetshire, ["competition", "award", "1", "--on", "2026-05-18"], named)


@pytest.mark.parametrize(
    "sql, named",
    [
        (
            "UPDATE calloffs SET value_pence = 100 WHERE id = 1",
            "the call-offs to provider 1 on lot 4",
        ),
        (
            "UPDATE calloffs SET status = 'declined' WHERE id = 1",
            "the call-offs to provider 1 on lot 4",
        ),
        ("UPDATE requests SET officer = 'someone' WHERE id = 1", "request 1 was"),
        ("UPDATE requests SET value_pence = 50 WHERE id = 2", "request 2 was"),
    ],
)
def test_an_edit_cannot_dodge_the_split_purchase_check(leeds, add_request, sql, named):
    """The reviewer's finding: the first £24,000 call-off made smaller, declined or another
    officer's in SQL let the second go without approval. Now the allocation is refused."""
    first = add_request("--value", "24000", on="2015-05-01")
    second = add_request("--value", "24000", on="2015-05-01")
    leeds.json("allocate", str(first), "--on", "2015-05-04")
    _sql(leeds.db, sql)
    _refused_alone(leeds, ["allocate", str(second), "--on", "2015-05-05"], named)


def test_a_changed_part_of_the_seal_is_named_by_verify(leeds, add_request):
    """The seal's parts are checked by `audit verify` too, part by part."""
    rid = add_request("--value", "5000", on="2015-05-01")
    leeds.json("allocate", str(rid), "--on", "2015-05-02")
    leeds.ok("audit", "verify")
    _sql(leeds.db, "UPDATE seal_parts SET rows = rows + 1 WHERE tbl = 'requests' AND part = '1'")
    result = leeds("audit", "verify")
    assert result.exit_code == 1 and "request 1 was changed outside calloff" in result.stderr
    _sql(leeds.db, "UPDATE seal_parts SET rows = rows - 1 WHERE tbl = 'requests' AND part = '1'")
    _sql(leeds.db, "INSERT INTO seal_parts VALUES ('requests', '99', 1, '00')")
    result = leeds("audit", "verify")
    assert result.exit_code == 1 and "(the seal's parts)" in result.stderr
