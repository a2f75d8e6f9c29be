"""Set-up in the browser, the budget, the term and the settings: every route for every
role (the admin's; anyone else gets the 403 page naming the role and nothing is written),
and the admin's journeys with figures worked by hand: Leeds' £260,000.00 core cap, the DfE
grant confirmed (the ceiling becomes £1,500,000.00), two caps for 2016-17 each with its
date, the term extended by a year, the OCDS prefix replaced; refusals in the command's
words, bad input in one line, nothing written."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import snapshot
from tests.workspace import ROLES, TEAM, app_for, build, day, post, sign_in


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Leeds with its team; request 1 offered to Alder Training as call-off 1 (6 days at
    £1,000.00: £6,000.00 committed against core in 2015-16)."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path) as office:
        office.allocate(1, on="2015-05-12")
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


def said(page) -> str:
    """The page's main text, as a person reads it."""
    main = re.search(r"<main.*?</main>", page.text, re.S)
    assert main, page.text[:300]
    text = re.sub(r"<[^>]+>", " ", main.group(0))
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&amp;", "&"))


def summary(page) -> list[str]:
    """The GOV.UK error summary's lines."""
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S)
    assert block, "no error summary"
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip().replace("&#39;", "'")
        for m in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    ]


READ = ["/setup/budget", "/setup/term", "/setup/settings"]
# (path, the role it needs, the form a browser would send after checking)
WRITE = [
    (
        "/setup/budget/ceiling",
        "admin",
        {"confirm": "yes", "year": "2016-17", "funding": "core", "amount": "100000"}
        | day("on", "2015-06-01"),
    ),
    ("/setup/budget/funding/innovation", "admin", {"confirm": "yes"} | day("on", "2015-06-01")),
    ("/setup/term/extend", "admin", {"confirm": "yes"} | day("on", "2016-03-01")),
    (
        "/setup/settings/ocds-prefix",
        "admin",
        {"confirm": "yes", "prefix": "ocds-abc123", "replace": "yes"},
    ),
]


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", READ)
def test_only_an_admin_reads_the_budget_term_and_settings(app, db, login, path):
    client = client_as(app, login)
    before = changes(db)
    page = client.get(path)
    if "admin" in ROLES[login]:
        assert page.status_code == 200
        assert re.search(r"<title>[^<]+</title>", page.text)
    else:
        assert page.status_code == 403
        assert "This needs the <strong>admin</strong> role" in page.text
    assert changes(db) == before


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize(("path", "role", "form"), WRITE, ids=[w[0] for w in WRITE])
def test_every_change_is_the_admins_only(app, db, login, path, role, form):
    client = client_as(app, login)
    before = changes(db)
    shown = client.get(path)
    sent = post(client, path, form)
    if role in ROLES[login]:
        assert shown.status_code == 200
        assert sent.status_code == 302, sent.text[:800]
        assert changes(db) != before
    else:
        for answer in (shown, sent):
            assert answer.status_code == 403
            assert f"This needs the <strong>{role}</strong> role" in answer.text
            assert "Max Admin (m.admin)" in answer.text
        assert changes(db) == before


def test_the_core_cap_and_the_headroom_it_leaves(app):
    page = said(client_as(app, "m.admin").get("/setup/budget"))
    # Leeds' core budget for 2015-16 is £260,000.00; call-off 1 holds £6,000.00 of it, and
    # the DfE grant (£1,240,000.00) adds nothing while it is pending.
    assert "2015-16: ceiling £260,000.00, committed £6,000.00, headroom £254,000.00" in page
    assert "core confirmed £260,000.00 £6,000.00 £254,000.00" in page
    assert "innovation pending £1,240,000.00 £0.00 £0.00" in page
    assert "core 2015-16 £260,000.00 1 April 2015 in force" in page


