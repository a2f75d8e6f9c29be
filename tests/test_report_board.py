"""The quarterly report as a board reads it: one meaning per date, overdue offers flagged,
totals rows, a year with no ceiling, a spreadsheet-friendly CSV, a readable chart, A4 print
and every JSON key documented."""

from __future__ import annotations

import csv
import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calloff.reports import quarterly as reports
from calloff.reports.chart import chart_geometry, nice_ticks

DOCS = Path(__file__).resolve().parent.parent / "docs" / "reports.md"
MONEY_KEYS = ("committed", "spent_in_quarter", "spent_year_to_date")
COUNT_KEYS = ("attendees_in_quarter", "attendees_year_to_date")


@pytest.fixture
def board(leeds, add_request):
    """Call-off 1 (£30,000, needs approval) raised Mon 2015-06-01, approved Fri 06-05 and
    accepted; call-off 2 (£3,000) raised Mon 2016-01-11, respond by Thu 01-14, unanswered;
    call-off 3 (£4,000) raised Tue 2016-01-12, respond by Fri 01-15, unanswered."""
    big = add_request("--value", "30000", start="2015-07-01", on="2015-05-20")
    leeds.json("allocate", str(big), "--on", "2015-06-01")
    leeds.ok("approve", "1", "--on", "2015-06-05", officer="officer.b")
    leeds.ok("accept", "1", "--on", "2015-06-08")
    leeds.ok(
        "spend",
        "add",
        "1",
        "--amount",
        "1250.50",
        "--date",
        "2015-07-15",
        "--invoice",
        "A1",
        "--attendees",
        "12",
    )
    small = add_request("--value", "3000", start="2016-02-01", on="2016-01-05")
    leeds.json("allocate", str(small), "--on", "2016-01-11")
    other = add_request(
        "--value", "4000", "--funding", "traded", start="2016-02-01", on="2016-01-05"
    )
    leeds.json("allocate", str(other), "--on", "2016-01-12")
    return leeds


def _json(calloff, *args):
    return json.loads(
        calloff.ok("report", "quarterly", "--year", "2015-16", *args, "--format", "json").stdout
    )


def _text(calloff, fmt, *args):
    return calloff.ok("report", "quarterly", "--year", "2015-16", *args, "--format", fmt).stdout


# -- 1. dates, one meaning each -------------------------------------------------------------


def test_raised_and_offered_are_different_days_when_approval_was_needed(board):
    """`raised_on` is the day allocated; `offered_on` the day the provider was told."""
    q1, q4 = _json(board)["quarters"][0], _json(board)["quarters"][3]
    (raised,) = q1["calloffs_raised"]
    assert (raised["raised_on"], raised["offered_on"]) == ("2015-06-01", "2015-06-05")
    plain = {c["calloff"]: c for c in q4["awaiting_answer"]}[2]
    assert plain["raised_on"] == plain["offered_on"] == "2016-01-11"
    for fmt in ("md", "html"):
        text = _text(board, fmt, "--quarter", "1")
        assert "Raised" in text and "Offered" in text
        assert "2015-06-01" in text and "2015-06-05" in text


def test_offered_is_null_while_the_call_off_awaits_approval(board):
    """Made as recorded before the approval, the call-off had not been offered to anyone,
    and the report rebuilt at that event says so, whatever happened since."""
    events = board.json("audit")
    events = events.get("events", events) if isinstance(events, dict) else events
    approval = next(e for e in events if e["action"] == "calloff.approve")
    before = _json(board, "--quarter", "1", "--as-recorded", str(approval["id"] - 1))
    (raised,) = before["quarters"][0]["calloffs_raised"]
    assert raised["status"] == "awaiting_approval"
    assert raised["raised_on"] == "2015-06-01" and raised["offered_on"] is None


# -- 2. overdue offers ----------------------------------------------------------------------


def test_an_offer_past_its_respond_by_date_is_flagged_in_working_days(board):
    """As at Thu 31 March 2016: 53 working days after Thu 14 January (Good Friday and
    Easter Monday are bank holidays); 52 after Fri 15 January."""
    q4 = _json(board, "--quarter", "4")["quarters"][0]
    late = {c["calloff"]: c["overdue_working_days"] for c in q4["awaiting_answer"]}
    assert late == {2: 53, 3: 52}
    for fmt in ("md", "html"):
        text = _text(board, fmt, "--quarter", "4")
        assert "overdue by 53 working days" in text and "calloff lapse" in text


