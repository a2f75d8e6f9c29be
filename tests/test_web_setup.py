"""Set-up in the browser: providers, rankings and rates. Every route for every role
(reading for all, every form an admin's: anyone else gets the 403 page and nothing is
written); an admin adds a provider, ranks it first and gives it a rate, and an officer's
allocation goes to it at that rate, worked by hand; the rankings import previews without
writing, imports on confirmation, and refuses a file changed in between; refusals show
the library's sentence and write nothing."""

from __future__ import annotations

import html
import io
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
    """Leeds with Alder Training (1, £1,000/day, rank 1 on lot 4) and Birch Practice Ltd
    (2, £1,200/day, rank 2); request 1 waits to be allocated."""
    path = tmp_path / "team.db"
    build(path)
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


def errors(page):
    """The error summary's lines."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S)
    assert summary, page.text[:2000]
    return [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line)).strip())
        for line in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    ]


def text(page):
    """The page's words, tags and runs of space taken out, entities read."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


CSV = (
    "lot,rank,provider,day_rate\n"
    "4,1,Birch Practice Ltd,1150\n"
    "4,2,Alder Training,1000\n"
    "1,1,Alder Training,800\n"
)


def upload(content: str, name: str = "rankings.csv"):
    return (io.BytesIO(content.encode()), name)


READ = [
    "/setup/providers",
    "/setup/providers?name=alder",
    "/setup/providers?page=2",
    "/setup/providers/1",
    "/setup/rankings",
    "/setup/rankings/4",
    "/setup/rankings/1",
]
ON = day("on", "2015-05-01")
# (path, the form a browser would send): every one is an admin's
WRITE = [
    ("/setup/providers/new", {"name": "Dale Trust", "vat": "exempt", "confirm": "yes"} | ON),
    ("/setup/providers/1/edit", {"ppon": "PBCD-1234-BCDG", "confirm": "yes"} | ON),
    ("/setup/providers/1/suspend", {"reason": "quality review", "confirm": "yes"} | ON),
    ("/setup/providers/1/reinstate", {"confirm": "yes"} | ON),
    ("/setup/providers/1/withdraw", {"reason": "closed", "confirm": "yes"} | ON),
    (
        "/setup/providers/1/unavailable",
        {"reason": "leave", "lot": "4", "confirm": "yes"}
        | day("start", "2015-07-01")
        | day("end", "2015-07-31")
        | ON,
    ),
    ("/setup/rankings/4/set", {"providers": "Birch Practice Ltd\nAlder Training"} | ON),
    ("/setup/rankings/4/rates", {"provider": "1", "day": "950", "confirm": "yes"} | ON),
    ("/setup/rankings/import", {"file": None} | ON),
    ("/setup/rankings/import/confirm", {"digest": "0" * 64} | ON),
]


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", READ)
def test_every_role_reads_providers_and_rankings(app, login, path):
    page = client_as(app, login).get(path)
    assert page.status_code == 200, page.text[:500]
    title = re.search(r"<title>(.*?)</title>", page.text, re.S)
    assert title and "<" not in title.group(1)


@pytest.mark.parametrize("login", TEAM)
def test_the_set_up_index_is_an_admins(app, db, login):
    page = client_as(app, login).get("/setup")
    if "admin" in ROLES[login]:
        assert page.status_code == 200
        for path in (
            "/setup/providers",
            "/setup/rankings",
            "/setup/rankings/import",
            "/setup/officers",
            "/setup/budget",
            "/setup/term",
            "/setup/settings",
        ):
            assert f'href="{path}"' in page.text, path
    else:
        assert page.status_code == 403
        assert "This needs the <strong>admin</strong> role" in page.text


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize(("path", "form"), WRITE, ids=[w[0] for w in WRITE])
def test_every_set_up_form_is_an_admins(app, db, login, path, form):
    client = client_as(app, login)
    before = changes(db)
    form = {k: (upload(CSV) if v is None else v) for k, v in form.items()}
    shown = client.get(path)
    sent = post(client, path, form)
    if "admin" in ROLES[login]:
        assert shown.status_code in (200, 405)  # the confirmation is only ever sent
        assert sent.status_code in (200, 302, 400), sent.text[:500]
        assert "You cannot do this" not in sent.text
    else:
        for answer in (shown, sent) if not path.endswith("/confirm") else (sent,):
            assert answer.status_code == 403
            assert "This needs the <strong>admin</strong> role" in answer.text
            assert "Max Admin (m.admin)" in answer.text
        assert changes(db) == before


