"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

pence = st.integers(min_value=0, max_value=10**12)
money = pence.map(lambda p: (Decimal(p) / 100).quantize(Decimal("0.01")))
positive_money = st.integers(min_value=1, max_value=10**9).map(
    lambda p: (Decimal(p) / 100).quantize(Decimal("0.01"))
)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


def money_text(amount: Decimal) -> st.SearchStrategy[str]:
    """Every way an officer may type an amount: 12500, 12500.00, 12,500.00, £12,500.00."""
    plain = f"{amount:f}"
    grouped = f"{amount:,.2f}"
    whole = [f"{int(amount)}", f"{int(amount):,}"] if amount == int(amount) else []
    return st.sampled_from([plain, grouped, f"£{grouped}", f"£{plain}", *whole])
