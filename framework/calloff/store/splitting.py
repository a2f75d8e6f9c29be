"""Split purchases (calloff.domain.splitting) as the store keeps them: the framework's
`aggregation_days` (schema 15), the call-offs that count with a new one, and the reason
each allocation's event gives for needing approval."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlite_utils

from calloff.domain.model import Framework
from calloff.domain.money import from_pence
from calloff.domain.splitting import COUNTED, DEFAULT_DAYS, Earlier

if TYPE_CHECKING:
    from calloff.store.database import Store


# The call-offs that count with a new one: found through the index on provider, lot and
# day, so only those days' call-offs to that provider on that lot are read.
EARLIER = f"""SELECT c.id, c.value_pence FROM calloffs c JOIN requests r ON r.id = c.request_id
    WHERE c.provider_id = ? AND c.lot = ? AND c.offered_on BETWEEN ? AND ?
      AND c.status IN ({", ".join("?" for _ in COUNTED)}) AND r.officer = ? COLLATE NOCASE
    ORDER BY c.offered_on, c.id"""


CANDIDATES = """SELECT DISTINCT request_id FROM calloffs
    WHERE provider_id = ? AND lot = ? AND offered_on BETWEEN ? AND ?"""


def migrate(db: sqlite_utils.Database) -> None:
    """Schema 14 to 15 (docs/rules.md, "Split purchases count together"): an existing
    framework counts one officer's call-offs to one provider on one lot within 30 days
    together, as a new one does by default; the index finds those call-offs without
    reading the rest."""
    days = f"aggregation_days INTEGER NOT NULL DEFAULT {DEFAULT_DAYS}"
    db.execute(f"ALTER TABLE framework ADD COLUMN {days}")
    db.execute("CREATE INDEX calloffs_provider_lot ON calloffs (provider_id, lot, offered_on)")


def row(fw: Framework) -> dict[str, Any]:
    """The `framework` table's column for the framework's aggregation window."""
    return {"aggregation_days": fw.aggregation_days}


class SplitPurchases:
    """The call-offs that count together against the approval threshold."""

    def __init__(self, store: Store):
        self.db = store.db
        self.vouch = store.trail.seal.vouch  # what the decision reads: see Seal.vouch

    def raiser(self, request_id: int) -> str | None:
        """The officer who raised the request (None on a request recorded without one)."""
        self.vouch("requests", request_id)
        found = self.db.execute("SELECT officer FROM requests WHERE id = ?", [request_id])
        officer = found.fetchone()
        return None if officer is None else officer[0]

    def earlier(
        self, officer: str, provider_id: int, lot: int, first: date, last: date
    ) -> list[Earlier]:
        """Call-offs on `officer`'s requests to the provider on the lot, raised from `first`
        to `last` inclusive, whose status still counts, oldest first (the index on
        provider, lot and day bounds the search to those days)."""
        days = [first.isoformat(), last.isoformat()]
        # The decision reads the provider's call-offs on the lot and, whatever their
        # status or officer, the requests of those in the window: all checked by the seal.
        self.vouch("calloffs", provider_id, lot)
        for (rid,) in self.db.execute(CANDIDATES, [provider_id, lot, *days]):
            self.vouch("requests", rid)
        rows = self.db.execute(EARLIER, [provider_id, lot, *days, *COUNTED, officer]).fetchall()
        return [Earlier(int(cid), from_pence(pence)) for cid, pence in rows]

    def reasons(self, calloff_ids: list[int]) -> dict[int, str]:
        """Why each of these call-offs needed approval, as its allocation's event says;
        one allocated before the reason was recorded (schema 15) has none."""
        found = {}
        for at in range(0, len(calloff_ids), 500):  # well inside SQLite's limit of variables
            some = [str(i) for i in calloff_ids[at : at + 500]]
            for object_id, after in self.db.execute(
                f"""SELECT object_id, after FROM events WHERE object_type = 'calloff'
                AND object_id IN ({", ".join("?" for _ in some)}) AND action = 'calloff.offer'""",
                some,
            ):
                reason = reason_in({"after": after})
                if reason:
                    found[int(object_id)] = reason
        return found


def reason_in(event: dict[str, Any]) -> str | None:
    """Why an allocation's event says its call-off needed approval (None: it did not, or
    it was allocated before the reason was recorded)."""
    after = json.loads(event["after"] or "{}")
    reason = after.get("approval_reason") if isinstance(after, dict) else None
    return reason if isinstance(reason, str) else None
