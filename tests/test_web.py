"""The workspace through Flask's test client: signing in and its record, sessions that
idle out, the lock on failed attempts, CSRF, security headers, and every route for every
role (allowed, or the 403 page and nothing written)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

import calloff
from calloff.actions import sign_ins
from calloff.domain import passwords
from tests.conftest import snapshot
from tests.workspace import PASSWORD, ROLES, TEAM, app_for, build, day, post, sign_in, token


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """scrypt at a test's cost: the rule is the same, the hash 1,000 times cheaper."""
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    path = tmp_path / "team.db"
    build(path)
    return path


@pytest.fixture
def app(db):
    return app_for(db)


def client_as(app, login):
    client = app.test_client()
    answer = sign_in(client, login)
    assert answer.status_code == 302, answer.text
    return client


def record(db):
    with calloff.open(db) as office:
        return [(s.login, s.outcome, s.method, s.address) for s in office.sign_ins()]


# -- signing in -----------------------------------------------------------------------------


def test_sign_in_shows_who_is_signed_in_and_their_roles(app, db):
    client = app.test_client()
    assert client.get("/").headers["Location"].startswith("/sign-in")
    answer = sign_in(client, "a.approver")
    assert answer.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Signed in as <strong>Ada Approver</strong> (a.approver): officer, approver" in home.text
    assert record(db)[0] == ("a.approver", "signed in", "password", "127.0.0.1")


def test_a_wrong_password_and_an_unknown_login_read_the_same(app, db):
    client = app.test_client()
    wrong = sign_in(client, "a.approver", "not the password at all")
    nobody = sign_in(client, "no.such.officer", PASSWORD)
    assert wrong.status_code == nobody.status_code == 400
    sentence = "the login or password is not right: check both and try again"
    assert sentence in wrong.text and sentence in nobody.text
    assert 'href="#login"' in wrong.text  # the error summary links to the field
    assert [r[:2] for r in record(db)[:2]] == [
        ("no.such.officer", "failed"),
        ("a.approver", "failed"),
    ]


