"""The library's front door for one request: the signed-in officer's `Office`.

Each request acts as the officer signed in (`calloff.open(..., officer=login,
channel="web")`), so the library checks every action against that officer's rights,
exactly as it does the command's; the server's own account, an admin, only vouches for who
signed in. Opening the database costs about as much as a page, so each of the server's
threads keeps the offices it opened (a few, the most recently used) for the requests it
serves next: an office is used by one thread at a time, never shared, and every request
still checks the officer's session and roles afresh (`calloff.web.security`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g, request

import calloff
from calloff.api import Office
from calloff.errors import DatabaseBusy
from calloff.web.settings import Settings


def settings() -> Settings:
    found: Settings = current_app.config["CALLOFF"]
    return found


def office() -> Office:
    """The signed-in officer's desk for this request."""
    found: Office | None = g.get("office")
    if found is None:
        raise RuntimeError("no officer is signed in")  # pragma: no cover - routes check
    return found


KEPT = 8  # offices a thread keeps open, the most recently used
_thread = threading.local()


def open_office(login: str) -> Office:
    """The database as `login`, for this request: the office this thread kept for them,
    or a new one."""
    kept: OrderedDict[tuple[str, str], Office] = getattr(_thread, "offices", None) or OrderedDict()
    _thread.offices = kept
    key = (str(settings().database), login.casefold())
    desk = kept.pop(key, None)
    if desk is None:
        desk = calloff.open(settings().database, officer=login, channel="web")
    kept[key] = desk
    while len(kept) > KEPT:
        _, oldest = kept.popitem(last=False)
        oldest.close()
    g.office = desk
    return desk


def forget_office(login: str) -> None:
    """Close the office this thread kept for `login` (its session ended)."""
    kept = getattr(_thread, "offices", None)
    if kept is not None:
        desk = kept.pop((str(settings().database), login.casefold()), None)
        if desk is not None:
            desk.close()
    g.pop("office", None)


def gate() -> Office:
    """The server's own desk (its account, an admin), for signing officers in."""
    found: Office | None = g.get("gate")
    if found is None:
        found = calloff.open(settings().database)
        g.gate = found
    return found


# The server's threads take turns to write. SQLite lets one connection write at a time and
# makes the others wait by sleeping and trying again, in steps of up to 100 ms; a lock in
# the server wakes the next writer the moment the last one finishes.
_writing = threading.Lock()


WAIT = 15.0  # seconds a write waits for the others, as SQLite's own wait


@contextmanager
def turn() -> Iterator[None]:
    """Around a write: wait for this server's last writer to finish (at most 15 seconds),
    then write."""
    if not _writing.acquire(timeout=WAIT):
        raise DatabaseBusy(
            f"other officers' changes kept the records busy for {WAIT:.0f} seconds: nothing "
            "was written; try again in a moment"
        )
    try:
        yield
    finally:
        _writing.release()


def write_or_rehearse(confirmed: bool, action: str, /, *args: Any, **kwargs: Any) -> Any:
    """A form's write, `Office.<action>(*args, **kwargs)`, when the officer confirmed; at
    Continue the very same call rehearsed (`Office.rehearse`), so the check page is shown
    only for what Confirm would do, with nothing written. Either way in this server's turn
    to write: what the write returns, or its refusal (a `CalloffError`)."""
    desk = office()
    with turn():
        if confirmed:
            return getattr(desk, action)(*args, **kwargs)
        return desk.rehearse(action, *args, **kwargs)


def close(_error: BaseException | None = None) -> None:
    """The request ended: the gate is closed; the officer's office stays with the thread."""
    g.pop("office", None)
    desk = g.pop("gate", None)
    if desk is not None:
        desk.close()


def address() -> str:
    """Where the request came from: the client, or (from a trusted proxy only, see
    `calloff.web.server`) the address the proxy says it forwarded."""
    return request.remote_addr or "unknown"


def form_text(name: str) -> str:
    value: Any = request.form.get(name, "")
    return value.strip() if isinstance(value, str) else ""
