"""Competitions in the browser, through Flask's test client: every route for every role
(officers write; the others get the 403 page and nothing is written), and a competition
from open to letters with figures worked by hand.

The workspace is Leeds (tests/workspace.py) with lot 4 awarded `either` way and the
criteria quality 60 (50-70) and price 40 (30-50), as a definition file says. Lot 4 ranks
Alder Training (1), Birch Practice Ltd (2), Cedar Conferencing (3), Damson CIC (4,
suspended: passed over) and Elm Circle CIC (5). Competition 1, for request 1, opens on
5 May 2015 with the weights refined to quality 65, price 35 and closes at the end of
20 May 2015. Its bids, dated 11 May (the lowest price is £4,800.00):

  Alder  £5,400.00, quality 70:   4,800 / 5,400 x 35 = 31.11; 70 x 65 / 100 = 45.50; 76.61
  Birch  £4,800.00, quality 62.5: 35.00;                      62.5 x 0.65 = 40.63 (40.625); 75.63
  Cedar  £6,000.00, quality 85:   4,800 / 6,000 x 35 = 28.00; 85 x 0.65 = 55.25;   83.25

(Alder's total is 31.111... + 45.50 = 76.611..., Birch's 35 + 40.625 = 75.625, shown
to two places, halves up.) Elm says it will not bid. Cedar wins; awarded on Thursday
21 May 2015 it is call-off 1 at £6,000.00, offered with 3 working days to answer:
22, 26 and 27 May (25 May is the Spring bank holiday), so respond by 2015-05-27; the
core headroom left is £260,000.00 - £6,000.00 = £254,000.00.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib import resources

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import Calloff
from tests.test_web_pages import changes, client_as
from tests.workspace import ROLES, TEAM, app_for, build, day, post

# What a sealed bid must not show: its prices (in any form), its scores, the scores table.
SEALED = re.compile(
    r"(?<![\d,.])(?:5,?400|4,?800|6,?000)(?:\.00)?(?![\d,])|(?<![\d.])(?:62\.50?|70\.00|85\.00)"
    r"|Price points|>Place<"
)
CRITERIA = """
[criteria.quality]
title = "Quality of the proposed delivery"
weight = 60
min = 50
max = 70

[criteria.price]
title = "Price"
weight = 40
min = 30
max = 50
"""


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


def definition(folder):
    """Leeds, with lot 4 awarded either way and two award criteria."""
    text = (resources.files("calloff.definitions") / "leeds-rp-2015.toml").read_text("utf-8")
    text = re.sub(r"(number = 4\ntitle = [^\n]*\n)", r'\1award = "either"\n', text, count=1)
    path = folder / "leeds-competing.toml"
    path.write_text(text + CRITERIA, encoding="utf-8")
    return path


@pytest.fixture
def fresh(tmp_path, cheap_hashes):
    """The workspace with lot 4's five providers; request 1 new, request 2 new."""
    path = tmp_path / "team.db"
    build(path, definition(tmp_path))
    with calloff.open(path) as office:
        for name in ("Cedar Conferencing", "Damson CIC", "Elm Circle CIC"):
            office.add_provider(name, on="2015-04-01")
        office.set_ranking(lot=4, providers=[1, 2, 3, 4, 5], on="2015-04-02")
        office.suspend(4, reason="insurance lapsed", on="2015-04-02")
        office.add_request(
            lot=4, title="Facilitator skills", start="2015-07-01", value="2000", on="2015-05-02"
        )
    return path


@pytest.fixture
def db(fresh):
    """Competition 1 open for request 1, with Birch's and Cedar's bids in; Alder and Elm
    have not answered."""
    with calloff.open(fresh) as office:
        office.open_competition(
            1, closes="2015-05-20", weights="quality=65,price=35", on="2015-05-05"
        )
        office.bid(1, provider=2, price="4800", scores={"quality": "62.5"}, on="2015-05-11")
        office.bid(1, provider=3, price="6000", scores={"quality": 85}, on="2015-05-11")
    return fresh


@pytest.fixture
def app(db):
    return app_for(db)


