"""The register of officers: who may do what, up to what value, and who really acted.

Figures worked by hand on the Leeds framework: approval from £25,000 (the threshold), a
key decision over £250,000, a core ceiling of £260,000 in 2015-16. Each test runs as an
account (`as_account`), as the command would as that operating-system user.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import calloff as lib
from tests.conftest import Calloff, snapshot


@pytest.fixture
def as_account(monkeypatch):
    """Run what follows as another operating-system account."""

    def switch(name: str) -> None:
        monkeypatch.setattr("calloff.domain.officers.process_account", lambda: name)

    return switch


def _held(leeds, value: str, on: str, start: str = "2015-11-02", officer="officer.a") -> int:
    """A request of `value`, allocated on `on`: a call-off awaiting approval; its id."""
    leeds.ok("request", "add", "--lot", "4", "--title", "Programme", "--start", start,
             "--value", value, "--on", on, officer=officer)  # fmt: skip
    rid = len(leeds.json("request", "list", officer=officer))
    out = leeds.json("allocate", str(rid), "--on", on, officer=officer)
    assert out["status"] == "awaiting_approval", out
    return int(out["calloff"])


def _refused(leeds, *args, officer):
    """Exit 1, one line, nothing written."""
    before = snapshot(leeds.db)
    result = leeds(*args, officer=officer)
    assert result.exit_code == 1, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert snapshot(leeds.db) == before
    return result.stderr


# -- the register -------------------------------------------------------------------------


def test_init_registers_the_account_with_every_role(leeds):
    found = leeds.json("officer", "list")
    first = next(o for o in found if o["login"] == "officer.a")
    assert first["roles"] == ["officer", "approver", "finance", "auditor", "admin"]
    assert first["limit"] is None and first["registered_on"] is None  # from the start
    assert first["status"] == "current"


def test_add_show_edit_leave_and_the_login_is_never_reused(leeds):
    added = leeds.json("officer", "add", "b.approver", "--name", "Bea Approver", "--role",
                       "approver", "--limit", "30000", "--email", "bea@example.gov.uk",
                       "--on", "2015-04-01")  # fmt: skip
    assert (added["roles"], added["limit"], added["since"]) == (
        ["approver"], "30000.00", "2015-04-01"
    )  # fmt: skip
    leeds.ok("officer", "edit", "b.approver", "--add-role", "officer", "--limit", "50000",
             "--on", "2015-09-01")  # fmt: skip
    shown = leeds.json("officer", "show", "b.approver")
    assert shown["roles"] == ["officer", "approver"] and shown["limit"] == "50000.00"
    assert [(h["since"], h["limit"]) for h in shown["history"]] == [
        ("2015-04-01", "30000.00"),
        ("2015-09-01", "50000.00"),
    ]
    left = leeds.json("officer", "leave", "b.approver", "--reason", "moved to another council",
                      "--on", "2016-01-04")  # fmt: skip
    assert (left["status"], left["left_on"]) == ("left", "2016-01-04")
    said = leeds.refused("officer", "add", "b.approver", "--name", "Someone Else", "--role",
                         "officer")  # fmt: skip
    assert "never reused" in said
    text = leeds.ok("officer", "list").output
    assert "b.approver" in text and "left 2016-01-04" in text
    # every change is an event in the chain, sealed like the rest
    actions = [e["action"] for e in leeds.json("audit") if e["object_type"] == "officer"]
    assert actions == ["officer.add", "officer.add", "officer.edit", "officer.leave"]
    assert leeds.json("audit", "verify")["ok"] is True


def test_bad_register_input_is_one_line(leeds):
    assert "is not a login" in leeds.refused("officer", "add", "bad login", "--name", "X",
                                             "--role", "officer")  # fmt: skip
    usage = leeds("officer", "add", "x", "--name", "X", "--role", "boss")
    assert usage.exit_code == 2 and "boss" in usage.stderr
    assert "not an email address" in leeds.refused(
        "officer", "add", "x", "--name", "X", "--role", "officer", "--email", "nope"
    )
    assert "no officer has the login" in leeds.refused("officer", "show", "nobody")
    leeds.register("c.cover", "approver", on="2015-04-01")
    assert "is before --from" in leeds.refused("officer", "delegate", "c.cover", "--to",
        "officer.a", "--from", "2015-08-14", "--until", "2015-08-01")  # fmt: skip


# -- who is acting ------------------------------------------------------------------------


def test_an_unregistered_account_is_refused_even_to_read(leeds, as_account):
    as_account("stranger")
    result = leeds("headroom", officer="stranger")
    assert result.exit_code == 1
    assert "stranger is not a registered officer" in result.stderr
    assert "calloff officer add stranger" in result.stderr


def test_a_non_admin_naming_someone_else_is_refused(leeds, as_account):
    leeds.register("b.approver", "approver", limit="30000")
    as_account("b.approver")
    said = _refused(leeds, "provider", "add", "Dale Ltd", officer="officer.a")
    assert "b.approver is not an admin, so cannot act for officer.a" in said
    assert leeds("headroom", officer="b.approver").exit_code == 0  # as themselves


def test_an_admin_acting_for_another_is_recorded_with_both(leeds, add_request):
    cid = _held(leeds, "30000", "2015-06-01")
    leeds.register("b.approver", "approver", limit="30000")
    leeds.ok("approve", str(cid), "--on", "2015-06-03", officer="b.approver")
    event = leeds.json("audit")[-1]
    assert (event["officer"], event["account"], event["channel"]) == (
        "b.approver", "officer.a", "cli"
    )  # fmt: skip
    assert event["acted"] == "officer.a for b.approver"
    assert "officer.a for b.approver" in leeds.ok("audit").output
    assert "by officer.a for b.approver (approver)" in leeds.ok("show", str(cid)).output
    assert "officer.a for b.approver" in leeds.ok("record", str(cid)).output


def test_an_auditor_reads_everything_and_writes_nothing(leeds, add_request, as_account):
    add_request()
    leeds.register("d.auditor", "auditor")
    as_account("d.auditor")
    for reading in (["headroom"], ["request", "list"], ["audit"], ["audit", "verify"],
                    ["officer", "list"], ["report", "quarterly", "--year", "2015-16"]):  # fmt: skip
        assert leeds(*reading, officer="d.auditor").exit_code == 0, reading
    said = _refused(leeds, "allocate", "1", "--on", "2015-05-02", officer="d.auditor")
    assert "needs the officer role, which d.auditor did not hold" in said
    said = _refused(leeds, "provider", "add", "Dale Ltd", officer="d.auditor")
    assert "needs the admin role" in said and "--add-role admin" in said


# -- authority ----------------------------------------------------------------------------


def test_the_raiser_never_approves(leeds, as_account):
    leeds.register("r.both", "officer", "approver")
    as_account("r.both")
    cid = _held(leeds, "30000", "2015-06-01", officer="r.both")
    said = _refused(leeds, "approve", str(cid), "--on", "2015-06-02", officer="r.both")
    assert f"r.both raised call-off {cid} and cannot approve it" in said


def test_an_approvers_limit(leeds, as_account):
    """£30,000 limit: refused at £33,000, allowed at £29,000."""
    over = _held(leeds, "33000", "2015-06-01")
    under = _held(leeds, "29000", "2015-06-01")
    leeds.register("b.approver", "approver", limit="30000", on="2015-04-01")
    as_account("b.approver")
    said = _refused(leeds, "approve", str(over), "--on", "2015-06-02", officer="b.approver")
    assert "£33,000.00" in said and "b.approver's limit on 2015-06-02 is £30,000.00" in said
    approved = leeds.json("approve", str(under), "--on", "2015-06-02", officer="b.approver")
    assert approved["status"] == "offered" and approved["approved_by"] == "b.approver"
    assert leeds.json("audit", officer="b.approver")[-1]["acted"] == "b.approver"
    # a rejection is an approver's decision too: the limit holds
    said = _refused(leeds, "reject", str(over), "--reason", "no", "--on", "2015-06-02",
                    officer="b.approver")  # fmt: skip
    assert "£33,000.00" in said


def test_cover_lends_the_absent_approvers_limit_inside_the_window(leeds, as_account):
    """a.head (limit £100,000) is away 1–14 August; c.deputy (limit £10,000) covers."""
    leeds.register("a.head", "approver", limit="100000", on="2015-04-01")
    leeds.register("c.deputy", "officer", "approver", limit="10000", on="2015-04-01")
    leeds.ok("officer", "delegate", "a.head", "--to", "c.deputy", "--from", "2015-08-01",
             "--until", "2015-08-14", "--reason", "annual leave")  # fmt: skip
    first = _held(leeds, "40000", "2015-08-03")
    second = _held(leeds, "40000", "2015-08-03")
    as_account("c.deputy")
    mine = _held(leeds, "30000", "2015-08-04", officer="c.deputy")
    leeds.ok("approve", str(first), "--on", "2015-08-10", officer="c.deputy")
    said = _refused(leeds, "approve", str(second), "--on", "2015-08-15", officer="c.deputy")
    assert "c.deputy's limit on 2015-08-15 is £10,000.00" in said
    said = _refused(leeds, "approve", str(mine), "--on", "2015-08-10", officer="c.deputy")
    assert "c.deputy raised" in said  # a delegate never approves what they raised
    cover = leeds.json("officer", "delegations", officer="c.deputy")
    assert [(d["login"], d["to"], d["from"], d["until"]) for d in cover] == [
        ("a.head", "c.deputy", "2015-08-01", "2015-08-14")
    ]


def test_a_back_dated_approval_is_checked_against_the_register_as_it_stood(leeds, as_account):
    leeds.register("b.approver", "approver", limit="30000", on="2015-04-01")
    leeds.ok("officer", "edit", "b.approver", "--limit", "50000", "--on", "2015-09-01")
    cid = _held(leeds, "40000", "2015-08-20")
    as_account("b.approver")
    said = _refused(leeds, "approve", str(cid), "--on", "2015-08-25", officer="b.approver")
    assert "limit on 2015-08-25 is £30,000.00" in said
    assert (
        leeds.json("approve", str(cid), "--on", "2015-09-02", officer="b.approver")["approved_on"]
        == "2015-09-02"
    )


def test_not_registered_yet_on_the_day(leeds, as_account):
    cid = _held(leeds, "30000", "2015-06-01")
    leeds.register("late.approver", "approver", on="2015-07-01")
    as_account("late.approver")
    said = _refused(leeds, "approve", str(cid), "--on", "2015-06-02", officer="late.approver")
    assert "not a registered officer on 2015-06-02 (registered from 2015-07-01)" in said


def test_the_register_cannot_take_away_authority_already_used(leeds, as_account):
    cid = _held(leeds, "29000", "2015-06-01")
    leeds.register("b.approver", "approver", limit="30000", on="2015-04-01")
    as_account("b.approver")
    leeds.ok("approve", str(cid), "--on", "2015-06-10", officer="b.approver")
    as_account("officer.a")
    for change in (
        ["officer", "edit", "b.approver", "--limit", "20000", "--on", "2015-06-01"],
        ["officer", "leave", "b.approver", "--reason", "left", "--on", "2015-06-05"],
        ["officer", "edit", "b.approver", "--add-role", "officer", "--remove-role",
         "approver", "--on", "2015-06-09"],
    ):  # fmt: skip
        assert "authority already used" in _refused(leeds, *change, officer="officer.a")
    # A change dated the day of the approval, made after it, applies from then on: what
    # was done that day stands, and what is recorded afterwards for that day is refused.
    leeds.ok("officer", "edit", "b.approver", "--limit", "20000", "--on", "2015-06-10")
    assert "before b.approver's last entry" in leeds.refused(
        "officer", "edit", "b.approver", "--limit", "25000", "--on", "2015-06-09"
    )
    late = _held(leeds, "26000", "2015-06-10")
    as_account("b.approver")
    said = _refused(leeds, "approve", str(late), "--on", "2015-06-10", officer="b.approver")
    assert "limit on 2015-06-10 is £20,000.00" in said


def test_the_last_admin_stays(calloff):
    calloff.ok("init")
    said = calloff.refused("officer", "edit", "officer.a", "--remove-role", "admin")
    assert "officer.a is the last admin" in said
    calloff.register("second.admin", "admin")
    calloff.ok("officer", "edit", "officer.a", "--remove-role", "admin")


def test_an_officer_who_acted_today_can_leave_today(leeds, as_account):
    """Revoking rights today leaves what was done earlier today standing."""
    leeds.register("r.officer", "officer", on="2015-04-01")
    as_account("r.officer")
    leeds.ok("request", "add", "--lot", "4", "--title", "Today", "--start", "2027-01-04",
             "--value", "100", officer="r.officer")  # fmt: skip
    as_account("officer.a")
    leeds.ok("officer", "leave", "r.officer", "--reason", "moved on")
    as_account("r.officer")
    assert "r.officer left on" in _refused(leeds, "headroom", officer="r.officer")
    as_account("officer.a")
    assert leeds.json("audit", "verify")["ok"] is True


def test_a_key_decision_needs_its_reference(leeds):
    """Over £250,000 (Leeds' key decision) an approval needs --decision."""
    cid = _held(leeds, "255000", "2015-06-01")
    leeds.register("officer.b", "officer", "approver")
    said = _refused(leeds, "approve", str(cid), "--on", "2015-06-02", officer="officer.b")
    assert "over the key-decision value of £250,000.00" in said and "--decision REF" in said
    approved = leeds.json("approve", str(cid), "--on", "2015-06-02", "--decision", "D49838",
                          officer="officer.b")  # fmt: skip
    assert approved["decision"] == "D49838"
    assert leeds.json("show", str(cid))["decision"] == "D49838"
    assert "| Decision reference | D49838 |" in leeds.ok("record", str(cid)).output
    leeds.ok("accept", str(cid), "--on", "2015-06-04")
    notice = leeds.ok("publish", "notice", str(cid), "--type", "details", "--format", "md")
    assert "| Decision reference | D49838" in notice.output


def test_at_the_key_decision_value_no_reference_is_needed(leeds):
    cid = _held(leeds, "250000", "2015-06-01")
    assert (
        leeds.json("approve", str(cid), "--on", "2015-06-02", officer="officer.b")["decision"]
        is None
    )


# -- the library --------------------------------------------------------------------------


def test_the_library_follows_the_same_rule(leeds, as_account):
    leeds.register("b.approver", "approver", limit="30000")
    with lib.open(leeds.db, officer="b.approver") as office:
        assert office.actor.said == "officer.a for b.approver"
    with lib.open(leeds.db, officer="b.approver", channel="web") as office:
        assert office.actor.said == "b.approver (web)"
    as_account("b.approver")
    with pytest.raises(lib.NotAuthorised, match="only an admin acts for another officer"):
        lib.open(leeds.db, officer="officer.a")
    with pytest.raises(lib.NotAuthorised):
        lib.open(leeds.db, officer="b.approver", channel="web")  # a server runs as an admin
    with lib.open(leeds.db) as office:
        assert office.officer == "b.approver" and office.actor.channel == "library"
        with pytest.raises(lib.NotAuthorised, match="needs the admin role"):
            office.add_provider("Dale Ltd")


def test_creating_as_someone_else_is_refused(tmp_path):
    with pytest.raises(lib.NotAuthorised, match="create it as yourself"):
        lib.create(tmp_path / "x.db", officer="someone.else")
    assert not (tmp_path / "x.db").exists()


# -- an older database --------------------------------------------------------------------

V8 = Path(__file__).parent / "data" / "calloff-v8.db"


def test_upgrading_registers_the_upgrader_and_keeps_the_old_names(tmp_path, as_account):
    path = tmp_path / "calloff.db"
    shutil.copyfile(V8, path)
    old = Calloff(path)
    as_account("upgrader")
    shown = old.json("show", "2", officer="upgrader")
    assert shown["officers"] == {"raised": "a.officer", "authorised": "b.approver"}
    assert shown["acted_by"] == {
        "raised": "a.officer (not registered)",
        "authorised": "b.approver (not registered)",
    }
    assert (
        "Authorised: 2015-06-03 by b.approver (not registered)"
        in old.ok("show", "2", officer="upgrader").output
    )
    listed = old.json("officer", "list", officer="upgrader")
    assert [(o["login"], o["roles"]) for o in listed] == [
        ("upgrader", ["officer", "approver", "finance", "auditor", "admin"])
    ]
    assert old.json("framework", officer="upgrader")["key_decision"] == "250000.00"
    assert old.json("audit", "verify", officer="upgrader")["ok"] is True
    # the old names cannot act: they were never registered
    assert "a.officer is not a registered officer" in old.refused("headroom", officer="a.officer")
    # the upgrader, an admin, registers the approver, who decides the waiting call-off
    old.ok("officer", "add", "b.approver", "--name", "Bea Approver", "--role", "approver",
           "--limit", "30000", "--on", "2015-04-01", officer="upgrader")  # fmt: skip
    approved = old.json("approve", "3", "--on", "2015-06-08", officer="b.approver")
    assert approved["status"] == "offered"
    assert old.json("show", "3", officer="upgrader")["acted_by"]["authorised"] == (
        "upgrader for b.approver"
    )
    # the old b.approver's approval stays a name from before the register
    assert old.json("show", "2", officer="upgrader")["acted_by"]["authorised"] == (
        "b.approver (not registered)"
    )


def test_cover_lends_a_limit_only_to_another_approver(leeds):
    leeds.register("a.head", "approver", limit="100000", on="2015-04-01")
    leeds.register("d.audit", "auditor", on="2015-04-01")
    said = leeds.refused("officer", "delegate", "a.head", "--to", "d.audit", "--from",
                         "2015-08-01", "--until", "2015-08-14")  # fmt: skip
    assert "d.audit is not an approver" in said and "--add-role approver" in said


def test_cover_is_shown_where_it_allowed_an_approval(leeds):
    leeds.register("a.head", "approver", limit="100000", on="2015-04-01")
    leeds.register("c.deputy", "approver", limit="10000", on="2015-04-01")
    leeds.ok("officer", "delegate", "a.head", "--to", "c.deputy", "--from", "2015-08-01",
             "--until", "2015-08-14")  # fmt: skip
    cid = _held(leeds, "40000", "2015-08-03")
    leeds.ok("approve", str(cid), "--on", "2015-08-10", officer="c.deputy")
    event = leeds.json("audit")[-1]
    assert event["cover_for"] == "a.head"
    assert event["acted"] == "officer.a for c.deputy covering for a.head"
    assert "officer.a for c.deputy covering for a.head" in leeds.ok("show", str(cid)).output
    record = leeds.ok("record", str(cid)).output
    assert "| officer.a for c.deputy covering for a.head | calloff.approve |" in record


def test_an_increase_over_the_threshold_is_an_approvers_decision(leeds, add_request, as_account):
    """£24,000 accepted; to £26,000 crosses the £25,000 threshold."""
    rid = add_request("--value", "24000", on="2015-05-01")
    cid = leeds.json("allocate", str(rid), "--on", "2015-05-01")["calloff"]
    leeds.ok("accept", str(cid), "--on", "2015-05-02")
    leeds.register("s.officer", "officer", on="2015-04-01")
    leeds.register("t.approver", "officer", "approver", limit="25000", on="2015-04-01")
    vary = ["vary", str(cid), "--value", "26000", "--reason", "more", "--on", "2015-05-03"]
    as_account("s.officer")
    assert "needs the approver role" in _refused(leeds, *vary, officer="s.officer")
    as_account("t.approver")
    said = _refused(leeds, *vary, officer="t.approver")
    assert "£26,000.00" in said and "limit on 2015-05-03 is £25,000.00" in said
    as_account("s.officer")  # below the threshold, an officer's work
    leeds.ok("vary", str(cid), "--value", "24500", "--reason", "less", "--on", "2015-05-03",
             officer="s.officer")  # fmt: skip


def test_a_new_admin_may_date_the_register_from_before_they_joined(leeds, as_account):
    leeds.register("n.admin", "admin", on="2026-12-01")
    as_account("n.admin")
    leeds.ok("officer", "add", "old.hand", "--name", "Old Hand", "--role", "officer",
             "--on", "2015-04-01", officer="n.admin")  # fmt: skip
    assert leeds.json("officer", "show", "old.hand", officer="n.admin")["since"] == "2015-04-01"


def test_a_limit_is_an_approvers_and_can_be_lifted(leeds):
    said = leeds.refused("officer", "add", "h.y", "--name", "H Y", "--role", "auditor",
                         "--limit", "5000")  # fmt: skip
    assert "is an approver's" in said and "--role approver" in said
    leeds.register("g.x", "approver", limit="30000", on="2015-04-01")
    assert "is an approver's" in leeds.refused("officer", "edit", "g.x", "--remove-role",
        "approver", "--add-role", "officer", "--limit", "1000")  # fmt: skip
    lifted = leeds.json("officer", "edit", "g.x", "--no-limit")
    assert lifted["limit"] is None
    usage = leeds("officer", "edit", "g.x", "--no-limit", "--limit", "5")
    assert usage.exit_code == 1 and "not both" in usage.stderr


def test_cover_from_someone_who_has_left_says_so(leeds):
    leeds.register("c.head", "approver", on="2015-04-01")
    leeds.register("b.approver", "approver", limit="1000", on="2015-04-01")
    leeds.ok("officer", "leave", "c.head", "--reason", "retired", "--on", "2015-06-20")
    said = leeds.refused("officer", "delegate", "c.head", "--to", "b.approver", "--from",
                         "2015-07-01", "--until", "2015-07-10")  # fmt: skip
    assert "c.head left on 2015-06-20 (retired)" in said


def test_the_details_notice_to_file_carries_the_decision(leeds):
    cid = _held(leeds, "255000", "2015-06-01")
    leeds.ok("approve", str(cid), "--on", "2015-06-02", "--decision", "D49838", officer="officer.b")
    leeds.ok("accept", str(cid), "--on", "2015-06-04")
    release = json.loads(leeds.ok("publish", "notice", str(cid), "--type", "details").output)
    assert release["awards"][0]["description"].endswith("Approved under decision D49838.")


def test_an_admin_records_a_leavers_work_dated_before_they_left(leeds, add_request):
    cid = _held(leeds, "29000", "2015-06-01")
    later = _held(leeds, "29000", "2015-06-01")
    leeds.register("b.approver", "approver", limit="30000", on="2015-04-01")
    leeds.ok("officer", "leave", "b.approver", "--reason", "moved on", "--on", "2015-07-01")
    assert (
        leeds.json("approve", str(cid), "--on", "2015-06-20", officer="b.approver")["approved_by"]
        == "b.approver"
    )
    said = _refused(leeds, "approve", str(later), "--on", "2015-07-01", officer="b.approver")
    assert "b.approver left on 2015-07-01 (moved on)" in said


def test_officer_show_is_the_librarys_document(leeds):
    leeds.register("b.approver", "approver", limit="30000", on="2015-04-01")
    with lib.open(leeds.db) as office:
        assert office.officer_document("b.approver") == leeds.json("officer", "show", "b.approver")
    text = leeds.ok("officer", "show", "b.approver").output
    assert (
        "  Limit:      £30,000.00" in text and "from 2015-04-01  approver, limit £30,000.00" in text
    )
