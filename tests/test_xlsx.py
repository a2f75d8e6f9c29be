"""`--format xlsx`: files a spreadsheet keeps as written, read back cell by cell.

The Leeds database of tests/test_publishing.py, with one provider more: Café Ŵyn Training
(Companies House 01234567, lot 3), paid £12,500.00 on 14 August 2015 (Q2) for call-off 7
(£15,000). Each workbook is read back with openpyxl and compared, field for field, with the
CSV the same command writes; then LibreOffice (where installed) opens one and saves it as
CSV, and the number and the name come through as written.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest

import calloff
from calloff import cli
from tests.conftest import Calloff, snapshot
from tests.test_publishing import (
    build_leeds,
    build_pa2023,
    let,
    pa2023_definition,
    read_csv,
    spend_line,
)

openpyxl = pytest.importorskip("openpyxl")

CAFE = "Café Ŵyn Training"
MONEY = '"£"#,##0.00'


@pytest.fixture(scope="module")
def leeds(tmp_path_factory) -> Calloff:
    cl = Calloff(tmp_path_factory.mktemp("leeds-xlsx") / "calloff.db")
    build_leeds(cl)
    cl.ok("provider", "add", CAFE, "--companies-house", "01234567")
    cl.ok("rank", "set", "3", "5")
    cl.ok("price", "set", "3", "5", "--day", "1500")
    cid = let(cl, 3, "Conferences", "2015-07-01", "2015-06-01", "2015-06-05", "--value", "15000")
    assert cid == 7
    spend_line(cl, cid, "CW-0001", "12500", "2015-08-01", "--paid", "2015-08-14")
    return cl


@pytest.fixture(scope="module")
def pa2023(tmp_path_factory) -> Calloff:
    folder = tmp_path_factory.mktemp("pa2023-xlsx")
    cl = Calloff(folder / "calloff.db")
    build_pa2023(cl, pa2023_definition(folder))
    return cl


def workbook_of(cl: Calloff, tmp_path: Path, *args: str, says: str = "Wrote") -> Any:
    """Run the command with `--format xlsx --output F`; the workbook it wrote."""
    f = tmp_path / "out.xlsx"
    result = cl.ok(*args, "--format", "xlsx", "--output", str(f), "--force")
    assert says in result.stdout
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert f.read_bytes()[:2] == b"PK"
    return openpyxl.load_workbook(f)


def table(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def as_csv(value: Any, number_format: str = "General") -> str:
    """A cell's value as the CSV writes it: 12500 in £ -> "12500.00", a date -> ISO."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        assert value.time() == datetime.min.time()
        return value.date().isoformat()
    if isinstance(value, int | float) and ("0.00" in number_format):
        return f"{Decimal(str(value)):.2f}"
    return str(value)


def same_as_csv(ws: Any, csv_rows: list[list[str]]) -> None:
    """Every row equals the CSV's, field for field; money, dates and text typed."""
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == csv_rows[0]
    assert len(rows) == len(csv_rows)
    for cells, expected in zip(rows[1:], csv_rows[1:], strict=True):
        assert [as_csv(c.value, c.number_format) for c in cells] == expected
        for cell, text in zip(cells, expected, strict=True):
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
            if isinstance(cell.value, datetime):
                assert cell.is_date and cell.number_format == "yyyy-mm-dd"
            if cell.number_format == MONEY:
                assert isinstance(cell.value, int | float)
                assert Decimal(str(cell.value)) == Decimal(text)
    assert ws.freeze_panes == "A2"


def test_spend_keeps_identifiers_as_text_and_money_as_pounds(leeds, tmp_path):
    period = ("--year", "2015-16", "--quarter", "2")
    book = workbook_of(leeds, tmp_path, "publish", "spend", *period)
    assert book.sheetnames == ["Spend over £500"]
    ws = book.active
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("invoice")].value == "CW-0001")
    by = dict(zip(header, row, strict=True))
    assert by["companies_house"].value == "01234567" and by["companies_house"].data_type == "s"
    assert by["beneficiary"].value == CAFE
    amount = by["amount"]
    assert amount.value == 12500 and amount.data_type == "n"
    assert "£" in amount.number_format and "0.00" in amount.number_format
    assert by["payment_date"].value == datetime(2015, 8, 14) and by["payment_date"].is_date
    assert by["transaction_number"].data_type == "s"
    same_as_csv(ws, read_csv(leeds.ok("publish", "spend", *period).stdout))
    # Widths fit the content, to a cap; the header is bold.
    widths = {k: ws.column_dimensions[c.column_letter].width for k, c in by.items()}
    assert widths["companies_house"] == len("companies_house") + 2
    assert widths["purpose"] <= 60 and ws["A1"].font.b


