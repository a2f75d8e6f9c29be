"""`calloff serve`: the workspace on waitress, a production WSGI server in pure Python
(so it runs on Windows too), several threads over one database file."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import calloff
from calloff.errors import InvalidInput, NotAuthorised
from calloff.web.settings import from_environment


def check_database(database: str) -> str:
    """The framework's name, once the database opens and the server's account is an
    admin of it (the server vouches for the officers it signs in)."""
    with calloff.open(database) as office:
        if "admin" not in office.roles:
            raise NotAuthorised(
                f"the server's account, {office.officer}, is not an admin of this framework: "
                "it vouches for the officers it signs in",
                hint=f"an admin runs `calloff officer edit {office.officer} --add-role admin`, "
                "or run the server as the account that created the database",
            )
        return office.framework.name


def serve(
    database: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    base_url: str | None = None,
    trusted_proxies: Sequence[str] = (),
    threads: int = 8,
    scheduler: bool = True,
) -> None:
    """Run until stopped (Ctrl+C, or the service manager)."""
    from waitress import create_server

    from calloff.web import create_app

    name = check_database(database)
    settings = from_environment(database, base_url, tuple(trusted_proxies))
    app = create_app(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        server = create_server(
            app, host=host, port=port, threads=threads, ident="calloff",
            clear_untrusted_proxy_headers=False,
        )  # fmt: skip
    except OSError as e:
        raise InvalidInput(
            f"cannot listen on {host}:{port}: {e.strerror or e}: choose another --port, or "
            "stop what is using it"
        ) from None
    except ValueError:
        raise InvalidInput(
            f"cannot listen on {host}: give an address of this machine, such as 127.0.0.1 "
            "or 0.0.0.0 (every address)"
        ) from None
    rounds = _scheduler(database, settings.base_url) if scheduler else None
    shown = base_url or f"http://{host}:{port}"
    print(f"Serving {name} from {database} at {shown} (Ctrl+C stops it)", flush=True)
    if not (os.environ.get("CALLOFF_SECRET_KEY") or os.environ.get("CALLOFF_SECRET_KEY_FILE")):
        print(
            "No CALLOFF_SECRET_KEY: sessions are signed with a key made for this run, so "
            "everyone signs in again when the server restarts (docs/deploy.md).",
            flush=True,
        )
    try:
        server.run()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        if rounds is not None:
            rounds.stop()


def _scheduler(database: str, base_url: str | None) -> Any:
    """Lapsing and messages every minute (docs/messages.md), as the server's account."""
    from calloff.api import mail_settings
    from calloff.web.worker import Scheduler

    mail = mail_settings(base_url=base_url)
    every = os.environ.get("CALLOFF_SCHEDULE_SECONDS", "60")
    if not (every.isascii() and every.isdigit()) or not 5 <= int(every) <= 3600:
        raise InvalidInput(
            f"CALLOFF_SCHEDULE_SECONDS={every!r}: give a whole number of seconds from 5 to 3600"
        )
    scheduler = Scheduler(database, mail, int(every))
    scheduler.start()
    if mail.route is None:
        print(
            "No CALLOFF_SMTP_HOST nor GOV.UK Notify key: messages wait in the outbox "
            "(calloff notify list) until one is set (docs/messages.md).",
            flush=True,
        )
    return scheduler
