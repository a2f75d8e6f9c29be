"""What the home page reads that costs the most, kept while the record stays the same.

The compliance calendar (`Office.due`) is worked out from every call-off; it can change
only when something is recorded (`Office.last_event`) or the day turns. So the server keeps
the last calendar it worked out, with the event number and day it was worked out at, and
works it out again only when either has moved. Every officer sees the same calendar.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from calloff.api import Office
from calloff.web import desk

_lock = threading.Lock()
_kept: dict[str, tuple[tuple[Any, ...], Any]] = {}


def due(office: Office) -> dict[str, Any]:
    key = (str(desk.settings().database), office.last_event, date.today())
    with _lock:
        found = _kept.get("due")
        if found is not None and found[0] == key:
            value: dict[str, Any] = found[1]
            return value
    value = office.due()
    with _lock:
        _kept["due"] = (key, value)
    return value