def test_contracts_flags_read_yes_and_numbers_stay_text(leeds, tmp_path):
    period = ("--year", "2015-16", "--quarter", "2")
    ws = workbook_of(leeds, tmp_path, "publish", "contracts", *period).active
    assert ws.title == "Contracts over £5,000"
    same_as_csv(ws, read_csv(leeds.ok("publish", "contracts", *period).stdout))
    header = [c.value for c in ws[1]]
    rows = {r[header.index("reference")].value: r for r in ws.iter_rows(min_row=2)}
    cafe = {k: c.value for k, c in zip(header, rows["LEEDS-RP-2015/CO-00007"], strict=True)}
    assert (cafe["supplier"], cafe["companies_house"], cafe["value"]) == (CAFE, "01234567", 15000)
    assert cafe["sme"] is None  # not stated: an empty cell, as the CSV's empty field
    assert cafe["start_date"] == datetime(2015, 7, 1)
    alder = {k: c.value for k, c in zip(header, rows["LEEDS-RP-2015/CO-00001"], strict=True)}
    dale = {k: c.value for k, c in zip(header, rows["LEEDS-RP-2015/CO-00002"], strict=True)}
    assert (alder["sme"], dale["vcse"], dale["charity_number"]) == ("Yes", "Yes", "1098765")


def test_payments_under_the_act(pa2023, tmp_path):
    period = ("--year", "2026-27", "--quarter", "1")
    ws = workbook_of(pa2023, tmp_path, "publish", "payments", *period).active
    assert ws.title == "Payments over £30,000"
    same_as_csv(ws, read_csv(pa2023.ok("publish", "payments", *period).stdout))
    header = [c.value for c in ws[1]]
    by = {k: c for k, c in zip(header, ws[2], strict=True)}
    assert by["ppon"].value == "PABC-1234-DEFG" and by["invoice"].data_type == "s"
    assert by["amount_including_vat"].value == 30000.01
    assert by["companies_house"].value == "01234567"


def test_payments_not_due_writes_a_header_row_and_says_why(leeds, tmp_path):
    period = ("--year", "2015-16", "--quarter", "2")
    said = "does not apply to this framework"
    ws = workbook_of(leeds, tmp_path, "publish", "payments", *period, says=said).active
    assert [c.value for c in ws[1]][:2] == ["payment_date", "contract_reference"]
    assert ws.max_row == 1


def test_payment_performance_is_two_sheets(pa2023, tmp_path):
    """The figures (measure, value) on the first sheet, the invoices on the second."""
    half = ("--half", "2026-27-H1")
    book = workbook_of(pa2023, tmp_path, "publish", "payment-performance", *half)
    assert book.sheetnames == ["Payment performance", "Payment performance invoices"]
    figures, invoices = book.worksheets
    text = read_csv(pa2023.ok("publish", "payment-performance", *half).stdout)
    blank = text.index([])
    assert [[as_csv(c.value, c.number_format) for c in r] for r in figures.iter_rows()] == (
        text[:blank]
    )
    measures = {r[0].value: r[1] for r in figures.iter_rows(min_row=2)}
    assert measures["average_days_to_pay"].value == 36.75
    assert measures["average_days_to_pay"].number_format == "0.00"  # days, not pounds
    assert measures["payments_made"].value == 4
    assert measures["period_start"].value == datetime(2026, 4, 1)
    assert figures.freeze_panes == "A2"
    same_as_csv(invoices, text[blank + 1 :])
    header = [c.value for c in invoices[1]]
    by = {r[0]: dict(zip(header, r, strict=True)) for r in invoices.iter_rows(values_only=True)}
    assert (by["P4"]["unpaid_at_end"], by["P4"]["paid"]) == ("Yes", None)
    assert (by["P1"]["received_assumed"], by["P1"]["days_to_pay"]) == ("No", 30)


def test_report_quarterly_lines_and_quarters(leeds, tmp_path):
    args = ("report", "quarterly", "--year", "2015-16")
    book = workbook_of(leeds, tmp_path, *args)
    assert book.sheetnames == ["Spend against contract 2015-16", "Quarters 2015-16"]
    lines, quarters = book.worksheets
    text = list(csv.reader(io.StringIO(leeds.ok(*args, "--format", "csv").stdout[1:])))
    same_as_csv(lines, text)
    header = [c.value for c in lines[1]]
    cafe = [
        dict(zip(header, r, strict=True))
        for r in lines.iter_rows(min_row=2)
        if r[header.index("provider_name")].value == CAFE
    ]
    q2 = next(r for r in cafe if r["quarter"].value == 2)
    assert q2["spent_in_quarter"].value == 12500 and q2["committed"].value == 15000
    assert q2["committed"].number_format == MONEY and q2["audit_head"].data_type == "s"
    report = leeds.json(*args)
    summary = table(quarters)
    assert summary[0][:5] == ["year", "quarter", "start", "end", "ceiling"]
    for row, q in zip(summary[1:], report["quarters"], strict=True):
        by = dict(zip(summary[0], row, strict=True))
        assert (by["quarter"], by["start"].date()) == (q["quarter"], date.fromisoformat(q["start"]))
        assert Decimal(str(by["committed"])) == Decimal(q["committed"])
        assert Decimal(str(by["headroom"])) == Decimal(q["headroom"])


