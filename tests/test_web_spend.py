"""The spend pages through Flask's test client: every route for every role (finance writes;
anyone else gets the 403 page and nothing is written; everyone reads), a spend file's
preview that writes nothing until it is confirmed, a confirmation refused when the file or
what it would write has changed, bad rows and bad input refused with one clear line, and
a journey with figures worked by hand: £1,500.00 and £2,250.50 on call-off 1 make
£3,750.50."""

from __future__ import annotations

import io
import os
import re
import stat
from datetime import date, timedelta
from decimal import Decimal

import pytest

import calloff
from calloff.domain import passwords
from calloff.web import spend_import, spend_pages
from tests.conftest import snapshot
from tests.workspace import ROLES, TEAM, app_for, build, day, post, sign_in

GOOD = b"calloff,invoice,date,amount\n1,ALD-0702,2015-07-02,2250.50\n"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path, cheap_hashes):
    """Call-off 1: request 1 accepted by Alder Training (exempt from VAT), £6,000.00, with
    one unpaid invoice line, ALD-0615 for £100.00."""
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path, officer="o.officer") as office:
        office.allocate(1, on="2015-05-12")
        office.accept(1, on="2015-05-13")
    with calloff.open(path, officer="f.finance") as office:
        office.add_spend(1, amount="100", invoice_date="2015-06-15", invoice="ALD-0615")
    return path


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def app(db, uploads):
    app = app_for(db)
    app.config["CALLOFF_SPEND_UPLOADS"] = str(uploads)
    return app


def client_as(app, login):
    client = app.test_client()
    assert sign_in(client, login).status_code == 302
    return client


def changes(db):
    """Every table but the sign-in record, which a page load does not touch."""
    found = snapshot(db)
    found.pop("sign_ins")
    return found


