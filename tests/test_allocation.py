"""Allocation by rank under the ceiling: allocate, decline, lapse, accept, headroom."""

import pytest


def test_allocate_offers_rank_one_with_value_from_its_rate(leeds, add_request):
    """6 days on lot 4 go to rank 1 at its £1,000 day rate: £6,000, respond in 3 working days."""
    rid = add_request("--quantity", "6", "--unit", "day")
    out = leeds.json("allocate", str(rid), "--on", "2015-06-01")
    assert out == {
        "calloff": 1,
        "request": rid,
        "lot": 4,
        "provider": 1,
        "name": "Alder Training",
        "rank": 1,
        "status": "offered",
        "value": "6000.00",
        "funding": "core",
        "respond_by": "2015-06-04",
        "passed_over": [],
        "headroom": "254000.00",
        "reason": None,
        "approval_reason": None,
    }
    head = leeds.json("headroom", "--year", "2015-16")
    assert head["ceiling"] == "260000.00"
    assert head["committed"] == "6000.00"
    assert head["headroom"] == "254000.00"
    assert head["streams"]["core"] == {
        "cap": "260000.00",
        "status": "confirmed",
        "committed": "6000.00",
        "spent": "0.00",
        "headroom": "254000.00",
    }
    assert head["streams"]["innovation"]["status"] == "pending"
    assert head["streams"]["innovation"]["headroom"] == "0.00"


def test_passed_over_providers_are_recorded_with_reasons(leeds, add_request):
    """Suspended and unavailable providers are passed over and the reasons kept."""
    leeds.ok("provider", "suspend", "1", "--reason", "quality review", "--on", "2015-05-01")
    leeds.ok(
        "provider",
        "unavailable",
        "2",
        "--from",
        "2015-06-03",
        "--to",
        "2015-06-10",
        "--reason",
        "trainer on leave",
    )
    rid = add_request("--quantity", "2", "--unit", "day", start="2015-06-01")
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "x",
        "--start",
        "2015-06-01",
        "--end",
        "2015-06-05",
        "--value",
        "100",
    )
    out = leeds.json("allocate", "2", "--on", "2015-05-20")
    assert out["provider"] == 3 and out["rank"] == 3
    assert out["passed_over"] == [
        {
            "provider": 1,
            "name": "Alder Training",
            "rank": 1,
            "reason": "suspended (quality review)",
        },
        {
            "provider": 2,
            "name": "Birch Practice Ltd",
            "rank": 2,
            "reason": "unavailable 2015-06-03 to 2015-06-10 (trainer on leave)",
        },
    ]
    # The one-day request on 1 June does not touch Birch's leave.
    assert leeds.json("allocate", str(rid), "--on", "2015-05-20")["provider"] == 2


def test_a_suspension_counts_from_its_effective_date(leeds, add_request):
    """An offer dated before a suspension still goes to the suspended provider."""
    leeds.ok("provider", "suspend", "1", "--reason", "audit", "--on", "2015-06-10")
    rid = add_request()
    assert leeds.json("allocate", str(rid), "--on", "2015-06-01")["provider"] == 1


def test_decline_cascades_to_the_next_rank(leeds, add_request):
    """A decline closes that call-off and opens a new one for rank 2 at rank 2's price."""
    rid = add_request("--quantity", "5", "--unit", "day")
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    out = leeds.json("decline", "1", "--reason", "no trainers free", "--on", "2015-06-02")
    assert out["calloff"] == 2 and out["provider"] == 2 and out["rank"] == 2
    assert out["status"] == "offered" and out["value"] == "6000.00"
    assert out["respond_by"] == "2015-06-05"
    assert out["passed_over"] == [
        {
            "provider": 1,
            "name": "Alder Training",
            "rank": 1,
            "reason": "declined on 2015-06-02: no trainers free",
        }
    ]
    assert leeds.json("headroom", "--year", "2015-16")["committed"] == "6000.00"
    shown = leeds.json("show", "1")
    assert shown["status"] == "declined" and shown["reason"] == "no trainers free"
    assert [h["calloff"] for h in leeds.json("show", "2")["history"]] == [1, 2]


