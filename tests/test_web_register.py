"""Set-up in the browser, the register of officers: every route for every role (reading is
for admins and auditors, changing for admins; anyone else gets the 403 page naming the role
and nothing is written), and the admin's journeys: an approver registered with a
£20,000.00 limit signs in with the password the admin set; an officer who leaves can no
longer sign in; a weak password refused in the library's words; registering refused in one
line. A password never comes back in a page, a URL or a log. (More in
test_web_register_changes.py.)"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import snapshot
from tests.workspace import PASSWORD, ROLES, TEAM, app_for, build, day, post, sign_in

NEW_PASSWORD = "copper violet harbour meadow"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    path = tmp_path / "team.db"
    build(path)
    return path


@pytest.fixture
def app(db):
    return app_for(db)


def client_as(app, login, password=PASSWORD):
    client = app.test_client()
    assert sign_in(client, login, password).status_code == 302
    return client


def changes(db):
    """Every table but the sign-in record, which a page load does not touch."""
    found = snapshot(db)
    found.pop("sign_ins")
    return found


def said(page) -> str:
    main = re.search(r"<main.*?</main>", page.text, re.S)
    assert main, page.text[:300]
    text = re.sub(r"<[^>]+>", " ", main.group(0))
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&amp;", "&"))


def summary(page) -> list[str]:
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S)
    assert block, "no error summary"
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip().replace("&#39;", "'")
        for m in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    ]


READ = ["/setup/officers", "/setup/officers?page=1", "/setup/officers/a.approver"]
NEWCOMER = {
    "login": "n.newcomer",
    "name": "Nia Newcomer",
    "roles": "officer,approver",
    "limit": "20000",
    "email": "n.newcomer@example.gov.uk",
} | day("on", "2015-06-01")
# (path, the form a browser would send after checking); each needs the admin role
WRITE = [
    ("/setup/officers/new", {"confirm": "yes"} | NEWCOMER),
    (
        "/setup/officers/a.approver/edit",
        {
            "confirm": "yes",
            "name": "Ada Approver",
            "roles": "officer,approver",
            "limit": "60000",
            "email": "a.approver@example.gov.uk",
        }
        | day("on", "2015-06-01"),
    ),
    (
        "/setup/officers/a.approver/cover",
        {"confirm": "yes", "to": "officer.a", "reason": "annual leave"}
        | day("start", "2015-07-01")
        | day("end", "2015-07-14"),
    ),
    (
        "/setup/officers/o.officer/leave",
        {"confirm": "yes", "reason": "moved to another council"} | day("on", "2015-06-01"),
    ),
    (
        "/setup/officers/o.officer/password",
        {"password": NEW_PASSWORD, "again": NEW_PASSWORD, "sure": "yes"},
    ),
]


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", READ)
def test_admins_and_auditors_read_the_register(app, db, login, path):
    client = client_as(app, login)
    before = changes(db)
    page = client.get(path)
    if {"admin", "auditor"} & set(ROLES[login]):
        assert page.status_code == 200
        assert page.text.count("<h1") == 1
    else:
        assert page.status_code == 403
        assert "This needs the <strong>admin</strong> role" in page.text
        assert "or the <strong>auditor</strong> role" in page.text
    assert changes(db) == before


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize(("path", "form"), WRITE, ids=[w[0] for w in WRITE])
def test_only_an_admin_changes_the_register(app, db, login, path, form):
    client = client_as(app, login)
    before = changes(db)
    shown = client.get(path)
    sent = post(client, path, form)
    if "admin" in ROLES[login]:
        assert shown.status_code == 200
        assert sent.status_code == 302, sent.text[:800]
        assert changes(db) != before
    else:
        for answer in (shown, sent):
            assert answer.status_code == 403
            assert "This needs the <strong>admin</strong> role" in answer.text
            assert "Max Admin (m.admin)" in answer.text
        assert changes(db) == before


def test_an_auditor_reads_the_register_and_sees_no_button_that_writes(app):
    client = client_as(app, "u.auditor")
    for path in READ:
        page = client.get(path)
        assert page.status_code == 200
        assert page.text.count('method="post"') == 1  # the header's sign-out form only
        for verb in ("Register an officer", "Change roles", "Arrange cover", "password", "left<"):
            assert verb not in page.text.split("<main", 1)[1], (path, verb)
        crumbs = re.findall(r'class="govuk-breadcrumbs__link" href="([^"]+)"', page.text)
        assert "/setup" not in crumbs  # Set-up is the admin's


def test_an_approver_registered_with_a_limit_signs_in_with_the_password_set(app, db, caplog):
    caplog.set_level(logging.DEBUG)
    admin = client_as(app, "m.admin")
    check = post(admin, "/setup/officers/new", NEWCOMER)
    assert check.status_code == 200
    assert (
        "Login n.newcomer Full name Nia Newcomer Roles officer, approver Approval limit "
        "£20,000.00 E-mail address n.newcomer@example.gov.uk From 1 June 2015" in said(check)
    )
    assert calloff.open(db).count_officers() == 6  # the account and the team: nothing yet
    done = post(admin, "/setup/officers/new", {"confirm": "yes"} | NEWCOMER)
    assert done.status_code == 302 and done.headers["Location"] == "/setup/officers/n.newcomer"
    page = said(admin.get("/setup/officers/n.newcomer"))
    assert (
        "Registered n.newcomer (Nia Newcomer) from 2015-06-01: officer, approver "
        "(limit £20,000.00)." in page
    )
    assert "Roles officer, approver Approval limit £20,000.00" in page
    assert "n.newcomer Nia Newcomer officer, approver £20,000.00" in said(
        admin.get("/setup/officers")
    )
    with calloff.open(db) as office:
        entry = office.officer_entry("n.newcomer")
        assert (entry.roles, entry.limit, entry.since) == (
            ("officer", "approver"),
            Decimal("20000.00"),
            date(2015, 6, 1),
        )
    # No password yet: they cannot sign in until the admin sets one.
    assert sign_in(app.test_client(), "n.newcomer", NEW_PASSWORD).status_code != 302
    form = {"password": NEW_PASSWORD, "again": NEW_PASSWORD, "sure": "yes"}
    set_it = post(admin, "/setup/officers/n.newcomer/password", form)
    assert set_it.status_code == 302
    assert NEW_PASSWORD not in set_it.headers["Location"]
    shown = admin.get(set_it.headers["Location"])
    assert "Password set for n.newcomer; any session signed in with the old one ends." in said(
        shown
    )
    assert NEW_PASSWORD not in shown.text
    theirs = client_as(app, "n.newcomer", NEW_PASSWORD)
    assert "Nia Newcomer" in theirs.get("/").text
    assert NEW_PASSWORD not in caplog.text
    event = [e for e in calloff.open(db).audit() if e.action == "officer.password"][-1]
    assert (event.officer, event.channel) == ("m.admin", "web")


@pytest.mark.parametrize(
    ("password", "again", "sure", "line"),
    [
        (
            "short one",
            "short one",
            "yes",
            "the password has 9 characters: use at least 12 (three or four unrelated words "
            "make a long password that is easy to remember)",
        ),
        (
            "password1234",
            "password1234",
            "yes",
            "that password is on a list of common passwords that attackers try first: choose "
            "another",
        ),
        (
            NEW_PASSWORD,
            NEW_PASSWORD + "x",
            "yes",
            "The two passwords are not the same: type the new one in both boxes",
        ),
        ("", "", "yes", "Enter the new password"),
        (NEW_PASSWORD, NEW_PASSWORD, "", "Tick the box to set the password for o.officer"),
    ],
)
def test_a_password_refused_is_never_shown_and_nothing_is_written(
    app, db, caplog, password, again, sure, line
):
    caplog.set_level(logging.DEBUG)
    admin = client_as(app, "m.admin")
    before = changes(db)
    form = {"password": password, "again": again, "sure": sure}
    refused = post(admin, "/setup/officers/o.officer/password", form)
    assert refused.status_code == 400
    assert summary(refused) == [line]
    if password:
        assert password not in refused.text and password not in caplog.text
    assert 'value="' + password not in refused.text or not password
    assert changes(db) == before
    assert client_as(app, "o.officer").get("/").status_code == 200  # the old one still works


def test_an_officer_who_leaves_can_no_longer_sign_in(app, db):
    theirs = client_as(app, "o.officer")
    admin = client_as(app, "m.admin")
    form = {"reason": "moved to another council"} | day("on", "2015-06-01")
    check = post(admin, "/setup/officers/o.officer/leave", form)
    assert "Officer Olive Officer (o.officer) Why moved to another council" in said(check)
    assert "govuk-button--warning" in check.text
    done = post(admin, "/setup/officers/o.officer/leave", {"confirm": "yes"} | form)
    assert done.status_code == 302
    page = said(admin.get("/setup/officers/o.officer"))
    assert "o.officer left on 2015-06-01: their rights end from that day." in page
    assert "Status left on 1 June 2015: moved to another council" in page
    assert "Change roles" not in page  # nothing more to change
    # Their open session ended, and they cannot sign in again.
    assert theirs.get("/").status_code == 302
    assert sign_in(app.test_client(), "o.officer").status_code != 302
    assert "left on 1 June 2015" in said(admin.get("/setup/officers"))
    # Leaving twice is refused in the library's words, and nothing is written.
    before = changes(db)
    again = post(admin, "/setup/officers/o.officer/leave", {"confirm": "yes"} | form)
    assert again.status_code == 400
    assert summary(again) == [
        "o.officer left on 2015-06-01: the register keeps their history as it was, so they "
        "cannot be recorded as leaving"
    ]
    assert changes(db) == before


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ({"login": ""}, "Enter their login, such as b.approver"),
        ({"name": ""}, "Enter their full name"),
        ({"roles": ""}, "Choose at least one role"),
        ({"roles": "officer,boss"}, "Choose roles from officer, approver, finance, auditor, admin"),
        (
            {"login": "a.approver"},
            "a.approver is registered already (since 2015-04-01): change them with "
            "`calloff officer edit a.approver`",
        ),
        ({"login": "bad login!"}, None),
        ({"limit": "12,50a"}, None),
        ({"roles": "officer"}, None),  # a limit is an approver's
        ({"limit": ""}, "Give the approver's limit, or tick no limit"),
        ({"no_limit": "yes"}, "Give a limit or tick no limit, not both"),
        (day("on", "2099-01-01"), None),
    ],
)
def test_registering_refused_says_why_in_one_line(app, db, given, line):
    admin = client_as(app, "m.admin")
    before = changes(db)
    refused = post(admin, "/setup/officers/new", {"confirm": "yes"} | NEWCOMER | given)
    assert refused.status_code == 400, refused.text[:500]
    lines = summary(refused)
    assert len(lines) == 1 and lines[0]
    if line is not None:
        assert lines == [line]
    assert "Traceback" not in refused.text
    assert changes(db) == before


def test_an_officer_not_registered_is_not_found(app):
    admin = client_as(app, "m.admin")
    for path in ("/setup/officers/nobody", "/setup/officers/nobody/edit"):
        page = admin.get(path)
        assert page.status_code == 404
        assert "no officer has the login 'nobody'" in page.text.replace("&#39;", "'")


# -- Continue reads every field as the library will ------------------------------------------

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
FUTURE = (
    f"the effective date {TOMORROW} is after today ({date.today()}): a change cannot be dated "
    "in the future"
)
CHANGE = {
    "name": "Ada Approver",
    "roles": "officer,approver",
    "limit": "50000",
    "email": "a.approver@example.gov.uk",
} | day("on", "2015-06-01")


@pytest.mark.parametrize(
    ("path", "form", "field", "line"),
    [
        (
            "/setup/officers/new",
            NEWCOMER | {"login": "bad login!"},
            "login",
            "the login 'bad login!' is not a login: use letters, digits and . _ @ - (at most "
            "64, starting with a letter or digit), such as b.approver",
        ),
        (
            "/setup/officers/new",
            NEWCOMER | {"email": "nia at example"},
            "email",
            "'nia at example' is not an email address: give one such as a.name@example.gov.uk",
        ),
        ("/setup/officers/new", NEWCOMER | day("on", TOMORROW), "on-day", FUTURE),
        (
            "/setup/officers/a.approver/edit",
            CHANGE | {"email": "ada@"},
            "email",
            "'ada@' is not an email address: give one such as a.name@example.gov.uk",
        ),
        (
            "/setup/officers/a.approver/edit",
            CHANGE | {"name": "Ada Approver-Smith"} | day("on", TOMORROW),
            "on-day",
            FUTURE,
        ),
        (
            "/setup/officers/o.officer/leave",
            {"reason": "moved to another council"} | day("on", TOMORROW),
            "on-day",
            FUTURE,
        ),
    ],
)
def test_continue_refuses_what_the_library_would_before_the_check_page(
    app, db, path, form, field, line
):
    """Not "Register bad login!" on a check page and a refusal only after Confirm: the
    login, e-mail and date are read at Continue as the register reads them, refused at the
    field in its words (400), the form filled in again, nothing written."""
    admin = client_as(app, "m.admin")
    before = changes(db)
    refused = post(admin, path, form)
    assert refused.status_code == 400, refused.text[:500]
    assert summary(refused) == [line]
    assert f'href="#{field}"' in refused.text
    assert "Register bad login!" not in refused.text and ">Check<" not in refused.text
    for name in ("login", "email", "reason"):
        if name in form:  # the form comes back as it was filled in
            assert f'value="{form[name]}"' in refused.text.replace("&#39;", "'"), name
    assert changes(db) == before