def words(html):
    """A page's text as a person reads it: tags gone, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


READ = [
    "/competitions",
    "/competitions?on-day=15&on-month=5&on-year=2015",
    "/competitions/1",
    "/competitions/1?on-day=15&on-month=5&on-year=2015",
    "/requests/1",
]
OPENING = {"weight-quality": "65", "weight-price": "35"}
# (path, the form a browser would send once the officer confirms)
WRITE = [
    ("/requests/2/competition", OPENING | day("closes", "2015-05-20") | day("on", "2015-05-06")),
    (
        "/competitions/1/bid",
        {"provider": "1", "price": "5400", "score-quality": "70"} | day("on", "2015-05-12"),
    ),
    ("/competitions/1/no-bid", {"provider": "5", "reason": "booked"} | day("on", "2015-05-12")),
    ("/competitions/1/award", day("on", "2015-05-21")),
    ("/competitions/1/cancel", {"reason": "budget withdrawn"} | day("on", "2015-05-21")),
]


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize("path", READ)
def test_every_role_reads_every_page(app, db, login, path):
    client = client_as(app, login)
    before = changes(db)
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    assert changes(db) == before


@pytest.mark.parametrize("login", TEAM)
@pytest.mark.parametrize(("path", "form"), WRITE, ids=[w[0] for w in WRITE])
def test_every_write_is_for_officers_only(app, db, login, path, form):
    client = client_as(app, login)
    before = changes(db)
    shown = client.get(path)
    checked = post(client, path, form)
    if "officer" in ROLES[login]:
        assert shown.status_code == 200 and checked.status_code == 200
        assert "Check before you" in checked.text
        assert changes(db) == before  # the check page writes nothing
        sent = post(client, path, {"confirm": "yes"} | form)
        assert sent.status_code == 302, words(sent.text)[:800]
        assert changes(db) != before
    else:
        sent = post(client, path, {"confirm": "yes"} | form)
        for answer in (shown, checked, sent):
            assert answer.status_code == 403
            assert "This needs the <strong>officer</strong> role" in answer.text
        assert changes(db) == before


def test_an_auditor_sees_no_button_that_writes(app, db):
    with calloff.open(db) as office:
        office.bid(1, provider=1, price="5400", scores={"quality": 70}, on="2015-05-11")
        office.award(1, on="2015-05-21")
    client = client_as(app, "u.auditor")
    for path in [*READ, "/requests/2"]:
        page = client.get(path).text
        assert page.count('method="post"') == 1, path  # the header's sign-out
        for verb in (
            "Record a bid",
            "Record a no-bid",
            ">Award<",
            ">Run a competition<",
            "Cancel the",
        ):
            assert verb not in page, (path, verb)
    letter = "/competitions/1/letters/competition-1-letter-1-alder-training"
    assert f"{letter}.html" in client.get("/competitions/1").text
    for login in TEAM:  # the letters are for every role to read
        reader = client_as(app, login)
        assert reader.get(f"{letter}.html").status_code == 200
        assert reader.get(f"{letter}.md").status_code == 200
    officer = client_as(app, "o.officer")
    assert "Run a competition" in officer.get("/requests/2").text
    assert "Run a competition" not in officer.get("/requests/1").text  # it is in one
    assert "Competition 1</a> for this request" in officer.get("/requests/1").text


def test_a_competition_from_open_to_letters(fresh):
    app = app_for(fresh)
    officer = client_as(app, "o.officer")
    request_page = officer.get("/requests/1").text
    assert 'href="/requests/1/competition">Run a competition</a>' in request_page

    # Open: the form shows each weight's range; the check page who would be invited.
    form = officer.get("/requests/1/competition").text
    assert "From 50 to 70; the framework's weight is 60" in words(form)
    assert "From 30 to 50; the framework's weight is 40" in words(form)
    today = date.today()
    assert f'name="closes-day" type="text" value="{today.day}"' in form
    assert f'name="on-year" type="text" value="{today.year}"' in form
    opening = OPENING | day("closes", "2015-05-20") | day("on", "2015-05-05")
    before = changes(fresh)
    check = words(post(officer, "/requests/1/competition", opening).text)
    assert "Weights quality 65, price 35" in check
    assert "Opens on 5 May 2015 Bids close at the end of 20 May 2015" in check
    assert (
        "Invited Alder Training (rank 1); Birch Practice Ltd (rank 2); Cedar Conferencing "
        "(rank 3); Elm Circle CIC (rank 5) Passed over Rank 4 Damson CIC: suspended "
        "(insurance lapsed)" in check
    )
    assert changes(fresh) == before
    opened = post(officer, "/requests/1/competition", {"confirm": "yes"} | opening)
    assert opened.status_code == 302 and opened.headers["Location"] == "/competitions/1"
    banner = words(officer.get("/competitions/1").text)
    assert "Passed over rank 4 Damson CIC: suspended (insurance lapsed)" in banner
    assert (
        "Competition 1 opened for request 1 on lot 4: invited Alder Training (rank 1), Birch "
        "Practice Ltd (rank 2), Cedar Conferencing (rank 3), Elm Circle CIC (rank 5); bids "
        "close at the end of 2015-05-20. Weights: quality 65, price 35." in banner
    )

    # Bids and a no-bid, each through its check page. Today the competition has long
    # closed, so the banner says what was recorded, as the command does.
    for provider, price, quality, said in (
        (
            "1",
            "5400",
            "70",
            "Alder Training in competition 1 on 2015-05-11: £5,400.00, quality 70.00.",
        ),
        (
            "2",
            "4,800.00",
            "62.5",
            "Birch Practice Ltd in competition 1 on 2015-05-11: £4,800.00, quality 62.50.",
        ),
        (
            "3",
            "£6,000",
            "85",
            "Cedar Conferencing in competition 1 on 2015-05-11: £6,000.00, quality 85.00.",
        ),
    ):
        bid = {"provider": provider, "price": price, "score-quality": quality} | day(
            "on", "2015-05-11"
        )
        check = post(officer, "/competitions/1/bid", bid)
        assert check.status_code == 200 and "Check before you record a bid" in check.text
        done = post(officer, "/competitions/1/bid", {"confirm": "yes"} | bid)
        assert done.status_code == 302 and done.headers["Location"] == "/competitions/1"
        assert f"Recorded a bid from {said}" in words(officer.get("/competitions/1").text)
    no_bid = {"provider": "5", "reason": "no trainers free in June"} | day("on", "2015-05-12")
    post(officer, "/competitions/1/no-bid", no_bid)
    done = post(officer, "/competitions/1/no-bid", {"confirm": "yes"} | no_bid)
    assert done.status_code == 302
    assert (
        "Recorded that Elm Circle CIC will not bid in competition 1: no trainers free in June."
        in words(officer.get("/competitions/1").text)
    )

    # Before the close, no page shows a price or a score, for any role.
    before_close = "on-day=15&on-month=5&on-year=2015"
    for login in TEAM:
        client = client_as(app, login)
        for path in (f"/competitions?{before_close}", f"/competitions/1?{before_close}"):
            page = client.get(path)
            assert page.status_code == 200
            leaked = SEALED.findall(page.text)
            assert leaked == [], (login, path, leaked)
            assert "The bids are sealed until the closing day, 20 May 2015" in words(page.text) or (
                "competitions?" in path
            )
    with calloff.open(fresh) as office:
        assert office.competition(1, on="2015-05-15")["sealed"] is True

    # From the closing day: the scores, worked by hand in the module's docstring.
    scores = words(client_as(app, "u.auditor").get("/competitions/1").text)
    assert "Competition 1: closed" in scores
    assert "1 Cedar Conferencing (rank 3) £6,000.00 28.00 85.00 55.25 83.25" in scores
    assert "2 Alder Training (rank 1) £5,400.00 31.11 70.00 45.50 76.61" in scores
    assert "3 Birch Practice Ltd (rank 2) £4,800.00 35.00 62.50 40.63 75.63" in scores
    assert (
        "Price points (of 35)" in scores
        and "Quality of the proposed delivery points (of 65)" in scores
    )

    # The award: form, check (the winner as scored on that day), confirm, the call-off.
    award = day("on", "2015-05-21")
    check = words(post(officer, "/competitions/1/award", award).text)
    assert "Goes to Cedar Conferencing (rank 3), total 83.25 of 100" in check
    assert (
        "Value of the call-off £6,000.00 Then Call-off offered to the provider, to respond by "
        "27 May 2015 Date 21 May 2015" in check
    )
    done = post(officer, "/competitions/1/award", {"confirm": "yes"} | award)
    assert done.status_code == 302 and done.headers["Location"] == "/calloffs/1"
    calloff_page = words(officer.get("/calloffs/1").text)
    assert (
        "Competition 1 awarded: call-off 1 offered to Cedar Conferencing (rank 3 on lot 4), "
        "total 83.25, at £6,000.00; respond by 2015-05-27. Headroom left £254,000.00."
        in calloff_page
    )
    with calloff.open(fresh) as office:
        c = office.calloff(1)
        assert (c.provider_id, str(c.value), c.status, c.competition_id) == (
            3,
            "6000.00",
            "offered",
            1,
        )
        assert str(c.headroom_after) == "254000.00"
        assert office.audit()[-1].channel == "web"

    # The letters: one per bidder, each with its own figures and the winner's only.
    page = officer.get("/competitions/1").text
    assert "Competition 1: awarded" in page
    for stem in (
        "competition-1-letter-1-alder-training",
        "competition-1-letter-2-birch-practice-ltd",
        "competition-1-letter-3-cedar-conferencing",
    ):
        assert f"/competitions/1/letters/{stem}.html" in page
    birch = client_as(app, "u.auditor").get(
        "/competitions/1/letters/competition-1-letter-2-birch-practice-ltd.html"
    )
    assert birch.status_code == 200 and "Content-Disposition" not in birch.headers
    assert "£4,800.00" in birch.text and "£6,000.00" in birch.text and "£5,400.00" not in birch.text
    # Birch's £4,800.00 is the lowest price, not the winner's: the letters give no price
    # points or totals, only the quality points (Birch 40.63, Cedar 55.25).
    assert "40.63" in birch.text and "55.25" in birch.text and "45.50" not in birch.text
    assert "83.25" not in birch.text and "Price points are withheld" in birch.text
    saved = officer.get("/competitions/1/letters/competition-1-letter-2-birch-practice-ltd.md")
    assert saved.headers["Content-Disposition"] == (
        'attachment; filename="competition-1-letter-2-birch-practice-ltd.md"'
    )
    with calloff.open(fresh) as office:
        letters = office.letters(1)
    assert saved.text == letters["competition-1-letter-2-birch-practice-ltd.md"]
    html = officer.get(
        "/competitions/1/letters/competition-1-letter-3-cedar-conferencing.html?download=1"
    )
    assert html.headers["Content-Disposition"].endswith('cedar-conferencing.html"')
    assert (
        officer.get("/competitions/1/letters/competition-1-letter-4-damson-cic.md").status_code
        == 404
    )


def test_bids_stay_sealed_until_a_closing_day_still_to_come(fresh):
    """A competition closing after today: every page, for every role, keeps the prices."""
    closes = date.today() + timedelta(days=30)
    with calloff.open(fresh) as office:
        office.open_competition(1, closes=closes, on="2015-05-05")
        office.bid(1, provider=1, price="5400", scores={"quality": 70}, on="2015-05-11")
        office.bid(1, provider=2, price="4800", scores={"quality": "62.5"}, on="2015-05-11")
    app = app_for(fresh)
    officer = client_as(app, "o.officer")
    cedar = {"confirm": "yes", "provider": "3", "price": "6000", "score-quality": "85"}
    done = post(officer, "/competitions/1/bid", cedar | day("on", "2015-05-11"))
    assert done.status_code == 302
    shown = officer.get("/competitions/1").text  # with the outcome banner
    assert (
        f"Recorded a bid from Cedar Conferencing in competition 1 on 2015-05-11: sealed until "
        f"the closing day, {closes}." in shown
    )
    assert SEALED.findall(shown) == []
    for login in TEAM:
        client = client_as(app, login)
        for path in ("/competitions", "/competitions/1", "/requests/1", "/", "/audit"):
            page = client.get(path)
            reads = path != "/audit" or {"auditor", "admin"} & set(ROLES[login])
            assert page.status_code == (200 if reads else 403)
            leaked = SEALED.findall(page.text)
            assert leaked == [], (login, path, leaked)
        # Nor as it will stand on a day to come: the library refuses to look ahead.
        ahead = client.get(
            f"/competitions/1?on-day={closes.day}&on-month={closes.month}&on-year={closes.year}"
        )
        assert ahead.status_code == 400
        assert f"{closes} is after today ({date.today()})" in ahead.text
        assert not SEALED.findall(ahead.text)
    page = officer.get("/competitions/1").text
    assert ">Record a bid<" in page and ">Award<" not in page
    before = changes(fresh)
    refused = post(officer, "/competitions/1/award", {"confirm": "yes"} | day("on", "2015-05-21"))
    assert refused.status_code == 400
    assert f"competition 1 takes bids until {closes}: award it on or after that day" in refused.text
    assert changes(fresh) == before


def test_weights_outside_their_range_are_the_librarys_sentence(app, db):
    client = client_as(app, "o.officer")
    before = changes(db)
    for weights, sentence in (
        (
            {"weight-quality": "75", "weight-price": "25"},
            "the weight for quality is 75, outside the range the framework allows (50–70): "
            "choose one within it",
        ),
        ({"weight-quality": "60", "weight-price": "39"}, "the weights add up to 99, not 100"),
    ):
        for confirm in ({}, {"confirm": "yes"}):
            answer = post(
                client,
                "/requests/2/competition",
                confirm | weights | day("closes", "2015-05-20") | day("on", "2015-05-06"),
            )
            assert answer.status_code == 400
            assert sentence in answer.text
            assert 'href="#weight-quality"' in answer.text
    command = Calloff(db).refused(
        "competition", "open", "2", "--closes", "2015-05-20", "--weights", "quality=75,price=25",
        "--on", "2015-05-06",
    )  # fmt: skip
    assert command.removeprefix("Error: ").startswith("the weight for quality is 75")
    assert changes(db) == before


def test_a_bid_after_the_close_is_refused_and_nothing_written(app, db):
    client = client_as(app, "o.officer")
    before = changes(db)
    late = {"confirm": "yes", "provider": "1", "price": "5000", "score-quality": "80"}
    answer = post(client, "/competitions/1/bid", late | day("on", "2015-05-21"))
    assert answer.status_code == 400
    sentence = (
        "competition 1 closed at the end of 2015-05-20: a bid dated 2015-05-21 is late and "
        "cannot be recorded"
    )
    assert sentence in answer.text and 'href="#on-day"' in answer.text
    assert changes(db) == before


@pytest.mark.parametrize(
    ("form", "line", "field"),
    [
        ({"price": "5000", "score-quality": "70"}, "Choose the provider", "provider"),
        ({"provider": "1", "score-quality": "70"}, "Enter the price", "price"),
        ({"provider": "1", "price": "12,50a", "score-quality": "70"}, "12,50a", "price"),
        (
            {"provider": "1", "price": "5000", "score-quality": ""},
            "Enter the score for quality",
            "score-quality",
        ),
        (
            {"provider": "1", "price": "5000", "score-quality": "101"},
            "the score for quality is 101: scores run from 0 to 100",
            "score-quality",
        ),
        (
            {"provider": "2", "price": "5000", "score-quality": "70"},
            "Birch Practice Ltd already bid in competition 1 on 2015-05-11: each invited "
            "provider answers once",
            "provider",
        ),
        (
            {
                "provider": "1",
                "price": "5000",
                "score-quality": "70",
                "on-day": "31",
                "on-month": "2",
            },
            "must be a real date",
            "on-day",
        ),
    ],
)
def test_a_bad_bid_is_one_clear_line(app, db, form, line, field):
    client = client_as(app, "o.officer")
    before = changes(db)
    answer = post(
        client, "/competitions/1/bid", day("on", "2015-05-12") | form | {"confirm": "yes"}
    )
    assert answer.status_code == 400
    assert line in answer.text and f'href="#{field}"' in answer.text
    assert "Traceback" not in answer.text
    assert changes(db) == before


@pytest.mark.parametrize(
    ("form", "line", "field"),
    [
        (
            {"weight-quality": "abc"},
            "Enter the weight for quality in whole points",
            "weight-quality",
        ),
        (
            {"closes-day": "", "closes-month": "", "closes-year": ""},
            "Enter the closing date",
            "closes-day",
        ),
        (
            {"closes-day": "31", "closes-month": "2"},
            "The closing date must be a real date",
            "closes-day",
        ),
        ({"closes-year": "99999"}, "The closing date must be a real date", "closes-day"),
        (
            day("closes", "2015-05-01"),
            "--closes 2015-05-01 is before the opening date 2015-05-06",
            "closes-day",
        ),
        (day("on", "2014-05-01"), "2014-05-01", "on-day"),
    ],
)
def test_a_bad_opening_is_one_clear_line(app, db, form, line, field):
    client = client_as(app, "o.officer")
    before = changes(db)
    base = OPENING | day("closes", "2015-05-20") | day("on", "2015-05-06")
    answer = post(client, "/requests/2/competition", base | form)
    assert answer.status_code == 400, words(answer.text)[:600]
    assert line in answer.text and f'href="#{field}"' in answer.text
    assert changes(db) == before


def test_an_award_before_the_close_and_a_cancel_without_reason_are_refused(app, db):
    client = client_as(app, "o.officer")
    before = changes(db)
    early = post(client, "/competitions/1/award", {"confirm": "yes"} | day("on", "2015-05-15"))
    assert early.status_code == 400
    assert "competition 1 takes bids until 2015-05-20: award it on or after that day" in early.text
    bare = post(client, "/competitions/1/cancel", {"confirm": "yes"} | day("on", "2015-05-15"))
    assert bare.status_code == 400 and "Enter the reason" in bare.text
    assert changes(db) == before


def test_a_cancelled_competition_says_so_and_takes_no_more(app, db):
    client = client_as(app, "o.officer")
    done = post(
        client,
        "/competitions/1/cancel",
        {"confirm": "yes", "reason": "budget withdrawn"} | day("on", "2015-05-21"),
    )
    assert done.status_code == 302
    page = words(client.get("/competitions/1").text)
    assert "Competition 1 cancelled on 2015-05-21: budget withdrawn" in page
    assert "Competition 1: cancelled" in page and "Record a bid" not in page
    before = changes(db)
    again = post(
        client,
        "/competitions/1/no-bid",
        {"confirm": "yes", "provider": "1"} | day("on", "2015-05-22"),
    )
    assert again.status_code == 400
    assert "competition 1 was cancelled on 2015-05-21: it cannot take a no-bid" in again.text
    assert changes(db) == before


def test_the_list_pages_at_fifty(app, db):
    with calloff.open(db) as office:
        for n in range(54):
            need = office.add_request(
                lot=4, title=f"Session {n}", start="2015-09-01", value="100", on="2015-06-01"
            )
            office.open_competition(need.id, closes="2015-06-10", on="2015-06-01")
    client = client_as(app, "u.auditor")
    first = words(client.get("/competitions").text)
    assert "1 to 50 of 55 competitions (page 1 of 2)." in first
    last = client.get("/competitions?page=2").text
    assert "51 to 55 of 55 competitions (page 2 of 2)." in words(last)
    assert "Session 53" in last and 'href="/competitions?page=1"' in last
    dated = client.get("/competitions?on-day=5&on-month=6&on-year=2015&page=2").text
    assert "as they stood on 5 June 2015" in dated and ">open<" in dated
    assert "on-day=5" in dated  # the pages keep the day
    for bad in ("page=0", "page=x"):
        assert client.get(f"/competitions?{bad}").status_code == 404
    odd = client.get("/competitions?on-day=40&on-month=1&on-year=2015")
    assert odd.status_code == 400 and "The date must be a real date" in odd.text


def test_no_such_competition_or_step_is_not_found(app):
    client = client_as(app, "o.officer")
    for path in (
        "/competitions/9",
        "/competitions/0",
        "/competitions/99999999999999999999",
        "/competitions/1/rescore",
        "/competitions/9/bid",
        "/competitions/1/letters/competition-1-letter-1-alder-training.md",  # not awarded
        "/competitions/1/letters/x.pdf",
    ):
        assert client.get(path).status_code == 404, path


def test_the_pages_need_no_script(app, db):
    """Every action is a link or a form's submit button: usable by keyboard alone."""
    client = client_as(app, "o.officer")
    for path in (
        "/competitions",
        "/competitions/1",
        "/competitions/1/bid",
        "/requests/2/competition",
    ):
        page = client.get(path).text
        assert "onclick" not in page and "javascript:" not in page
        assert "<h1" in page and page.count("<h1") == 1
    form = client.get("/competitions/1/bid").text
    # Only the providers who have not answered may be chosen; every field is labelled.
    assert 'value="1"' in form and 'value="5"' in form and 'value="2"' not in form
    for field in ("price", "score-quality", "on-day"):
        assert f'for="{field}"' in form


