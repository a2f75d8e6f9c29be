"""The report's spend against the framework's estimated value, worked by hand: Leeds
estimates £260,000.00 (maximum £1,500,000.00); invoice lines of £1,500.00 (June) and
£2,250.50 (July) are £3,750.50 to date, 1.44% of it; committed across every financial year,
to the penny, in JSON, Markdown, HTML and the Reports page; the CSV keeps its columns."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from importlib import resources

import pytest

import calloff
from calloff.reports.contract import percent_of
from tests.conftest import Calloff

LINE = "Spend against the framework's estimated value: £3,750.50 of £260,000.00 (1.44%)"


def leeds(path) -> None:
    """Alder Training ranked first on lot 4. Call-off 1 (£6,000.00, 2015-16) accepted and
    invoiced £1,500.00 on 2015-06-10 and £2,250.50 on 2015-07-15; call-off 2 (£3,000.00,
    2015-16) offered and unanswered; call-off 3 (£2,000.00) offered against 2016-17;
    call-off 4 (£500.00) declined, so it commits nothing. Committed £11,000.00."""
    with calloff.create(path) as office:
        office.add_provider("Alder Training", on="2015-04-01")
        office.set_ranking(lot=4, providers=[1], on="2015-04-01")
        office.set_ceiling(year="2016-17", funding="core", amount="260000", on="2015-04-01")
        for title, start, value in (
            ("Deep-dive days", "2015-06-01", "6000"),
            ("Team briefings", "2015-09-01", "3000"),
            ("Next year's refresher", "2016-06-01", "2000"),
            ("A declined day", "2015-09-01", "500"),
        ):
            need = office.add_request(lot=4, title=title, start=start, value=value, on="2015-05-01")
            assert office.allocate(need.id, on="2015-05-02").calloff is not None
        office.accept(1, on="2015-05-03")
        office.decline(4, reason="fully booked", on="2015-05-03")
        office.add_spend(1, amount="1500.00", invoice_date="2015-06-10", invoice="A-1")
        office.add_spend(1, amount="2250.50", invoice_date="2015-07-15", invoice="A-2")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "calloff.db"
    leeds(path)
    return path


def test_the_figure_by_hand(db):
    """£1,500.00 + £2,250.50 = £3,750.50; ÷ £260,000.00 = 1.4425% → 1.44. Committed
    £6,000.00 + £3,000.00 + £2,000.00 = £11,000.00 → 4.2307…% → 4.23."""
    with calloff.open(db) as office:
        report = office.report(year="2015-16")
        offered = [office.calloff(n).status for n in (1, 2, 3, 4)]
    assert offered == ["accepted", "offered", "offered", "declined"]
    assert report["estimated_value"] == {
        "estimated_value": "260000.00",
        "spent": "3750.50",
        "spent_percent": "1.44",
        "maximum_value": "1500000.00",
        "committed": "11000.00",
        "committed_percent": "4.23",
        "as_at": "2016-03-31",
    }
    assert Decimal("1500.00") + Decimal("2250.50") == Decimal("3750.50")


def test_spend_counts_to_the_reports_last_day_and_event(db):
    """Q1 ends 30 June: only the £1,500.00 line (0.5769…% → 0.58). As recorded before the
    second line, the whole year has £1,500.00 too: the same event gives the same figure."""
    with calloff.open(db) as office:
        q1 = office.report(year="2015-16", quarter=1)["estimated_value"]
        before = office.audit()[-1].id - 1  # the event before the £2,250.50 line
        early = office.report(year="2015-16", as_recorded=before)["estimated_value"]
        q2 = office.report(year="2015-16", quarter=2)["estimated_value"]
    assert (q1["as_at"], q1["spent"], q1["spent_percent"]) == ("2015-06-30", "1500.00", "0.58")
    assert (early["spent"], early["spent_percent"]) == ("1500.00", "0.58")
    assert (q2["as_at"], q2["spent"], q2["spent_percent"]) == ("2015-09-30", "3750.50", "1.44")
    assert q1["committed"] == q2["committed"] == "11000.00"


def test_every_format_shows_the_same_figure_and_the_csv_keeps_its_columns(db):
    cli = Calloff(db)
    args = ("report", "quarterly", "--year", "2015-16")
    document = json.loads(cli.ok(*args, "--format", "json").stdout)
    assert document["estimated_value"]["spent"] == "3750.50"
    assert document["estimated_value"]["spent_percent"] == "1.44"
    md = cli.ok(*args).stdout
    html = cli.ok(*args, "--format", "html").stdout
    assert (
        f"{LINE}, invoiced by 2016-03-31. Committed by then, every financial year: "
        "£11,000.00 (4.23%); the framework's maximum value is £1,500,000.00."
    ) in md.splitlines()
    assert re.search(rf'<p id="estimated-value">{re.escape(LINE)}, invoiced by 2016-03-31\.', html)
    out = cli.ok(*args, "--format", "csv").stdout
    header = next(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert not {"estimated_value", "spent", "spent_percent"} & set(header)
    assert header[-2:] == ["audit_event", "audit_head"]


def test_the_reports_page_shows_the_line(db, monkeypatch):
    from calloff.domain import passwords
    from tests.workspace import TEAM, app_for, sign_in

    monkeypatch.setattr(passwords, "COST", 2**6)
    with calloff.open(db) as office:
        name, roles, _ = TEAM["f.finance"]
        office.add_officer("f.finance", name=name, roles=list(roles), on="2015-04-01")
        office.set_password("f.finance", password="heron kettle orbit lantern")
    client = app_for(db).test_client()
    assert sign_in(client, "f.finance").status_code == 302
    page = client.get("/reports?year=2015-16&quarter=year")
    assert page.status_code == 200, page.text[:500]
    shown = re.search(r'id="estimated-value">(.*?)</p>', page.text, re.S)
    assert shown
    words = re.sub(r"\s+", " ", shown.group(1)).replace("&#39;", "'")
    assert words.startswith(f"{LINE}, invoiced by 31 March 2016.")


def test_a_definition_without_an_estimated_value_gives_null(tmp_path):
    text = resources.files("calloff").joinpath("definitions/leeds-rp-2015.toml").read_text()
    own = re.sub(r"(?m)^(estimated_value|maximum_value) = .*\n", "", text)
    assert "estimated_value" not in own.replace("# ", "")
    (tmp_path / "own.toml").write_text(own, encoding="utf-8")
    with calloff.create(tmp_path / "own.db", definition_file=tmp_path / "own.toml") as office:
        assert office.report(year="2015-16")["estimated_value"] is None
    md = Calloff(tmp_path / "own.db").ok("report", "quarterly", "--year", "2015-16").stdout
    assert "The framework's definition gives no estimated value." in md


def test_the_percentage_rounds_half_up_in_decimal():
    """£13.00 of £260,000.00 is exactly 0.005%: half up to 0.01 (half even would give
    0.00); nothing of nothing is no percentage."""
    assert percent_of(Decimal("13.00"), Decimal("260000.00")) == "0.01"
    assert percent_of(Decimal("3750.50"), Decimal("260000.00")) == "1.44"
    assert percent_of(Decimal("0.00"), Decimal("260000.00")) == "0.00"
    assert percent_of(Decimal("5.00"), Decimal("0.00")) is None
