"""An import's write: its file checked again for what changed since it was checked, and
its lines written in one short run.

An import checks every row before it takes the write lock (`spend_import.check_rows`), so
other officers go on allocating, accepting and invoicing meanwhile. Holding the lock, it
reads what was recorded since it began (every change is an event) and checks again the
rows of each call-off those events bear on: the call-off itself changed (cancelled,
varied, invoiced, paid, its purchase order), its provider changed, or another call-off of
its provider took one of its invoice references. An event the import cannot place (the
framework's settings, a funding stream, a competition, anything new) has the whole file
checked again. What is written is what one check of the whole file inside the lock would
have allowed, and a file gone wrong meanwhile is refused whole, naming its rows.

The lines are then written as a run (`write_lines`): the register read once, the chain's
head kept in memory between events, and the day totals added a call-off and day at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from calloff.actions.spend_import import Checked, check_rows

if TYPE_CHECKING:
    from calloff.actions.spending import Spending, SpendLine

# The kinds of event that bear on no invoice line's checks: the register is checked again
# as each line is written (the trail's guard); rankings and publications are not read by
# the checks at all, nor is a new request (`request.add`, below).
NO_BEARING = frozenset({"lot", "officer", "publication"})
Placed = tuple[int, int, "SpendLine | None"]  # a row's call-off, provider and line


def recheck(
    desk: Spending,
    rows: list[tuple[int, dict[str, str]]],
    checked: Checked,
    since: int,
    on: date | None,
) -> Checked:
    """`checked` as it stands now, inside the write: the same if nothing was recorded from
    event `since` on, else with the rows of the call-offs the new events bear on checked
    again (or every row, for an event the import cannot place)."""
    s = desk.store
    changes = s.trail.changes_since(since)
    if not changes:
        return checked
    touched: set[int] = set()  # call-offs with an event of their own
    invoiced: set[int] = set()  # call-offs that took an invoice line
    providers: set[int] = set()  # providers changed
    by_po = False  # a purchase order was recorded: a row may name another call-off now
    for action, kind, key in changes:
        if kind == "calloff" and key is not None:
            touched.add(int(key))
            if action == "spend.add":
                invoiced.add(int(key))
            by_po = by_po or action == "calloff.po"
        elif kind == "provider" and key is not None:
            providers.add(int(key))
        elif kind not in NO_BEARING and action != "request.add":
            return check_rows(desk, rows, [], on)
    placed = checked.rows
    affected = {cid for cid, pid, _ in placed.values() if cid in touched or pid in providers}
    if by_po:
        affected |= {
            placed[n][0] for n, row in rows if n in placed and (row.get("po") or "").strip()
        }
    affected |= _references_taken(desk, placed.values(), invoiced)
    if not affected:
        return checked
    again = check_rows(
        desk, [(n, row) for n, row in rows if n in placed and placed[n][0] in affected], [], on
    )
    if any(again.rows[n][0] != placed[n][0] for n in again.rows):
        return check_rows(desk, rows, [], on)  # a row names another call-off now
    now = {
        n: again.rows[n] if cid in affected else placed[n]
        for n, (cid, _, _) in placed.items()
        if cid not in affected or n in again.rows
    }
    lines = [line for _, _, line in now.values() if line is not None]
    return Checked(
        lines=lines,
        skipped=len(now) - len(lines),
        problems=again.problems,
        before={c: v for c, v in checked.before.items() if c not in affected} | again.before,
        rows=now,
    )


def _references_taken(desk: Spending, placed: Iterable[Placed], invoiced: set[int]) -> set[int]:
    """The call-offs with a line whose invoice reference its provider has recorded since it
    was checked, on a call-off that took an invoice line meanwhile."""
    s = desk.store
    if not invoiced:
        return set()
    busy = {s.calloff(cid).provider_id for cid in invoiced}
    return {
        cid
        for cid, pid, line in placed
        if line is not None and pid in busy and s.invoices.find(pid, line.invoice) is not None
    }


def write_lines(
    desk: Spending,
    lines: list[SpendLine],
    on: date | None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Record checked lines, inside the caller's write; `progress` is told 200 at a time."""
    s = desk.store
    days: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    with s.officers.kept(), s.trail.run():  # one officer records them all, in a row
        for n, line in enumerate(lines, start=1):
            desk._write_spend(line, on or line.spent_on, count_day=False)
            days[(line.calloff, line.spent_on)] += line.amount
            if progress and n % 200 == 0:
                progress(200)
    s.invoices.count_days(days)
