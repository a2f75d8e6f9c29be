"""The compliance calendar's items, each made from its row (`calloff.publishing.calendar`
puts them in order): what a call-off's details, termination, change or award notice says,
and the quarters' and half-years' files, with their deadlines under the framework's regime.

Periods "beginning with" a day count that day as day 1 (the Procurement Act 2023's words
in s.53, s.69, s.70 and s.80): 30 days beginning with 18 June end on 17 July.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from calloff.domain.dates import FinancialYear, quarter_of
from calloff.domain.model import Framework
from calloff.store import calendar_rows
from calloff.store.database import Store
from calloff.store.rows import to_date


@attrs.frozen
class DueItem:
    """One thing to publish: what, why, by when, and the command that produces it."""

    item: str
    kind: str
    title: str
    event: str
    event_on: date
    due_by: date
    basis: str
    command: str
    # The first day it can be published: a quarter's file once the quarter is over, a
    # call-off's notices once it was entered into (a change notice before its variation).
    earliest: date
    calloff: int | None = None
    published_on: date | None = None
    reference: str | None = None

    def overdue(self, on: date) -> bool:
        return self.published_on is None and self.due_by < on

    def as_dict(self, on: date) -> dict[str, Any]:
        late = self.published_on is not None and self.published_on > self.due_by
        return {
            "item": self.item,
            "kind": self.kind,
            "title": self.title,
            "event": self.event,
            "event_on": self.event_on.isoformat(),
            "due_by": self.due_by.isoformat(),
            "overdue": self.overdue(on),
            "days_overdue": max((on - self.due_by).days, 0) if self.published_on is None else None,
            "days_left": max((self.due_by - on).days, 0) if self.published_on is None else None,
            "basis": self.basis,
            "command": self.command,
            "calloff": self.calloff,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "reference": self.reference,
            "published_late": late if self.published_on else None,
        }


def within(day: date, days: int) -> date:
    """The last day of the period of `days` days beginning with `day`."""
    return day + timedelta(days=days - 1)


def _marked(item: DueItem, row: dict[str, Any]) -> DueItem:
    """The item, marked published as its row says (published on or before the day)."""
    if not row.get("published_on"):
        return item
    return attrs.evolve(item, published_on=to_date(row["published_on"]), reference=row["reference"])


def _details(fw: Framework, c: dict[str, Any]) -> DueItem:
    pa2023 = fw.regime == "pa2023"
    entered = date.fromisoformat(c["decided_on"])
    cid, title = c["id"], c["title"]
    days = 120 if pa2023 and fw.light_touch else 30
    if pa2023:
        what = f"Contract details notice (UK7) for call-off {cid}: {title}"
        basis = f"Procurement Act 2023, s.53: within {days} days of entering into the "
        basis += "contract" + (" (light-touch)" if fw.light_touch else "")
    else:
        what = f"Contracts Finder: award of call-off {cid}: {title}"
        basis = "Public Contracts Regulations 2015, Part 4: the award on Contracts Finder, "
        basis += "within 30 days"
    item = DueItem(
        item=f"calloff-{cid}-details",
        kind="details",
        title=what,
        event=f"call-off {cid} was entered into on {entered}",
        event_on=entered,
        due_by=within(entered, days),
        basis=basis,
        command=f"calloff publish notice {cid} --type details",
        earliest=entered,
        calloff=cid,
    )
    return _marked(item, c)


def _termination(fw: Framework, c: dict[str, Any]) -> DueItem:
    cid, closed = c["id"], date.fromisoformat(c["closed_on"])
    how = "completed" if c["status"] == "completed" else "cancelled"
    item = DueItem(
        item=f"calloff-{cid}-termination",
        kind="termination",
        title=f"Contract termination notice (UK11) for call-off {cid}: {c['title']}",
        event=f"call-off {cid} was {how} on {closed}",
        event_on=closed,
        due_by=within(closed, 30),
        basis="Procurement Act 2023, s.80: within 30 days of the contract ending, however it ends",
        command=f"calloff publish notice {cid} --type termination",
        earliest=closed,
        calloff=cid,
    )
    return _marked(item, c)


def _award(fw: Framework, c: dict[str, Any]) -> DueItem | None:
    """s.50(1): a contract award notice (UK6) before entering into a call-off at or above
    the threshold; the provider's acceptance is refused until it is recorded published."""
    from calloff.domain.facts import threshold
    from calloff.domain.money import format_money, from_pence
    from calloff.domain.rules import needs_award_notice

    raised, offered = date.fromisoformat(c["raised_on"]), date.fromisoformat(c["offered_on"])
    if not needs_award_notice(fw, from_pence(c["initial_value_pence"]), c["vat"], raised):
        return None
    cid, limit = c["id"], format_money(threshold(fw.light_touch, raised))
    item = DueItem(
        item=f"calloff-{cid}-award",
        kind="award",
        title=f"Contract award notice (UK6) for call-off {cid}: {c['title']}",
        event=f"call-off {cid} was offered to {c['provider']} on {offered}",
        event_on=offered,
        due_by=date.fromisoformat(c["due_by"]),
        basis="Procurement Act 2023, s.50(1) and regulation 27: before entering into "
        f"the contract (at or over the {limit} threshold, including VAT"
        + (", light-touch)" if fw.light_touch else ")")
        + "; the acceptance is refused until it is recorded published",
        command=f"calloff publish notice {cid} --type award",
        earliest=offered,
        calloff=cid,
    )
    return _marked(item, c)


