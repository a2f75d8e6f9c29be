"""The ceiling holds on every day, and the past stays put: the cases found by recording late."""

import sqlite3
import time
from datetime import date, timedelta

import pytest

from tests.conftest import snapshot


@pytest.fixture
def one_on_lot3(leeds):
    """Lot 3 has a single provider (Alder), so a decline leaves the request unallocated."""
    leeds.ok("rank", "set", "3", "1")
    return leeds


def _request(cli, value, start="2015-07-01", lot="3", on="2015-05-01", funding="core"):
    return cli.json(
        "request",
        "add",
        "--lot",
        lot,
        "--title",
        f"£{value} of training",
        "--start",
        start,
        "--value",
        value,
        "--funding",
        funding,
        "--on",
        on,
    )["id"]


def test_a_back_dated_offer_cannot_breach_a_later_day(one_on_lot3):
    """R1 holds £200,000 from 20 June to 4 July; R2's £100,000 back-dated to 10 June would put
    £300,000 against £260,000 on 20 June: refused, naming that day and the £40,000 over."""
    cli = one_on_lot3
    r1 = _request(cli, "200000")
    assert cli.json("allocate", r1, "--on", "2015-06-20")["status"] == "awaiting_approval"
    cli.ok("approve", "1", "--on", "2015-06-22", officer="officer.b")
    assert (
        cli.json("decline", "1", "--reason", "no trainers", "--on", "2015-07-05")["status"]
        == "unallocated"
    )
    r2 = _request(cli, "100000")
    message = cli.refused("allocate", r2, "--on", "2015-06-10")
    assert "below zero on 2015-06-20" in message and "£40,000.00 over" in message
    q1 = cli.json("report", "quarterly", "--year", "2015-16", "--quarter", "1")["quarters"][0]
    assert (q1["committed"], q1["headroom"]) == ("200000.00", "60000.00")
    # Exactly the headroom left on 20 June fits.
    r3 = _request(cli, "60000")
    assert cli.json("allocate", r3, "--on", "2015-06-10")["headroom"] == "200000.00"
    q1 = cli.json("report", "quarterly", "--year", "2015-16", "--quarter", "1")["quarters"][0]
    assert (q1["committed"], q1["headroom"]) == ("260000.00", "0.00")


def test_a_back_dated_variation_cannot_breach_a_later_day(one_on_lot3):
    """A £50,000 call-off raised to £120,000 from 10 June meets R1's £200,000 on 20 June:
    £320,000 against £260,000, refused; the same increase after R1 was declined fits."""
    cli = one_on_lot3
    small = _request(cli, "50000", start="2015-06-01")
    cli.json("allocate", small, "--on", "2015-06-01")
    cli.ok("approve", "1", "--on", "2015-06-01", officer="officer.b")
    cli.ok("accept", "1", "--on", "2015-06-02")
    r1 = _request(cli, "200000")
    cli.json("allocate", r1, "--on", "2015-06-20")
    cli.ok("approve", "2", "--on", "2015-06-22", officer="officer.b")
    cli.json("decline", "2", "--reason", "no trainers", "--on", "2015-07-05")
    message = cli.refused(
        "vary",
        "1",
        "--value",
        "120000",
        "--reason",
        "more places",
        "--on",
        "2015-06-10",
        officer="officer.b",
    )
    assert "below zero on 2015-06-20" in message and "£60,000.00 over" in message
    cli.ok(
        "vary",
        "1",
        "--value",
        "120000",
        "--reason",
        "more places",
        "--on",
        "2015-07-05",
        officer="officer.b",
    )
    assert cli.json("headroom", "--year", "2015-16")["headroom"] == "140000.00"


