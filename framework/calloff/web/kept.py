"""Expensive reads kept for a minute, and the one check of the trail that runs at a time.

A quarterly report, or a spend file's preview, costs up to a second or more at 100,000
call-offs, and paging through either asks for the same figures again. Each is kept with
the number of the newest event (`Office.last_event`) it was read at: while nothing has
been recorded since, and for at most a minute, the kept one is shown. Only a few are kept.

Checking the audit trail reads every event (half a minute at 100,000 call-offs) and must
see the file as it is now, so it is never kept; instead one check runs at a time for each
database, and whoever asks meanwhile is told it is running.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")
FRESH = 60.0  # seconds a kept result is shown while nothing new is recorded
KEEP = 16  # results kept, the most recently used

_lock = threading.Lock()
_kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()


def kept(key: Hashable, work_out: Callable[[], T]) -> T:
    """The result kept for `key` (which includes the database and its newest event) if
    it is under a minute old; else worked out now and kept. A refusal is not kept."""
    now = time.monotonic()
    with _lock:
        found = _kept.get(key)
        if found is not None and now - found[0] < FRESH:
            _kept.move_to_end(key)
            return found[1]  # type: ignore[no-any-return]
    result = work_out()
    with _lock:
        _kept[key] = (now, result)
        _kept.move_to_end(key)
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return result


class AlreadyRunning(Exception):
    """Another check of the same database is under way, since `started`."""

    def __init__(self, started: datetime):
        super().__init__(f"a check started at {started:%H:%M:%S} is still running")
        self.started = started


_running: dict[str, datetime] = {}


@contextmanager
def one_at_a_time(database: str) -> Iterator[None]:
    """Around a check of a database's trail: refused (`AlreadyRunning`) while another is
    under way, so that a few clicks cannot take every thread of the server."""
    with _lock:
        if database in _running:
            raise AlreadyRunning(_running[database])
        _running[database] = datetime.now()
    try:
        yield
    finally:
        with _lock:
            _running.pop(database, None)
