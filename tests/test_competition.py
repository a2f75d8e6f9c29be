"""Awarding a call-off by competition, through the CLI, with figures worked by hand.

The Borsetshire framework (fixture `borsetshire`): criteria quality 60 (50–70) and price
40 (30–50), a standstill of 8 working days, core cap £180,000 in 2026-27, approval from
£50,000. Alder (rank 1), Birch (2), Cedar (3) and Damson (4, suspended) on every lot.

Competition 1, on lot 2 (either), default weights 60/40:
  Alder  £12,000, quality 80: price 9,000/12,000 × 40 = 30.00, quality 80 × 60/100 = 48.00: 78.00
  Birch   £9,000, quality 60: price 40.00, quality 36.00: 76.00
  Cedar  £10,000, quality 70: price 36.00, quality 42.00: 78.00
Alder and Cedar tie at 78.00; the tie goes to the better rank: Alder. Awarded Monday
18 May 2026; the 8 working days begin with that day and skip the Spring bank holiday
(25 May): 18–22, 26, 27, 28 May. The standstill ends 28 May; acceptance from 29 May.
The response period (5 working days) runs after it: 29 May, 1–4 June, so respond by 4 June.
Headroom after: £180,000 − £12,000 = £168,000.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import snapshot


def request(c, lot="2", value="10000", start="2026-09-01", on="2026-05-01"):
    data = c.json(
        "request", "add", "--lot", lot, "--title", "Conferencing skills", "--start", start,
        "--value", value, "--on", on,
    )  # fmt: skip
    return str(data["id"])


def opened(c, request_id, *extra, on="2026-05-01", closes="2026-05-15"):
    return c.json("competition", "open", request_id, "--closes", closes, "--on", on, *extra)


def bid(c, k, provider, price, quality, on="2026-05-10"):
    return c.ok(
        "competition", "bid", str(k), provider, "--price", price, "--score",
        f"quality={quality}", "--on", on,
    )  # fmt: skip


@pytest.fixture
def three_bids(borsetshire):
    r = request(borsetshire)
    k = opened(borsetshire, r)["competition"]
    bid(borsetshire, k, "Alder Training", "12000", "80")
    bid(borsetshire, k, "Birch Practice Ltd", "9000", "60")
    bid(borsetshire, k, "Cedar Conferencing", "10,000.00", "70")
    return borsetshire


def test_opening_invites_the_eligible_and_passes_over_the_suspended(borsetshire):
    r = request(borsetshire)
    k = opened(borsetshire, r)
    assert [(i["name"], i["rank"]) for i in k["invited"]] == [
        ("Alder Training", 1),
        ("Birch Practice Ltd", 2),
        ("Cedar Conferencing", 3),
    ]
    assert k["passed_over"] == [
        {"provider": 4, "name": "Damson CIC", "rank": 4, "reason": "suspended (insurance lapsed)"}
    ]
    assert k["weights"] == {"quality": 60, "price": 40}
    # As it stands today (3 December 2026): its closing day has passed.
    assert (k["status"], k["closes_on"], k["calloff"]) == ("closed", "2026-05-15", None)
    assert [(i["rank"], i["answer"]) for i in k["invitations"]] == [
        (1, "no answer"),
        (2, "no answer"),
        (3, "no answer"),
        (4, "passed over"),
    ]


def test_scores_are_worked_as_the_issue_says_and_a_tie_goes_to_rank(three_bids):
    k = three_bids.json("competition", "show", "1")
    assert k["status"] == "closed"
    got = [
        (r["position"], r["name"], r["price_score"], r["criterion_scores"], r["total"])
        for r in k["results"]
    ]
    assert got == [
        (1, "Alder Training", "30.00", {"quality": "48.00"}, "78.00"),
        (2, "Cedar Conferencing", "36.00", {"quality": "42.00"}, "78.00"),
        (3, "Birch Practice Ltd", "40.00", {"quality": "36.00"}, "76.00"),
    ]
    assert k["winner"]["name"] == "Alder Training"
    assert k["bids"][0]["scores"] == {"quality": "80.00"}


def test_refined_weights_change_the_scores(borsetshire):
    """quality=65,price=35: Alder 26.25 + 52.00 = 78.25; Birch 35.00 + 39.00 = 74.00;
    Cedar 31.50 + 45.50 = 77.00."""
    r = request(borsetshire)
    k = opened(borsetshire, r, "--weights", "quality=65,price=35")["competition"]
    bid(borsetshire, k, "Alder Training", "12000", "80")
    bid(borsetshire, k, "Birch Practice Ltd", "9000", "60")
    bid(borsetshire, k, "Cedar Conferencing", "10000", "70")
    results = borsetshire.json("competition", "show", str(k))["results"]
    assert [(r["name"], r["price_score"], r["total"]) for r in results] == [
        ("Alder Training", "26.25", "78.25"),
        ("Cedar Conferencing", "31.50", "77.00"),
        ("Birch Practice Ltd", "35.00", "74.00"),
    ]


def test_the_award_is_an_offer_held_to_the_ceiling_with_a_standstill(three_bids):
    c = three_bids.json("competition", "award", "1", "--on", "2026-05-18")
    assert (c["calloff"], c["name"], c["rank"], c["value"], c["status"]) == (
        1,
        "Alder Training",
        1,
        "12000.00",
        "offered",
    )
    assert (c["awarded_by"], c["competition"], c["total"]) == ("competition", 1, "78.00")
    assert (c["standstill_ends"], c["respond_by"]) == ("2026-05-28", "2026-06-04")
    assert c["headroom_after"] == "168000.00"
    assert three_bids.json("headroom", "--year", "2026-27")["committed"] == "12000.00"
    error = three_bids.refused("accept", "1", "--on", "2026-05-28")
    assert "standstill until the end of 2026-05-28" in error and "from 2026-05-29" in error
    assert three_bids.json("accept", "1", "--on", "2026-05-29")["status"] == "accepted"
    shown = three_bids.json("competition", "show", "1")
    assert (shown["status"], shown["calloff"], shown["standstill_ends"]) == (
        "awarded",
        1,
        "2026-05-28",
    )


def test_a_winning_bid_above_the_headroom_is_refused_and_nothing_is_written(three_bids):
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")  # £168,000 left
    r = request(three_bids, lot="3", value="150000", on="2026-05-20")
    k = str(opened(three_bids, r, on="2026-05-20", closes="2026-05-29")["competition"])
    bid(three_bids, k, "Birch Practice Ltd", "170000", "90", on="2026-05-21")
    bid(three_bids, k, "Cedar Conferencing", "165000", "40", on="2026-05-21")
    # Birch: 165,000/170,000 × 40 = 38.82 + 54.00 = 92.82; Cedar 40.00 + 24.00 = 64.00.
    assert three_bids.json("competition", "show", k)["winner"]["name"] == "Birch Practice Ltd"
    error = three_bids.refused("competition", "award", k, "--on", "2026-06-01")
    assert "awarding competition 2 to Birch Practice Ltd at £170,000.00" in error
    assert "£168,000.00 left on 2026-06-01" in error and "£2,000.00 over" in error


def test_a_winning_bid_over_the_threshold_waits_for_approval(borsetshire):
    r = request(borsetshire, value="60000")
    k = str(opened(borsetshire, r)["competition"])
    bid(borsetshire, k, "Birch Practice Ltd", "60000", "70")
    c = borsetshire.json("competition", "award", k, "--on", "2026-05-18")
    # The bidders are told once it is approved: until then there is no standstill.
    assert (c["status"], c["respond_by"], c["standstill_ends"]) == (
        "awaiting_approval",
        None,
        None,
    )
    assert "awaits approval: the bidders are told once another officer approves it" in (
        borsetshire.refused("competition", "letters", k, "--output-dir", "x")
    )
    borsetshire.refused("approve", c["calloff"], "--on", "2026-05-19")  # the same officer
    approved = borsetshire.json("approve", str(c["calloff"]), "--on", "2026-05-19", officer="b")
    # The standstill begins with the approval day: 19–22, 26–29 May (25 May is a bank
    # holiday); the response period after it: 1–5 June.
    assert (approved["status"], approved["standstill_ends"], approved["respond_by"]) == (
        "offered",
        "2026-05-29",
        "2026-06-05",
    )


def test_a_decline_does_not_fall_to_the_ranking_but_to_the_next_bid(three_bids):
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    out = three_bids.json("decline", "1", "--reason", "no trainer free", "--on", "2026-05-20")
    assert out["status"] == "unallocated" and out["calloff"] is None
    assert "competition award 1" in out["reason"]
    k = three_bids.json("competition", "show", "1")
    assert k["status"] == "closed"
    assert k["set_aside"][0]["name"] == "Alder Training"
    assert "declined on 2026-05-20: no trainer free" in k["set_aside"][0]["reason"]
    # Without Alder, the lowest valid price is still Birch's £9,000: Cedar 78.00, Birch 76.00.
    assert [r["name"] for r in k["results"]] == ["Cedar Conferencing", "Birch Practice Ltd"]
    c = three_bids.json("competition", "award", "1", "--on", "2026-05-21")
    assert (c["name"], c["value"], c["calloff"]) == ("Cedar Conferencing", "10000.00", 2)
    assert c["set_aside"][0]["name"] == "Alder Training"
    assert three_bids.json("headroom", "--year", "2026-27")["committed"] == "10000.00"


def test_a_cancelled_competition_lets_the_request_go_by_the_ranking(borsetshire):
    r = request(borsetshire)
    opened(borsetshire, r)
    error = borsetshire.refused("allocate", r, "--on", "2026-05-02")
    assert "is in competition 1" in error
    borsetshire.ok("competition", "cancel", "1", "--reason", "need changed", "--on", "2026-05-03")
    assert borsetshire.json("competition", "show", "1")["status"] == "cancelled"
    offer = borsetshire.json("allocate", r, "--on", "2026-05-04")
    assert (offer["name"], offer["status"]) == ("Alder Training", "offered")
    assert borsetshire.json("show", str(offer["calloff"]))["awarded_by"] == "ranking"


def test_no_valid_bid_is_refused_with_each_providers_answer(borsetshire):
    r = request(borsetshire)
    opened(borsetshire, r)
    borsetshire.ok("competition", "no-bid", "1", "Alder Training", "--reason", "fully booked")
    error = borsetshire.refused("competition", "award", "1", "--on", "2026-05-18")
    assert "competition 1 has no valid bid" in error
    assert "Alder Training: no bid (fully booked)" in error
    assert "Birch Practice Ltd: no answer" in error
    assert "competition cancel 1" in error


def test_a_provider_suspended_after_bidding_is_set_aside_at_the_award(three_bids):
    three_bids.ok(
        "provider", "suspend", "Alder Training", "--reason", "audit", "--on", "2026-05-16"
    )
    c = three_bids.json("competition", "award", "1", "--on", "2026-05-18")
    assert c["name"] == "Cedar Conferencing"
    assert c["set_aside"] == [
        {"provider": 1, "name": "Alder Training", "rank": 1, "reason": "suspended (audit)"}
    ]
    record = three_bids.ok("record", "1").stdout
    assert "Set aside at the award: rank 1 Alder Training: suspended (audit)" in record


def test_the_routes_are_enforced(borsetshire):
    ranked = request(borsetshire, lot="1")
    error = borsetshire.refused("competition", "open", ranked, "--closes", "2026-05-15",
                                "--on", "2026-05-01")  # fmt: skip
    assert "lot 1 awards call-offs by the ranking, not by competition" in error
    by_competition = request(borsetshire, lot="3")
    error = borsetshire.refused("allocate", by_competition, "--on", "2026-05-01")
    assert "lot 3 awards call-offs by competition" in error
    assert f"calloff competition open {by_competition} --closes DATE" in error


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--weights", "quality=55,price=40"), 1, "add up to 95, not 100"),
        (("--weights", "quality=75,price=25"), 1, "outside the range the framework allows"),
        (("--weights", "quality=60,social_value=40"), 1, "not one of the framework's award"),
        (("--weights", "quality=100"), 1, "leaves out price"),
        (("--weights", "quality:65"), 2, "write each as CRITERION=N"),
        (("--weights", "quality=6.5,price=35"), 2, "write each as CRITERION=N"),
        (("--closes", "2026-04-30"), 1, "before the opening date"),
        (("--closes", "2026-13-01"), 2, "2026-13-01"),
    ],
)
def test_bad_openings_are_one_line_and_write_nothing(borsetshire, args, code, says):
    r = request(borsetshire)
    base = ["competition", "open", r, "--on", "2026-05-01"]
    if "--closes" not in args:
        base += ["--closes", "2026-05-15"]
    assert says in borsetshire.refused(*base, *args, code=code)


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("Alder Training", "--price", "100", "--score", "quality=70", "--on", "2026-05-16"),
         1, "closed at the end of 2026-05-15"),
        (("Damson CIC", "--price", "100", "--score", "quality=70", "--on", "2026-05-10"),
         1, "Damson CIC was not invited to competition 1: it was passed over"),
        (("Nobody Ltd", "--price", "100", "--score", "quality=70", "--on", "2026-05-10"),
         1, "no provider is called 'Nobody Ltd'"),
        (("Alder Training", "--price", "100", "--score", "quality=101", "--on", "2026-05-10"),
         2, "scores run from 0 to 100"),
        (("Alder Training", "--price", "100", "--score", "quality=-1", "--on", "2026-05-10"),
         2, "give a number from 0 to 100"),
        (("Alder Training", "--price", "100", "--score", "quality=70.125", "--on", "2026-05-10"),
         2, "give a number from 0 to 100"),
        (("Alder Training", "--price", "100", "--on", "2026-05-10"),
         1, "no score for quality"),
        (("Alder Training", "--price", "100", "--score", "quality=70", "--score", "price=50",
          "--on", "2026-05-10"), 1, "price is scored from --price"),
        (("Alder Training", "--price", "100", "--score", "delivery=70", "--on", "2026-05-10"),
         1, "delivery is not one of competition 1's award criteria"),
        (("Alder Training", "--price", "0", "--score", "quality=70", "--on", "2026-05-10"),
         1, "--price must be more than £0.00"),
        (("Alder Training", "--price", "12,50a", "--score", "quality=70"), 2, "12,50a"),
        (("Alder Training", "--price", "100", "--score", "quality", "--on", "2026-05-10"),
         2, "is not a score"),
        (("Alder Training", "--price", "100", "--score", "quality=70", "--on", "2026-04-30"),
         1, "before competition 1 opened on 2026-05-01"),
    ],
)  # fmt: skip
def test_bad_bids_are_one_line_and_write_nothing(borsetshire, args, code, says):
    opened(borsetshire, request(borsetshire))
    assert says in borsetshire.refused("competition", "bid", "1", *args, code=code)


def test_a_provider_answers_once_and_not_after_the_award(three_bids):
    error = three_bids.refused("competition", "no-bid", "1", "Alder Training")
    assert "Alder Training already bid in competition 1 on 2026-05-10" in error
    assert "takes bids until 2026-05-15: award it on or after that day" in three_bids.refused(
        "competition", "award", "1", "--on", "2026-05-14"
    )
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    assert "was awarded" in three_bids.refused("competition", "award", "1", "--on", "2026-05-19")
    assert "was awarded" in three_bids.refused("competition", "cancel", "1", "--reason", "x")


def test_a_request_is_in_one_competition_at_a_time(borsetshire):
    r = request(borsetshire)
    opened(borsetshire, r)
    error = borsetshire.refused("competition", "open", r, "--closes", "2026-05-20",
                                "--on", "2026-05-02")  # fmt: skip
    assert "already in competition 1" in error
    assert "not exist" in borsetshire.refused("competition", "show", "9")


def test_bids_are_sealed_until_the_close(borsetshire):
    r = request(borsetshire)
    opened(borsetshire, r, on="2026-12-01", closes="2026-12-31")
    bid(borsetshire, 1, "Alder Training", "12000", "80", on="2026-12-02")
    k = borsetshire.json("competition", "show", "1")
    assert (k["status"], k["sealed"], k["results"]) == ("open", True, [])
    assert k["bids"][0]["price"] is None and k["bids"][0]["scores"] is None
    assert "sealed until the close" in borsetshire.ok("competition", "show", "1").stdout
    assert "takes bids until 2026-12-31" in borsetshire.refused(
        "competition", "award", "1", "--on", "2026-12-03"
    )


def test_letters_give_each_bidder_its_own_scores_beside_the_winners(three_bids, tmp_path):
    assert "letters are written once it is awarded" in three_bids.refused(
        "competition", "letters", "1", "--output-dir", str(tmp_path)
    )
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    out = three_bids.ok("competition", "letters", "1", "--output-dir", str(tmp_path / "l"))
    files = sorted(p.name for p in (tmp_path / "l").iterdir())
    assert files == [
        "competition-1-letter-1-alder-training.md",
        "competition-1-letter-2-birch-practice-ltd.md",
        "competition-1-letter-3-cedar-conferencing.md",
    ]
    assert out.stdout.count("Wrote ") == 3
    birch = (tmp_path / "l" / files[1]).read_text()
    assert "Birch Practice Ltd" in birch and "Alder Training" in birch
    assert "Cedar" not in birch and "£10,000.00" not in birch and "42.00" not in birch
    # Birch's £9,000 is the lowest price, not the winner's: no letter gives price points
    # or totals (tests/test_competition_letters.py).
    assert "| Quality of the proposed delivery: points (of 60) | 36.00 | 48.00 |" in birch
    assert "Price points (of" not in birch and "Total (of 100)" not in birch
    assert "Your bid was placed 3 of the 3 bids scored." in birch
    assert "ends at the end of 2026-05-28" in birch
    cedar = (tmp_path / "l" / files[2]).read_text()
    assert "whose bid scored highest" in cedar and "equalled" not in cedar
    assert "Birch" not in cedar
    alder = (tmp_path / "l" / files[0]).read_text()
    assert "Your bid scored highest" in alder
    assert "Birch" not in alder and "Cedar" not in alder
    # A second run refuses to replace them, unless told to.
    assert "already exists" in three_bids.refused(
        "competition", "letters", "1", "--output-dir", str(tmp_path / "l")
    )
    three_bids.ok("competition", "letters", "1", "--output-dir", str(tmp_path / "l"), "--force",
                  "--format", "html")  # fmt: skip
    html = (tmp_path / "l" / "competition-1-letter-2-birch-practice-ltd.html").read_text()
    assert '<td class="num">36.00</td>' in html and "Cedar" not in html


def test_every_step_is_in_the_audit_trail(three_bids):
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    events = three_bids.json("audit")
    actions = [e["action"] for e in (events["events"] if isinstance(events, dict) else events)]
    assert actions.count("competition.bid") == 3
    assert {"competition.open", "competition.award", "calloff.offer"} <= set(actions)
    assert three_bids.json("audit", "verify")["ok"] is True


def test_show_and_the_record_say_how_the_calloff_was_awarded(three_bids):
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    shown = three_bids.json("show", "1")
    assert shown["awarded_by"] == "competition"
    assert shown["competition_detail"]["winner"]["name"] == "Alder Training"
    text = three_bids.ok("show", "1").stdout
    assert "Awarded by: competition 1, total 78.00; standstill ends 2026-05-28" in text
    record = three_bids.ok("record", "1").stdout
    assert "## The competition" in record
    assert "| 2 | Cedar Conferencing (rank 3) | £10,000.00 | 70.00 → 42.00 | 36.00 | 78.00 |" in (
        record
    )
    order = three_bids.ok("order", "1").stdout
    assert "the price of your bid in the competition" in order
    assert "Cedar" not in order and "Birch" not in order


def test_publications_mark_the_route(three_bids):
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    three_bids.ok("accept", "1", "--on", "2026-05-29")
    release = json.loads(three_bids.ok("publish", "ocds").stdout)["releases"]
    framework, calloff = release[0], release[1]
    assert framework["tender"]["techniques"]["frameworkAgreement"]["method"] == (
        "withAndWithoutReopeningCompetition"
    )
    assert (calloff["tender"]["procurementMethod"], calloff["tender"]["competitive"]) == (
        "selective",
        True,
    )
    assert "by competition 1" in calloff["awards"][0]["description"]
    contracts = three_bids.json("publish", "contracts", "--year", "2026-27", "--quarter", "1")
    (row,) = [r for r in contracts["rows"] if r["kind"] == "call-off"]
    assert row["procurement_route"] == "call-off from framework BORSETSHIRE-RP-2026, by competition"
    notice = three_bids.ok("publish", "notice", "1", "--type", "details", "--format", "md")
    assert "By competition 1 under the framework" in notice.stdout
    report = three_bids.json("report", "quarterly", "--year", "2026-27", "--quarter", "1")
    raised = report["quarters"][0]["calloffs_raised"]
    assert [(c["calloff"], c["awarded_by"], c["competition"]) for c in raised] == [
        (1, "competition", 1)
    ]


def test_a_refused_award_leaves_every_table_as_it_was(three_bids):
    before = snapshot(three_bids.db)
    three_bids.refused("competition", "award", "1", "--on", "2026-05-14")
    assert snapshot(three_bids.db) == before


BASE = """
schema = 1
id = "testshire-rp"
name = "Test framework"
buyer = "Testshire Council"
regime = "pa2023"
{extra}

