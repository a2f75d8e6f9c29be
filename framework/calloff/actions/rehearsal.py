"""A write rehearsed: done inside a transaction that is then rolled back, so a form's check
page can show what the write would record, or the very refusal it would meet, with nothing
written. The write runs as the officer's own would (the same checks, in the same order,
against the records as they stand), as a savepoint inside the rehearsal's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from calloff.store.database import Store

T = TypeVar("T")


class _Undone(Exception):
    """Raised inside the rehearsal's transaction to roll it back, carrying the result."""

    def __init__(self, result: object):
        super().__init__("rehearsed")
        self.result = result


def rehearse(store: Store, write: Callable[[], T]) -> T:
    """What `write` returns, with everything it wrote undone; its refusal, if refused."""
    try:
        with store.transaction():
            raise _Undone(write())
    except _Undone as done:
        return done.result  # type: ignore[return-value]
    raise AssertionError("unreachable: the rehearsal always rolls back")  # pragma: no cover
