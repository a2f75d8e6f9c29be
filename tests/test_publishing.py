"""`calloff publish`: what the law has a council publish, checked against figures worked by hand.

Two small databases are built once each, through the command line, and only read by the
tests that share them:

- Leeds (`pcr2015`), 2015-16: the Transparency Code's spend over £500 and contracts over
  £5,000, and the line saying payments over £30,000 do not apply;
- a copy of the Leeds definition let under the Procurement Act 2023 (`pa2023`), 2026-27:
  payments over £30,000 and the payments compliance notice.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calloff
from tests.conftest import Calloff, snapshot

BOM = "\ufeff"
DEFINITION = (
    Path(__file__).resolve().parent.parent / "framework/calloff/definitions/leeds-rp-2015.toml"
)


def spend_line(cl: Calloff, calloff_id: int, invoice: str, amount: str, on: str, *extra: str):
    return cl.json(
        "spend",
        "add",
        str(calloff_id),
        "--amount",
        amount,
        "--date",
        on,
        "--invoice",
        invoice,
        *extra,
    )


def let(
    cl: Calloff,
    lot: int,
    title: str,
    start: str,
    on: str,
    accept: str,
    *size: str,
    officer: str = "officer.a",
) -> int:
    """Request, offer and acceptance of one call-off, the request `officer`'s; its id."""
    rid = cl.json(
        "request", "add", "--lot", str(lot), "--title", title, "--start", start, "--on", on, *size,
        officer=officer,
    )["id"]  # fmt: skip
    cid = int(cl.json("allocate", str(rid), "--on", on, officer=officer)["calloff"])
    cl.ok("accept", str(cid), "--on", accept)
    return cid


def rows_by(publication: dict, key: str) -> dict:
    return {r[key]: r for r in publication["rows"]}


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith(BOM), "a published CSV starts with a byte-order mark"
    return list(csv.reader(io.StringIO(text[len(BOM) :])))


# -- Leeds, 2015-16 -------------------------------------------------------------------------


def build_leeds(cl: Calloff) -> None:
    """The call-offs and invoices the Leeds tests work by hand.

    Providers: 1 Alder Training (standard VAT, SC123456, SME), 2 Birch, 3 Cedar (lot 4,
    ranked 1-3), 4 Dale Trust (VAT exempt, charity 1098765, VCSE; rank 1 on lot 2).

    Call-offs, all accepted 21 May 2015 unless said:
      1 lot 4 Alder, 10 days at £1,000 = £10,000; varied to £12,000 on 15 Sep (Q2) and to
        £13,000 on 10 Oct (Q3)
      2 lot 2 Dale, £6,000
      3 lot 4 Alder, £5,000.00 (not over £5,000); varied to £5,000.01 on 1 Oct (Q3)
      4 lot 4 Alder, £8,000, completed 30 Jun (before Q2 starts)
      5 lot 4 Alder, £9,000, cancelled 3 Aug (in Q2); officer.b's request (officer.a's
        call-offs to Alder within 30 days stay under the approval threshold: docs/rules.md)
      6 lot 4 Alder, £7,000, accepted 5 Oct (after Q2 ends)

    Invoices (invoice date, paid):
      A-500     CO1 £500.00   1 Jul, paid 10 Jul: not over £500, in no quarter
      A-500.01  CO1 £500.01   1 Jul, paid 10 Jul: Q2; VAT 20% = 100.002 -> £100.00
      A-Q1      CO1 £1,234.56 15 Jun (Q1), received 16 Jun, paid 3 Jul: Q2, not Q1;
                VAT 246.912 -> £246.91, of which £46.91 irrecoverable
      A-UNPAID  CO1 £2,000.00 1 Aug, never paid: in no quarter
      A-Q3      CO1 £700.00   20 Sep, paid 2 Oct: Q3
      D-1       CO2 £3,000.00 5 Jul, paid 20 Jul: Q2, exempt so VAT £0.00
      D-2       CO2 £600.00   10 Jun, paid 20 Jun: Q1
    """
    cl.ok("init")
    cl.ok("provider", "add", "Alder Training", "--companies-house", "sc 123456", "--sme")
    cl.ok("provider", "add", "Birch Practice Ltd")
    cl.ok("provider", "add", "Cedar Conferencing")
    cl.ok("provider", "add", "Dale Trust", "--vat", "exempt", "--charity", "1098765", "--vcse")
    cl.ok("rank", "set", "4", "1", "2", "3")
    for pid, rate in (("1", "1000"), ("2", "1200"), ("3", "900")):
        cl.ok("price", "set", "4", pid, "--day", rate)
    cl.ok("rank", "set", "2", "4")
    cl.ok("price", "set", "2", "4", "--day", "500")

    may1, may21, june1 = "2015-05-01", "2015-05-21", "2015-06-01"
    day = ("--quantity", "10", "--unit", "day")
    assert let(cl, 4, "Deep dive", june1, may1, may21, *day) == 1
    assert let(cl, 2, "Conferencing", june1, may1, may21, "--value", "6000") == 2
    assert let(cl, 4, "Briefings", june1, may1, may21, "--value", "5000") == 3
    assert let(cl, 4, "Awareness", june1, may1, may21, "--value", "8000") == 4
    # Another officer's: officer.a's call-offs to Alder on lot 4 in May come to £23,000.00,
    # under the approval threshold; with this £9,000.00 they would be £32,000.00.
    leadership = ("--value", "9000")
    assert let(cl, 4, "Leadership", june1, may1, may21, *leadership, officer="officer.b") == 5
    assert let(cl, 4, "Schools", "2015-10-01", "2015-09-01", "2015-10-05", "--value", "7000") == 6
    cl.ok("complete", "4", "--on", "2015-06-30")
    cl.ok("cancel", "5", "--reason", "service restructure", "--on", "2015-08-03")
    cl.ok("vary", "1", "--value", "12000", "--reason", "two more days", "--on", "2015-09-15")
    cl.ok("vary", "1", "--value", "13000", "--reason", "one more day", "--on", "2015-10-10")
    cl.ok("vary", "3", "--value", "5000.01", "--reason", "handouts", "--on", "2015-10-01")

    assert spend_line(cl, 1, "A-500", "500.00", "2015-07-01", "--paid", "2015-07-10")["vat"] == (
        "100.00"
    )
    line = spend_line(cl, 1, "A-500.01", "500.01", "2015-07-01", "--paid", "2015-07-10")
    assert line["vat"] == "100.00"  # 500.01 x 20% = 100.002
    line = spend_line(
        cl,
        1,
        "A-Q1",
        "1234.56",
        "2015-06-15",
        "--received",
        "2015-06-16",
        "--irrecoverable-vat",
        "46.91",
    )
    assert line["vat"] == "246.91" and line["paid"] is None  # 1234.56 x 20% = 246.912
    assert cl.json("spend", "pay", "A-Q1", "--on", "2015-07-03")["paid"] == "2015-07-03"
    spend_line(cl, 1, "A-UNPAID", "2000", "2015-08-01")
    spend_line(cl, 1, "A-Q3", "700", "2015-09-20", "--paid", "2015-10-02")
    line = spend_line(cl, 2, "D-1", "3000", "2015-07-05", "--paid", "2015-07-20")
    assert line["vat"] == "0.00" and line["irrecoverable_vat"] == "0.00"  # Dale is exempt
    spend_line(cl, 2, "D-2", "600", "2015-06-10", "--paid", "2015-06-20")


