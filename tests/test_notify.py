"""Messages (docs/messages.md): each event that needs a person writes its message in its own
transaction, to the right people and no one else, and a refused action writes none; the
reminders a day brings are written once; the outbox is sent by SMTP (a local aiosmtpd
server) each message once, retried with back-off and failed after the last try; a message
is not lost when the sender dies between sending and marking it sent.

Dates worked by hand (Leeds, 3 working days to answer): an offer made on Friday 22 May 2015
must be answered by Thursday 28 May (Monday 25 May is the spring bank holiday), so its
reminder goes on Wednesday 27 May and it lapses at the end of Thursday 28 May, when the
next rank's offer goes out.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, date, datetime, timedelta

import pytest

import calloff
from calloff.api import mail_settings
from calloff.domain import passwords
from tests.conftest import snapshot
from tests.messaging import LEEDS, Catcher, mail_for
from tests.workspace import build

ALDER, BIRCH = "bookings@alder.example", "offers@birch.example"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path):
    """Leeds with the team (tests.workspace), both providers with e-mail addresses."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path) as office:
        office.edit_provider(1, email=ALDER, on="2015-04-01")
        office.edit_provider(2, email=BIRCH, on="2015-04-01")
    return path


@pytest.fixture
def smtp():
    """A local SMTP server on a free port: (its port, what it caught)."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, catcher
    controller.stop()


def outbox(db, status=None):
    with calloff.open(db) as office:
        return [(m.kind, m.recipient, m.address) for m in reversed(office.messages(status=status))]


def as_officer(db, login="o.officer"):
    return calloff.open(db, officer=login)


def test_an_offer_tells_the_provider_and_the_answer_tells_the_raiser(db):
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    assert outbox(db) == [("offer", "provider 1", ALDER)]
    with as_officer(db) as office:
        office.decline(1, reason="fully booked", on="2015-05-26")
    # The raiser of request 1 is the account that built the workspace (officer.a); the
    # cascade's offer goes to Birch, the next rank.
    assert outbox(db)[1:] == [
        ("declined", "officer officer.a", None),
        ("offer", "provider 2", BIRCH),
    ]
    with as_officer(db) as office:
        office.accept(2, on="2015-05-27")
    assert outbox(db)[3:] == [("accepted", "officer officer.a", None)]
    with calloff.open(db) as office:
        waiting = office.messages(status="undeliverable")
    # officer.a has no e-mail address: listed as undeliverable, never dropped.
    assert [m.kind for m in waiting] == ["accepted", "declined"]


def test_a_call_off_over_the_threshold_tells_the_approvers_whose_limit_covers_it(db):
    """30 days at £1,000.00 is £30,000.00, over Leeds' £25,000.00 threshold: a.approver
    (limit £50,000.00) and officer.a (no limit) are told; o.officer raised it and is not."""
    with as_officer(db) as office:
        r = office.add_request(
            lot=4, title="A long programme", start="2015-07-01", quantity=30, unit="day",
            on="2015-05-01",
        )  # fmt: skip
        assert office.allocate(r.id, on="2015-05-22").calloff.status == "awaiting_approval"
    assert outbox(db) == [
        ("approval", "officer officer.a", None),
        ("approval", "officer a.approver", "a.approver@example.gov.uk"),
    ]
    with as_officer(db, "a.approver") as office:
        office.approve(1, on="2015-05-26")
    assert outbox(db)[2:] == [
        ("approved", "officer o.officer", "o.officer@example.gov.uk"),
        ("offer", "provider 1", ALDER),
    ]


def test_an_approver_whose_limit_falls_short_is_not_told(db):
    """£60,000.00 is over a.approver's £50,000.00: only officer.a (no limit) is told; a
    rejection then tells the raiser."""
    with as_officer(db) as office:
        r = office.add_request(
            lot=4, title="A longer programme", start="2015-07-01", quantity=60, unit="day",
            on="2015-05-01",
        )  # fmt: skip
        office.allocate(r.id, on="2015-05-22")
    assert outbox(db) == [("approval", "officer officer.a", None)]
    with calloff.open(db) as office:
        office.reject(1, reason="not this year", on="2015-05-26")
    assert outbox(db)[1:] == [("rejected", "officer o.officer", "o.officer@example.gov.uk")]


def test_a_refused_action_writes_no_message(db):
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    before = snapshot(db)
    with as_officer(db) as office:
        with pytest.raises(calloff.CalloffError):
            office.accept(1, on="2015-05-21")  # before the offer was made
        with pytest.raises(calloff.CalloffError):
            office.decline(1, reason="x" * 501, on="2015-05-26")
    with as_officer(db, "f.finance") as office, pytest.raises(calloff.NotAuthorised):
        office.decline(1, reason="busy", on="2015-05-26")
    assert snapshot(db) == before


def test_a_rehearsal_writes_no_message(db):
    with as_officer(db) as office:
        office.rehearse("allocate", 1, on="2015-05-22")
    assert outbox(db) == []


def test_the_reminder_and_the_lapse_fall_on_the_days_worked_by_hand(db):
    with as_officer(db) as office:
        offer = office.allocate(1, on="2015-05-22").calloff
    with calloff.open(db) as office:  # the server's account (an admin) writes reminders
        assert str(offer.respond_by) == "2015-05-28"  # Mon 25 May 2015 is a bank holiday
        assert office.remind(on="2015-05-26") == 0
        assert office.remind(on="2015-05-27") == 1
        assert office.remind(on="2015-05-27") == 0  # written once, however often asked
        assert office.remind(on="2015-05-28") == 0
        assert office.lapse(on="2015-05-28") == []
        lapsed = office.lapse(on="2015-05-29")
        assert [(x.lapsed.id, x.outcome.provider.name) for x in lapsed] == [
            (1, "Birch Practice Ltd")
        ]
    assert outbox(db) == [
        ("offer", "provider 1", ALDER),
        ("reminder", "provider 1", ALDER),
        ("lapsed", "officer officer.a", None),
        ("lapsed", "provider 1", ALDER),
        ("offer", "provider 2", BIRCH),
    ]
    with calloff.open(db) as office:
        subjects = [m.subject for m in reversed(office.messages())]
    assert subjects[1] == (
        "Reminder: please answer the offer of LEEDS-RP-2015/CO-00001, Deep-dive days for "
        "social workers by Thursday 28 May 2015"
    )


def test_a_provider_with_no_address_is_listed_undeliverable(db):
    with calloff.open(db) as office:
        office.edit_provider(1, email="", on="2015-05-01")
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    with calloff.open(db) as office:
        (m,) = office.messages()
        assert (m.kind, m.status, m.address) == ("offer", "undeliverable", None)
        assert office.message_counts()["undeliverable"] == 1


def test_the_term_ending_and_a_publication_due_tell_the_admins(tmp_path):
    """Leeds' term ends on 31 March 2016 with two extensions left: on 15 January 2016,
    76 days before, admins are told (and only once); a definition's publishing contact is
    told of publications due."""
    text = LEEDS.read_text(encoding="utf-8").replace(
        "practitioners_target = 6000",
        'practitioners_target = 6000\npublishing_contact = "transparency@example.gov.uk"',
    )
    definition = tmp_path / "leeds.toml"
    definition.write_text(text, encoding="utf-8")
    db = tmp_path / "t.db"
    build(db, definition)
    with calloff.open(db) as office:
        assert office.framework.publishing_contact == "transparency@example.gov.uk"
        office.remind(on="2015-12-31")  # 91 days before the end: not yet
        before = {(m.kind, m.recipient) for m in office.messages()}
        assert ("term", "officer m.admin") not in before
        new = office.remind(on="2016-01-15")
        found = [(m.kind, m.recipient) for m in office.messages() if m.kind == "term"]
        assert sorted(found) == [("term", "officer m.admin"), ("term", "officer officer.a")]
        assert new >= 2 and office.remind(on="2016-01-16") == 0
        due = [m for m in office.messages() if m.kind == "publication"]
        assert {m.recipient for m in due} >= {"publishing contact", "officer m.admin"}
        assert all(m.recipient != "officer o.officer" for m in due)


# -- sending -----------------------------------------------------------------------------


def test_each_message_is_sent_once_with_its_message_id(db, smtp):
    port, caught = smtp
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    with calloff.open(db) as office:
        done = office.send_messages(on="2015-05-22", mail=mail_for(port))
        assert (done.sent, done.failed, done.waiting) == (1, 0, 0)
        again = office.send_messages(on="2015-05-22", mail=mail_for(port))
        assert again.sent == 0
        (m,) = office.messages()
        assert m.status == "sent" and m.sent_at is not None
    (message,) = caught.messages
    assert message["Message-ID"] == f"<{m.message_id}@example.gov.uk>"
    assert message["To"] == "Alder Training <bookings@alder.example>"
    assert message["From"] == "Leeds City Council <procurement@example.gov.uk>"
    text = Catcher.text(message)
    assert "Please answer by the end of Thursday 28 May 2015" in text
    assert "http://calloff.test/offer/" in text
    # The provider's order comes with it; never a rank, the headroom or the ceiling.
    assert "Call-off order LEEDS-RP-2015/CO-00001" in text
    assert "Birch" not in text
    for secret in ("rank", "headroom", "ceiling"):
        assert secret not in text.lower()
    names = [p.get_filename() for p in message.iter_attachments()]
    assert names == ["order-1.html"]
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Answer the offer" in html and "<script" not in html
    # Once sent, the outbox no longer holds the link in clear; the records still add up.
    with calloff.open(db) as office:
        assert office.service.store.outbox.message(m.id).link_token is None
        check = office.verify_audit()
        assert check.ok, check.problem


def test_a_failing_server_is_tried_again_with_back_off_then_failed(db, smtp):
    port, caught = smtp
    caught.refuse = True
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    waits = [0, 1, 5, 15, 60]  # minutes after each try before the next is due
    moment = start
    with calloff.open(db) as office:
        for tries, wait in enumerate(waits, start=1):
            moment += timedelta(minutes=wait)
            if tries > 1:  # a second before the next try is due, nothing is tried
                early = office.send_messages(
                    on="2015-05-22", mail=mail_for(port), now=moment - timedelta(seconds=1)
                )
                assert early.failed == 0
            done = office.send_messages(on="2015-05-22", mail=mail_for(port), now=moment)
            assert done.failed == 1, tries
            (m,) = office.messages()
            assert m.attempts == tries
            assert m.status == ("failed" if tries == 5 else "pending")
            assert "451" in m.last_error
        assert done.gave_up == 1
        assert [x.kind for x in office.messages(status="failed")] == ["offer"]
        later = office.send_messages(
            on="2015-05-22", mail=mail_for(port), now=moment + timedelta(days=1)
        )
        assert later.failed == 0 and later.sent == 0
    assert caught.messages == []


def test_a_sender_killed_after_sending_sends_it_again_with_the_same_message_id(
    db, smtp, monkeypatch
):
    """The server accepted the message, then the process died before marking it sent: the
    next run (once the claim has run out) sends it again, with the same Message-ID."""
    from calloff.store.outbox import Outbox

    port, caught = smtp
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")

    def killed(self, message_id, at):
        raise SystemExit("killed")

    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with monkeypatch.context() as patched:
        patched.setattr(Outbox, "sent", killed)
        with calloff.open(db) as office, pytest.raises(SystemExit):
            office.send_messages(on="2015-05-22", mail=mail_for(port), now=now)
    assert len(caught.messages) == 1
    with calloff.open(db) as office:
        soon = office.send_messages(on="2015-05-22", mail=mail_for(port), now=now)
        assert soon.sent == 0  # still claimed by the run that died
        done = office.send_messages(
            on="2015-05-22", mail=mail_for(port), now=now + timedelta(minutes=11)
        )
        assert done.sent == 1
        (m,) = office.messages()
        assert m.status == "sent"
    assert len(caught.messages) == 2
    first, second = caught.messages
    assert first["Message-ID"] == second["Message-ID"] == f"<{m.message_id}@example.gov.uk>"


def test_no_smtp_host_sends_nothing_and_keeps_every_message(db):
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    with calloff.open(db) as office:
        done = office.send_messages(on="2015-05-22", mail=mail_settings({}))
        assert (done.sent, done.waiting) == (0, 1)


def test_the_outbox_is_for_admins_and_auditors(db):
    for login, allowed in [("u.auditor", True), ("m.admin", True), ("o.officer", False)]:
        with calloff.open(db, officer=login) as office:
            if allowed:
                assert office.messages() == []
            else:
                with pytest.raises(calloff.NotAuthorised, match="for admins and auditors"):
                    office.messages()


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        ({"CALLOFF_SMTP_PORT": "smtp"}, "CALLOFF_SMTP_PORT='smtp': give a port number from 1"),
        ({"CALLOFF_SMTP_STARTTLS": "yes"}, "CALLOFF_SMTP_STARTTLS='yes': give 1"),
        ({"CALLOFF_MAIL_FROM": "procurement"}, "CALLOFF_MAIL_FROM='procurement': give the"),
        ({"CALLOFF_BASE_URL": "calloff.example"}, "must start with https://"),
    ],
)
def test_bad_mail_settings_are_one_line_and_exit_1(db, environ, said, monkeypatch):
    from click.testing import CliRunner

    from calloff import cli

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    before = snapshot(db)
    result = CliRunner().invoke(cli.main, ["--db", str(db), "notify", "send"])
    assert result.exit_code == 1, result.output
    assert said in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert snapshot(db) == before


def test_the_command_sends_and_lists(db, smtp, tmp_path, monkeypatch):
    """`notify send` for cron, its settings from a configuration file; `notify list
    --failed --json` for what could not be sent."""
    from click.testing import CliRunner

    from calloff import cli

    port, caught = smtp
    config = tmp_path / "calloff.conf"
    config.write_text(
        "# the council's relay\n"
        f"CALLOFF_SMTP_HOST=127.0.0.1\nCALLOFF_SMTP_PORT={port}\nCALLOFF_SMTP_STARTTLS=0\n"
        "CALLOFF_MAIL_FROM=procurement@example.gov.uk\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CALLOFF_CONFIG", str(config))
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    run = CliRunner()
    sent = run.invoke(cli.main, ["--db", str(db), "notify", "send", "--on", "2015-05-22"])
    assert sent.exit_code == 0, sent.output
    assert (
        "Sent 1, failed 0; the outbox holds 0 undeliverable (no address) and 0 waiting; 0 new "
        "reminder(s)." in sent.output
    )
    assert len(caught.messages) == 1
    listed = run.invoke(cli.main, ["--db", str(db), "notify", "list", "--json"])
    (item,) = json.loads(listed.output)
    assert (item["kind"], item["to"], item["status"]) == ("offer", "provider 1", "sent")
    assert "link" not in json.dumps(item).lower().replace("linked", "")
    failed = run.invoke(cli.main, ["--db", str(db), "notify", "list", "--failed"])
    assert failed.exit_code == 0 and failed.output.strip() == "No such messages."


# -- competitions ------------------------------------------------------------------------


def test_a_competition_invites_reminds_and_sends_each_bidder_its_own_letter(tmp_path, smtp):
    """Competition 1 of tests/test_web_competitions.py: Alder, Birch, Cedar and Elm are
    invited (Damson, suspended, is passed over and not told); on Tuesday 19 May, the working
    day before it closes, Alder and Elm, who have not answered, are reminded; Cedar wins on
    21 May. Each bidder gets its own letter, which names no other loser's result."""
    from tests.test_web_competitions import definition

    port, caught = smtp
    db = tmp_path / "team.db"
    build(db, definition(tmp_path))
    emails = {
        1: ALDER,
        2: BIRCH,
        3: "bids@cedar.example",
        4: "hello@damson.example",
        5: "elm@elm.example",
    }
    with calloff.open(db) as office:
        for name in ("Cedar Conferencing", "Damson CIC", "Elm Circle CIC"):
            office.add_provider(name, on="2015-04-01")
        for pid, address in emails.items():
            office.edit_provider(pid, email=address, on="2015-04-01")
        office.set_ranking(lot=4, providers=[1, 2, 3, 4, 5], on="2015-04-02")
        office.suspend(4, reason="insurance lapsed", on="2015-04-02")
        office.add_request(
            lot=4, title="Facilitator skills", start="2015-07-01", value="2000", on="2015-05-02"
        )
        office.open_competition(
            2, closes="2015-05-20", weights="quality=65,price=35", on="2015-05-05"
        )
        assert [r for _, r, _ in outbox(db)] == [
            "provider 1",
            "provider 2",
            "provider 3",
            "provider 5",
        ]
        office.bid(1, provider=1, price="5400", scores={"quality": 70}, on="2015-05-11")
        office.bid(1, provider=2, price="4800", scores={"quality": "62.5"}, on="2015-05-11")
        office.bid(1, provider=3, price="6000", scores={"quality": 85}, on="2015-05-11")
        assert office.remind(on="2015-05-18") == 0
        assert office.remind(on="2015-05-19") == 1  # Elm alone has not answered
        office.no_bid(1, provider=5, reason="no trainers free", on="2015-05-19")
        office.award(1, on="2015-05-21")
        office.send_messages(on="2015-05-21", mail=mail_for(port))
    kinds = [(k, r) for k, r, _ in outbox(db)]
    assert kinds[4] == ("closing", "provider 5")
    letters = [r for k, r in kinds if k == "letter"]
    assert sorted(letters) == ["provider 1", "provider 2", "provider 3"]
    assert ("offer", "provider 3") in kinds
    # Birch's is the lowest price, not the winner's: no letter gives price points or totals.
    for address, own, other, others_points in [
        (ALDER, "45.50", "Birch Practice Ltd", "40.63"),
        (BIRCH, "40.63", "Alder Training", "45.50"),
    ]:
        (letter,) = [m for m in caught.to(address) if "Outcome" in m["Subject"]]
        text = Catcher.text(letter)
        assert own in text and "Cedar Conferencing" in text  # its own result, and the winner
        assert other not in text and others_points not in text, address
        assert "83.25" not in text and "Price points are withheld" in text, address
    assert not caught.to("hello@damson.example")