def test_a_cap_applies_from_its_date_and_past_reports_keep_theirs(leeds, add_request):
    """£24,000 committed in Q1: a £10,000 cap from 1 October is refused while £24,000 is still
    held then; once the call-off completes at £8,000 it is allowed, and Q1 still shows £260,000."""
    rid = add_request("--value", "24000", start="2015-06-01")
    leeds.json("allocate", str(rid), "--on", "2015-05-01")
    leeds.ok("accept", "1", "--on", "2015-05-02")
    message = leeds.refused(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "10000",
        "--on",
        "2015-10-01",
    )
    assert "below zero on 2015-10-01" in message and "£14,000.00 over" in message
    leeds.ok("spend", "add", "1", "--amount", "8000", "--date", "2015-06-30", "--invoice", "A1")
    leeds.ok("complete", "1", "--on", "2015-09-30")
    leeds.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "10000",
        "--on",
        "2015-10-01",
    )
    report = leeds.json("report", "quarterly", "--year", "2015-16")
    by_quarter = {q["quarter"]: q for q in report["quarters"]}
    assert by_quarter[1]["ceiling"] == "260000.00" and by_quarter[1]["headroom"] == "236000.00"
    assert by_quarter[2]["ceiling"] == "260000.00" and by_quarter[2]["headroom"] == "252000.00"
    assert by_quarter[3]["ceiling"] == "10000.00" and by_quarter[3]["headroom"] == "2000.00"
    q1 = leeds.json("report", "quarterly", "--year", "2015-16", "--quarter", "1")
    assert q1["streams"]["core"]["cap"] == "260000.00"
    # A cap back-dated under a day that held more is refused, naming that day.
    message = leeds.refused(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "20000",
        "--on",
        "2015-05-15",
    )
    assert "below zero on 2015-05-15" in message and "£4,000.00 over" in message


@pytest.mark.parametrize(
    "status_change",
    [
        ("provider", "withdraw", "1", "--reason", "ceased trading", "--on", "2015-06-02"),
        ("provider", "suspend", "1", "--reason", "quality review", "--on", "2015-06-02"),
        (
            "provider",
            "unavailable",
            "1",
            "--from",
            "2015-07-01",
            "--to",
            "2015-07-03",
            "--reason",
            "leave",
            "--on",
            "2015-06-02",
        ),
    ],
)
def test_approval_is_refused_when_the_provider_can_no_longer_take_it(
    leeds, add_request, status_change
):
    """A £30,000 call-off waiting for approval is not offered to a provider who has left."""
    rid = add_request("--value", "30000", start="2015-07-01")
    assert leeds.json("allocate", str(rid), "--on", "2015-06-01")["status"] == "awaiting_approval"
    leeds.ok(*status_change)
    leeds.register("officer.b", "officer", "approver")
    before = snapshot(leeds.db)
    result = leeds("approve", "1", "--on", "2015-06-03", officer="officer.b")
    assert result.exit_code == 1
    assert "Alder Training" in result.stderr and "calloff reject 1" in result.stderr
    assert snapshot(leeds.db) == before
    leeds.ok(
        "reject",
        "1",
        "--reason",
        "provider cannot take it",
        "--on",
        "2015-06-03",
        officer="officer.b",
    )
    again = leeds.json("allocate", str(rid), "--on", "2015-06-03")
    assert again["provider"] == 2 and again["passed_over"][0]["provider"] == 1


def test_approval_is_refused_when_the_ceiling_would_no_longer_hold(leeds, add_request):
    """The hold is re-checked on the approval date against every later day."""
    rid = add_request("--value", "30000", start="2015-07-01")
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    # Break the ceiling behind calloff's back: the approval must not build on it.
    conn = sqlite3.connect(leeds.db)
    conn.execute("UPDATE caps SET amount_pence = 100")
    conn.commit()
    conn.close()
    result = leeds("approve", "1", "--on", "2015-06-03", officer="officer.b")
    # A cap broken in SQL is now caught as such before the approval reads it (issue 32).
    assert result.exit_code == 1
    assert "the budget caps were changed outside calloff" in result.stderr


TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "args",
    [
        ("allocate", "1", "--on", TOMORROW),
        ("accept", "1", "--on", TOMORROW),
        ("decline", "1", "--reason", "x", "--on", TOMORROW),
        ("cancel", "1", "--reason", "x", "--on", TOMORROW),
        ("lapse", "--on", TOMORROW),
        (
            "ceiling",
            "set",
            "--year",
            "2015-16",
            "--funding",
            "core",
            "--amount",
            "1",
            "--on",
            TOMORROW,
        ),
        ("funding", "confirm", "innovation", "--on", TOMORROW),
        ("term", "extend", "--on", TOMORROW),
        ("provider", "suspend", "1", "--reason", "x", "--on", TOMORROW),
        (
            "request",
            "add",
            "--lot",
            "4",
            "--title",
            "t",
            "--start",
            "2015-06-01",
            "--value",
            "1",
            "--on",
            TOMORROW,
        ),
        (
            "spend",
            "add",
            "1",
            "--amount",
            "1",
            "--date",
            "2015-06-02",
            "--invoice",
            "F1",
            "--on",
            TOMORROW,
        ),
        ("vary", "1", "--value", "6000", "--reason", "x", "--on", TOMORROW),
        ("complete", "1", "--on", TOMORROW),
    ],
)
def test_no_change_is_dated_after_today(leeds, add_request, args):
    """A mistyped year cannot feed every as-at-date check: refused, naming today."""
    add_request()
    if args[0] != "allocate":
        leeds.json("allocate", "1", "--on", "2015-05-10")
    if args[0] in ("spend", "vary", "complete"):
        leeds.ok("accept", "1", "--on", "2015-05-11")
    message = leeds.refused(*args)
    assert "in the future" in message and date.today().isoformat() in message


