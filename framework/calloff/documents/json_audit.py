"""The JSON of the audit trail's checks: `audit verify`, `audit anchor` and `backup`
(keys listed in docs/json.md)."""

from __future__ import annotations

from typing import Any

from calloff.domain import listings


def backup_copy(b: listings.BackupCopy) -> dict[str, Any]:
    keys = {"path": b.path, "bytes": b.bytes, "ok": b.ok, "events": b.events}
    return {**keys, "head": b.head, "key": b.key, "problem": b.problem}


def audit_anchor(a: listings.Anchor) -> dict[str, Any]:
    keys = {"framework": a.framework, "name": a.name, "buyer": a.buyer, "event": a.event}
    return {**keys, "recorded_at": a.recorded_at, "head": a.head, "key": a.key}


def audit_check(c: listings.AuditCheck) -> dict[str, Any]:
    expected = c.expected and {
        "hash": c.expected,
        "event": c.expected_event,
        "found": c.expected_event is not None,
    }
    keys = {"ok": c.ok, "events": c.events, "head": c.head, "problem": c.problem}
    return {**keys, "event": c.event, "expected": expected, "key": c.key}