def csrf(client):
    page = client.get("/spend")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def upload(client, content: bytes, name: str = "invoices.csv"):
    return client.post(
        "/spend/import",
        data={"csrf_token": csrf(client), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def hidden(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1)


def confirm(client, preview, **extra):
    data = {
        "csrf_token": csrf(client),
        "digest": hidden(preview, "digest"),
        "fingerprint": hidden(preview, "fingerprint"),
        "name": hidden(preview, "name"),
        **extra,
    }
    multipart = any(isinstance(v, tuple) for v in extra.values())
    return client.post(
        "/spend/import/confirm",
        data=data,
        content_type="multipart/form-data" if multipart else None,
    )


READ = ["/spend", "/spend?page=1", "/calloffs/1/spend", "/calloffs/1/spend?page=1"]
ADD = {"amount": "1500", "invoice": "ALD-0630", "confirm": "yes"} | day(
    "invoice_date", "2015-06-30"
)
PAY = {"invoice": "ALD-0615", "confirm": "yes"} | day("on", "2015-07-10")


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", READ)
def test_every_role_reads_the_spend_pages(app, login, path):
    page = client_as(app, login).get(path)
    assert page.status_code == 200, page.text[:500]
    title = re.search(r"<title>(.*?)</title>", page.text, re.S)
    assert title and "<" not in title.group(1)


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize(
    ("path", "form"),
    [("/calloffs/1/spend/add", ADD), ("/spend/pay", PAY)],
    ids=["add", "pay"],
)
def test_only_finance_adds_and_pays(app, db, login, path, form):
    client = client_as(app, login)
    before = changes(db)
    shown = client.get(path)
    sent = post(client, path, form)
    if "finance" in ROLES[login]:
        assert shown.status_code == 200
        assert sent.status_code == 302, sent.text[:500]
        assert sent.headers["Location"] == "/calloffs/1/spend"
    else:
        for answer in (shown, sent):
            assert answer.status_code == 403
            assert "This needs the <strong>finance</strong> role" in answer.text
        assert changes(db) == before


@pytest.mark.parametrize("login", TEAM)
def test_only_finance_previews_and_imports(app, db, login):
    client = client_as(app, login)
    before = changes(db)
    shown = client.get("/spend/import")
    previewed = upload(client, GOOD)
    if "finance" in ROLES[login]:
        assert shown.status_code == 200 and previewed.status_code == 200
        assert changes(db) == before  # the preview wrote nothing
        assert confirm(client, previewed).status_code == 302
        assert calloff.open(db).spent(1) == Decimal("2350.50")
        return
    assert shown.status_code == 403 and previewed.status_code == 403
    token = csrf(client)
    fake = {"csrf_token": token, "digest": "a" * 64, "fingerprint": "b" * 64, "name": "x.csv"}
    for path in ("/spend/import/preview", "/spend/import/confirm"):
        answer = client.post(path, data=fake)
        assert answer.status_code == 403
        assert "This needs the <strong>finance</strong> role" in answer.text
    assert changes(db) == before


def test_an_auditor_sees_no_button_that_writes(app):
    client = client_as(app, "u.auditor")
    for path in [*READ, "/calloffs/1"]:
        page = client.get(path)
        assert page.text.count('method="post"') == 1, path  # the header's sign-out
        for words in ("Add an invoice line", "Import a spend file", "Record a payment"):
            assert words not in page.text, (path, words)
    assert "Record payment" not in client.get("/calloffs/1/spend").text


def test_finance_sees_what_it_may_do(app):
    client = client_as(app, "f.finance")
    start = client.get("/spend").text
    assert "Import a spend file" in start and "Record a payment" in start
    lines = client.get("/calloffs/1/spend").text
    assert "Add an invoice line" in lines
    assert "/spend/pay?invoice=ALD-0615&amp;provider=Alder+Training" in lines
    # The call-off's page links to its invoice lines.
    assert 'href="/calloffs/1/spend"' in client.get("/calloffs/1").text


def test_the_journey_by_hand(app, db):
    """£1,500.00 by the form and £2,250.50 from a file, after the £100.00 already there:
    the page, the call-off's page and the library all say £3,850.50."""
    client = client_as(app, "f.finance")
    form = {"amount": "£1,500.00", "invoice": "ALD-0630"} | day("invoice_date", "2015-06-30")
    check = post(client, "/calloffs/1/spend/add", form)
    assert check.status_code == 200 and "Check the invoice line for call-off 1" in check.text
    assert "30 June 2015" in check.text and "£1,500.00" in check.text
    assert calloff.open(db).spent(1) == Decimal("100.00")  # nothing yet
    added = post(client, "/calloffs/1/spend/add", {**form, "confirm": "yes"})
    assert added.status_code == 302
    page = client.get(added.headers["Location"]).text
    # The line `calloff spend add` prints.
    assert "Invoice ALD-0630: £1,500.00 on call-off 1; spent £1,600.00 of £6,000.00." in page

    before = changes(db)
    previewed = upload(client, GOOD)
    assert previewed.status_code == 200
    assert changes(db) == before
    text = previewed.text
    assert "Import this line" in text and "ALD-0702" in text and "2 July 2015" in text
    # Totals per call-off: £1,600.00 before, £2,250.50 in the file, £3,850.50 after.
    row = re.search(r"<th scope=\"row\"[^>]*>1</th>(.*?)</tr>", text, re.S).group(1)
    assert re.findall(r"£[0-9,.]+", row) == ["£2,250.50", "£1,600.00", "£3,850.50", "£6,000.00"]
    done = confirm(client, previewed)
    assert done.status_code == 302 and done.headers["Location"] == "/spend"
    assert "Imported 1 spend line(s), £2,250.50." in client.get("/spend").text

    with calloff.open(db) as office:
        assert office.spent(1) == Decimal("3850.50")
    lines = client.get("/calloffs/1/spend").text
    assert re.search(r'id="total"><strong>£3,850.50</strong>', lines)
    assert "£3,850.50" in client.get("/calloffs/1").text  # the call-off's page agrees
    listed = client.get("/spend").text
    assert "£3,850.50" in listed and "£2,149.50" in listed  # spent, and what remains


def test_two_lines_make_the_total_worked_by_hand(tmp_path, cheap_hashes):
    """£1,500.00 and £2,250.50 on a call-off with no spend: £3,750.50, on every page."""
    path = tmp_path / "fresh.db"
    build(path)
    with calloff.open(path, officer="o.officer") as office:
        office.allocate(1, on="2015-05-12")
        office.accept(1, on="2015-05-13")
    app = app_for(path)
    app.config["CALLOFF_SPEND_UPLOADS"] = str(tmp_path / "up")
    client = client_as(app, "f.finance")
    previewed = upload(
        client,
        b"calloff,invoice,date,amount,attendees\n"
        b'1,ALD-1,2015-06-30,1500.00,20\n1,ALD-2,2015-07-01,"2,250.50",25\n',
    )
    assert "Import these 2 lines" in previewed.text
    assert confirm(client, previewed).status_code == 302
    lines = client.get("/calloffs/1/spend").text
    assert "£1,500.00" in lines and "£2,250.50" in lines
    assert "<strong>£3,750.50</strong>" in lines and "<strong>45</strong>" in lines
    assert "£3,750.50" in client.get("/calloffs/1").text
    assert calloff.open(path).spent(1) == Decimal("3750.50")


def test_a_confirm_with_another_file_is_refused(app, db):
    client = client_as(app, "f.finance")
    previewed = upload(client, GOOD)
    before = changes(db)
    other = GOOD.replace(b"2250.50", b"9250.50")
    refused = confirm(client, previewed, file=(io.BytesIO(other), "invoices.csv"))
    assert refused.status_code == 400
    assert "The file sent is not the file that was previewed: nothing was imported." in (
        refused.text
    )
    assert changes(db) == before
    # The same file sent again is the previewed one.
    again = confirm(client, previewed, file=(io.BytesIO(GOOD), "invoices.csv"))
    assert again.status_code == 302


def test_a_confirm_for_a_file_not_kept_is_refused(app, db, uploads):
    client = client_as(app, "f.finance")
    previewed = upload(client, GOOD)
    before = changes(db)
    for digest in ("0" * 64, "../../etc/passwd", ""):
        data = {"digest": digest}
        refused = confirm(client, previewed, **data)
        assert refused.status_code == 400
        assert "The previewed file is no longer kept here" in refused.text
    # The kept file changed on the server: refused, and forgotten.
    (kept,) = uploads.glob("*.csv")
    kept.write_bytes(GOOD.replace(b"2250.50", b"1.00"))
    refused = confirm(client, previewed)
    assert refused.status_code == 400 and "not the file that was previewed" in refused.text
    assert not kept.exists()
    assert changes(db) == before


def test_a_line_recorded_since_the_preview_refuses_the_import(app, db):
    """What the preview showed is no longer what would be written: nothing is, and the
    preview is shown again as it now stands, to confirm afresh."""
    client = client_as(app, "f.finance")
    previewed = upload(client, GOOD)
    with calloff.open(db, officer="f.finance") as office:
        office.add_spend(1, amount="50", invoice_date="2015-06-20", invoice="ALD-0620")
    before = changes(db)
    refused = confirm(client, previewed)
    assert refused.status_code == 400
    assert "what the file would import has changed since it was previewed" in refused.text
    assert changes(db) == before
    assert hidden(refused, "fingerprint") != hidden(previewed, "fingerprint")
    assert confirm(client, refused).status_code == 302
    assert calloff.open(db).spent(1) == Decimal("2400.50")


def test_bad_rows_are_shown_with_their_reasons_and_nothing_is_written(app, db, uploads):
    client = client_as(app, "f.finance")
    before = changes(db)
    bad = (
        b"calloff,invoice,date,amount\n"
        b"1,ALD-0702,2015-07-02,2250.50\n"
        b"1,ALD-0703,2015-07-03,12,50a\n"
        b"1,ALD-0704,2015-07-04,abc\n"
        b"99,ALD-0705,2015-07-05,10\n"
        b"1,ALD-0615,2015-07-06,10\n"
    )
    page = upload(client, bad)
    assert page.status_code == 400
    assert "invoices.csv: 4 bad row(s): nothing can be imported." in page.text
    rows = dict(
        re.findall(
            r'<th scope="row" class="govuk-table__header">(\d+)</th>\s*'
            r'<td class="govuk-table__cell calloff-wrap">(.*?)</td>',
            page.text,
        )
    )
    assert rows["3"] == "5 cells where the header has 4"
    assert rows["4"].startswith("&#39;abc&#39; is not an amount of money")
    assert rows["5"].startswith("call-off 99 does not exist")
    assert "invoice ALD-0615 from this provider is already recorded" in rows["6"]
    assert "Import these" not in page.text and 'id="confirm"' not in page.text
    assert changes(db) == before


def test_a_file_that_is_not_a_spend_file_is_refused_in_one_line(app, db, uploads):
    client = client_as(app, "f.finance")
    before = changes(db)
    for content, said in (
        (b"calloff,invoice,amount\n1,X,10\n", "invoices.csv: missing column(s) date"),
        (b"\xff\xfe\x00garbage", "invoices.csv:1: not UTF-8 text"),
    ):
        page = upload(client, content)
        assert page.status_code == 400
        assert said in page.text
        assert str(uploads) not in page.text  # the officer's file, not the server's copy
        assert page.text.count('class="govuk-error-message"') == 1
    empty = upload(client, b"")
    assert empty.status_code == 400 and "The selected file is empty" in empty.text
    none = client.post("/spend/import", data={"csrf_token": csrf(client)})
    assert none.status_code == 400 and "Choose a CSV file of invoice lines" in none.text
    assert changes(db) == before
    assert list(uploads.glob("*.csv")) == []


def test_a_file_over_the_limit_is_refused(app, db, uploads, monkeypatch):
    monkeypatch.setattr(spend_import, "LIMIT", 40)
    client = client_as(app, "f.finance")
    before = changes(db)
    page = upload(client, GOOD)
    assert page.status_code == 400
    assert "The file is larger than 0 MB: split it into smaller files" in page.text
    assert changes(db) == before
    assert list(uploads.iterdir()) == []


def test_the_file_waits_privately_and_is_gone_once_imported(app, db, uploads):
    client = client_as(app, "f.finance")
    previewed = upload(client, GOOD)
    digest = hidden(previewed, "digest")
    (kept,) = uploads.glob("*.csv")
    assert kept.name.endswith(f"-{digest}.csv") and kept.read_bytes() == GOOD
    assert stat.S_IMODE(os.stat(uploads).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(kept).st_mode) & 0o077 == 0
    # The digest travels in hidden fields only: no link or form address carries it.
    assert all(
        digest not in url for url in re.findall(r'(?:href|action)="([^"]*)"', previewed.text)
    )
    # Another finance officer's digest names no file of theirs.
    with calloff.open(db) as office:
        office.edit_officer("a.approver", add_roles=["finance"], on="2015-04-01")
    other = client_as(app, "a.approver")
    assert confirm(other, previewed).status_code == 400
    assert confirm(client, previewed).status_code == 302
    assert list(uploads.glob("*.csv")) == []


def test_a_preview_pages_at_fifty(app, db):
    client = client_as(app, "f.finance")
    rows = "".join(f"1,ALD-{n:04d},2015-07-01,10\n" for n in range(51))
    previewed = upload(client, ("calloff,invoice,date,amount\n" + rows).encode())
    assert previewed.text.count("ALD-00") == 50 and "Next 50 lines" in previewed.text
    before = changes(db)
    second = client.post(
        "/spend/import/preview",
        data={
            "csrf_token": csrf(client),
            "digest": hidden(previewed, "digest"),
            "name": "invoices.csv",
            "lines_page": "2",
        },
    )
    assert second.status_code == 200
    assert "ALD-0050" in second.text and "ALD-0049" not in second.text
    assert "Import these 51 lines" in second.text
    assert changes(db) == before
    assert confirm(client, second).status_code == 302
    page = client.get("/calloffs/1/spend?page=2").text
    assert "Total of 52 lines" in page and "£610.00" in page


def test_the_spend_list_pages_in_the_library(app, db, monkeypatch):
    with calloff.open(db, officer="o.officer") as office:
        office.add_request(lot=4, title="More", start="2015-07-01", value="2000", on="2015-05-13")
        office.allocate(2, on="2015-05-14")
        office.accept(2, on="2015-05-15")
    monkeypatch.setattr(spend_pages, "PAGE", 1)
    client = client_as(app, "u.auditor")
    first = client.get("/spend").text
    assert "1 to 1 of 2 call-offs" in first and "/calloffs/2/spend" in first
    second = client.get("/spend?page=2").text
    assert "/calloffs/1/spend" in second and "£100.00" in second
    assert client.get("/spend?page=0").status_code == 404


def test_finding_a_call_off_by_number(app):
    client = client_as(app, "u.auditor")
    found = client.get("/spend?calloff=1")
    assert found.status_code == 302 and found.headers["Location"] == "/calloffs/1/spend"
    bad = client.get("/spend?calloff=one")
    assert bad.status_code == 400 and "Enter a call-off number, such as 12" in bad.text
    missing = client.get("/spend?calloff=99")
    assert missing.status_code == 404 and "call-off 99 does not exist" in missing.text
    assert client.get("/calloffs/99/spend").status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "said"),
    [
        ({"amount": ""}, "amount", "Enter the amount of the invoice, excluding VAT"),
        ({"amount": "12,50a"}, "amount", "&#39;12,50a&#39; is not an amount of money"),
        ({"amount": "-5"}, "amount", "amounts must not be negative"),
        ({"invoice": ""}, "invoice", "Enter the provider&#39;s invoice reference"),
        ({"invoice": "ALD-0615"}, "invoice", "invoice ALD-0615 from this provider is already"),
        ({"attendees": "lots"}, "attendees", "Enter the number of attendees as a whole number"),
        ({"vat": "abc"}, "vat", "&#39;abc&#39; is not an amount of money"),
        (
            day("invoice_date", "2015-02-30") | {"invoice_date-day": "32"},
            "invoice_date-day",
            "The invoice date must be a real date",
        ),
        (
            day("invoice_date", "2099-06-30"),
            "invoice_date-day",
            "invoice date 2099-06-30 is after today",
        ),
        (day("invoice_date", "2015-06-01"), "invoice_date-day", "is before call-off 1 starts on"),
        (day("paid", "2015-06-01"), "paid-day", "payment date 2015-06-01 is before invoice"),
        ({"amount": "9000"}, "amount", "past its value of £6,000.00: vary the call-off first"),
    ],
)
def test_a_bad_invoice_line_is_one_clear_line_and_writes_nothing(app, db, change, field, said):
    client = client_as(app, "f.finance")
    before = changes(db)
    refused = post(client, "/calloffs/1/spend/add", {**ADD, **change})
    assert refused.status_code == 400, refused.text[:300]
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', refused.text, re.S).group(1)
    assert summary.count("<li>") == 1
    assert said in summary and f'href="#{field}"' in summary
    assert changes(db) == before


