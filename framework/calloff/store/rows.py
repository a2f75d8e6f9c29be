"""Rows into model objects: the named constructors storage uses to read records back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from calloff.domain.dates import FinancialYear
from calloff.domain.model import CallOff, Request
from calloff.domain.money import from_pence


def to_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def request_from_row(r: Mapping[str, Any]) -> Request:
    return Request(
        id=r["id"],
        lot=r["lot"],
        title=r["title"],
        start=date.fromisoformat(r["start"]),
        end=date.fromisoformat(r["end"]),
        funding=r["funding"],
        value=None if r["value_pence"] is None else from_pence(r["value_pence"]),
        quantity=r["quantity"],
        unit=r["unit"],
        attendees=r["attendees"],
    )


def calloff_from_row(r: Mapping[str, Any]) -> CallOff:
    return CallOff(
        id=r["id"],
        request_id=r["request_id"],
        lot=r["lot"],
        provider_id=r["provider_id"],
        rank=r["rank"],
        status=r["status"],
        value=from_pence(r["value_pence"]),
        funding=r["funding"],
        year=FinancialYear.parse(r["year"]),
        raised_on=date.fromisoformat(r["offered_on"]),
        respond_by=to_date(r["respond_by"]),
        officer=r["officer"] or "",
        recorded_at=r["recorded_at"] or "",
        decided_on=to_date(r["decided_on"]),
        closed_on=to_date(r["closed_on"]),
        reason=r["reason"],
        needs_approval=bool(r["needs_approval"]),
        approved_by=r["approved_by"],
        approved_on=to_date(r["approved_on"]),
        competition_id=r["competition_id"],
        standstill_ends=to_date(r["standstill_ends"]),
        decision=r.get("decision"),
        headroom_after=None
        if r["headroom_after_pence"] is None
        else from_pence(r["headroom_after_pence"]),
        stream_headroom_after=None
        if r["stream_headroom_after_pence"] is None
        else from_pence(r["stream_headroom_after_pence"]),
    )
