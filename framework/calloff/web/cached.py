"""What the home page reads that costs the most, worked out at most once a minute.

The compliance calendar (`Office.due`) is worked out from every call-off: at 100,000
call-offs it takes most of a second. It changes only when something is recorded
(`Office.last_event`) or the day turns, and its dates are whole days; so the server keeps
the last calendar it worked out and works it out again only when the record has moved and
the kept one is over a minute old, or the day has turned. The home page says when it was
worked out. Every officer sees the same calendar.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from typing import Any

from calloff.api import Office
from calloff.web import desk

FRESH = 60.0  # seconds a calendar is kept once the record has moved on

_lock = threading.Lock()
_kept: dict[str, tuple[int, date, float, datetime, dict[str, Any]]] = {}


def due(office: Office) -> tuple[dict[str, Any], datetime]:
    """The calendar, and when it was worked out."""
    where, event, today, now = (
        str(desk.settings().database),
        office.last_event,
        date.today(),
        time.monotonic(),
    )
    with _lock:
        found = _kept.get(where)
    if found is not None:
        kept_event, kept_day, kept_at, worked_out, value = found
        if kept_day == today and (kept_event == event or now - kept_at < FRESH):
            return value, worked_out
    value = office.due()
    worked_out = datetime.now().replace(microsecond=0)
    with _lock:
        _kept[where] = (event, today, now, worked_out, value)
    return value, worked_out
