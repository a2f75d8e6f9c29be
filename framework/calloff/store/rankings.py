"""What tender evaluation settled, and every change since: rankings per lot and tendered
unit rates, each kept with the date it applies from.

The current ranking and rates are in `rankings` and `prices`; every version is also kept
in `ranking_history` and `price_history`, so an offer back-dated to a day uses the ranking
and rates in force that day: the latest dated on or before it. Before the first of those
dates, the first one recorded applies: it came from tender evaluation, so a framework set
up today can have its past call-offs recorded.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import sqlite_utils

from calloff.domain.model import RankEntry, Rates
from calloff.domain.money import from_pence, to_pence
from calloff.store.providers import OnDemand
from calloff.store.trail import Trail

# The version in force on day :on: the latest dated on or before it (the later recorded on
# a tie); before any, the first recorded, which came from tender evaluation.
_AS_AT = (
    "effective_on <= :on DESC, "
    "CASE WHEN effective_on <= :on THEN effective_on END DESC, "
    "CASE WHEN effective_on <= :on THEN id END DESC, id"
)


class Tenders:
    """The rankings and tendered rates of one calloff database, current and dated."""

    def __init__(self, db: sqlite_utils.Database, trail: Trail):
        self.db = db
        self.trail = trail

    def ranking(self, lot: int, on: date | None = None) -> list[RankEntry]:
        """A lot's ranking now, or in force on day `on`."""
        self.trail.seal.vouch("rankings" if on is None else "ranking_history", lot)
        if on is None:
            return [
                RankEntry(r["lot"], r["rank"], r["provider_id"])
                for r in self.db.query("SELECT * FROM rankings WHERE lot = ? ORDER BY rank", [lot])
            ]
        # The latest ranking dated on or before `on`; before any, the first one recorded.
        row = self.db.execute(
            f"SELECT provider_ids FROM ranking_history WHERE lot = :lot ORDER BY {_AS_AT} LIMIT 1",
            {"lot": lot, "on": on.isoformat()},
        ).fetchone()
        ids = json.loads(row[0]) if row else []
        return [RankEntry(lot, rank, pid) for rank, pid in enumerate(ids, start=1)]

    def placings(self, provider_id: int) -> list[tuple[int, int, Rates]]:
        """Where one provider is ranked now: (lot, rank, its tendered rates there), by lot."""
        rates: dict[int, dict[str, Decimal]] = {}
        for r in self.db.query("SELECT * FROM prices WHERE provider_id = ?", [provider_id]):
            rates.setdefault(r["lot"], {})[r["unit"]] = from_pence(r["rate_pence"])
        return [
            (r["lot"], r["rank"], Rates(**rates.get(r["lot"], {})))
            for r in self.db.query(
                "SELECT lot, rank FROM rankings WHERE provider_id = ? ORDER BY lot", [provider_id]
            )
        ]

    def replace_ranking(self, lot: int, provider_ids: list[int], on: date) -> None:
        self.db.execute("DELETE FROM rankings WHERE lot = ?", [lot])
        for rank, pid in enumerate(provider_ids, start=1):
            self.db.execute(
                "INSERT INTO rankings (lot, rank, provider_id) VALUES (?, ?, ?)", [lot, rank, pid]
            )
        self.db.execute(
            "INSERT INTO ranking_history (lot, effective_on, provider_ids, event_id) "
            "VALUES (?, ?, ?, ?)",
            [lot, on.isoformat(), json.dumps(provider_ids), self.trail.next_event_id()],
        )

    def rates(
        self, lot: int, on: date | None = None, provider_id: int | None = None
    ) -> dict[int, Rates]:
        """Each provider's tendered rates on a lot now, or in force on day `on` (only
        `provider_id`'s, if given: found by its index)."""
        table = "prices" if on is None else "price_history"
        one = "" if provider_id is None else " AND provider_id = :pid"
        if on is None:
            rows = self.db.query(
                f"SELECT * FROM prices WHERE lot = :lot{one}", {"lot": lot, "pid": provider_id}
            )
        else:
            rows = self.db.query(
                f"""
                SELECT provider_id, unit, rate_pence FROM (
                  SELECT provider_id, unit, rate_pence, ROW_NUMBER() OVER (
                    PARTITION BY provider_id, unit ORDER BY {_AS_AT}) AS n
                  FROM price_history WHERE lot = :lot{one})
                WHERE n = 1 AND rate_pence IS NOT NULL
                """,
                {"lot": lot, "on": on.isoformat(), "pid": provider_id},
            )
        found: dict[int, dict[str, Decimal]] = {}
        for r in rows:
            found.setdefault(r["provider_id"], {})[r["unit"]] = from_pence(r["rate_pence"])
        for pid in {*found, *([] if provider_id is None else [provider_id])}:
            self.trail.seal.vouch(table, lot, pid)  # a decision read them: see Seal.vouch
        return {pid: Rates(**units) for pid, units in found.items()}

    def rates_on_demand(self, lot: int, on: date | None = None) -> OnDemand[Rates]:
        """Each provider's rates on a lot, read by its id when first asked for: a cascade
        reads the few providers it walks past, not the whole lot."""
        return OnDemand(lambda pid: self.rates(lot, on, pid).get(pid), self.db)

    def set_rate(
        self, lot: int, provider_id: int, unit: str, rate: Decimal | None, on: date
    ) -> None:
        """A tendered rate (None: withdrawn) from day `on`."""
        if rate is None:
            self.db.execute(
                "DELETE FROM prices WHERE lot = ? AND provider_id = ? AND unit = ?",
                [lot, provider_id, unit],
            )
        else:
            self.db.execute(
                "INSERT INTO prices (lot, provider_id, unit, rate_pence) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (lot, provider_id, unit) DO UPDATE SET "
                "rate_pence = excluded.rate_pence",
                [lot, provider_id, unit, to_pence(rate)],
            )
        self.db.execute(
            "INSERT INTO price_history (lot, provider_id, unit, rate_pence, effective_on, "
            "event_id) VALUES (?, ?, ?, ?, ?, ?)",
            [
                lot,
                provider_id,
                unit,
                None if rate is None else to_pence(rate),
                on.isoformat(),
                self.trail.next_event_id(),
            ],
        )
