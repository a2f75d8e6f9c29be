"""The quarterly spend-against-contract report: figures worked by hand, formats that agree."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calloff.actions.service import Service
from calloff.domain import definition
from calloff.domain.dates import FinancialYear, quarter_of
from calloff.reports.files import render_report
from calloff.store.database import Store


@pytest.fixture
def year(leeds, add_request):
    """A year of activity on lot 4 (see the docstring of each test for the figures)."""
    a = add_request("--value", "20000", start="2015-05-01", on="2015-04-20")
    leeds.json("allocate", str(a), "--on", "2015-04-20")  # call-off 1
    leeds.ok("accept", "1", "--on", "2015-04-21")
    leeds.ok(
        "spend",
        "add",
        "1",
        "--amount",
        "5000",
        "--date",
        "2015-06-15",
        "--invoice",
        "A1",
        "--attendees",
        "10",
    )
    leeds.ok(
        "spend",
        "add",
        "1",
        "--amount",
        "7000",
        "--date",
        "2015-08-20",
        "--invoice",
        "A2",
        "--attendees",
        "15",
    )
    leeds.ok("complete", "1", "--on", "2015-09-01")
    b = add_request(
        "--quantity",
        "6",
        "--unit",
        "day",
        "--funding",
        "traded",
        start="2015-10-05",
        on="2015-09-25",
    )
    leeds.json("allocate", str(b), "--on", "2015-09-25")  # call-off 2
    leeds.json("decline", "2", "--reason", "busy", "--on", "2015-09-28")  # call-off 3
    leeds.ok("accept", "3", "--on", "2015-09-29")
    leeds.ok(
        "spend",
        "add",
        "3",
        "--amount",
        "3600",
        "--date",
        "2015-10-30",
        "--invoice",
        "B1",
        "--attendees",
        "20",
    )
    c = add_request("--value", "3000", start="2016-02-01", on="2016-01-10")
    leeds.json("allocate", str(c), "--on", "2016-01-11")  # call-off 4
    return leeds


def _report(calloff, *args):
    return json.loads(
        calloff.ok("report", "quarterly", "--year", "2015-16", *args, "--format", "json").stdout
    )


def test_quarter_by_quarter_figures(year):
    """Committed as at each quarter end, spend by invoice date, headroom, people trained."""
    report = _report(year)
    assert report["year"] == "2015-16" and report["ceiling"] == "260000.00"
    got = [
        (
            q["committed"],
            q["spent_in_quarter"],
            q["spent_year_to_date"],
            q["headroom"],
            q["attendees_in_quarter"],
            q["attendees_year_to_date"],
        )
        for q in report["quarters"]
    ]
    assert got == [
        ("20000.00", "5000.00", "5000.00", "240000.00", 10, 10),
        ("19200.00", "7000.00", "12000.00", "240800.00", 15, 25),
        ("19200.00", "3600.00", "15600.00", "240800.00", 20, 45),
        ("22200.00", "0.00", "15600.00", "237800.00", 0, 45),
    ]
    q2, q4 = report["quarters"][1], report["quarters"][3]
    assert [c["calloff"] for c in q2["calloffs_raised"]] == [2, 3]
    assert q2["awaiting_answer"] == []
    assert [c["calloff"] for c in q4["awaiting_answer"]] == [4]
    streams = {s["stream"]: s for s in q4["by_stream"]}
    assert streams["core"]["committed"] == "15000.00"
    assert streams["core"]["headroom"] == "245000.00"
    assert streams["traded"]["committed"] == "7200.00" and streams["traded"]["cap"] is None
    providers = {p["name"]: p for p in q4["by_provider"]}
    assert providers["Alder Training"]["committed"] == "15000.00"
    assert providers["Birch Practice Ltd"]["spent_year_to_date"] == "3600.00"
    assert q4["by_lot"] == [
        {
            "lot": 4,
            "title": q4["by_lot"][0]["title"],
            "committed": "22200.00",
            "spent_in_quarter": "0.00",
            "spent_year_to_date": "15600.00",
            "attendees_in_quarter": 0,
            "attendees_year_to_date": 45,
        }
    ]
    # The commitment at the year's end is the headroom command's.
    assert year.json("headroom", "--year", "2015-16")["committed"] == "22200.00"


def test_one_quarter_on_its_own(year):
    """--quarter 2 reports that quarter; the chart still runs from Q1."""
    report = _report(year, "--quarter", "2")
    assert [q["quarter"] for q in report["quarters"]] == [2]
    assert [p["quarter"] for p in report["chart"]] == [1, 2]
    assert report["quarters"][0]["spent_year_to_date"] == "12000.00"


def test_every_format_agrees_to_the_penny(year, tmp_path):
    """Markdown, HTML and CSV show the JSON's figures; the CSV lines add up to its totals."""
    report = _report(year)
    md = year.ok("report", "quarterly", "--year", "2015-16").stdout
    html_file = tmp_path / "r.html"
    year.ok(
        "report", "quarterly", "--year", "2015-16", "--format", "html", "--output", str(html_file)
    )
    html = html_file.read_text()
    rows = list(
        csv.DictReader(
            io.StringIO(
                year.ok("report", "quarterly", "--year", "2015-16", "--format", "csv").stdout
            )
        )
    )
    for q in report["quarters"]:
        for key in ("committed", "spent_in_quarter", "spent_year_to_date", "headroom"):
            shown = f"£{Decimal(q[key]):,.2f}"
            assert shown in md and shown in html
        mine = [r for r in rows if r["quarter"] == str(q["quarter"])]
        for key in ("committed", "spent_in_quarter", "spent_year_to_date"):
            assert sum(Decimal(r[key]) for r in mine) == Decimal(q[key])
        assert sum(int(r["attendees_in_quarter"]) for r in mine) == q["attendees_in_quarter"]