def test_the_admin_confirms_the_dfe_grant_and_the_ceiling_becomes_1_5_million(app, db):
    client = client_as(app, "m.admin")
    before = changes(db)
    form = day("on", "2015-06-01")
    check = post(client, "/setup/budget/funding/innovation", form)
    assert check.status_code == 200 and "Check your answers" in check.text
    # £260,000.00 core + £1,240,000.00 grant = £1,500,000.00.
    assert "for 2015-16 the ceiling becomes £1,500,000.00" in said(check)
    assert changes(db) == before  # nothing yet
    done = post(client, "/setup/budget/funding/innovation", {"confirm": "yes"} | form)
    assert done.status_code == 302 and done.headers["Location"] == "/setup/budget"
    page = said(client.get("/setup/budget"))
    assert "Funding stream innovation confirmed on 2015-06-01." in page
    # The ceiling is £1,500,000.00; £6,000.00 committed leaves £1,494,000.00.
    assert "2015-16: ceiling £1,500,000.00, committed £6,000.00, headroom £1,494,000.00" in page
    assert "innovation: DfE Innovation Fund grant confirmed on 1 June 2015" in page
    home = said(client.get("/"))
    assert "£1,494,000.00 left under a ceiling of £1,500,000.00" in home
    assert "£1,240,000.00 left of £1,240,000.00" in home  # the grant's own headroom
    assert "£1,494,000.00 left under a ceiling of £1,500,000.00" in client.get("/framework").text
    with calloff.open(db) as office:
        position = office.headroom(year="2015-16")
        assert (position.ceiling, position.headroom) == (
            Decimal("1500000.00"),
            Decimal("1494000.00"),
        )
        event = office.audit()[-1]
        assert (event.action, event.officer, event.channel) == (
            "funding.confirm",
            "m.admin",
            "web",
        )
    # Twice is refused in the command's words, and nothing is written.
    before = changes(db)
    again = post(client, "/setup/budget/funding/innovation", {"confirm": "yes"} | form)
    assert again.status_code == 400
    assert summary(again) == ["funding stream innovation is already confirmed on 2015-06-01"]
    assert changes(db) == before


def test_two_caps_for_2016_17_each_with_its_date(app, db):
    client = client_as(app, "m.admin")
    first = {"year": "2016-17", "funding": "core", "amount": "100000"} | day("on", "2015-06-01")
    check = post(client, "/setup/budget/ceiling", first)
    assert check.status_code == 200
    assert "2016-17 Funding stream core Cap £100,000.00 Applies from 1 June 2015" in said(check)
    done = post(client, "/setup/budget/ceiling", {"confirm": "yes"} | first)
    assert done.status_code == 302
    assert (
        "core cap for 2016-17 set to £100,000.00 from 2015-06-01; on that day the ceiling is "
        "£100,000.00 and headroom £100,000.00." in said(client.get("/setup/budget"))
    )
    later = first | {"amount": "£120,000.00"} | day("on", "2015-09-01")
    assert post(client, "/setup/budget/ceiling", {"confirm": "yes"} | later).status_code == 302
    page = said(client.get("/setup/budget"))
    assert (
        "core cap for 2016-17 set to £120,000.00 from 2015-09-01; on that day the ceiling is "
        "£120,000.00 and headroom £120,000.00." in page
    )
    assert "core 2016-17 £100,000.00 1 June 2015 replaced from 1 September 2015" in page
    assert "core 2016-17 £120,000.00 1 September 2015 in force" in page
    assert "2016-17: ceiling £120,000.00, committed £0.00, headroom £120,000.00" in page
    with calloff.open(db) as office:
        caps = [(c.year, c.amount, c.on) for c in office.cap_history() if c.stream == "core"]
        assert caps[1:] == [
            (calloff.FinancialYear(2016), Decimal("100000.00"), date(2015, 6, 1)),
            (calloff.FinancialYear(2016), Decimal("120000.00"), date(2015, 9, 1)),
        ]


