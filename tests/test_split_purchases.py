"""Splitting a purchase does not dodge approval (issue 32): one officer's call-offs to one
provider on one lot within the definition's `aggregation_days` (30 by default) count
together against the approval threshold (Leeds: £25,000.00).

The figures, by hand: three £24,000.00 requests on lot 4, each going to Alder Training
(rank 1). The first is £24,000.00 alone, under £25,000.00: offered. The second brings the
total to £24,000.00 + £24,000.00 = £48,000.00, over it: it awaits approval. The third
brings £72,000.00.
"""

from __future__ import annotations

import html
import shutil
import sqlite3
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calloff
from calloff.actions.service import Service
from calloff.domain import definition, passwords
from calloff.domain.splitting import COUNTED
from calloff.notify.mail import mail_settings
from calloff.notify.sending import compose
from calloff.store.database import Store
from calloff.store.splitting import EARLIER
from tests.conftest import Calloff
from tests.workspace import build, day, post, sign_in

LEEDS = Path(calloff.__file__).parent / "definitions" / "leeds-rp-2015.toml"
SECOND = (
    "this call-off (£24,000.00) and call-off 1 (£24,000.00), both on officer.a's requests "
    "to Alder Training on lot 4 within 30 days, come to £48,000.00, over the £25,000.00 "
    "approval threshold"
)
THIRD = (
    "this call-off (£24,000.00) and call-offs 1 (£24,000.00) and 2 (£24,000.00), all on "
    "officer.a's requests to Alder Training on lot 4 within 30 days, come to £72,000.00, "
    "over the £25,000.00 approval threshold"
)


def request(cl, value="24000", lot=4, officer="officer.a"):
    """A request on `lot` raised by `officer`; returns its id."""
    args = ["request", "add", "--lot", str(lot), "--title", "Deep dive", "--start"]
    args += ["2015-07-01", "--value", value, "--on", "2015-05-01"]
    return cl.json(*args, officer=officer)["id"]


def allocate(cl, rid, on, officer="officer.a"):
    return cl.json("allocate", str(rid), "--on", on, officer=officer)


def test_the_second_24000_call_off_awaits_approval(leeds):
    """The issue's own test: the second £24,000.00 brings £48,000.00 and waits; the
    third brings £72,000.00; each says why, in every place an approver looks."""
    ids = [request(leeds) for _ in range(3)]
    first = allocate(leeds, ids[0], "2015-05-05")
    assert (first["status"], first["approval_reason"]) == ("offered", None)
    second = allocate(leeds, ids[1], "2015-05-06")
    assert (second["provider"], second["value"]) == (1, "24000.00")
    assert second["status"] == "awaiting_approval" and second["respond_by"] is None
    assert second["approval_reason"] == SECOND
    printed = leeds.ok("allocate", str(ids[2]), "--on", "2015-05-07").stdout
    assert "Call-off 3: request 3 awaiting approval to Alder Training" in printed
    assert f"  Needs approval: {THIRD}\n" in printed
    # Each holds its commitment: £72,000.00 of the core £260,000.00.
    assert leeds.json("headroom", "--year", "2015-16")["committed"] == "72000.00"
    waiting = leeds.json("approvals")
    assert [(a["calloff"], a["approval_reason"]) for a in waiting] == [(2, SECOND), (3, THIRD)]
    listed = leeds.ok("approvals").stdout.splitlines()
    assert listed[1] == f"  Needs approval: {SECOND}"
    assert leeds.json("show", "2")["approval_reason"] == SECOND
    assert leeds.json("show", "1")["approval_reason"] is None
    assert f"  Needs approval: {SECOND}\n" in leeds.ok("show", "2").stdout
    # The reason is part of the audit record: the allocation's event says it.
    offer = leeds.json("audit", "--calloff", "2")[0]
    assert offer["action"] == "calloff.offer" and offer["after"]["approval_reason"] == SECOND


def test_another_officer_approves_it_as_any_other(leeds):
    """Approved exactly as one over the threshold: never by its raiser, then offered."""
    ids = [request(leeds) for _ in range(2)]
    allocate(leeds, ids[0], "2015-05-05")
    allocate(leeds, ids[1], "2015-05-06")
    assert "officer.a raised call-off 2 and cannot approve it" in leeds.refused(
        "approve", "2", "--on", "2015-05-07"
    )
    # Approved Thursday 7 May 2015: three working days to answer, Tuesday 12 May.
    done = leeds.json("approve", "2", "--on", "2015-05-07", officer="officer.b")
    assert (done["status"], done["approved_by"], done["respond_by"]) == (
        "offered",
        "officer.b",
        "2015-05-12",
    )
    assert leeds.json("approvals") == []
    # Approved, it still counts: a third is £72,000.00 with call-offs 1 and 2.
    third = allocate(leeds, request(leeds), "2015-05-08")
    assert third["approval_reason"] == THIRD


