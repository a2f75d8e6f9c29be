"""The framework's own facts in words, as `calloff framework` prints them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from calloff.domain.facts import cpv_title, threshold
from calloff.domain.model import Framework
from calloff.domain.money import format_money


def split_purchases(fw: Framework) -> str:
    """How call-offs count together towards the approval threshold (docs/rules.md)."""
    if fw.aggregation_days == 0:
        return "Split purchases: each call-off counts alone towards approval (aggregation_days 0)"
    return (
        "Split purchases: one officer's call-offs to one provider on one lot within "
        f"{fw.aggregation_days} days of each other count together towards approval"
    )


def lines(fw: Framework, today: date) -> list[str]:
    """One line per fact; "not set" where the definition gives none."""
    f = fw.facts

    def money(amount: Decimal | None) -> str:
        return format_money(amount) if amount is not None else "not set"

    codes = [f"{c} ({cpv_title(c)})" if cpv_title(c) else c for c in f.cpv_codes]
    found = [
        f"Estimated value: {money(f.estimated_value)}",
        f"Maximum value: {money(f.maximum_value)}",
        f"CPV codes: {', '.join(codes) or 'none set'}",
        f"Authorities entitled to use it: {'; '.join(f.authorities) or 'not set'}",
        f"Fee: {f'{f.fee_percent}%' if f.fee_percent is not None else 'none'}",
        f"Latest end of any call-off: {f.calloff_latest_end or 'not set'}",
    ]
    if fw.regime == "pa2023":
        limit = format_money(threshold(fw.light_touch, today))
        found.append(f"Award notice (UK6) threshold: {limit} including VAT")
    if f.publish_pass_over_reasons:
        found.append("Published files give the reasons providers were passed over")
    if fw.transparency.columns != "calloff":
        found.append(f"Transparency files' columns: {fw.transparency.columns} by default")
    if fw.finance.spend_map:
        fields = ", ".join(f"{k}={v!r}" for k, v in fw.finance.spend_map.items())
        found.append(f"Finance system's spend export: {fields}")
    return found