@pytest.fixture(scope="module")
def leeds_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("leeds") / "calloff.db"
    build_leeds(Calloff(db))
    return db


@pytest.fixture
def published(leeds_db) -> Calloff:
    """The Leeds database, to be read only: built once for the module."""
    return Calloff(leeds_db)


@pytest.fixture
def own_leeds(leeds_db, tmp_path) -> Calloff:
    """A copy of the Leeds database this test may write to."""
    db = tmp_path / "calloff.db"
    shutil.copy(leeds_db, db)
    return Calloff(db)


def test_spend_over_500_by_payment_date(published):
    """Q2 2015-16: A-Q1 £1,234.56 (invoiced in Q1, paid 3 Jul), A-500.01 £500.01 and D-1
    £3,000.00; A-500 (£500.00 exactly) is out. Total 1,234.56 + 500.01 + 3,000.00 =
    £4,734.57, irrecoverable VAT £46.91 (A-Q1's)."""
    out = published.json("publish", "spend", "--year", "2015-16", "--quarter", "2")
    assert [r["invoice"] for r in out["rows"]] == ["A-Q1", "A-500.01", "D-1"]  # in order paid
    assert out["count"] == 3
    assert out["total"] == "4734.57"
    assert out["irrecoverable_vat_total"] == "46.91"
    assert (out["period_start"], out["period_end"]) == ("2015-07-01", "2015-09-30")
    assert out["threshold"] == "500.00" and out["threshold_includes_vat"] is False
    assert out["organisation"] == "Leeds City Council" and out["regime"] == "pcr2015"
    rows = rows_by(out, "invoice")
    assert rows["A-Q1"] == {
        "organisation": "Leeds City Council",
        "transaction_number": "LEEDS-RP-2015/SP-000003",
        "payment_date": "2015-07-03",
        "service_area": "Children's Services",
        "beneficiary": "Alder Training",
        "companies_house": "SC123456",
        "charity_number": None,
        "purpose": "Training under lot 4: Deep dive",
        "merchant_category": "Training and development",
        "amount": "1234.56",
        "irrecoverable_vat": "46.91",
        "contract_reference": "LEEDS-RP-2015/CO-00001",
        "invoice": "A-Q1",
        "cost_centre": None,
        "gl_code": None,
        "purchase_order": None,
    }
    # The amount published excludes VAT, whatever the provider's VAT.
    assert rows["A-500.01"]["amount"] == "500.01"
    assert rows["D-1"]["amount"] == "3000.00"
    assert rows["D-1"]["beneficiary"] == "Dale Trust"
    assert rows["D-1"]["charity_number"] == "1098765" and rows["D-1"]["companies_house"] is None
    assert rows["D-1"]["contract_reference"] == "LEEDS-RP-2015/CO-00002"


