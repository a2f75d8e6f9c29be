"""A provider answers an offer through the link in its offer message (docs/messages.md):
it works once, for that offer, until the end of its respond-by day; a used, expired,
lapsed or forged link changes nothing; the answer is the provider's, "via link", with the
address it came from; when the provider and an officer answer at the same moment, exactly
one is recorded and the other is told. The page shows what the provider's order shows and
never a rank, the headroom, the ceiling or another provider.
"""

from __future__ import annotations

import re
import threading

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import snapshot
from tests.messaging import build_today
from tests.workspace import app_for, build


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


def token_of(db, calloff_id: int = 1) -> str:
    """The link token in the offer's unsent message (the outbox's own record: no
    officer sees it through the library)."""
    with calloff.open(db) as office:
        for m in office.service.store.outbox.messages():
            if m.kind == "offer" and m.payload["calloff"] == calloff_id:
                assert m.link_token
                return m.link_token
    raise AssertionError("no offer message")


@pytest.fixture
def db(tmp_path):
    """A framework in force today; request 1 offered today to Alder Training."""
    path = tmp_path / "today.db"
    build_today(path)
    with calloff.open(path, officer="o.officer") as office:
        office.allocate(1)
    return path


def words(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text)


def page_and_token(client, path):
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return page, found.group(1) if found else ""


def test_accept_works_once_and_is_the_providers(db):
    token = token_of(db)
    with calloff.open(db) as office:
        done = office.answer_offer(token, accept=True, address="203.0.113.7")
        assert done.calloff.status == "accepted" and done.state == "used"
        event = office.audit(calloff=1)[-1]
        assert (event.action, event.officer, event.channel) == (
            "calloff.accept",
            "Alder Training",
            "link",
        )
        assert event.after == {"status": "accepted", "via": "link", "from": "203.0.113.7"}
        before = snapshot(db)
        with pytest.raises(calloff.WrongStatus, match="already been used"):
            office.answer_offer(token, accept=True, address="203.0.113.7")
        with pytest.raises(calloff.WrongStatus, match="already been used"):
            office.answer_offer(token, accept=False, reason="changed our mind", address="x")
    assert snapshot(db) == before
    with calloff.open(db) as office:
        told = [(m.kind, m.recipient) for m in office.messages()]
    assert told[0] == ("accepted", "officer o.officer")


def test_a_decline_through_the_link_cascades_and_sends_the_next_offer(db):
    token = token_of(db)
    with calloff.open(db) as office:
        office.answer_offer(token, accept=False, reason="fully booked", address="192.0.2.4")
        assert office.calloff(1).status == "declined"
        assert office.calloff(2).provider_id == 2
        told = [(m.kind, m.recipient) for m in reversed(office.messages())]
    assert told[-2:] == [("declined", "officer o.officer"), ("offer", "provider 2")]


def test_a_forged_or_mistyped_token_changes_nothing(db):
    before = snapshot(db)
    with calloff.open(db) as office:
        for forged in ("a" * 43, token_of(db)[:-1], "", "x"):
            with pytest.raises(calloff.NotFound, match="this link is not known"):
                office.answer_offer(forged, accept=True, address="192.0.2.4")
    assert snapshot(db) == before


def test_an_officer_who_answered_first_leaves_the_link_nothing_to_do(db):
    token = token_of(db)
    with calloff.open(db, officer="o.officer") as office:
        office.decline(1, reason="the provider phoned to say no")
    before = snapshot(db)
    with calloff.open(db) as office:
        assert office.offer_link(token).state == "answered"
        with pytest.raises(calloff.WrongStatus, match="already answered: it was declined"):
            office.answer_offer(token, accept=True, address="192.0.2.4")
    assert snapshot(db) == before


def test_an_expired_link_and_a_lapsed_offer_change_nothing(tmp_path):
    """Leeds in 2015: the offer of 22 May had to be answered by 28 May 2015, long ago."""
    db = tmp_path / "t.db"
    build(db)
    with calloff.open(db) as office:
        office.edit_provider(1, email="bookings@alder.example", on="2015-04-01")
    with calloff.open(db, officer="o.officer") as office:
        office.allocate(1, on="2015-05-22")
    token = token_of(db)
    before = snapshot(db)
    with calloff.open(db) as office:
        linked = office.offer_link(token)
        assert linked.state == "expired"
        assert linked.said == (
            "This link expired at the end of Thursday 28 May 2015, the day the offer had to "
            "be answered by."
        )
        with pytest.raises(calloff.WrongStatus, match="expired"):
            office.answer_offer(token, accept=True, address="192.0.2.4")
    assert snapshot(db) == before
    with calloff.open(db, officer="o.officer") as office:
        office.lapse(on="2015-05-29")
    with calloff.open(db) as office:
        assert office.offer_link(token).state == "lapsed"


