"""The JSON of the outbox (`calloff notify list --json`, `calloff notify send --json`):
beside `json_shapes`, which is at the size a module may have; shaped here alone."""

from __future__ import annotations

from typing import Any

from calloff.domain.listings import Message


def message(m: Message) -> dict[str, Any]:
    """One message, as `calloff notify list --json` gives it: never the link it carries."""
    return {
        "id": m.id,
        "kind": m.kind,
        "about": m.about,
        "to": m.recipient,
        "name": m.name,
        "address": m.address,
        "subject": m.subject,
        "status": m.status,
        "attempts": m.attempts,
        "created_at": m.created_at,
        "sent_at": m.sent_at,
        "next_try_at": m.next_try_at if m.status == "pending" else None,
        "last_error": m.last_error,
        "message_id": m.message_id,
        "event": m.event_id,
    }


def sending(done: Any) -> dict[str, Any]:
    """What one `calloff notify send` did."""
    return {
        "sent": done.sent,
        "failed": done.failed,
        "failed_for_good": done.gave_up,
        "undeliverable": done.undeliverable,
        "waiting": done.waiting,
        "reminders": done.reminders,
        "route": done.route,
    }