@pytest.mark.parametrize(
    "quarter, invoices, total",
    [
        (1, ["D-2"], "600.00"),  # A-Q1 is dated in Q1 but paid in Q2
        (3, ["A-Q3"], "700.00"),  # dated 20 Sep, paid 2 Oct
        (4, [], "0.00"),
    ],
)
def test_spend_in_other_quarters(published, quarter, invoices, total):
    """Each line is in the quarter it was paid; A-UNPAID and A-500 are in none."""
    out = published.json("publish", "spend", "--year", "2015-16", "--quarter", str(quarter))
    assert [r["invoice"] for r in out["rows"]] == invoices
    assert out["count"] == len(invoices) and out["total"] == total


def test_unpaid_and_500_exactly_are_never_published(published):
    seen = set()
    for q in "1234":
        out = published.json("publish", "spend", "--year", "2015-16", "--quarter", q)
        seen |= {r["invoice"] for r in out["rows"]}
    assert seen == {"A-Q1", "A-500.01", "D-1", "D-2", "A-Q3"}
    assert "A-UNPAID" not in seen and "A-500" not in seen


def test_spend_csv_is_the_same_publication(published):
    """The CSV has the JSON's rows, money as plain numbers and a blank for a missing number."""
    text = published.ok("publish", "spend", "--year", "2015-16", "--quarter", "2").stdout
    table = read_csv(text)
    assert table[0] == [
        "organisation",
        "transaction_number",
        "payment_date",
        "service_area",
        "beneficiary",
        "companies_house",
        "charity_number",
        "purpose",
        "merchant_category",
        "amount",
        "irrecoverable_vat",
        "contract_reference",
        "invoice",
        "cost_centre",
        "gl_code",
        "purchase_order",
    ]
    assert [(r[2], r[4], r[9], r[10], r[12]) for r in table[1:]] == [
        ("2015-07-03", "Alder Training", "1234.56", "46.91", "A-Q1"),
        ("2015-07-10", "Alder Training", "500.01", "0.00", "A-500.01"),
        ("2015-07-20", "Dale Trust", "3000.00", "0.00", "D-1"),
    ]
    assert table[3][5] == "" and table[3][6] == "1098765"
    # --format json is --json.
    as_format = published.ok(
        "publish", "spend", "--year", "2015-16", "--quarter", "2", "--format", "json"
    ).stdout
    assert json.loads(as_format) == published.json(
        "publish", "spend", "--year", "2015-16", "--quarter", "2"
    )


def test_vat_by_provider_as_counted_for_payment(published):
    """VAT is 20% for a standard-rated provider and none for an exempt one: the gross
    amounts in the payment-performance invoices of 2015-16 H1 show it. A-500.01 £500.01 +
    £100.00 = £600.01; A-Q1 £1,234.56 + £246.91 = £1,481.47; D-1 £3,000.00 + nothing."""
    out = published.json("publish", "payment-performance", "--half", "2015-16-H1")
    gross = {i["invoice"]: i["amount_including_vat"] for i in out["invoices"]}
    assert gross["A-500.01"] == "600.01"
    assert gross["A-500"] == "600.00"
    assert gross["A-Q1"] == "1481.47"
    assert gross["D-1"] == "3000.00"
    assert gross["D-2"] == "600.00"


def test_contracts_register_q2(published):
    """Q2 2015-16 (1 Jul - 30 Sep): the framework (caps £260,000 + £1,240,000 =
    £1,500,000.00); CO1 at £12,000 (varied 15 Sep; the 10 Oct variation is after the
    quarter); CO2 £6,000; CO5 £9,000, cancelled 3 Aug. Out: CO3 (£5,000.00, not over),
    CO4 (completed 30 Jun, before the quarter), CO6 (accepted 5 Oct, after it).
    Call-offs: 12,000 + 6,000 + 9,000 = £27,000.00."""
    out = published.json("publish", "contracts", "--year", "2015-16", "--quarter", "2")
    refs = [r["reference"] for r in out["rows"]]
    assert refs == [
        "LEEDS-RP-2015",
        "LEEDS-RP-2015/CO-00001",
        "LEEDS-RP-2015/CO-00002",
        "LEEDS-RP-2015/CO-00005",
    ]
    assert out["count"] == 4 and out["calloffs_value"] == "27000.00"
    assert out["threshold"] == "5000.00" and out["threshold_includes_vat"] is False
    rows = rows_by(out, "reference")
    fw = rows["LEEDS-RP-2015"]
    assert fw["kind"] == "framework"
    assert fw["value"] == "1500000.00"
    assert fw["status"] == "in force"
    assert (fw["start_date"], fw["end_date"]) == ("2015-04-01", "2016-03-31")
    assert fw["review_date"] == "2016-03-31"  # two extensions are left to decide
    assert fw["supplier"] == "Alder Training; Birch Practice Ltd; Cedar Conferencing; Dale Trust"
    assert fw["companies_house"] == "Alder Training: SC123456"
    assert fw["charity_number"] == "Dale Trust: 1098765"
    assert fw["sme"] == "Alder Training: Yes" and fw["vcse"] == "Dale Trust: Yes"
    assert fw["ppon"] is None
    assert fw["irrecoverable_vat"] == "46.91"  # A-Q1 is dated 15 Jun, before the end
    assert fw["procurement_route"].startswith("framework agreement, competitive tender under")
    co1 = rows["LEEDS-RP-2015/CO-00001"]
    assert co1 == {
        "reference": "LEEDS-RP-2015/CO-00001",
        "kind": "call-off",
        "title": "Deep dive",
        "service_area": "Children's Services",
        "description": co1["description"],
        "supplier": "Alder Training",
        "companies_house": "SC123456",
        "charity_number": None,
        "ppon": None,
        "value": "12000.00",
        "irrecoverable_vat": "46.91",
        "start_date": "2015-06-01",
        "end_date": co1["end_date"],
        "review_date": None,
        "procurement_route": "call-off from framework LEEDS-RP-2015, by ranking",
        "sme": True,
        "vcse": None,
        "supported_employment": None,
        "public_service_mutual": None,
        "status": "accepted",
    }
    assert co1["description"].startswith("Lot 4: ")
    co2 = rows["LEEDS-RP-2015/CO-00002"]
    assert (co2["supplier"], co2["value"], co2["status"]) == ("Dale Trust", "6000.00", "accepted")
    assert (co2["charity_number"], co2["sme"], co2["vcse"]) == ("1098765", None, True)
    assert co2["irrecoverable_vat"] == "0.00"
    co5 = rows["LEEDS-RP-2015/CO-00005"]
    assert (co5["value"], co5["status"]) == ("9000.00", "cancelled")