def test_only_an_admin_account_records_a_providers_answer(db, monkeypatch):
    """The server's account (an admin) vouches for a link's answer; a process running as
    an officer who is not an admin cannot record one, even holding the token."""
    from calloff.domain import officers

    token = token_of(db)
    monkeypatch.setattr(officers, "process_account", lambda: "o.officer")
    before = snapshot(db)
    with calloff.open(db) as office:
        assert office.actor.account == "o.officer"
        with pytest.raises(calloff.NotAuthorised, match=r"o\.officer is not an admin"):
            office.answer_offer(token, accept=True, address="192.0.2.4")
    assert snapshot(db) == before


def test_provider_and_officer_at_the_same_moment_exactly_one_wins(db):
    token = token_of(db)
    start = threading.Barrier(2)
    results: dict[str, str] = {}

    def provider():
        with calloff.open(db) as office:
            start.wait()
            try:
                office.answer_offer(token, accept=True, address="192.0.2.4")
                results["provider"] = "won"
            except calloff.CalloffError as e:
                results["provider"] = str(e)

    def officer():
        with calloff.open(db, officer="o.officer") as office:
            start.wait()
            try:
                office.decline(1, reason="phoned to say no")
                results["officer"] = "won"
            except calloff.CalloffError as e:
                results["officer"] = str(e)

    threads = [threading.Thread(target=provider), threading.Thread(target=officer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    winners = [who for who, said in results.items() if said == "won"]
    assert len(winners) == 1, results
    loser = "officer" if winners == ["provider"] else "provider"
    assert "already" in results[loser] or "only an offered call-off" in results[loser]
    with calloff.open(db) as office:
        status = office.calloff(1).status
        answers = [
            e for e in office.audit(calloff=1) if e.action in ("calloff.accept", "calloff.decline")
        ]
    assert len(answers) == 1
    assert status == ("accepted" if winners == ["provider"] else "declined")


# -- the page ----------------------------------------------------------------------------


def test_the_page_shows_the_order_and_records_the_answer_once(db):
    token = token_of(db)
    client = app_for(db).test_client()
    page, csrf = page_and_token(client, f"/offer/{token}")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    text = words(page.text)
    assert "Offer of call-off LEEDS-RP-2015/CO-00001" in text
    assert "To Alder Training" in text and "Value (excluding VAT) £6,000.00" in text
    for never in ("Birch", "rank", "headroom", "ceiling", "£260,000"):
        assert never.lower() not in text.lower(), never
    order = client.get(f"/offer/{token}/order.html")
    assert order.status_code == 200 and "Call-off order LEEDS-RP-2015/CO-00001" in words(order.text)
    before = snapshot(db)
    refused = client.post(f"/offer/{token}", data={"csrf_token": csrf, "answer": "decline"})
    assert refused.status_code == 400 and "Enter why you decline the offer" in refused.text
    no_csrf = client.post(f"/offer/{token}", data={"answer": "accept"})
    assert no_csrf.status_code == 400
    assert snapshot(db) == before
    done = client.post(f"/offer/{token}", data={"csrf_token": csrf, "answer": "accept"})
    assert done.status_code == 200 and "Offer accepted" in done.text
    after = snapshot(db)
    again = client.post(f"/offer/{token}", data={"csrf_token": csrf, "answer": "accept"})
    assert again.status_code == 409
    assert "This link has already been used: the offer was accepted through it on" in words(
        again.text
    )
    assert snapshot(db) == after
    with calloff.open(db) as office:
        assert office.audit(calloff=1)[-1].after["from"] == "127.0.0.1"


def test_a_forged_link_is_a_404_and_writes_nothing(db):
    client = app_for(db).test_client()
    before = snapshot(db)
    for path in ("/offer/" + "a" * 43, "/offer/" + "a" * 43 + "/order.html"):
        assert client.get(path).status_code == 404
    assert client.post("/offer/" + "a" * 43, data={"answer": "accept"}).status_code in (400, 404)
    assert snapshot(db) == before


def test_an_unknown_link_says_so_and_a_declined_offer_has_no_order(db):
    token = token_of(db)
    client = app_for(db).test_client()
    unknown = client.get("/offer/" + "a" * 43)
    assert unknown.status_code == 404
    assert "check it was copied whole from the offer message" in words(unknown.text)
    with calloff.open(db, officer="o.officer") as office:
        office.decline(1, reason="the provider phoned to say no")
    page = client.get(f"/offer/{token}")
    assert "The offer was already answered: it was declined on" in words(page.text)
    assert "Read the call-off order" not in page.text
    assert client.get(f"/offer/{token}/order.html").status_code == 404


def test_a_fault_on_a_link_page_never_logs_the_token(db, monkeypatch, caplog):
    from calloff.api import Office

    token = token_of(db)
    app = app_for(db)
    app.config["TESTING"] = False  # a fault is logged and shown as the 500 page

    def broken(self, calloff, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(Office, "order", broken)
    with caplog.at_level("ERROR"):
        failed = app.test_client().get(f"/offer/{token}/order.html")
    assert failed.status_code == 500
    assert "Exception on /offer/(a provider's link) [GET]" in caplog.text
    assert token not in caplog.text