def test_an_invoice_line_on_a_call_off_not_accepted_is_refused(app, db):
    with calloff.open(db, officer="o.officer") as office:
        office.complete(1, on="2015-07-20")
    client = client_as(app, "f.finance")
    page = client.get("/calloffs/1/spend").text
    assert "Add an invoice line" not in page and "this one is completed" in page
    before = changes(db)
    refused = post(client, "/calloffs/1/spend/add", ADD)
    assert refused.status_code == 400
    assert "call-off 1 is completed: spend can be recorded only against an accepted" in (
        refused.text
    )
    assert changes(db) == before


def test_recording_a_payment(app, db):
    client = client_as(app, "f.finance")
    form = {"invoice": "ALD-0615"} | day("on", "2015-07-10") | day("received", "2015-06-20")
    check = post(client, "/spend/pay", form)
    assert check.status_code == 200 and "10 July 2015" in check.text
    done = post(client, "/spend/pay", {**form, "confirm": "yes"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).text
    assert (
        "Invoice ALD-0615 on call-off 1 (£100.00 with VAT) paid on 2015-07-10, 20 day(s) "
        "after receipt." in page
    )
    assert "20 June 2015" in page and "0 unpaid" in page
    with calloff.open(db) as office:
        line = office.invoice_lines(1).lines[0]
        assert (str(line.received), str(line.paid)) == ("2015-06-20", "2015-07-10")


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({"invoice": ""} | day("on", "2015-07-10"), "invoice", "Enter the invoice reference"),
        ({"invoice": "NOPE"} | day("on", "2015-07-10"), "invoice", "no invoice NOPE is recorded"),
        (
            {"invoice": "ALD-0615"} | day("on", "2015-06-01"),
            "on-day",
            "payment date 2015-06-01 is before",
        ),
        (
            {"invoice": "ALD-0615"} | day("on", "2099-06-01"),
            "on-day",
            "2099-06-01 is after today",
        ),
        (
            {"invoice": "ALD-0615"} | day("on", "2015-07-10") | day("received", "2015-06-01"),
            "received-day",
            "received date 2015-06-01 is before invoice ALD-0615 is dated 2015-06-15",
        ),
        (
            {"invoice": "ALD-0615", "provider": "Nobody Ltd"} | day("on", "2015-07-10"),
            "provider",
            "no provider is called",
        ),
        (
            {"invoice": "ALD-0615", "on-day": "x", "on-month": "7", "on-year": "2015"},
            "on-day",
            "The date paid must be a real date",
        ),
    ],
)
def test_a_bad_payment_is_one_clear_line_and_writes_nothing(app, db, form, field, said):
    client = client_as(app, "f.finance")
    before = changes(db)
    refused = post(client, "/spend/pay", {**form, "confirm": "yes"})
    assert refused.status_code == 400
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', refused.text, re.S).group(1)
    assert summary.count("<li>") == 1 and said in summary
    assert f'href="#{field}"' in summary
    assert changes(db) == before


