"""The audit pages through Flask's test client: only auditors and admins reach them; the
trail filtered by call-off, provider, officer, action and dates gives exactly the events
built by hand, newest first, 50 a page; who acted and for whom is shown plainly; the check
gives the same head hash as `calloff audit verify`, and a tampered database shows what is
broken rather than failing; bad filters get one line and a 400."""

from __future__ import annotations

import html
import re
import sqlite3

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import Calloff, snapshot
from tests.workspace import ROLES, TEAM, app_for, build, day, sign_in

# Events 1-18 are the workspace's set-up (tests/workspace.py); the fixture adds these.
OFFER, ACCEPT, SECOND_REQUEST = 19, 20, 21


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Call-off 1 offered by o.officer (2015-05-12) and accepted by a.approver
    (2015-05-13), each acted for by the process's account from the library; request 2
    added by o.officer (2015-05-13)."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path, officer="o.officer") as office:
        office.allocate(1, on="2015-05-12")
    with calloff.open(path, officer="a.approver") as office:
        office.accept(1, on="2015-05-13")
    with calloff.open(path, officer="o.officer") as office:
        office.add_request(
            lot=4, title="Two more days", start="2015-07-01", value="2000", on="2015-05-13"
        )
        assert office.last_event == SECOND_REQUEST
    return path


@pytest.fixture
def app(db):
    return app_for(db)


def client_as(app, login):
    client = app.test_client()
    assert sign_in(client, login).status_code == 302
    return client


def changes(db):
    """Every table but the sign-in record, which a page load does not touch."""
    found = snapshot(db)
    found.pop("sign_ins")
    return found


def shown(page) -> list[int]:
    """The events a trail page lists, in order."""
    return [int(n) for n in re.findall(r'<tr class="govuk-table__row" id="event-(\d+)"', page.text)]


