"""The call-off order (the provider's document) and the award record (the council's file).

docs/rules.md: the order never names another provider, a rank, the ceiling or headroom; the
record holds everything, the whole cascade and the hash of the call-off's last event.
"""

import re

import pytest


def _offer_after_decline(leeds, add_request):
    leeds.ok("provider", "add", "<b>Evil</b> & *Sons* {{ 7*7 }}", "--vat", "standard")
    leeds.ok("rank", "set", "5", "1", "4")
    leeds.ok("price", "set", "5", "4", "--day", "1250.50")
    leeds.ok("price", "set", "5", "1", "--day", "1000")
    leeds.ok(
        "request",
        "add",
        "--lot",
        "5",
        "--title",
        "FGC <script>alert(1)</script> | x",
        "--start",
        "2015-06-01",
        "--end",
        "2015-06-05",
        "--quantity",
        "3",
        "--unit",
        "day",
        "--attendees",
        "25",
    )
    leeds.json("allocate", "1", "--on", "2015-05-01")
    leeds.json("decline", "1", "--reason", "fully booked", "--on", "2015-05-02")


@pytest.fixture
def passed_over(leeds):
    """Alder (rank 1) suspended and passed over; Birch (rank 2) offered 6 days at £850."""
    leeds.ok(
        "provider",
        "suspend",
        "1",
        "--reason",
        "quality review after complaint",
        "--on",
        "2015-04-20",
    )
    leeds.ok("price", "set", "4", "2", "--day", "850", "--on", "2015-04-01")
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "Deep dive",
        "--start",
        "2015-06-01",
        "--end",
        "2015-06-08",
        "--quantity",
        "6",
        "--unit",
        "day",
        "--attendees",
        "30",
    )
    offer = leeds.json("allocate", "1", "--on", "2015-05-01")
    assert offer["name"] == "Birch Practice Ltd" and offer["value"] == "5100.00"
    leeds.ok("accept", "1", "--on", "2015-05-04")
    return leeds


def test_markdown_order_has_every_item(leeds, add_request):
    """Reference, framework, buyer, lot, provider, work, tendered rate, VAT, status, terms."""
    _offer_after_decline(leeds, add_request)
    text = leeds.ok("order", "2").stdout
    for expected in [
        "# Call-off order LEEDS-RP-2015/CO-00002",
        "Restorative Practice Training for Children's Services",
        "Buyer: Leeds City Council",
        "| Lot | 5: Development of Family Group Conferencing",
        "| Status | offered on 2015-05-02 |",
        "| Please answer by | 2015-05-07: accept or decline this offer |",
        "| Offered on | 2015-05-02 |",
        "| Authorised by | officer.a on 2015-05-02 |",
        "| Dates | 2015-06-01 to 2015-06-05 |",
        "| Attendees | 25 |",
        "| As offered: 3 days at your tendered rate of £1,250.50 per day | £3,751.50 |",
        "| **Value now (ex-VAT)** | **£3,751.50** |",
        "| VAT at 20% | £750.30 |",
        "| **Total including VAT** | **£4,501.80** |",
        "| Funding stream | core (Core Children's Services budgets), 2015-16 |",
        "Quote the order reference **LEEDS-RP-2015/CO-00002** on every invoice",
        "governed by its terms and conditions",
    ]:
        assert expected in text, expected
    # The provider that declined first is not named: it is none of this provider's business.
    assert "Alder" not in text


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_order_names_no_other_provider_rank_ceiling_or_headroom(passed_over, fmt):
    """Commercially sensitive: who was passed over and why, ranks, the ceiling, headroom."""
    text = passed_over.ok("order", "1", "--format", fmt).stdout.lower()
    assert "birch practice ltd" in text
    for secret in (
        "alder",
        "quality review",
        "suspended",
        "rank",
        "ceiling",
        "headroom",
        "passed over",
        "£255",
        "cascade",
    ):
        assert secret not in text, secret


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_award_record_holds_the_whole_cascade(passed_over, fmt):
    """The council's file: rank, who was passed over and why, and the ceiling at the award."""
    passed_over.ok("provider", "add", "Dogwood Ltd")
    text = passed_over.ok("record", "1", "--format", fmt).stdout
    assert "Alder Training" in text and "quality review after complaint" in text
    assert "passed over" in text
    assert "rank 2 on lot 4" in text
    money = re.compile(r"£[\d,]+\.\d\d")
    assert "£260,000.00" in money.findall(text)  # the ceiling (core cap) at the award
    assert "£254,900.00" in money.findall(text)  # headroom after £5,100 was held
    assert "Dogwood" not in text


