"""Arguments from a Python caller, checked as the command line checks its options, so a
wrong type is refused with the library's own one-line error and never stored."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from calloff.domain.dates import FinancialYear, parse_date
from calloff.domain.money import parse_money
from calloff.errors import InvalidInput

Money = Decimal | str | int
Day = date | str
Ref = int | str  # a provider's id or its name


def _day(value: Day | None, what: str = "on") -> date:
    if value is None:
        return date.today()
    if isinstance(value, datetime):
        raise InvalidInput(f"{what} must be a date, not a datetime: use .date()")
    if isinstance(value, date | str):
        return parse_date(value)
    raise InvalidInput(f"{what} must be a date or ISO text such as 2015-06-01")


def _money(value: Money | None, what: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise InvalidInput(f"{what} must be a Decimal or text such as '12500.00', not a float")
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise InvalidInput(f"{what} must be a Decimal or text such as '12500.00'")
    return parse_money(value)


def _amount(value: Money, what: str) -> Decimal:
    amount = _money(value, what)
    if amount is None:
        raise InvalidInput(f"{what} is required: a Decimal or text such as '12500.00'")
    return amount


def _count(value: int | None, what: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{what} must be a whole number from {low:,} to {high:,}")
    return value


def _id(value: int, what: str) -> int:
    checked = _count(value, what, 1, 2**62)
    if checked is None:
        raise InvalidInput(f"{what} is required: a whole number")
    return checked


def _text(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    return value


def _ref(value: Ref, what: str = "provider") -> Ref:
    if isinstance(value, str):
        return value
    return _id(value, what)


def _year(year: FinancialYear | str | None) -> FinancialYear | None:
    if year is None or isinstance(year, FinancialYear):
        return year
    if isinstance(year, str):
        return FinancialYear.parse(year)
    raise InvalidInput("year must be a FinancialYear or text such as '2015-16'")


def _path(path: str | Path, what: str = "path") -> str | Path:
    if not isinstance(path, str | Path):
        raise InvalidInput(f"{what} must be a file path (str or pathlib.Path)")
    return path
