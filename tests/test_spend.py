"""Actual spend and the life of a call-off: spend, vary, complete, cancel."""

import pytest


@pytest.fixture
def accepted(leeds, add_request):
    """Call-off 1: 10 days at Alder's £1,000 on lot 4 from 1 June 2015, accepted."""
    rid = add_request("--quantity", "10", "--unit", "day", "--attendees", "30")
    leeds.json("allocate", str(rid), "--on", "2015-05-20")
    leeds.ok("accept", "1", "--on", "2015-05-21")
    return leeds


def test_spend_is_recorded_and_shown(accepted):
    """An invoice line counts as spend beside the commitment, for the year and the stream."""
    out = accepted.json(
        "spend",
        "add",
        "1",
        "--amount",
        "£2,500.50",
        "--date",
        "2015-06-30",
        "--invoice",
        "INV-001",
        "--attendees",
        "12",
    )
    assert out["spent"] == "2500.50" and out["remaining"] == "7499.50"
    head = accepted.json("headroom", "--year", "2015-16")
    assert head["committed"] == "10000.00" and head["spent"] == "2500.50"
    assert head["headroom"] == "250000.00"
    assert head["streams"]["core"]["spent"] == "2500.50"
    shown = accepted.json("show", "1")
    assert shown["spent"] == "2500.50" and shown["committed"] == "10000.00"
    assert shown["spend"] == [
        {
            "invoice": "INV-001",
            "date": "2015-06-30",
            "amount": "2500.50",
            "attendees": 12,
            "vat": "500.10",  # 20% of £2,500.50 is £500.10: the provider is standard-rated
            "irrecoverable_vat": "0.00",
            "received": None,
            "paid": None,
            "cost_centre": None,
            "gl_code": None,
            "purchase_order": None,
        }
    ]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--amount", "100", "--date", "2015-05-31", "--invoice", "A"], "before call-off 1 starts"),
        (
            ["--amount", "10000.01", "--date", "2015-06-30", "--invoice", "A"],
            "past its value of £10,000.00",
        ),
        (["--amount", "0", "--date", "2015-06-30", "--invoice", "A"], "more than £0.00"),
        (["--amount", "1,00", "--date", "2015-06-30", "--invoice", "A"], "not an amount of money"),
        (["--amount", "1", "--date", "2015-06-31", "--invoice", "A"], "not a date"),
        (["--amount", "1", "--date", "2015-06-30", "--invoice", " "], "invoice reference is empty"),
    ],
)
def test_bad_spend_is_refused(accepted, args, fragment):
    """Spend before the start, past the value, or unreadable is refused and nothing written."""
    code = 2 if fragment.startswith("not a") else 1
    assert fragment in accepted.refused("spend", "add", "1", *args, code=code)


def test_duplicate_invoice_is_refused(accepted):
    """The same invoice reference from the same provider is recorded once."""
    accepted.ok("spend", "add", "1", "--amount", "100", "--date", "2015-06-30", "--invoice", "A")
    assert "already recorded" in accepted.refused(
        "spend", "add", "1", "--amount", "100", "--date", "2015-07-30", "--invoice", "A"
    )


def test_spend_needs_an_accepted_call_off(leeds, add_request):
    """An offer not yet accepted cannot be invoiced."""
    rid = add_request()
    leeds.json("allocate", str(rid), "--on", "2015-05-20")
    assert "only against an accepted call-off" in leeds.refused(
        "spend", "add", "1", "--amount", "1", "--date", "2015-06-01", "--invoice", "A"
    )


def test_grant_spend_must_fall_inside_the_window(leeds, add_request):
    """Innovation money pays only invoices dated up to 31 March 2016."""
    leeds.ok("funding", "confirm", "innovation", "--on", "2015-05-01")
    rid = add_request("--value", "5000", "--funding", "innovation")
    leeds.json("allocate", str(rid), "--on", "2015-05-20")
    leeds.ok("accept", "1", "--on", "2015-05-21")
    assert "outside the innovation grant window" in leeds.refused(
        "spend", "add", "1", "--amount", "1", "--date", "2016-04-01", "--invoice", "A"
    )
    leeds.ok("spend", "add", "1", "--amount", "1", "--date", "2016-03-31", "--invoice", "A")


