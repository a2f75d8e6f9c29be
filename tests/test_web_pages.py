"""The officer's day through Flask's test client: every route for every role (allowed, or
the 403 page naming the role and nothing written), and the journeys with figures worked
by hand: a request allocated and accepted, a £33,000 call-off approved by a second
officer, an allocation over the ceiling refused with the command's own sentence."""

from __future__ import annotations

import re

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import Calloff, snapshot
from tests.workspace import ROLES, TEAM, app_for, build, day, post, sign_in


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Request 1 offered to Alder Training as call-off 1 (£6,000); request 2 new."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path) as office:
        office.allocate(1, on="2015-05-12")
        office.add_request(
            lot=4, title="Two more days", start="2015-07-01", value="2000", on="2015-05-13"
        )
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


READ = [
    "/",
    "/requests",
    "/requests?lot=4&status=new&year=2015-16",
    "/requests/1",
    "/calloffs/1",
    "/calloffs/1/order.html",
    "/calloffs/1/order.html?download=1",
    "/calloffs/1/record.html",
    "/calloffs/1/record.md",
    "/framework",
]
# (path, the role it needs, the form a browser would send)
WRITE = [
    (
        "/requests/new",
        "officer",
        {"lot": "4", "title": "A new request", "value": "1000", "funding": "core"}
        | day("start", "2015-08-03")
        | day("on", "2015-05-20"),
    ),
    ("/requests/2/allocate", "officer", day("on", "2015-05-14")),
    ("/calloffs/1/accept", "officer", {"confirm": "yes"} | day("on", "2015-05-13")),
    (
        "/calloffs/1/decline",
        "officer",
        {"confirm": "yes", "reason": "booked"} | day("on", "2015-05-13"),
    ),
    (
        "/calloffs/1/cancel",
        "officer",
        {"confirm": "yes", "reason": "paused"} | day("on", "2015-05-13"),
    ),
    (
        "/calloffs/1/vary",
        "officer",
        {"confirm": "yes", "value": "7000", "reason": "more"} | day("on", "2015-05-13"),
    ),
    ("/calloffs/1/complete", "officer", {"confirm": "yes"} | day("on", "2015-05-13")),
    ("/calloffs/1/approve", "approver", {"confirm": "yes"} | day("on", "2015-05-13")),
    (
        "/calloffs/1/reject",
        "approver",
        {"confirm": "yes", "reason": "no"} | day("on", "2015-05-13"),
    ),
]


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", READ)
def test_every_role_reads_every_page(app, login, path):
    page = client_as(app, login).get(path)
    assert page.status_code == 200, page.text[:500]
    if not path.endswith(".md"):  # a page's title is plain words, not markup
        title = re.search(r"<title>(.*?)</title>", page.text, re.S)
        assert title and "<" not in title.group(1) and len(title.group(1)) < 200, path


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize(("path", "role", "form"), WRITE, ids=[w[0] for w in WRITE])
def test_every_write_is_for_its_role_only(app, db, login, path, role, form):
    client = client_as(app, login)
    before = changes(db)
    shown = client.get(path)
    sent = post(client, path, form)
    if role in ROLES[login]:
        assert shown.status_code == 200
        assert sent.status_code in (200, 302, 400), sent.text[:500]
        if path.endswith("/allocate"):
            assert sent.headers["Location"] == "/calloffs/2"  # the new call-off's page
        assert "You cannot do this" not in sent.text
    else:
        for answer in (shown, sent):
            assert answer.status_code == 403
            assert f"This needs the <strong>{role}</strong> role" in answer.text
            assert "Max Admin (m.admin)" in answer.text  # who grants it
        assert changes(db) == before


def test_an_auditor_sees_every_page_and_no_button_that_writes(app):
    client = client_as(app, "u.auditor")
    for path in READ:
        page = client.get(path)
        assert page.status_code == 200
        if path.endswith((".html", ".md")) or "download" in path:
            continue
        forms = page.text.count('method="post"')
        assert forms == 1, f"{path}: only the sign-out form may write"  # the header's
        for verb in ("Add a request", ">Allocate<", ">Accept<", ">Approve<", ">Decline<"):
            assert verb not in page.text, (path, verb)


