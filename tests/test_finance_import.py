"""Money in from the finance system (issue 31, part 1), worked by hand.

Leeds, lot 4: call-off 1 to Alder Training (standard-rated), 6 days at £1,000.00 =
£6,000.00, accepted 4 May 2015 with purchase order PO-778812; call-off 2 to the same,
3 days = £3,000.00, accepted without one, its order LEEDS-RP-2015/CO-00002 quoted instead.
The finance system's export (Unit4-like headings) has two lines:
- INV-1, £1,500.00 net, 5 June, paid 20 July, cost centre CC4410, GL 5120, PO PO-778812
  -> call-off 1 by its purchase order;
- INV-2, £1,000.00 net, 6 June, paid 21 July, CC4411, GL 5120, order ref CO-00002
  -> call-off 2 by its reference.
Spend £2,500.00 in Q1 by invoice date: CC4410 £1,500.00, CC4411 £1,000.00; both paid in
Q2 and over £500, so both are in the Q2 spend file with their codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Calloff, snapshot

HEADINGS = (
    "Document No,Supplier,Net Amount,Invoice Date,Paid Date,Cost Centre,GL Code,PO Number,Order Ref"
)
MAP = (
    'invoice="Document No",amount="Net Amount",date="Invoice Date",paid="Paid Date",'
    'cost_centre="Cost Centre",gl_code="GL Code",po="PO Number",calloff="Order Ref"'
)


@pytest.fixture
def finance(leeds: Calloff, tmp_path: Path) -> tuple[Calloff, Path]:
    for title, days in (("Deep dive", "6"), ("Circles", "3")):
        leeds.ok(
            "request", "add", "--lot", "4", "--title", title, "--start", "2015-06-01",
            "--quantity", days, "--unit", "day", "--on", "2015-05-01",
        )  # fmt: skip
    leeds.ok("allocate", "1", "--on", "2015-05-01")
    leeds.ok("accept", "1", "--on", "2015-05-04", "--po", "PO-778812")
    leeds.ok("allocate", "2", "--on", "2015-05-01")
    leeds.ok("accept", "2", "--on", "2015-05-04")
    export = tmp_path / "unit4.csv"
    export.write_text(
        HEADINGS + "\n"
        "INV-1,Alder Training,1500.00,2015-06-05,2015-07-20,CC4410,5120,PO-778812,\n"
        'INV-2,Alder Training,"1,000.00",2015-06-06,2015-07-21,CC4411,5120,,'
        "LEEDS-RP-2015/CO-00002\n",
        "utf-8",
    )
    return leeds, export


def test_a_finance_export_imports_through_a_mapping_with_its_codes(finance):
    cl, export = finance
    out = cl.ok("spend", "import", str(export), "--map", MAP, "--on", "2015-07-31").stdout
    assert out.strip() == "Imported 2 spend line(s), £2,500.00."
    one = cl.json("show", "1")
    assert one["purchase_order"] == "PO-778812"
    assert [
        (s["invoice"], s["cost_centre"], s["gl_code"], s["purchase_order"]) for s in one["spend"]
    ] == [("INV-1", "CC4410", "5120", "PO-778812")]
    two = cl.json("show", "2")
    assert [(s["invoice"], s["amount"], s["cost_centre"]) for s in two["spend"]] == [
        ("INV-2", "1000.00", "CC4411")
    ]
    report = cl.json("report", "quarterly", "--year", "2015-16", "--quarter", "1")
    assert report["cost_centres"] == [
        {
            "cost_centre": "CC4410",
            "gl_code": "5120",
            "purchase_order": "PO-778812",
            "lines": 1,
            "spent": "1500.00",
        },
        {
            "cost_centre": "CC4411",
            "gl_code": "5120",
            "purchase_order": None,
            "lines": 1,
            "spent": "1000.00",
        },
    ]
    text = cl.ok("report", "quarterly", "--year", "2015-16", "--quarter", "1").stdout
    assert "| CC4410 | 5120 | PO-778812 | 1 | £1,500.00 |" in text
    rows = cl.json("publish", "spend", "--year", "2015-16", "--quarter", "2")["rows"]
    assert [
        (r["invoice"], r["amount"], r["contract_reference"], r["cost_centre"], r["purchase_order"])
        for r in rows
    ] == [
        ("INV-1", "1500.00", "LEEDS-RP-2015/CO-00001", "CC4410", "PO-778812"),
        ("INV-2", "1000.00", "LEEDS-RP-2015/CO-00002", "CC4411", None),
    ]
    # The import is audited with the codes each line quoted.
    added = [e for e in cl.json("audit") if e["action"] == "spend.add"]
    assert (
        added[0]["after"]["cost_centre"] == "CC4410"
        and added[0]["after"]["purchase_order"] == "PO-778812"
    )


def test_a_line_whose_purchase_order_matches_nothing_writes_nothing(finance):
    cl, export = finance
    text = export.read_text("utf-8").replace("PO-778812,\n", "PO-999999,\n")
    export.write_text(text, "utf-8")
    before = snapshot(cl.db)
    result = cl("spend", "import", str(export), "--map", MAP, "--on", "2015-07-31")
    assert result.exit_code == 1
    assert f"{export}:2: no call-off has purchase order PO-999999" in result.stderr
    assert snapshot(cl.db) == before


@pytest.mark.parametrize(
    "mapping, said",
    [
        (
            MAP.replace('"Net Amount"', '"Net Amt"'),
            "the heading 'Net Amt' (mapped to amount) is not in the file",
        ),
        (MAP + ',colour="Colour"', "the mapping names 'colour', which calloff does not know"),
        (
            'invoice="Document No",amount="Net Amount"',
            "the mapping does not map calloff or po, date",
        ),
        ("invoice", "'invoice' in the mapping is not FIELD=HEADING"),
    ],
)
def test_a_bad_mapping_is_a_usage_error_naming_it(finance, mapping, said):
    cl, export = finance
    line = cl.refused("spend", "import", str(export), "--map", mapping, code=2)
    assert said in line


def test_a_saved_mapping_in_a_toml_file_or_the_definition(finance, tmp_path):
    cl, export = finance
    saved = tmp_path / "unit4.toml"
    saved.write_text(
        "[spend_map]\n"
        'invoice = "Document No"\namount = "Net Amount"\ndate = "Invoice Date"\n'
        'paid = "Paid Date"\ncost_centre = "Cost Centre"\npo = "PO Number"\n'
        'calloff = "Order Ref"\n',
        "utf-8",
    )
    cl.ok("spend", "import", str(export), "--map-file", str(saved), "--on", "2015-07-31")
    assert len(cl.json("show", "1")["spend"]) == 1
    cl.refused("spend", "import", str(export), "--map", MAP, "--map-file", str(saved), code=2)


def test_a_definitions_spend_map_reads_the_export_and_calloffs_own_file_still(tmp_path):
    leeds = (
        Path(__file__).resolve().parent.parent / "framework/calloff/definitions/leeds-rp-2015.toml"
    )
    text = leeds.read_text("utf-8") + (
        '\n[spend_map]\ninvoice = "Document No"\namount = "Net Amount"\n'
        'date = "Invoice Date"\npo = "PO Number"\n'
    )
    definition = tmp_path / "own.toml"
    definition.write_text(text, "utf-8")
    cl = Calloff(tmp_path / "own.db")
    cl.ok("init", "--from", str(definition))
    cl.ok("provider", "add", "Alder Training")
    cl.ok("rank", "set", "4", "1")
    cl.ok("price", "set", "4", "1", "--day", "1000")
    cl.ok(
        "request", "add", "--lot", "4", "--title", "Deep dive", "--start", "2015-06-01",
        "--quantity", "6", "--unit", "day", "--on", "2015-05-01",
    )  # fmt: skip
    cl.ok("allocate", "1", "--on", "2015-05-01")
    cl.ok("accept", "1", "--on", "2015-05-04")
    cl.ok("po", "1", "PO-1")
    export = tmp_path / "export.csv"
    export.write_text("Document No,Net Amount,Invoice Date,PO Number\nA-1,100.00,2015-06-05,po-1\n")
    cl.ok("spend", "import", str(export), "--on", "2015-06-30")
    own = tmp_path / "own.csv"
    own.write_text("calloff,invoice,date,amount\n1,A-2,2015-06-06,200.00\n")
    cl.ok("spend", "import", str(own), "--on", "2015-06-30")
    assert [s["invoice"] for s in cl.json("show", "1")["spend"]] == ["A-1", "A-2"]


def test_a_purchase_order_is_the_call_offs_own_audited_and_on_its_documents(finance):
    cl, _ = finance
    line = cl.refused("po", "2", "po-778812")  # any letter case: call-off 1's
    assert line == "Error: purchase order po-778812 is call-off 1's: each call-off has its own"
    assert "already PO-778812" in cl.refused("po", "1", "PO-778812")
    cl.ok("po", "2", "PO-778900", "--on", "2015-05-05")
    event = [e for e in cl.json("audit") if e["action"] == "calloff.po"][-1]
    assert (event["before"], event["after"]) == (
        {"purchase_order": None},
        {"purchase_order": "PO-778900"},
    )
    assert "| Purchase order | PO-778900 |" in cl.ok("order", "2").stdout
    assert "| Purchase order | PO-778900 | |" in cl.ok("record", "2").stdout
    assert "Purchase order: PO-778900" in cl.ok("show", "2").stdout
    # Only a call-off entered into takes one.
    cl.ok(
        "request", "add", "--lot", "4", "--title", "Later", "--start", "2015-09-01",
        "--quantity", "1", "--unit", "day", "--on", "2015-05-01",
    )  # fmt: skip
    cl.ok("allocate", "3", "--on", "2015-05-06")
    assert "a purchase order is raised once a call-off is accepted" in cl.refused("po", "3", "PO-1")


def test_the_library_takes_a_mapping_and_a_purchase_order(finance):
    import calloff
    from calloff.arguments import spend_map

    cl, export = finance
    with calloff.open(cl.db) as office:
        preview = office.preview_spend(export, on="2015-07-31", mapping=spend_map(MAP))
        assert [(line.invoice, line.cost_centre) for line in preview.lines] == [
            ("INV-1", "CC4410"),
            ("INV-2", "CC4411"),
        ]
        summary = office.import_spend(
            export, on="2015-07-31", mapping=spend_map(MAP), expect=preview.fingerprint
        )
        assert summary.imported == 2
    assert json.loads(cl.ok("show", "1", "--json").stdout)["spend"][0]["gl_code"] == "5120"


def test_the_workspace_takes_the_purchase_order_with_the_acceptance(tmp_path, monkeypatch):
    import calloff
    from calloff.domain import passwords
    from tests.test_web_pages import changes, client_as
    from tests.workspace import app_for, build, day, post

    monkeypatch.setattr(passwords, "COST", 2**6)
    db = tmp_path / "web.db"
    build(db)
    with calloff.open(db, officer="o.officer") as office:
        office.allocate(1, on="2015-05-01")
    client = client_as(app_for(db), "o.officer")
    form = client.get("/calloffs/1/accept").text
    assert "Purchase order number (optional" in form
    check = post(client, "/calloffs/1/accept", {"po": "PO-5521"} | day("on", "2015-05-04"))
    assert check.status_code == 200 and "PO-5521" in check.text
    before = changes(db)
    assert calloff.open(db).calloff(1).status == "offered" and changes(db) == before
    done = post(
        client, "/calloffs/1/accept", {"po": "PO-5521", "confirm": "yes"} | day("on", "2015-05-04")
    )
    assert done.status_code == 302
    with calloff.open(db) as office:
        assert office.show(1)["purchase_order"] == "PO-5521"


def test_review_fixes_quoted_headings_mismatched_orders_dates_and_changed_codes(finance):
    """A heading with a comma in quotes; a line naming call-off 2 but quoting call-off 1's
    purchase order is listed; `calloff po` dated before the acceptance is refused; a file
    re-imported with another cost centre is listed, not silently skipped."""
    cl, export = finance
    from calloff.arguments import spend_map

    assert spend_map('invoice="Document No",amount="Net, Amount",date=Date,PO="PO"') == {
        "invoice": "Document No",
        "amount": "Net, Amount",
        "date": "Date",
        "po": "PO",
    }
    assert "is not FIELD=HEADING" in cl.refused(
        "spend", "import", str(export), "--map", 'invoice="Document No,amount="Net Amount"', code=2
    )
    wrong = export.parent / "wrong.csv"
    wrong.write_text(
        HEADINGS + "\nINV-9,Alder Training,100.00,2015-06-05,,CC1,5120,PO-778812,"
        "LEEDS-RP-2015/CO-00002\n",
        "utf-8",
    )
    result = cl("spend", "import", str(wrong), "--map", MAP, "--on", "2015-07-31")
    assert result.exit_code == 1
    assert "purchase order PO-778812 is call-off 1's, not call-off 2's" in result.stderr
    line = cl.refused("po", "2", "PO-2", "--on", "2015-05-01")
    assert "2015-05-01 is before call-off 2 was accepted on 2015-05-04" in line
    cl.ok("spend", "import", str(export), "--map", MAP, "--on", "2015-07-31")
    export.write_text(export.read_text("utf-8").replace("CC4410", "CC9999"), "utf-8")
    before = snapshot(cl.db)
    result = cl("spend", "import", str(export), "--map", MAP, "--on", "2015-07-31")
    assert result.exit_code == 1
    assert (
        "invoice INV-1 is already recorded with cost centre CC4410, and the file gives CC9999"
        in (result.stderr)
    )
    assert snapshot(cl.db) == before


def test_payments_under_the_2015_regulations_to_a_pipe_are_a_workbook(leeds: Calloff):
    """No payments to publish: the workbook has the header alone, and the sentence saying
    why goes to standard error, not into the file."""
    result = leeds("publish", "payments", "--year", "2015-16", "--quarter", "1", "--format", "xlsx")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"PK")
    assert "does not apply" in result.stderr