def test_html_report_is_standalone_printable_with_a_chart(year, tmp_path):
    """One file, no external resources, a print stylesheet and an inline SVG chart."""
    html = year.ok("report", "quarterly", "--year", "2015-16", "--format", "html").stdout
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "@media print" in html and "<svg" in html and "stroke-dasharray" in html
    assert "src=" not in html and "href=" not in html and "url(" not in html


def test_csv_neutralises_formulas_and_keeps_numbers(leeds, add_request):
    """A provider named like a formula is quoted as text; amounts stay plain numbers."""
    leeds.ok("provider", "add", '=HYPERLINK("http://x")')
    leeds.ok("provider", "add", "--", "-Minus Ltd")
    leeds.ok("rank", "set", "2", "4", "5")
    leeds.ok(
        "request", "add", "--lot", "2", "--title", "t", "--start", "2015-06-01", "--value", "1000"
    )
    leeds.json("allocate", "1", "--on", "2015-05-01")
    text = leeds.ok(
        "report", "quarterly", "--year", "2015-16", "--quarter", "1", "--format", "csv"
    ).stdout
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["provider_name"] == '\'=HYPERLINK("http://x")'
    assert row["committed"] == "1000.00"


def test_report_with_nothing_in_it(leeds):
    """An empty year reports zeros and the ceiling, not an error."""
    report = _report(leeds, "--quarter", "1")
    q = report["quarters"][0]
    assert (q["committed"], q["spent_in_quarter"], q["headroom"]) == ("0.00", "0.00", "260000.00")
    assert (
        "Nothing committed or spent." in leeds.ok("report", "quarterly", "--year", "2015-16").stdout
    )


def test_report_refuses_bad_options(leeds):
    """A quarter outside 1-4 or an unknown format is a usage error."""
    assert "5 is not in the range" in leeds.refused(
        "report", "quarterly", "--year", "2015-16", "--quarter", "5", code=2
    )
    assert "'pdf' is not one of" in leeds.refused(
        "report", "quarterly", "--year", "2015-16", "--format", "pdf", code=2
    )


spend_lines = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 500_000), st.integers(0, 364)),
    min_size=0,
    max_size=30,
)