def test_an_offer_not_yet_due_is_not_overdue(leeds, add_request):
    """An offer due after the as-at day has `overdue_working_days` null."""
    rid = add_request("--value", "3000", start="2016-03-30", on="2016-03-01")
    leeds.json("allocate", str(rid), "--on", "2016-03-29")  # respond by Fri 1 April
    (offer,) = _json(leeds, "--quarter", "4")["quarters"][0]["awaiting_answer"]
    assert offer["respond_by"] == "2016-04-01" and offer["overdue_working_days"] is None
    assert "overdue" not in _text(leeds, "md", "--quarter", "4")


def test_overdue_counts_to_the_recorded_day_when_that_is_earlier(board, monkeypatch):
    """A report whose event was recorded before the quarter ended counts to that day, so
    the same event always gives the same count; past it by a weekend alone is overdue by 0
    working days: "its respond-by date has passed"."""
    real = reports.as_recorded

    def on(day):
        def fake(store, point):
            return {**real(store, point), "recorded_at": f"{day}T10:00:00+00:00"}

        return fake

    monkeypatch.setattr(reports, "as_recorded", on("2016-02-01"))  # a Monday
    late = {
        c["calloff"]: c["overdue_working_days"]
        for c in _json(board, "--quarter", "4")["quarters"][0]["awaiting_answer"]
    }
    assert late == {2: 12, 3: 11}
    monkeypatch.setattr(reports, "as_recorded", on("2016-01-17"))  # a Sunday
    late = {
        c["calloff"]: c["overdue_working_days"]
        for c in _json(board, "--quarter", "4")["quarters"][0]["awaiting_answer"]
    }
    assert late == {2: 1, 3: 0}
    md = _text(board, "md", "--quarter", "4")
    assert "overdue: its respond-by date has passed — run `calloff lapse --on 2016-01-18`" in md
    assert "overdue by 1 working day — run" in md


# -- 3. totals rows -------------------------------------------------------------------------


def test_totals_rows_equal_the_quarter_totals_to_the_penny(board):
    """by_lot_total, by_provider_total and by_stream_total are the quarter's own figures."""
    report = _json(board)
    for q in report["quarters"]:
        for name in ("by_lot_total", "by_provider_total", "by_stream_total"):
            total = q[name]
            for key in MONEY_KEYS:
                assert Decimal(total[key]) == Decimal(q[key]), (q["quarter"], name, key)
                group = q[name.removesuffix("_total")]
                assert sum(Decimal(r[key]) for r in group) == Decimal(total[key])
            for key in COUNT_KEYS:
                assert total[key] == q[key]
        assert q["by_stream_total"]["cap"] == q["ceiling"]
        assert q["by_stream_total"]["headroom"] == q["headroom"]
    md = _text(board, "md")
    html = _text(board, "html")
    q3 = report["quarters"][2]
    assert md.count("| **Total** |") == 3 * 4
    assert f"| **Total** | **£{Decimal(q3['committed']):,.2f}** |" in md
    assert html.count('<tr class="total"><th>Total</th>') == 3 * 4
    assert '<th class="n">£31,250.50</th>' not in html  # spend is not commitment
    assert f'<th class="n">£{Decimal(q3["spent_year_to_date"]):,.2f}</th>' in html


# -- 4. a year with no ceiling --------------------------------------------------------------


