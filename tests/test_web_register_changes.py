"""Set-up in the browser, the register of officers, continued: a limit raised from
£50,000.00 to £60,000.00 with its history, changes refused in one line, cover while an
approver is away (past cover on the officer's page, cover to come on the list too), and the
register paged at 50."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

import calloff
from calloff.domain import passwords
from tests.test_web_register import changes, client_as, said, summary
from tests.workspace import app_for, build, day, post


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


def test_a_limit_raised_with_its_history(app, db):
    admin = client_as(app, "m.admin")
    edit = admin.get("/setup/officers/a.approver/edit")
    assert 'value="50000.00"' in edit.text and 'value="approver" checked' in edit.text
    form = {
        "name": "Ada Approver",
        "roles": "officer,approver",
        "limit": "60,000.00",
        "email": "a.approver@example.gov.uk",
    } | day("on", "2015-06-01")
    check = post(admin, "/setup/officers/a.approver/edit", form)
    assert "Approval limit £60,000.00 (was £50,000.00) From 1 June 2015" in said(check)
    done = post(admin, "/setup/officers/a.approver/edit", {"confirm": "yes"} | form)
    assert done.status_code == 302
    page = said(admin.get("/setup/officers/a.approver"))
    assert "a.approver from 2015-06-01: officer, approver, limit £60,000.00." in page
    assert "1 April 2015 Ada Approver officer, approver £50,000.00" in page
    assert "1 June 2015 Ada Approver officer, approver £60,000.00" in page
    assert calloff.open(db).officer_entry("a.approver").limit == Decimal("60000.00")


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ({}, "Change at least one of the name, roles, approval limit or e-mail"),
        ({"roles": ""}, "Tick at least one role (to end their rights, record that they left)"),
        ({"limit": "1e5"}, None),
        (
            day("on", "2015-03-01") | {"limit": "60000"},
            "2015-03-01 is before a.approver's last entry in the register, dated 2015-04-01: "
            "date this change on or after it",
        ),
        ({"email": "not an address"}, None),
        (
            day("on", "2015-13-01"),
            "The date the change applies from must be a real date, such as 1 6 2015",
        ),
    ],
)
def test_a_change_refused_says_why_in_one_line(app, db, given, line):
    admin = client_as(app, "m.admin")
    before = changes(db)
    form = {
        "confirm": "yes",
        "name": "Ada Approver",
        "roles": "officer,approver",
        "limit": "50000.00",
        "email": "a.approver@example.gov.uk",
    } | day("on", "2015-06-01")
    refused = post(admin, "/setup/officers/a.approver/edit", form | given)
    assert refused.status_code == 400
    lines = summary(refused)
    assert len(lines) == 1 and lines[0]
    if line is not None:
        assert lines == [line]
    assert changes(db) == before


def test_cover_while_an_approver_is_away(app, db):
    admin = client_as(app, "m.admin")
    past = {"to": "officer.a", "reason": "annual leave"}
    past |= day("start", "2015-07-01") | day("end", "2015-07-14")
    check = post(admin, "/setup/officers/a.approver/cover", past)
    assert (
        "Away Ada Approver (a.approver), limit £50,000.00 Who covers officer.a From "
        "1 July 2015 Until 14 July 2015 Reason annual leave" in said(check)
    )
    done = post(admin, "/setup/officers/a.approver/cover", {"confirm": "yes"} | past)
    assert done.status_code == 302
    page = said(admin.get("/setup/officers/a.approver"))
    assert "officer.a covers for a.approver from 2015-07-01 to 2015-07-14." in page
    assert "a.approver officer.a 1 July 2015 14 July 2015 past annual leave" in page
    soon = date.today() + timedelta(days=30)
    later = {"to": "officer.a"} | day("start", soon.isoformat())
    later |= day("end", (soon + timedelta(days=6)).isoformat())
    assert (
        post(admin, "/setup/officers/a.approver/cover", {"confirm": "yes"} | later).status_code
        == 302
    )
    listed = said(admin.get("/setup/officers"))
    when = f"{soon.day} {soon:%B %Y}"
    assert f"officer.a covers, {when}" in listed
    assert f"covers for a.approver, {when}" in listed
    assert "1 July 2015" not in listed  # cover that has ended is on the officer's page only
    assert [d.delegate for d in calloff.open(db).delegations()] == ["officer.a", "officer.a"]


def test_cover_refused_in_the_librarys_words(app, db):
    admin = client_as(app, "m.admin")
    before = changes(db)
    form = {"confirm": "yes", "to": "o.officer"}
    form |= day("start", "2015-07-01") | day("end", "2015-07-14")
    refused = post(admin, "/setup/officers/a.approver/cover", form)
    assert refused.status_code == 400
    assert summary(refused) == [
        "o.officer is not an approver on 2015-07-01: cover lends one approver's limit to "
        "another while the first is away: an admin grants the role with `calloff officer "
        "edit o.officer --add-role approver --limit MONEY`"
    ]
    swapped = form | {"to": "officer.a"} | day("start", "2015-07-14") | day("end", "2015-07-01")
    refused = post(admin, "/setup/officers/a.approver/cover", swapped)
    assert summary(refused) == ["--until 2015-07-01 is before --from 2015-07-14: swap them"]
    assert 'href="#end-day"' in refused.text
    empty = post(admin, "/setup/officers/a.approver/cover", {"confirm": "yes"})
    assert summary(empty) == [
        "Choose who covers",
        "Enter the first day of cover",
        "Enter the last day of cover",
    ]
    assert changes(db) == before


def test_the_register_pages_at_50(app, db):
    with calloff.open(db) as office:
        for n in range(60):
            office.add_officer(
                f"t.temp{n:02}", name=f"Temp {n}", roles=["officer"], on="2015-04-01"
            )
    admin = client_as(app, "m.admin")
    first = admin.get("/setup/officers")
    assert first.text.count('<tr class="govuk-table__row">') == 51  # the head and 50
    assert "66 officers, 1 to 50 shown" in said(first)
    assert 'href="/setup/officers?page=2"' in first.text and "govuk-pagination" in first.text
    second = admin.get("/setup/officers?page=2")
    assert second.text.count('<tr class="govuk-table__row">') == 17
    assert "66 officers, 51 to 66 shown" in said(second)
    assert "u.auditor" in second.text and "a.approver" not in second.text
    for bad in ("0", "x", "-1", "99999999999999999999999"):
        assert admin.get(f"/setup/officers?page={bad}").status_code == 404


def test_an_approver_added_needs_a_limit_or_no_limit_ticked(app, db):
    admin = client_as(app, "m.admin")
    before = changes(db)
    form = {
        "confirm": "yes",
        "name": "Olive Officer",
        "roles": "officer,approver",
        "email": "o.officer@example.gov.uk",
    } | day("on", "2015-06-01")
    refused = post(admin, "/setup/officers/o.officer/edit", form)
    assert refused.status_code == 400
    assert summary(refused) == ["Give the approver's limit, or tick no limit"]
    assert changes(db) == before
    done = post(admin, "/setup/officers/o.officer/edit", form | {"no_limit": "yes"})
    assert done.status_code == 302
    assert "o.officer from 2015-06-01: officer, approver, limit no limit." in said(
        admin.get("/setup/officers/o.officer")
    )
    assert calloff.open(db).officer_entry("o.officer").limit is None