def test_the_same_file_twice_is_the_same_bytes(leeds):
    with calloff.open(leeds.db) as office:
        one = office.report_file(year="2015-16", quarter=2, format="xlsx")
        two = office.report_file(year="2015-16", quarter=2, format="xlsx")
        spend = office.publication_file("spend", year="2015-16", quarter=2, format="xlsx")
    assert isinstance(one, bytes) and one[:2] == b"PK" and one == two
    assert isinstance(spend.text, bytes) and spend.period_end == date(2015, 9, 30)


def test_xlsx_to_a_pipe_is_the_bytes(leeds):
    """Without --output, the bytes go to standard output when it is not a terminal."""
    result = leeds.ok("publish", "spend", "--year", "2015-16", "--quarter", "2", "--format", "xlsx")
    assert result.stdout_bytes[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(result.stdout_bytes))
    assert book.active.title == "Spend over £500"


@pytest.mark.parametrize(
    "args",
    [
        ("publish", "spend", "--year", "2015-16", "--quarter", "2"),
        ("publish", "payment-performance", "--half", "2026-27-H1"),
        ("report", "quarterly", "--year", "2015-16"),
    ],
)
def test_xlsx_to_a_terminal_is_a_usage_error(leeds, monkeypatch, args):
    """Click's runner is never a terminal: the test says standard output is one."""
    monkeypatch.setattr(cli, "stdout_is_terminal", lambda: True)
    line = leeds.refused(*args, "--format", "xlsx", code=2)
    assert line.startswith(
        "Error: --format xlsx writes a binary file: give --output FILE, or redirect standard "
        "output to a file"
    )
    with pytest.raises(click.UsageError):
        cli.guard_terminal("xlsx", None)
    cli.guard_terminal("xlsx", "out.xlsx")  # a file is fine
    cli.guard_terminal("csv", None)  # and text to a terminal


def test_json_and_xlsx_disagree(leeds):
    line = leeds.refused(
        "publish", "spend", "--year", "2015-16", "--quarter", "2", "--json", "--format", "xlsx",
        code=2,
    )  # fmt: skip
    assert line.startswith("Error: --json and --format xlsx disagree: give one of them")


def test_xlsx_never_replaces_the_database(leeds, tmp_path):
    db = tmp_path / "calloff.db"
    shutil.copy(leeds.db, db)
    own = Calloff(db)
    before = snapshot(db)
    for args in (
        ("publish", "spend", "--year", "2015-16", "--quarter", "2"),
        ("report", "quarterly", "--year", "2015-16"),
    ):
        result = own(*args, "--format", "xlsx", "--output", str(db), "--force")
        assert result.exit_code == 2 and "is the database" in result.stderr
        assert snapshot(db) == before


def test_an_unknown_format_is_refused_by_the_library(leeds):
    with calloff.open(leeds.db) as office, pytest.raises(calloff.InvalidInput) as e:
        office.publication_file("spend", year="2015-16", quarter=2, format="ods")
    assert "choose csv, json or xlsx" in str(e.value)


# -- LibreOffice opens it and keeps it -----------------------------------------------------


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CALLOFF_LIBREOFFICE_REQUIRED") == "1":
            pytest.fail("LibreOffice (soffice) is not installed, and CI requires it")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return found


def test_libreoffice_keeps_the_number_and_the_name(leeds, tmp_path):
    program = soffice()
    book = tmp_path / "spend.xlsx"
    leeds.ok(
        "publish", "spend", "--year", "2015-16", "--quarter", "2",
        "--format", "xlsx", "--output", str(book),
    )  # fmt: skip
    out = tmp_path / "converted"
    # UTF-8 (76) CSV, comma-separated, as LibreOffice Calc shows the cells. (A bare
    # `--convert-to csv` writes the machine's locale encoding: under C, "Ŵ" becomes "?".)
    done = subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(out),
            str(book),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((out / "spend.csv").read_text(encoding="utf-8"))))
    header = rows[0]
    cafe = next(dict(zip(header, r, strict=True)) for r in rows[1:] if "CW-0001" in r)
    assert cafe["companies_house"] == "01234567"
    assert cafe["beneficiary"] == CAFE
    assert cafe["amount"] == "£12,500.00"
    assert cafe["payment_date"] == "2015-08-14"


def test_openpyxl_is_imported_only_to_write_a_workbook():
    """The command starts fast: the modules that can write xlsx do not load openpyxl."""
    code = (
        "import sys\n"
        "import calloff.api, calloff.cli, calloff.publishing.files, calloff.reports.files\n"
        "import calloff.documents.workbook\n"
        "assert 'openpyxl' not in sys.modules, 'openpyxl was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