def test_a_cap_below_what_is_committed_is_refused_and_nothing_written(app, db):
    client = client_as(app, "m.admin")
    before = changes(db)
    form = {"confirm": "yes", "year": "2015-16", "funding": "core", "amount": "5000"}
    refused = post(client, "/setup/budget/ceiling", form | day("on", "2015-06-01"))
    assert refused.status_code == 400
    [line] = summary(refused)
    # £6,000.00 is committed against core from 12 May 2015: a £5,000.00 cap is £1,000.00 short.
    assert line.startswith("a cap of £5,000.00 for core in 2015-16 from 2015-06-01 would take")
    assert "£1,000.00 over" in line
    assert 'href="#funding"' in refused.text
    assert changes(db) == before


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ({"amount": ""}, "Enter the cap, such as 150000.00"),
        ({"amount": "12,50a"}, None),  # the library's own sentence
        ({"amount": "1e5"}, None),
        ({"amount": "-5"}, None),
        ({"year": ""}, "Choose the financial year"),
        ({"funding": ""}, "Choose the funding stream"),
        (
            day("on", "2015-02-31"),
            "The date the cap applies from must be a real date, such as 1 6 2015",
        ),
        ({"on-day": "x"}, "The date the cap applies from must be a real date, such as 1 6 2015"),
        ({"year": "1066-67"}, None),
        ({"funding": "traded"}, None),
        (day("on", "2099-01-01"), None),
    ],
)
def test_bad_input_for_a_cap_is_one_clear_line(app, db, given, line):
    client = client_as(app, "m.admin")
    before = changes(db)
    form = {"confirm": "yes", "year": "2016-17", "funding": "core", "amount": "100000"}
    refused = post(client, "/setup/budget/ceiling", form | day("on", "2015-06-01") | given)
    assert refused.status_code == 400, refused.text[:500]
    lines = summary(refused)
    assert len(lines) == 1 and lines[0]
    if line is not None:
        assert lines == [line]
    assert "Traceback" not in refused.text
    assert changes(db) == before


def test_the_term_extended_once_moves_the_end_a_year(app, db):
    client = client_as(app, "m.admin")
    page = said(client.get("/setup/term"))
    assert "Ends 31 March 2016" in page and "0 of 2 taken, 2 left" in page
    check = post(client, "/setup/term/extend", day("on", "2016-03-01"))
    assert "The term ends 31 March 2017, not 31 March 2016" in said(check)
    assert calloff.open(db).framework.term.end == date(2016, 3, 31)  # nothing yet
    done = post(client, "/setup/term/extend", {"confirm": "yes"} | day("on", "2016-03-01"))
    assert done.status_code == 302 and done.headers["Location"] == "/setup/term"
    page = said(client.get("/setup/term"))
    assert (
        "Term: 2015-04-01 to 2017-03-31 (original end 2016-03-31); 1 extension(s) taken, "
        "1 left; latest possible end 2018-03-31." in page
    )
    assert "Ends 31 March 2017" in page and "1 1 March 2016 31 March 2017" in page
    assert calloff.open(db).framework.term.end == date(2017, 3, 31)


def test_an_extension_after_the_term_ended_is_refused_in_the_commands_words(app, db):
    client = client_as(app, "m.admin")
    before = changes(db)
    refused = post(client, "/setup/term/extend", {"confirm": "yes"} | day("on", "2016-05-01"))
    assert refused.status_code == 400
    assert summary(refused) == [
        "the term ended on 2016-03-31, before 2016-05-01: an extension is taken up while the "
        "term runs; if it was agreed by then, record it with `calloff term extend --on "
        "2016-03-31`"
    ]
    assert changes(db) == before


def test_the_ocds_prefix_is_replaced_only_when_asked(app, db):
    client = client_as(app, "m.admin")
    assert "OCDS prefix ocds-fake01" in said(client.get("/setup/settings"))
    before = changes(db)
    kept = post(client, "/setup/settings/ocds-prefix", {"confirm": "yes", "prefix": "ocds-abc123"})
    assert kept.status_code == 400
    assert summary(kept) == [
        "the framework's ocid_prefix is already ocds-fake01, and every ocid published begins "
        "with it: add --replace to change it, only if nothing was published under it"
    ]
    bad = post(
        client,
        "/setup/settings/ocds-prefix",
        {"confirm": "yes", "prefix": "nonsense", "replace": "yes"},
    )
    assert bad.status_code == 400 and len(summary(bad)) == 1
    empty = post(client, "/setup/settings/ocds-prefix", {"confirm": "yes", "prefix": ""})
    assert summary(empty) == ["Enter the OCDS prefix, such as ocds-a1b2c3"]
    assert changes(db) == before
    form = {"prefix": "ocds-abc123", "replace": "yes"}
    check = post(client, "/setup/settings/ocds-prefix", form)
    assert "OCDS prefix ocds-abc123 Replaces ocds-fake01" in said(check)
    done = post(client, "/setup/settings/ocds-prefix", {"confirm": "yes"} | form)
    assert done.status_code == 302
    page = said(client.get("/setup/settings"))
    assert "The framework's OCDS prefix is now ocds-abc123." in page
    assert calloff.open(db).framework.ocid_prefix == "ocds-abc123"