def test_an_invoice_dated_after_today_is_refused(leeds, add_request):
    """The invoice date, too, cannot be in the future."""
    add_request()
    leeds.json("allocate", "1", "--on", "2015-05-10")
    leeds.ok("accept", "1", "--on", "2015-05-11")
    assert "in the future" in leeds.refused(
        "spend", "add", "1", "--amount", "1", "--date", TOMORROW, "--invoice", "F1"
    )


def test_invoice_references_are_one_per_provider_in_any_case(leeds, add_request, tmp_path):
    """INV-7 and inv-7 from one provider are the same invoice: in a file, across files and in
    the database itself."""
    rid = add_request("--value", "5000")
    leeds.json("allocate", str(rid), "--on", "2015-05-10")
    leeds.ok("accept", "1", "--on", "2015-05-11")
    both = tmp_path / "both.csv"
    both.write_text(
        "calloff,invoice,date,amount\n1,INV-7,2015-06-05,1000\n1,inv-7,2015-06-06,1000\n"
    )
    result = leeds("spend", "import", str(both))
    assert result.exit_code == 1 and "appears twice in the file (also line 2)" in result.stderr
    assert leeds.json("headroom", "--year", "2015-16")["spent"] == "0.00"
    good = tmp_path / "good.csv"
    good.write_text("calloff,invoice,date,amount\n1,INV-7,2015-06-05,1000\n")
    assert "Imported 1" in leeds.ok("spend", "import", str(good)).output
    assert "Nothing new" in leeds.ok("spend", "import", str(good)).output
    lower = tmp_path / "lower.csv"
    lower.write_text("calloff,invoice,date,amount\n1,inv-7,2015-06-05,1000\n")
    assert "Nothing new" in leeds.ok("spend", "import", str(lower)).output
    assert "already recorded" in leeds.refused(
        "spend", "add", "1", "--amount", "5", "--date", "2015-06-07", "--invoice", "Inv-7"
    )
    conn = sqlite3.connect(leeds.db)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute(
            "INSERT INTO spend (calloff_id, provider_id, invoice, invoice_key, "
            "spent_on, amount_pence) VALUES (1, 1, 'INV-7 ', 'inv-7', '2015-06-08', 1)"
        )
    conn.close()


@pytest.mark.parametrize("typed", ["12500.5", "12,500.5", "0012500", "00.50", "12500.000"])
def test_money_outside_the_rule_is_refused(leeds, typed):
    """One decimal place and leading zeros are usage errors; nothing is written."""
    message = leeds.refused(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "t",
        "--start",
        "2015-06-01",
        "--value",
        typed,
        "--on",
        "2015-05-01",
        code=2,
    )
    assert "12,500.00" in message


@pytest.mark.parametrize(
    "typed", ["12500", "12500.00", "12,500.00", "£12,500.00", "12,500", "£12500"]
)
def test_money_in_the_documented_forms_is_read_exactly(leeds, typed):
    """Every documented form reads as £12,500.00."""
    out = leeds.json(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "t",
        "--start",
        "2015-06-01",
        "--value",
        typed,
        "--on",
        "2015-05-01",
    )
    assert out["value"] == "12500.00"