@pytest.mark.parametrize(
    "quarter, expected",
    [
        # Q1: CO1 at its first £10,000; CO4 completed 30 Jun is in, as completed; CO5 is
        # accepted until August. CO3 £5,000.00 is not over £5,000.
        (
            1,
            {
                1: ("10000.00", "accepted"),
                2: ("6000.00", "accepted"),
                4: ("8000.00", "completed"),
                5: ("9000.00", "accepted"),
            },
        ),
        # Q3: CO1 £13,000 (10 Oct); CO3 £5,000.01 (1 Oct) is now over; CO5 ended in Q2;
        # CO6 accepted 5 Oct.
        (
            3,
            {
                1: ("13000.00", "accepted"),
                2: ("6000.00", "accepted"),
                3: ("5000.01", "accepted"),
                6: ("7000.00", "accepted"),
            },
        ),
    ],
)
def test_contracts_register_other_quarters(published, quarter, expected):
    out = published.json("publish", "contracts", "--year", "2015-16", "--quarter", str(quarter))
    calloffs = {
        int(r["reference"].rsplit("-", 1)[1]): (r["value"], r["status"])
        for r in out["rows"]
        if r["kind"] == "call-off"
    }
    assert calloffs == expected
    assert out["rows"][0]["kind"] == "framework" and out["rows"][0]["value"] == "1500000.00"
    values = sum(Decimal(v) for v, _ in expected.values())
    assert Decimal(out["calloffs_value"]) == values


def test_payments_duty_does_not_apply_to_leeds(published, tmp_path, monkeypatch):
    """Leeds is let under the 2015 Regulations: one line, exit 0, and no file unless asked."""
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    result = published.ok("publish", "payments", "--year", "2015-16", "--quarter", "2")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("The duty to publish payments over £30,000")
    assert "does not apply to this framework" in lines[0]
    assert sorted(os.listdir(tmp_path)) == before
    f = tmp_path / "payments.csv"
    result = published.ok(
        "publish", "payments", "--year", "2015-16", "--quarter", "2", "--output", str(f)
    )
    assert "does not apply" in result.stdout
    assert f.read_bytes() == b""
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    # An existing file is not replaced without --force, even by an empty one.
    f.write_text("keep me")
    refused = published(
        "publish", "payments", "--year", "2015-16", "--quarter", "2", "--output", str(f)
    )
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert f.read_text() == "keep me"
    out = published.json("publish", "payments", "--year", "2015-16", "--quarter", "2")
    assert out["applies"] is False and out["rows"] == [] and out["count"] == 0
    assert out["note"] == lines[0]


def test_output_file_is_0600_and_not_replaced_without_force(published, tmp_path):
    f = tmp_path / "spend.csv"
    args = ("publish", "spend", "--year", "2015-16", "--quarter", "2", "--output", str(f))
    assert f"Wrote {f}" in published.ok(*args).stdout
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    written = f.read_text(encoding="utf-8")
    assert written == published.ok(*args[:-2]).stdout
    assert read_csv(written)[1][12] == "A-Q1"
    f.write_text("an older file")
    refused = published(*args)
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [
        f"Error: {f} already exists: add --force to replace it, or choose another file"
    ]
    assert f.read_text() == "an older file"
    published.ok(*args, "--force")
    assert f.read_text(encoding="utf-8") == written
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    # JSON goes to a file the same way.
    j = tmp_path / "contracts.json"
    published.ok(
        "publish", "contracts", "--year", "2015-16", "--quarter", "2", "--json", "--output", str(j)
    )
    assert json.loads(j.read_text())["calloffs_value"] == "27000.00"


