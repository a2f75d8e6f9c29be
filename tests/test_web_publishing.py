"""Publishing in the browser through Flask's test client: the compliance calendar overdue
first (dates worked by hand), each file and notice downloaded byte for byte as `calloff
publish` writes it, recording an item as published (form, check, confirm) by the role the
library names for it, and the history of who recorded what; every refusal is the
command's sentence, 400 or 403, with nothing written."""

from __future__ import annotations

import re

import pytest

import calloff
from calloff.domain import passwords
from calloff.web import publishing_pages
from tests.conftest import Calloff, snapshot
from tests.workspace import PASSWORD, ROLES, TEAM, app_for, build, day, post, sign_in


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Call-off 1 (£6,000, Alder Training) entered into on 13 May 2015, so its award is
    due on Contracts Finder by 11 June (13 May + 29 days); call-off 2 (£2,000) on 15 May,
    due by 13 June. Call-off 1's invoice ALD-1 (£1,000.00) was paid on 20 July 2015."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path) as office:
        office.allocate(1, on="2015-05-12")
        office.accept(1, on="2015-05-13")
        office.add_request(
            lot=4, title="Two more days", start="2015-07-01", value="2000", on="2015-05-13"
        )
        office.allocate(2, on="2015-05-14")
        office.accept(2, on="2015-05-15")
        office.add_spend(
            1,
            amount="1000",
            invoice_date="2015-07-10",
            invoice="ALD-1",
            received="2015-07-10",
            paid="2015-07-20",
        )
    return path


@pytest.fixture
def app(db):
    return app_for(db)


@pytest.fixture
def borsetshire(tmp_path, cheap_hashes):
    """A framework under the Procurement Act 2023 from 1 April 2026, with the same team:
    its quarters' payments (finance's to record) are due once each quarter is over."""
    path = tmp_path / "borsetshire.db"
    with calloff.create(path, framework="borsetshire-rp-2026") as office:
        for login, (name, roles, limit) in TEAM.items():
            office.add_officer(login, name=name, roles=list(roles), limit=limit, on="2026-04-01")
            office.set_password(login, password=PASSWORD)
    return path


def client_as(app, login):
    client = app.test_client()
    assert sign_in(client, login).status_code == 302
    return client


def changes(db):
    """Every table but the sign-in record, which a page load does not touch."""
    found = snapshot(db)
    found.pop("sign_ins")
    return found