def test_an_officer_sees_the_actions_their_role_allows(app):
    officer = client_as(app, "o.officer").get("/calloffs/1").text
    assert ">Accept</a>" in officer and ">Decline</a>" in officer and ">Approve</a>" not in officer
    assert ">Allocate</a>" in client_as(app, "o.officer").get("/requests/2").text


def test_a_request_added_allocated_and_accepted_reduces_the_headroom(app, db):
    client = client_as(app, "o.officer")
    home = client.get("/").text
    # £260,000.00 core cap, £6,000.00 already offered: £254,000.00 left.
    assert "£254,000.00 left of £260,000.00" in home
    added = post(
        client,
        "/requests/new",
        {
            "lot": "4",
            "title": "Restorative circles",
            "quantity": "3",
            "unit": "day",
            "funding": "core",
        }
        | day("start", "2015-09-07")
        | day("on", "2015-06-01"),
    )
    assert added.status_code == 302 and added.headers["Location"] == "/requests/3"
    assert "Request 3 recorded on lot 4." in client.get("/requests/3").text
    allocated = post(client, "/requests/3/allocate", day("on", "2015-06-02"))
    assert allocated.status_code == 302 and allocated.headers["Location"] == "/calloffs/2"
    allocated = client.get("/calloffs/2")
    # Alder Training, rank 1 at £1,000.00 a day: 3 days, £3,000.00; £251,000.00 left.
    assert (
        "Call-off 2: request 3 offered to Alder Training (rank 1 on lot 4) at £3,000.00, core; "
        "respond by 2015-06-05. Headroom left £251,000.00." in allocated.text
    )
    check = post(client, "/calloffs/2/accept", day("on", "2015-06-03"))
    assert "Check before you accept call-off 2" in check.text
    assert calloff.open(db).calloff(2).status == "offered"  # nothing yet
    done = post(client, "/calloffs/2/accept", {"confirm": "yes"} | day("on", "2015-06-03"))
    assert done.status_code == 302
    assert "Call-off 2 accepted on 2015-06-03." in client.get("/calloffs/2").text
    assert "£251,000.00 left of £260,000.00" in client.get("/").text
    post(client, "/sign-out", {})
    sign_in(app.test_client(), "o.officer", "a wrong password here")
    with calloff.open(db) as office:
        assert office.calloff(2).status == "accepted"
        event = office.audit(calloff=2)[-1]
        assert (event.action, event.officer, event.channel) == (
            "calloff.accept",
            "o.officer",
            "web",
        )
        # Sign-ins, sign-outs and failures are logged beside the seal: the trail stays whole.
        assert office.verify_audit().ok


def test_a_decline_offers_the_next_rank(app, db):
    client = client_as(app, "o.officer")
    done = post(
        client,
        "/calloffs/1/decline",
        {"confirm": "yes", "reason": "fully booked"} | day("on", "2015-05-13"),
    )
    assert done.status_code == 302
    page = client.get("/calloffs/1").text
    # Birch Practice Ltd, rank 2 at £1,200.00 a day: 6 days, £7,200.00.
    assert "Call-off 1 declined." in page
    assert (
        "Call-off 2: request 1 offered to Birch Practice Ltd (rank 2 on lot 4) at £7,200.00, "
        "core; respond by 2015-05-18. Headroom left £252,800.00." in page
    )
    assert "&lt;" not in page  # the banner's lines are text, not markup shown as text
    # The declined call-off has an award record but no order: no link, and the address
    # answers with the command's sentence.
    assert "No call-off order: the call-off was declined." in page
    order = client.get("/calloffs/1/order.html")
    assert order.status_code == 404
    assert "call-off 1 was declined: there is no order to issue" in order.text
    assert client.get("/calloffs/1/record.html").status_code == 200


