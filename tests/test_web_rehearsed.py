"""Continue rehearses the write Confirm would make (`Office.rehearse`): a form the library
would refuse, for a reason only the records show, is refused at Continue with the library's
own sentence on the field, status 400, and nothing written; the check page shows what the
write would do. Each case below was shown a check page before the rehearsal, and refused
only at Confirm."""

from __future__ import annotations

import re

import pytest

import calloff
from calloff.domain import passwords
from tests.test_web_pages import changes, client_as
from tests.workspace import app_for, build, day, post

SPEND = {"amount": "100", "invoice": "ALD-0630"} | day("invoice_date", "2015-06-30")
ON = day("on", "2015-05-01")

# (who, where, the form at Continue, the line the error summary shows)
REFUSED = [
    (
        "f.finance",
        "/calloffs/1/spend/add",
        SPEND | day("received", "2015-06-01"),
        "received date 2015-06-01 is before invoice ALD-0630 is dated 2015-06-30",
    ),
    (
        "f.finance",
        "/calloffs/1/spend/add",
        SPEND | {"vat": "500"},
        "VAT £500.00 is more than 20% of invoice ALD-0630's £100.00",
    ),
    (
        "f.finance",
        "/calloffs/1/spend/add",
        SPEND | {"attendees": "999999999999"},
        "attendees must be a whole number from 0 to 10,000,000",
    ),
    (
        "f.finance",
        "/calloffs/1/spend/add",
        SPEND | {"invoice": "X" * 101},
        "the invoice reference is 101 characters long: keep it to 100",
    ),
    (
        "m.admin",
        "/setup/officers/new",
        {"login": "n.new", "name": "N" * 101, "roles": "officer"} | day("on", "2015-06-01"),
        "the name is 101 characters long: keep it to 100",
    ),
    (
        "m.admin",
        "/setup/officers/new",
        {"login": "n.new", "name": "Nia New", "roles": "officer", "limit": "5000"}
        | day("on", "2015-06-01"),
        "a limit of £5,000.00 is an approver's",
    ),
    (
        "m.admin",
        "/setup/providers/new",
        {"name": "P" * 300, "vat": "exempt"} | ON,
        "the provider's name is 300 characters long: keep it to 200",
    ),
    (
        "m.admin",
        "/setup/budget/ceiling",
        {"year": "2015-16", "funding": "traded", "amount": "1000"} | ON,
        "funding stream traded has no cap of its own",
    ),
    (
        "m.admin",
        "/setup/officers/a.approver/cover",
        {"to": "officer.a", "reason": "leave"}
        | day("start", "2015-07-14")
        | day("end", "2015-07-01"),
        "2015-07-01 is before --from 2015-07-14: swap them",
    ),
    (
        "m.admin",
        "/setup/providers/1/unavailable",
        {"reason": "leave", "lot": "4"}
        | day("start", "2015-07-31")
        | day("end", "2015-07-01")
        | ON,
        "2015-07-01 is before --from 2015-07-31: swap them",
    ),
    (
        "m.admin",
        "/setup/rankings/4/set",
        {"providers": "Alder Training\nAlder Training"} | ON,
        "a provider appears twice in the ranking for lot 4",
    ),
    (
        "m.admin",
        "/setup/providers/1/suspend",
        {"reason": "r" * 1000} | ON,
        "the reason is 1000 characters long: keep it to 500",
    ),
    (
        "o.officer",
        "/calloffs/1/cancel",
        {"reason": "r" * 1000} | day("on", "2015-05-20"),
        "the reason is 1000 characters long: keep it to 500",
    ),
]


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Call-off 1: request 1 offered to Alder Training on 12 May 2015, £6,000.00."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path, officer="o.officer") as office:
        office.allocate(1, on="2015-05-12")
    return path


def words(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text)


def error_summary(page) -> str:
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S)
    assert found, f"no error summary: {page.status_code} {words(page.text)[:300]}"
    assert found.group(1).count("<li>") == 1
    return words(found.group(1))


@pytest.mark.parametrize(("login", "path", "form", "line"), REFUSED)
def test_continue_is_refused_as_confirm_would_be(db, login, path, form, line):
    if path.endswith("/spend/add"):
        with calloff.open(db, officer="o.officer") as office:
            office.accept(1, on="2015-05-13")
    client = client_as(app_for(db), login)
    before = changes(db)
    refused = post(client, path, form)
    assert refused.status_code == 400
    assert line in error_summary(refused)
    assert "Check" not in words(refused.text).split("There is a problem")[0]
    assert changes(db) == before


def test_the_check_page_says_where_a_decline_sends_the_request(db):
    """Declined by Alder Training, the request goes to Birch Practice Ltd at 6 days of
    £1,200.00: £7,200.00. Continue says so and writes nothing; Confirm does just that."""
    client = client_as(app_for(db), "o.officer")
    form = {"reason": "fully booked"} | day("on", "2015-05-14")
    before = changes(db)
    check = post(client, "/calloffs/1/decline", form)
    assert check.status_code == 200
    assert (
        "What happens The request is offered to Birch Practice Ltd (rank 2) at £7,200.00."
        in words(check.text)
    )
    assert changes(db) == before
    done = post(client, "/calloffs/1/decline", {"confirm": "yes"} | form)
    assert done.status_code == 302
    with calloff.open(db) as office:
        second = office.calloff(2)
        assert (second.provider_id, second.value, second.status) == (2, 7200, "offered")


def test_a_rehearsal_leaves_the_servers_view_of_the_term_alone(db):
    """Continue on extending the term rehearses the extension and rolls it back: the term
    the next page shows still ends on 31 March 2016, and Confirm then extends it once."""
    client = client_as(app_for(db), "m.admin")
    form = day("on", "2015-06-01")
    check = post(client, "/setup/term/extend", form)
    assert check.status_code == 200
    assert "The term ends 31 March 2017, not 31 March 2016" in words(check.text)
    assert "31 March 2016" in words(client.get("/setup/term").text)
    assert "31 March 2017" not in words(client.get("/setup/term").text)
    done = post(client, "/setup/term/extend", {"confirm": "yes"} | form)
    assert done.status_code == 302
    with calloff.open(db) as office:
        assert str(office.framework.term.end) == "2017-03-31"
