"""The library's front door for one request: the signed-in officer's `Office`.

Each request opens the database as the officer signed in (`channel="web"`), so the library
checks every action against that officer's rights, exactly as it does the command's; the
server's own account, an admin, only vouches for who signed in. The office is closed when
the request ends.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

import calloff
from calloff.api import Office
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


def open_office(login: str) -> Office:
    """Open the database as `login`, for this request (closed when it ends)."""
    old = g.pop("office", None)
    if old is not None:
        old.close()
    desk = calloff.open(settings().database, officer=login, channel="web")
    g.office = desk
    return desk


def gate() -> Office:
    """The server's own desk (its account, an admin), for signing officers in."""
    found: Office | None = g.get("gate")
    if found is None:
        found = calloff.open(settings().database)
        g.gate = found
    return found


def close(_error: BaseException | None = None) -> None:
    for name in ("office", "gate"):
        desk = g.pop(name, None)
        if desk is not None:
            desk.close()


def address() -> str:
    """Where the request came from: the client, or (from a trusted proxy only, see
    `calloff.web.server`) the address the proxy says it forwarded."""
    return request.remote_addr or "unknown"


def form_text(name: str) -> str:
    value: Any = request.form.get(name, "")
    return value.strip() if isinstance(value, str) else ""
