"""Arguments from a Python caller, checked as the command line checks its options, so a
wrong type is refused with the library's own one-line error and never stored.

The readers here (money, dates, years, half-years, weights, scores, officers' names and
logins, e-mail addresses, OCDS prefixes, head hashes) are the ones the `calloff` command's
parameter types call too: an argument is checked once, in the library, and the command
only turns a refusal into a usage error. The browser reads a form's fields with them at
Continue, before its check-your-answers page, so that page never shows what the write
would refuse for how it was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from calloff.domain.dates import FinancialYear, parse_date
from calloff.domain.money import UNITS, format_money, json_money, parse_money
from calloff.errors import InvalidInput

__all__ = [
    "UNITS",
    "FinancialYear",
    "email_address",
    "format_money",
    "half_year",
    "head_hash",
    "json_money",
    "login_name",
    "login_text",
    "not_future",
    "ocid_prefix",
    "officer_name",
    "parse_amount",
    "parse_date",
    "parse_mark",
    "parse_money",
    "parse_scores",
    "parse_weights",
    "provider_detail",
    "request_shape",
    "spend_map",
    "spend_map_file",
    "vat_due",
]

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


def head_hash(text: str) -> str:
    """A head hash an officer wrote down (from `audit verify`): all 64 hex digits, or at
    least the first 16 (which must then name one event only)."""
    expected = text.strip().lower()
    if not 16 <= len(expected) <= 64 or any(ch not in "0123456789abcdef" for ch in expected):
        raise InvalidInput(
            "expect must be a head hash as verify_audit() gives it: all 64 hex digits, or "
            "at least the first 16",
            command="give the head hash as printed by `calloff audit verify` or `calloff "
            "audit anchor`: all 64 hex digits, or at least the first 16",
        )
    return expected


def half_year(text: str) -> Any:
    """A half of a financial year, like 2026-27-H1 (April-September)."""
    from calloff.publishing.payments import HalfYear

    return HalfYear.parse(text)


def parse_weights(text: str) -> dict[str, int]:
    """Award weights refined within their ranges, like quality=65,price=35."""
    from calloff.domain.competition import parse_weights as weights

    return weights(text)


def parse_scores(values: Iterable[str]) -> dict[str, str]:
    """Evaluators' scores written as text, `quality=70` (each text may hold several,
    comma-separated), as {criterion: mark}; a mark must be a number from 0 to 100."""
    marks: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            name, sep, mark = part.strip().partition("=")
            name = name.strip().lower()
            if not sep or not name or not mark.strip():
                raise InvalidInput(
                    f"{part.strip()!r} is not a score: write CRITERION=N, like quality=70"
                )
            if name in marks:
                raise InvalidInput(f"the score for {name} is given twice")
            parse_mark(mark, name)
            marks[name] = mark.strip()
    return marks


def parse_mark(mark: str, criterion: str) -> Any:
    """An evaluator's score on a criterion: a number from 0 to 100."""
    from calloff.domain.scoring import parse_mark as marks

    return marks(mark, criterion)


def request_shape(value: object, quantity: object, unit: object) -> None:
    """A request is a fixed value, or a quantity of a unit; never both, never neither."""
    from calloff.domain.rules import check_request_shape

    check_request_shape(value, quantity, unit)


def login_name() -> str:
    """Who is acting when nobody says: the login name, or "officer" where there is none."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "officer"


def officer_name(name: str, what: str = "the officer") -> str:
    """Who is acting, as it is recorded: one line of text, at most 100 characters."""
    from calloff.domain.model import clean_text

    return clean_text(name, what, 100)


def login_text(text: str, what: str = "the login") -> str:
    """A login as the register reads it: letters, digits and . _ @ -, at most 64."""
    from calloff.domain.officers import login

    return login(_text(text, what), what)


def email_address(text: str | None) -> str:
    """An e-mail address as the register keeps it ("" for none)."""
    from calloff.domain.officers import email

    return email(None if text is None else _text(text, "email"))


def ocid_prefix(text: str) -> str:
    """The council's registered OCDS prefix, like ocds-a1b2c3."""
    from calloff.domain.definition import check_ocid_prefix

    return check_ocid_prefix(_text(text, "prefix").strip())


def parse_amount(text: str, what: str = "the amount") -> Decimal:
    """Money that pays for something (an invoice line, a tendered rate, a bid's price): read
    as `parse_money` reads it, and refused if it is £0.00, as the library refuses it;
    `what` names it in the refusal, like "the day rate"."""
    from calloff.domain.money import more_than_nothing

    return more_than_nothing(_amount(text, what), what)


def not_future(day: Day, what: str = "the effective date") -> date:
    """A date the library refuses when it is after today, read and refused in the library's
    words: an effective date ("the effective date", "the bid's date", ...), "invoice date",
    "received date" or "payment date"."""
    from calloff.domain.dates import not_future as checked

    return checked(_day(day, what), what)


def vat_due(amount: Money, vat: str) -> Decimal:
    """The VAT an invoice line takes unless told otherwise: 20% of the ex-VAT amount for a
    standard-rated provider (`Provider.vat` "standard"), nothing for an exempt one."""
    from calloff.domain.invoicing import vat_due as due

    if vat not in ("standard", "exempt"):
        raise InvalidInput(f"vat {vat!r} is not a VAT status: choose standard or exempt")
    return due(_amount(amount, "amount"), vat)


def provider_detail(name: str, text: str) -> str | None:
    """A provider's detail (address, companies_house, charity, ppon, email) as the
    library keeps it, like SC123456 for "sc 123456"; None for an empty one, which clears it."""
    from calloff.domain import registration

    readers = {
        "address": registration.check_address,
        "companies_house": registration.check_companies_house,
        "charity": registration.check_charity,
        "ppon": registration.check_ppon,
        "email": registration.check_email,
    }
    if name not in readers:
        raise InvalidInput(f"{name} is not a provider detail: choose from {', '.join(readers)}")
    return readers[name](_text(text, name))


def spend_map(text: str) -> dict[str, str]:
    """`invoice="Document No",amount="Net Amount"`: which heading of a finance system's
    export holds each field calloff knows (docs/spend-import.md)."""
    from calloff.domain.finance import parse_map

    return parse_map(text)


def spend_map_file(path: str | Path) -> dict[str, str]:
    """The same mapping from a small TOML file (`[spend_map]`, or the pairs alone)."""
    from calloff.domain.finance import map_file

    return map_file(path)