@pytest.mark.parametrize(
    ("second_on", "status"),
    [
        ("2015-05-31", "awaiting_approval"),  # 30 days after 1 May: inside the window
        ("2015-06-01", "offered"),  # 31 days after: outside it
        ("2015-04-01", "awaiting_approval"),  # dated back 30 days: it counts the later one
        ("2015-03-31", None),  # before the term: refused anyway
    ],
)
def test_the_window_is_30_days_either_side(leeds, second_on, status):
    """The first call-off is raised on 1 May 2015; the second on `second_on`."""
    first, second = request(leeds), request(leeds)
    allocate(leeds, first, "2015-05-01")
    if status is None:
        leeds.refused("allocate", str(second), "--on", second_on)
        return
    assert allocate(leeds, second, second_on)["status"] == status


@pytest.mark.parametrize("ending", ["decline", "lapse", "cancel", "reject"])
def test_a_call_off_that_bought_nothing_does_not_count(leeds, ending):
    """A declined, lapsed, rejected or cancelled call-off to Alder Training does not count
    with a new £24,000.00 one to it: the new one is offered. (A rejected one is £30,000.00,
    which needed approval alone.)"""
    first = request(leeds, "30000" if ending == "reject" else "24000")
    allocate(leeds, first, "2015-05-05")  # Tuesday: to answer by Friday 8 May
    if ending == "decline":
        leeds.ok("decline", "1", "--reason", "fully booked", "--on", "2015-05-06")
    elif ending == "lapse":
        leeds.ok("lapse", "--on", "2015-05-11")
    elif ending == "cancel":
        leeds.ok("cancel", "1", "--reason", "need met elsewhere", "--on", "2015-05-06")
    else:
        leeds.ok("reject", "1", "--reason", "too dear", "--on", "2015-05-06", officer="officer.b")
    assert leeds.json("show", "1")["status"] == {"lapse": "lapsed", "cancel": "cancelled"}.get(
        ending, f"{ending}d" if ending.endswith("e") else f"{ending}ed"
    )
    new = allocate(leeds, request(leeds), "2015-05-12")
    assert (new["name"], new["status"], new["approval_reason"]) == (
        "Alder Training",
        "offered",
        None,
    )


def test_the_cascade_counts_against_the_provider_offered(leeds):
    """Request 1 (£24,000.00): Alder declines, Birch is offered it (call-off 2). Request 2
    (£24,000.00): Alder's declined call-off 1 does not count, so it is offered (call-off 3);
    Alder declines, and Birch, with call-off 2, comes to £48,000.00: call-off 4 waits."""
    first, second = request(leeds), request(leeds)
    allocate(leeds, first, "2015-05-05")
    to_birch = leeds.json("decline", "1", "--reason", "busy", "--on", "2015-05-06")
    assert (to_birch["calloff"], to_birch["name"], to_birch["status"]) == (
        2,
        "Birch Practice Ltd",
        "offered",
    )
    assert allocate(leeds, second, "2015-05-07")["status"] == "offered"
    again = leeds.json("decline", "3", "--reason", "busy", "--on", "2015-05-08")
    assert (again["calloff"], again["name"], again["status"]) == (
        4,
        "Birch Practice Ltd",
        "awaiting_approval",
    )
    assert again["approval_reason"] == (
        "this call-off (£24,000.00) and call-off 2 (£24,000.00), both on officer.a's "
        "requests to Birch Practice Ltd on lot 4 within 30 days, come to £48,000.00, over "
        "the £25,000.00 approval threshold"
    )


def test_another_officers_requests_do_not_count(leeds):
    """officer.b's £24,000.00 request to Alder is offered beside officer.a's. It is the
    request's officer that counts, whoever allocates it: officer.b allocating a second of
    officer.a's requests brings officer.a's total to £48,000.00."""
    allocate(leeds, request(leeds), "2015-05-05")
    theirs = request(leeds, officer="officer.b")
    assert allocate(leeds, theirs, "2015-05-06", officer="officer.b")["status"] == "offered"
    mine = allocate(leeds, request(leeds), "2015-05-07", officer="officer.b")
    assert mine["status"] == "awaiting_approval"
    assert "and call-off 1 (£24,000.00), both on officer.a's requests" in mine["approval_reason"]


