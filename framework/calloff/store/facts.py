"""The framework's own facts (calloff.domain.facts) as the `framework` table keeps them,
and the providers' two further statuses: schema 13."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain.facts import Facts
from calloff.domain.money import from_pence, to_pence
from calloff.store.rows import to_date

COLUMNS = {
    "estimated_value_pence": "INTEGER",
    "maximum_value_pence": "INTEGER",
    "cpv_codes": "TEXT",
    "authorities": "TEXT",
    "fee_percent": "TEXT",
    "calloff_latest_end": "TEXT",
    "publish_pass_over_reasons": "INTEGER NOT NULL DEFAULT 0",
}


def add_columns(db: sqlite_utils.Database) -> None:
    for column, kind in COLUMNS.items():
        db.execute(f"ALTER TABLE framework ADD COLUMN {column} {kind}")
    for column in ("supported_employment", "public_service_mutual"):
        db.execute(f"ALTER TABLE providers ADD COLUMN {column} INTEGER")


def row(facts: Facts) -> dict[str, Any]:
    """The `framework` table's columns for the facts."""
    return {
        "estimated_value_pence": pence(facts.estimated_value),
        "maximum_value_pence": pence(facts.maximum_value),
        "cpv_codes": json.dumps(list(facts.cpv_codes)),
        "authorities": json.dumps(list(facts.authorities)),
        "fee_percent": None if facts.fee_percent is None else str(facts.fee_percent),
        "calloff_latest_end": None
        if facts.calloff_latest_end is None
        else facts.calloff_latest_end.isoformat(),
        "publish_pass_over_reasons": int(facts.publish_pass_over_reasons),
    }


def read(r: dict[str, Any]) -> Facts:
    return Facts(
        estimated_value=amount(r.get("estimated_value_pence")),
        maximum_value=amount(r.get("maximum_value_pence")),
        cpv_codes=tuple(json.loads(r.get("cpv_codes") or "[]")),
        authorities=tuple(json.loads(r.get("authorities") or "[]")),
        fee_percent=None if r.get("fee_percent") is None else Decimal(r["fee_percent"]),
        calloff_latest_end=to_date(r.get("calloff_latest_end")),
        publish_pass_over_reasons=bool(r.get("publish_pass_over_reasons")),
    )


def pence(value: Decimal | None) -> int | None:
    """Money as stored, where there may be none."""
    return None if value is None else to_pence(value)


def amount(stored: int | None) -> Decimal | None:
    return None if stored is None else from_pence(stored)


def migrate(db: sqlite_utils.Database) -> None:
    """Schema 12 to 13 (docs/publishing.md): the framework's own facts and two more
    provider statuses; an embedded framework's facts are filled in from its definition."""
    from calloff.domain import definition

    add_columns(db)
    found = db.execute("SELECT id FROM framework").fetchone()
    if found is not None and found[0] in definition.EMBEDDED:
        values = row(definition.embedded(found[0]).facts)
        db.execute(
            "UPDATE framework SET " + ", ".join(f"{k} = ?" for k in values), list(values.values())
        )
