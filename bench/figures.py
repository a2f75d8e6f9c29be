"""`make bench`'s figures: the table of what each command cost at each size, what the
databases held, and one `target:` line per goal in docs/performance.md (`bench/bench.py`
measures them)."""

from __future__ import annotations

import itertools
from typing import Any

Results = dict[int, dict[str, Any]]

# Commands whose work grows with the records by their nature: each writes or checks
# something for every call-off (or every event) there is. Their goal is a cost per
# call-off (per event for `audit verify`) that does not grow with the database.
LINEAR = ("publish ocds --output", "due --json", "audit verify")
# Commands written as they are read: their memory must stay under the goal at every size,
# however long their output, and not grow with it.
STREAMED = (
    "due --json",
    "publish payment-performance",
    "publish payment-performance xlsx",
    "publish spend",
    "publish ocds --output",
    "report html",
    "report html, whole year",
)
MEMORY_GOAL = 100  # MB, every command at every size


def table(results: Results) -> None:
    sizes = list(results)
    print()
    print("| command | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    keys = [k for k in results[sizes[0]] if isinstance(results[sizes[0]][k], tuple)]
    for k in keys:
        cells = [f"{results[s][k][0]:.2f} s, {results[s][k][1]:.0f} MB" for s in sizes]
        print(f"| `{k}` | " + " | ".join(cells) + " |")
    rate = [f"{results[s]['library allocations/s']:.0f}/s" for s in sizes]
    print("| allocate through the library | " + " | ".join(rate) + " |")
    for k in ("report", "sql", "pandas"):
        cells = [
            ("—" if results[s][f"ratio {k}"] is None else f"{results[s][f'ratio {k}']:.3f} s")
            for s in sizes
        ]
        print(f"| report totals in-process: {k} | " + " | ".join(cells) + " |")
    print()
    print("| the database holds | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    for k in [k[5:] for k in results[sizes[0]] if k.startswith("data ")]:
        cells = [_count(results[s][f"data {k}"]) for s in sizes]
        print(f"| {k} | " + " | ".join(cells) + " |")
    print()
    linear_costs(results, sizes)


def _count(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def linear_costs(results: Results, sizes: list[int]) -> None:
    """The linear commands' cost per 1,000 call-offs between each size and the next: how
    long they take at a size not measured follows from it."""
    for k in LINEAR:
        unit = "events" if k == "audit verify" else "call-offs"
        steps = []
        for a, b in itertools.pairwise(sizes):
            count = "data audit events" if unit == "events" else "data call-offs"
            more = results[b][count] - results[a][count]
            if more > 0:
                per = (results[b][k][0] - results[a][k][0]) / more * 1000
                steps.append(f"{a:,} to {b:,}: {per * 1000:.0f} ms per 1,000 {unit}")
        print(f"{k}: " + "; ".join(steps))
    print()


def targets(
    results: Results,
    sizes: list[int],
    help_ours: float,
    help_theirs: float,
    events: dict[int, float],
) -> None:
    small, big = (1000 if 1000 in sizes else min(sizes)), max(sizes)
    lines: list[str] = []

    def target(name: str, value: float, goal: str, ok: bool, unit: str = "") -> None:
        lines.append(f"target: {name} = {value:.2f}{unit} (goal {goal}) {'ok' if ok else 'short'}")

    at = results[big]
    a = at["allocate"][0] / results[small]["allocate"][0]
    target(f"allocate at {big:,} / at {small:,}", a, "<= 2.00", a <= 2)
    rate = at["library allocations/s"]
    target(f"library allocations per second at {big:,}", rate, ">= 100", rate >= 100, "/s")
    ratio = at["ratio report"] / at["ratio sql"]
    target(f"report / one SQL query at {big:,}", ratio, "<= 1.50", ratio <= 1.5)
    if at["ratio pandas"] is not None:
        vs = at["ratio report"] / at["ratio pandas"]
        target(f"report / pandas at {big:,}", vs, "< 1.00", vs < 1)
    else:
        lines.append("target: report / pandas = not measured (pandas is not installed) short")
    peak = max(
        v[1]
        for s in sizes
        for k, v in results[s].items()
        if k.startswith("report") and isinstance(v, tuple)
    )
    target("report peak memory, every size", peak, f"< {MEMORY_GOAL} MB", peak < 100, " MB")
    for k in (*STREAMED, "audit verify"):
        mb = at[k][1]
        target(f"{k} peak memory at {big:,}", mb, f"< {MEMORY_GOAL} MB", mb < MEMORY_GOAL, " MB")
    for k in STREAMED:  # flat: no more at the largest size than at the smallest, give or take
        grew = at[k][1] - results[small][k][1]
        target(f"{k} peak memory at {big:,} - at {small:,}", grew, "<= 10 MB", grew <= 10, " MB")
    for k in LINEAR:
        count = events if k == "audit verify" else {s: results[s]["data call-offs"] for s in sizes}
        per = (at[k][0] / count[big]) / (results[small][k][0] / count[small])
        unit = "event" if k == "audit verify" else "call-off"
        name = f"{k} time per {unit} at {big:,} / at {small:,} (linear)"
        target(name, per, "<= 1.50", per <= 1.5)
    if big >= 100_000:  # issue 33: 59 to 69 s before one marker per package
        ocds = at["publish ocds --output"][0]
        target(f"publish ocds --output at {big:,}", ocds, "<= 20 s", ocds <= 20, " s")
    h = help_ours / help_theirs
    target("calloff --help / sqlite-utils --help", h, "< 0.80", h < 0.8)
    imp = at["spend import 10k"][0] / results[min(sizes)]["spend import 10k"][0]
    target(f"spend import at {big:,} / at {min(sizes):,}", imp, "<= 2.00", imp <= 2)
    fails = at.get("concurrent lock failures", 0) or 0
    lines.append(
        f"target: 16 officers at once at {big:,}: commands failed for a lock = "
        f"{fails} (goal 0) {'ok' if fails == 0 else 'short'}"
    )
    print("\n".join(lines))