def test_a_payment_is_recorded_once(app, db):
    client = client_as(app, "f.finance")
    assert post(client, "/spend/pay", PAY).status_code == 302
    before = changes(db)
    again = post(client, "/spend/pay", PAY)
    assert again.status_code == 400
    assert "invoice ALD-0615 was already paid on 2015-07-10: a payment is recorded once" in (
        again.text
    )
    assert changes(db) == before


# -- Continue reads every field as the library will ------------------------------------------

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def errors_of(page):
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S).group(1)
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary, re.S)


@pytest.mark.parametrize(
    ("change", "field", "said"),
    [
        ({"amount": "1e10"}, "amount", "&#39;1e10&#39; is not an amount of money: write it"),
        ({"amount": "12.345"}, "amount", "&#39;12.345&#39; is not an amount of money: write"),
        ({"amount": "0"}, "amount", "the amount must be more than £0.00"),
        ({"vat": "12.345"}, "vat", "&#39;12.345&#39; is not an amount of money"),
        ({"irrecoverable_vat": "-1"}, "irrecoverable_vat", "amounts must not be negative"),
        (
            day("invoice_date", TOMORROW),
            "invoice_date-day",
            f"invoice date {TOMORROW} is after today ({date.today()}): an invoice cannot be "
            "dated in the future",
        ),
        (
            day("received", TOMORROW),
            "received-day",
            f"received date {TOMORROW} is after today ({date.today()}): record it once it arrives",
        ),
        (
            day("paid", TOMORROW),
            "paid-day",
            f"payment date {TOMORROW} is after today ({date.today()}): record a payment once "
            "it is made",
        ),
    ],
)
def test_continue_refuses_what_the_library_would_before_the_check_page(
    app, db, change, field, said
):
    """Not "£1e10" on a check page and a refusal only after Confirm: the field is read at
    Continue as `add_spend` reads it, refused at the field in its words, form filled in."""
    client = client_as(app, "f.finance")
    before = changes(db)
    form = {k: v for k, v in ADD.items() if k != "confirm"} | change
    refused = post(client, "/calloffs/1/spend/add", form)
    assert refused.status_code == 400, refused.text[:300]
    assert "Check the invoice line" not in refused.text
    [(href, line)] = errors_of(refused)
    assert href == field and said in line
    for name, value in change.items():  # the form comes back as it was filled in
        assert f'value="{value}"' in refused.text, name
    assert changes(db) == before