def test_signed_out_goes_to_sign_in_first(app, db):
    client = app.test_client()
    for path in (
        "/competitions",
        "/competitions/1",
        "/competitions/1/bid",
        "/requests/2/competition",
    ):
        answer = client.get(path)
        assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"], path


def test_letters_wait_for_an_award_over_the_threshold_to_be_approved(app, db):
    """Alder's £30,000.00 bid alone (the framework's weights: price 40 x 30,000 / 30,000 =
    40.00, quality 70 x 60 / 100 = 42.00, total 82.00): awarded at or over Leeds' £25,000.00
    threshold, the call-off awaits approval, and the bidders are not told (no letters) until
    then."""
    with calloff.open(db) as office:
        office.open_competition(2, closes="2015-05-20", on="2015-05-06")
        office.bid(2, provider=1, price="30000", scores={"quality": 70}, on="2015-05-11")
    client = client_as(app, "o.officer")
    done = post(client, "/competitions/2/award", {"confirm": "yes"} | day("on", "2015-05-21"))
    assert done.status_code == 302
    banner = words(client.get(done.headers["Location"]).text)
    assert "awaiting approval to Alder Training (rank 1 on lot 4), total 82.00, at £30,000.00" in (
        banner
    )
    assert "to be approved by another officer before it is offered." in banner
    page = words(client.get("/competitions/2").text)
    assert "awaits approval: the bidders are told once another officer approves it" in page
    assert "view and print" not in page


