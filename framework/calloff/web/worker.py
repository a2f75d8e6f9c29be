"""The server's scheduler: every minute (and once at start), offers unanswered past their
respond-by day lapse, by the same rule as `calloff lapse`, so the cascade moves on and the
next provider's offer goes out; then the day's reminders are written and the outbox is sent
(`Office.send_messages`). It acts as the server's own account. A failure is one line in the
server's log, never a stopped server; the next round tries again.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from pathlib import Path
from typing import Any

import calloff
from calloff.errors import CalloffError

log = logging.getLogger("calloff.scheduler")


class Scheduler:
    """Rounds of lapsing and sending, on a thread of their own until `stop()`."""

    def __init__(self, database: str | Path, mail: Any, every: int = 60):
        self.database = Path(database)
        self.mail = mail
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self, on: date | None = None) -> tuple[int, Any]:
        """One round: how many offers lapsed, and what the sending did."""
        from calloff.web.desk import turn

        with calloff.open(self.database) as office:
            with turn():
                lapsed = office.lapse(on=on)
            done = office.send_messages(on=on, mail=self.mail)
        return len(lapsed), done

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                lapsed, done = self.round()
                if lapsed or done.sent or done.failed:
                    log.info(
                        "scheduler: %d offer(s) lapsed; %d message(s) sent, %d failed",
                        lapsed,
                        done.sent,
                        done.failed,
                    )
            except CalloffError as e:
                log.warning("scheduler: %s", e)
            except Exception:  # never stop the server; say what broke
                log.exception("scheduler: a round failed")
            self._stop.wait(self.every)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="calloff-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