[term]
start = 2026-04-01
initial_years = {years}
extensions = {extensions}

[[lots]]
number = 1
title = "Training"
award = "{award}"

[streams.core]
caps = {{ "2026-27" = "50000.00" }}
"""
CRITERIA = """
standstill_days = 5
[criteria.quality]
weight = 70
min = 60
max = 80
[criteria.price]
weight = 30
range = [20, 40]
"""


def definition(tmp_path, award="either", years=2, extensions=2, extra=CRITERIA):
    path = tmp_path / "def.toml"
    path.write_text(BASE.format(award=award, years=years, extensions=extensions, extra=extra))
    return str(path)


def test_a_definition_sets_each_lots_route_and_the_criteria(calloff, tmp_path):
    calloff.ok("init", "--from", definition(tmp_path))
    fw = calloff.json("framework")
    assert fw["lots"][0]["award"] == "either"
    assert fw["criteria"] == [
        {"name": "quality", "title": None, "weight": 70, "min": 60, "max": 80},
        {"name": "price", "title": None, "weight": 30, "min": 20, "max": 40},
    ]
    assert fw["standstill_days"] == 5


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"years": 3, "extensions": 2}, "runs 5 years with every extension, but a Procurement "
         "Act 2023 framework may run at most four"),
        ({"award": "auction"}, "award 'auction' is not known"),
        ({"extra": ""}, "lot 1 awards by either, so the framework needs award criteria"),
        ({"extra": CRITERIA.replace("weight = 30", "weight = 20")}, "add up to 90, not 100"),
        ({"extra": CRITERIA.replace("max = 80", "max = 65")}, "must lie within its range"),
        ({"extra": CRITERIA.replace("standstill_days = 5", "standstill_days = -1")},
         "standstill_days must be a whole number of working days"),
    ],
)  # fmt: skip
def test_bad_definitions_are_refused_on_load(calloff, tmp_path, kwargs, says):
    error = calloff.refused("init", "--from", definition(tmp_path, **kwargs))
    assert says in error
    assert not calloff.db.exists()


def test_four_years_is_the_limit_unless_light_touch(calloff, tmp_path):
    calloff.ok("init", "--from", definition(tmp_path, years=2, extensions=2))
    light = tmp_path / "light.toml"
    light.write_text(BASE.format(award="ranked", years=4, extensions=4, extra="light_touch = true"))
    calloff.db.unlink()
    calloff.ok("init", "--from", str(light))


def test_an_array_of_criteria_is_read_the_same_way(calloff, tmp_path):
    extra = """