def test_a_councils_own_template_words_the_message(db, smtp, tmp_path):
    port, caught = smtp
    own = tmp_path / "own" / "messages"
    own.mkdir(parents=True)
    (own / "offer.txt.j2").write_text(
        "Hello {{ name }}: {{ m.reference }} is yours if you want it, by "
        "{{ m.respond_by | day }}.\n\n{{ link }}\n",
        encoding="utf-8",
    )
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    with calloff.open(db) as office:
        office.send_messages(on="2015-05-22", mail=mail_for(port), templates=own.parent)
    (message,) = caught.messages
    text = Catcher.text(message)
    assert text.startswith(
        "Hello Alder Training: LEEDS-RP-2015/CO-00001 is yours if you want it, by Thursday "
        "28 May 2015."
    )
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello Alder Training" in html and "Answer the offer" in html


def test_reminders_are_an_admins_and_never_for_a_day_to_come(db):
    before = snapshot(db)
    with as_officer(db, "u.auditor") as office:
        with pytest.raises(calloff.NotAuthorised, match="is not an admin"):
            office.remind(on="2015-05-27")
        with pytest.raises(calloff.NotAuthorised, match="is not an admin"):
            office.send_messages(on="2015-05-27", mail=mail_settings({}))
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    written_once = "reminders are written once the day"
    with calloff.open(db) as office, pytest.raises(calloff.InvalidInput, match=written_once):
        office.remind(on=tomorrow)
    assert snapshot(db) == before