def test_another_lot_or_provider_does_not_count(leeds):
    """£24,000.00 to Alder on lot 4, then to Alder on lot 1, then to Birch on lot 4 (Alder
    suspended): each is alone under £25,000.00 on its lot and provider."""
    leeds.ok("rank", "set", "1", "1", "2", "3")
    allocate(leeds, request(leeds), "2015-05-05")
    other_lot = allocate(leeds, request(leeds, lot=1), "2015-05-06")
    assert (other_lot["lot"], other_lot["name"], other_lot["status"]) == (
        1,
        "Alder Training",
        "offered",
    )
    leeds.ok("provider", "suspend", "1", "--reason", "quality review", "--on", "2015-05-07")
    other = allocate(leeds, request(leeds), "2015-05-07")
    assert (other["name"], other["status"]) == ("Birch Practice Ltd", "offered")


def definition_with(tmp_path, line):
    """The Leeds definition with `line` in place of its `aggregation_days = 30`."""
    text = LEEDS.read_text()
    assert text.count("\naggregation_days = 30\n") == 1
    path = tmp_path / "leeds.toml"
    path.write_text(text.replace("\naggregation_days = 30\n", f"\n{line}\n"))
    return path


def test_the_framework_shows_its_window(leeds):
    assert leeds.json("framework")["aggregation_days"] == 30
    assert (
        "Split purchases: one officer's call-offs to one provider on one lot within 30 days "
        "of each other count together towards approval\n"
    ) in leeds.ok("framework").stdout


def test_left_out_it_is_30_days(calloff, tmp_path):
    calloff.ok("init", "--from", str(definition_with(tmp_path, "")))
    assert calloff.json("framework")["aggregation_days"] == 30


def test_aggregation_days_0_counts_each_call_off_alone(calloff, tmp_path):
    calloff.ok("init", "--from", str(definition_with(tmp_path, "aggregation_days = 0")))
    calloff.ok("provider", "add", "Alder Training")
    calloff.ok("rank", "set", "4", "1")
    assert calloff.json("framework")["aggregation_days"] == 0
    assert "Split purchases: each call-off counts alone" in calloff.ok("framework").stdout
    statuses = [allocate(calloff, request(calloff), "2015-05-05")["status"] for _ in range(3)]
    assert statuses == ["offered"] * 3


def test_a_shorter_window_says_its_days(calloff, tmp_path):
    """With `aggregation_days = 7`: 8 days apart is alone; 7 days apart counts."""
    calloff.ok("init", "--from", str(definition_with(tmp_path, "aggregation_days = 7")))
    calloff.ok("provider", "add", "Alder Training")
    calloff.ok("rank", "set", "4", "1")
    allocate(calloff, request(calloff), "2015-05-01")
    assert allocate(calloff, request(calloff), "2015-05-09")["status"] == "offered"
    third = allocate(calloff, request(calloff), "2015-05-16")
    assert "within 7 days, come to £48,000.00" in third["approval_reason"]
    assert "and call-off 2 (£24,000.00), both" in third["approval_reason"]


@pytest.mark.parametrize("value", ["-1", "1.5", '"30"', "367", "true", "[30]"])
def test_a_bad_aggregation_days_is_one_line(calloff, tmp_path, value):
    message = calloff.refused(
        "init", "--from", str(definition_with(tmp_path, f"aggregation_days = {value}"))
    )
    assert "aggregation_days must be a whole number of days from 0 to 366, such as 30" in message
    assert not calloff.db.exists()


def test_a_competition_award_counts_too(borsetshire):
    """Borsetshire approves from £50,000.00, and awards lot 3 by competition. Alder wins
    a first £40,000.00 competition: alone, under £50,000.00, it is offered after its
    standstill. Alder wins a second: £80,000.00 together, so it waits for approval, and its
    standstill waits for the approval too."""
    cl = borsetshire

    def compete(opened):
        args = ["request", "add", "--lot", "3", "--title", "Programme", "--start"]
        rid = cl.json(*args, "2026-06-01", "--value", "40000", "--on", "2026-05-01")["id"]
        k = cl.json("competition", "open", str(rid), "--closes", "2026-05-15", "--on", opened)
        k = k["competition"]
        cl.ok("competition", "bid", str(k), "Alder Training", "--price", "40000", "--score",
              "quality=70", "--on", "2026-05-14")  # fmt: skip
        return cl.json("competition", "award", str(k), "--on", "2026-05-18")

    first = compete("2026-05-01")
    assert first["status"] == "offered" and first["standstill_ends"] is not None
    second = compete("2026-05-04")
    assert second["status"] == "awaiting_approval" and second["standstill_ends"] is None
    assert cl.json("show", str(second["calloff"]))["approval_reason"] == (
        f"this call-off (£40,000.00) and call-off {first['calloff']} (£40,000.00), both on "
        "officer.a's requests to Alder Training on lot 3 within 30 days, come to "
        "£80,000.00, over the £50,000.00 approval threshold"
    )


