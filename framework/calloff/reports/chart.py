"""The report's chart, as coordinates: cumulative commitment and spend against the ceiling.

Everything is worked in Decimal and rounded to a tenth of a pixel; the template only draws
what is computed here. The rules a board can read:

- The money axis runs from £0 in round steps of 1, 2, 2.5 or 5 × 10ⁿ whole pounds (never
  £2.50), 4 to 7 ticks, scaled so the committed and spent lines fill the plot. A ceiling
  no more than half as high again as the data (`NEAR`) is brought into the scale and drawn
  as a line; a ceiling further off is not allowed to squash the data into the bottom of the
  plot: it is named in words, "Ceiling £1,500,000 — off the scale". With nothing committed
  or spent yet, the scale is the ceiling's.
- The ceiling is a step line across each quarter (so a one-quarter report shows it too);
  commitment is dashed with open squares, spend dotted with filled circles, and each line
  is labelled by name and value at its last point, so the chart reads in black and white.
- A second small panel shows the share of the ceiling committed at each quarter's end.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from calloff.domain.money import format_money

MULTIPLES = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
NEAR = Decimal("1.5")  # a ceiling up to this many times the data's top is drawn in scale
TENTH = Decimal("0.1")
ONE = Decimal(1)
LABEL_GAP = Decimal(14)  # pixels between direct labels


def nice_ticks(top: Decimal) -> list[Decimal]:
    """Round ticks from 0 that reach `top`: 4 to 7 of them, evenly spaced by a whole number
    of pounds from the 1, 2, 2.5, 5 × 10ⁿ sequence, the smallest such step that needs no more
    than six intervals (e.g. £66,000 → 0, 20,000, 40,000, 60,000, 80,000)."""
    top = max(Decimal(top), Decimal(0))
    power = ONE
    while True:
        for multiple in MULTIPLES:
            step = multiple * power
            if step != step.to_integral_value():
                continue  # £2.50 is not a round step; £25 is
            intervals = max(3, int((top / step).to_integral_value(rounding=ROUND_CEILING)))
            if intervals <= 6:
                return [Decimal(int(step * i)) for i in range(intervals + 1)]
        power *= 10


def pounds(amount: Decimal) -> str:
    """A tick or ceiling label: whole pounds as `£10,000`, pence only if there are some."""
    if amount == amount.to_integral_value():
        return f"£{int(amount):,}"
    return format_money(amount)


def _value(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def chart_geometry(report: dict[str, Any], width: int = 640) -> dict[str, Any]:
    """Coordinates and labels for the chart of `report["chart"]` (Q1 to the last quarter)."""
    points = report["chart"]
    left, right, top, plot_h = 80, 160, 50, 220
    plot_w = width - left - right
    bottom = top + plot_h
    slot = Decimal(plot_w) / 4

    committed = [Decimal(p["committed"]) for p in points]
    spent = [Decimal(p["spent_year_to_date"]) for p in points]
    ceilings = [_value(p["ceiling"]) for p in points]
    data_top = max([*committed, *spent, Decimal(0)])
    set_ceilings = [c for c in ceilings if c is not None]
    if data_top == 0:  # nothing to show yet but the ceiling
        reach = max(set_ceilings, default=Decimal(0))
    else:  # the data, and any ceiling near enough to be drawn with them
        reach = max([data_top, *(c for c in set_ceilings if c <= data_top * NEAR)])
    ticks = nice_ticks(reach)
    scale = ticks[-1]

    def y(v: Decimal) -> Decimal:
        v = min(max(v, Decimal(0)), scale)
        return (top + plot_h - v / scale * plot_h).quantize(TENTH)

    def x(q: int | Decimal) -> Decimal:
        return (left + slot * (Decimal(q) - Decimal("0.5"))).quantize(TENTH)

    def edge(q: int) -> Decimal:
        return (left + slot * q).quantize(TENTH)

    quarters = [p["quarter"] for p in points]
    # The ceiling: runs of quarters whose ceiling is set and on the scale, as step lines.
    runs: list[list[tuple[Decimal, Decimal]]] = []
    off: list[tuple[int, Decimal]] = []
    unset: list[int] = []
    previous = False
    for q, c in zip(quarters, ceilings, strict=True):
        if c is None:
            unset.append(q)
            previous = False
            continue
        if c > scale:
            off.append((q, c))
            previous = False
            continue
        if not previous:
            runs.append([])
        runs[-1] += [(edge(q - 1), y(c)), (edge(q), y(c))]
        previous = True
    notes = []
    if off:
        low, high = min(c for _, c in off), max(c for _, c in off)
        shown = pounds(high) if low == high else f"{pounds(low)} to {pounds(high)}"
        which = "" if len(off) == len(points) else " in " + ", ".join(f"Q{q}" for q, _ in off)
        notes.append(f"Ceiling {shown}{which} — off the scale")
    if unset:
        which = "" if len(unset) == len(points) else " in " + ", ".join(f"Q{q}" for q in unset)
        notes.append(f"No ceiling set{which}")

    # Direct labels at the last point, nudged apart so they never overlap.
    last_x = x(quarters[-1]) + 10 if points else Decimal(left)
    labels: list[tuple[Decimal, str]] = []
    if points:
        labels.append((y(committed[-1]) - 6, f"Committed {pounds(committed[-1])}"))
        labels.append((y(spent[-1]) + 14, f"Spent {pounds(spent[-1])}"))
        if ceilings[-1] is not None and ceilings[-1] <= scale:
            labels.append((y(ceilings[-1]) - 6, f"Ceiling {pounds(ceilings[-1])}"))
    direct = [
        (last_x, ly, text) for ly, text in _apart(labels, Decimal(top + 10), Decimal(bottom + 4))
    ]

    share = _share_panel(points, committed, ceilings, x, slot, bottom + 76)
    return {
        "width": width,
        "height": share["bottom"] + 26,
        "left": left,
        "top": top,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "bottom": bottom,
        "scale": scale,
        "ticks": [(y(t), pounds(t)) for t in ticks],
        "labels": [(x(q), f"Q{q}") for q in (1, 2, 3, 4)],
        "series": {
            "committed": [(x(q), y(v)) for q, v in zip(quarters, committed, strict=True)],
            "spent_year_to_date": [(x(q), y(v)) for q, v in zip(quarters, spent, strict=True)],
        },
        "ceiling": runs,
        "notes": notes,
        "direct": direct,
        "share": share,
    }


def _apart(
    labels: list[tuple[Decimal, str]], low: Decimal, high: Decimal
) -> list[tuple[Decimal, str]]:
    """Spread label baselines at least LABEL_GAP apart, kept between `low` and `high`."""
    ordered = sorted(labels)
    placed: list[tuple[Decimal, str]] = []
    for ly, text in ordered:
        ly = max(ly, low, placed[-1][0] + LABEL_GAP if placed else low)
        placed.append((ly, text))
    overflow = placed[-1][0] - high if placed else Decimal(0)
    if overflow > 0:  # pushed past the bottom: move the stack up as one
        placed = [(ly - overflow, text) for ly, text in placed]
    return placed


def _share_panel(
    points: list[dict[str, Any]],
    committed: list[Decimal],
    ceilings: list[Decimal | None],
    x: Any,
    slot: Decimal,
    top: int,
) -> dict[str, Any]:
    """Bars of committed ÷ ceiling per quarter, 0–100 % (higher if a quarter went over)."""
    height = 60
    bottom = top + height
    shares: list[tuple[int, Decimal | None]] = []
    for p, c, ceiling in zip(points, committed, ceilings, strict=True):
        shares.append((p["quarter"], None if not ceiling else (c / ceiling * 100)))
    highest = max([s for _, s in shares if s is not None] + [Decimal(100)])
    scale = (highest / 25).to_integral_value(rounding=ROUND_CEILING) * 25

    def y(percent: Decimal) -> Decimal:
        return (bottom - min(percent, scale) / scale * height).quantize(TENTH)

    bar_w = (slot * Decimal("0.4")).quantize(TENTH)
    bars, gaps = [], []
    for q, s in shares:
        if s is None:
            gaps.append((x(q), "no ceiling"))
            continue
        top_y = y(max(s, Decimal(0)))
        bars.append(
            (x(q) - bar_w / 2, top_y, bar_w, Decimal(bottom) - top_y, f"{s.quantize(TENTH)}%")
        )
    ticks = [(y(Decimal(t)), f"{t}%") for t in (0, 50, 100)]
    if scale > 100:
        ticks.append((y(scale), f"{scale}%"))
    return {
        "top": top,
        "bottom": bottom,
        "height": height,
        "bars": bars,
        "gaps": gaps,
        "ticks": ticks,
        "hundred": y(Decimal(100)),
    }