def test_decline_by_every_provider_leaves_the_request_unallocated(leeds, add_request):
    """When nobody is left, the request is unallocated and every rank says why."""
    rid = add_request()
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    leeds.json("decline", "1", "--reason", "busy", "--on", "2015-06-01")
    leeds.json("decline", "2", "--reason", "too far", "--on", "2015-06-02")
    out = leeds.json("decline", "3", "--reason", "conditions", "--on", "2015-06-03")
    assert out["status"] == "unallocated" and out["calloff"] is None
    assert [p["rank"] for p in out["passed_over"]] == [1, 2, 3]
    assert out["passed_over"][2]["reason"] == "declined on 2015-06-03: conditions"
    head = leeds.json("headroom", "--year", "2015-16")
    assert head["committed"] == "0.00" and head["headroom"] == "260000.00"
    assert leeds.json("offers") == []


def test_allocate_with_no_eligible_provider_is_refused(leeds, add_request):
    """Refused in one line naming each rank's reason; nothing written."""
    for pid in ("1", "2", "3"):
        leeds.ok("provider", "suspend", pid, "--reason", "review", "--on", "2015-05-01")
    rid = add_request()
    message = leeds.refused("allocate", str(rid), "--on", "2015-06-01")
    assert "no provider on lot 4" in message
    assert "rank 1 Alder Training: suspended (review)" in message
    assert "rank 3 Cedar Conferencing" in message


def test_a_provider_without_a_rate_for_the_unit_is_passed_over(leeds, add_request):
    """A request in sessions skips providers who tendered no session rate."""
    leeds.ok("price", "set", "4", "2", "--session", "300")
    rid = add_request("--quantity", "4", "--unit", "session")
    out = leeds.json("allocate", str(rid), "--on", "2015-06-01")
    assert out["provider"] == 2 and out["value"] == "1200.00"
    assert out["passed_over"][0]["reason"] == "no tendered session rate on lot 4"


def test_headroom_refusal_leaves_nothing_behind(leeds, add_request):
    """An offer that would take core headroom below zero is refused; the database is as it was."""
    big = add_request("--value", "255000")
    leeds.json("allocate", str(big), "--on", "2015-06-01")
    small = add_request("--value", "5000.01")
    message = leeds.refused("allocate", str(small), "--on", "2015-06-01")
    assert "below zero" in message and "£5,000.00 left" in message
    exact = add_request("--value", "5000")
    assert leeds.json("allocate", str(exact), "--on", "2015-06-01")["headroom"] == "0.00"


def test_cascade_to_a_dearer_provider_can_be_refused_at_the_ceiling(leeds, add_request):
    """Rank 1 fits; after its decline rank 2's dearer price does not: the request waits."""
    leeds.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "11000",
        "--on",
        "2015-04-01",
    )
    rid = add_request("--quantity", "10", "--unit", "day")  # £10,000 at rank 1, £12,000 at 2
    assert leeds.json("allocate", str(rid), "--on", "2015-06-01")["value"] == "10000.00"
    out = leeds.json("decline", "1", "--reason", "busy", "--on", "2015-06-02")
    assert out["status"] == "unallocated"
    assert "£12,000.00" in out["reason"] and "below zero" in out["reason"]
    assert leeds.json("headroom", "--year", "2015-16")["committed"] == "0.00"
    # Once the ceiling allows, allocating again continues the cascade past the decliner.
    leeds.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "12000",
        "--on",
        "2015-06-03",
    )
    again = leeds.json("allocate", str(rid), "--on", "2015-06-03")
    assert again["provider"] == 2 and again["headroom"] == "0.00"


