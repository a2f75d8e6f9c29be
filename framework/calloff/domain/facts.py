"""The framework's own facts (its values, CPV codes, who may use it, its fee and the
latest end of any call-off), the Procurement Act 2023's thresholds, and what a published
file may say about a provider passed over (docs/publishing.md, docs/rules.md).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from calloff.domain.money import parse_money
from calloff.errors import DefinitionError, InvalidInput

# The Procurement Act 2023's thresholds (Schedule 1), including VAT, from the day each took
# effect: (from, sub-central goods and services, light-touch services). The next change is
# one line here.
THRESHOLDS: tuple[tuple[date, Decimal, Decimal], ...] = (
    (date(2024, 1, 1), Decimal("214904.00"), Decimal("663540.00")),
    (date(2026, 1, 1), Decimal("207720.00"), Decimal("663540.00")),
)
# A below-threshold contract of this much or more, including VAT, is notifiable: it needs
# a contract details notice (s.87, regulation 33), and no award notice.
NOTIFIABLE = Decimal("30000.00")

# A few CPV codes a training framework uses: code -> (check digit, title). The rest are
# checked for their form only, and shown bare.
CPV_TITLES = {
    "80000000": ("4", "Education and training services"),
    "80500000": ("9", "Training services"),
    "80510000": ("2", "Specialist training services"),
    "80530000": ("8", "Vocational training services"),
    "80570000": ("0", "Personal development training services"),
    "85000000": ("9", "Health and social work services"),
    "85300000": ("2", "Social work and related services"),
    "85310000": ("5", "Social work services"),
}
CPV = re.compile(r"[0-9]{8}(?:-[0-9])?")


@attrs.frozen
class Facts:
    """What the framework's notices and open data say about the agreement itself: values
    ex-VAT, None (or empty) where the definition gives none."""

    estimated_value: Decimal | None = None
    maximum_value: Decimal | None = None
    cpv_codes: tuple[str, ...] = ()
    authorities: tuple[str, ...] = ()
    fee_percent: Decimal | None = None
    calloff_latest_end: date | None = None
    # Published files give each pass-over's kind only, unless the council opts in.
    publish_pass_over_reasons: bool = False


def as_dict(facts: Facts, regime: str, light_touch: bool, on: date) -> dict[str, Any]:
    """The facts as `calloff framework --json` gives them; the award notice's threshold on
    `on` where the framework is under the Act."""
    from calloff.domain.money import json_money

    return {
        "estimated_value": json_money(facts.estimated_value),
        "maximum_value": json_money(facts.maximum_value),
        "cpv_codes": list(facts.cpv_codes),
        "authorities": list(facts.authorities),
        "fee_percent": None if facts.fee_percent is None else str(facts.fee_percent),
        "calloff_latest_end": None
        if facts.calloff_latest_end is None
        else facts.calloff_latest_end.isoformat(),
        "publish_pass_over_reasons": facts.publish_pass_over_reasons,
        "award_notice_threshold": json_money(threshold(light_touch, on))
        if regime == "pa2023"
        else None,
    }


def threshold(light_touch: bool, on: date) -> Decimal:
    """The threshold, including VAT, in force on `on` for a council's services contract."""
    rows = [row for row in THRESHOLDS if row[0] <= on] or [THRESHOLDS[0]]
    _, sub_central, light = rows[-1]
    return light if light_touch else sub_central


def needs_award_notice(regime: str, light_touch: bool, value_with_vat: Decimal, on: date) -> bool:
    """s.50(1): a call-off under a Procurement Act framework at or above the threshold
    needs a contract award notice (UK6) before it is entered into."""
    return regime == "pa2023" and value_with_vat >= threshold(light_touch, on)


def cpv_title(code: str) -> str | None:
    known = CPV_TITLES.get(code[:8])
    return known[1] if known else None


# -- what a published file says about a provider passed over ---------------------------------

PASS_OVER_KINDS = (
    "declined",
    "did not answer in time",
    "suspended",
    "unavailable",
    "withdrawn",
    "no rate tendered",
)


def pass_over_kind(reason: str) -> str:
    """The kind of a recorded pass-over reason, which a published file may give; the
    reason itself (what the officer typed) stays in the council's award record."""
    text = reason.strip().lower()
    for start, kind in (
        ("declined", "declined"),
        ("did not answer", "did not answer in time"),
        ("suspended", "suspended"),
        ("unavailable", "unavailable"),
        ("withdrawn", "withdrawn"),
        ("no tendered", "no rate tendered"),
    ):
        if text.startswith(start):
            return kind
    return "not eligible"


