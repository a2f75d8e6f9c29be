"""The register of officers as the command's JSON gives it (docs/json.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from calloff.domain.money import json_money
from calloff.domain.officers import FROM_THE_START, Delegation, Officer


def day(value: date | None) -> str | None:
    """An ISO date; None for "from the start" (the first officer's entry)."""
    return None if value is None or value == FROM_THE_START else value.isoformat()


def officer(o: Officer) -> dict[str, Any]:
    return {
        "login": o.login,
        "name": o.name,
        "roles": list(o.roles),
        "limit": json_money(o.limit),
        "email": o.email or None,
        "registered_on": day(o.registered_on),
        "since": day(o.since),
        "status": "left" if o.left_on else "current",
        "left_on": day(o.left_on),
        "left_reason": o.left_reason or None,
    }


def delegation(d: Delegation, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    status = "future" if today < d.starts else "past" if today > d.ends else "current"
    return {
        "id": d.id,
        "login": d.login,
        "to": d.delegate,
        "from": d.starts.isoformat(),
        "until": d.ends.isoformat(),
        "reason": d.reason or None,
        "status": status,
        "recorded_at": d.recorded_at,
    }


def officer_detail(
    o: Officer, history: list[Officer], delegations: list[Delegation]
) -> dict[str, Any]:
    """One officer with every dated entry and the cover they gave or hold."""
    mine = [
        d for d in delegations if o.login.casefold() in (d.login.casefold(), d.delegate.casefold())
    ]
    return {
        **officer(o),
        "history": [officer(entry) for entry in history],
        "delegations": [delegation(d) for d in mine],
    }