@pytest.fixture
def birch(db):
    """Request 2 (£6,000.00) offered to Alder Training as call-off 2, declined, so offered
    to Birch Practice Ltd (standard-rated: 20% VAT) as call-off 3, which it accepts."""
    with calloff.open(db, officer="o.officer") as office:
        office.add_request(lot=4, title="More", start="2015-07-01", value="6000", on="2015-05-13")
        office.allocate(2, on="2015-05-14")
        office.decline(2, reason="fully booked", on="2015-05-15")
        office.accept(3, on="2015-05-16")
        assert office.calloff(3).provider_id == 2
    return db


def test_the_check_page_shows_money_and_the_vat_the_library_will_apply(app, birch):
    """£2,850.00 from a standard-rated provider takes 20% VAT: £570.00, worked out by the
    library's own rate, on the check page and then in the database."""
    client = client_as(app, "f.finance")
    form = {"amount": "2850", "invoice": "BPL-0705"} | day("invoice_date", "2015-07-05")
    check = post(client, "/calloffs/3/spend/add", form)
    assert check.status_code == 200
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", check.text))
    assert "Amount, excluding VAT £2,850.00" in shown
    assert "VAT £570.00 (the provider's rate: standard, 20%)".replace("'", "&#39;") in shown
    assert "Irrecoverable VAT £0.00" in shown and "The provider&#39;s rate" not in shown
    done = post(client, "/calloffs/3/spend/add", {**form, "confirm": "yes"})
    assert done.status_code == 302
    with calloff.open(birch) as office:
        line = office.invoice_lines(3).lines[0]
        assert (line.amount, line.vat) == (Decimal("2850.00"), Decimal("570.00"))
    exempt = post(client, "/calloffs/1/spend/add", {**form, "amount": "1500.5"})
    assert exempt.status_code == 400  # pence are two digits: the library's reading
    exempt = post(client, "/calloffs/1/spend/add", {**form, "amount": "1,500.50"})
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", exempt.text))
    assert "£1,500.50" in shown and "VAT £0.00 (exempt from VAT)" in shown


