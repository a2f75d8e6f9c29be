"""Calendar dates, UK financial years and quarters, and working days.

Dates are `datetime.date` inside; text becomes a date only here, strictly in ISO form.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

import attrs
from dateutil.easter import easter
from dateutil.relativedelta import MO, relativedelta

from calloff.errors import InvalidInput

_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def parse_date(text: str | date) -> date:
    """Read an ISO date (2015-06-01); nothing else is a date."""
    if isinstance(text, date):
        return text
    raw = str(text).strip()
    if not _ISO.match(raw):
        raise InvalidInput(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2015-06-01")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date on the calendar: check the month and day"
        ) from None


# What may not be dated after today, by what a refusal calls it: why it may not.
NOT_AFTER_TODAY = {
    "the effective date": "a change cannot be dated in the future",
    "invoice date": "an invoice cannot be dated in the future",
    "received date": "record it once it arrives",
    "payment date": "record a payment once it is made",
    "the day of the reminders": "a day's reminders are written once the day has come",
}


def not_future(on: date, what: str = "the effective date") -> date:
    """A day that may not be after today: a change of state, an invoice, its receipt and
    its payment are recorded once they have happened, never ahead of time."""
    today = date.today()
    if on > today:
        why = NOT_AFTER_TODAY.get(what, NOT_AFTER_TODAY["the effective date"])
        raise InvalidInput(f"{what} {on} is after today ({today}): {why}")
    return on


@attrs.frozen(order=True)
class FinancialYear:
    """A UK public-sector financial year, 1 April to 31 March, named like `2015-16`."""

    start_year: int

    @classmethod
    def of(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        match = _YEAR.match(str(text).strip())
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            raise InvalidInput(
                f"{text!r} is not a financial year: "
                "write it like 2015-16 (April 2015 to March 2016)"
            )
        return cls(int(match[1]))

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    def quarter_dates(self, quarter: int) -> tuple[date, date]:
        """Q1 April–June, Q2 July–September, Q3 October–December, Q4 January–March."""
        if quarter not in (1, 2, 3, 4):
            raise InvalidInput(f"quarter {quarter} does not exist: choose 1, 2, 3 or 4")
        first = self.start + relativedelta(months=3 * (quarter - 1))
        return first, first + relativedelta(months=3, days=-1)

    def __str__(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"


def quarter_of(day: date) -> int:
    """The quarter (1-4) of the financial year that `day` falls in."""
    return ((day.month - 4) % 12) // 3 + 1


# One-off changes to the England and Wales bank holidays, beyond the usual rules.
_EXTRA_HOLIDAYS = {
    date(2011, 4, 29),
    date(2012, 6, 5),
    date(2022, 6, 3),
    date(2022, 9, 19),
    date(2023, 5, 8),
}
_MOVED = {  # usual date -> moved date
    date(2012, 5, 28): date(2012, 6, 4),
    date(2020, 5, 4): date(2020, 5, 8),
    date(2022, 5, 30): date(2022, 6, 2),
}


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in a calendar year (substitute days included)."""
    days: set[date] = set()

    def substitute(day: date) -> date:
        while day.weekday() >= 5 or day in days:
            day += timedelta(days=1)
        return day

    days.add(substitute(date(year, 1, 1)))
    good_friday = easter(year) - timedelta(days=2)
    days |= {good_friday, good_friday + timedelta(days=3)}
    days.add(date(year, 5, 1) + relativedelta(weekday=MO(+1)))
    days.add(date(year, 5, 31) + relativedelta(weekday=MO(-1)))
    days.add(date(year, 8, 31) + relativedelta(weekday=MO(-1)))
    christmas = substitute(date(year, 12, 25))
    days.add(christmas)
    days.add(substitute(date(year, 12, 26)))
    days = {_MOVED.get(d, d) for d in days}
    days |= {d for d in _EXTRA_HOLIDAYS if d.year == year}
    return frozenset(days)


def is_working_day(day: date, holidays: str = "england-and-wales") -> bool:
    """Monday to Friday, and not a bank holiday where the framework observes them."""
    if day.weekday() >= 5:
        return False
    return not (holidays == "england-and-wales" and day in bank_holidays(day.year))


def add_working_days(day: date, count: int, holidays: str = "england-and-wales") -> date:
    """The date `count` working days after `day` (the day itself does not count)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def working_day_before(day: date, holidays: str = "england-and-wales") -> date:
    """The last working day before `day`: when a reminder of `day` goes out."""
    current = day - timedelta(days=1)
    while not is_working_day(current, holidays):
        current -= timedelta(days=1)
    return current


def working_days_between(day: date, until: date, holidays: str = "england-and-wales") -> int:
    """How many working days fall after `day`, up to and including `until` (0 if none).

    Counted by arithmetic, not day by day, so an offer ten years overdue costs nothing."""
    if until <= day:
        return 0
    first = day + timedelta(days=1)
    span = (until - first).days + 1
    weeks, extra = divmod(span, 7)
    count = weeks * 5 + sum(1 for i in range(extra) if (first + timedelta(days=i)).weekday() < 5)
    if holidays == "england-and-wales":
        for year in range(first.year, until.year + 1):
            count -= sum(1 for h in bank_holidays(year) if first <= h <= until and h.weekday() < 5)
    return count
