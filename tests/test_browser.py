"""The workspace in a real browser: Playwright driving Debian's Chromium against the app
served by waitress on a real port. The journeys an officer makes, with axe-core run on
every page they pass through (no violation of serious or critical impact, WCAG 2.2 AA),
at 320 pixels wide, without JavaScript, and by keyboard alone.

Where no Chromium can be found the tests skip and say so; CI installs it (.ci/run) and
sets CALLOFF_BROWSER_REQUIRED, so there they fail instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import Calloff, snapshot
from tests.workspace import PASSWORD, app_for, build

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _why_not() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make test installs it)"
    if _chromium() is None:
        return "no Chromium found (apt-get install chromium; .ci/run does)"
    return None


REASON = _why_not()
if REASON and os.environ.get("CALLOFF_BROWSER_REQUIRED"):
    raise RuntimeError(f"the browser tests must run here: {REASON}")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        found = p.chromium.launch(executable_path=_chromium(), args=FLAGS)
        yield found
        found.close()


@pytest.fixture
def site(tmp_path, monkeypatch):
    """The team's database served on a free port; yields (base URL, database path)."""
    from waitress.server import create_server

    monkeypatch.setattr(passwords, "COST", 2**6)
    db = tmp_path / "team.db"
    build(db)
    server = create_server(app_for(db), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", db
    server.close()
    thread.join(timeout=5)


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page (WCAG 2.2 AA and best
    practice), each as "rule: where"."""
    page.evaluate(AXE + "\n;0")
    found: list[str] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values:
              ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
            return result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
        }"""
    )
    return found


class Officer:
    """One officer's browser tab, checking every page it reaches with axe-core."""

    def __init__(self, browser: Any, base: str, width: int = 1024, javascript: bool = True):
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.base = base
        self.javascript = javascript
        self.checked: list[str] = []

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.check()

    def check(self) -> None:
        """axe-core on the page as it stands; no horizontal scrolling at this width."""
        page = self.page
        page.wait_for_load_state()
        assert page.locator("h1").count() == 1, page.url
        assert page.locator("nav.govuk-breadcrumbs, .govuk-breadcrumbs").count() == 1, page.url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}"
        if not self.javascript:
            return
        found = axe_violations(page)
        assert found == [], f"{page.url}: {found}"
        self.checked.append(page.url)

    def sign_in(self, login: str) -> None:
        self.go("/sign-in")
        self.page.get_by_label("Login").fill(login)
        self.page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.check()

    def click(self, name: str, role: str = "link") -> None:
        self.page.get_by_role(role, name=name, exact=True).first.click()
        self.check()

    def fill_date(self, legend: str, iso: str) -> None:
        y, m, d = iso.split("-")
        group = self.page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(int(d)))
        group.get_by_label("Month").fill(str(int(m)))
        group.get_by_label("Year").fill(y)

    def text(self) -> str:
        return str(self.page.inner_text("main"))


def add_and_allocate(me: Officer, title: str, value: str) -> None:
    me.click("Requests")
    me.click("Add a request")
    me.page.get_by_label("Lot", exact=True).select_option("4")
    me.page.get_by_label("What is the training?").fill(title)
    me.fill_date("Start date", "2015-10-05")
    me.page.get_by_label("Value, excluding VAT").fill(value)
    me.fill_date("Date the request was agreed", "2015-06-01")
    me.click("Add the request", role="button")
    assert "recorded on lot 4" in me.text()
    me.click("Allocate", role="link")
    me.fill_date("Date of the offer", "2015-06-02")
    me.click("Allocate", role="button")


def test_add_allocate_accept_and_the_headroom_falls(browser, site):
    base, db = site
    me = Officer(browser, base)
    me.sign_in("o.officer")
    assert "£260,000.00 left of £260,000.00" in me.text()
    add_and_allocate(me, "Circles for the whole team", "12000")
    assert (
        "Call-off 1: request 2 offered to Alder Training (rank 1 on lot 4) at £12,000.00"
        in me.text()
    )
    me.click("Accept")
    me.fill_date("Date", "2015-06-03")
    me.click("Continue", role="button")
    assert "Check before you accept call-off 1" in me.text()
    me.click("Confirm: accept call-off 1", role="button")
    assert "Call-off 1 accepted on 2015-06-03." in me.text()
    me.click("Home")
    # £260,000.00 − £12,000.00 = £248,000.00
    assert "£248,000.00 left of £260,000.00" in me.text()
    with calloff.open(db) as office:
        assert office.calloff(1).status == "accepted"
        assert office.headroom(year="2015-16").headroom == Decimal("248000.00")  # core only
    me.click("Framework")
    me.go("/sign-ins")  # not an admin: the 403 page, checked too
    assert "This needs the admin role" in me.text()
    me.context.close()


