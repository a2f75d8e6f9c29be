"""Money has one door: every amount enters through `parse_money` or `from_pence`.

Amounts are `Decimal` pounds with exactly two places in memory, integer pence in
SQLite, a two-decimal string in JSON, and `£12,500.00` in documents. Never float.
"""

from __future__ import annotations

import re
from decimal import Decimal

from calloff.errors import InvalidInput

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
# What a tendered rate is per, and a request's quantity counted in.
UNITS = ("day", "session", "place")

# 12500 | 12500.00 | 12,500.00 | £12,500.00, and also 12,500 | £12500 | £12500.00: pounds
# with no leading zeros (commas only in whole groups of three), pence as exactly two digits.
_MONEY = re.compile(
    r"^£?(?P<pounds>[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]*|0)(?:\.(?P<pence>[0-9]{2}))?$"
)
# Far beyond any council contract, and well inside SQLite's 64-bit integers in pence.
MAXIMUM = Decimal("999999999999.99")


def parse_money(text: str | int | Decimal) -> Decimal:
    """Read an amount an officer typed; refuse anything that is not plain pounds and pence."""
    if isinstance(text, Decimal):
        if not text.is_finite() or text < 0 or text > MAXIMUM or text != text.quantize(PENNY):
            raise InvalidInput(f"{text} is not an amount of money in pounds and pence")
        return text.quantize(PENNY)
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise InvalidInput(f"{text} is negative: amounts of money must be zero or more")
        if text > MAXIMUM:
            raise InvalidInput(f"{text} is too large: amounts go up to {MAXIMUM:,}")
        return Decimal(text).quantize(PENNY)
    raw = str(text).strip()
    match = _MONEY.match(raw)
    if not match:
        hint = " (amounts must not be negative)" if raw.lstrip("£").startswith("-") else ""
        raise InvalidInput(
            f"{text!r} is not an amount of money{hint}: write it like 12500, 12500.00, "
            "12,500.00 or £12,500.00"
        )
    pounds = match["pounds"].replace(",", "")
    pence = match["pence"] or "00"
    amount = Decimal(f"{pounds}.{pence}")
    if amount > MAXIMUM:
        raise InvalidInput(f"{text!r} is too large: amounts go up to {MAXIMUM:,}")
    return amount


def more_than_nothing(amount: Decimal, what: str) -> Decimal:
    """An amount that pays for something (an invoice line, a tendered rate) is more than
    nothing: `what` is how the refusal names it, like "the amount"."""
    if amount <= 0:
        raise InvalidInput(f"{what} must be more than £0.00")
    return amount


def to_pence(amount: Decimal) -> int:
    """Pounds to integer pence for storage; refuses fractions of a penny."""
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise InvalidInput(f"{amount} has a fraction of a penny")
    return int(pence)


def from_pence(pence: int | None) -> Decimal:
    """Integer pence from storage to exact pounds."""
    if pence is None:
        return ZERO
    return (Decimal(int(pence)) / 100).quantize(PENNY)


def json_money(amount: Decimal | None) -> str | None:
    """Money in JSON: a string with two decimals, `"12500.00"`."""
    if amount is None:
        return None
    return f"{amount.quantize(PENNY):f}"


def format_money(amount: Decimal | None) -> str:
    """Money in documents: `£12,500.00` (a minus sign before the pound for a negative)."""
    if amount is None:
        return "—"
    q = amount.quantize(PENNY)
    sign = "-" if q < 0 else ""
    return f"{sign}£{abs(q):,.2f}"