def test_a_year_with_no_ceiling_says_so(leeds):
    """2016-17 has no cap set: ceiling and headroom null, has_ceiling false, in words."""
    report = json.loads(
        leeds.ok("report", "quarterly", "--year", "2016-17", "--format", "json").stdout
    )
    assert report["ceiling"] is None and report["has_ceiling"] is False
    for q in report["quarters"]:
        assert (q["ceiling"], q["has_ceiling"], q["headroom"]) == (None, False, None)
        assert q["by_stream_total"]["cap"] is None and q["by_stream_total"]["headroom"] is None
    assert all(p["ceiling"] is None for p in report["chart"])
    for fmt in ("md", "html"):
        text = leeds.ok("report", "quarterly", "--year", "2016-17", "--format", fmt).stdout
        assert "no ceiling set" in text.lower() and "£0.00 |" not in text.split("Quarter 1")[0]
    html = leeds.ok("report", "quarterly", "--year", "2016-17", "--format", "html").stdout
    assert "No ceiling set" in html and "no ceiling" in html
    csv_text = leeds.ok("report", "quarterly", "--year", "2016-17", "--format", "csv").stdout
    assert "ceiling" not in csv_text.splitlines()[0]
    assert _json(leeds, "--quarter", "1")["has_ceiling"] is True


# -- 5. CSV for spreadsheets ----------------------------------------------------------------


def test_csv_starts_with_a_byte_order_mark_and_round_trips_welsh_names(leeds, tmp_path):
    """ "Café Ŵyn" survives Excel-style reading; formulas are still neutralised."""
    leeds.ok("provider", "add", "Café Ŵyn")
    leeds.ok("provider", "add", "=SUM(A1)")
    leeds.ok("rank", "set", "2", "4", "5")
    leeds.ok(
        "request", "add", "--lot", "2", "--title", "t", "--start", "2015-06-01", "--value", "1000"
    )
    leeds.ok(
        "request", "add", "--lot", "2", "--title", "u", "--start", "2015-06-01", "--value", "2000"
    )
    leeds.json("allocate", "1", "--on", "2015-05-01")
    leeds.json("decline", "1", "--reason", "busy", "--on", "2015-05-02")
    leeds.json("allocate", "2", "--on", "2015-05-03")
    stdout = _text(leeds, "csv", "--quarter", "1")
    assert stdout.startswith("\ufeffyear,quarter,") and stdout.count("\ufeff") == 1
    out = tmp_path / "r.csv"
    leeds.ok(
        "report",
        "quarterly",
        "--year",
        "2015-16",
        "--quarter",
        "1",
        "--format",
        "csv",
        "--output",
        str(out),
    )
    assert out.read_bytes().startswith(b"\xef\xbb\xbfyear,")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert next(iter(rows[0])) == "year"
    names = {r["provider_name"] for r in rows}
    assert "Café Ŵyn" in names and "'=SUM(A1)" in names


# -- 6. the chart ---------------------------------------------------------------------------

ROUND_STEPS = {Decimal(m) * 10**n for m in ("1", "2", "2.5", "5") for n in range(14)}


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_ticks_are_round_and_cover_the_data(top):
    ticks = nice_ticks(top)
    assert 4 <= len(ticks) <= 7
    assert ticks[0] == 0 and ticks[-1] >= top
    step = ticks[1] - ticks[0]
    assert step in ROUND_STEPS and step == step.to_integral_value()
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert all(t == t.to_integral_value() for t in ticks)
    # Not needlessly loose: the tick below the top is below the data.
    assert len(ticks) == 4 or ticks[-2] < top


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ("66000", [0, 20000, 40000, 60000, 80000]),
        ("22200", [0, 5000, 10000, 15000, 20000, 25000]),
        ("1500000", [0, 250000, 500000, 750000, 1000000, 1250000, 1500000]),
        ("412500", [0, 100000, 200000, 300000, 400000, 500000]),
        ("100", [0, 20, 40, 60, 80, 100]),
        ("7", [0, 2, 4, 6, 8]),
        ("0", [0, 1, 2, 3]),
    ],
)
def test_ticks_by_hand(top, expected):
    assert nice_ticks(Decimal(top)) == [Decimal(t) for t in expected]


def _chart(*points):
    return chart_geometry(
        {
            "chart": [
                {"quarter": i + 1, "ceiling": c, "committed": m, "spent_year_to_date": s}
                for i, (c, m, s) in enumerate(points)
            ]
        }
    )


