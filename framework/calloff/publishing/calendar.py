"""The compliance calendar: what the council must publish under the framework, by when
(docs/publishing.md, "The compliance calendar").

A due item is not stored: it follows from the records, as at a day. A call-off offered
above the threshold (its award notice, before it is entered into), entered into, varied
or ended, or a quarter or half-year closed, creates one with its deadline under
the framework's regime; recording that it was published (`calloff published`) closes it
from that day. So a back-dated acceptance or variation shows up in the calendar at once,
and the calendar as at any past day is the one the officer saw then.

The items are made in `calloff.publishing.calendar_items`; here they are put in order and
counted. Each kind comes from its own query already in the calendar's order
(`calloff.store.calendar_rows`), merged as they are read, and the counts are SQL's: a
calendar of 100,000 call-offs is written item by item without being held.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from calloff.domain.model import Framework
from calloff.publishing.calendar_items import (
    MAKERS,
    DueItem,
    needs_change_notice,
    period_items,
    within,
)
from calloff.store import calendar_rows
from calloff.store.database import Store

__all__ = [
    "DueItem",
    "calendar",
    "counts",
    "find",
    "item",
    "items",
    "needs_change_notice",
    "within",
]


def items(
    store: Store,
    on: date,
    everything: bool = True,
    only: int | None = None,
    periods: list[DueItem] | None = None,
) -> Iterator[DueItem]:
    """Every due item that had arisen by the end of day `on`, each marked published if
    that was recorded as done on or before `on` (or, not `everything`, only those not
    published), overdue first, then by deadline. One at a time, merged from the kinds'
    queries as they give them in that order, so a calendar of any length is read in flat
    memory. With `only`, call-off `only`'s items alone; `periods` are the periods' items,
    if they were worked out already."""
    fw = store.framework()
    params = _params(fw, on)
    streams = [_kind(kind, store, params, everything, only, fw) for kind in _kinds(fw)]
    if only is None:
        found = period_items(store, fw, on) if periods is None else periods
        shown = [i for i in found if everything or i.published_on is None]
        streams.append(iter(sorted(shown, key=_order(on))))
    return heapq.merge(*streams, key=_order(on))


def _order(on: date) -> Callable[[DueItem], tuple[bool, date, str]]:
    """Overdue first, then by deadline, then by name: the order each query gives too."""
    return lambda i: (not i.overdue(on), i.due_by, i.item)


def _kinds(fw: Framework) -> list[calendar_rows.Kind]:
    """The kinds of call-off item the framework's regime asks for."""
    if fw.regime != "pa2023":
        return [calendar_rows.DETAILS]
    found = [calendar_rows.DETAILS, calendar_rows.TERMINATION, calendar_rows.AWARD]
    return found if fw.light_touch else [*found, calendar_rows.CHANGE]


def _params(fw: Framework, on: date) -> dict[str, Any]:
    """The day, the days a details notice has (the last counted from the entry's own day)
    and the least value before VAT any award notice's threshold could be met by."""
    from calloff.domain.facts import THRESHOLDS

    days = 120 if fw.regime == "pa2023" and fw.light_touch else 30
    lowest = min(light if fw.light_touch else central for _, central, light in THRESHOLDS)
    return {"on": on.isoformat(), "days": f"+{days - 1} days", "least": int(lowest * 100)}


def _kind(
    kind: calendar_rows.Kind,
    store: Store,
    params: dict[str, Any],
    everything: bool,
    only: int | None,
    fw: Framework,
) -> Iterator[DueItem]:
    """One kind's items in the calendar's order (the query has run when this returns)."""
    make = MAKERS[kind.name]
    found = calendar_rows.rows(store, kind, params, everything, only)
    return (i for i in (make(fw, row) for row in found) if i is not None)


def counts(store: Store, on: date, periods: list[DueItem] | None = None) -> tuple[int, int, int]:
    """How many items the calendar as at `on` has: open, of those overdue, and published.
    Counted by SQL, but for the award notices (whose threshold is applied here, to the few
    call-offs worth enough) and the periods' items (a few a year)."""
    fw = store.framework()
    params = _params(fw, on)
    open_, overdue, published = 0, 0, 0
    counted = list(period_items(store, fw, on) if periods is None else periods)
    for kind in _kinds(fw):
        if kind is calendar_rows.AWARD:
            counted.extend(_kind(kind, store, params, True, None, fw))
        else:
            more = calendar_rows.counts(store, kind, params)
            open_, overdue, published = open_ + more[0], overdue + more[1], published + more[2]
    for i in counted:
        open_ += i.published_on is None
        overdue += i.overdue(on)
        published += i.published_on is not None
    return open_, overdue, published


def calendar(
    store: Store,
    on: date,
    everything: bool = False,
    limit: int | None = None,
    offset: int = 0,
    stream: bool = False,
) -> dict[str, Any]:
    """`calloff due`: what must be published as at `on`, overdue first; `limit` items
    from `offset` (a page: the counts are of them all). With `stream`, `items` is an
    iterator that gives them one at a time, for a calendar too long to hold."""
    fw = store.framework()
    periods = period_items(store, fw, on)
    # The items' queries run before the counts: while they are read, the counts see the
    # same records.
    found = items(store, on, everything, periods=periods)
    open_, overdue, published = counts(store, on, periods)
    shown = itertools.islice(found, offset, None if limit is None else offset + limit)
    dicts = (i.as_dict(on) for i in shown)
    return {
        "on": on.isoformat(),
        "framework": fw.reference,
        "regime": fw.regime,
        "light_touch": fw.light_touch,
        "overdue": overdue,
        "open": open_,
        "published": published,
        "items": dicts if stream else list(dicts),
    }


# A call-off's item names its call-off: "calloff-12-details", "calloff-12-change-2".
_CALLOFF_ITEM = re.compile(r"calloff-([0-9]{1,18})-[a-z0-9-]+")


def find(store: Store, name: str, on: date) -> DueItem | None:
    """One due item by its name (not case-sensitive), as the calendar as at `on` has it,
    or None: a call-off's item is looked for among that call-off's alone."""
    wanted = name.strip().lower()
    if wanted.startswith("calloff-"):
        match = _CALLOFF_ITEM.fullmatch(wanted)
        if match is None:
            return None
        candidates = items(store, on, only=int(match[1]))
    else:
        candidates = iter(period_items(store, store.framework(), on))
    return next((i for i in candidates if i.item.lower() == wanted), None)


def item(store: Store, name: str, on: date) -> DueItem:
    """One due item by its name (not case-sensitive), as the calendar as at `on` has it."""
    from calloff.errors import NotFound

    found = find(store, name, on)
    if found is None:
        raise NotFound(
            f"no due item is called {name!r}",
            hint="`calloff due --all` lists them, with their names",
        )
    return found