def test_a_call_off_may_start_in_a_year_after_the_term(leeds):
    """Awarded on 20 March 2018, inside the twice-extended term, starting 10 April 2018: the
    year 2018-19 takes a ceiling like any other, and the hint says how."""
    leeds.json("term", "extend", "--on", "2016-02-01")
    leeds.json("term", "extend", "--on", "2017-02-01")
    rid = leeds.json(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "after the term",
        "--start",
        "2018-04-10",
        "--value",
        "5000",
        "--on",
        "2018-03-01",
    )["id"]
    message = leeds.refused("allocate", str(rid), "--on", "2018-03-20")
    hint = "calloff ceiling set --year 2018-19 --funding core --amount MONEY --on 2018-03-20"
    assert "2018-19 has no ceiling" in message and hint in message
    leeds.ok(*hint.replace("MONEY", "50000").split()[1:])
    out = leeds.json("allocate", str(rid), "--on", "2018-03-20")
    assert out["status"] == "offered" and out["headroom"] == "45000.00"
    head = leeds.json("headroom", "--year", "2018-19")
    assert head["ceiling"] == "50000.00" and head["committed"] == "5000.00"


def test_a_cap_dated_after_a_back_dated_offer_does_not_cover_it(leeds):
    """A cap set today for 2018-19 did not apply in March 2018: the refusal says to date it."""
    leeds.json("term", "extend", "--on", "2016-02-01")
    leeds.json("term", "extend", "--on", "2017-02-01")
    leeds.ok("ceiling", "set", "--year", "2018-19", "--funding", "core", "--amount", "50000")
    rid = leeds.json(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "after the term",
        "--start",
        "2018-04-10",
        "--value",
        "5000",
        "--on",
        "2018-03-01",
    )["id"]
    message = leeds.refused("allocate", str(rid), "--on", "2018-03-20")
    assert "no ceiling in force on 2018-03-20" in message and "--on 2018-03-20" in message


def test_a_report_as_recorded_is_byte_identical_after_back_dated_changes(leeds, add_request):
    """The board's Q1 report, reproduced after later back-dated offers, spend and caps, is the
    same to the byte in every format; the current report has moved on."""
    rid = add_request("--value", "5000", start="2015-06-01")
    leeds.json("allocate", str(rid), "--on", "2015-05-10")
    leeds.ok("accept", "1", "--on", "2015-05-11")
    leeds.ok(
        "spend",
        "add",
        "1",
        "--amount",
        "1200",
        "--date",
        "2015-06-10",
        "--invoice",
        "B1",
        "--attendees",
        "9",
    )
    args = ("report", "quarterly", "--year", "2015-16", "--quarter", "1")
    formats = ("md", "html", "csv", "json")
    at_the_time = {f: leeds.ok(*args, "--format", f).stdout for f in formats}
    event = leeds.json(*args)["as_recorded"]
    assert event["event"] > 1 and len(event["hash"]) == 64
    time.sleep(1.1)  # recorded times are kept to the second
    # Later, events of the quarter are recorded late.
    late = add_request("--value", "7000", start="2015-06-15")
    leeds.json("allocate", str(late), "--on", "2015-05-20")
    leeds.ok("spend", "add", "1", "--amount", "800", "--date", "2015-06-20", "--invoice", "B2")
    leeds.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "200000",
        "--on",
        "2015-06-01",
    )
    leeds.ok("funding", "confirm", "innovation", "--on", "2015-06-15")
    now = leeds.json(*args)["quarters"][0]
    assert now["committed"] == "12000.00" and now["ceiling"] == "1440000.00"
    for f in formats:
        again = leeds.ok(*args, "--format", f, "--as-recorded", str(event["event"])).stdout
        assert again == at_the_time[f], f
    by_time = leeds.ok(*args, "--format", "md", "--as-recorded", event["recorded_at"]).stdout
    assert by_time == at_the_time["md"]
    assert "audit head" in at_the_time["md"] and event["hash"] in at_the_time["html"]
    assert "does not exist" in leeds.refused(*args, "--as-recorded", "999999")
    assert "not an audit event number" in leeds.refused(
        *args, "--as-recorded", "last tuesday", code=2
    )


def test_a_lapsed_offer_releases_its_commitment_from_the_lapse_date(leeds, add_request):
    """An offer unanswered past its respond-by date stops holding money the day it lapses;
    the chain and the dated changes still agree."""
    leeds.ok("rank", "set", "3", "1")
    rid = leeds.json(
        "request",
        "add",
        "--lot",
        "3",
        "--title",
        "t",
        "--start",
        "2015-07-01",
        "--value",
        "9000",
        "--on",
        "2015-05-01",
    )["id"]
    leeds.json("allocate", str(rid), "--on", "2015-06-01")  # respond by 2015-06-04
    [item] = leeds.json("lapse", "--on", "2015-06-10")
    assert item["status"] == "unallocated"
    assert leeds.json("headroom", "--year", "2015-16")["committed"] == "0.00"
    leeds.ok("audit", "verify")


