"""Approvals and separation of duties: at or over the threshold, a second officer approves."""

import os

HERE = os.path.dirname(__file__)


def test_at_the_threshold_a_call_off_waits_for_approval(leeds, add_request):
    """£25,000 on Leeds: the commitment is held but the provider is not yet offered the work."""
    rid = add_request("--value", "25000")
    out = leeds.json("allocate", str(rid), "--on", "2015-06-01")
    assert out["status"] == "awaiting_approval" and out["respond_by"] is None
    assert leeds.json("headroom", "--year", "2015-16")["committed"] == "25000.00"
    assert leeds.json("offers") == []
    assert [a["calloff"] for a in leeds.json("approvals")] == [1]
    assert "awaiting approval" in leeds.refused("order", "1")
    assert "only an offered call-off can be accepted" in leeds.refused("accept", "1")


def test_just_under_the_threshold_is_offered_at_once(leeds, add_request):
    """£24,999.99 needs no approval."""
    rid = add_request("--value", "24999.99")
    assert leeds.json("allocate", str(rid), "--on", "2015-06-01")["status"] == "offered"


def test_the_raiser_cannot_approve(leeds, add_request):
    """Separation of duties: the refusal says why, and nothing changes."""
    rid = add_request("--value", "30000")
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    message = leeds.refused("approve", "1", "--on", "2015-06-02")
    assert "officer.a raised call-off 1 and cannot approve it" in message


def test_approval_offers_it_and_starts_the_response_period(leeds, add_request):
    """Approved Friday 5 June 2015: respond by Wednesday 10 June; the order names the approver."""
    rid = add_request("--value", "30000")
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    out = leeds.json("approve", "1", "--on", "2015-06-05", officer="officer.b")
    assert out["status"] == "offered" and out["respond_by"] == "2015-06-10"
    assert out["approved_by"] == "officer.b" and out["approved_on"] == "2015-06-05"
    assert [o["calloff"] for o in leeds.json("offers")] == [1]
    order = leeds.ok("order", "1").stdout
    assert "| Authorised by | officer.b on 2015-06-05 |" in order
    assert "approve" in [e["action"].split(".")[1] for e in leeds.json("audit", "--calloff", "1")]


def test_rejection_releases_the_commitment_and_reopens_the_request(leeds, add_request):
    """A rejected call-off commits nothing; allocating again offers the same rank afresh."""
    rid = add_request("--value", "30000")
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    out = leeds.json(
        "reject", "1", "--reason", "not value for money", "--on", "2015-06-02", officer="officer.b"
    )
    assert out["status"] == "rejected"
    assert leeds.json("headroom", "--year", "2015-16")["committed"] == "0.00"
    again = leeds.json("allocate", str(rid), "--on", "2015-06-03")
    assert again["provider"] == 1 and again["status"] == "awaiting_approval"
    assert "was rejected" in leeds.refused("order", "1")


def test_a_cascade_past_the_threshold_also_waits(leeds, add_request):
    """Rank 1 at £24,000 is offered; after its decline rank 2 at £28,800 needs approval."""
    rid = add_request("--quantity", "24", "--unit", "day")
    assert leeds.json("allocate", str(rid), "--on", "2015-06-01")["status"] == "offered"
    out = leeds.json("decline", "1", "--reason", "busy", "--on", "2015-06-02")
    assert out["status"] == "awaiting_approval" and out["value"] == "28800.00"


def test_nottingham_approves_every_call_off(calloff):
    """The Nottingham definition sets the threshold at £0.00."""
    calloff.ok("init", "--framework", "nottingham-rp-2023")
    calloff.ok("provider", "add", "Fictional Practice Partners", "--vat", "standard")
    calloff.ok("rank", "set", "1", "1")
    calloff.ok(
        "request",
        "add",
        "--lot",
        "1",
        "--title",
        "Leadership team training",
        "--start",
        "2023-09-04",
        "--value",
        "1000",
        "--on",
        "2023-07-01",
    )
    out = calloff.json("allocate", "1", "--on", "2023-07-03")
    assert out["status"] == "awaiting_approval" and out["funding"] == "grant"
    calloff.register("head.of.service", "approver")
    calloff.ok("approve", "1", "--on", "2023-07-04", officer="head.of.service")
    calloff.ok(
        "request",
        "add",
        "--lot",
        "1",
        "--title",
        "Whole workforce",
        "--start",
        "2023-10-02",
        "--value",
        "99000",
        "--on",
        "2023-07-01",
    )
    assert "below zero" in calloff.refused("allocate", "2", "--on", "2023-07-05")
