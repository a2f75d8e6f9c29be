"""The call-off order: every item DOMAIN.md lists, in Markdown and in standalone HTML."""

import re


def _offer_after_decline(leeds, add_request):
    leeds.ok("provider", "add", "<b>Evil</b> & *Sons* {{ 7*7 }}", "--vat", "standard")
    leeds.ok("rank", "set", "5", "1", "4")
    leeds.ok("price", "set", "5", "4", "--day", "1250.50")
    leeds.ok("price", "set", "5", "1", "--day", "1000")
    leeds.ok("request", "add", "--lot", "5", "--title", "FGC <script>alert(1)</script> | x",
             "--start", "2015-06-01", "--end", "2015-06-05", "--quantity", "3", "--unit", "day",
             "--attendees", "25")
    leeds.json("allocate", "1", "--on", "2015-05-01")
    leeds.json("decline", "1", "--reason", "fully booked", "--on", "2015-05-02")


def test_markdown_order_has_every_item(leeds, add_request):
    """Reference, framework, buyer, lot, provider, rank, cascade, work, value, VAT, headroom."""
    _offer_after_decline(leeds, add_request)
    text = leeds.ok("order", "2").stdout
    for expected in [
        "LEEDS-RP-2015/CO-00002",
        "Restorative Practice Training for Children's Services",
        "Leeds City Council",
        "Development of Family Group Conferencing",
        "| Provider's rank on lot 5 | 2 |",
        "| 1 | Alder Training | declined on 2015-05-02: fully booked |",
        "| Dates | 2015-06-01 to 2015-06-05 |",
        "| Quantity | 3 days at £1,250.50 per day |",
        "| Attendees | 25 |",
        "| Value (ex-VAT) | £3,751.50 |",
        "| VAT at 20% | £750.30 |",
        "| Total including VAT | £4,501.80 |",
        "| Funding stream | core (Core Children's Services budgets), 2015-16 |",
        "| Headroom left under the 2015-16 ceiling after this order, at 2015-05-02 | "
        "£256,248.50 |",
        "governed by its terms and conditions",
    ]:
        assert expected in text, expected


def test_values_appear_literally_never_interpreted(leeds, add_request):
    """HTML, Markdown and template syntax in names and titles print as written."""
    _offer_after_decline(leeds, add_request)
    md = leeds.ok("order", "2").stdout
    assert r"\<b\>Evil\</b\> & \*Sons\* \{\{ 7\*7 \}\}" in md
    assert r"FGC \<script\>alert(1)\</script\> \| x" in md
    assert "49" not in md
    html = leeds.ok("order", "2", "--format", "html").stdout
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; *Sons* {{ 7*7 }}" in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_order_is_standalone_and_printable(leeds, add_request, tmp_path):
    """One file, no external resources, a print stylesheet; written where --output says."""
    _offer_after_decline(leeds, add_request)
    out = tmp_path / "order.html"
    leeds.ok("order", "2", "--format", "html", "--output", str(out))
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "@media print" in html
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", html)
    assert "£3,751.50" in html and "£4,501.80" in html


def test_exempt_provider_order_shows_no_vat(leeds, add_request):
    """An eligible body's training is VAT-exempt: no VAT line is added."""
    leeds.ok("provider", "add", "Exempt Body", "--vat", "exempt")
    leeds.ok("rank", "set", "2", "Exempt Body")
    leeds.ok("request", "add", "--lot", "2", "--title", "t", "--start", "2015-06-01",
             "--value", "1000")
    leeds.json("allocate", "1", "--on", "2015-05-01")
    text = leeds.ok("order", "1").stdout
    assert "| VAT | exempt (eligible body) |" in text
    assert "Total including VAT" not in text


def test_no_order_for_a_declined_call_off(leeds, add_request):
    """A declined offer is history, not an order."""
    _offer_after_decline(leeds, add_request)
    assert "there is no order to issue" in leeds.refused("order", "1")


def test_order_headroom_is_restated_after_a_variation(leeds, add_request):
    """£5,000 offered on 1 May leaves £255,000; varied to £7,000 on 9 June, £253,000."""
    rid = add_request("--value", "5000")
    leeds.json("allocate", str(rid), "--on", "2015-05-01")
    text = leeds.ok("order", "1").stdout
    assert "| Headroom left under the 2015-16 ceiling after this order, at 2015-05-01 | " \
           "£255,000.00 |" in text
    leeds.ok("accept", "1", "--on", "2015-05-02")
    leeds.ok("vary", "1", "--value", "7000", "--reason", "two more sessions", "--on",
             "2015-06-09")
    text = leeds.ok("order", "1").stdout
    assert "| Value (ex-VAT) | £7,000.00 |" in text
    assert "| Headroom left under the 2015-16 ceiling after this order, at 2015-06-09 | " \
           "£253,000.00 |" in text