[[criteria]]
name = "Quality"
weight = 60
min = 50
max = 70
[[criteria]]
name = "price"
weight = 40
"""
    calloff.ok("init", "--from", definition(tmp_path, extra=extra))
    assert [c["name"] for c in calloff.json("framework")["criteria"]] == ["quality", "price"]
    r = request(calloff, lot="1", value="1000", start="2026-09-01")
    error = calloff.refused("competition", "open", r, "--closes", "2026-05-10", "--on",
                            "2026-05-01", "--weights", "quality=60,price=41")  # fmt: skip
    assert "price is 41, outside the range the framework allows (40–40)" in error


def test_the_closing_day_takes_bids_until_the_award_is_made_that_day(borsetshire):
    r = request(borsetshire)
    opened(borsetshire, r)
    bid(borsetshire, 1, "Alder Training", "12000", "80", on="2026-05-15")  # the closing day
    c = borsetshire.json("competition", "award", "1", "--on", "2026-05-15")
    assert (c["name"], c["raised_on"]) == ("Alder Training", "2026-05-15")
    error = borsetshire.refused("competition", "bid", "1", "Birch Practice Ltd", "--price",
                                "9000", "--score", "quality=60", "--on", "2026-05-15")  # fmt: skip
    assert "competition 1 was awarded on 2026-05-15: bidding closed with that award" in error


def test_a_competition_table_with_award_criteria_is_read_too(calloff, tmp_path):
    extra = """