def test_a_request_cannot_be_allocated_twice(leeds, add_request):
    """While an offer is live, allocating the request again is refused."""
    rid = add_request()
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    assert "already offered" in leeds.refused("allocate", str(rid), "--on", "2015-06-01")


@pytest.mark.parametrize(
    "on, fragment",
    [
        ("2015-03-31", "it starts on 2015-04-01"),
        ("2016-04-01", "its term ended on 2016-03-31; if an extension was agreed by then"),
    ],
)
def test_allocation_outside_the_term_is_refused(leeds, add_request, on, fragment):
    """A call-off can be awarded only while the framework is in force."""
    rid = add_request()
    assert fragment in leeds.refused("allocate", str(rid), "--on", on)


def test_extension_lets_allocation_continue_and_delivery_may_outlast_the_term(leeds, add_request):
    """After one extension the term ends 31 March 2017; delivery may run past the end."""
    term = leeds.json("term", "extend", "--on", "2016-02-01")
    assert term["end"] == "2017-03-31" and term["extensions_left"] == 1
    assert term["original_end"] == "2016-03-31"
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
        "2016-02-01",
    )
    rid = add_request(start="2017-03-01", on="2016-05-01")
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "runs past the end",
        "--start",
        "2017-03-20",
        "--end",
        "2017-05-30",
        "--value",
        "1000",
    )
    assert leeds.json("allocate", str(rid), "--on", "2016-05-01")["status"] == "offered"
    assert leeds.json("allocate", "2", "--on", "2017-03-31")["status"] == "offered"
    leeds.json("term", "extend", "--on", "2017-01-01")
    assert "no extensions are left" in leeds.refused("term", "extend", "--on", "2017-06-01")
    assert leeds.json("term")["end"] == "2018-03-31"


def test_an_expired_framework_cannot_be_extended(leeds):
    """Extension must be taken up while the framework is in force."""
    message = leeds.refused("term", "extend", "--on", "2016-04-01")
    assert "an extension is taken up while the term runs" in message
    assert "`calloff term extend --on 2016-03-31`" in message


def test_a_year_with_no_ceiling_is_refused_with_how_to_set_one(leeds, add_request):
    """The documents give no ceiling for extension years: say how to set one."""
    leeds.ok("term", "extend", "--on", "2016-01-01")
    rid = add_request(start="2016-06-01", on="2016-05-01")
    message = leeds.refused("allocate", str(rid), "--on", "2016-05-01")
    assert "2016-17 has no ceiling" in message
    assert "calloff ceiling set --year 2016-17 --funding core --amount" in message


def test_grant_funding_is_refused_while_pending_then_counts_once_confirmed(leeds, add_request):
    """Innovation money waits for confirmation; then the ceiling is £1.5m."""
    rid = add_request("--value", "300000", "--funding", "innovation")
    assert "pending" in leeds.refused("allocate", str(rid), "--on", "2015-06-01")
    leeds.ok("funding", "confirm", "innovation", "--on", "2015-06-10")
    assert "not confirmed until 2015-06-10" in leeds.refused(
        "allocate", str(rid), "--on", "2015-06-05"
    )
    out = leeds.json("allocate", str(rid), "--on", "2015-06-10")
    assert out["headroom"] == "1200000.00"
    head = leeds.json("headroom", "--year", "2015-16")
    assert head["ceiling"] == "1500000.00" and head["headroom"] == "1200000.00"
    assert head["streams"]["innovation"]["headroom"] == "940000.00"
    assert "already confirmed" in leeds.refused("funding", "confirm", "innovation")


def test_grant_money_only_inside_its_window(leeds, add_request):
    """Innovation call-offs must lie between 1 February 2015 and 31 March 2016."""
    leeds.ok("funding", "confirm", "innovation", "--on", "2015-05-01")
    leeds.ok("term", "extend", "--on", "2016-01-01")
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "late",
        "--start",
        "2016-03-01",
        "--end",
        "2016-04-30",
        "--value",
        "100",
        "--funding",
        "innovation",
    )
    message = leeds.refused("allocate", "1", "--on", "2016-02-01")
    assert "outside the innovation grant window 2015-02-01 to 2016-03-31" in message