@pytest.mark.parametrize("login", [t for t in TEAM if "admin" not in ROLES[t]])
def test_others_see_no_button_or_form_that_writes(app, login):
    client = client_as(app, login)
    for path in READ:
        page = client.get(path)
        assert page.text.count('method="post"') == 1, path  # the header's sign-out
        for words in ("Add a provider", "Set the ranking", "Set rates", "Suspend", "Import"):
            assert words not in page.text, (path, words)
    assert 'href="/setup"' not in client.get("/setup/providers").text


def test_an_admin_sees_the_buttons(app):
    client = client_as(app, "m.admin")
    assert "Add a provider" in client.get("/setup/providers").text
    page = client.get("/setup/providers/1").text
    for verb in ("Edit details", "Suspend", "Withdraw", "Mark unavailable", "Set rates"):
        assert verb in page
    assert ">Reinstate<" not in page  # only a suspended provider is reinstated
    assert "Set the ranking" in client.get("/setup/rankings/4").text


def test_an_admin_adds_a_provider_ranks_it_first_and_an_officer_allocates_to_it(app, db):
    admin = client_as(app, "m.admin")
    check = post(
        admin,
        "/setup/providers/new",
        {
            "name": "Cedar Learning CIC",
            "vat": "standard",
            "companies_house": "sc 123456",
            "ppon": "pbcd-1234-bcdg",
            "address": "1 Fictional Row, Leeds LS99 9ZZ",
            "sme": "yes",
            "vcse": "yes",
        }
        | day("on", "2015-04-20"),
    )
    assert check.status_code == 200 and "Check before you add a provider" in check.text
    assert calloff.open(db).count_providers() == 2  # nothing yet
    added = post(
        admin,
        "/setup/providers/new",
        {
            "name": "Cedar Learning CIC",
            "vat": "standard",
            "companies_house": "sc 123456",
            "ppon": "pbcd-1234-bcdg",
            "address": "1 Fictional Row, Leeds LS99 9ZZ",
            "sme": "yes",
            "vcse": "yes",
            "confirm": "yes",
        }
        | day("on", "2015-04-20"),
    )
    assert added.status_code == 302 and added.headers["Location"] == "/setup/providers/3"
    page = text(admin.get("/setup/providers/3"))
    assert "Provider 3: Cedar Learning CIC (VAT standard)" in page
    assert "SC123456" in page and "PBCD-1234-BCDG" in page

    ranking = {"providers": "Cedar Learning CIC\nAlder Training\n2"} | day("on", "2015-05-01")
    check = post(admin, "/setup/rankings/4/set", ranking)
    assert check.status_code == 200
    assert "Cedar Learning CIC not ranked" in text(check)  # rank 1, new to the lot
    assert "Alder Training rank 1" in text(check)  # rank 2, was 1
    done = post(admin, "/setup/rankings/4/set", ranking | {"confirm": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == "/setup/rankings/4"
    assert (
        "Lot 4: 1. Cedar Learning CIC, 2. Alder Training, 3. Birch Practice Ltd"
        in admin.get("/setup/rankings/4").text
    )

    rate = {"provider": "3", "day": "900"} | day("on", "2015-05-01")
    assert "£900" in post(admin, "/setup/rankings/4/rates", rate).text  # the check
    done = post(admin, "/setup/rankings/4/rates", rate | {"confirm": "yes"})
    assert done.status_code == 302, errors(done)
    assert "Cedar Learning CIC&#39;s rates on lot 4: day £900.00" in admin.get(done.headers[
        "Location"
    ]).text  # fmt: skip

    officer = client_as(app, "o.officer")
    made = post(
        officer,
        "/requests/new",
        {"lot": "4", "title": "Five deep-dive days", "quantity": "5", "unit": "day"}
        | {"funding": "core"}
        | day("start", "2015-06-15")
        | day("on", "2015-05-10"),
    )
    assert made.headers["Location"] == "/requests/2"
    allocated = post(officer, "/requests/2/allocate", day("on", "2015-05-11"))
    assert allocated.headers["Location"] == "/calloffs/1"
    # Cedar, rank 1 at £900.00 a day: 5 days, £4,500.00; £260,000.00 - £4,500.00 left.
    assert (
        "Call-off 1: request 2 offered to Cedar Learning CIC (rank 1 on lot 4) at £4,500.00, "
        "core; respond by 2015-05-14. Headroom left £255,500.00."
    ) in officer.get("/calloffs/1").text
    with calloff.open(db) as office:
        offer = office.calloff(1)
        assert (offer.provider_id, offer.rank, offer.value) == (3, 1, Decimal("4500.00"))
        assert office.provider(3).sme is True
        events = [(e.action, e.officer, e.channel) for e in office.audit(provider=3)]
        assert ("provider.add", "m.admin", "web") in events
        assert ("prices.set", "m.admin", "web") in events


def test_provider_actions_say_what_the_command_says(app, db):
    admin = client_as(app, "m.admin")
    steps = [
        ("suspend", {"reason": "quality review"}, "Alder Training suspended from 2015-05-01."),
        ("reinstate", {}, "Alder Training reinstated from 2015-05-01."),
        (
            "unavailable",
            {"reason": "trainers on leave", "lot": "4"}
            | day("start", "2015-07-01")
            | day("end", "2015-07-31"),
            "Alder Training unavailable 2015-07-01 to 2015-07-31 on lot 4.",
        ),
        ("edit", {"charity": "1098765", "vcse": "yes"}, "Alder Training: charity, vcse updated."),
        ("withdraw", {"reason": "ceased trading"}, "Alder Training withdrawn from 2015-05-01."),
    ]
    for step, form, said in steps:
        path = f"/setup/providers/1/{step}"
        if step == "edit":  # the form as the page fills it in, with two changes
            form = {"address": "", "companies_house": "", "ppon": "", "sme": "unknown"} | form
        before = changes(db)
        check = post(admin, path, form | ON)
        assert check.status_code == 200 and "Check before you" in check.text, check.text[:800]
        assert changes(db) == before
        done = post(admin, path, form | ON | {"confirm": "yes"})
        assert done.status_code == 302, errors(done)
        assert said in text(admin.get("/setup/providers/1"))
    page = text(admin.get("/setup/providers/1"))
    assert "withdrawn: ceased trading" in page
    assert "1 July 2015 to 31 July 2015, lot 4: trainers on leave" in page
    assert "Edit details" not in page  # a withdrawal is final: no action is offered
    with calloff.open(db) as office:
        p = office.provider(1)
        assert (p.status, p.charity, p.vcse) == ("withdrawn", "1098765", True)


@pytest.mark.parametrize(
    ("path", "form", "field", "sentence"),
    [
        (
            "/setup/rankings/4/set",
            {"providers": "Alder Training\nNobody Ltd"},
            "providers",
            "Line 2: no provider is called 'Nobody Ltd': see `calloff provider list`",
        ),
        (
            "/setup/rankings/4/set",
            {"providers": "Alder Training\nAlder Training", "confirm": "yes"},
            "providers",
            "a provider appears twice in the ranking for lot 4",
        ),
        (
            "/setup/rankings/1/rates",
            {"provider": "1", "day": "900", "confirm": "yes"},
            "provider",
            "Alder Training is not ranked on lot 1: rank it first with `calloff rank set 1 ...`",
        ),
        (
            "/setup/providers/new",
            {"name": "alder training", "vat": "standard", "confirm": "yes"},
            "name",
            "a provider called 'alder training' already exists",
        ),
        (
            "/setup/providers/new",
            {"name": "Dale Trust", "vat": "standard", "companies_house": "1234", "confirm": "yes"},
            "companies_house",
            "Companies House number '1234' is not valid: it is 8 characters, 8 digits or 2 "
            "letters and 6 digits (e.g. 01234567 or SC123456)",
        ),
        (
            "/setup/providers/2/suspend",
            {"reason": "again", "confirm": "yes"},
            "reason",
            "Birch Practice Ltd is already suspended on 2015-05-01",
        ),
    ],
)
def test_a_refusal_is_the_librarys_sentence_and_writes_nothing(
    app, db, path, form, field, sentence
):
    with calloff.open(db) as office:
        office.suspend(2, reason="quality review", on="2015-04-20")
    admin = client_as(app, "m.admin")
    before = changes(db)
    refused = post(admin, path, form | ON)
    assert refused.status_code == 400
    assert errors(refused) == [sentence]
    assert f'href="#{field}"' in refused.text
    assert changes(db) == before


def test_withdrawn_is_final(app, db):
    with calloff.open(db) as office:
        office.withdraw(2, reason="closed", on="2015-04-20")
    admin = client_as(app, "m.admin")
    before = changes(db)
    refused = post(admin, "/setup/providers/2/reinstate", {"confirm": "yes"} | ON)
    assert refused.status_code == 400
    assert errors(refused) == [
        "Birch Practice Ltd was withdrawn from the framework on 2015-04-20 (closed); a "
        "withdrawal is final"
    ]
    assert changes(db) == before


@pytest.mark.parametrize(
    ("path", "form", "line"),
    [
        ("/setup/providers/new", {"name": "", "vat": "standard"}, "Enter the provider's name"),
        (
            "/setup/providers/new",
            {"name": "Dale", "vat": "zero"},
            "Choose the VAT on its training: standard-rated or exempt",
        ),
        ("/setup/providers/1/suspend", {"reason": " "}, "Enter the reason"),
        (
            "/setup/providers/1/unavailable",
            {"reason": "leave", "start-day": "31", "start-month": "2", "start-year": "2015"}
            | day("end", "2015-03-05"),
            "The first day it cannot deliver must be a real date, such as 1 6 2015",
        ),
        (
            "/setup/providers/1/unavailable",
            {"reason": "leave", "lot": "99"}
            | day("start", "2015-07-01")
            | day("end", "2015-07-02"),
            "Choose a lot of the framework, or every lot",
        ),
        (
            "/setup/providers/1/edit",
            {"address": "", "companies_house": "", "charity": "", "ppon": ""},
            "Nothing to change: change at least one of Alder Training's details",
        ),
        ("/setup/rankings/4/set", {"providers": "\n \n"}, "Enter the providers, one a line, "
         "rank 1 first"),
        (
            "/setup/rankings/4/rates",
            {"provider": "1"},
            "Enter at least one rate: per day, per session or per place",
        ),
        (
            "/setup/rankings/4/rates",
            {"provider": "1", "day": "1e5", "confirm": "yes"},
            None,
        ),
        (
            "/setup/rankings/4/rates",
            {"provider": "1", "day": "900", "confirm": "yes", "on-year": "2999"},
            None,
        ),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line_and_writes_nothing(app, db, path, form, line):
    admin = client_as(app, "m.admin")
    before = changes(db)
    refused = post(admin, path, ON | form)
    assert refused.status_code == 400, refused.text[:500]
    found = errors(refused)
    assert len(found) == 1 and "Traceback" not in refused.text
    if line is not None:
        assert found == [line]
    assert changes(db) == before


def test_the_import_previews_writes_nothing_then_imports_on_confirmation(app, db):
    admin = client_as(app, "m.admin")
    before = changes(db)
    preview = post(admin, "/setup/rankings/import", {"file": upload(CSV)} | ON)
    assert preview.status_code == 200, preview.text[:1000]
    assert changes(db) == before  # the preview wrote nothing
    shown = text(preview)
    assert "Lot 1: 1 provider ranked" in shown and "Lot 4: 2 providers ranked" in shown
    assert "1 Birch Practice Ltd rank 2 £1,150.00" in shown
    assert "2 Alder Training rank 1 £1,000.00" in shown
    assert "1 Alder Training not ranked £800.00" in shown
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text).group(1)
    state = re.search(r'name="state" value="([0-9a-f]{64})"', preview.text).group(1)
    assert 'type="file"' not in preview.text  # the bytes stay on the server
    done = post(admin, "/setup/rankings/import/confirm", {"digest": digest, "state": state} | ON)
    assert done.status_code == 302 and done.headers["Location"] == "/setup/rankings"
    page = text(admin.get("/setup/rankings"))
    assert "Lot 1: 1 provider(s) ranked." in page and "Lot 4: 2 provider(s) ranked." in page
    with calloff.open(db) as office:
        assert [(r, p.name, x.day) for r, p, x in office.ranking(4)] == [
            (1, "Birch Practice Ltd", Decimal("1150.00")),
            (2, "Alder Training", Decimal("1000.00")),
        ]
        assert [(r, p.name) for r, p, _ in office.ranking(1)] == [(1, "Alder Training")]
        # The trail names the file the admin uploaded, never where the server kept it.
        note = office.audit(action="ranking.import")[-1].reason
        assert note == f"imported from rankings.csv (uploaded, SHA-256 {digest[:16]})"
    again = changes(db)
    twice = post(admin, "/setup/rankings/import/confirm", {"digest": digest, "state": state} | ON)
    assert twice.status_code == 400  # the kept copy went with the import
    assert "That preview is no longer kept" in errors(twice)[0]
    assert changes(db) == again


def test_a_confirmation_with_a_changed_file_is_refused(app, db):
    admin = client_as(app, "m.admin")
    preview = post(admin, "/setup/rankings/import", {"file": upload(CSV)} | ON)
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text).group(1)
    other = client_as(app, "m.admin")  # another session, which did not preview it
    before = changes(db)
    changed = CSV.replace("1150", "1500")
    refused = post(
        admin,
        "/setup/rankings/import/confirm",
        {"digest": digest, "file": upload(changed)} | ON,
    )
    assert refused.status_code == 400
    assert errors(refused) == [
        "The file sent with the confirmation is not the file previewed: nothing was "
        "imported. Upload it again and check its preview."
    ]
    forged = post(admin, "/setup/rankings/import/confirm", {"digest": "a" * 64} | ON)
    assert forged.status_code == 400 and "no longer kept" in errors(forged)[0]
    assert post(other, "/setup/rankings/import/confirm", {"digest": digest} | ON).status_code == 400
    assert changes(db) == before


def test_a_bad_file_lists_every_bad_row_and_writes_nothing(app, db):
    admin = client_as(app, "m.admin")
    before = changes(db)
    bad = "lot,rank,provider,day_rate\n4,1,Nobody Ltd,900\n4,3,Alder Training,1e5\n"
    refused = post(admin, "/setup/rankings/import", {"file": upload(bad, "mine.csv")} | ON)
    assert refused.status_code == 400
    assert errors(refused) == [
        "mine.csv: 3 bad row(s), nothing imported: correct the rows listed below and import "
        "the whole file again"
    ]
    shown = text(refused)
    assert "2 no provider is called 'Nobody Ltd': see `calloff provider list`" in shown
    assert "calloff-rankings-" not in refused.text  # the server's folder is not shown
    assert changes(db) == before
    empty = post(admin, "/setup/rankings/import", ON)
    assert empty.status_code == 400 and errors(empty) == ["Choose a CSV file of rankings"]
    future = post(admin, "/setup/rankings/import", {"file": upload(CSV)} | day("on", "2999-01-01"))
    assert (
        future.status_code == 400 and "a change cannot be dated in the future" in errors(future)[0]
    )
    assert changes(db) == before


def test_the_providers_list_pages_at_50(app, db):
    with calloff.open(db) as office:
        for n in range(3, 121):
            office.add_provider(f"Provider {n:03d} Ltd", on="2015-04-01")
    client = client_as(app, "u.auditor")
    first = text(client.get("/setup/providers"))
    assert "1 to 50 of 120 providers (page 1 of 3)." in first
    last = client.get("/setup/providers?page=3")
    assert "101 to 120 of 120 providers (page 3 of 3)." in text(last)
    assert "Provider 120 Ltd" in last.text and "Alder Training" not in last.text
    found = text(client.get("/setup/providers?name=provider 11"))
    assert "1 to 10 of 10 providers." in found
    assert client.get("/setup/providers?page=0").status_code == 404
    assert client.get("/setup/providers/999").status_code == 404
    assert client.get("/setup/rankings/99").status_code == 404


def test_a_ranking_changed_between_the_preview_and_the_confirmation_refuses_the_import(app, db):
    admin = client_as(app, "m.admin")
    preview = post(admin, "/setup/rankings/import", {"file": upload(CSV)} | ON)
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text).group(1)
    state = re.search(r'name="state" value="([0-9a-f]{64})"', preview.text).group(1)
    with calloff.open(db) as office:  # another admin moves Birch's rate on lot 4 meanwhile
        office.set_rates(lot=4, provider=2, day="1250", on="2015-05-01")
    before = changes(db)
    refused = post(admin, "/setup/rankings/import/confirm", {"digest": digest, "state": state} | ON)
    assert refused.status_code == 400
    assert errors(refused) == [
        "the rankings or rates of lot 1, 4 changed since the file was previewed: nothing "
        "imported; preview the file again"
    ]
    assert changes(db) == before
    again = post(admin, "/setup/rankings/import", {"file": upload(CSV)} | ON)
    fresh = re.search(r'name="state" value="([0-9a-f]{64})"', again.text).group(1)
    assert fresh != state
    done = post(admin, "/setup/rankings/import/confirm", {"digest": digest, "state": fresh} | ON)
    assert done.status_code == 302, errors(done)


def test_a_bad_rankings_file_says_its_rows_are_listed_below(app, db):
    admin = client_as(app, "m.admin")
    refused = post(
        admin, "/setup/rankings/import", {"file": upload("lot,rank,provider\n4,1,Nobody\n")} | ON
    )
    assert refused.status_code == 400
    assert "correct the rows listed below" in errors(refused)[0]


# -- Continue reads every field as the library will ------------------------------------------

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
FUTURE = (
    f"the effective date {TOMORROW} is after today ({date.today()}): a change cannot be dated "
    "in the future"
)


@pytest.mark.parametrize(
    ("path", "form", "field", "line"),
    [
        (
            "/setup/rankings/4/rates",
            {"provider": "1", "day": "-7"},
            "day",
            "'-7' is not an amount of money (amounts must not be negative): write it like "
            "12500, 12500.00, 12,500.00 or £12,500.00",
        ),
        (
            "/setup/rankings/4/rates",
            {"provider": "1", "session": "0"},
            "session",
            "the session rate must be more than £0.00",
        ),
        (
            "/setup/rankings/4/rates",
            {"provider": "1", "place": "12.345"},
            "place",
            "'12.345' is not an amount of money: write it like 12500, 12500.00, 12,500.00 or "
            "£12,500.00",
        ),
        ("/setup/rankings/4/rates", {"provider": "1", "day": "900"} | day("on", TOMORROW),
         "on", FUTURE),
        ("/setup/rankings/4/set", {"providers": "Alder Training"} | day("on", TOMORROW), "on",
         FUTURE),
        ("/setup/providers/new", {"name": "Dale Trust", "vat": "exempt"} | day("on", TOMORROW),
         "on", FUTURE),
        (
            "/setup/providers/new",
            {"name": "Dale Trust", "vat": "exempt", "ppon": "PBCD/1234-BCDG"},
            "ppon",
            "PPON 'PBCD/1234-BCDG' is not valid: it is letters and digits joined by hyphens, "
            "as the Central Digital Platform gives it (e.g. PBCD-1234-BCDG)",
        ),
        ("/setup/providers/1/edit", {"charity": "12"}, "charity", "charity number '12' is not "
         "valid: it is digits only, 5 to 8 of them (e.g. 1234567)"),
        ("/setup/providers/1/suspend", {"reason": "review"} | day("on", TOMORROW), "on",
         FUTURE),
        ("/setup/providers/1/reinstate", day("on", TOMORROW), "on", FUTURE),
        ("/setup/providers/1/withdraw", {"reason": "closed"} | day("on", TOMORROW), "on",
         FUTURE),
        (
            "/setup/providers/1/unavailable",
            {"reason": "leave"} | day("start", "2015-07-01") | day("end", "2015-07-02")
            | day("on", TOMORROW),
            "on",
            FUTURE,
        ),
    ],
)  # fmt: skip
def test_continue_refuses_what_the_library_would_before_the_check_page(
    app, db, path, form, field, line
):
    """Not "Rate per day £-7" on a check page and a refusal only after Confirm: each field
    is read at Continue as the library reads it, refused at its field in the library's
    words, status 400, the form filled in again, nothing written."""
    admin = client_as(app, "m.admin")
    before = changes(db)
    refused = post(admin, path, ON | form)
    assert refused.status_code == 400, refused.text[:500]
    assert errors(refused) == [line]
    anchor = f"{field}-day" if field == "on" else field
    assert f'href="#{anchor}"' in refused.text
    assert "Check" not in re.search(r"<title>(.*?)</title>", refused.text, re.S).group(1)
    for name in ("day", "session", "place", "ppon", "charity", "reason", "name"):
        if name in form:  # the form comes back as it was filled in
            assert f'value="{form[name]}"' in refused.text, name
    assert changes(db) == before


def test_the_check_pages_show_what_the_library_will_keep(app, db):
    """Rates as money (£1,250.50, not "£1250.5"), identifiers as they are kept."""
    admin = client_as(app, "m.admin")
    before = changes(db)
    rates = post(admin, "/setup/rankings/4/rates", ON | {"provider": "2", "day": "1250.50",
                                                         "place": "£95"})  # fmt: skip
    assert rates.status_code == 200
    assert "Rate per day £1,250.50" in text(rates) and "Rate per place £95.00" in text(rates)
    added = post(
        admin,
        "/setup/providers/new",
        ON | {"name": "Dale Trust", "vat": "exempt", "companies_house": "sc 123456"},
    )
    assert added.status_code == 200 and "Companies House number SC123456" in text(added)
    assert changes(db) == before