def test_a_33000_call_off_is_approved_by_a_second_officer(app, db):
    raiser = client_as(app, "o.officer")
    post(
        raiser,
        "/requests/new",
        {"lot": "4", "title": "Whole team programme", "value": "33000", "funding": "core"}
        | day("start", "2015-10-05")
        | day("on", "2015-06-01"),
    )
    post(raiser, "/requests/3/allocate", day("on", "2015-06-02"))
    allocated = raiser.get("/calloffs/2")
    assert "to be approved by another officer before it is offered" in allocated.text
    assert "awaiting approval" in raiser.get("/calloffs/2").text
    assert raiser.get("/calloffs/2/approve").status_code == 403
    approver = client_as(app, "a.approver")
    home = approver.get("/").text
    assert "Call-off 2</a>: Alder Training, £33,000.00 (core), raised by o.officer" in home
    done = post(approver, "/calloffs/2/approve", {"confirm": "yes"} | day("on", "2015-06-03"))
    assert done.status_code == 302
    page = approver.get("/calloffs/2").text
    assert (
        "Call-off 2 approved by a.approver (web) on 2015-06-03 and offered; respond by 2015-06-08."
        in page
    )
    with calloff.open(db) as office:
        shown = office.show(2)
        assert (shown["status"], shown["approved_by"]) == ("offered", "a.approver")


def test_an_approver_cannot_approve_what_they_raised(app, db):
    me = client_as(app, "a.approver")
    post(
        me,
        "/requests/new",
        {"lot": "4", "title": "Big programme", "value": "30000", "funding": "core"}
        | day("start", "2015-10-05")
        | day("on", "2015-06-01"),
    )
    post(me, "/requests/3/allocate", day("on", "2015-06-02"))
    page = me.get("/calloffs/2").text
    assert ">Approve</a>" not in page
    before = changes(db)
    refused = post(me, "/calloffs/2/approve", {"confirm": "yes"} | day("on", "2015-06-03"))
    assert refused.status_code in (400, 403) and "There is a problem" in refused.text
    assert changes(db) == before


def test_an_allocation_over_the_ceiling_is_the_commands_sentence(app, db):
    client = client_as(app, "o.officer")
    post(
        client,
        "/requests/new",
        {"lot": "4", "title": "Whole service", "value": "254000.01", "funding": "core"}
        | day("start", "2015-07-01")
        | day("on", "2015-06-01"),
    )
    before = changes(db)
    refused = post(client, "/requests/3/allocate", day("on", "2015-06-02"))
    assert refused.status_code == 400
    command = Calloff(db).refused("allocate", "3", "--on", "2015-06-02")
    sentence = command.removeprefix("Error: ")
    assert "£0.01 over" in sentence
    assert sentence.replace("'", "&#39;") in refused.text
    assert 'href="#on-day"' in refused.text  # the summary links to the field
    assert changes(db) == before


def test_a_bad_form_names_each_field(app, db):
    client = client_as(app, "o.officer")
    before = changes(db)
    answer = post(
        client,
        "/requests/new",
        {"lot": "", "title": "", "start-day": "31", "start-month": "2", "start-year": "2015"},
    )
    assert answer.status_code == 400
    for text, field in (
        ("Choose the lot", "#lot"),
        ("Enter what the training is", "#title"),
        ("The start date must be a real date", "#start-day"),
        ("Enter the value, or a quantity", "#value"),
    ):
        assert text in answer.text and f'href="{field}"' in answer.text
    assert changes(db) == before


def test_a_library_refusal_on_a_form_is_its_sentence(app, db):
    client = client_as(app, "o.officer")
    answer = post(
        client,
        "/requests/new",
        {"lot": "9", "title": "No such lot", "value": "100", "funding": "core"}
        | day("start", "2015-07-01")
        | day("on", "2015-06-01"),
    )
    assert answer.status_code == 400 and "lot 9" in answer.text