def test_a_far_off_ceiling_is_named_not_drawn_and_the_data_fill_the_plot():
    g = _chart(("1500000.00", "38700.00", "5100.00"), ("1500000.00", "65900.00", "27400.00"))
    assert g["ceiling"] == [] and g["notes"] == ["Ceiling £1,500,000 — off the scale"]
    assert [label for _, label in g["ticks"]] == ["£0", "£20,000", "£40,000", "£60,000", "£80,000"]
    top_committed = min(y for _, y in g["series"]["committed"])
    assert top_committed < g["top"] + g["plot_h"] * Decimal("0.25")  # near the top
    assert [text for _, _, text in g["direct"]][:2] == ["Committed £65,900", "Spent £27,400"]


def test_a_near_ceiling_is_drawn_even_for_one_quarter():
    """A one-quarter report still draws its ceiling, as a step across the quarter."""
    g = _chart(("30000.00", "24000.00", "5000.00"))
    assert g["notes"] == [] and len(g["ceiling"]) == 1
    (run,) = g["ceiling"]
    assert len(run) == 2 and run[0][1] == run[1][1]  # a level line across Q1
    assert run[0][0] == g["left"] and run[1][0] == g["left"] + g["plot_w"] / 4
    assert g["scale"] >= Decimal(30000)
    assert any(text == "Ceiling £30,000" for _, _, text in g["direct"])
    (bar,) = g["share"]["bars"]
    assert bar[4] == "80.0%"


def test_the_chart_copes_with_no_ceiling_and_nothing_committed():
    g = _chart((None, "0.00", "0.00"), (None, "0.00", "0.00"))
    assert g["ceiling"] == [] and g["notes"] == ["No ceiling set"]
    assert g["share"]["bars"] == [] and len(g["share"]["gaps"]) == 2
    g = _chart((None, "500.00", "0.00"), ("1200.00", "900.00", "0.00"))
    assert g["notes"] == ["No ceiling set in Q1"] and len(g["ceiling"]) == 1


def test_labels_are_whole_pounds_and_coordinates_decimal(board):
    html = _text(board, "html")
    svg = html[html.index("<svg") : html.index("</svg>")]
    labels = re.findall(r">(£[^<]*)<", svg)
    assert labels and all(re.fullmatch(r"£\d{1,3}(,\d{3})*", x) for x in labels), labels
    assert "off the scale" in svg and 'stroke-dasharray="8 4"' in svg and "<circle" in svg
    g = chart_geometry(_json(board))
    assert all(isinstance(v, Decimal) for s in g["series"].values() for p in s for v in p)


def test_one_quarter_report_draws_the_ceiling_when_it_is_in_scale(board):
    board.ok(
        "ceiling",
        "set",
        "--year",
        "2015-16",
        "--funding",
        "core",
        "--amount",
        "40000",
        "--on",
        "2015-04-01",
    )
    html = _text(board, "html", "--quarter", "1")
    assert html.count('<polyline class="ceiling"') == 1
    assert "Ceiling £40,000" in html and "off the scale" not in html


# -- 7. print -------------------------------------------------------------------------------


def test_html_prints_on_a4_with_header_rows_that_repeat(board):
    html = _text(board, "html")
    assert "size: A4" in html and "display: table-header-group" in html
    assert "{%" not in html and "{#" not in html
    tables = re.findall(r"<table[^>]*>(.*?)</table>", html, re.S)
    for table in tables:
        first = table.strip().split("\n", 1)[0]
        # Every table opens with a <thead> except the quarter's two-column summary.
        assert first.startswith("<thead>") or "<th>Ceiling</th><td" in table


# -- 8. every JSON key is documented --------------------------------------------------------


def _keys(value, into, skip=False):
    if isinstance(value, dict):
        for k, v in value.items():
            if not skip:
                into.add(k)
            _keys(v, into, skip=k == "streams")  # stream names are data, not keys
    elif isinstance(value, list):
        for v in value:
            _keys(v, into)
    return into


def test_every_json_key_is_in_the_docs(board, leeds):
    docs = DOCS.read_text()
    keys = _keys(_json(board), set())
    keys |= _keys(
        json.loads(board.ok("report", "quarterly", "--year", "2016-17", "--format", "json").stdout),
        set(),
    )
    assert {
        "raised_on",
        "offered_on",
        "overdue_working_days",
        "by_lot_total",
        "has_ceiling",
    } <= keys
    missing = sorted(k for k in keys if f"`{k}`" not in docs)
    assert not missing, missing
