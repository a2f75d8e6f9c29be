"""The outbox in the browser, the provider's e-mail address on its set-up pages, and the
server's scheduler: each route for each role (admins and auditors read the messages; the
others get the 403 page), failed messages on admins' home page, and a scheduler round that
lapses an offer past its day and sends the next provider's offer."""

from __future__ import annotations

import re
import socket
from datetime import date

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import snapshot
from tests.messaging import Catcher, mail_for
from tests.test_web_pages import changes, client_as
from tests.workspace import ROLES, TEAM, app_for, build, post


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path):
    """Request 1 offered to Alder Training (no address: undeliverable) on 22 May 2015."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path, officer="o.officer") as office:
        office.allocate(1, on="2015-05-22")
    return path


@pytest.fixture
def app(db):
    return app_for(db)


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize(
    "path", ["/messages", "/messages?status=undeliverable", "/messages?status=failed&page=1"]
)
def test_admins_and_auditors_read_the_outbox(app, db, login, path):
    client = client_as(app, login)
    before = changes(db)
    page = client.get(path)
    if {"admin", "auditor"} & set(ROLES[login]):
        assert page.status_code == 200
        assert page.text.count("<h1") == 1
        if "failed" not in path:
            assert "Offer of call-off LEEDS-RP-2015/CO-00001" in page.text
            assert "no e-mail address" in page.text
    else:
        assert page.status_code == 403
    assert changes(db) == before


def test_a_bad_page_or_status_is_a_404(app):
    client = client_as(app, "m.admin")
    for path in ("/messages?status=lost", "/messages?page=0", "/messages?page=x"):
        assert client.get(path).status_code == 404


def test_failed_messages_are_on_admins_home_page(app, db, monkeypatch):
    with calloff.open(db) as office:
        office.edit_provider(1, email="bookings@alder.example", on="2015-05-01")
        store = office.service.store
        with store.transaction():
            m = store.outbox.messages()[0]
            store.outbox.failed_try(m.id, "SMTPRecipientsRefused: 550 no such mailbox", None)
    admin = client_as(app, "m.admin").get("/").text
    assert "1 message could not be sent after the last try." in admin
    assert 'href="/messages?status=failed"' in admin
    officer = client_as(app, "o.officer").get("/").text
    assert "could not be sent" not in officer
    listed = client_as(app, "u.auditor").get("/messages?status=failed").text
    assert "550 no such mailbox" in listed


def test_an_admin_records_a_providers_email_address(app, db):
    admin = client_as(app, "m.admin")
    form = {"email": "bookings@alder.example", "on-day": "1", "on-month": "6", "on-year": "2015"}
    check = post(admin, "/setup/providers/1/edit", form)
    assert check.status_code == 200 and "bookings@alder.example" in check.text
    done = post(admin, "/setup/providers/1/edit", {"confirm": "yes"} | form)
    assert done.status_code == 302
    assert "bookings@alder.example" in admin.get("/setup/providers/1").text
    before = snapshot(db)
    bad = post(admin, "/setup/providers/1/edit", form | {"email": "alder at example"})
    assert bad.status_code == 400
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', bad.text, re.S).group(1)
    assert "is not an email address" in summary and 'href="#email"' in summary
    assert snapshot(db) == before
    with calloff.open(db) as office:
        assert office.provider(1).email == "bookings@alder.example"


def test_a_scheduler_round_lapses_the_offer_and_sends_the_next(db):
    """Offered on Friday 22 May 2015, to answer by Thursday 28 May: on Friday 29 May the
    round lapses it, and Birch's offer goes out."""
    from aiosmtpd.controller import Controller

    from calloff.web.worker import Scheduler

    with calloff.open(db) as office:
        office.edit_provider(2, email="offers@birch.example", on="2015-05-01")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        scheduler = Scheduler(db, mail_for(port))
        lapsed, done = scheduler.round(on=date(2015, 5, 28))
        assert (lapsed, done.sent) == (0, 0)  # Alder has no address: undeliverable
        lapsed, done = scheduler.round(on=date(2015, 5, 29))
        assert (lapsed, done.sent) == (1, 1)
    finally:
        controller.stop()
    (offer,) = catcher.to("offers@birch.example")
    assert offer["Subject"].startswith("Offer of call-off LEEDS-RP-2015/CO-00002")
    with calloff.open(db) as office:
        assert office.calloff(1).status == "lapsed" and office.calloff(2).status == "offered"