def pass_over_counts(reasons: list[str]) -> str:
    """`2 declined, 1 suspended`: how many were passed over for which kind of reason."""
    counts: dict[str, int] = {}
    for reason in reasons:
        kind = pass_over_kind(reason)
        counts[kind] = counts.get(kind, 0) + 1
    order = [*PASS_OVER_KINDS, "not eligible"]
    return ", ".join(f"{counts[k]} {k}" for k in order if k in counts)


# -- reading them from a definition ----------------------------------------------------------


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in data:
            return data[key]
    return None


def _money(value: Any, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DefinitionError(f'{field} must be an amount of money, such as "260000.00"')
    try:
        return parse_money(str(value))
    except InvalidInput as e:
        raise DefinitionError(f"{field}: {e}") from None


def check_cpv(value: object) -> str:
    code = str(value).strip() if isinstance(value, str) else ""
    if not CPV.fullmatch(code):
        raise DefinitionError(
            f"CPV code {value!r} is not valid: write it as text, 8 digits with or without "
            'the check digit, such as "80500000" or "80500000-9"'
        )
    known = CPV_TITLES.get(code[:8])
    if known and "-" in code and code[-1] != known[0]:
        raise DefinitionError(
            f"CPV code {code} has the wrong check digit: {code[:8]} is {code[:8]}-{known[0]} "
            f"({known[1]})"
        )
    return code


def read(data: dict[str, Any], term_start: date) -> Facts:
    """The facts a definition gives (docs/framework-definition.md, "The framework's facts")."""
    estimated = _money(_first(data, "estimated_value"), "estimated_value")
    maximum = _money(_first(data, "maximum_value", "max_value"), "maximum_value")
    if estimated is not None and maximum is not None and maximum < estimated:
        raise DefinitionError("maximum_value is less than estimated_value: check the two")
    cpv = _first(data, "cpv_codes", "cpv")
    cpv = [cpv] if isinstance(cpv, str) else (cpv or [])
    if not isinstance(cpv, list):
        raise DefinitionError('cpv_codes must be a list of codes, such as ["80500000"]')
    authorities = _first(data, "authorities", "entitled_authorities")
    authorities = [authorities] if isinstance(authorities, str) else (authorities or [])
    if not isinstance(authorities, list) or not all(
        isinstance(a, str) and a.strip() for a in authorities
    ):
        raise DefinitionError('authorities must be a list of names, such as ["Leeds City Council"]')
    return Facts(
        estimated_value=estimated,
        maximum_value=maximum,
        cpv_codes=tuple(check_cpv(c) for c in cpv),
        authorities=tuple(a.strip() for a in authorities),
        fee_percent=_fee(_first(data, "fee_percent", "fee_percentage")),
        calloff_latest_end=_latest_end(data, term_start),
        publish_pass_over_reasons=_flag(data, "publish_pass_over_reasons"),
    )


def _fee(value: Any) -> Decimal | None:
    """A percentage written plainly: `1.5`, `"1.5"` or `"1.5%"`; 0 to 100, 2 places."""
    if value is None:
        return None
    text = "" if isinstance(value, bool) else str(value).strip().removesuffix("%")
    if not isinstance(value, str | int | float) or not re.fullmatch(
        r"[0-9]{1,3}(\.[0-9]{1,2})?", text
    ):
        text = ""
    if not text or Decimal(text) > 100:
        raise DefinitionError(
            f"fee_percent {value!r} is not a percentage from 0 to 100 with at most 2 "
            'decimal places, such as "1.5"'
        )
    return Decimal(text)


def _latest_end(data: dict[str, Any], term_start: date) -> date | None:
    from calloff.domain.dates import parse_date

    value = _first(data, "calloff_latest_end", "latest_calloff_end")
    if value is None:
        return None
    if isinstance(value, datetime):
        raise DefinitionError(
            f"calloff_latest_end must be a date like 2031-03-31, not a date and time ({value})"
        )
    try:
        end = parse_date(value if isinstance(value, date) else str(value))
    except InvalidInput as e:
        raise DefinitionError(f"calloff_latest_end: {e}") from None
    if end < term_start:
        raise DefinitionError(f"calloff_latest_end {end} is before the term starts, {term_start}")
    return end


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise DefinitionError(f"{key} must be true or false")
    return value