def test_a_variation_is_its_own_line_never_a_new_rate(passed_over):
    """6 days at £850 varied to £5,000.01: the tendered rate stays, the variation is a line."""
    passed_over.ok(
        "vary",
        "1",
        "--value",
        "5000.01",
        "--reason",
        "one trainer fewer",
        "--on",
        "2015-05-10",
        officer="officer.b",
    )
    text = passed_over.ok("order", "1").stdout
    assert "| As offered: 6 days at your tendered rate of £850.00 per day | £5,100.00 |" in text
    # The line's amount is the change; the value after it is in words, beside the one before.
    assert (
        "| Varied on 2015-05-10 (value before £5,100.00, after £5,000.01): one trainer fewer "
        "| -£99.99 |"
    ) in text
    assert "| **Value now (ex-VAT)** | **£5,000.01** |" in text
    assert "| VAT at 20% | £1,000.00 |" in text
    assert "| **Total including VAT** | **£6,000.01** |" in text
    assert "| Status | varied on 2015-05-10 (accepted on 2015-05-04) |" in text
    assert "833.34" not in text
    passed_over.ok(
        "vary",
        "1",
        "--value",
        "7200",
        "--reason",
        "two more days",
        "--on",
        "2015-05-11",
        officer="officer.b",
    )
    text = passed_over.ok("order", "1").stdout
    assert "1,200.00" not in text
    assert text.count("| Varied on") == 2
    assert "(value before £5,000.01, after £7,200.00): two more days | +£2,199.99 |" in text


def test_a_cancelled_order_gives_the_day_the_reason_and_the_amount_payable(passed_over):
    passed_over.ok(
        "spend", "add", "1", "--amount", "1700", "--date", "2015-06-02", "--invoice", "B-1"
    )
    passed_over.ok("cancel", "1", "--reason", "programme paused", "--on", "2015-08-03")
    text = passed_over.ok("order", "1").stdout
    assert "| Status | cancelled on 2015-08-03 (accepted on 2015-05-04) |" in text
    assert "Cancelled on 2015-08-03: programme paused." in text
    assert "**Amount payable: £1,700.00 ex-VAT (£2,040.00 including VAT)**" in text
    show = passed_over.ok("show", "1").stdout
    assert "Status:     cancelled on 2015-08-03: programme paused" in show
    assert "Accepted:   2015-05-04" in show and "Cancelled:  2015-08-03" in show
    data = passed_over.json("show", "1")
    assert (data["accepted_on"], data["cancelled_on"], data["status_on"]) == (
        "2015-05-04",
        "2015-08-03",
        "2015-08-03",
    )
    assert data["amount_payable"] == {"value": "1700.00", "vat": "340.00", "total": "2040.00"}


def test_an_approved_call_off_is_offered_on_its_approval_day_everywhere(leeds):
    """Raised 1 October, approved 2 October: the provider was told on the 2nd."""
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "Big",
        "--start",
        "2015-11-02",
        "--value",
        "30000",
    )
    leeds.json("allocate", "1", "--on", "2015-10-01")
    waiting = leeds.json("show", "1")
    assert (waiting["raised_on"], waiting["offered_on"], waiting["authorised_on"]) == (
        "2015-10-01",
        None,
        None,
    )
    assert "awaiting approval" in leeds.refused("order", "1")
    leeds.ok("approve", "1", "--on", "2015-10-02", officer="officer.b")
    data = leeds.json("show", "1")
    assert (data["raised_on"], data["raised_by"]) == ("2015-10-01", "officer.a")
    assert (data["authorised_on"], data["authorised_by"]) == ("2015-10-02", "officer.b")
    assert (data["offered_on"], data["status_on"]) == ("2015-10-02", "2015-10-02")
    order = leeds.ok("order", "1").stdout
    assert "| Offered on | 2015-10-02 |" in order
    assert "| Authorised by | officer.b on 2015-10-02 |" in order
    show = leeds.ok("show", "1").stdout
    assert "Raised:     2015-10-01 by officer.a" in show
    assert "Offered:    2015-10-02, respond by 2015-10-07" in show
    offers = leeds.json("offers")
    assert offers[0]["offered_on"] == "2015-10-02" and offers[0]["raised_on"] == "2015-10-01"


def test_the_record_ends_with_the_hash_that_audit_verify_accepts(passed_over):
    """A printed record can be checked against the database later."""
    text = passed_over.ok("record", "1").stdout
    events = passed_over.json("audit", "--calloff", "1")
    last = events["events"][-1] if isinstance(events, dict) else events[-1]
    assert f"hash `{last['hash']}`" in text
    passed_over.ok("audit", "verify", "--expect", last["hash"])