def test_output_never_replaces_the_database(own_leeds):
    before = snapshot(own_leeds.db)
    result = own_leeds(
        "publish",
        "spend",
        "--year",
        "2015-16",
        "--quarter",
        "2",
        "--output",
        own_leeds.db,
        "--force",
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert snapshot(own_leeds.db) == before


@pytest.mark.parametrize(
    "args",
    [
        ["spend", "--year", "2015-16", "--quarter", "5"],
        ["spend", "--year", "2015-17", "--quarter", "1"],
        ["contracts", "--year", "2015-16"],
        ["payment-performance", "--half", "2026-27-H3"],
        ["payment-performance", "--half", "2026-27"],
        ["spend", "--year", "2015-16", "--quarter", "1", "--format", "ods"],
    ],
)
def test_bad_period_is_refused(own_leeds, args):
    own_leeds.refused("publish", *args, code=2)


def test_formulas_are_neutralised_in_csv(own_leeds):
    """A provider named =HYPERLINK(...), a request titled +1 and an invoice @SUM(1) reach
    the CSV with a leading ' so a spreadsheet shows them; the JSON keeps them as written."""
    cl = own_leeds
    evil = '=HYPERLINK("http://example.invalid","x")'
    cl.ok("provider", "add", evil, "--on", "2015-04-01")
    cl.ok("rank", "set", "1", "5")
    cl.ok("price", "set", "1", "5", "--day", "1000")
    cid = let(cl, 1, "+1 extra day", "2015-06-01", "2015-05-01", "2015-05-21", "--value", "6000")
    spend_line(cl, cid, "@SUM(1)", "600", "2015-08-01", "--paid", "2015-08-02")
    spend_line(cl, cid, "-5", "700", "2015-08-01", "--paid", "2015-08-03")

    text = cl.ok("publish", "spend", "--year", "2015-16", "--quarter", "2").stdout
    table = read_csv(text)
    header, rows = table[0], [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert header[4] == "beneficiary"
    ours = [r for r in rows if r["contract_reference"].endswith(f"CO-{cid:05d}")]
    assert [(r["beneficiary"], r["invoice"]) for r in ours] == [
        ("'" + evil, "'@SUM(1)"),
        ("'" + evil, "'-5"),
    ]
    assert all(r["amount"][0].isdigit() for r in rows)  # money is a number, not neutralised
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in table for cell in r)

    contracts = read_csv(
        cl.ok("publish", "contracts", "--year", "2015-16", "--quarter", "2").stdout
    )
    flat = [cell for r in contracts for cell in r]
    assert "'" + evil in flat  # the call-off's supplier
    assert "'+1 extra day" in flat  # its title
    # The framework's supplier list sorts "=" first, so it begins with the formula too.
    assert contracts[1][5].startswith("'=HYPERLINK")
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in flat)

    raw = cl.json("publish", "spend", "--year", "2015-16", "--quarter", "2")
    assert {r["beneficiary"] for r in raw["rows"]} >= {evil}
    assert {r["invoice"] for r in raw["rows"]} >= {"@SUM(1)", "-5"}


def test_spend_import_carries_payment(own_leeds, tmp_path):
    """Imported lines with received and paid dates are published by the day paid: I-1
    £800 paid 10 Aug (Q2), I-2 £900 unpaid; the Q2 total rises by £800 to £5,534.57."""
    f = tmp_path / "spend.csv"
    f.write_text(
        "calloff,invoice,date,amount,attendees,received,paid,vat,irrecoverable_vat\n"
        "1,I-1,2015-08-01,800,,2015-08-02,2015-08-10,,10.00\n"
        "1,I-2,2015-08-01,900,,,,,\n"
    )
    own_leeds.ok("spend", "import", str(f))
    out = own_leeds.json("publish", "spend", "--year", "2015-16", "--quarter", "2")
    i1 = rows_by(out, "invoice")["I-1"]
    assert (i1["payment_date"], i1["amount"], i1["irrecoverable_vat"]) == (
        "2015-08-10",
        "800.00",
        "10.00",
    )
    assert "I-2" not in rows_by(out, "invoice")
    assert out["total"] == "5534.57" and out["irrecoverable_vat_total"] == "56.91"
    # The same file again adds nothing; one that now says I-2 was paid is refused.
    assert "Nothing new" in own_leeds.ok("spend", "import", str(f)).stdout
    f.write_text(
        "calloff,invoice,date,amount,attendees,received,paid\n1,I-2,2015-08-01,900,,,2015-08-20\n"
    )
    before = snapshot(own_leeds.db)
    result = own_leeds("spend", "import", str(f))
    assert result.exit_code == 1 and "calloff spend pay I-2 --on 2015-08-20" in result.stderr
    assert snapshot(own_leeds.db) == before
    f.write_text(
        "calloff,invoice,date,amount,attendees,received,paid\n"
        "1,I-2,2015-08-01,900,,2015-08-02,2015-08-20\n"
    )
    result = own_leeds("spend", "import", str(f))
    assert "`calloff spend pay I-2 --on 2015-08-20 --received 2015-08-02`" in result.stderr
    assert snapshot(own_leeds.db) == before


# -- a framework under the Procurement Act 2023, 2026-27 -----------------------------------


