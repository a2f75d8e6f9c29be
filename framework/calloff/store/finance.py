"""Money in from the finance system (schema 14): the purchase order number a call-off
carries, and the cost centre, GL code and purchase order each invoice line quotes."""

from __future__ import annotations

import json
from typing import Any

import attrs
import sqlite_utils

from calloff.domain.finance import Finance
from calloff.domain.transparency_settings import TransparencySettings


def add_columns(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE calloffs ADD COLUMN purchase_order TEXT")
    # Unique per framework (a database holds one), whatever its letter case.
    db.execute(
        "CREATE UNIQUE INDEX calloffs_purchase_order ON calloffs "
        "(purchase_order COLLATE NOCASE) WHERE purchase_order IS NOT NULL"
    )
    for column in ("cost_centre", "gl_code", "purchase_order"):
        db.execute(f"ALTER TABLE spend ADD COLUMN {column} TEXT")
    db.execute("CREATE INDEX spend_purchase_order ON spend (purchase_order)")
    db.execute("ALTER TABLE framework ADD COLUMN finance TEXT")


def row(finance: Finance, transparency: TransparencySettings) -> dict[str, Any]:
    """The `framework` table's column for the finance settings: the saved spend mapping,
    and whose column names the Transparency files use."""
    data = {"spend_map": dict(finance.spend_map), "transparency": attrs.asdict(transparency)}
    return {"finance": json.dumps(data)}


def read(r: dict[str, Any]) -> Finance:
    return Finance(spend_map=json.loads(r.get("finance") or "{}").get("spend_map") or {})


def transparency_of(r: dict[str, Any]) -> TransparencySettings:
    return TransparencySettings(**(json.loads(r.get("finance") or "{}").get("transparency") or {}))


class PurchaseOrders:
    """The council's purchase order numbers for its call-offs."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def of(self, calloff_id: int) -> str | None:
        found = self.db.execute(
            "SELECT purchase_order FROM calloffs WHERE id = ?", [calloff_id]
        ).fetchone()
        return None if found is None else found[0]

    def calloff_with(self, number: str) -> int | None:
        """The call-off carrying purchase order `number` (any letter case), if one does."""
        found = self.db.execute(
            "SELECT id FROM calloffs WHERE purchase_order = ? COLLATE NOCASE", [number]
        ).fetchone()
        return None if found is None else int(found[0])

    def record(self, calloff_id: int, number: str) -> None:
        self.db.execute("UPDATE calloffs SET purchase_order = ? WHERE id = ?", [number, calloff_id])

    def codes(self, spend_id: int, codes: dict[str, str | None]) -> None:
        """An invoice line's cost centre, GL code and purchase order, where it quotes any."""
        given = {k: v for k, v in codes.items() if v is not None}
        if given:
            sets = ", ".join(f"{k} = ?" for k in given)
            self.db.execute(f"UPDATE spend SET {sets} WHERE id = ?", [*given.values(), spend_id])