def summary(html):
    """The error summary's lines."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return [re.sub(r"\s+", " ", x).strip() for x in re.findall(r">([^<>]+)</a>", found.group(1))]


def calendar_items(html):
    """The items the calendar lists, in its order."""
    table = html.split('id="calendar"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<span class="govuk-body-s">([A-Za-z0-9-]+)\. Because', table)


READ = [
    "/publishing",
    "/publishing?all=1",
    "/publishing?all=1&on-day=31&on-month=8&on-year=2015",
    "/publishing/files",
    "/publishing/history",
]
DOWNLOADS = [
    "/publishing/files/spend?year=2015-16&quarter=2&format=csv",
    "/publishing/files/contracts?year=2015-16&quarter=2&format=json",
    "/publishing/files/payment-performance?half=2015-16-H1&format=csv",
    "/publishing/files/ocds",
    "/publishing/files/notice?calloff=1&type=details&format=md",
]


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", READ + DOWNLOADS)
def test_every_role_reads_every_page_and_downloads_every_file(app, db, login, path):
    client = client_as(app, login)
    before = changes(db)
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    body = page.data
    if "/files/" in path:
        assert page.headers["Content-Disposition"].startswith("attachment; filename=")
        assert body
    else:
        title = re.search(r"<title>(.*?)</title>", page.text, re.S)
        assert title and "<" not in title.group(1)
    assert changes(db) == before


@pytest.mark.parametrize("login", TEAM)
def test_recording_a_notice_is_an_officers_work(app, db, login):
    path = "/publishing/record/calloff-1-details"
    client = client_as(app, login)
    before = changes(db)
    shown = client.get(path)
    sent = post(client, path, {"confirm": "yes"} | day("on", "2015-06-01"))
    if "officer" in ROLES[login]:
        assert shown.status_code == 200
        assert sent.status_code == 302, sent.text[:500]
    else:
        for answer in (shown, sent):
            assert answer.status_code == 403
            assert "This needs the <strong>officer</strong> role" in answer.text
        assert changes(db) == before


@pytest.mark.parametrize("login", TEAM)
def test_recording_a_payment_publication_is_finances_work(borsetshire, login):
    app = app_for(borsetshire)
    path = "/publishing/record/payments-2026-27-Q1"
    client = client_as(app, login)
    before = changes(borsetshire)
    shown = client.get(path)
    sent = post(client, path, {"confirm": "yes"} | day("on", "2026-07-20"))
    if "finance" in ROLES[login]:
        assert shown.status_code == 200
        assert sent.status_code == 302, sent.text[:500]
        with calloff.open(borsetshire) as office:
            (done,) = office.publications()
            assert (done.item, done.officer, done.name) == (
                "payments-2026-27-Q1",
                "f.finance",
                "Fay Finance",
            )
    else:
        for answer in (shown, sent):
            assert answer.status_code == 403
            assert "This needs the <strong>finance</strong> role" in answer.text
        assert changes(borsetshire) == before


def test_finance_sees_record_links_only_for_payment_publications(borsetshire):
    app = app_for(borsetshire)
    finance = client_as(app, "f.finance").get("/publishing").text
    assert "/publishing/record/payments-2026-27-Q1" in finance
    assert "/publishing/record/payment-performance-2026-27-H1" in finance
    assert "/publishing/record/spend-2026-27-Q1" not in finance
    officer = client_as(app, "o.officer").get("/publishing").text
    assert "/publishing/record/spend-2026-27-Q1" in officer
    assert "/publishing/record/payments-2026-27-Q1" not in officer


def test_an_auditor_sees_no_button_that_writes(app):
    client = client_as(app, "u.auditor")
    for path in READ:
        page = client.get(path).text
        assert page.count('method="post"') == 1, path  # the header's sign-out form
        assert "Record as published" not in page, path
        assert "/publishing/record/" not in page, path


def test_the_calendar_lists_what_is_overdue_first(app, db):
    """As at 12 June 2015: call-off 1's award (due 11 June) is 1 day overdue, call-off 2's
    (due 13 June) has 1 day left. As at 31 August: quarter 1 ended on 30 June, so its
    spend and contracts files were due by 31 July (31 days overdue); the awards are 81
    and 79 days overdue (11 June + 81 days is 31 August; 13 June + 79)."""
    client = client_as(app, "o.officer")
    june = client.get("/publishing?on-day=12&on-month=6&on-year=2015").text
    assert calendar_items(june) == ["calloff-1-details", "calloff-2-details"]
    assert "Due as at 12 June 2015 (Public Contracts Regulations 2015): 1 overdue, 1 to come" in (
        june
    )
    assert re.search(r"Overdue by 1 day\s*<", june) and re.search(r"Due in 1 day\s*<", june)
    august = client.get("/publishing?on-day=31&on-month=8&on-year=2015").text
    assert calendar_items(august) == [
        "calloff-1-details",
        "calloff-2-details",
        "contracts-2015-16-Q1",
        "spend-2015-16-Q1",
    ]
    for late in ("Overdue by 81 days", "Overdue by 79 days", "Overdue by 31 days"):
        assert late in august
    assert "Due by" in august and "11 June 2015" in august and "31 July 2015" in august
    # Each links to the file or notice its command produces.
    assert "/publishing/files/spend?year=2015-16&amp;quarter=1&amp;format=csv" in august
    assert "/publishing/files/notice?calloff=1&amp;type=details&amp;format=json" in august


def test_recording_an_item_as_published_closes_it_and_adds_it_to_the_history(app, db):
    client = client_as(app, "o.officer")
    path = "/publishing/record/calloff-1-details"
    form = client.get(path).text
    assert "Record calloff-1-details as published" in form and "11 June 2015" in form
    given = {"reference": "https://www.contractsfinder.example/notice/CF-0001"}
    check = post(client, path, given | day("on", "2015-06-15"))
    assert check.status_code == 200
    assert "Check before you record calloff-1-details as published" in check.text
    assert "15 June 2015" in check.text
    with calloff.open(db) as office:
        assert office.count_publications() == 0  # nothing until confirmed
    done = post(client, path, {"confirm": "yes"} | given | day("on", "2015-06-15"))
    assert done.status_code == 302 and done.headers["Location"] == "/publishing"
    page = client.get("/publishing?all=1&on-day=31&on-month=8&on-year=2015").text
    # 15 June is 4 days after 11 June: the command's line, as the command prints it.
    assert (
        "Recorded calloff-1-details as published on 2015-06-15 "
        "(https://www.contractsfinder.example/notice/CF-0001): it was due by 2015-06-11, "
        "4 days late." in page
    )
    # Published, it leaves what is due, and is listed after the overdue items with all.
    assert calendar_items(page) == [
        "calloff-2-details",
        "contracts-2015-16-Q1",
        "spend-2015-16-Q1",
        "calloff-1-details",
    ]
    assert "Published 15 June 2015 (late)" in page
    due = client.get("/publishing?on-day=31&on-month=8&on-year=2015").text
    assert "calloff-1-details" not in calendar_items(due)
    assert "1 overdue" not in due and "3 overdue, 0 to come, 1 published" in due
    history = client.get("/publishing/history").text
    row = history.split('id="history"', 1)[1]
    assert "calloff-1-details" in row and "15 June 2015" in row
    assert 'href="https://www.contractsfinder.example/notice/CF-0001"' in row
    assert "Olive Officer, o.officer (web)" in row
    with calloff.open(db) as office:
        (published,) = office.publications()
        assert (published.item, str(published.published_on), published.officer) == (
            "calloff-1-details",
            "2015-06-15",
            "o.officer",
        )
        event = office.audit()[-1]
        assert (event.action, event.officer, event.channel) == (
            "publication.record",
            "o.officer",
            "web",
        )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "Enter the date it was published"),
        (
            day("on", "2015-02-31"),
            "The date it was published must be a real date, such as 1 6 2015",
        ),
        ({"on-day": "x", "on-month": "6", "on-year": "2015"}, "must be a real date"),
        ({"on-day": "1", "on-month": "6"}, "must include a year"),
        (day("on", "9999-01-01"), "a change cannot be dated in the future"),
        (
            day("on", "2015-05-01"),
            "calloff-1-details arose from call-off 1 was entered into on 2015-05-13: it "
            "cannot have been published on 2015-05-01, before 2015-05-13",
        ),
        (day("on", "2015-06-01") | {"reference": "x" * 301}, "reference"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(app, db, form, message):
    client = client_as(app, "o.officer")
    before = changes(db)
    sent = post(client, "/publishing/record/calloff-1-details", {"confirm": "yes"} | form)
    assert sent.status_code == 400, sent.text[:300]
    (line,) = summary(sent.text)
    assert message in line
    assert "Traceback" not in sent.text
    assert changes(db) == before


def test_an_item_is_recorded_once(app, db):
    with calloff.open(db) as office:
        office.published("calloff-1-details", on="2015-06-01", reference="CF-1")
    client = client_as(app, "o.officer")
    assert "an item is recorded once" in client.get("/publishing/record/calloff-1-details").text
    before = changes(db)
    sent = post(
        client,
        "/publishing/record/calloff-1-details",
        {"confirm": "yes"} | day("on", "2015-06-02"),
    )
    assert sent.status_code == 400
    assert summary(sent.text) == [
        "calloff-1-details was already recorded as published on 2015-06-01 (CF-1): it is "
        "recorded once"
    ]
    assert changes(db) == before


def test_an_item_that_does_not_exist_is_not_found(app):
    client = client_as(app, "o.officer")
    page = client.get("/publishing/record/calloff-99-details")
    assert page.status_code == 404
    assert "no due item is called &#39;calloff-99-details&#39;" in page.text


def cli_bytes(db, *args):
    result = Calloff(db).ok(*args)
    return result.stdout_bytes


@pytest.mark.parametrize(
    ("path", "command", "filename", "kind"),
    [
        (
            "/publishing/files/spend?year=2015-16&quarter=2&format=csv",
            ("publish", "spend", "--year", "2015-16", "--quarter", "2"),
            "publish-spend-2015-16-Q2.csv",
            "text/csv; charset=utf-8",
        ),
        (
            "/publishing/files/spend?year=2015-16&quarter=2&format=json",
            ("publish", "spend", "--year", "2015-16", "--quarter", "2", "--format", "json"),
            "publish-spend-2015-16-Q2.json",
            "application/json",
        ),
        (
            "/publishing/files/contracts?year=2015-16&quarter=1&format=csv",
            ("publish", "contracts", "--year", "2015-16", "--quarter", "1"),
            "publish-contracts-2015-16-Q1.csv",
            "text/csv; charset=utf-8",
        ),
        (
            "/publishing/files/payment-performance?half=2015-16-H1&format=json",
            ("publish", "payment-performance", "--half", "2015-16-H1", "--json"),
            "publish-payment-performance-2015-16-H1.json",
            "application/json",
        ),
        (
            "/publishing/files/payments?year=2015-16&quarter=2&format=json",
            ("publish", "payments", "--year", "2015-16", "--quarter", "2", "--format", "json"),
            "publish-payments-2015-16-Q2.json",
            "application/json",
        ),
        (
            "/publishing/files/ocds",
            ("publish", "ocds"),
            "publish-ocds.json",
            "application/json",
        ),
        (
            "/publishing/files/ocds?since-day=14&since-month=5&since-year=2015",
            ("publish", "ocds", "--since", "2015-05-14"),
            "publish-ocds-since-2015-05-14.json",
            "application/json",
        ),
        (
            "/publishing/files/notice?calloff=1&type=details&format=md",
            ("publish", "notice", "1", "--type", "details", "--format", "md"),
            "notice-1-details.md",
            "text/markdown; charset=utf-8",
        ),
        (
            "/publishing/files/notice?calloff=2&type=details&format=json",
            ("publish", "notice", "2", "--type", "details"),
            "notice-2-details.json",
            "application/json",
        ),
    ],
)
def test_downloads_are_the_commands_output_byte_for_byte(app, db, path, command, filename, kind):
    page = client_as(app, "u.auditor").get(path)
    assert page.status_code == 200
    assert page.is_streamed
    assert page.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert page.content_type == kind
    assert page.data == cli_bytes(db, *command)


def test_the_spend_file_has_the_payment_worked_by_hand(app):
    """ALD-1, £1,000.00 excluding VAT, paid on 20 July 2015: in quarter 2, over £500."""
    text = (
        client_as(app, "f.finance")
        .get("/publishing/files/spend?year=2015-16&quarter=2&format=csv")
        .data.decode("utf-8")
    )
    assert text.startswith("\ufefforganisation,")
    (row,) = text.splitlines()[1:]
    assert "2015-07-20" in row and "1000.00" in row and "ALD-1" in row and "Alder Training" in row


def test_payments_over_30000_say_why_they_do_not_apply(app):
    client = client_as(app, "o.officer")
    sentence = (
        "The duty to publish payments over £30,000 (Procurement Act 2023, s.70) does not "
        "apply to this framework: it is under the Public Contracts Regulations 2015."
    )
    files = client.get("/publishing/files").text
    assert sentence in files
    assert 'action="/publishing/files/payments"' not in files
    page = client.get("/publishing/files/payments?year=2015-16&quarter=2&format=csv")
    assert page.status_code == 200 and "Content-Disposition" not in page.headers
    assert sentence in page.text


def test_a_file_for_a_period_not_over_says_it_may_still_change(borsetshire):
    """The quarter holding today has not ended: say so first, then give the file."""
    from datetime import date

    today = date.today()
    year = calloff.FinancialYear.of(today)
    quarter = next(q for q in (1, 2, 3, 4) if year.quarter_dates(q)[1] >= today)
    end = year.quarter_dates(quarter)[1]
    client = client_as(app_for(borsetshire), "o.officer")
    path = f"/publishing/files/spend?year={year}&quarter={quarter}&format=csv"
    warned = client.get(path)
    assert warned.status_code == 200 and "Content-Disposition" not in warned.headers
    assert f"The period ends on {end.day} {end:%B %Y}, so this file may still change" in (
        warned.text
    )
    assert "anyway=1" in warned.text
    got = client.get(path + "&anyway=1")
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.data == cli_bytes(
        borsetshire, "publish", "spend", "--year", str(year), "--quarter", str(quarter)
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/publishing/files/spend?year=zz&quarter=2&format=csv", "'zz' is not a financial year"),
        ("/publishing/files/spend?year=2015-16&quarter=9&format=csv", "Choose the quarter"),
        ("/publishing/files/spend?year=2015-16&quarter=2&format=xml", "Choose CSV or JSON"),
        ("/publishing/files/contracts?quarter=2&format=csv", "Choose the financial year"),
        ("/publishing/files/payment-performance?format=csv", "Choose the half-year"),
        ("/publishing/files/payment-performance?half=2015-16-H3&format=csv", "2015-16-H3"),
        ("/publishing/files/notice?calloff=abc&type=details&format=md", "whole number"),
        ("/publishing/files/notice?calloff=99&type=details&format=md", "call-off 99"),
        ("/publishing/files/notice?calloff=1&type=termination&format=md", "call-off 1"),
        ("/publishing/files/notice?calloff=1&type=details&format=md&variation=x", "variation"),
        ("/publishing/files/ocds?since-day=31&since-month=2&since-year=2015", "real date"),
        ("/publishing/files/ocds?since-day=1&since-month=1&since-year=2099", "Nothing was"),
        ("/publishing?on-day=40&on-month=1&on-year=2015", "must be a real date"),
    ],
)
def test_bad_options_are_one_line(app, db, path, message):
    client = client_as(app, "o.officer")
    before = changes(db)
    page = client.get(path)
    assert page.status_code == 400, page.text[:300]
    assert "Content-Disposition" not in page.headers
    (line,) = summary(page.text)
    assert message in line.replace("&#39;", "'")
    assert changes(db) == before


@pytest.mark.parametrize(
    "path",
    [
        "/publishing?page=0",
        "/publishing?page=x",
        "/publishing?all=2",
        "/publishing?page=9",
        "/publishing/history?page=x",
        "/publishing/files/nothing",
    ],
)
def test_pages_that_are_not_there(app, path):
    assert client_as(app, "o.officer").get(path).status_code == 404


def test_the_calendar_and_the_history_page_by_fifty(app, db, monkeypatch):
    """With two a page (for the test), four items as at 31 August 2015 make two pages."""
    monkeypatch.setattr(publishing_pages, "PAGE", 2)
    client = client_as(app, "o.officer")
    first = client.get("/publishing?on-day=31&on-month=8&on-year=2015").text
    assert calendar_items(first) == ["calloff-1-details", "calloff-2-details"]
    assert "1 to 2 of 4 items, overdue first (page 1 of 2)" in first
    assert "page=2" in first and "on-day=31" in first
    second = client.get("/publishing?on-day=31&on-month=8&on-year=2015&page=2").text
    assert calendar_items(second) == ["contracts-2015-16-Q1", "spend-2015-16-Q1"]
    with calloff.open(db) as office:
        for item in ("spend-2015-16-Q1", "contracts-2015-16-Q1", "calloff-2-details"):
            office.published(item, on="2015-08-01")
    history = client.get("/publishing/history").text
    assert "1 to 2 of 3 items recorded as published" in history
    assert re.findall(r'calloff-wrap">([A-Za-z0-9-]+)</td>', history) == [
        "calloff-2-details",
        "contracts-2015-16-Q1",
    ]
    last = client.get("/publishing/history?page=2").text
    assert re.findall(r'calloff-wrap">([A-Za-z0-9-]+)</td>', last) == ["spend-2015-16-Q1"]
