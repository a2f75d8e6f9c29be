"""The audit trail's chain: each event carries a SHA-256 over its own content and the
hash of the event before it, so an edit, deletion, insertion or reordering made by
anything other than calloff breaks the chain at a point that can be named.

Pure functions over event rows; storage writes the rows, the CLI prints the verdict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

HASHED_FIELDS = (
    "id",
    "recorded_at",
    "effective_on",
    "officer",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
)


def event_hash(event: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over an event's content and the hash of the event before it.

    The last event of each write also carries the seal over the records as that write left
    them (`seal`, schema 5); it is hashed too, so the head hash vouches for the records.
    Since schema 9 an event names the account that acted and its channel, hashed too."""
    fields = [prev_hash, *(event.get(k) for k in HASHED_FIELDS)]
    if event.get("account"):  # schema 9: who really acted, and the channel
        fields += [event["account"], event.get("channel")]
    if event.get("seal"):
        fields.append(event["seal"])
    content = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@attrs.frozen
class Verdict:
    """The result of checking the chain: whole, or broken at a named event."""

    ok: bool
    events: int
    head: str
    problem: str | None = None
    event: int | None = None


def verify_chain(
    rows: Iterable[Mapping[str, Any]],
    head: Mapping[str, Any] | None,
    sealed: Callable[[Mapping[str, Any]], str | None] | None = None,
) -> Verdict:
    """Walk the events in id order and name the first that does not belong where it is;
    `sealed` says why an event's seal does not hold (a keyed seal without its MAC)."""
    prev_hash, prev_id, count = "", 0, 0
    for row in rows:
        count += 1
        if row["id"] != prev_id + 1 or row["prev_hash"] != prev_hash:
            where = f"after event {prev_id}" if prev_id else "at the start"
            return Verdict(
                False,
                count,
                prev_hash,
                (
                    f"event {row['id']} does not follow {where}: an event before it was deleted, "
                    "or it was inserted or moved"
                ),
                row["id"],
            )
        if event_hash(row, prev_hash) != row["hash"]:
            return Verdict(
                False,
                count,
                prev_hash,
                (
                    f"event {row['id']} ({row['action']}, recorded {row['recorded_at']}) was "
                    "edited: its content no longer matches its hash"
                ),
                row["id"],
            )
        if sealed is not None and row.get("seal") and (why := sealed(row)):
            return Verdict(
                False,
                count,
                prev_hash,
                f"event {row['id']} ({row['action']}, recorded {row['recorded_at']}): {why}",
                row["id"],
            )
        prev_hash, prev_id = row["hash"], row["id"]
    last_id, last_hash = (head["last_event"], head["last_hash"]) if head else (0, "")
    if (last_id, last_hash) != (prev_id, prev_hash):
        if last_id > prev_id:
            problem = (
                f"the chain ends at event {prev_id} but calloff last wrote event "
                f"{last_id}: event {prev_id + 1} onwards was deleted"
            )
            return Verdict(False, count, prev_hash, problem, prev_id + 1)
        return Verdict(
            False,
            count,
            prev_hash,
            f"event {last_id + 1} onwards was not written by calloff (the chain "
            f"head is event {last_id})",
            last_id + 1,
        )
    return Verdict(True, count, prev_hash)


# Tables whose rows are each created by exactly one kind of event.
COUNTED = {"providers": "provider.add", "requests": "request.add", "extensions": "term.extend"}