def test_complete_turns_the_commitment_into_actual_spend(accepted):
    """£10,000 committed, £7,250 invoiced, completed: £2,750 returns to headroom."""
    accepted.ok("spend", "add", "1", "--amount", "7250", "--date", "2015-06-30", "--invoice", "A")
    out = accepted.json("complete", "1", "--on", "2015-07-01")
    assert out["status"] == "completed" and out["spent"] == "7250.00"
    head = accepted.json("headroom", "--year", "2015-16")
    assert head["committed"] == "7250.00" and head["headroom"] == "252750.00"
    assert "is completed" in accepted.refused(
        "spend", "add", "1", "--amount", "1", "--date", "2015-07-02", "--invoice", "B"
    )


def test_cancel_keeps_the_spend_so_far(accepted):
    """Cancelled after £1,000 of £10,000: the commitment is £1,000."""
    accepted.ok("spend", "add", "1", "--amount", "1000", "--date", "2015-06-02", "--invoice", "A")
    out = accepted.json("cancel", "1", "--reason", "service restructure", "--on", "2015-06-03")
    assert out["status"] == "cancelled" and out["reason"] == "service restructure"
    assert accepted.json("headroom", "--year", "2015-16")["committed"] == "1000.00"
    assert "is cancelled" in accepted.refused("complete", "1")


def test_an_offer_can_be_cancelled_before_acceptance(leeds, add_request):
    """Withdrawing an unanswered offer releases its whole commitment."""
    rid = add_request()
    leeds.json("allocate", str(rid), "--on", "2015-05-20")
    leeds.ok("cancel", "1", "--reason", "need withdrawn", "--on", "2015-05-21")
    assert leeds.json("headroom", "--year", "2015-16")["committed"] == "0.00"
    assert leeds.json("offers") == []


def test_vary_up_must_fit_under_the_ceiling(accepted):
    """An increase passes the headroom check like a new offer; a cut cannot undercut spend."""
    accepted.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "12000",
        "--on",
        "2015-06-01",
    )
    assert (
        accepted.json(
            "vary", "1", "--value", "12000", "--reason", "two more days", "--on", "2015-06-10"
        )["value"]
        == "12000.00"
    )
    assert "below zero" in accepted.refused("vary", "1", "--value", "12000.01", "--reason", "more")
    accepted.ok("spend", "add", "1", "--amount", "6000", "--date", "2015-06-30", "--invoice", "A")
    assert "cannot go below" in accepted.refused(
        "vary", "1", "--value", "5999.99", "--reason", "less"
    )
    accepted.json("vary", "1", "--value", "6000", "--reason", "fewer days")
    head = accepted.json("headroom", "--year", "2015-16")
    assert head["committed"] == "6000.00" and head["headroom"] == "6000.00"
    variations = accepted.json("show", "1")["variations"]
    assert [(v["from"], v["to"]) for v in variations] == [
        ("10000.00", "12000.00"),
        ("12000.00", "6000.00"),
    ]


def test_spend_import_is_all_or_nothing(accepted, tmp_path):
    """Every bad row is reported by line number and nothing is imported."""
    from tests.conftest import snapshot

    f = tmp_path / "spend.csv"
    f.write_text(
        "calloff,invoice,date,amount,attendees\n"
        "1,A-1,2015-06-10,4000,10\n"  # 2: fine
        "1,A-2,2015-05-01,100,\n"  # 3: before start
        "9,A-3,2015-06-10,100,\n"  # 4: no call-off 9
        "1,A-4,2015-06-10,12,50a,\n"  # 5: too many cells
        "1,A-5,2015-06-10,6000.01,\n"  # 6: 4000 + 6000.01 > 10000
        "1,A-1,2015-06-11,1,\n"
    )  # 7: invoice twice in the file
    before = snapshot(accepted.db)
    result = accepted("spend", "import", str(f))
    assert result.exit_code == 1
    for n in (3, 4, 5, 6, 7):
        assert f"spend.csv:{n}:" in result.stderr
    assert "spend.csv:2:" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert snapshot(accepted.db) == before


def test_spend_import_then_reimport_adds_nothing(accepted, tmp_path):
    """A good file goes in whole; importing it again says nothing new."""
    f = tmp_path / "spend.csv"
    f.write_text(
        "calloff,invoice,date,amount,attendees\n"
        '1,A-1,2015-06-10,4000,10\n1,A-2,2015-07-10,"£1,500.25",5\n'
    )
    assert "Imported 2 spend line(s), £5,500.25" in accepted.ok("spend", "import", str(f)).output
    again = accepted.ok("spend", "import", str(f))
    assert "Nothing new to import" in again.output
    assert accepted.json("show", "1")["spent"] == "5500.25"