def test_paying_an_invoice_nobody_recorded_is_refused_at_continue(app, db):
    """No check page that claims what it has not checked: the library is asked at
    Continue (`Office.preview_payment`, which writes nothing)."""
    client = client_as(app, "f.finance")
    before = changes(db)
    refused = post(client, "/spend/pay", {"invoice": "NOPE"} | day("on", "2015-07-10"))
    assert refused.status_code == 400
    assert errors_of(refused) == [
        ("invoice", "no invoice NOPE is recorded: record it first with `calloff spend add`")
    ]
    assert "one provider used the reference" not in refused.text
    assert 'value="NOPE"' in refused.text
    later = post(client, "/spend/pay", {"invoice": "ALD-0615"} | day("on", TOMORROW))
    assert later.status_code == 400
    assert errors_of(later) == [
        (
            "on-day",
            f"payment date {TOMORROW} is after today ({date.today()}): record a payment once "
            "it is made",
        )
    ]
    assert changes(db) == before


def test_the_payment_check_page_says_what_the_library_found(app, db):
    client = client_as(app, "f.finance")
    before = changes(db)
    check = post(client, "/spend/pay", {"invoice": "ald-0615"} | day("on", "2015-07-10"))
    assert check.status_code == 200
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", check.text))
    for row in (
        "Invoice reference ALD-0615",
        "Provider Alder Training",
        "Call-off 1",
        "Invoice date 15 June 2015",
        "Amount, excluding VAT £100.00",
        "VAT £0.00",
        "Date received Not recorded",
        "Date paid 10 July 2015",
    ):
        assert row in shown, row
    assert "Not given" not in shown
    assert changes(db) == before
