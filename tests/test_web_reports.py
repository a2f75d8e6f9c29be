"""The Reports pages through Flask's test client: every role reads the report and saves
its files (nothing written); the CSV saved is the command's, byte for byte; the programme
figure worked by hand; a report as recorded at an earlier event; bad choices refused with
one line and a 400; an auditor sees no button that writes."""

from __future__ import annotations

import json
import re

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import Calloff, snapshot
from tests.workspace import PASSWORD, TEAM, app_for, build, sign_in


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Call-off 1 (lot 4, Alder, £6,000.00) and call-off 2 (lot 5, Birch, £3,000.00), both
    accepted, invoiced in Q2 for 30 and 20 attendees and completed; request 3 on lot 4
    offered to Alder in Q2 (call-off 3, £2,000.00), awaiting an answer."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path) as office:
        office.set_ranking(lot=5, providers=["Birch Practice Ltd"], on="2015-04-01")
        office.add_request(lot=5, title="FGC development", start="2015-06-15", value="3000",
                           on="2015-05-01")  # fmt: skip
        for request in (1, 2):
            made = office.allocate(request, on="2015-05-12").calloff
            assert made is not None
            office.accept(made.id, on="2015-05-13")
        office.add_spend(1, amount="6000", invoice_date="2015-07-01", invoice="A-1", attendees=30)
        office.add_spend(2, amount="3000", invoice_date="2015-07-02", invoice="B-1", attendees=20)
        office.complete(1, on="2015-07-10")
        office.complete(2, on="2015-07-11")
        office.add_request(lot=4, title="Two more days", start="2015-09-01", value="2000",
                           on="2015-08-01")  # fmt: skip
        office.allocate(3, on="2015-08-03")
    return path


@pytest.fixture
def app(db):
    return app_for(db)


def client_as(app, login):
    client = app.test_client()
    assert sign_in(client, login).status_code == 302
    return client


def changes(db):
    found = snapshot(db)
    found.pop("sign_ins")
    return found


