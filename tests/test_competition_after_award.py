"""Bidding closes for good at a competition's first award (issues 32 and 33).

Borsetshire (fixture `borsetshire`), request 1 on lot 2, opened 1 May 2026, closing
15 May, weights quality 60, price 40. Two bids, dated 10 May:

  Alder  £12,000, quality 80: 9,000/12,000 × 40 = 30.00 + 80 × 0.6 = 48.00: 78.00
  Birch   £9,000, quality 60: 40.00 + 36.00: 76.00

Awarded on 18 May to Alder (call-off 1), who declines on 20 May. Cedar's bid of £10,000,
quality 70, dated the closing day, would have scored 36.00 + 42.00 = 78.00 against Birch's
76.00 and won the re-award: it is refused, as is one back-dated to 12 May and a no-bid,
and the re-award on 21 May goes to Birch at £9,000 (call-off 2).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import shutil
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import calloff
from calloff.domain.competition import Answer
from calloff.errors import WrongStatus
from tests.conftest import Calloff, snapshot
from tests.test_competition import bid, opened, request

CLOSED = "bidding closed with that award, so it cannot take a bid, whatever its date"


@pytest.fixture
def declined(borsetshire):
    """Competition 1 awarded to Alder on 18 May, and Alder's decline on 20 May."""
    opened(borsetshire, request(borsetshire))
    bid(borsetshire, 1, "Alder Training", "12000", "80")
    bid(borsetshire, 1, "Birch Practice Ltd", "9000", "60")
    assert borsetshire.json("competition", "award", "1", "--on", "2026-05-18")["calloff"] == 1
    borsetshire.ok("decline", "1", "--reason", "no trainer free", "--on", "2026-05-20")
    return borsetshire


def cedar_bids(c, on):
    return c.refused("competition", "bid", "1", "Cedar Conferencing", "--price", "10000",
                     "--score", "quality=70", "--on", on)  # fmt: skip


def test_a_bid_dated_the_closing_day_but_recorded_after_the_award_is_refused(declined):
    before = snapshot(declined.db)
    error = cedar_bids(declined, "2026-05-15")
    assert error == f"Error: competition 1 was awarded on 2026-05-18: {CLOSED}"
    assert snapshot(declined.db) == before


def test_a_back_dated_bid_and_a_no_bid_after_the_award_are_refused(declined):
    before = snapshot(declined.db)
    assert CLOSED in cedar_bids(declined, "2026-05-12")
    error = declined.refused("competition", "no-bid", "1", "Cedar Conferencing", "--reason",
                             "fully booked", "--on", "2026-05-12")  # fmt: skip
    assert error == (
        "Error: competition 1 was awarded on 2026-05-18: bidding closed with that award, so "
        "it cannot take a no-bid, whatever its date"
    )
    assert snapshot(declined.db) == before


def test_the_re_award_goes_to_the_next_bid_recorded_before_the_award(declined):
    cedar_bids(declined, "2026-05-15")
    again = declined.json("competition", "award", "1", "--on", "2026-05-21")
    assert (again["calloff"], again["name"], again["value"]) == (2, "Birch Practice Ltd", "9000.00")
    assert [p["name"] for p in again["set_aside"]] == ["Alder Training"]


def test_the_award_itself_closes_bidding_while_it_stands(borsetshire):
    opened(borsetshire, request(borsetshire))
    bid(borsetshire, 1, "Alder Training", "12000", "80")
    borsetshire.ok("competition", "award", "1", "--on", "2026-05-18")
    assert CLOSED in cedar_bids(borsetshire, "2026-05-15")


def test_a_bid_an_older_calloff_let_in_after_the_award_is_set_aside(declined, tmp_path):
    """A database written by a calloff that did not yet refuse it may hold one: Cedar's,
    recorded after the award. The re-award leaves it out and says why; so does the letter."""
    with calloff.open(declined.db) as office, office.store.transaction() as s:
        s.competitions.add_answer(
            1,
            Answer(
                3,
                "Cedar Conferencing",
                3,
                True,
                date(2026, 5, 15),
                Decimal("10000.00"),
                {"quality": Decimal("70")},
                officer="officer.a",
            ),
        )
        s.trail.record("officer.a", date(2026, 5, 15), "competition.bid", "competition", 1,
                       None, {"provider": 3, "price": Decimal("10000.00"),
                              "scores": {"quality": "70.00"}}, None)  # fmt: skip
    why = "recorded after the competition's first award on 2026-05-18, when bidding had closed"
    shown = declined.json("competition", "show", "1")
    assert [(p["name"], p["reason"]) for p in shown["set_aside"]] == [
        ("Alder Training", "declined on 2026-05-20: no trainer free"),
        ("Cedar Conferencing", why),
    ]
    assert [r["name"] for r in shown["results"]] == ["Birch Practice Ltd"]
    again = declined.json("competition", "award", "1", "--on", "2026-05-21")
    assert (again["name"], again["value"]) == ("Birch Practice Ltd", "9000.00")
    assert [p["name"] for p in again["set_aside"]] == ["Alder Training", "Cedar Conferencing"]
    declined.ok("competition", "letters", "1", "--output-dir", str(tmp_path))
    cedar = (tmp_path / "competition-1-letter-3-cedar-conferencing.md").read_text()
    assert f"Your bid was not scored: {why}." in cedar


def _award(path: str, barrier) -> None:
    with calloff.open(path) as office:
        barrier.wait()
        office.award(1, on="2026-05-18")


def _bid(path: str, barrier) -> None:
    with calloff.open(path) as office:
        barrier.wait()
        with contextlib.suppress(WrongStatus):
            office.bid(1, provider=3, price="10000", scores={"quality": 70}, on="2026-05-15")


def _answers_after_the_award(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT id FROM events WHERE action = 'competition.bid' AND id > "
                "(SELECT id FROM events WHERE action = 'competition.award')"
            )
        ]
    finally:
        conn.close()


@pytest.mark.slow
def test_an_award_and_a_bid_racing_never_leave_a_bid_after_the_award(borsetshire, tmp_path):
    """Two processes, one awarding and one bidding, released together, three times: the
    bid is either recorded before the award (and scored in it) or refused."""
    opened(borsetshire, request(borsetshire))
    bid(borsetshire, 1, "Alder Training", "12000", "80")
    bid(borsetshire, 1, "Birch Practice Ltd", "9000", "60")
    ctx = multiprocessing.get_context("fork")
    for n in range(3):
        path = tmp_path / f"round-{n}.db"
        shutil.copy(borsetshire.db, path)
        barrier = ctx.Barrier(2)
        workers = [ctx.Process(target=f, args=(str(path), barrier)) for f in (_award, _bid)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
            assert w.exitcode == 0
        assert _answers_after_the_award(path) == []
        shown = Calloff(path).json("competition", "show", "1")
        assert {b["name"] for b in shown["bids"]} == {r["name"] for r in shown["results"]}


def test_the_competition_says_when_bidding_closed(declined):
    """The page and the JSON say bidding closed at the first award, even once it fell
    through (the workspace then offers no "Record a bid")."""
    shown = declined.json("competition", "show", "1")
    assert shown["bidding_closed_on"] == "2026-05-18"
    assert shown["calloff"] is None  # the award no longer stands