def test_a_declined_call_off_has_a_record_but_no_order(leeds, add_request):
    _offer_after_decline(leeds, add_request)
    assert "there is no order to issue" in leeds.refused("order", "1")
    record = leeds.ok("record", "1").stdout
    assert "| Status | declined on 2015-05-02: fully booked |" in record
    assert "| Declined | 2015-05-02 | officer.a |" in record


def test_values_appear_literally_never_interpreted(leeds, add_request):
    """HTML, Markdown and template syntax in names and titles print as written."""
    _offer_after_decline(leeds, add_request)
    for command in ("order", "record"):
        md = leeds.ok(command, "2").stdout
        assert r"\<b\>Evil\</b\> & \*Sons\* \{\{ 7\*7 \}\}" in md
        assert r"FGC \<script\>alert(1)\</script\> \| x" in md
        assert "Sons\\* 49" not in md and "Sons* 49" not in md
        html = leeds.ok(command, "2", "--format", "html").stdout
        assert "&lt;b&gt;Evil&lt;/b&gt; &amp; *Sons* {{ 7*7 }}" in html
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("command", ["order", "record"])
def test_html_documents_are_standalone_and_print_on_a4(leeds, add_request, tmp_path, command):
    """One file, no external resources, A4 with margins, headers repeated on each page."""
    _offer_after_decline(leeds, add_request)
    out = tmp_path / f"{command}.html"
    leeds.ok(command, "2", "--format", "html", "--output", str(out))
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") or html.lstrip().startswith("<!DOCTYPE html>")
    assert "@page { size: A4;" in html and "thead { display: table-header-group; }" in html
    assert "break-after: avoid" in html
    assert "width: 35%" not in html
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", html)
    assert "£3,751.50" in html


def test_exempt_provider_order_shows_no_vat(leeds, add_request):
    """An eligible body's training is VAT-exempt: no VAT is added."""
    leeds.ok("provider", "add", "Exempt Body", "--vat", "exempt")
    leeds.ok("rank", "set", "2", "Exempt Body")
    leeds.ok(
        "request", "add", "--lot", "2", "--title", "t", "--start", "2015-06-01", "--value", "1000"
    )
    leeds.json("allocate", "1", "--on", "2015-05-01")
    text = leeds.ok("order", "1").stdout
    assert "| As offered: fixed price | £1,000.00 |" in text
    assert "| VAT: none, exempt (eligible body) | £0.00 |" in text
    assert "| **Total** | **£1,000.00** |" in text
    assert "Total including VAT" not in text


def test_no_order_for_a_declined_call_off(leeds, add_request):
    """A declined offer is history, not an order; the hint names commands that work."""
    _offer_after_decline(leeds, add_request)
    message = leeds.refused("order", "1")
    assert "there is no order to issue" in message and "`calloff record 1`" in message


def test_a_rejected_call_off_says_who_rejected_it_and_was_never_authorised(leeds):
    leeds.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "Big",
        "--start",
        "2015-11-02",
        "--value",
        "30000",
    )
    leeds.json("allocate", "1", "--on", "2015-10-01")
    leeds.ok("reject", "1", "--reason", "not now", "--on", "2015-10-05", officer="officer.b")
    show = leeds.ok("show", "1").stdout
    # officer.a (an admin) acted for officer.b: the documents print both, the JSON the officer
    assert "Authorised: no: rejected on 2015-10-05 by officer.a for officer.b" in show
    assert "awaiting approval" not in show
    record = leeds.ok("record", "1").stdout
    assert "| Authorised | never: rejected before approval |" in record
    assert "| Rejected by the approver | 2015-10-05 | officer.a for officer.b |" in record
    data = leeds.json("show", "1")
    assert data["officers"] == {"raised": "officer.a", "rejected": "officer.b"}
    assert data["acted_by"] == {"raised": "officer.a", "rejected": "officer.a for officer.b"}
    assert (data["offered_on"], data["authorised_on"]) == (None, None)


def test_the_record_keeps_the_ceiling_as_it_stood_at_the_award(passed_over):
    """A cap raised later, back-dated to before the award, does not rewrite the record."""
    passed_over.ok(
        "request",
        "add",
        "--lot",
        "4",
        "--title",
        "Later",
        "--start",
        "2015-07-01",
        "--value",
        "1000",
        "--on",
        "2015-06-01",
    )
    passed_over.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "270000",
        "--on",
        "2015-04-01",
    )
    record = passed_over.ok("record", "1").stdout
    assert "| Contract ceiling for 2015-16 | £260,000.00 |" in record
    assert "| Headroom left under the ceiling | £254,900.00 |" in record
    # While the headroom as it stands today on that day reflects the new cap.
    assert passed_over.json("headroom", "--year", "2015-16")["ceiling"] == "270000.00"