def problems(html: str) -> list[str]:
    """The error summary's lines."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'<a href="#[^"]*">(.*?)</a>', summary.group(1), re.S) if summary else []


Q2 = "year=2015-16&quarter=2"
PAGES = ["/reports", f"/reports?{Q2}", "/reports?year=2015-16", f"/reports?{Q2}&as_recorded=5"]
FILES = ["csv", "json", "md", "html"]


@pytest.mark.parametrize("login", TEAM)
def test_every_role_reads_the_report_and_saves_its_files(app, db, login):
    """Reports are for every signed-in officer, and reading one writes nothing."""
    client = client_as(app, login)
    before = changes(db)
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        title = re.search(r"<title>(.*?)</title>", page.text, re.S)
        assert title and "<" not in title.group(1)
        assert page.text.count("<h1") == 1
    for kind in FILES:
        saved = client.get(f"/reports/report.{kind}?{Q2}")
        assert saved.status_code == 200
        assert saved.headers["Content-Disposition"] == (
            f'attachment; filename="report-2015-16-Q2.{kind}"'
        )
    assert changes(db) == before


def test_signed_out_goes_to_sign_in(app):
    for path in ("/reports", f"/reports/report.csv?{Q2}"):
        answer = app.test_client().get(path)
        assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_the_csv_saved_is_the_commands_byte_for_byte(app, db):
    """The browser's file and `calloff report quarterly --format csv` are the same bytes,
    for a quarter, the whole year, and as recorded at an earlier event."""
    client = client_as(app, "f.finance")
    cli = Calloff(db)
    with calloff.open(db) as office:
        done = office.audit(calloff=1)[-1].id  # call-off 1 completed; call-off 2 not yet
    for query, args in (
        (Q2, ["--quarter", "2"]),
        ("year=2015-16", []),
        (f"{Q2}&as_recorded={done}", ["--quarter", "2", "--as-recorded", str(done)]),
    ):
        saved = client.get(f"/reports/report.csv?{query}")
        command = cli.ok("report", "quarterly", "--year", "2015-16", *args, "--format", "csv")
        assert saved.data == command.stdout_bytes
        assert saved.data.startswith("\ufeff".encode()) and b"Alder Training" in saved.data
        assert saved.content_type == "text/csv; charset=utf-8"
    md = client.get(f"/reports/report.md?{Q2}").data
    assert md == cli.ok("report", "quarterly", "--year", "2015-16", "--quarter", "2").stdout_bytes
    named = client.get(f"/reports/report.json?{Q2}&as_recorded={done}")
    name = f'filename="report-2015-16-Q2-event-{done}.json"'
    assert named.headers["Content-Disposition"].endswith(name)
    earlier = json.loads(named.data)
    assert earlier["as_recorded"]["event"] == done
    assert (earlier["programme"]["trained"], earlier["programme"]["spent"]) == (30, "6000.00")


def test_the_page_shows_the_quarter_and_the_programme_figure(app):
    """Q2, worked by hand: committed £11,000.00 (£6,000 + £3,000 spent, £2,000 offered),
    spent £9,000.00, headroom £249,000.00; 50 practitioners trained of 6,000 (0.8%), £200.00
    each on lot 4, £150.00 on lot 5, £180.00 in total."""
    page = client_as(app, "o.officer").get(f"/reports?{Q2}").text
    assert "Spend against contract, 2015-16 quarter 2" in page
    for figure in ("£11,000.00", "£9,000.00", "£249,000.00", "£260,000.00"):
        assert figure in page
    assert "50 of a target of 6,000 (0.8%)" in page
    lots = re.search(r"Practitioners trained by lot</caption>(.*?)</table>", page, re.S)
    assert lots
    cells = re.findall(r"numeric\">([^<]*)</td>", lots.group(1))
    assert cells == ["1", "30", "£6,000.00", "£200.00", "1", "20", "£3,000.00", "£150.00",
                     "2", "50", "£9,000.00", "£180.00"]  # fmt: skip
    # The chart, drawn in SVG with presentation attributes: nothing inline the CSP blocks.
    assert "<svg" in page and "stroke-dasharray" in page and "Committed £11,000" in page
    assert " style=" not in page and "<style" not in page and "<script>" not in page
    # The call-offs raised in Q2 and the offer awaiting an answer at its end.
    assert "Two more days" in page and "Offers awaiting an answer at 30 September 2015" in page


def test_a_framework_without_a_target_says_so(tmp_path, cheap_hashes):
    path = tmp_path / "nottingham.db"
    with calloff.create(path, framework="nottingham-rp-2023") as office:
        start = office.framework.term.start
        office.add_officer("u.auditor", name="Uma Auditor", roles=["auditor"], on=start)
        office.set_password("u.auditor", password=PASSWORD)
    year = f"{start.year}-{(start.year + 1) % 100:02d}"
    page = client_as(app_for(path), "u.auditor").get(f"/reports?year={year}").text
    assert "The framework’s definition sets no target" in page and "of a target" not in page


def test_as_recorded_gives_back_the_report_the_board_saw(app, db):
    """A ceiling raised after event N does not show in the report as recorded at N."""
    head = Calloff(db).json("audit", "verify")["events"]
    with calloff.open(db) as office:
        office.set_ceiling(year="2015-16", funding="core", amount="300000", on="2015-04-01")
    client = client_as(app, "u.auditor")
    now = client.get(f"/reports?{Q2}").text
    then = client.get(f"/reports?{Q2}&as_recorded={head}").text
    assert "£300,000.00" in now and "£300,000.00" not in then and "£260,000.00" in then
    assert f"as it stood at event {head}," in then
    assert f'value="{head}"' in then  # the form keeps what was asked
    saved = client.get(f"/reports/report.csv?{Q2}&as_recorded={head}").data
    old = Calloff(db).ok("report", "quarterly", "--year", "2015-16", "--quarter", "2",
                         "--as-recorded", str(head), "--format", "csv")  # fmt: skip
    assert saved == old.stdout_bytes


BAD = [
    ("year=", "Choose a financial year"),
    ("year=abc", "'abc' is not a financial year: write it like 2015-16 (April 2015 to March 2016)"),
    ("year=2014-15", "2014-15 is before the framework's first year, 2015-16"),
    ("year=9999-00", "9999-00 is past the last financial year there can be, 9998-99"),
    ("year=2015-16&quarter=5", "Choose a quarter, or the whole year"),
    ("year=2015-16&quarter=Q2", "Choose a quarter, or the whole year"),
    (
        "year=2015-16&as_recorded=yesterday",
        "'yesterday' is not a date and time: write it like 2015-07-01T09:30:00+00:00, "
        "2015-07-01 (its end) or give an audit event number",
    ),
    ("year=2015-16&as_recorded=0", "event 0 does not exist: the audit trail runs from 1 to"),
    ("year=2015-16&as_recorded=99999999999999999999", "does not exist: the audit trail runs"),
    ("year=2015-16&as_recorded=1999-01-01", "nothing was recorded by 1999-01-01"),
    ("year=2015-16&as_recorded=" + "9" * 80, "Enter an audit event number, or a date and time"),
]


@pytest.mark.parametrize(("query", "line"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("where", ["/reports", "/reports/report.csv"])
def test_a_bad_choice_is_one_line_and_a_400(app, db, query, line, where):
    client = client_as(app, "o.officer")
    before = changes(db)
    answer = client.get(f"{where}?{query}")
    assert answer.status_code == 400
    found = problems(answer.text)
    assert len(found) == 1 and line.replace("'", "&#39;") in found[0], found
    assert "Content-Disposition" not in answer.headers and "Traceback" not in answer.text
    assert changes(db) == before


def test_a_page_or_file_that_does_not_exist_is_404(app):
    client = client_as(app, "o.officer")
    for path in (
        f"/reports?{Q2}&page=0",
        f"/reports?{Q2}&page=abc",
        f"/reports?{Q2}&awaiting=-1",
        f"/reports/report.pdf?{Q2}",
        f"/reports/report.xlsx?{Q2}",
    ):
        assert client.get(path).status_code == 404, path


def test_a_quarters_lists_page_by_50(app, db):
    """60 call-offs raised in Q2: 50 on the first page, 10 on the second."""
    with calloff.open(db) as office:
        for n in range(59):
            need = office.add_request(lot=4, title=f"Session {n}", start="2015-09-01",
                                      value="100", on="2015-08-01")  # fmt: skip
            office.allocate(need.id, on="2015-08-04")
    client = client_as(app, "o.officer")
    first = client.get(f"/reports?{Q2}").text
    assert "1 to 50 of 60 call-offs." in first and 'aria-label="Pages of call-offs raised"' in first
    second = client.get(f"/reports?{Q2}&page=2").text
    assert "51 to 60 of 60 call-offs." in second
    assert client.get(f"/reports?{Q2}&page=9").status_code == 200  # past the end: the last
    whole = client.get("/reports?year=2015-16").text
    assert "60 call-offs raised in the quarter" in whole and "Pages of" not in whole


def test_an_auditor_sees_no_button_that_writes(app):
    """Only the header's sign-out form posts; the report's own form is a GET."""
    for path in PAGES:
        page = client_as(app, "u.auditor").get(path).text
        posts = re.findall(r'<form[^>]*method="post"[^>]*>', page)
        assert posts == ['<form class="calloff-inline-form" method="post" action="/sign-out">']
        assert re.findall(r'<form[^>]*method="get"[^>]*action="/reports"', page)