def test_traded_spend_counts_against_the_ceiling(leeds, add_request):
    """Schools' traded call-offs have no cap of their own but fill the contract ceiling."""
    big = add_request("--value", "250000", "--funding", "traded")
    leeds.json("allocate", str(big), "--on", "2015-06-01")
    head = leeds.json("headroom", "--year", "2015-16")
    assert head["committed"] == "250000.00" and head["headroom"] == "10000.00"
    assert head["streams"]["traded"]["cap"] is None
    core = add_request("--value", "10000.01")
    assert "contract headroom" in leeds.refused("allocate", str(core), "--on", "2015-06-01")


def test_lapse_treats_silence_as_a_decline(leeds, add_request):
    """Offers past their respond-by date lapse and cascade; earlier ones are left alone."""
    a = add_request()
    b = add_request(start="2015-07-01")
    leeds.json("allocate", str(a), "--on", "2015-06-01")  # respond by 2015-06-04
    leeds.json("allocate", str(b), "--on", "2015-06-03")  # respond by 2015-06-08
    assert leeds.json("lapse", "--on", "2015-06-04") == []
    lapsed = leeds.json("lapse", "--on", "2015-06-05")
    assert len(lapsed) == 1 and lapsed[0]["lapsed"] == 1
    assert lapsed[0]["provider"] == 2 and lapsed[0]["respond_by"] == "2015-06-10"
    assert lapsed[0]["passed_over"][0]["reason"].startswith("did not answer by 2015-06-04")
    offers = leeds.json("offers")
    assert [(o["calloff"], o["provider"], o["respond_by"]) for o in offers] == [
        (2, 1, "2015-06-08"),
        (3, 2, "2015-06-10"),
    ]
    assert set(offers[0]) >= {
        "calloff",
        "request",
        "lot",
        "provider",
        "rank",
        "value",
        "respond_by",
    }


def test_accept_and_decline_check_status_and_dates(leeds, add_request):
    """Only an offered call-off can be accepted or declined, and not before it was offered."""
    rid = add_request()
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    assert "before call-off 1 was offered" in leeds.refused("accept", "1", "--on", "2015-05-31")
    leeds.ok("accept", "1", "--on", "2015-06-02")
    assert "is accepted" in leeds.refused("decline", "1", "--reason", "x")
    assert "is accepted" in leeds.refused("accept", "1")
    assert leeds.json("show", "1")["status"] == "accepted"


def test_effective_dates_may_arrive_out_of_order(leeds, add_request):
    """Yesterday's decline recorded after today's request still cascades from its own date."""
    first = add_request(on="2015-06-01")
    leeds.json("allocate", str(first), "--on", "2015-06-01")
    add_request(on="2015-06-05")
    out = leeds.json("decline", "1", "--reason", "busy", "--on", "2015-06-02")
    assert out["respond_by"] == "2015-06-05"


def test_ceiling_cannot_be_set_below_commitments(leeds, add_request):
    """Lowering a cap under what is committed would make headroom negative: refused."""
    rid = add_request("--value", "50000")
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    assert "below zero on 2015-07-01" in leeds.refused(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "49999.99",
        "--on",
        "2015-07-01",
    )
    assert "no cap of its own" in leeds.refused(
        "ceiling", "set", "--year", "2015-16", "--funding", "traded", "--amount", "1"
    )
    assert "before the framework's first year" in leeds.refused(
        "ceiling", "set", "--year", "2014-15", "--funding", "core", "--amount", "1"
    )