def test_a_back_dated_offer_uses_the_ranking_and_rates_in_force_that_day(leeds):
    """Re-ranking and re-pricing apply from their dates: an offer dated before them goes by
    the tender's ranking and rates; one dated after goes by the new ones."""
    leeds.ok("rank", "set", "4", "3", "2", "1", "--on", "2015-10-01")
    leeds.ok("price", "set", "4", "1", "--day", "500", "--on", "2015-08-01")
    leeds.ok("provider", "add", "Late Arrivals Ltd", "--on", "2015-11-01")
    leeds.ok("rank", "set", "4", "4", "1", "2", "3", "--on", "2015-11-01")
    leeds.ok("price", "set", "4", "4", "--day", "700", "--on", "2015-11-01")

    def offer(on):
        rid = leeds.json(
            "request",
            "add",
            "--lot",
            "4",
            "--title",
            "t",
            "--start",
            "2015-12-01",
            "--quantity",
            "2",
            "--unit",
            "day",
            "--on",
            on,
        )["id"]
        out = leeds.json("allocate", str(rid), "--on", on)
        return out["name"], out["rank"], out["value"]

    assert offer("2015-07-01") == ("Alder Training", 1, "2000.00")
    assert offer("2015-08-15") == ("Alder Training", 1, "1000.00")
    assert offer("2015-10-15") == ("Cedar Conferencing", 1, "1800.00")
    assert offer("2015-11-15") == ("Late Arrivals Ltd", 1, "1400.00")


def test_a_re_offer_cannot_be_dated_before_the_decline_it_follows(leeds, add_request):
    """Offered 1 June, declined 1 July and left unallocated: allocating again on 10 June would
    commit the request twice in June; refused, naming the decline's date."""
    leeds.ok("rank", "set", "2", "1", "2")
    rid = leeds.json(
        "request",
        "add",
        "--lot",
        "2",
        "--title",
        "t",
        "--start",
        "2015-08-01",
        "--value",
        "1000",
        "--on",
        "2015-05-01",
    )["id"]
    leeds.json("allocate", str(rid), "--on", "2015-06-01")
    leeds.ok("provider", "suspend", "2", "--reason", "review", "--on", "2015-06-20")
    assert (
        leeds.json("decline", "1", "--reason", "busy", "--on", "2015-07-01")["status"]
        == "unallocated"
    )
    leeds.ok("provider", "reinstate", "2", "--on", "2015-07-02")
    message = leeds.refused("allocate", str(rid), "--on", "2015-06-10")
    assert "closed on 2015-07-01" in message
    assert leeds.json("allocate", str(rid), "--on", "2015-07-02")["provider"] == 2


def test_a_cap_cannot_be_dated_before_the_framework_starts(leeds):
    """The definition's caps apply from 1 April 2015; a cap dated earlier would be hidden by
    them, so it is refused rather than reported as set."""
    message = leeds.refused(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "10000",
        "--on",
        "2015-03-01",
    )
    assert "on or after 2015-04-01" in message


def test_a_later_dated_first_ranking_still_takes_over_from_its_date(leeds):
    """First recorded: Cedar alone from 1 September; then Birch, Cedar from 1 June. Before
    June the first recorded applies; from June Birch; from September Cedar again."""
    leeds.ok("rank", "set", "5", "3", "--on", "2015-09-01")
    leeds.ok("rank", "set", "5", "2", "3", "--on", "2015-06-01")

    def offer(on):
        rid = leeds.json(
            "request",
            "add",
            "--lot",
            "5",
            "--title",
            "t",
            "--start",
            "2015-12-01",
            "--value",
            "100",
            "--on",
            on,
        )["id"]
        return leeds.json("allocate", str(rid), "--on", on)["name"]

    assert offer("2015-05-01") == "Cedar Conferencing"
    assert offer("2015-07-01") == "Birch Practice Ltd"
    assert offer("2015-10-01") == "Cedar Conferencing"
