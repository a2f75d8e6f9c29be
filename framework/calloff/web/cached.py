"""What the home page reads that costs the most: the publications due, from the compliance
calendar, kept and refreshed beside the requests rather than inside one.

The calendar (`Office.due`) is worked out from every call-off: at 100,000 call-offs it
takes most of a second. It changes only when something is recorded (`Office.last_event`)
or the day turns, and its dates are whole days. So the server keeps what the home page
shows of the last calendar it worked out (the items due within 14 days or overdue, overdue
first): while nothing has been recorded since, that is current; once something has, and
it is over a minute old, it is worked out again on a thread of its own while pages go on
showing the kept one, with the time it was worked out. On a new day, or the first time,
one request works it out and any others wait for it, rather than each working it out.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

import calloff
from calloff.api import Office
from calloff.web import desk

FRESH = 60 * 10**9  # nanoseconds a calendar is shown once the record has moved on
SOON = 14  # days ahead the home page lists what is due


@attrs.frozen
class Due:
    """What the home page shows of one calendar."""

    event: int
    day: date
    at: int  # time.monotonic_ns() when worked out
    worked_out: datetime
    items: list[dict[str, Any]]  # due within SOON days or overdue, overdue first
    overdue: int


_lock = threading.Lock()  # guards the two below
_kept: dict[str, Due] = {}
_refreshing: set[str] = set()
_working = threading.Lock()  # one calendar worked out at a time


def due_soon(office: Office) -> Due:
    """The publications due soon or overdue, and when they were worked out."""
    where = str(desk.settings().database)
    event, today = office.last_event, date.today()
    with _lock:
        kept = _kept.get(where)
        if kept is not None and kept.day == today:
            if kept.event != event and time.monotonic_ns() - kept.at >= FRESH:
                _refresh_later(where)
            return kept
    with _working:  # the first request works it out; the others wait for it
        with _lock:
            kept = _kept.get(where)
        if kept is not None and kept.day == today:
            return kept
        fresh = _work_out(office)
        with _lock:
            _kept[where] = fresh
        return fresh


def _work_out(office: Office) -> Due:
    event = office.last_event
    calendar = office.due()
    items = [
        item
        for item in calendar["items"]
        if item["published_on"] is None and (item["overdue"] or item["days_left"] <= SOON)
    ]
    items.sort(key=lambda i: (not i["overdue"], i["due_by"]))
    return Due(
        event,
        date.today(),
        time.monotonic_ns(),
        datetime.now().replace(microsecond=0),
        items,
        sum(1 for i in items if i["overdue"]),
    )


def _refresh_later(where: str) -> None:
    """Work the calendar out again on a thread of its own (one at a time). Called with
    `_lock` held."""
    if where in _refreshing:
        return
    _refreshing.add(where)

    def run() -> None:
        try:
            with _working, calloff.open(Path(where)) as office:
                fresh = _work_out(office)
            with _lock:
                _kept[where] = fresh
        except Exception:  # the next page tries again, and works it out itself if it must
            pass
        finally:
            with _lock:
                _refreshing.discard(where)

    threading.Thread(target=run, name="calloff-calendar", daemon=True).start()
