"""A provider answers an offer in a real browser: the offer message goes out through a
local SMTP server with the served workspace's address; Chromium opens the link from the
captured message, passes axe-core, at 1024 and at 320 pixels, accepts by keyboard alone,
and a second visit says the link was used."""

from __future__ import annotations

import re
import socket
import threading

import pytest

import calloff
from calloff.domain import passwords
from tests.messaging import Catcher, build_today, mail_for
from tests.test_browser import REASON, axe_violations, browser  # noqa: F401 - the fixture
from tests.workspace import app_for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


def axe_clean(page) -> None:
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}"
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A framework in force today, served on a free port, with request 1 offered to Alder
    Training and its offer message sent to a local SMTP server."""
    from aiosmtpd.controller import Controller
    from waitress.server import create_server

    monkeypatch.setattr(passwords, "COST", 2**6)
    db = tmp_path / "today.db"
    build_today(db)
    server = create_server(app_for(db), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    with calloff.open(db, officer="o.officer") as office:
        office.allocate(1)
    with calloff.open(db) as office:
        assert office.send_messages(mail=mail_for(port, CALLOFF_BASE_URL=base)).sent >= 1
    yield db, base, catcher
    controller.stop()
    server.close()
    thread.join(timeout=5)


def test_the_provider_opens_the_link_from_its_message_and_accepts(browser, served):  # noqa: F811
    db, base, catcher = served
    (message,) = catcher.to("bookings@alder.example")
    link = re.search(r"(http://\S+/offer/\S+)", Catcher.text(message)).group(1)
    assert link.startswith(base + "/offer/")
    for width in (320, 1024):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(link)
        axe_clean(page)
        assert "Offer of call-off LEEDS-RP-2015/CO-00001" in page.inner_text("h1")
        if width == 320:
            context.close()
            continue
        # By keyboard alone: the first answer, then the button.
        page.get_by_label("Accept the offer").focus()
        page.keyboard.press("Space")
        page.get_by_role("button", name="Send your answer").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        axe_clean(page)
        assert "Offer accepted" in page.inner_text("h1")
        page.goto(link)
        axe_clean(page)
        assert "This link has already been used" in page.inner_text("main")
        context.close()
    with calloff.open(db) as office:
        assert office.calloff(1).status == "accepted"
        event = office.audit(calloff=1)[-1]
        assert (event.officer, event.channel, event.after["via"]) == (
            "Alder Training",
            "link",
            "link",
        )