def needs_change_notice(old_pence: int, new_pence: int) -> bool:
    """s.75(2): no notice for a change of the value by 10% or less (goods or services)."""
    return abs(new_pence - old_pence) * 10 > old_pence


def _change(fw: Framework, v: dict[str, Any]) -> DueItem:
    """s.75: a change notice before a modification that changes the value by more than
    10% (the query gives only those)."""
    from calloff.domain.money import format_money, from_pence

    cid, effective = v["calloff_id"], date.fromisoformat(v["effective_on"])
    old, new = from_pence(v["old_value_pence"]), from_pence(v["new_value_pence"])
    item = DueItem(
        item=f"calloff-{cid}-change-{v['number']}",
        kind="change",
        title=f"Contract change notice (UK10) for call-off {cid}: value "
        f"{format_money(old)} to {format_money(new)}",
        event=f"call-off {cid} is varied from {effective}",
        event_on=effective,
        due_by=effective - timedelta(days=1),
        basis="Procurement Act 2023, s.75: before the modification, which changes "
        "the value by more than 10%",
        command=f"calloff publish notice {cid} --type change --variation {v['number']}",
        earliest=date.fromisoformat(v["decided_on"]),
        calloff=cid,
    )
    return _marked(item, v)


MAKERS: dict[str, Callable[[Framework, dict[str, Any]], DueItem | None]] = {
    calendar_rows.DETAILS.name: _details,
    calendar_rows.TERMINATION.name: _termination,
    calendar_rows.AWARD.name: _award,
    calendar_rows.CHANGE.name: _change,
}


def _quarters(store: Store, fw: Framework, on: date) -> list[tuple[FinancialYear, int]]:
    """Each quarter that has ended by `on`, from the term's first to the last in which the
    framework or a call-off under it was in force or a payment was made."""
    until = max(fw.term.end, store.disclosures.last_activity() or fw.term.end)
    year, quarter = FinancialYear.of(fw.term.start), quarter_of(fw.term.start)
    found: list[tuple[FinancialYear, int]] = []
    while True:
        start, end = year.quarter_dates(quarter)
        if start > until or end >= on:
            return found
        found.append((year, quarter))
        year, quarter = (
            (year, quarter + 1) if quarter < 4 else (FinancialYear(year.start_year + 1), 1)
        )


def period_items(store: Store, fw: Framework, on: date) -> list[DueItem]:
    """The quarters' files and the half-years' notices that had arisen by `on`, each
    marked published if that was recorded as done on or before `on`."""
    pa2023 = fw.regime == "pa2023"
    found = []
    for year, quarter in _quarters(store, fw, on):
        end = year.quarter_dates(quarter)[1]
        period = f"{year}-Q{quarter}"
        month_after = end + relativedelta(months=1, day=31)
        code = (
            "Local Government Transparency Code 2015: quarterly, within one month of the "
            "quarter's end"
        )
        for kind, what in (("spend", "spend over £500"), ("contracts", "contracts over £5,000")):
            found.append(
                DueItem(
                    item=f"{kind}-{period}",
                    kind=kind,
                    title=f"Transparency Code {what}, {year} Q{quarter}",
                    event=f"quarter {year} Q{quarter} ended on {end}",
                    event_on=end,
                    due_by=month_after,
                    basis=code,
                    command=f"calloff publish {kind} --year {year} --quarter {quarter}",
                    earliest=end + timedelta(days=1),
                )
            )
        if pa2023:
            found.append(
                DueItem(
                    item=f"payments-{period}",
                    kind="payments",
                    title=f"Payments over £30,000, {year} Q{quarter}",
                    event=f"quarter {year} Q{quarter} ended on {end}",
                    event_on=end,
                    due_by=within(end, 30),
                    basis="Procurement Act 2023, s.70: within 30 days beginning with the "
                    "quarter's last day",
                    command=f"calloff publish payments --year {year} --quarter {quarter}",
                    earliest=end + timedelta(days=1),
                )
            )
        if pa2023 and quarter in (2, 4):
            half = f"{year}-H{quarter // 2}"
            found.append(
                DueItem(
                    item=f"payment-performance-{half}",
                    kind="payment-performance",
                    title=f"Payments compliance notice (UK17), {half}",
                    event=f"half-year {half} ended on {end}",
                    event_on=end,
                    due_by=within(end, 30),
                    basis="Procurement Act 2023, s.69: within 30 days beginning with the "
                    "half-year's last day",
                    command=f"calloff publish payment-performance --half {half}",
                    earliest=end + timedelta(days=1),
                )
            )
    done = calendar_rows.published_periods(store, on)
    return [_marked(i, done[i.item]) if i.item in done else i for i in found]