[competition]
standstill_working_days = 3
[competition.award_criteria]
quality = { weight = 55, low = 50, high = 60 }
price = { weight = 45, range = [40, 50] }
"""
    calloff.ok("init", "--from", definition(tmp_path, extra=extra))
    fw = calloff.json("framework")
    assert [(c["name"], c["weight"], c["min"], c["max"]) for c in fw["criteria"]] == [
        ("quality", 55, 50, 60),
        ("price", 45, 40, 50),
    ]
    assert fw["standstill_days"] == 3


def test_the_request_list_says_a_request_is_in_competition(borsetshire):
    r = request(borsetshire)
    assert borsetshire.json("request", "list")[0]["status"] == "new"
    opened(borsetshire, r)
    row = borsetshire.json("request", "list")[0]
    assert (row["status"], row["competition"], row["calloff"]) == ("in_competition", 1, None)
    assert "in_competition competition 1" in borsetshire.ok("request", "list").stdout
    bid(borsetshire, 1, "Alder Training", "12000", "80")
    borsetshire.ok("competition", "award", "1", "--on", "2026-05-18")
    row = borsetshire.json("request", "list")[0]
    assert (row["status"], row["calloff"]) == ("offered", 1)


def test_the_record_of_an_award_that_fell_through_is_as_that_award_made_it(three_bids):
    """Alder won (78.00) and declined; Cedar then won (78.00 without Alder). Call-off 1's
    record still shows Alder first, nothing set aside, and its own standstill."""
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    three_bids.ok("decline", "1", "--reason", "no trainer free", "--on", "2026-05-20")
    three_bids.ok("competition", "award", "1", "--on", "2026-05-21")
    first = three_bids.json("show", "1")["competition_detail"]
    assert first["results"][0]["name"] == "Alder Training"
    assert (first["set_aside"], first["calloff"], first["standstill_ends"]) == (
        [],
        1,
        "2026-05-28",
    )
    assert "Awarded by: competition 1, total 78.00" in three_bids.ok("show", "1").stdout
    second = three_bids.json("show", "2")["competition_detail"]
    assert second["winner"]["name"] == "Cedar Conferencing"
    assert second["set_aside"][0]["name"] == "Alder Training"


def test_a_rejected_award_says_to_award_the_competition_again(borsetshire):
    r = request(borsetshire, value="60000")
    opened(borsetshire, r)
    bid(borsetshire, 1, "Birch Practice Ltd", "60000", "70")
    borsetshire.ok("competition", "award", "1", "--on", "2026-05-18")
    out = borsetshire.ok("reject", "1", "--reason", "over budget", "--on", "2026-05-19",
                         officer="b").stdout  # fmt: skip
    assert "competition 1 can be awarded again (`calloff competition award 1`)" in out
    again = borsetshire.json("competition", "award", "1", "--on", "2026-05-20")
    assert (again["name"], again["calloff"]) == ("Birch Practice Ltd", 2)


def test_a_cancellation_is_dated_on_or_after_the_last_bid(three_bids):
    error = three_bids.refused("competition", "cancel", "1", "--reason", "x", "--on", "2026-05-05")
    assert "before competition 1's last bid, dated 2026-05-10" in error


def test_the_audit_trail_keeps_a_bid_sealed_until_the_closing_day(borsetshire):
    opened(borsetshire, request(borsetshire), on="2026-12-01", closes="2026-12-31")
    bid(borsetshire, 1, "Alder Training", "12000", "80", on="2026-12-02")
    (event,) = [e for e in borsetshire.json("audit") if e["action"] == "competition.bid"]
    assert event["after"] == {"provider": 1, "price": None, "scores": None, "sealed": True}
    assert borsetshire.json("audit", "verify")["ok"] is True


def test_a_calloffs_audit_includes_the_competition_that_made_it(three_bids):
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    actions = [e["action"] for e in three_bids.json("audit", "--calloff", "1")]
    assert actions == [
        "competition.open",
        "competition.bid",
        "competition.bid",
        "competition.bid",
        "calloff.offer",
        "competition.award",
    ]
    mine = [e["action"] for e in three_bids.json("audit", "--provider", "Birch Practice Ltd")]
    assert "competition.bid" in mine
    bid_event = next(e for e in three_bids.json("audit") if e["action"] == "competition.bid")
    assert bid_event["after"]["price"] == "12000.00"  # closed: shown as recorded


def test_the_list_gives_each_competitions_status_as_show_does(three_bids):
    opened(three_bids, request(three_bids), on="2026-12-01", closes="2026-12-31")
    three_bids.ok("competition", "award", "1", "--on", "2026-05-18")
    listed = {k["competition"]: k["status"] for k in three_bids.json("competition", "list")}
    shown = {n: three_bids.json("competition", "show", str(n))["status"] for n in (1, 2)}
    assert listed == shown == {1: "awarded", 2: "open"}
    assert three_bids.json("competition", "list")[0]["bids"] == 3


def test_a_back_dated_award_is_refused_where_it_would_breach_a_later_day(borsetshire):
    """Recorded first, a ranked call-off of £170,000 held from 1 June 2026 (awaiting
    approval). An award back-dated to 20 May of £15,000 fits on 20 May (£180,000 left) but
    not from 1 June, when £10,000 is left: £5,000 over. The ceiling holds on every day."""
    ranked = request(borsetshire, lot="1", value="170000", on="2026-05-01")
    borsetshire.ok("allocate", ranked, "--on", "2026-06-01", officer="b")
    r = request(borsetshire, on="2026-05-01")
    opened(borsetshire, r, on="2026-05-01", closes="2026-05-15")
    bid(borsetshire, 1, "Birch Practice Ltd", "15000", "70")
    error = borsetshire.refused("competition", "award", "1", "--on", "2026-05-20")
    assert "below zero on 2026-06-01" in error and "£5,000.00 over" in error
