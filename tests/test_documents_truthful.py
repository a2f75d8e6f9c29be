"""Issue 33: documents that say exactly what happened, from a newcomer's reading of every
printed page.

Worked by hand: Alder's tendered £1,000.00 a day × 7 days = an order for £7,000.00, offered
on 2015-05-01. Invoiced £4,000.00 + £2,800.00 = £6,800.00 and completed: payable £6,800.00
ex-VAT, £6,800.00 × 1.2 = £8,160.00 with VAT. Varied from £7,000.00 to £7,500.00: a change
of +£500.00; then to £7,300.00: -£200.00; £7,000.00 + £500.00 - £200.00 = £7,300.00.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

import calloff
from calloff.domain import passwords
from tests.pdf_text import pages
from tests.workspace import app_for, build, sign_in

TODAY = date.today().isoformat()


@pytest.fixture
def seven_thousand(leeds):
    """Call-off 1: 7 days on lot 4 at Alder's £1,000.00, offered 2015-05-01, accepted."""
    leeds.ok(
        "request", "add", "--lot", "4", "--title", "Deep dive", "--start", "2015-06-01",
        "--end", "2015-06-09", "--quantity", "7", "--unit", "day", "--on", "2015-05-01",
    )  # fmt: skip
    offer = leeds.json("allocate", "1", "--on", "2015-05-01")
    assert (offer["name"], offer["value"]) == ("Alder Training", "7000.00")
    leeds.ok("accept", "1", "--on", "2015-05-04")
    return leeds


def _spend(leeds, amount, day, invoice):
    leeds.ok("spend", "add", "1", "--amount", amount, "--date", day, "--invoice", invoice)


# Issued: the day the order was issued, not the day it was printed.


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_an_order_is_issued_on_its_offer_day_not_the_day_it_is_printed(seven_thousand, fmt):
    text = seven_thousand.ok("order", "1", "--format", fmt).stdout
    assert f"Issued 2015-05-01. This copy printed {TODAY}." in text
    assert f"Issued {TODAY}" not in text


def test_an_order_that_awaited_approval_is_issued_on_its_approval_day(leeds):
    """Raised 2015-10-01 at £30,000.00, over the approval threshold; approved 2015-10-02."""
    leeds.ok(
        "request", "add", "--lot", "4", "--title", "Big", "--start", "2015-11-02",
        "--value", "30000", "--on", "2015-10-01",
    )  # fmt: skip
    leeds.ok("allocate", "1", "--on", "2015-10-01")
    leeds.ok("approve", "1", "--on", "2015-10-02", officer="officer.b")
    text = leeds.ok("order", "1").stdout
    assert "| Offered on | 2015-10-02 |" in text
    assert f"Issued 2015-10-02. This copy printed {TODAY}." in text
    assert "Issued 2015-10-01" not in text


# A finished order: what was invoiced and what is payable.


def test_a_completed_order_says_what_was_invoiced_and_what_is_payable(seven_thousand):
    _spend(seven_thousand, "4000", "2015-06-05", "A-1")
    _spend(seven_thousand, "2800", "2015-06-09", "A-2")
    seven_thousand.ok("complete", "1", "--on", "2015-07-31")
    md = seven_thousand.ok("order", "1").stdout
    assert "| Status | completed on 2015-07-31 (accepted on 2015-05-04) |" in md
    assert (
        "Completed on 2015-07-31.\n"
        "Invoiced £6,800.00 ex-VAT, against the order's value of £7,000.00.\n"
        "**Amount payable: £6,800.00 ex-VAT (£8,160.00 including VAT)**, the work invoiced. "
        "Nothing further is payable under this order."
    ) in md
    html = seven_thousand.ok("order", "1", "--format", "html").stdout
    assert "Invoiced £6,800.00 ex-VAT, against the order's value of £7,000.00." in html
    assert "<strong>Amount payable: £6,800.00 ex-VAT (£8,160.00 including VAT)</strong>" in html
    # The same figures wherever the call-off is shown.
    data = seven_thousand.json("show", "1")
    assert data["amount_payable"] == {"value": "6800.00", "vat": "1360.00", "total": "8160.00"}
    show = seven_thousand.ok("show", "1").stdout
    assert "Payable:    £6,800.00 ex-VAT on completion (£8,160.00 with VAT)" in show
    record = seven_thousand.ok("record", "1").stdout
    assert "| Amount payable on completion | £6,800.00 ex-VAT, £8,160.00 with VAT |" in record


