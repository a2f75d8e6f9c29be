"""A provider's two further statuses in the browser (supported employment provider, public
service mutual), asked for like SME and VCSE, stored, and shown where those are; and a PPON
not in the Central Digital Platform's format, stored as given with a GOV.UK warning on the
provider's page, while a `GB-PPON-` one is stored bare with none. Every form stays an
admin's: anyone else gets the 403 page and nothing is written."""

from __future__ import annotations

import html
import re

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import snapshot
from tests.test_web_pages import client_as
from tests.workspace import ROLES, TEAM, app_for, build, day, post

ON = day("on", "2015-05-01")
WARNING = 'class="govuk-warning-text"'


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Leeds with Alder Training (1) and Birch Practice Ltd (2), no statuses recorded."""
    path = tmp_path / "team.db"
    build(path)
    return path


@pytest.fixture
def app(db):
    return app_for(db)


def text(page):
    """The page's words, tags and runs of space taken out, entities read."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


def changes(db):
    found = snapshot(db)
    found.pop("sign_ins")
    return found


def radios(page, name):
    """The values of the radios called `name` on the page."""
    return re.findall(rf'name="{name}" type="radio" value="([^"]+)"', page.text)


NEW = {
    "name": "Cedar Supported Employment CIC",
    "vat": "standard",
    "ppon": "PABC-1234-DEFG",
    "sme": "yes",
    "vcse": "yes",
    "supported_employment": "yes",
    "public_service_mutual": "no",
} | ON


def test_the_add_form_asks_for_both_statuses_as_for_sme_and_vcse(app):
    page = client_as(app, "m.admin").get("/setup/providers/new")
    words = text(page)
    assert "A supported employment provider?" in words and "A public service mutual?" in words
    for name in ("sme", "vcse", "supported_employment", "public_service_mutual"):
        assert radios(page, name) == ["yes", "no", "unknown"], name
        assert re.search(rf'name="{name}" type="radio" value="unknown" checked', page.text)
    assert "govuk-radios--inline" in page.text


def test_an_admin_adds_a_provider_with_both_statuses_and_an_odd_ppon(app, db):
    admin = client_as(app, "m.admin")
    check = post(admin, "/setup/providers/new", NEW)
    assert check.status_code == 200 and "Check before you add a provider" in check.text
    words = text(check)
    assert "Supported employment provider yes" in words
    assert "Public service mutual no" in words
    assert "PPON PABC-1234-DEFG" in words
    with calloff.open(db) as office:
        assert office.count_providers() == 2  # nothing yet

    added = post(admin, "/setup/providers/new", NEW | {"confirm": "yes"})
    assert added.status_code == 302 and added.headers["Location"] == "/setup/providers/3"
    with calloff.open(db) as office:
        p = office.provider(3)
        assert (p.supported_employment, p.public_service_mutual) == (True, False)
        assert (p.sme, p.vcse, p.ppon) == (True, True, "PABC-1234-DEFG")
        warning = p.ppon_warning
    assert warning and warning.startswith("PPON PABC-1234-DEFG is not in the Central")

    page = admin.get("/setup/providers/3")  # the page the save lands on
    words = text(page)
    assert "Provider 3: Cedar Supported Employment CIC (VAT standard)" in words  # saved
    assert page.text.count(WARNING) == 1
    assert f"Warning {warning}" in words
    assert "Supported employment provider yes" in words
    assert "Public service mutual no" in words
    listed = text(admin.get("/setup/providers"))
    assert "3: Cedar Supported Employment CIC active standard yes yes yes no" in listed
    assert "1: Alder Training active exempt not recorded not recorded not recorded" in listed


def test_an_admin_edits_both_statuses_and_a_gb_ppon_is_stored_bare(app, db):
    admin = client_as(app, "m.admin")
    shown = admin.get("/setup/providers/1/edit")
    assert radios(shown, "supported_employment") == ["yes", "no", "unknown"]
    form = {
        "address": "",
        "companies_house": "",
        "charity": "",
        "ppon": "GB-PPON-PBCD-1234-BCDG",
        "sme": "unknown",
        "vcse": "unknown",
        "supported_employment": "no",
        "public_service_mutual": "yes",
    } | ON
    before = changes(db)
    check = post(admin, "/setup/providers/1/edit", form)
    assert check.status_code == 200 and "Check before you change" in check.text
    assert "PPON PBCD-1234-BCDG" in text(check)  # as it will be stored
    assert changes(db) == before
    done = post(admin, "/setup/providers/1/edit", form | {"confirm": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == "/setup/providers/1"
    with calloff.open(db) as office:
        p = office.provider(1)
        assert (p.supported_employment, p.public_service_mutual) == (False, True)
        assert (p.sme, p.vcse) == (None, None)  # "not recorded" leaves them as they were
        assert (p.ppon, p.ppon_warning) == ("PBCD-1234-BCDG", None)
    page = admin.get("/setup/providers/1")
    words = text(page)
    assert "Alder Training: ppon, public service mutual, supported employment updated." in words
    assert WARNING not in page.text
    assert "Supported employment provider no" in words
    assert "Public service mutual yes" in words
    # Once recorded, a status is yes or no: the edit form no longer offers "not recorded".
    again = admin.get("/setup/providers/1/edit")
    assert radios(again, "supported_employment") == ["yes", "no"]
    assert radios(again, "public_service_mutual") == ["yes", "no"]
    assert radios(again, "sme") == ["yes", "no", "unknown"]


def test_an_odd_ppon_given_at_edit_is_saved_with_the_warning(app, db):
    admin = client_as(app, "m.admin")
    done = post(admin, "/setup/providers/2/edit", {"ppon": "PABC-1234-DEFG", "confirm": "yes"} | ON)
    assert done.status_code == 302
    page = admin.get("/setup/providers/2")
    assert "Birch Practice Ltd: ppon updated." in text(page)
    assert page.text.count(WARNING) == 1
    with calloff.open(db) as office:
        p = office.provider(2)
        assert p.ppon == "PABC-1234-DEFG" and p.ppon_warning
    assert f"Warning {p.ppon_warning}" in text(page)


def test_a_status_that_is_not_yes_no_or_not_recorded_is_refused(app, db):
    admin = client_as(app, "m.admin")
    before = changes(db)
    refused = post(admin, "/setup/providers/new", NEW | {"public_service_mutual": "maybe"})
    assert refused.status_code == 400
    assert "Choose yes, no or not recorded for Public service mutual" in text(refused)
    assert 'href="#public_service_mutual"' in refused.text
    assert changes(db) == before


WRITES = [
    ("/setup/providers/new", NEW | {"confirm": "yes"}),
    (
        "/setup/providers/1/edit",
        {"supported_employment": "yes", "public_service_mutual": "yes", "confirm": "yes"} | ON,
    ),
]


@pytest.mark.parametrize("login", [t for t in TEAM if "admin" not in ROLES[t]])
@pytest.mark.parametrize(("path", "form"), WRITES, ids=[w[0] for w in WRITES])
def test_only_an_admin_sets_the_statuses(app, db, login, path, form):
    client = client_as(app, login)
    before = changes(db)
    for answer in (client.get(path), post(client, path, form)):
        assert answer.status_code == 403
        assert "This needs the <strong>admin</strong> role" in answer.text
    assert changes(db) == before
    with calloff.open(db) as office:
        p = office.provider(1)
        assert (p.supported_employment, p.public_service_mutual) == (None, None)