@settings(max_examples=25)
@given(spend_lines, st.sampled_from([None, 1, 2, 3, 4]))
def test_report_totals_equal_the_spend_lines(lines, quarter):
    """For any spend lines and any quarter split, every format's totals are the lines' sums."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.create(Path(tmp) / "r.db", definition.embedded("leeds-rp-2015"), "o")
        svc = Service(store, "o")
        pid = svc.setup.add_provider("A", "exempt", date(2015, 4, 1))
        for lot in (1, 2, 4):
            svc.setup.set_ranking(lot, [pid], date(2015, 4, 1))
        calloffs = []
        for i, (lot, funding) in enumerate([(1, "core"), (2, "traded"), (4, "core")]):
            rid = svc.add_request(
                lot,
                f"r{i}",
                date(2015, 4, 1),
                date(2016, 3, 31),
                Decimal("80000.00"),
                None,
                None,
                funding,
                None,
                date(2015, 4, 1),
            )
            calloffs.append(svc.allocate(rid, date(2015, 4, 1)).calloff.id)
            Service(store, "approver").approve(calloffs[-1], date(2015, 4, 1))
            svc.accept(calloffs[-1], date(2015, 4, 1))
        for n, (which, pence, day) in enumerate(lines):
            svc.spending.add_spend(
                calloffs[which],
                Decimal(pence) / 100,
                date(2015, 4, 1) + timedelta(days=day),
                f"INV-{n}",
                n % 3,
            )
        fy = FinancialYear(2015)
        report = json.loads(render_report(store, fy, quarter, "json"))
        rows = list(csv.DictReader(io.StringIO(render_report(store, fy, quarter, "csv"))))
        md = render_report(store, fy, quarter, "md")
        for q in report["quarters"]:
            n = q["quarter"]
            in_q = [p for _, p, d in lines if quarter_of(date(2015, 4, 1) + timedelta(d)) == n]
            to_date = [p for _, p, d in lines if quarter_of(date(2015, 4, 1) + timedelta(d)) <= n]
            assert Decimal(q["spent_in_quarter"]) == Decimal(sum(in_q)) / 100
            assert Decimal(q["spent_year_to_date"]) == Decimal(sum(to_date)) / 100
            assert q["committed"] == "240000.00"
            mine = [r for r in rows if r["quarter"] == str(n)]
            assert sum(Decimal(r["spent_in_quarter"]) for r in mine) == Decimal(
                q["spent_in_quarter"]
            )
            assert sum(Decimal(s["spent_in_quarter"]) for s in q["by_stream"]) == Decimal(
                q["spent_in_quarter"]
            )
            assert sum(Decimal(p["spent_year_to_date"]) for p in q["by_lot"]) == Decimal(
                q["spent_year_to_date"]
            )
            assert f"| Spent in the quarter | £{Decimal(q['spent_in_quarter']):,.2f} |" in md
        store.close()


def test_names_print_literally_in_reports(leeds, add_request):
    """HTML, Markdown and template syntax in names and titles are shown, never interpreted."""
    leeds.ok("provider", "add", "<i>Ivy</i> *Co* {{ 6*7 }} | Ltd")
    leeds.ok("rank", "set", "3", "4")
    leeds.ok(
        "request",
        "add",
        "--lot",
        "3",
        "--title",
        "<script>x</script> [link](http://e)",
        "--start",
        "2015-06-01",
        "--value",
        "100",
    )
    leeds.json("allocate", "1", "--on", "2015-05-01")
    md = leeds.ok("report", "quarterly", "--year", "2015-16", "--quarter", "1").stdout
    assert r"\<i\>Ivy\</i\> \*Co\* \{\{ 6\*7 \}\} \| Ltd" in md
    assert r"\<script\>x\</script\> \[link\](http://e)" in md and r"\*Co\* 42" not in md
    html = leeds.ok(
        "report", "quarterly", "--year", "2015-16", "--quarter", "1", "--format", "html"
    ).stdout
    assert "&lt;i&gt;Ivy&lt;/i&gt; *Co* {{ 6*7 }} | Ltd" in html
    assert "<script>" not in html


def test_report_takes_json_like_every_reporting_command(year):
    """`--json` is the same as `--format json`."""
    assert _report(year, "--quarter", "3") == json.loads(
        year.ok("report", "quarterly", "--year", "2015-16", "--quarter", "3", "--json").stdout
    )


def test_chart_geometry_is_exact(year):
    """The chart is drawn from Decimal coordinates, scaled to the data, not the ceiling."""
    from calloff.reports.chart import chart_geometry

    geometry = chart_geometry(_report(year))
    points = [v for series in geometry["series"].values() for pair in series for v in pair]
    assert all(isinstance(v, Decimal) for v in points)
    # 400 × 220 px of plot from (80, 50); £22,200 at most committed, so a £25,000 scale:
    # £20,000 committed at Q1 sits at 50 + 220 - 220 × 20,000 / 25,000 = 94.0.
    assert geometry["series"]["committed"][0] == (Decimal("130.0"), Decimal("94.0"))
    assert geometry["ticks"][0] == (Decimal("270.0"), "£0")
    assert geometry["ticks"][-1] == (Decimal("50.0"), "£25,000")
    assert geometry["ceiling"] == []  # £260,000 is far off a £25,000 scale: named instead
    assert geometry["notes"] == ["Ceiling £260,000 — off the scale"]