def summary(page) -> list[str]:
    """The lines of the page's error summary."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S)
    if not found:
        return []
    return [
        html.unescape(re.sub(r"<[^>]+>", "", li)).strip()
        for li in re.findall(r"<li>(.*?)</li>", found[1], re.S)
    ]


PAGES = [
    "/audit",
    "/audit?calloff=1&order=oldest",
    "/audit?provider=Alder+Training&action=calloff&from-day=1&from-month=5&from-year=2015",
    "/audit/verify",
    "/audit/verify?run=yes",
]


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", PAGES)
def test_only_auditors_and_admins_reach_the_audit_pages(app, db, login, path):
    """An auditor or admin reads each page; anyone else gets the 403 page naming the
    roles, and nothing is written either way."""
    client = client_as(app, login)
    before = changes(db)
    page = client.get(path)
    if {"auditor", "admin"} & set(ROLES[login]):
        assert page.status_code == 200, page.text[:500]
        title = re.search(r"<title>(.*?)</title>", page.text, re.S)
        assert title and "<" not in title.group(1)
    else:
        assert page.status_code == 403
        assert "This needs the <strong>auditor</strong> role" in page.text
        assert "or the <strong>admin</strong> role" in page.text
    assert client.post(path.split("?")[0], data={}).status_code in (400, 403, 405)
    assert changes(db) == before


def test_an_auditor_sees_no_form_that_writes(app):
    """Both pages' forms are GET forms: the header's sign-out is the only POST."""
    client = client_as(app, "u.auditor")
    for path in PAGES:
        page = client.get(path)
        assert page.text.count('method="post"') == 1, path
        assert page.text.count('method="get"') == 1, path  # the filters, or the check
        assert 'href="/sign-ins"' in page.text  # the sign-in log, beside the trail


def test_the_trail_is_newest_first_with_who_acted_for_whom(app):
    """Each event shows its dates, what it concerns (linked), what changed, and who acted
    for whom through which channel, as the trail records them."""
    page = client_as(app, "u.auditor").get("/audit")
    assert shown(page) == list(range(SECOND_REQUEST, 0, -1))
    row = re.search(rf'id="event-{ACCEPT}">(.*?)</tr>', page.text, re.S)[1]
    assert "13 May 2015" in row and "calloff.accept" in row
    assert '<a class="govuk-link" href="/calloffs/1">Call-off 1</a>' in row
    assert "status: offered → accepted" in row
    assert "<strong>officer.a for a.approver</strong>" in row
    assert "officer.a acted for a.approver." in row
    assert '<td class="govuk-table__cell">library</td>' in row
    offer = re.search(rf'id="event-{OFFER}">(.*?)</tr>', page.text, re.S)[1]
    assert "value: 6000.00" in offer and "respond by: 2015-05-15" in offer
    added = re.search(rf'id="event-{SECOND_REQUEST}">(.*?)</tr>', page.text, re.S)[1]
    assert '<a class="govuk-link" href="/requests/2">Request 2</a>' in added


def test_an_action_in_the_browser_shows_the_server_acting_for_the_officer(app):
    """An officer's answer through the web names them, the web channel and the server's
    account that recorded it for them."""
    from tests.workspace import post

    officer = client_as(app, "o.officer")
    done = post(officer, "/calloffs/1/complete", {"confirm": "yes"} | day("on", "2015-06-30"))
    assert done.status_code == 302
    page = client_as(app, "u.auditor").get("/audit?action=calloff.complete")
    assert shown(page) == [SECOND_REQUEST + 1]
    assert "<strong>o.officer (web)</strong>" in page.text
    assert (
        "o.officer was signed in to the workspace; the server&#39;s account officer.a recorded"
        in (page.text)
    )
    assert '<td class="govuk-table__cell">web</td>' in page.text


@pytest.mark.parametrize(
    ("query", "events"),
    [
        ("officer=a.approver", [ACCEPT]),
        ("officer=O.Officer", [SECOND_REQUEST, OFFER]),  # a login in any case
        ("action=calloff.accept", [ACCEPT]),
        ("action=calloff", [ACCEPT, OFFER]),  # every call-off action
        ("calloff=1", [ACCEPT, OFFER]),
        ("calloff=1&order=oldest", [OFFER, ACCEPT]),
        ("calloff=1&order=&provider=&officer=&action=", [ACCEPT, OFFER]),  # empty: no filter
        # Alder Training: added (3), ranked (5), priced (6), and call-off 1.
        ("provider=1", [ACCEPT, OFFER, 6, 5, 3]),
        ("provider=alder+training", [ACCEPT, OFFER, 6, 5, 3]),
        # From 12 May 2015: the three above, and the passwords set (dated today).
        (
            "&".join(f"{k}={v}" for k, v in day("from", "2015-05-12").items()),
            [SECOND_REQUEST, ACCEPT, OFFER, 17, 15, 13, 11, 9],
        ),
        (
            "&".join(
                f"{k}={v}" for k, v in (day("from", "2015-05-13") | day("to", "2015-05-13")).items()
            ),
            [SECOND_REQUEST, ACCEPT],
        ),
        (
            "&".join(f"{k}={v}" for k, v in day("to", "2015-05-12").items()) + "&officer=o.officer",
            [OFFER],
        ),
        ("officer=o.officer&action=calloff.accept", []),
    ],
)
def test_the_filters_give_exactly_the_events_asked_for(app, query, events):
    """Each filter, alone and together, lists exactly the events that match."""
    page = client_as(app, "u.auditor").get(f"/audit?{query}")
    assert page.status_code == 200
    assert shown(page) == events
    if events == []:
        assert "No event matches." in page.text


def test_the_trail_pages_at_50_keeping_its_filters(app, db):
    """With 62 requests, the trail of request.add pages 50 then 12, and its links keep
    the filter; the whole trail's first page is the 50 newest events."""
    with calloff.open(db, officer="o.officer") as office:
        for n in range(60):
            office.add_request(
                lot=4, title=f"Session {n + 1}", start="2015-07-01", value="100", on="2015-05-14"
            )
        last = office.last_event
    client = client_as(app, "u.auditor")
    first = client.get("/audit")
    assert shown(first) == list(range(last, last - 50, -1))
    assert "Events 1 to 50, newest first." in first.text
    page = client.get("/audit?action=request.add")
    assert len(shown(page)) == 50 and shown(page)[0] == last
    assert "Events 1 to 50 that match, newest first." in page.text
    assert 'href="/audit?action=request.add&amp;page=2"' in page.text
    assert "govuk-pagination__prev" not in page.text
    second = client.get("/audit?action=request.add&page=2")
    assert shown(second) == [*range(last - 50, SECOND_REQUEST, -1), SECOND_REQUEST, 18]
    assert len(shown(second)) == 12
    assert "Events 51 to 62 that match, newest first." in second.text
    assert 'href="/audit?action=request.add&amp;page=1"' in second.text
    assert "govuk-pagination__next" not in second.text
    beyond = client.get("/audit?action=request.add&page=9")
    assert beyond.status_code == 200 and shown(beyond) == []
    assert "No events on page 9" in beyond.text
    assert 'href="/audit?action=request.add"' in beyond.text  # the first page, filtered
    assert "govuk-pagination" not in beyond.text


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ("calloff=abc", "Enter the call-off as its number, such as 7"),
        ("calloff=0", "calloff must be a whole number from 1 to"),
        ("calloff=99", "call-off 99 does not exist"),
        ("provider=Nobody+Ltd", "no provider is called 'Nobody Ltd'"),
        ("officer=not+a+login!", "officer 'not a login!' is not a login"),
        ("action=calloff.", "action 'calloff.' is not one the audit trail records"),
        ("action=nonsense", "action 'nonsense' is not one the audit trail records"),
        ("from-day=31&from-month=2&from-year=2015", "The first day must be a real date"),
        ("from-day=1&from-year=2015", "The first day must include a month"),
        ("to-day=1&to-month=1&to-year=99999", "The last day must be a real date"),
        ("to-day=x&to-month=1&to-year=2015", "The last day must be a real date"),
        (
            "from-day=2&from-month=6&from-year=2015&to-day=1&to-month=6&to-year=2015",
            "the trail cannot run from 2015-06-02 until 2015-06-01",
        ),
        ("page=0", "The page must be a whole number from 1"),
        ("page=abc", "The page must be a whole number from 1"),
        ("order=sideways", "Choose newest first or oldest first"),
    ],
)
def test_a_bad_filter_is_one_line_and_a_400(app, db, query, line):
    """Nothing is listed, the page says what is wrong in one line, and nothing is written."""
    client = client_as(app, "u.auditor")
    before = changes(db)
    page = client.get(f"/audit?{query}")
    assert page.status_code == 400
    assert len(summary(page)) == 1 and summary(page)[0].startswith(line), summary(page)
    assert shown(page) == []
    assert changes(db) == before