def test_documents_print_and_download(app):
    client = client_as(app, "u.auditor")
    order = client.get("/calloffs/1/order.html")
    assert order.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in order.headers and "@page" in order.text
    assert "script-src" not in order.headers["Content-Security-Policy"]
    saved = client.get("/calloffs/1/order.html?download=1")
    assert saved.headers["Content-Disposition"] == 'attachment; filename="calloff-1-order.html"'
    record = client.get("/calloffs/1/record.md")
    assert record.headers["Content-Disposition"] == 'attachment; filename="calloff-1-record.md"'
    assert client.get("/calloffs/1/letter.md").status_code == 404
    assert client.get("/calloffs/99").status_code == 404


def test_the_request_list_filters(app):
    client = client_as(app, "o.officer")
    every = client.get("/requests").text
    assert "1 to 2 of 2 requests." in every
    new = client.get("/requests?status=new").text
    assert "1 to 1 of 1 request." in new and "Two more days" in new and "Deep-dive" not in new
    assert "No request matches." in client.get("/requests?lot=1").text
    assert "1 to 2 of 2 requests." in client.get("/requests?year=2015-16").text
    assert "No request matches." in client.get("/requests?year=2016-17").text
    for bad in ("lot=99", "status=lost", "year=1999-00", "page=0", "page=x"):
        assert client.get(f"/requests?{bad}").status_code == 404


def test_the_request_list_is_paged(app, db):
    with calloff.open(db) as office:
        for n in range(120):
            office.add_request(
                lot=4, title=f"Session {n}", start="2015-09-01", value="100", on="2015-06-01"
            )
    client = client_as(app, "u.auditor")
    first = client.get("/requests").text
    assert "1 to 50 of 122 requests (page 1 of 3)." in first
    last = client.get("/requests?page=3").text
    assert "101 to 122 of 122 requests (page 3 of 3)." in last and "Session 119" in last
    assert 'href="/requests?page=2"' in last  # previous
    home = client.get("/").text
    assert "Never offered: 121" in home and "All 121 never offered" in home


def test_the_framework_page_shows_rankings_and_caps(app):
    page = client_as(app, "f.finance").get("/framework").text
    assert "Alder Training" in page and "£1,000.00" in page and "£1,200.00" in page
    assert "2015-16: £260,000.00" in page


@pytest.mark.parametrize(
    "path",
    [
        "/calloffs/0",
        "/calloffs/99999999999999999999",
        "/requests/0",
        "/requests/99999999999999999999/allocate",
    ],
)
def test_an_impossible_number_is_not_found(app, path):
    assert client_as(app, "u.auditor").get(path).status_code == 404


@pytest.mark.parametrize(
    "form",
    [
        {"start-day": "99999999999999999999", "start-month": "1", "start-year": "2015"},
        {"start-day": "1", "start-month": "1", "start-year": "15"},
        {"quantity": "²"},
        {"attendees": "٣"},
    ],
)
def test_odd_numbers_in_a_form_are_named_not_a_fault(app, db, form):
    client = client_as(app, "o.officer")
    before = changes(db)
    base = {"lot": "4", "title": "Odd", "unit": "day", "funding": "core"}
    answer = post(
        client, "/requests/new", base | day("start", "2015-08-03") | day("on", "2015-05-20") | form
    )
    assert answer.status_code == 400 and "There is a problem" in answer.text
    assert changes(db) == before


def test_a_refusal_links_to_the_date_it_is_about(app):
    client = client_as(app, "o.officer")
    answer = post(client, "/calloffs/1/accept", {"confirm": "yes"} | day("on", "2015-05-01"))
    assert answer.status_code == 400
    assert 'href="#on-day"' in answer.text


def test_the_call_off_page_shows_its_audit_trail(app):
    page = client_as(app, "u.auditor").get("/calloffs/1").text
    assert "Audit trail" in page and "calloff.offer" in page and "officer.a" in page
    assert "Authorised" in page