def test_the_sum_reads_only_that_providers_call_offs_on_that_lot_in_the_window(leeds):
    """One indexed search, by provider, lot and day: never a scan of every call-off."""
    conn = sqlite3.connect(leeds.db)
    plan = conn.execute(
        f"EXPLAIN QUERY PLAN {EARLIER}", [1, 4, "2015-04-01", "2015-05-01", *COUNTED, "o"]
    ).fetchall()
    conn.close()
    steps = [row[3] for row in plan]
    assert steps[0].startswith("SEARCH c USING INDEX calloffs_provider_lot (provider_id=? AND")
    assert not any(step.startswith("SCAN") or "TEMP B-TREE" in step for step in steps)


def test_a_database_from_before_upgrades_to_30_days(tmp_path):
    """A first-release database (tests/data/calloff-v1.db) takes 30 days and the index."""
    path = tmp_path / "calloff.db"
    shutil.copyfile(Path(__file__).parent / "data" / "calloff-v1.db", path)
    old = Calloff(path)
    assert old.json("framework")["aggregation_days"] == 30
    conn = sqlite3.connect(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    conn.close()
    assert "calloffs_provider_lot" in indexes
    assert old.json("audit", "verify")["ok"] is True


# -- the workspace ----------------------------------------------------------------------


@pytest.fixture
def team_db(tmp_path, monkeypatch):
    """The workspace's Leeds; o.officer's two £24,000.00 requests (2 and 3) allocated on 12
    and 13 May: call-off 1 offered, call-off 2 waiting for approval."""
    monkeypatch.setattr(passwords, "COST", 2**6)
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path, officer="o.officer") as office:
        for on in ("2015-05-12", "2015-05-13"):
            rid = office.add_request(
                lot=4, title="Deep dive", start="2015-07-01", value="24000", on="2015-05-01"
            )
            office.allocate(rid.id, on=on)
    return path


def client_as(app, login):
    client = app.test_client()
    assert sign_in(client, login).status_code == 302
    return client


def test_the_approval_page_says_why(team_db):
    from tests.workspace import app_for

    approver = client_as(app_for(team_db), "a.approver")
    why = (
        "Needs approval: this call-off (£24,000.00) and call-off 1 (£24,000.00), both on "
        "o.officer's requests to Alder Training on lot 4 within 30 days, come to £48,000.00, "
        "over the £25,000.00 approval threshold."
    )
    home = html.unescape(approver.get("/").text)
    assert "raised by o.officer on 13 May 2015. Needs approval: this call-off" in home
    assert why in html.unescape(approver.get("/calloffs/2").text)
    assert why in html.unescape(approver.get("/calloffs/2/approve").text)
    assert "Needs approval" not in approver.get("/calloffs/1").text
    done = post(approver, "/calloffs/2/approve", {"confirm": "yes"} | day("on", "2015-05-14"))
    assert done.status_code == 302
    with calloff.open(team_db) as office:
        assert office.show(2)["status"] == "offered"
        # The approver was told why in the message that asked them.
        asked = [m for m in office.messages() if m.recipient == "officer a.approver"]
        text = compose(office.service, mail_settings({}), asked[-1]).get_body(("plain",))
        assert f"It needs approval: {why[len('Needs approval: ') :]}" in text.get_content()


# -- for any sequence -----------------------------------------------------------------------

THRESHOLD = Decimal("25000")
steps = st.lists(st.tuples(st.integers(1, 30_000), st.integers(0, 90)), min_size=1, max_size=8)


@settings(max_examples=30, deadline=None)
@given(steps)
def test_offered_only_while_the_window_stays_under_the_threshold(allocations):
    """One officer's requests, each of whole pounds and allocated on a day of the term in
    any order, all going to Alder on lot 4: each is offered without approval exactly when
    it and the call-offs raised within 30 days of it before it come to under £25,000.00."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.create(Path(tmp) / "p.db", definition.embedded("leeds-rp-2015"), "o")
        svc = Service(store, "o")
        alder = svc.setup.add_provider("Alder Training", "exempt", date(2015, 4, 1))
        svc.setup.set_ranking(4, [alder], date(2015, 4, 1))
        done: list[tuple[Decimal, date]] = []
        for pounds, offset in allocations:
            value, on = Decimal(pounds), date(2015, 5, 1) + timedelta(days=offset)
            rid = svc.add_request(4, "t", on, on, value, None, None, "core", None, on)
            outcome = svc.allocate(rid, on)
            window = sum((v for v, d in done if abs((d - on).days) <= 30), Decimal(0))
            waits = value >= THRESHOLD or window + value >= THRESHOLD
            assert outcome.status == ("awaiting_approval" if waits else "offered")
            assert (outcome.approval_reason is not None) == waits
            done.append((value, on))
        store.close()