def test_verify_shows_the_head_the_command_prints(app, db):
    """The check says whole, the events checked and the same head hash as `calloff audit
    verify`, and the head written down is found again."""
    printed = Calloff(db)("audit", "verify")
    assert printed.exit_code == 0
    head = re.search(r"head ([0-9a-f]{64})", printed.output)[1]
    client = client_as(app, "u.auditor")
    assert "The audit trail is whole" not in client.get("/audit/verify").text  # not yet run
    page = client.get("/audit/verify?run=yes")
    assert page.status_code == 200
    assert "The audit trail is whole" in page.text
    assert f"{SECOND_REQUEST} events checked" in page.text
    first = printed.output.strip().splitlines()[0]  # "Audit chain whole: 21 event(s); head …"
    assert first in page.text
    assert "Sealed without an audit key" in page.text
    assert f'<code class="calloff-wrap" id="head">{head}</code>' in page.text
    assert f'<code id="short-head">{head[:16]}</code>' in page.text
    expected = client.get(f"/audit/verify?run=yes&expect={head[:16].upper()}")
    assert f"The head you expected is event {SECOND_REQUEST}, the head now." in expected.text
    with calloff.open(db, officer="o.officer") as office:
        office.add_request(lot=4, title="Later", start="2015-07-01", value="100", on="2015-05-20")
    later = client.get(f"/audit/verify?expect={head}")
    assert f"The head you expected is event {SECOND_REQUEST}; 1 event(s) recorded since." in (
        later.text
    )


