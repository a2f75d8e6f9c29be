"""Competitions in SQLite: the invitations, the bids and the no-bids (docs/competition.md).

A competition's state is never stored twice: it is open until its closing day has passed,
awarded while a call-off made from it is live or entered into, and cancelled once the
officer cancels it. Money is integer pence, marks are text ("72.50"), weights JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain.competition import Answer, Competition, Invitation
from calloff.domain.model import FINISHED, LIVE, PassOver
from calloff.domain.money import from_pence, to_pence
from calloff.errors import NotFound
from calloff.store.providers import insert_row
from calloff.store.rows import to_date
from calloff.store.trail import Trail, now_stamp

# The call-off statuses that mean a competition was awarded (the award stands).
AWARDED = (*LIVE, *FINISHED)


def create_tables(db: sqlite_utils.Database) -> None:
    """Schema 8 (calloff.store.migrations): award routes, criteria, standstill, competitions."""
    db.execute("ALTER TABLE lots ADD COLUMN award TEXT NOT NULL DEFAULT 'ranked'")
    db.execute("ALTER TABLE framework ADD COLUMN standstill_days INTEGER NOT NULL DEFAULT 0")
    db.execute(
        """CREATE TABLE criteria (
          name TEXT PRIMARY KEY, title TEXT NOT NULL, weight INTEGER NOT NULL,
          low INTEGER NOT NULL, high INTEGER NOT NULL, position INTEGER NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE competitions (
          id INTEGER PRIMARY KEY, request_id INTEGER NOT NULL REFERENCES requests (id),
          lot INTEGER NOT NULL REFERENCES lots (number), opened_on TEXT NOT NULL,
          closes_on TEXT NOT NULL, weights TEXT NOT NULL, cancelled_on TEXT,
          cancel_reason TEXT, recorded_at TEXT NOT NULL, officer TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX competitions_request ON competitions (request_id)")
    db.execute(
        """CREATE TABLE invitations (
          competition_id INTEGER NOT NULL REFERENCES competitions (id),
          seq INTEGER NOT NULL, provider_id INTEGER NOT NULL REFERENCES providers (id),
          name TEXT NOT NULL, rank INTEGER NOT NULL, invited INTEGER NOT NULL, reason TEXT,
          PRIMARY KEY (competition_id, seq))"""
    )
    db.execute(
        """CREATE TABLE bids (
          id INTEGER PRIMARY KEY,
          competition_id INTEGER NOT NULL REFERENCES competitions (id),
          provider_id INTEGER NOT NULL REFERENCES providers (id), bid INTEGER NOT NULL,
          price_pence INTEGER, marks TEXT, reason TEXT, bid_on TEXT NOT NULL,
          recorded_at TEXT NOT NULL, officer TEXT NOT NULL)"""
    )
    db.execute("CREATE UNIQUE INDEX bids_provider ON bids (competition_id, provider_id)")
    db.execute(
        "ALTER TABLE calloffs ADD COLUMN competition_id INTEGER REFERENCES competitions (id)"
    )
    db.execute("ALTER TABLE calloffs ADD COLUMN standstill_ends TEXT")


class CompetitionStore:
    """The competitions table and those beside it."""

    def __init__(self, db: sqlite_utils.Database, trail: Trail):
        self.db = db
        self.trail = trail

    def add(
        self,
        request_id: int,
        lot: int,
        opened_on: date,
        closes_on: date,
        weights: Mapping[str, int],
        invitations: list[Invitation],
        officer: str,
    ) -> int:
        cid = insert_row(
            self.db,
            "competitions",
            {
                "request_id": request_id,
                "lot": lot,
                "opened_on": opened_on.isoformat(),
                "closes_on": closes_on.isoformat(),
                "weights": json.dumps(dict(weights)),
                "recorded_at": now_stamp(),
                "officer": officer,
            },
        )
        for seq, i in enumerate(invitations, start=1):
            insert_row(
                self.db,
                "invitations",
                {
                    "competition_id": cid,
                    "seq": seq,
                    "provider_id": i.provider_id,
                    "name": i.name,
                    "rank": i.rank,
                    "invited": int(i.invited),
                    "reason": i.reason,
                },
            )
        return cid

    def get(self, competition_id: int) -> Competition:
        self.trail.seal.vouch("competitions", competition_id)  # a decision reads it
        rows = list(self.db.query("SELECT * FROM competitions WHERE id = ?", [competition_id]))
        if not rows:
            raise NotFound(
                f"competition {competition_id} does not exist",
                hint="see `calloff competition list`",
            )
        r = rows[0]
        return Competition(
            id=r["id"],
            request_id=r["request_id"],
            lot=r["lot"],
            opened_on=date.fromisoformat(r["opened_on"]),
            closes_on=date.fromisoformat(r["closes_on"]),
            weights=json.loads(r["weights"]),
            officer=r["officer"],
            recorded_at=r["recorded_at"],
            cancelled_on=to_date(r["cancelled_on"]),
            cancel_reason=r["cancel_reason"],
        )

    def for_request(self, request_id: int) -> list[Competition]:
        ids = self.db.execute(
            "SELECT id FROM competitions WHERE request_id = ? ORDER BY id", [request_id]
        ).fetchall()
        return [self.get(row[0]) for row in ids]

    def all(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Competitions with their request's title and where they stand, for a list: `limit`
        of them from `offset`, by id, paged here in SQL. A competition's call-off is found
        through its request's index, not by reading every call-off."""
        return list(
            self.db.query(
                f"""SELECT k.*, r.title,
                  (SELECT COUNT(*) FROM invitations i WHERE i.competition_id = k.id
                     AND i.invited) AS invited,
                  (SELECT COUNT(*) FROM bids b WHERE b.competition_id = k.id AND b.bid)
                     AS bids,
                  (SELECT c.id FROM calloffs c WHERE c.request_id = k.request_id
                     AND c.competition_id = k.id
                     AND c.status IN ({", ".join(f"'{s}'" for s in AWARDED)})) AS calloff
                FROM competitions k JOIN requests r ON r.id = k.request_id ORDER BY k.id
                LIMIT :limit OFFSET :offset""",
                {"limit": -1 if limit is None else limit, "offset": offset},
            )
        )

    def count(self) -> int:
        """How many competitions there are, for a list that pages."""
        return int(self.db.execute("SELECT COUNT(*) FROM competitions").fetchone()[0])

    def invitations(self, competition_id: int) -> list[Invitation]:
        self.trail.seal.vouch("invitations", competition_id)
        return [
            Invitation(r["provider_id"], r["name"], r["rank"], bool(r["invited"]), r["reason"])
            for r in self.db.query(
                "SELECT * FROM invitations WHERE competition_id = ? ORDER BY seq",
                [competition_id],
            )
        ]

    def answers(self, competition_id: int) -> list[Answer]:
        """Bids and no-bids, in the order of the lot's ranking."""
        self.trail.seal.vouch("bids", competition_id)
        return [
            Answer(
                provider_id=r["provider_id"],
                name=r["name"],
                rank=r["rank"],
                bid=bool(r["bid"]),
                on=date.fromisoformat(r["bid_on"]),
                price=None if r["price_pence"] is None else from_pence(r["price_pence"]),
                marks={k: Decimal(v) for k, v in json.loads(r["marks"] or "{}").items()},
                reason=r["reason"],
                officer=r["officer"],
            )
            for r in self.db.query(
                """SELECT b.*, i.name, i.rank FROM bids b JOIN invitations i
                   ON i.competition_id = b.competition_id AND i.provider_id = b.provider_id
                   WHERE b.competition_id = ? ORDER BY i.rank""",
                [competition_id],
            )
        ]

    def add_answer(self, competition_id: int, answer: Answer) -> None:
        insert_row(
            self.db,
            "bids",
            {
                "competition_id": competition_id,
                "provider_id": answer.provider_id,
                "bid": int(answer.bid),
                "price_pence": None if answer.price is None else to_pence(answer.price),
                "marks": json.dumps({k: f"{v:.2f}" for k, v in answer.marks.items()})
                if answer.bid
                else None,
                "reason": answer.reason,
                "bid_on": answer.on.isoformat(),
                "recorded_at": now_stamp(),
                "officer": answer.officer,
            },
        )

    def sealed(self, today: date) -> set[str]:
        """Competitions whose closing day has not come: their bids are not shown yet."""
        return {
            str(r[0])
            for r in self.db.execute(
                "SELECT id FROM competitions WHERE closes_on > ?", [today.isoformat()]
            )
        }

    def cancel(self, competition_id: int, on: date, reason: str) -> None:
        self.db.execute(
            "UPDATE competitions SET cancelled_on = ?, cancel_reason = ? WHERE id = ?",
            [on.isoformat(), reason, competition_id],
        )

    def calloffs(self, competition_id: int) -> list[dict[str, Any]]:
        """The call-offs made from a competition, oldest first, with their status (found
        through its request's index: they are all call-offs of that request)."""
        return list(
            self.db.query(
                "SELECT id, provider_id, status, offered_on, decided_on, closed_on "
                "FROM calloffs WHERE request_id = (SELECT request_id FROM competitions "
                "WHERE id = :k) AND competition_id = :k ORDER BY id",
                {"k": competition_id},
            )
        )

    def answered_after_award(self, competition_id: int) -> set[int]:
        """Providers whose bid or no-bid was recorded after the competition's first award, by
        the trail's order and not the date given: bidding closed at that award, so none of
        them counts in a re-award (a database written before the bid was refused may hold
        some)."""
        rows = self.db.execute(
            """SELECT DISTINCT json_extract(e.after, '$.provider') FROM events e
               WHERE e.object_type = 'competition' AND e.object_id = :k
                 AND e.action IN ('competition.bid', 'competition.no_bid')
                 AND e.id > (SELECT MIN(a.id) FROM events a WHERE a.object_type = 'competition'
                   AND a.object_id = :k AND a.action = 'competition.award')""",
            {"k": str(competition_id)},
        ).fetchall()
        return {int(r[0]) for r in rows if r[0] is not None}

    def set_aside(self, calloff_id: int) -> list[PassOver]:
        """The bids left out when this call-off was awarded (kept as its passovers)."""
        return [
            PassOver(r["provider_id"], r["name"], r["rank"], r["reason"])
            for r in self.db.query(
                "SELECT * FROM passovers WHERE calloff_id = ? ORDER BY seq", [calloff_id]
            )
        ]
