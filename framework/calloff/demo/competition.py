"""The demo's second framework: a competition on Borsetshire's `either` lot, end to end,
through the command itself.

Borsetshire (fictional, embedded) awards lot 2 by the ranking or by competition. The steps
below are `calloff` command lines: `calloff demo` runs each as typed and prints what it
says. They open a competition among five providers, record three bids and a no-bid, have
a fifth provider's late bid refused,
award to the highest total (a tie broken by rank), have an acceptance inside the standstill
refused, accept after it, and write the bidders' letters and the award record.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from calloff.documents.competition_view import letter_name

if TYPE_CHECKING:
    from calloff.demo.folder import DemoFolder

DATABASE = "competition.db"
FILES = tuple(DATABASE + suffix for suffix in ("", "-wal", "-shm", "-journal"))
# name, VAT, price, quality score (None: it says it will not bid, or bids too late)
BIDDERS = [
    ("Ashgrove Restorative Partners", "standard", "12000", "80"),
    ("Brookside Conferencing CIC", "exempt", "9000", "60"),
    ("Copperfield Family Practice", "exempt", "10000", "70"),
    ("Dunmore Circles Ltd", "standard", None, None),
    ("Eastwell Practice Ltd", "standard", None, None),
]
RECORD = "record-competition-1.md"


def steps(folder: DemoFolder) -> list[tuple[list[str], bool]]:
    """Each command line (without `calloff`), and whether it is meant to be refused. The
    files the commands write are claimed in the demo's record first."""
    d = folder.directory
    folder.written.extend(FILES)
    folder.written.extend(
        f"{letter_name(1, n, name)}.md" for n, (name, _, price, _) in enumerate(BIDDERS, 1) if price
    )
    folder.written.append(RECORD)
    folder.save()
    db = ["--db", str(d / DATABASE)]  # as the account running the demo: its first officer
    run: list[tuple[list[str], bool]] = [
        (["init", "--framework", "borsetshire-rp-2026"], False),
    ]
    for name, vat, _, _ in BIDDERS:
        run.append((["provider", "add", name, "--vat", vat, "--on", "2026-04-01"], False))
    run += [
        (["rank", "set", "2", "1", "2", "3", "4", "5", "--on", "2026-04-01"], False),
        (["request", "add", "--lot", "2", "--title", "Family group conferencing for 12 families",
          "--start", "2026-09-01", "--end", "2026-12-18", "--value", "10000",
          "--on", "2026-05-01"], False),
        (["competition", "open", "1", "--closes", "2026-05-15", "--on", "2026-05-01"], False),
    ]  # fmt: skip
    for day, (name, _, price, score) in zip((11, 12, 15, 13), BIDDERS[:4], strict=True):
        on = f"2026-05-{day}"
        if price is None:
            run.append((["competition", "no-bid", "1", name, "--reason",
                         "no trainer free in the autumn", "--on", on], False))  # fmt: skip
        else:
            run.append((["competition", "bid", "1", name, "--price", price, "--score",
                         f"quality={score}", "--on", on], False))  # fmt: skip
    run += [
        (["competition", "bid", "1", BIDDERS[4][0], "--price", "8500", "--score", "quality=75",
          "--on", "2026-05-18"], True),
        (["competition", "show", "1"], False),
        (["competition", "award", "1", "--on", "2026-05-18"], False),
        (["accept", "1", "--on", "2026-05-28"], True),
        (["accept", "1", "--on", "2026-05-29"], False),
        (["competition", "letters", "1", "--output-dir", str(d)], False),
        (["record", "1", "--output", str(d / RECORD)], False),
    ]  # fmt: skip
    return [(db + args, refused) for args, refused in run]


def database(folder: DemoFolder) -> Path:
    return folder.directory / DATABASE
