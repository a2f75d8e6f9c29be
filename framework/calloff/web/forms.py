"""What a form was given and what was wrong with it, for the GOV.UK error summary.

The web checks only that a field was filled in and can be read (a date from its day, month
and year boxes, and at Continue each field through the library's own reader, `Form.read`);
every rule is the library's, and its refusal is shown at the top of the form, linked to
the field it concerns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from calloff.arguments import not_future
from calloff.errors import CalloffError

T = TypeVar("T")


class Form:
    """Values as given (so a refused form comes back filled in) and errors by field."""

    def __init__(self, values: Mapping[str, Any] | None = None):
        self.values: dict[str, str] = {
            k: str(v).strip() for k, v in (values or {}).items() if k != "csrf_token"
        }
        self.errors: dict[str, str] = {}

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def error(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def required(self, name: str, message: str) -> str:
        value = self.get(name)
        if not value:
            self.error(name, message)
        return value

    def day(self, name: str, label: str, required: bool = True) -> str | None:
        """A date from the GOV.UK date input's three boxes (`name-day`, `-month`,
        `-year`), as ISO text; None (and an error if required) when left empty."""
        parts = [self.get(f"{name}-{p}") for p in ("day", "month", "year")]
        if not any(parts):
            if required:
                self.error(name, f"Enter the {label}")
            return None
        if not all(parts):
            missing = [p for p, v in zip(("day", "month", "year"), parts, strict=True) if not v]
            self.error(name, f"The {label} must include a {' and '.join(missing)}")
            return None
        if not all(whole(p) for p in parts) or len(parts[2]) != 4 or max(map(len, parts)) > 4:
            self.error(name, f"The {label} must be a real date, such as 1 6 2015")
            return None
        try:
            day = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except (ValueError, OverflowError):
            self.error(name, f"The {label} must be a real date, such as 1 6 2015")
            return None
        return day.isoformat()

    def read(self, name: str, reader: Callable[..., T], *given: Any) -> T | None:
        """A field read at Continue by the library's own reader (`calloff.arguments`:
        money, a login, a date not after today...), as the write will read it: its
        refusal, in the library's words, at the field; None if refused."""
        try:
            return reader(*given)
        except CalloffError as e:
            self.error(name, e.for_command())
            return None

    def not_future(self, name: str, day: str | None, what: str = "the effective date") -> None:
        """A date the library refuses after today (`calloff.arguments.not_future`), checked
        at Continue so the check page never shows one; `what` is how the library names it."""
        if day is not None and name not in self.errors:
            self.read(name, not_future, day, what)

    def summary(self) -> list[dict[str, str]]:
        """The error summary's list: each message linked to its field."""
        return [{"text": m, "href": f"#{_anchor(f)}"} for f, m in self.errors.items()]

    def message(self, field: str) -> dict[str, str] | None:
        """A field's error, as a GOV.UK component's `errorMessage`."""
        found = self.errors.get(field)
        return None if found is None else {"text": found}


def whole(text: str) -> bool:
    """Whether `text` is a whole number written in the digits 0 to 9 (and not too long
    to be one): what `int()` of a form's text may be given."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _anchor(field: str) -> str:
    """Where a field's error links: a date input's first box."""
    return f"{field}-day" if field in ("on", "start", "end") else field


def with_today(form: Form, name: str = "on") -> Form:
    """A new form's date boxes filled with today's date."""
    today = date.today()
    if not any(form.get(f"{name}-{p}") for p in ("day", "month", "year")):
        form.values.update({f"{name}-day": str(today.day), f"{name}-month": str(today.month)})
        form.values[f"{name}-year"] = str(today.year)
    return form