def pa2023_definition(folder: Path) -> Path:
    """The Leeds definition let under the Act from 1 April 2026, with its caps for 2026-27.
    The approval threshold is raised so one officer can let the £150,000 call-off."""
    text = DEFINITION.read_text()
    for old, new in (
        ('id = "leeds-rp-2015"', 'id = "leeds-rp-2026"'),
        ('regime = "pcr2015"', 'regime = "pa2023"'),
        ('approval_threshold = "25000.00"', 'approval_threshold = "1000000.00"'),
        ("start = 2015-04-01", "start = 2026-04-01"),
        ('caps = { "2015-16" = "260000.00" }', 'caps = { "2026-27" = "260000.00" }'),
        (
            "window = { start = 2015-02-01, end = 2016-03-31 }",
            "window = { start = 2026-04-01, end = 2027-03-31 }",
        ),
        ('caps = { "2015-16" = "1240000.00" }', 'caps = { "2026-27" = "1240000.00" }'),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "pa2023.toml"
    path.write_text(text)
    return path


def build_pa2023(cl: Calloff, definition: Path) -> None:
    """CO1 lot 4 Alder Training (standard VAT), £150,000; CO2 lot 2 Birch (exempt), £80,000.

    Invoices (invoice date, received, paid; days = paid - received):
      P1 CO1 £25,000.00 +VAT £5,000.00 = £30,000.00  20 Apr, rec 1 May, paid 31 May: 30 days
      P2 CO1 £25,000.01 +VAT £5,000.00 = £30,000.01  20 Apr, rec 1 May, paid 1 Jun: 31 days
      P3 CO2 £40,000.00 exempt                       10 May, (rec = 10 May), paid 15 Jul: 66
      P7 CO2 £30,000.00 exempt                       1 Jul, rec 1 Jul, paid 21 Jul: 20
      P4 CO1 £1,000.00                               15 Aug, rec 20 Aug, unpaid (due 19 Sep)
      P5 CO1 £2,000.00                               1 Sep, rec 5 Sep (due 5 Oct), paid 10 Oct: 35
      P6 CO1 £3,000.00                               1 Aug, rec 10 Aug (due 9 Sep), paid 1 Oct: 52
    """
    cl.ok("init", "--from", str(definition))
    cl.ok(
        "provider",
        "add",
        "Alder Training",
        "--companies-house",
        "01234567",
        "--ppon",
        "pabc-1234-defg",
    )
    cl.ok("provider", "add", "Birch Practice Ltd", "--vat", "exempt")
    cl.ok("rank", "set", "4", "1")
    cl.ok("price", "set", "4", "1", "--day", "1000")
    cl.ok("rank", "set", "2", "2")
    cl.ok("price", "set", "2", "2", "--day", "1000")
    on, accept, start = "2026-04-01", "2026-04-03", "2026-04-10"
    assert let(cl, 4, "Deep dive", start, on, accept, "--value", "150000") == 1
    assert let(cl, 2, "Conferencing", start, on, accept, "--value", "80000") == 2
    line = spend_line(
        cl, 1, "P1", "25000", "2026-04-20", "--received", "2026-05-01", "--paid", "2026-05-31"
    )
    assert line["vat"] == "5000.00"
    spend_line(cl, 1, "P2", "25000.01", "2026-04-20", "--received", "2026-05-01")
    paid = cl.json("spend", "pay", "P2", "--on", "2026-06-01")
    assert (paid["received"], paid["vat"]) == ("2026-05-01", "5000.00")  # 5000.002
    spend_line(cl, 2, "P3", "40000", "2026-05-10", "--paid", "2026-07-15")
    spend_line(
        cl, 2, "P7", "30000", "2026-07-01", "--received", "2026-07-01", "--paid", "2026-07-21"
    )
    spend_line(cl, 1, "P4", "1000", "2026-08-15", "--received", "2026-08-20")
    spend_line(cl, 1, "P5", "2000", "2026-09-01", "--received", "2026-09-05")
    cl.ok("spend", "pay", "P5", "--on", "2026-10-10")
    spend_line(
        cl, 1, "P6", "3000", "2026-08-01", "--received", "2026-08-10", "--paid", "2026-10-01"
    )


@pytest.fixture(scope="module")
def pa2023(tmp_path_factory) -> Calloff:
    folder = tmp_path_factory.mktemp("pa2023")
    cl = Calloff(folder / "calloff.db")
    build_pa2023(cl, pa2023_definition(folder))
    return cl


def test_payments_over_30000_including_vat(pa2023):
    """Q1 2026-27: P1 is £30,000.00 with VAT, not over; P2 £30,000.01 is. P3 (paid 15 Jul)
    is Q2's."""
    out = pa2023.json("publish", "payments", "--year", "2026-27", "--quarter", "1")
    assert out["applies"] is True and out["note"] is None
    assert out["threshold"] == "30000.00" and out["threshold_includes_vat"] is True
    assert out["rows"] == [
        {
            "payment_date": "2026-06-01",
            "contract_reference": "LEEDS-RP-2026/CO-00001",
            "contract_title": "Deep dive",
            "supplier": "Alder Training",
            "companies_house": "01234567",
            "ppon": "PABC-1234-DEFG",
            "amount_including_vat": "30000.01",
            "vat": "5000.00",
            "amount_excluding_vat": "25000.01",
            "invoice": "P2",
            "description": "Training under lot 4, invoice P2",
        }
    ]
    assert out["count"] == 1 and out["total"] == "30000.01"
    table = read_csv(pa2023.ok("publish", "payments", "--year", "2026-27", "--quarter", "1").stdout)
    assert table[0][6] == "amount_including_vat"
    assert [r[6] for r in table[1:]] == ["30000.01"]


def test_payments_exempt_provider_has_no_vat(pa2023):
    """Q2: P3 £40,000.00 exempt is over £30,000 with no VAT; P7 £30,000.00 exempt is not
    over; P5 and P6 are paid in October, Q3."""
    out = pa2023.json("publish", "payments", "--year", "2026-27", "--quarter", "2")
    assert [(r["invoice"], r["amount_including_vat"], r["vat"]) for r in out["rows"]] == [
        ("P3", "40000.00", "0.00")
    ]
    assert out["rows"][0]["supplier"] == "Birch Practice Ltd"
    assert out["rows"][0]["ppon"] is None
    assert out["total"] == "40000.00"


def test_payments_unpaid_and_small_are_in_no_quarter(pa2023):
    published = []
    for q in "1234":
        out = pa2023.json("publish", "payments", "--year", "2026-27", "--quarter", q)
        published += [r["invoice"] for r in out["rows"]]
    assert published == ["P2", "P3"]  # P4 is unpaid; P5, P6 (gross £2,400, £3,600) small


def test_payment_performance_h1(pa2023):
    """2026-27 H1 (1 Apr - 30 Sep). Paid in it: P1 30 days, P2 31, P3 66 (from its invoice
    date, no receipt recorded), P7 20. Average (30 + 31 + 66 + 20) / 4 = 147 / 4 = 36.75;
    within 30: P1, P7 = 2/4 = 50.00%; 31-60: P2 = 25.00%; 61+: P3 = 25.00%.
    Due in it (received + 30 days): P1 and P2 31 May, P3 9 Jun, P7 31 Jul, P6 9 Sep, P4
    19 Sep = 6 (P5 is due 5 Oct); unpaid at 30 Sep: P4 (unpaid), P6 (paid 1 Oct) = 2/6 =
    33.33%."""
    out = pa2023.json("publish", "payment-performance", "--half", "2026-27-H1")
    assert (out["period_start"], out["period_end"]) == ("2026-04-01", "2026-09-30")
    assert out["half"] == "2026-27-H1" and out["payment_days"] == 30
    assert out["figures"] == {
        "payments_made": 4,
        "average_days_to_pay": "36.75",
        "paid_within_30_days_percent": "50.00",
        "paid_31_to_60_days_percent": "25.00",
        "paid_61_days_or_more_percent": "25.00",
        "payable_in_period": 6,
        "payable_unpaid_at_end": 2,
        "payable_unpaid_at_end_percent": "33.33",
    }
    invoices = {i["invoice"]: i for i in out["invoices"]}
    assert [i["invoice"] for i in out["invoices"]] == ["P1", "P2", "P3", "P7", "P6", "P4"]
    assert (invoices["P1"]["days_to_pay"], invoices["P1"]["band"]) == (30, "within 30 days")
    assert (invoices["P2"]["days_to_pay"], invoices["P2"]["band"]) == (31, "31 to 60 days")
    assert (invoices["P3"]["days_to_pay"], invoices["P3"]["band"]) == (66, "61 days or more")
    assert invoices["P3"]["received"] == "2026-05-10" and invoices["P3"]["received_assumed"]
    assert not invoices["P1"]["received_assumed"]
    assert invoices["P1"]["due"] == "2026-05-31" and invoices["P1"]["amount_including_vat"] == (
        "30000.00"
    )
    p4 = invoices["P4"]
    assert (p4["paid"], p4["days_to_pay"], p4["band"]) == (None, None, None)
    assert (p4["paid_in_period"], p4["payable_in_period"], p4["unpaid_at_end"]) == (
        False,
        True,
        True,
    )
    p6 = invoices["P6"]
    assert (p6["paid_in_period"], p6["payable_in_period"], p6["unpaid_at_end"]) == (
        False,
        True,
        True,
    )
    assert "P5" not in invoices  # neither paid nor due in H1


def test_payment_performance_h2_and_an_empty_half(pa2023):
    """H2 (1 Oct - 31 Mar): P5 35 days and P6 52: average 43.50, all in 31-60 days; due in
    it: P5 (5 Oct), paid 10 Oct, so 0 of 1 unpaid. A half with nothing has no figures."""
    out = pa2023.json("publish", "payment-performance", "--half", "2026-27-h2")
    assert (out["period_start"], out["period_end"]) == ("2026-10-01", "2027-03-31")
    assert out["figures"] == {
        "payments_made": 2,
        "average_days_to_pay": "43.50",
        "paid_within_30_days_percent": "0.00",
        "paid_31_to_60_days_percent": "100.00",
        "paid_61_days_or_more_percent": "0.00",
        "payable_in_period": 1,
        "payable_unpaid_at_end": 0,
        "payable_unpaid_at_end_percent": "0.00",
    }
    empty = pa2023.json("publish", "payment-performance", "--half", "2025-26-H2")
    assert empty["figures"] == {
        "payments_made": 0,
        "average_days_to_pay": None,
        "paid_within_30_days_percent": None,
        "paid_31_to_60_days_percent": None,
        "paid_61_days_or_more_percent": None,
        "payable_in_period": 0,
        "payable_unpaid_at_end": 0,
        "payable_unpaid_at_end_percent": None,
    }
    assert empty["invoices"] == []


def test_payment_performance_csv(pa2023):
    """Figures as measure,value rows, a blank line, then the invoices; empty for null."""
    text = pa2023.ok("publish", "payment-performance", "--half", "2026-27-H1").stdout
    table = read_csv(text)
    blank = table.index([])
    measures = dict(table[1:blank])
    assert table[0] == ["measure", "value"]
    assert measures["average_days_to_pay"] == "36.75"
    assert measures["payable_unpaid_at_end_percent"] == "33.33"
    assert measures["period_start"] == "2026-04-01"
    invoices = [dict(zip(table[blank + 1], r, strict=True)) for r in table[blank + 2 :]]
    p4 = next(i for i in invoices if i["invoice"] == "P4")
    assert (p4["paid"], p4["days_to_pay"], p4["unpaid_at_end"]) == ("", "", "Yes")
    empty = read_csv(pa2023.ok("publish", "payment-performance", "--half", "2025-26-H2").stdout)
    assert dict(empty[1 : empty.index([])])["average_days_to_pay"] == ""


def test_library_publish_matches_the_command(pa2023):
    """`Office.publish` returns what `--json` prints."""
    with calloff.open(pa2023.db) as office:
        lib = office.publish("payment-performance", half="2026-27-H1")
        pay = office.publish("payments", year="2026-27", quarter=1)
    assert lib == pa2023.json("publish", "payment-performance", "--half", "2026-27-H1")
    assert pay == pa2023.json("publish", "payments", "--year", "2026-27", "--quarter", "1")


# -- a property: the spend file's total is the lines over £500 paid in the quarter ------------

CALLOFF_START = date(2015, 6, 1)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Leeds with one accepted £200,000 call-off from 1 June 2015, and no spend."""
    path = tmp_path_factory.mktemp("template") / "calloff.db"
    with calloff.create(path) as office:
        alder = office.add_provider("Alder Training", on="2015-04-01")
        office.add_provider("Dale Trust", vat="exempt", on="2015-04-01")
        office.set_ranking(lot=4, providers=[alder.id], on="2015-04-01")
        office.set_rates(lot=4, provider=alder.id, day="1000.00", on="2015-04-01")
        office.set_ranking(lot=2, providers=["Dale Trust"], on="2015-04-01")
        office.set_rates(lot=2, provider="Dale Trust", day="1000.00", on="2015-04-01")
        for lot in (4, 2):
            r = office.add_request(
                lot=lot, title="Deep dive", start=CALLOFF_START, value="20000", on="2015-05-01"
            )
            out = office.allocate(r.id, on="2015-05-20")
            office.accept(out.calloff.id, on="2015-05-21")
    return path


pence = st.one_of(
    st.sampled_from([49_999, 50_000, 50_001, 1]),  # either side of £500.00
    st.integers(min_value=1, max_value=150_000),
)
line = st.tuples(
    pence,
    st.integers(min_value=0, max_value=240),  # invoice date: days after 1 June 2015
    st.one_of(st.none(), st.integers(min_value=0, max_value=90)),  # paid: days after it
    st.sampled_from([1, 2]),  # the call-off: 1 Alder (standard VAT), 2 Dale (exempt)
)


@settings(max_examples=25)
@given(lines=st.lists(line, max_size=8), quarter=st.integers(min_value=1, max_value=4))
def test_spend_total_is_the_paid_lines_over_500_in_the_quarter(template, lines, quarter):
    start, end = calloff.FinancialYear.parse("2015-16").quarter_dates(quarter)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "calloff.db"
        shutil.copy(template, db)
        expected: list[tuple[str, int]] = []
        with calloff.open(db) as office:
            for n, (amount, dated, paid_after, cid) in enumerate(lines):
                invoice_date = CALLOFF_START + timedelta(days=dated)
                paid = None if paid_after is None else invoice_date + timedelta(days=paid_after)
                office.add_spend(
                    cid,
                    amount=Decimal(amount) / 100,
                    invoice_date=invoice_date,
                    invoice=f"INV-{n}",
                    paid=paid,
                )
                if paid is not None and start <= paid <= end and amount > 50_000:
                    expected.append((f"INV-{n}", amount))
            out = office.publish("spend", year="2015-16", quarter=quarter)
    assert out["count"] == len(expected) == len(out["rows"])
    assert sorted(r["invoice"] for r in out["rows"]) == sorted(i for i, _ in expected)
    assert Decimal(out["total"]) == Decimal(sum(a for _, a in expected)) / 100
    assert Decimal(out["total"]) == sum(Decimal(r["amount"]) for r in out["rows"])
    for r in out["rows"]:
        assert start.isoformat() <= r["payment_date"] <= end.isoformat()
        assert Decimal(r["amount"]) > Decimal("500.00")
    assert (out["period_start"], out["period_end"]) == (start.isoformat(), end.isoformat())


def test_framework_suppliers_are_those_ranked_at_the_quarters_end(own_leeds):
    """Elm Learning joins lot 2's ranking on 5 October 2015: it is a framework supplier in
    the register for Q3, not in Q2's, however late Q2's file is made."""
    own_leeds.ok("provider", "add", "Elm Learning", "--on", "2015-10-01")
    own_leeds.ok("rank", "set", "2", "4", "5", "--on", "2015-10-05")

    def suppliers(quarter: str) -> str:
        out = own_leeds.json("publish", "contracts", "--year", "2015-16", "--quarter", quarter)
        return out["rows"][0]["supplier"]

    before = "Alder Training; Birch Practice Ltd; Cedar Conferencing; Dale Trust"
    assert suppliers("2") == before
    assert suppliers("3") == before + "; Elm Learning"