def test_five_failures_lock_the_account_for_15_minutes(app, db, monkeypatch):
    client = app.test_client()
    start = sign_ins.now()
    for _ in range(5):
        sign_in(client, "o.officer", "wrong wrong wrong")
    locked = sign_in(client, "o.officer", PASSWORD)
    assert locked.status_code == 400
    assert "too many failed sign-ins for this account or from this address" in locked.text
    outcomes = [r[1] for r in record(db) if r[0] == "o.officer"]
    assert outcomes == ["refused while locked", "locked out"] + ["failed"] * 4
    # Another address is still locked out of this account...
    other = app.test_client()
    assert sign_in(other, "o.officer", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 400
    # ...and this address out of every account.
    assert sign_in(client, "a.approver").status_code == 400
    monkeypatch.setattr(sign_ins, "now", lambda: start + timedelta(minutes=15, seconds=5))
    assert sign_in(client, "o.officer").status_code == 302


def test_a_session_idle_for_30_minutes_ends(app, db, monkeypatch):
    client = client_as(app, "o.officer")
    t = sign_ins.now()
    monkeypatch.setattr(sign_ins, "now", lambda: t + timedelta(minutes=29))
    assert client.get("/").status_code == 200
    monkeypatch.setattr(sign_ins, "now", lambda: t + timedelta(minutes=29 + 30, seconds=1))
    ended = client.get("/requests?lot=4")
    assert ended.status_code == 302
    assert ended.headers["Location"] == "/sign-in?timed_out=1&next=/requests?lot%3D4"
    shown = client.get(ended.headers["Location"]).text
    assert "signed out after 30 minutes without activity" in shown
    assert client.get("/").headers["Location"].startswith("/sign-in")
    assert record(db)[0][:2] == ("o.officer", "timed out")


def test_a_busy_session_still_ends_after_12_hours(app, db, monkeypatch):
    client = client_as(app, "o.officer")
    t = sign_ins.now()
    for minutes in range(20, 12 * 60, 20):
        monkeypatch.setattr(sign_ins, "now", lambda m=minutes: t + timedelta(minutes=m))
        assert client.get("/").status_code == 200
    monkeypatch.setattr(sign_ins, "now", lambda: t + timedelta(hours=12, minutes=1))
    assert client.get("/").status_code == 302


def test_the_idle_time_is_a_setting(db, monkeypatch):
    app = app_for(db, idle_minutes=5)
    client = client_as(app, "o.officer")
    t = sign_ins.now()
    monkeypatch.setattr(sign_ins, "now", lambda: t + timedelta(minutes=5, seconds=1))
    assert client.get("/").status_code == 302


def test_signing_out_ends_the_session_on_the_server(app, db):
    """A copy of the cookie, taken before signing out, opens nothing afterwards."""
    client = client_as(app, "o.officer")
    stolen = client.get_cookie("calloff-session").value
    post(client, "/sign-out", {})
    thief = app.test_client()
    thief.set_cookie("calloff-session", stolen)
    assert thief.get("/").headers["Location"].startswith("/sign-in")
    assert "calloff-session=" not in str(snapshot(db))  # only the token's hash is kept


def test_an_officer_who_leaves_is_signed_out_at_their_next_click(app, db):
    client = client_as(app, "o.officer")
    assert client.get("/").status_code == 200
    with calloff.open(db) as office:
        office.officer_leaves("o.officer", reason="moved to another council")
    assert client.get("/").headers["Location"].startswith("/sign-in")
    assert sign_in(app.test_client(), "o.officer").status_code == 400


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(app, db):
    client = client_as(app, "o.officer")
    with calloff.open(db) as office:
        office.set_password("o.officer", password="a brand new pass phrase")
    assert client.get("/").headers["Location"].startswith("/sign-in")


def test_signing_out_is_recorded_and_needs_the_token(app, db):
    client = client_as(app, "f.finance")
    assert client.post("/sign-out").status_code == 400  # no token: nothing happens
    assert client.get("/").status_code == 200
    out = post(client, "/sign-out", {})
    assert out.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302
    assert record(db)[0][:2] == ("f.finance", "signed out")


def test_after_signing_in_only_a_page_of_this_site_is_next(app):
    client = app.test_client()
    page = client.get("/sign-in?next=//evil.example/x")
    answer = client.post(
        "/sign-in?next=//evil.example/x",
        data={"login": "o.officer", "password": PASSWORD, "csrf_token": token(page.text)},
    )
    assert answer.headers["Location"] == "/"
    client = app.test_client()
    page = client.get("/sign-in?next=/framework")
    answer = client.post(
        "/sign-in?next=/framework",
        data={"login": "o.officer", "password": PASSWORD, "csrf_token": token(page.text)},
    )
    assert answer.headers["Location"] == "/framework"


# -- the sign-in record is for admins and auditors ----------------------------------------


@pytest.mark.parametrize("login", TEAM)
def test_the_sign_in_record_is_for_admins_and_auditors(app, login):
    client = client_as(app, login)
    page = client.get("/sign-ins")
    if {"admin", "auditor"} & set(ROLES[login]):
        assert page.status_code == 200 and "signed in" in page.text
    else:
        assert page.status_code == 403
        assert "admin" in page.text and "Max Admin (m.admin)" in page.text


# -- headers, cookies, CSRF ------------------------------------------------------------------


def test_security_headers_and_cookie(app):
    client = app.test_client()
    answer = sign_in(client, "o.officer")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    # No inline script anywhere: every <script> has a src.
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts and all("src=" in s for s in scripts)
    static = client.get("/static/govuk-frontend/govuk-frontend.min.css")
    assert static.status_code == 200 and "max-age" in static.headers["Cache-Control"]
    static.close()


def test_behind_https_the_cookie_is_secure_and_host_only(db):
    app = app_for(db, base_url="https://calloff.example.gov.uk")
    answer = sign_in(
        app.test_client(),
        "o.officer",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/sign-in"},  # checked over https
    )
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-calloff=") and "Secure" in cookie
    assert "Strict-Transport-Security" in answer.headers


def test_a_form_without_its_token_is_refused_and_writes_nothing(app, db):
    client = client_as(app, "o.officer")
    before = snapshot(db)
    answer = client.post("/requests/1/allocate", data=day("on", "2015-05-12"))
    assert answer.status_code == 400
    assert "The form could not be sent" in answer.text and "Nothing was changed" in answer.text
    forged = client.post(
        "/requests/1/allocate", data={**day("on", "2015-05-12"), "csrf_token": "forged"}
    )
    assert forged.status_code == 400
    assert snapshot(db) == before


def test_the_token_of_one_session_does_not_serve_another(app, db):
    mine = client_as(app, "o.officer")
    theirs = client_as(app, "a.approver")
    stolen = token(theirs.get("/requests/1/allocate").text)
    before = snapshot(db)
    answer = mine.post(
        "/requests/1/allocate", data={**day("on", "2015-05-12"), "csrf_token": stolen}
    )
    assert answer.status_code == 400 and snapshot(db) == before


# -- forwarded addresses ---------------------------------------------------------------------


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(db):
    app = app_for(db, trusted_proxies=("10.0.0.1",))
    forged = {"X-Forwarded-For": "192.0.2.9"}
    sign_in(
        app.test_client(), "o.officer", headers=forged, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    sign_in(
        app.test_client(), "f.finance", headers=forged, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )
    assert [(r[0], r[3]) for r in record(db)[:2]] == [
        ("f.finance", "192.0.2.9"),
        ("o.officer", "10.9.9.9"),
    ]


def test_a_trusted_sso_proxy_header_signs_in_only_through_the_proxy(db):
    app = app_for(db, trusted_proxies=("10.0.0.1",), sso_header="X-Remote-Email")
    header = {"X-Remote-Email": "a.approver@example.gov.uk"}
    direct = app.test_client()
    assert (
        direct.get("/", headers=header, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302
    )
    proxied = app.test_client()
    page = proxied.get("/", headers=header, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert page.status_code == 200 and "Ada Approver" in page.text
    assert "Ada Approver" in proxied.get("/", environ_base={"REMOTE_ADDR": "10.0.0.1"}).text
    assert record(db)[0][:3] == ("a.approver", "signed in", "proxy")


def test_an_unknown_login_takes_a_password_hash_too(app, monkeypatch):
    """So the time a refusal takes does not say which logins exist."""
    hashed = []
    real = passwords.verify_password
    monkeypatch.setattr(
        passwords, "verify_password", lambda p, kept: hashed.append(kept) or real(p, kept)
    )
    sign_in(app.test_client(), "no.such.officer", PASSWORD)
    sign_in(app.test_client(), "o.officer", "wrong wrong wrong")
    assert len(hashed) == 2 and hashed[0] is None and hashed[1].startswith("scrypt$")


def test_signing_in_between_guesses_does_not_unlock_the_address(app, db):
    """Guessing at others' passwords, with one's own sign-in between: the address locks."""
    client = app.test_client()
    for victim in ("o.officer", "f.finance", "u.auditor", "m.admin", "o.officer"):
        sign_in(client, victim, "wrong wrong wrong")
        if victim != "o.officer":
            sign_in(app.test_client(), "a.approver")  # from the same address
    assert sign_in(app.test_client(), "a.approver").status_code == 400
    assert record(db)[0][:2] == ("a.approver", "refused while locked")


def test_a_login_spelled_with_look_alike_letters_is_still_locked(app, db):
    """ "ſ" (long s) folds to "s" in Python, not in SQLite: the lock is the officer's own."""
    with calloff.open(db) as office:
        office.add_officer("kirsty", name="Kirsty Example", roles=["officer"], on="2015-04-01")
        office.set_password("kirsty", password=PASSWORD)
    for n in range(5):
        sign_in(
            app.test_client(),
            "kirsty",
            "wrong wrong wrong",
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    answer = sign_in(
        app.test_client(), "kir\u017fty", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.1.1"}
    )
    assert answer.status_code == 400
    answer = sign_in(
        app.test_client(), "kirsty", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.1.2"}
    )
    assert answer.status_code == 400 and "too many failed sign-ins" in answer.text


def test_a_password_changed_during_a_sign_in_refuses_it(db, monkeypatch):
    """The old password, checked while an admin sets a new one: no session is opened."""
    real = passwords.verify_password

    def meanwhile(password, kept):
        good = real(password, kept)
        with calloff.open(db) as admin:
            admin.set_password("o.officer", password="a brand new pass phrase")
        return good

    monkeypatch.setattr(passwords, "verify_password", meanwhile)
    with calloff.open(db) as gate, pytest.raises(calloff.NotAuthorised):
        gate.open_session("o.officer", password=PASSWORD, address="10.0.0.9")
    assert "sessions" in snapshot(db) and snapshot(db)["sessions"] == []


def test_when_the_servers_account_is_no_longer_an_admin_nobody_is_vouched_for(app, db):
    client = client_as(app, "o.officer")
    assert client.get("/").status_code == 200
    with calloff.open(db) as office:  # officer.a, the server's account; m.admin stays
        office.edit_officer("officer.a", remove_roles=["admin"])
    assert client.get("/").headers["Location"].startswith("/sign-in")
    refused = sign_in(app.test_client(), "o.officer")
    assert refused.status_code == 403
    assert "officer.a is not an admin, so cannot act for o.officer" in refused.text


def test_signing_in_over_anothers_session_ends_theirs(app):
    client = client_as(app, "o.officer")
    theirs = client.get_cookie("calloff-session").value
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    again = client.post(
        "/sign-in", data={"login": "f.finance", "password": PASSWORD, "csrf_token": token}
    )
    assert again.status_code == 302
    other = app.test_client()
    other.set_cookie("calloff-session", theirs)
    assert other.get("/").headers["Location"].startswith("/sign-in")


def test_a_busy_database_is_a_page_that_says_so_and_keeps_the_session(app, monkeypatch):
    client = client_as(app, "o.officer")

    def busy(self, token, idle_minutes=30):
        raise calloff.DatabaseBusy("calloff.db is busy: another officer's change is being written")

    monkeypatch.setattr(calloff.Office, "session", busy)
    answer = client.get("/")
    assert answer.status_code == 503 and "is busy" in answer.text
    monkeypatch.undo()
    monkeypatch.setattr(passwords, "COST", 2**6)
    assert client.get("/").status_code == 200  # still signed in


def test_a_short_idle_time_is_measured_from_the_last_click(db, monkeypatch):
    app = app_for(db, idle_minutes=1)
    client = client_as(app, "o.officer")
    t = sign_ins.now()
    for seconds in (55, 70, 120):
        monkeypatch.setattr(sign_ins, "now", lambda s=seconds: t + timedelta(seconds=s))
        assert client.get("/").status_code == 200, seconds


def test_a_file_over_the_limit_is_refused_in_one_page_and_writes_nothing(app, db):
    client = app.test_client()
    sign_in(client, "f.finance")
    before = snapshot(db)
    before.pop("sign_ins")
    page = client.get("/")
    too_big = b"x" * (32 * 1024 * 1024 + 1)
    sent = client.post(
        "/requests/new",
        data={"csrf_token": token(page.text), "title": too_big.decode()},
    )
    assert sent.status_code == 413
    assert "A file sent here may be at most 32 MB" in sent.text
    after = snapshot(db)
    after.pop("sign_ins")
    assert after == before


def test_the_sign_in_record_pages_at_50_newest_first(app, db):
    with calloff.open(db) as office:
        for n in range(54):  # and the auditor's own sign-in below: 55 in all
            office.sign_in("o.officer", password=PASSWORD, address=f"10.0.0.{n}")
    client = app.test_client()
    sign_in(client, "u.auditor")
    first = client.get("/sign-ins")
    assert first.status_code == 200
    assert first.text.count('<tr class="govuk-table__row">') == 51  # heading and 50
    assert "u.auditor" in first.text and "10.0.0.53" in first.text and "10.0.0.4<" not in first.text
    assert 'href="/sign-ins?page=2"' in first.text
    second = client.get("/sign-ins?page=2")
    assert second.text.count('<tr class="govuk-table__row">') == 6  # 10.0.0.4 down to .0
    assert "10.0.0.0<" in second.text and 'href="/sign-ins?page=1"' in second.text
    assert client.get("/sign-ins?page=0").status_code == 404
    assert client.get("/sign-ins?page=x").status_code == 404