def test_a_cancelled_order_says_what_was_invoiced_up_to_the_cancellation(seven_thousand):
    _spend(seven_thousand, "2000", "2015-06-02", "A-1")
    seven_thousand.ok("cancel", "1", "--reason", "programme paused", "--on", "2015-06-20")
    md = seven_thousand.ok("order", "1").stdout
    assert (
        "Cancelled on 2015-06-20: programme paused.\n"
        "Invoiced £2,000.00 ex-VAT up to the cancellation, against the order's value of "
        "£7,000.00.\n"
        "**Amount payable: £2,000.00 ex-VAT (£2,400.00 including VAT)**, the work invoiced up "
        "to the cancellation."
    ) in md
    assert "| Amount payable on cancellation |" in seven_thousand.ok("record", "1").stdout


def test_a_live_order_has_no_amount_payable(seven_thousand):
    _spend(seven_thousand, "2000", "2015-06-02", "A-1")
    md = seven_thousand.ok("order", "1").stdout
    assert "Amount payable" not in md and "Invoiced £" not in md
    assert seven_thousand.json("show", "1")["amount_payable"] is None


# A variation: the change it made, and the value after it.


def test_a_variation_line_gives_the_change_and_the_value_after(seven_thousand):
    seven_thousand.ok(
        "vary", "1", "--value", "7500", "--reason", "a longer day", "--on", "2015-05-10"
    )
    md = seven_thousand.ok("order", "1").stdout
    assert (
        "| Varied on 2015-05-10 (value before £7,000.00, after £7,500.00): a longer day "
        "| +£500.00 |"
    ) in md
    assert "| **Value now (ex-VAT)** | **£7,500.00** |" in md
    seven_thousand.ok(
        "vary", "1", "--value", "7300", "--reason", "one room fewer", "--on", "2015-05-12"
    )
    md = seven_thousand.ok("order", "1").stdout
    assert "(value before £7,500.00, after £7,300.00): one room fewer | -£200.00 |" in md
    # The amounts add up to the value now: £7,000.00 + £500.00 - £200.00.
    price = md.split("## Price")[1].split("Value now")[0]
    assert re.findall(r"\| ([-+]?£[\d,.]+) \|", price) == ["£7,000.00", "+£500.00", "-£200.00"]
    assert "| **Value now (ex-VAT)** | **£7,300.00** |" in md
    html = seven_thousand.ok("order", "1", "--format", "html").stdout
    assert (
        "<td>Varied on 2015-05-10 (value before £7,000.00, after £7,500.00): a longer day</td>"
        '<td class="money">+£500.00</td>'
    ) in html
    record = seven_thousand.ok("record", "1").stdout
    assert "| Day | From | Change | Value after | Reason | By |" in record
    assert "| 2015-05-10 | £7,000.00 | +£500.00 | £7,500.00 | a longer day | officer.a |" in record
    assert (
        "| 2015-05-12 | £7,500.00 | -£200.00 | £7,300.00 | one room fewer | officer.a |" in record
    )
    record_html = seven_thousand.ok("record", "1", "--format", "html").stdout
    assert (
        '<td class="money">£7,000.00</td><td class="money">+£500.00</td>'
        '<td class="money">£7,500.00</td>'
    ) in record_html
    variations = seven_thousand.json("show", "1")["variations"]
    assert [(v["from"], v["change"], v["to"]) for v in variations] == [
        ("7000.00", "500.00", "7500.00"),
        ("7500.00", "-200.00", "7300.00"),
    ]


# The award record's spend Total row stays with its table when printed.


def _spend_table(html: str) -> str:
    return html.split("<h2>Spend</h2>")[1].split("</table>")[0] + "</table>"


def test_the_spend_total_is_the_last_row_of_its_table_and_kept_with_the_row_above(
    seven_thousand,
):
    """The same rule as the report's: `tr.total` never starts a printed page."""
    for i in range(3):
        _spend(seven_thousand, "100", f"2015-06-0{i + 2}", f"A-{i}")
    html = seven_thousand.ok("record", "1", "--format", "html").stdout
    table = _spend_table(html)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>")[1], re.S)
    assert [r.startswith('<tr class="total">') for r in rows] == [False, False, False, True]
    assert "<tfoot" not in table  # a footer would repeat on every page the table crosses
    printing = html.split("@media print")[1]
    assert "tr.total { break-before: avoid; page-break-before: avoid; }" in printing
    for command in ("order", "record"):
        page = seven_thousand.ok(command, "1", "--format", "html").stdout
        assert "tr.total { break-before: avoid" in page.split("@media print")[1]


CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (apt-get install chromium)")
def test_a_printed_record_never_leaves_its_spend_total_alone_on_a_page(seven_thousand, tmp_path):
    """The record's spend table, printed by Chromium at every height on an A4 page, in steps
    of 5px: wherever the page breaks, the Total row is on the same page as the last line."""
    for i in range(6):
        _spend(seven_thousand, "100", f"2015-06-0{i + 2}", f"A-{i}")
    html = seven_thousand.ok("record", "1", "--format", "html").stdout
    head = html.split("<body>")[0]
    section = "<h2>Spend</h2>" + _spend_table(html)
    heights = range(760, 1000, 5)  # an A4 page's printable height is about 994px
    body = "".join(
        f'<div style="break-before: page; height: {h}px">at {h}</div>{section}' for h in heights
    )
    source = tmp_path / "sweep.html"
    source.write_text(f"{head}<body>{body}</body></html>", encoding="utf-8")
    pdf = tmp_path / "sweep.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", source.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    printed = pages(pdf) if pdf.exists() else None
    if printed is None:
        pytest.skip("Chromium's PDF could not be read here")
    lines = [(n, line) for n, page in enumerate(printed) for line in page]
    split = 0
    for h in heights:
        start = next(i for i, (_, line) in enumerate(lines) if line == f"at {h}")
        first = next(i for i in range(start, len(lines)) if lines[i][1] == "A-0")
        last = next(i for i in range(start, len(lines)) if lines[i][1] == "A-5")
        total = next(i for i in range(last, len(lines)) if lines[i][1] == "Total")
        assert lines[total][0] == lines[last][0], f"at {h}px the Total row is alone"
        split += lines[first][0] != lines[last][0]
    assert split, "no height put a page break inside the table: the sweep tested nothing"


# The report: spend by invoice date, commitment by the call-off's year, said under the table.

NOTE = (
    "Committed counts the call-offs of 2016-17 (a call-off belongs to the financial year its "
    "work starts in); spent counts invoices by their invoice date, whatever year their "
    "call-off belongs to. So a lot can show spend with nothing committed: invoices dated in "
    "2016-17 for a call-off of another year."
)


@pytest.fixture
def late_invoice(leeds):
    """Call-off 1 belongs to 2015-16 (its work starts 2016-03-01); its invoice of £4,327.00
    is dated 2016-04-15, in 2016-17: that year commits nothing on lot 4 and spends £4,327.00."""
    leeds.ok(
        "request", "add", "--lot", "4", "--title", "Late winter days", "--start", "2016-03-01",
        "--value", "5000", "--on", "2016-02-01",
    )  # fmt: skip
    leeds.ok("allocate", "1", "--on", "2016-02-01")
    leeds.ok("accept", "1", "--on", "2016-02-02")
    _spend(leeds, "4327", "2016-04-15", "A-1")
    return leeds


def test_the_report_says_under_the_lot_table_how_spend_and_commitment_are_counted(
    late_invoice,
):
    md = late_invoice.ok("report", "quarterly", "--year", "2016-17", "--quarter", "1").stdout
    by_lot = md.split("### By lot")[1].split("### By provider")[0]
    assert "| £0.00 | £4,327.00 | £4,327.00 | 0 |" in by_lot
    assert by_lot.strip().endswith(NOTE)
    html = late_invoice.ok(
        "report", "quarterly", "--year", "2016-17", "--quarter", "1", "--format", "html"
    ).stdout
    by_lot = html.split("<h3>By lot</h3>")[1].split("<h3>By provider</h3>")[0]
    assert '<td class="n">£0.00</td><td class="n">£4,327.00</td>' in by_lot
    assert by_lot.split("</table>")[1].strip() == f'<p class="note">{NOTE}</p>'


def test_the_reports_page_says_it_under_the_lot_table(tmp_path, monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path) as office:
        office.add_request(lot=4, title="Late winter days", start="2016-03-01", value="5000",
                           on="2016-02-01")  # fmt: skip
        made = office.allocate(2, on="2016-02-01").calloff
        assert made is not None
        office.accept(made.id, on="2016-02-02")
        office.add_spend(made.id, amount="4327", invoice_date="2016-04-15", invoice="A-1")
    client = app_for(path).test_client()
    assert sign_in(client, "u.auditor").status_code == 302
    page = client.get("/reports?year=2016-17&quarter=1")
    assert page.status_code == 200, page.text
    by_lot = page.text.split(">By lot</h3>")[1].split(">By provider</h3>")[0]
    assert "£4,327.00" in by_lot
    assert f'<p class="govuk-body-s">{NOTE}</p>' in by_lot