# -- Continue asks the library before the check page -------------------------------------------

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("step", "form", "field", "line"),
    [
        (
            "bid",
            {"provider": "2", "price": "5000", "score-quality": "70"},
            "provider",
            "Birch Practice Ltd already bid in competition 1 on 2015-05-11: each invited "
            "provider answers once",
        ),
        (
            "no-bid",
            {"provider": "3"},
            "provider",
            "Cedar Conferencing already bid in competition 1 on 2015-05-11: each invited "
            "provider answers once",
        ),
        (
            "bid",
            {"provider": "4", "price": "5000", "score-quality": "70"},
            "provider",
            "Damson CIC was not invited to competition 1: it was passed over when the "
            "competition opened,",
        ),
        (
            "bid",
            {"provider": "1", "price": "0", "score-quality": "70"},
            "price",
            "price must be more than £0.00",
        ),
        (
            "bid",
            {"provider": "1", "price": "5000", "score-quality": "70"} | day("on", TOMORROW),
            "on-day",
            f"the bid's date {TOMORROW} is after today ({date.today()}): a change cannot be "
            "dated in the future",
        ),
        (
            "award",
            day("on", TOMORROW),
            "on-day",
            f"the award date {TOMORROW} is after today ({date.today()}): a change cannot be "
            "dated in the future",
        ),
        (
            "cancel",
            {"reason": "budget withdrawn"} | day("on", TOMORROW),
            "on-day",
            f"the cancellation date {TOMORROW} is after today ({date.today()}): a change "
            "cannot be dated in the future",
        ),
    ],
)
def test_continue_refuses_in_the_librarys_words_before_the_check_page(
    app, db, step, form, field, line
):
    """A provider that has answered already is not "Choose the provider": the library's
    preview (`Office.preview_bid`, `preview_no_bid`, writing nothing) says what is wrong,
    at the field, before any check page; so with a price or a date it would refuse."""
    client = client_as(app, "o.officer")
    before = changes(db)
    answer = post(client, f"/competitions/1/{step}", day("on", "2015-05-12") | form)
    assert answer.status_code == 400, words(answer.text)[:600]
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', answer.text, re.S).group(1)
    assert summary.count("<li>") == 1
    assert line in words(summary).replace("&#39;", "'") and f'href="#{field}"' in summary
    assert "Choose the provider" not in answer.text
    if "price" in form:  # the form comes back as it was filled in
        assert f'value="{form["price"]}"' in answer.text
    assert changes(db) == before


