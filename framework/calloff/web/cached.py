"""What the home page reads that costs the most: the compliance calendar, kept and
refreshed beside the requests rather than inside one.

The calendar (`Office.due`) is worked out from every call-off: at 100,000 call-offs it
takes most of a second. It changes only when something is recorded (`Office.last_event`)
or the day turns, and its dates are whole days. So the server keeps the last calendar it
worked out: while nothing has been recorded since, that is the calendar; once something
has, and the kept one is over a minute old, it is worked out again on a thread of its own
while pages go on showing the kept one. The home page says when it was worked out. On a
new day, or at the first request, the calendar is worked out before the page is sent.
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

FRESH = 60.0  # seconds a calendar is shown once the record has moved on


@attrs.frozen
class Kept:
    event: int
    day: date
    at: float  # time.monotonic() when worked out
    worked_out: datetime
    value: dict[str, Any]


_lock = threading.Lock()
_kept: dict[str, Kept] = {}
_refreshing: set[str] = set()


def due(office: Office) -> tuple[dict[str, Any], datetime]:
    """The calendar, and when it was worked out."""
    where = str(desk.settings().database)
    event, today = office.last_event, date.today()
    with _lock:
        kept = _kept.get(where)
        if kept is not None and kept.day == today:
            if kept.event != event and time.monotonic() - kept.at >= FRESH:
                _refresh_later(where)
            return kept.value, kept.worked_out
    fresh = _work_out(office, event)
    with _lock:
        _kept[where] = fresh
    return fresh.value, fresh.worked_out


def _work_out(office: Office, event: int) -> Kept:
    value = office.due()
    return Kept(event, date.today(), time.monotonic(), datetime.now().replace(microsecond=0), value)


def _refresh_later(where: str) -> None:
    """Work the calendar out again on a thread of its own (one at a time). Called with the
    lock held."""
    if where in _refreshing:
        return
    _refreshing.add(where)

    def run() -> None:
        try:
            with calloff.open(Path(where)) as office:
                fresh = _work_out(office, office.last_event)
            with _lock:
                _kept[where] = fresh
        except Exception:  # the next page tries again, and works it out itself if it must
            pass
        finally:
            with _lock:
                _refreshing.discard(where)

    threading.Thread(target=run, name="calloff-calendar", daemon=True).start()
