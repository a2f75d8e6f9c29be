"""The audit trail's chain: each event carries a SHA-256 over its own content and the
hash of the event before it, so an edit, deletion, insertion or reordering made by
anything other than calloff breaks the chain at a point that can be named.

Pure functions over event rows; storage writes the rows, the CLI prints the verdict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

HASHED_FIELDS = ("id", "recorded_at", "effective_on", "officer", "action", "object_type",
                 "object_id", "before", "after", "reason")


def event_hash(event: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over an event's content and the hash of the event before it."""
    content = json.dumps([prev_hash, *(event.get(k) for k in HASHED_FIELDS)],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@attrs.frozen
class Verdict:
    """The result of checking the chain: whole, or broken at a named event."""

    ok: bool
    events: int
    head: str
    problem: str | None = None
    event: int | None = None


def verify_chain(rows: Iterable[Mapping[str, Any]],
                 head: Mapping[str, Any] | None) -> Verdict:
    """Walk the events in id order and name the first that does not belong where it is."""
    prev_hash, prev_id, count = "", 0, 0
    for row in rows:
        count += 1
        if row["id"] != prev_id + 1 or row["prev_hash"] != prev_hash:
            where = f"after event {prev_id}" if prev_id else "at the start"
            return Verdict(False, count, prev_hash, (
                f"event {row['id']} does not follow {where}: an event before it was deleted, "
                "or it was inserted or moved"), row["id"])
        if event_hash(row, prev_hash) != row["hash"]:
            return Verdict(False, count, prev_hash, (
                f"event {row['id']} ({row['action']}, recorded {row['recorded_at']}) was "
                "edited: its content no longer matches its hash"), row["id"])
        prev_hash, prev_id = row["hash"], row["id"]
    last_id, last_hash = (head["last_event"], head["last_hash"]) if head else (0, "")
    if (last_id, last_hash) != (prev_id, prev_hash):
        if last_id > prev_id:
            problem = (f"the chain ends at event {prev_id} but calloff last wrote event "
                       f"{last_id}: event {prev_id + 1} onwards was deleted")
            return Verdict(False, count, prev_hash, problem, prev_id + 1)
        return Verdict(False, count, prev_hash,
                       f"event {last_id + 1} onwards was not written by calloff (the chain "
                       f"head is event {last_id})", last_id + 1)
    return Verdict(True, count, prev_hash)


# Tables whose rows are each created by exactly one kind of event.
COUNTED = {"providers": "provider.add", "requests": "request.add",
           "extensions": "term.extend"}


def reconcile(framework_exists: bool, calloffs: Iterable[Mapping[str, Any]],
              spend: Iterable[Mapping[str, Any]],
              events: Iterable[Mapping[str, Any]],
              counts: Mapping[str, int] | None = None) -> tuple[str, int | None] | None:
    """Check the records against the trail: a whole chain must also tell their whole story.

    Catches what a chain alone cannot: every event deleted, or a call-off's value or status,
    or an invoice line, changed in its table without an event. Returns (problem, event id)
    for the first mismatch, or None.
    """
    events = list(events)
    if framework_exists and (not events or events[0]["action"] != "framework.init"):
        return ("the trail does not begin with the framework being set up: its first events "
                "were deleted", 1)
    for table, action in COUNTED.items():
        rows = (counts or {}).get(table)
        logged = sum(1 for e in events if e["action"] == action)
        if rows is not None and rows != logged:
            return (f"{rows} row(s) in {table} but {logged} {action} event(s): rows or events "
                    "were added or deleted outside calloff", None)
    offers: dict[str, Mapping[str, Any]] = {}
    value: dict[str, tuple[str, int]] = {}
    status: dict[str, tuple[str, int]] = {}
    spend_events: dict[int, tuple[dict[str, Any], int]] = {}
    for e in events:
        after = json.loads(e["after"]) if e["after"] else {}
        if e["object_type"] != "calloff" or not isinstance(after, dict):
            continue
        oid = e["object_id"]
        if e["action"] == "calloff.offer":
            offers[oid] = e
            status[oid] = (after.get("status", "offered"), e["id"])
        if "value" in after:
            value[oid] = (after["value"], e["id"])
        if "status" in after and e["action"] != "calloff.offer":
            status[oid] = (after["status"], e["id"])
        if e["action"] == "spend.add":
            spend_events[int(after["spend"])] = (after, e["id"])
    seen: set[str] = set()
    for c in calloffs:
        oid = str(c["id"])
        seen.add(oid)
        if oid not in offers:
            return (f"call-off {oid} has no offer in the trail: it was written, or its events "
                    "deleted, outside calloff", None)
        recorded_value, event = value[oid]
        if _pence(recorded_value) != c["value_pence"]:
            return (f"call-off {oid}'s value in its table does not match event {event}: "
                    "changed outside calloff", event)
        recorded_status, event = status[oid]
        if recorded_status != c["status"]:
            return (f"call-off {oid} is {c['status']} in its table but {recorded_status} after "
                    f"event {event}: changed, or later events deleted, outside calloff", event)
    for oid, e in offers.items():
        if oid not in seen:
            return (f"call-off {oid}, offered in event {e['id']}, is missing: deleted outside "
                    "calloff", e["id"])
    lines = {int(s["id"]): s for s in spend}
    for sid, line in lines.items():
        if sid not in spend_events:
            return (f"spend line {sid} (invoice {line['invoice']}) has no event: written "
                    "outside calloff", None)
        after, event = spend_events[sid]
        if (_pence(after["amount"]) != line["amount_pence"] or after["invoice"] != line["invoice"]
                or after["date"] != line["spent_on"]):
            return (f"spend line {sid} does not match event {event}: changed outside calloff",
                    event)
    for sid, (_, event) in spend_events.items():
        if sid not in lines:
            return (f"spend line {sid}, recorded in event {event}, is missing: deleted outside "
                    "calloff", event)
    return None


def _pence(amount: str) -> int:
    pounds, _, pence = str(amount).partition(".")
    return int(pounds) * 100 + int((pence or "0").ljust(2, "0")[:2])