def test_show_tells_the_whole_story(leeds, add_request):
    """`show` prints the call-off, who was passed over and its audit trail."""
    rid = add_request()
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    leeds.json("decline", "1", "--reason", "busy", "--on", "2015-06-02")
    text = leeds.ok("show", "2").output
    assert "2015-06-02  rank 1 Alder Training: call-off 1 declined: busy" in text
    assert "calloff.offer" in text
    data = leeds.json("show", "2")
    assert data["passed_over"][0]["rank"] == 1
    assert data["request_detail"]["title"] == "Deep dive"


def test_headroom_defaults_to_the_last_year_of_the_term(leeds):
    """Today is past the term, so headroom shows its last financial year."""
    assert leeds.json("headroom")["year"] == "2015-16"


def test_a_back_dated_offer_must_fit_the_ceiling_of_its_day(leeds, add_request):
    """Confirmed on 15 June, the grant cannot carry an offer dated 1 May over £260,000."""
    rid = add_request("--value", "300000", "--funding", "traded")
    assert "below zero" in leeds.refused("allocate", str(rid), "--on", "2015-05-01")
    leeds.ok("funding", "confirm", "innovation", "--on", "2015-06-15")
    message = leeds.refused("allocate", str(rid), "--on", "2015-05-01")
    assert "left on 2015-05-01 under the ceiling of £260,000.00" in message
    assert leeds.json("allocate", str(rid), "--on", "2015-06-15")["headroom"] == "1200000.00"


def test_a_withdrawal_is_final_whatever_the_dates(leeds, add_request):
    """A withdrawal dated before a suspension still wins, and nothing reinstates it."""
    leeds.ok("provider", "suspend", "1", "--reason", "q", "--on", "2015-07-01")
    leeds.ok("provider", "withdraw", "1", "--reason", "ceased trading", "--on", "2015-06-01")
    assert "a withdrawal is final" in leeds.refused(
        "provider", "reinstate", "1", "--on", "2015-08-01"
    )
    rid = add_request(start="2015-08-20")
    out = leeds.json("allocate", str(rid), "--on", "2015-08-10")
    assert out["provider"] == 2
    assert out["passed_over"][0]["reason"] == "withdrawn from the framework (ceased trading)"


def test_unallocated_names_the_provider_refused_at_the_ceiling(leeds, add_request):
    """After a decline, the dearer next rank refused at the ceiling is listed with its reason."""
    leeds.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "11000",
        "--on",
        "2015-04-01",
    )
    rid = add_request("--quantity", "10", "--unit", "day")
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    out = leeds.json("decline", "1", "--reason", "busy", "--on", "2015-06-02")
    assert [(p["rank"], p["name"]) for p in out["passed_over"]] == [
        (1, "Alder Training"),
        (2, "Birch Practice Ltd"),
    ]
    assert "below zero" in out["passed_over"][1]["reason"]


def test_lapse_after_the_term_lists_who_lapsed(leeds, add_request):
    """When the term has ended the cascade cannot continue; the lapsed provider is listed."""
    rid = add_request(start="2016-03-20")
    leeds.json("allocate", str(rid), "--on", "2016-03-28")
    [item] = leeds.json("lapse", "--on", "2016-04-05")
    assert item["status"] == "unallocated" and "term ended" in item["reason"]
    assert item["passed_over"][0]["reason"].startswith("did not answer by 2016-03-31")


def test_extensions_are_taken_in_order(leeds):
    """A second extension cannot be dated before the first."""
    leeds.json("term", "extend", "--on", "2016-02-01")
    assert "extensions are taken in order" in leeds.refused("term", "extend", "--on", "2015-05-01")


def test_headroom_says_when_a_year_has_no_ceiling(leeds):
    """An extension year without a ceiling is flagged, not shown as a silent zero."""
    data = leeds.json("headroom", "--year", "2016-17")
    assert data["has_ceiling"] is False and data["ceiling"] is None
    assert data["headroom"] is None
    assert "has no ceiling yet" in leeds.ok("headroom", "--year", "2016-17").output
    assert "before the framework's first year" in leeds.refused("headroom", "--year", "1999-00")