@pytest.mark.parametrize(
    "expect", ["xyz", "1234567", "not a hash at all", "é" * 9, "0123456789abcde"]
)
def test_a_bad_expected_head_is_one_line_and_a_400(app, expect):
    page = client_as(app, "m.admin").get("/audit/verify", query_string={"expect": expect})
    assert page.status_code == 400
    assert summary(page) == [
        "give the head hash as printed by `calloff audit verify` or `calloff audit anchor`: "
        "all 64 hex digits, or at least the first 16"
    ]


def test_an_expected_head_not_in_the_trail_is_shown_as_broken(app):
    page = client_as(app, "u.auditor").get("/audit/verify?run=yes&expect=deadbeefdeadbeef")
    assert page.status_code == 200
    assert "The audit trail does not verify" in page.text
    assert "the head you expected (deadbeefdeadbeef) is not in this audit trail" in page.text


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            f"UPDATE events SET reason = 'edited later' WHERE id = {OFFER}",
            f"event {OFFER} (calloff.offer, recorded ",
        ),
        ("UPDATE calloffs SET value_pence = 100 WHERE id = 1", "call-off 1"),
    ],
)
def test_a_tampered_database_shows_what_is_broken(app, db, sql, problem):
    """An event or a record changed by another program: the page says what the command
    says, in its words, and answers 200 rather than failing."""
    client = client_as(app, "u.auditor")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(sql)
    conn.close()
    printed = Calloff(db)("audit", "verify")
    assert printed.exit_code == 1
    said = printed.output.strip().removeprefix("Error: ")
    assert said.startswith("audit trail does not verify: ")
    page = client.get("/audit/verify?run=yes")
    assert page.status_code == 200
    assert "The audit trail does not verify" in page.text
    assert problem in page.text
    assert said in html.unescape(page.text)
    assert 'id="head"' not in page.text  # no head to write down from a broken trail
    assert client.get("/audit").status_code == 200  # the trail is still there to read


def test_an_approval_under_cover_names_both_approvers(app, db):
    """c.deputy (limit £10,000) approves £30,000 while a.approver (limit £50,000) is away:
    the event shows who acted and whose cover allowed it, and filtering by the absent
    approver finds it."""
    with calloff.open(db) as admin:
        admin.add_officer(
            "c.deputy", name="Cal Deputy", roles=["approver"], limit="10000", on="2015-04-01"
        )
        admin.delegate("a.approver", to="c.deputy", starts="2015-08-01", ends="2015-08-14")
    with calloff.open(db, officer="o.officer") as office:
        office.add_request(
            lot=4, title="Whole service", start="2015-09-01", value="30000", on="2015-08-03"
        )
        held = office.allocate(3, on="2015-08-03").calloff
    with calloff.open(db, officer="c.deputy") as office:
        office.approve(held.id, on="2015-08-10")
        approval = office.last_event
    page = client_as(app, "u.auditor").get("/audit?officer=a.approver")
    assert shown(page) == [approval, ACCEPT]
    row = re.search(rf'id="event-{approval}">(.*?)</tr>', page.text, re.S)[1]
    assert "<strong>officer.a for c.deputy covering for a.approver</strong>" in row
    assert "officer.a acted for c.deputy." in row
    assert "Covering for a.approver, who was away: their limit allowed it." in row
    assert "10 August 2015" in row and "calloff.approve" in row