def test_the_bid_check_page_shows_what_the_library_would_record(app, db):
    client = client_as(app, "o.officer")
    before = changes(db)
    form = {"provider": "1", "price": "5400", "score-quality": "70"} | day("on", "2015-05-12")
    check = post(client, "/competitions/1/bid", form)
    assert check.status_code == 200
    shown = words(check.text)
    assert "Provider Alder Training (rank 1)" in shown
    assert "Price, excluding VAT £5,400.00" in shown
    assert changes(db) == before


def test_the_weights_start_as_the_frameworks_and_an_empty_box_keeps_them(app, db):
    """The boxes are filled with the definition's weights (quality 60, price 40); one left
    empty is read as the framework's weight, not refused."""
    client = client_as(app, "o.officer")
    form = client.get("/requests/2/competition").text
    assert re.search(r'name="weight-quality"[^>]*value="60"', form)
    assert re.search(r'name="weight-price"[^>]*value="40"', form)
    before = changes(db)
    empty = {"weight-quality": "", "weight-price": ""}
    check = post(
        client,
        "/requests/2/competition",
        empty | day("closes", "2015-05-20") | day("on", "2015-05-06"),
    )
    assert check.status_code == 200, words(check.text)[:600]
    assert "Weights quality 60, price 40" in words(check.text)
    assert changes(db) == before
    refined = post(
        client,
        "/requests/2/competition",
        {"weight-quality": "65", "weight-price": ""}
        | day("closes", "2015-05-20")
        | day("on", "2015-05-06"),
    )
    assert refined.status_code == 400  # 65 + 40: the library's sum, at the weights
    assert "the weights add up to 105, not 100" in refined.text
    assert re.search(r'name="weight-price"[^>]*value="40"', refined.text)


def test_a_letter_wraps_on_a_narrow_screen_and_the_markdown_is_the_commands(app, db):
    """The letter's HTML sets the viewport and lets long words and tables wrap at 320 px;
    the Markdown is byte for byte what the command writes."""
    with calloff.open(db) as office:
        office.bid(1, provider=1, price="5400", scores={"quality": 70}, on="2015-05-11")
        office.award(1, on="2015-05-21")
        letters = office.letters(1, format="md")
        pages = office.letters(1, format="html")
    client = client_as(app, "u.auditor")
    stem = "competition-1-letter-1-alder-training"
    page = client.get(f"/competitions/1/letters/{stem}.html").text
    assert page == pages[f"{stem}.html"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "overflow-wrap: anywhere" in page and "table { max-width: 100%; }" in page
    assert "th.num { text-align: right; font-variant-numeric: tabular-nums; }" in page
    saved = client.get(f"/competitions/1/letters/{stem}.md")
    assert saved.get_data() == letters[f"{stem}.md"].encode("utf-8")
