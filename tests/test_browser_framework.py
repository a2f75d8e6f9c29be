"""The whole framework in a real browser (Chromium through Playwright, axe-core on every
page passed through): a finance officer imports a spend file by keyboard alone and the
quarterly report shows it, its CSV the command's byte for byte; an admin adds a provider
and ranks it, and an officer's allocation goes to it; a competition from opening to the
letters, by keyboard alone; an auditor checks the trail and sees no button that writes;
and every page of every area, for the roles that reach it, is axe-clean.

Skipped where no Chromium can be found, as tests/test_browser.py says.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

import calloff
from tests import test_browser
from tests.conftest import Calloff, snapshot
from tests.test_browser import REASON, Officer, _enter, _tab_to

browser, site = test_browser.browser, test_browser.site  # the same fixtures

pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


def _accepted(db: Path) -> None:
    """Request 1 (lot 4, 6 days at Alder's £1,000.00) offered and accepted: call-off 1,
    £6,000.00."""
    with calloff.open(db) as office:
        office.allocate(1, on="2015-05-12")
        office.accept(1, on="2015-05-13")


def _type_date(page, values: tuple[str, str, str]) -> None:
    for box, value in zip(("Day", "Month", "Year"), values, strict=True):
        _tab_to(page, box)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)


def test_a_spend_file_imported_by_keyboard_shows_in_the_report_and_its_csv(browser, site, tmp_path):
    base, db = site
    _accepted(db)
    spend = tmp_path / "july.csv"
    # Two invoice lines on call-off 1 in July 2015 (quarter 2): £1,500.00 + £2,250.50.
    spend.write_text(
        "calloff,invoice,date,amount,attendees\n"
        "1,ALD-101,2015-07-06,1500.00,12\n"
        "1,ALD-102,2015-07-20,2250.50,14\n",
        encoding="utf-8",
    )
    me = Officer(browser, base)
    page = me.page
    me.sign_in("f.finance")
    _tab_to(page, "Spend")
    _enter(page)
    me.check()
    _tab_to(page, "Import a spend file")
    _enter(page)
    me.check()
    _tab_to(page, "Spend file (CSV, up to 25 MB)")
    page.locator("input[type=file]").set_input_files(str(spend))  # the chooser's part
    before = snapshot(db)
    _tab_to(page, "Preview the file")
    _enter(page)
    me.check()
    shown = me.text()
    assert "£3,750.50" in shown and "ALD-102" in shown
    assert snapshot(db) == before  # the preview writes nothing
    _tab_to(page, "Import these 2 lines")
    _enter(page)
    me.check()
    with calloff.open(db) as office:
        assert office.spent(1) == Decimal("3750.50")
    # The report for 2015-16 quarter 2 shows it.
    _tab_to(page, "Reports")
    _enter(page)
    me.check()
    page.get_by_label("Financial year").select_option("2015-16")
    page.get_by_label("Quarter 2: July to September").check()
    me.click("Show the report", role="button")
    assert "Spend against contract, 2015-16 quarter 2" in me.text()
    assert "£3,750.50" in me.text()
    with page.expect_download() as saved:
        page.get_by_role("link", name="CSV, for a spreadsheet").click()
    downloaded = Path(saved.value.path()).read_bytes()
    assert saved.value.suggested_filename == "report-2015-16-Q2.csv"
    command = Calloff(db).ok(
        "report", "quarterly", "--year", "2015-16", "--quarter", "2", "--format", "csv"
    )
    assert downloaded == command.stdout_bytes
    assert b"3750.50" in downloaded
    me.context.close()


def test_an_admin_adds_and_ranks_a_provider_and_the_next_allocation_goes_to_it(browser, site):
    base, db = site
    admin = Officer(browser, base)
    admin.sign_in("m.admin")
    admin.click("Set-up")
    admin.click("Providers")
    admin.click("Add a provider")
    admin.page.get_by_label("Name", exact=True).fill("Cedar Learning CIC")
    admin.page.get_by_label("Exempt (an eligible body: no VAT)").check()
    admin.fill_date("Date", "2015-05-01")
    admin.click("Continue", role="button")
    admin.click("Add the provider", role="button")
    assert "Cedar Learning CIC" in admin.text()
    admin.go("/setup/rankings/4")
    admin.click("Set the ranking")
    admin.page.get_by_label("Providers, rank 1 first").fill(
        "Cedar Learning CIC\nAlder Training\nBirch Practice Ltd"
    )
    admin.fill_date("Date the ranking applies from", "2015-05-01")
    admin.click("Continue", role="button")
    admin.click("Set the ranking on lot 4", role="button")
    admin.go("/setup/rankings/4")
    admin.click("Set a provider's rates")
    admin.page.get_by_label("Provider").select_option(label="1. Cedar Learning CIC")
    admin.page.get_by_label("Rate per day (optional)").fill("900")
    admin.fill_date("Date the rates apply from", "2015-05-01")
    admin.click("Continue", role="button")
    admin.click("Set the rates", role="button")
    officer = Officer(browser, base)
    officer.sign_in("o.officer")
    officer.go("/requests/1")
    officer.click("Allocate", role="link")
    officer.fill_date("Date of the offer", "2015-05-12")
    officer.click("Allocate", role="button")
    # 6 days at Cedar's £900.00 a day: £5,400.00; £260,000.00 − £5,400.00 = £254,600.00.
    assert (
        "Call-off 1: request 1 offered to Cedar Learning CIC (rank 1 on lot 4) at £5,400.00"
        in officer.text()
    )
    assert "Headroom left £254,600.00." in officer.text()
    with calloff.open(db) as office:
        made = office.calloff(1)
        assert (office.provider(made.provider_id).name, made.value) == (
            "Cedar Learning CIC",
            Decimal("5400.00"),
        )
    admin.context.close()
    officer.context.close()


def test_an_auditor_checks_the_trail_and_sees_no_button_that_writes(browser, site):
    base, db = site
    _accepted(db)
    me = Officer(browser, base)
    me.sign_in("u.auditor")
    me.click("Audit")
    assert "calloff.accept" in me.text() or "Accept" in me.text()
    me.click("Check the trail")
    me.click("Check the audit trail", role="button")
    shown = me.text()
    head = Calloff(db).json("audit", "verify")["head"]
    assert head in shown
    for path in (
        "/audit",
        "/audit/verify",
        "/sign-ins",
        "/messages",
        "/spend",
        "/calloffs/1/spend",
        "/reports?year=2015-16&quarter=1",
        "/publishing",
        "/publishing/files",
        "/publishing/history",
        "/competitions",
        "/setup/officers",
        "/setup/providers",
        "/setup/rankings",
        "/calloffs/1",
    ):
        me.go(path)
        assert me.page.locator("form[method=post]").count() == 1, path  # sign out only
        assert me.page.locator("main form[method=post]").count() == 0, path
    me.context.close()


AREAS = {
    "f.finance": [
        "/spend",
        "/calloffs/1/spend",
        "/calloffs/1/spend/add",
        "/spend/import",
        "/spend/pay",
    ],
    "o.officer": [
        "/competitions",
        "/publishing",
        "/publishing/files",
        "/publishing/history",
        "/reports",
        "/reports?year=2015-16&quarter=1",
        "/reports?year=2015-16",
        "/reports?year=2015-16&quarter=9",  # the error summary
        "/publishing/record/calloff-1-details",
        "/publishing?on-day=1&on-month=8&on-year=2015&all=1",
    ],
    "m.admin": [
        "/setup",
        "/setup/providers",
        "/setup/providers/new",
        "/setup/providers/1",
        "/setup/providers/1/edit",
        "/setup/providers/1/suspend",
        "/setup/providers/1/unavailable",
        "/setup/rankings",
        "/setup/rankings/4",
        "/setup/rankings/4/set",
        "/setup/rankings/4/rates",
        "/setup/rankings/import",
        "/setup/budget",
        "/setup/budget/ceiling",
        "/setup/term",
        "/setup/settings",
        "/setup/officers",
        "/setup/officers/new",
        "/setup/officers/o.officer",
        "/setup/officers/o.officer/edit",
        "/setup/officers/o.officer/cover",
        "/setup/officers/o.officer/leave",
        "/setup/officers/o.officer/password",
        "/audit",
        "/audit/verify",
        "/sign-ins",
        "/messages",
        "/messages?status=pending",
    ],
}


@pytest.mark.parametrize("login", AREAS)
def test_every_page_of_every_area_is_accessible(browser, site, login):
    base, db = site
    _accepted(db)
    me = Officer(browser, base)
    me.sign_in(login)
    for path in AREAS[login]:
        me.go(path)
    narrow = Officer(browser, base, width=320)
    narrow.sign_in(login)
    for path in AREAS[login][:4]:
        narrow.go(path)
    me.context.close()
    narrow.context.close()


@pytest.fixture
def competing(tmp_path, monkeypatch):
    """Leeds with lot 4 awarded either way (quality 60 in 50-70, price 40 in 30-50) and
    Alder, Birch and Cedar ranked on it, served on a free port; yields (base URL, path)."""
    import threading

    from waitress.server import create_server

    from calloff.domain import passwords
    from tests.test_web_competitions import definition
    from tests.workspace import app_for, build

    monkeypatch.setattr(passwords, "COST", 2**6)
    db = tmp_path / "team.db"
    build(db, definition(tmp_path))
    with calloff.open(db) as office:
        office.add_provider("Cedar Conferencing", on="2015-04-01")
        office.set_ranking(lot=4, providers=[1, 2, 3], on="2015-04-02")
    server = create_server(app_for(db), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", db
    server.close()
    thread.join(timeout=5)


def _choose(page, label: str, limit: int = 60) -> None:
    """Tab into a radio group, then arrow down to the radio labelled `label`."""
    for _ in range(limit):
        now = page.evaluate(
            "() => { const e = document.activeElement; return e.type === 'radio' && "
            "e.labels[0] ? e.labels[0].innerText.trim() : '' }"
        )
        if now.startswith(label):
            page.keyboard.press("Space")
            return
        if now:
            page.keyboard.press("ArrowDown")
        else:
            page.keyboard.press("Tab")
    raise AssertionError(f"no radio labelled {label!r}")


def _step(me: Officer, link: str, fields: list[tuple[str, str]], on: str, confirm: str) -> None:
    """From the competition's page, by keyboard: the step's link, its fields, its date,
    Continue, then the check page's confirm button."""
    page = me.page
    _tab_to(page, link)
    _enter(page)
    me.check()
    for label, value in fields:
        if label.startswith("radio:"):
            _choose(page, label.removeprefix("radio:"))
        else:
            _tab_to(page, label)
            page.keyboard.type(value)
    _type_date(page, tuple(str(int(x)) if len(x) < 4 else x for x in reversed(on.split("-"))))
    _tab_to(page, "Continue")
    _enter(page)
    me.check()
    _tab_to(page, confirm)
    _enter(page)
    me.check()


def test_a_competition_from_opening_to_the_letters_by_keyboard(browser, competing):
    """Weights refined to quality 65, price 35; bids (lowest price £4,800.00):
    Alder £5,400.00 quality 70: 4,800/5,400 × 35 = 31.11, 70 × 0.65 = 45.50: 76.61;
    Birch £4,800.00 quality 62.5: 35.00 + 40.63 (40.625) = 75.63 (75.625);
    Cedar £6,000.00 quality 85: 28.00 + 55.25 = 83.25. Cedar wins: call-off 1 at
    £6,000.00; core headroom £260,000.00 − £6,000.00 = £254,000.00."""
    base, db = competing
    me = Officer(browser, base)
    page = me.page
    me.sign_in("o.officer")
    me.go("/requests/1")
    _tab_to(page, "Run a competition")
    _enter(page)
    me.check()
    for label, value in (
        ("Quality of the proposed delivery: weight in points", "65"),
        ("Price: weight in points", "35"),
    ):
        _tab_to(page, label)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    _type_date(page, ("20", "5", "2015"))  # bids close at the end of
    _type_date(page, ("5", "5", "2015"))  # it opens
    _tab_to(page, "Continue")
    _enter(page)
    me.check()
    _tab_to(page, "Confirm: run a competition")
    _enter(page)
    me.check()
    assert "Competition 1" in me.text()
    bids = (("Alder Training", "5400", "70"), ("Birch Practice Ltd", "4800", "62.5"))
    for name, price, quality in (*bids, ("Cedar Conferencing", "6000", "85")):
        _step(
            me,
            "Record a bid",
            [
                (f"radio:{name}", ""),
                ("Price for the whole call-off, excluding VAT", price),
                ("Quality of the proposed delivery: the evaluators' score", quality),
            ],
            "2015-05-11",
            "Confirm: record a bid",
        )
    me.go("/competitions/1?on-day=15&on-month=5&on-year=2015")  # before the close: sealed
    assert "5,400" not in me.text() and "76.61" not in me.text()
    me.go("/competitions/1")  # from the closing day: the scores
    shown = me.text()
    for score in ("76.61", "75.63", "83.25"):
        assert score in shown
    _step(me, "Award", [], "2015-05-21", "Confirm: award")
    assert "Call-off 1" in me.text()
    with calloff.open(db) as office:
        made = office.calloff(1)
        assert (made.provider_id, made.value) == (3, Decimal("6000.00"))
        assert office.headroom(year="2015-16").headroom == Decimal("254000.00")
    me.go("/competitions/1")
    _tab_to(page, "view and print the letter to Birch Practice Ltd", limit=300)
    _enter(page)
    letter = page.inner_text("body")
    assert "Birch Practice Ltd" in letter and "Cedar Conferencing" in letter
    assert "Alder Training" not in letter
    me.context.close()


FORMS = {
    "f.finance": ["/calloffs/1/spend/add", "/spend/pay", "/spend/import"],
    "m.admin": [
        "/setup/providers/new",
        "/setup/providers/1/suspend",
        "/setup/rankings/4/rates",
        "/setup/budget/ceiling",
        "/setup/officers/new",
        "/setup/officers/o.officer/password",
    ],
    "o.officer": ["/requests/1/competition", "/publishing/record/calloff-1-details"],
}


@pytest.mark.parametrize("login", FORMS)
def test_every_forms_error_summary_is_accessible(browser, site, login):
    """Each form sent empty comes back with the GOV.UK error summary, axe-clean, and
    nothing written."""
    base, db = site
    _accepted(db)
    me = Officer(browser, base)
    me.sign_in(login)
    before = snapshot(db)
    for path in FORMS[login]:
        me.go(path)
        for box in me.page.locator("main input[type=text], main input:not([type])").all():
            box.fill("")
        me.page.locator("main form[method=post] button[type=submit]").first.click()
        me.check()
        assert me.page.locator(".govuk-error-summary").count() == 1, path
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "sign_ins"} == {
        k: v for k, v in before.items() if k != "sign_ins"
    }
    me.context.close()


def test_a_write_on_changed_records_is_its_own_accessible_page(browser, site, tmp_path):
    """Records changed outside calloff (issue 32): the allocation is refused on a page of
    its own, axe-clean, and nothing is written."""
    base, db = site
    officer = Officer(browser, base)
    officer.sign_in("o.officer")
    officer.go("/requests/1")
    officer.click("Allocate", role="link")
    officer.fill_date("Date of the offer", "2015-05-12")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE caps SET amount_pence = amount_pence + 100")
    conn.commit()
    conn.close()
    before = snapshot(db)
    officer.click("Allocate", role="button")
    assert "The records were changed outside calloff" in officer.text()
    assert "The budget caps were changed outside calloff." in officer.text()
    officer.page.screenshot(path=str(tmp_path / "changed.png"), full_page=True)
    after = snapshot(db)
    after.pop("sign_ins", None), before.pop("sign_ins", None)
    after.pop("sessions", None), before.pop("sessions", None)
    assert after == before
    officer.context.close()
