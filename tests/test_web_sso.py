"""Single sign-on with OpenID Connect (authlib), against a local mock provider
(oidc-provider-mock): the officer is matched by the e-mail claim."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

import calloff
from calloff.domain import passwords
from tests.workspace import app_for, build

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture(scope="module")
def issuer():
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def db(tmp_path, cheap_hashes):
    path = tmp_path / "team.db"
    build(path)
    return path


def through_the_provider(client, email):
    """Follow the sign-in to the provider, answer as `email`, come back."""
    start = client.get("/sign-in/sso?next=/framework")
    assert start.status_code == 302
    at_provider = requests.post(
        start.headers["Location"], data={"sub": email}, allow_redirects=False, timeout=10
    )
    assert at_provider.status_code == 302, at_provider.text[:300]
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/sign-in/sso/done"
    return client.get(f"{back.path}?{back.query}")


def record(db):
    with calloff.open(db) as office:
        return [(s.login, s.outcome, s.method) for s in office.sign_ins()]


def test_single_sign_on_matches_the_officer_by_email(db, issuer):
    app = app_for(
        db,
        oidc_issuer=issuer,
        oidc_client_id="calloff",
        oidc_client_secret="x" * 32,
        oidc_name="Example Council account",
    )
    client = app.test_client()
    assert "Sign in with Example Council account" in client.get("/sign-in").text
    done = through_the_provider(client, "A.Approver@example.gov.uk")
    assert done.status_code == 302 and done.headers["Location"] == "/framework"
    assert "Signed in as <strong>Ada Approver</strong>" in client.get("/").text
    assert record(db)[0] == ("a.approver", "signed in", "oidc")


def test_an_email_nobody_holds_is_refused_and_recorded(db, issuer):
    app = app_for(db, oidc_issuer=issuer, oidc_client_id="calloff", oidc_client_secret="x" * 32)
    client = app.test_client()
    done = through_the_provider(client, "stranger@example.org")
    assert done.status_code == 403
    assert (
        "no officer of this framework is registered with the e-mail address stranger@example.org"
        in done.text
    )
    assert client.get("/").status_code == 302
    assert record(db)[0] == ("stranger@example.org", "failed", "oidc")


def test_a_forged_answer_is_refused(db, issuer):
    app = app_for(db, oidc_issuer=issuer, oidc_client_id="calloff", oidc_client_secret="x" * 32)
    client = app.test_client()
    client.get("/sign-in/sso")
    forged = client.get("/sign-in/sso/done?code=made-up&state=made-up")
    assert forged.status_code == 400 and "Single sign-on did not complete" in forged.text
    assert client.get("/").status_code == 302


def test_without_an_issuer_there_is_no_single_sign_on(db):
    client = app_for(db).test_client()
    assert "Sign in with" not in client.get("/sign-in").text
    assert client.get("/sign-in/sso").headers["Location"] == "/sign-in"