def test_an_unknown_stream_is_not_found(app):
    assert client_as(app, "m.admin").get("/setup/budget/funding/lottery").status_code == 404


def test_pages_say_where_they_are(app):
    client = client_as(app, "m.admin")
    for path, last in (
        ("/setup/budget", "Budget"),
        ("/setup/term", "Term"),
        ("/setup/settings", "Settings"),
        ("/setup/budget/ceiling", "Set a cap"),
        ("/setup/term/extend", "Extend"),
    ):
        page = client.get(path).text
        links = re.findall(r'class="govuk-breadcrumbs__link" href="([^"]+)"', page)
        assert links[:2] == ["/", "/setup"], path
        current = re.search(r'aria-current="page">([^<]+)<', page)
        assert current and current.group(1).strip() == last, path
        assert page.count("<h1") == 1


# -- Continue reads every field as the library will ------------------------------------------

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
FUTURE = (
    f"the effective date {TOMORROW} is after today ({date.today()}): a change cannot be dated "
    "in the future"
)
CAP = {"year": "2016-17", "funding": "core", "amount": "100000"}


@pytest.mark.parametrize(
    ("path", "form", "field", "line"),
    [
        ("/setup/budget/ceiling", CAP | day("on", TOMORROW), "on-day", FUTURE),
        (
            "/setup/budget/ceiling",
            CAP | {"amount": "1e5"} | day("on", "2015-06-01"),
            "amount",
            "'1e5' is not an amount of money: write it like 12500, 12500.00, 12,500.00 or "
            "£12,500.00",
        ),
        (
            "/setup/budget/ceiling",
            CAP | {"year": "2016-18"} | day("on", "2015-06-01"),
            "year",
            None,
        ),
        ("/setup/budget/funding/innovation", day("on", TOMORROW), "on-day", FUTURE),
        ("/setup/term/extend", day("on", TOMORROW), "on-day", FUTURE),
        (
            "/setup/settings/ocds-prefix",
            {"prefix": "ocds-ABC", "replace": "yes"},
            "prefix",
            "ocid_prefix 'ocds-ABC' is not an OCDS prefix: write it like \"ocds-a1b2c3\" "
            '("ocds-" and six lower-case letters or digits, as registered for the council)',
        ),
    ],
)
def test_continue_refuses_what_the_library_would_before_the_check_page(
    app, db, path, form, field, line
):
    """A date after today, money or a year or prefix the library cannot read: refused at
    Continue, at the field, in the library's words (400), never on a check page."""
    client = client_as(app, "m.admin")
    before = changes(db)
    refused = post(client, path, form)
    assert refused.status_code == 400, refused.text[:500]
    lines = [html.unescape(found) for found in summary(refused)]
    assert len(lines) == 1 and (line is None or lines == [line])
    assert f'href="#{field}"' in refused.text
    for name in ("amount", "prefix"):
        if name in form:  # the form comes back as it was filled in
            assert f'value="{form[name]}"' in refused.text, name
    assert changes(db) == before


def test_the_cap_check_page_shows_money(app, db):
    client = client_as(app, "m.admin")
    check = post(
        client, "/setup/budget/ceiling", CAP | {"amount": "150000"} | day("on", "2015-06-01")
    )
    assert check.status_code == 200 and "Cap £150,000.00" in said(check)