def test_a_33000_call_off_approved_in_a_second_browser(browser, site):
    base, db = site
    raiser = Officer(browser, base)
    raiser.sign_in("o.officer")
    add_and_allocate(raiser, "Whole team programme", "33000")
    assert "to be approved by another officer before it is offered" in raiser.text()
    approver = Officer(browser, base)
    approver.sign_in("a.approver")
    assert "Call-off 1: Alder Training, £33,000.00 (core), raised by o.officer" in approver.text()
    approver.click("Call-off 1")
    approver.click("Approve")
    approver.fill_date("Date", "2015-06-03")
    approver.click("Continue", role="button")
    approver.click("Confirm: approve call-off 1", role="button")
    assert "Call-off 1 approved by a.approver (web) on 2015-06-03 and offered" in approver.text()
    raiser.go("/calloffs/1")
    assert "Call-off 1: offered" in raiser.text()
    with calloff.open(db) as office:
        assert office.show(1)["approved_by"] == "a.approver"
    raiser.context.close()
    approver.context.close()


def test_over_the_ceiling_is_refused_with_the_commands_sentence(browser, site):
    base, db = site
    me = Officer(browser, base)
    me.sign_in("o.officer")
    me.click("Requests")
    me.click("Add a request")
    me.page.get_by_label("Lot", exact=True).select_option("4")
    me.page.get_by_label("What is the training?").fill("Everything at once")
    me.fill_date("Start date", "2015-10-05")
    me.page.get_by_label("Value, excluding VAT").fill("260000.01")
    me.fill_date("Date the request was agreed", "2015-06-01")
    me.click("Add the request", role="button")
    before = snapshot(db)
    me.click("Allocate", role="link")
    me.fill_date("Date of the offer", "2015-06-02")
    me.click("Allocate", role="button")
    summary = me.page.locator(".govuk-error-summary")
    assert summary.is_visible()
    sentence = Calloff(db).refused("allocate", "2", "--on", "2015-06-02").removeprefix("Error: ")
    assert sentence in summary.inner_text()
    assert "£0.01 over" in sentence
    assert snapshot(db) == before
    me.context.close()


def test_at_320_pixels_and_without_javascript(browser, site):
    base, _ = site
    me = Officer(browser, base, width=320, javascript=False)
    me.sign_in("o.officer")
    me.go("/requests/1")
    me.click("Allocate", role="link")
    me.fill_date("Date of the offer", "2015-05-12")
    me.click("Allocate", role="button")
    assert "Call-off 1: request 1 offered to Alder Training" in me.text()
    for path in ("/", "/requests", "/framework", "/calloffs/1", "/calloffs/1/decline"):
        me.go(path)
    me.context.close()
    wide = Officer(browser, base, width=320)
    wide.sign_in("u.auditor")
    for path in ("/", "/requests", "/framework", "/calloffs/1", "/sign-ins"):
        wide.go(path)
    wide.context.close()


def _tab_to(page: Any, text: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text or label is `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            r"""() => { const e = document.activeElement;
               const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';
               const whole = (e.textContent || '').replace(/\s+/g, ' ').trim();
               return (e.innerText || e.value || '').trim() + '|' + label.trim() + '|' + whole; }"""
        )
        shown, label, whole = focused.split("|", 2)
        if text in (shown, label, whole):
            return
    raise AssertionError(f"Tab never reached {text!r}")


def _enter(page: Any) -> None:
    """Press Enter on the focused link or button, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_from_sign_in_to_an_accepted_offer(browser, site):
    base, db = site
    me = Officer(browser, base)
    page = me.page
    me.go("/sign-in")
    _tab_to(page, "Login")
    page.keyboard.type("o.officer")
    _tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    _enter(page)
    me.check()
    _tab_to(page, "Requests")
    _enter(page)
    _tab_to(page, "1: Deep-dive days for social workers")
    _enter(page)
    _tab_to(page, "Allocate")
    _enter(page)
    me.check()
    for box, value in (("Day", "12"), ("Month", "5"), ("Year", "2015")):
        _tab_to(page, box)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    _tab_to(page, "Allocate")
    _enter(page)
    assert "Call-off 1: request 1 offered to Alder Training" in me.text()
    me.check()
    _tab_to(page, "Accept")
    _enter(page)
    for box, value in (("Day", "13"), ("Month", "5"), ("Year", "2015")):
        _tab_to(page, box)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    _tab_to(page, "Continue")
    _enter(page)
    _tab_to(page, "Confirm: accept call-off 1")
    _enter(page)
    assert "Call-off 1 accepted on 2015-05-13." in me.text()
    with calloff.open(db) as office:
        assert office.calloff(1).status == "accepted"
    me.context.close()