def test_an_offer_that_moved_on_before_it_was_sent_is_superseded(db, smtp):
    """Offered on 22 May, lapsed on 29 May before any run: Alder's offer and reminder are
    not sent (superseded), the lapse notice is; Birch's new offer goes out."""
    port, caught = smtp
    with as_officer(db) as office:
        office.allocate(1, on="2015-05-22")
    with calloff.open(db) as office:
        office.remind(on="2015-05-27")
        office.lapse(on="2015-05-29")
        done = office.send_messages(on="2015-05-29", mail=mail_for(port))
        assert (done.sent, done.failed) == (2, 0)
        kept = {(m.kind, m.recipient): m for m in office.messages()}
    assert kept[("offer", "provider 1")].status == "superseded"
    assert kept[("reminder", "provider 1")].last_error == "not sent: call-off 1 was lapsed first"
    assert kept[("lapsed", "provider 1")].status == "sent"
    assert kept[("offer", "provider 2")].status == "sent"
    assert [m["Subject"].split(":")[0] for m in caught.to(ALDER)] == ["Offer lapsed"]


def test_a_route_that_is_down_stops_the_run_after_one_try(db):
    """Nothing listens on the port: the first message's try fails, and the others are
    not tried (one connection attempt in all); each waits for its next try."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens
    with as_officer(db) as office:
        for n in range(3):
            r = office.add_request(
                lot=4, title=f"Day {n}", start="2015-07-01", quantity=1, unit="day",
                on="2015-05-01",
            )  # fmt: skip
            office.allocate(r.id, on="2015-05-22")
    tries = []

    def connect(*args, **kwargs):
        import smtplib

        tries.append(args)
        return smtplib.SMTP(*args, **kwargs)

    from calloff.notify.sending import send_outbox

    with calloff.open(db) as office:
        done = send_outbox(office.service, mail_for(port), connect=connect)
        assert (done.sent, done.failed) == (0, 3)
        assert len(tries) == 1
        attempts = {m.attempts for m in office.messages(status="pending")}
    assert attempts == {1}


def test_gov_uk_notify_sends_through_its_api(db, tmp_path):
    """With a Notify key and template, a message goes to Notify's API: a JWT signed with
    the key's secret, the template's ((subject)) and ((body)), the message id as its
    reference. A local server stands in for Notify."""
    import base64
    import hashlib
    import hmac
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    service = "26785a09-ab16-4eb0-8407-a37497a57506"
    secret = "3d844edf-8d35-48ac-975b-e847b4f122b0"
    template = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    got: list[tuple[dict, dict]] = []

    class Fake(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            got.append((dict(self.headers), body))
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}')

        def log_message(self, *args):
            return None

    server = HTTPServer(("127.0.0.1", 0), Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        mail = mail_settings(
            {
                "CALLOFF_NOTIFY_API_KEY": f"calloff_live-{service}-{secret}",
                "CALLOFF_NOTIFY_TEMPLATE_ID": template,
                "CALLOFF_NOTIFY_URL": f"http://127.0.0.1:{server.server_port}",
                "CALLOFF_BASE_URL": "http://calloff.test",
            }
        )
        assert mail.route == "notify"
        with as_officer(db) as office:
            office.allocate(1, on="2015-05-22")
        with calloff.open(db) as office:
            done = office.send_messages(on="2015-05-22", mail=mail)
            (m,) = office.messages()
        assert (done.sent, done.route, m.status) == (1, "notify", "sent")
    finally:
        server.shutdown()
    ((headers, body),) = got
    assert body["email_address"] == ALDER and body["template_id"] == template
    assert body["reference"] == m.message_id
    assert body["personalisation"]["subject"] == m.subject
    assert "http://calloff.test/offer/" in body["personalisation"]["body"]
    token = headers["Authorization"].removeprefix("Bearer ")
    head, claims, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{head}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "==") == expected
    assert json.loads(base64.urlsafe_b64decode(claims + "=="))["iss"] == service


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        ({"CALLOFF_NOTIFY_API_KEY": "not-a-key"}, "the GOV.UK Notify API key is not one"),
        (
            {
                "CALLOFF_NOTIFY_API_KEY": "k-26785a09-ab16-4eb0-8407-a37497a57506-"
                "3d844edf-8d35-48ac-975b-e847b4f122b0"
            },
            "CALLOFF_NOTIFY_TEMPLATE_ID: give the id",
        ),
    ],
)
def test_bad_notify_settings_are_one_line(db, environ, said, monkeypatch):
    from click.testing import CliRunner

    from calloff import cli

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli.main, ["--db", str(db), "notify", "send"])
    assert result.exit_code == 1 and said in result.output
    assert "3d844edf" not in result.output  # the secret is never repeated
