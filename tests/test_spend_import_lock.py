"""A spend import checks its file before it takes the write lock, so other officers write
meanwhile; whatever they record between the check and the write is checked again inside
the import's write, and a file gone wrong meanwhile writes nothing (issue 33)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import calloff as library
from calloff.actions import spend_write, spending
from calloff.actions.service import Service
from calloff.domain.dates import FinancialYear
from calloff.errors import ImportRejected, InvalidInput
from calloff.store.database import Store
from tests.conftest import Calloff

# Another officer's allocation, in a process of its own, waiting at most a second for the
# lock: were the import holding it, this would fail "busy".
ALLOCATE = """
import sys
from datetime import date
from calloff.actions.service import Service
from calloff.store.database import Store
store = Store.open(sys.argv[1])
print(Service(store, "officer.a").allocate(int(sys.argv[2]), date(2015, 6, 1)).status)
store.close()
"""


@pytest.fixture
def two(leeds: Calloff, add_request: Callable[..., int]) -> Calloff:
    """Call-offs 1 and 2 (£5,000 each to Alder Training, from 1 June 2015) accepted, and
    request 3 not yet allocated."""
    for n in (1, 2):
        leeds.json("allocate", str(add_request()), "--on", "2015-05-20")
        leeds.ok("accept", str(n), "--on", "2015-05-21")
    add_request()
    return leeds


def _file(tmp_path: Path, *lines: tuple[int, str, str]) -> Path:
    path = tmp_path / "invoices.csv"
    rows = [f"{cid},{invoice},2015-06-10,{amount}" for cid, invoice, amount in lines]
    path.write_text("calloff,invoice,date,amount\n" + "\n".join(rows) + "\n")
    return path


FILE = ((1, "INV-1", "1000.00"), (1, "INV-2", "2000.00"), (2, "INV-3", "500.00"))


def _meanwhile(monkeypatch: pytest.MonkeyPatch, change: Callable[[], Any]) -> list[int]:
    """Make `change` between the import's check of its file and its write; the rows each
    check inside the write was given are returned, as the import makes them."""
    real = spending.check_rows

    def check_then_change(*args: Any, **kwargs: Any) -> Any:
        checked = real(*args, **kwargs)
        if not made:
            made.append(change())
        return checked

    made: list[Any] = []

    monkeypatch.setattr(spending, "check_rows", check_then_change)
    again: list[int] = []
    recheck = spend_write.check_rows

    def counted(desk: Any, rows: list[Any], *args: Any, **kwargs: Any) -> Any:
        again.append(len(rows))
        return recheck(desk, rows, *args, **kwargs)

    monkeypatch.setattr(spend_write, "check_rows", counted)
    return again


def _elsewhere(db: Path) -> Service:
    """Another officer's connection to the same file."""
    return Service(Store.open(db), "officer.a")


def _spend(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT calloff_id, invoice, amount_pence FROM spend").fetchall()
    finally:
        conn.close()


def test_another_process_allocates_while_the_import_checks_its_file(two, tmp_path, monkeypatch):
    """The rows are checked before the write lock is taken: another officer's allocation,
    started while they are checked and waiting a second at most, goes through; the import
    then writes every line, and the chain verifies."""
    real = spending.check_rows
    others: list[subprocess.CompletedProcess[str]] = []

    def check_beside_an_allocation(*args: Any, **kwargs: Any) -> Any:
        others.append(
            subprocess.run(
                [sys.executable, "-c", ALLOCATE, str(two.db), "3"],
                env={**os.environ, "CALLOFF_BUSY_TIMEOUT": "1"},
                capture_output=True,
                text=True,
                timeout=120,
            )
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(spending, "check_rows", check_beside_an_allocation)
    with library.open(two.db) as office:
        done = office.import_spend(_file(tmp_path, *FILE), on="2015-07-01")
    assert others[0].returncode == 0, others[0].stderr
    assert others[0].stdout.strip() == "offered"
    assert done.imported == 3 and done.amount == Decimal("3500.00")
    assert two.json("show", "3")["status"] == "offered"
    assert "Audit chain whole" in two.ok("audit", "verify").stdout


def test_a_change_that_bears_on_no_row_is_not_checked_again(two, tmp_path, monkeypatch):
    """An allocation meanwhile is another call-off's: nothing is checked again, every line
    is written, and a preview's fingerprint still holds."""
    with library.open(two.db) as office:
        expect = office.preview_spend(_file(tmp_path, *FILE), on="2015-07-01").fingerprint
        other = _elsewhere(two.db)
        again = _meanwhile(monkeypatch, lambda: other.allocate(3, date(2015, 6, 1)))
        done = office.import_spend(_file(tmp_path, *FILE), on="2015-07-01", expect=expect)
    assert again == [] and done.imported == 3
    assert sorted(_spend(two.db)) == [
        (1, "INV-1", 100000),
        (1, "INV-2", 200000),
        (2, "INV-3", 50000),
    ]


@pytest.mark.parametrize(
    "change, said, rows_again, kept",
    [
        (
            lambda svc: svc.spending.cancel(1, "no longer needed", date(2015, 6, 20)),
            "call-off 1 is cancelled: spend can be recorded only against an accepted call-off",
            2,  # call-off 1's two rows, not call-off 2's
            [],
        ),
        (
            lambda svc: svc.spending.vary(1, Decimal("2500.00"), "fewer days", date(2015, 6, 20)),
            "£2,000.00 would take spend on call-off 1 to £3,000.00, past its value of £2,500.00",
            2,
            [],
        ),
        (
            lambda svc: svc.spending.add_spend(
                2, Decimal("10.00"), date(2015, 6, 10), "inv-2", None, date(2015, 6, 20)
            ),
            "invoice INV-2 from this provider is already recorded (call-off 2, 2015-06-10)",
            3,  # call-off 1's, whose reference was taken, and call-off 2's, invoiced
            [(2, "inv-2", 1000)],
        ),
    ],
    ids=["cancelled", "varied", "reference-taken"],
)
def test_a_change_meanwhile_is_checked_again_and_the_file_refused_whole(
    two, tmp_path, monkeypatch, change, said, rows_again, kept
):
    """Call-off 1 cancelled, varied below what the file adds, or one of its invoice
    references recorded on call-off 2 (the same provider's) after the file was checked:
    the rows of the call-offs concerned are checked again inside the write, the file is
    refused naming the row, and nothing of it is written; the other officer's change
    stands."""
    other = _elsewhere(two.db)
    again = _meanwhile(monkeypatch, lambda: change(other))
    with library.open(two.db) as office, pytest.raises(ImportRejected) as refused:
        office.import_spend(_file(tmp_path, *FILE), on="2015-07-01")
    assert again == [rows_again]
    assert any(said in text for _, text in refused.value.problems), refused.value.problems
    assert _spend(two.db) == kept


def test_spend_meanwhile_on_a_call_off_in_the_file_changes_the_preview(two, tmp_path, monkeypatch):
    """A line recorded meanwhile on a call-off the file invoices changes what the preview
    showed (its spend before the file): the import checks that call-off again and, held to
    the preview's fingerprint, writes nothing; without it, writes the file."""
    path = _file(tmp_path, *FILE)
    with library.open(two.db) as office:
        expect = office.preview_spend(path, on="2015-07-01").fingerprint
        other = _elsewhere(two.db)
        add = other.spending.add_spend
        again = _meanwhile(
            monkeypatch,
            lambda: add(2, Decimal("5.00"), date(2015, 6, 12), "X-1", None, date(2015, 6, 20)),
        )
        with pytest.raises(InvalidInput, match="has changed since it was previewed"):
            office.import_spend(path, on="2015-07-01", expect=expect)
        assert again == [1] and _spend(two.db) == [(2, "X-1", 500)]
        done = office.import_spend(path, on="2015-07-01")
    assert done.imported == 3 and len(_spend(two.db)) == 4 and again == [1]


def test_a_change_the_import_cannot_place_has_the_whole_file_checked_again(
    two, tmp_path, monkeypatch
):
    """A ceiling set meanwhile is none of the call-offs', but the import does not guess what
    such a change bears on: every row is checked again inside the write, and written."""
    other = _elsewhere(two.db)
    again = _meanwhile(
        monkeypatch,
        lambda: other.budget.set_ceiling(
            FinancialYear.parse("2015-16"), "core", Decimal("900000.00"), date(2015, 6, 20)
        ),
    )
    with library.open(two.db) as office:
        done = office.import_spend(_file(tmp_path, *FILE), on="2015-07-01")
    assert again == [3] and done.imported == 3


def test_a_purchase_order_moved_meanwhile_sends_its_row_where_it_now_points(
    two, tmp_path, monkeypatch
):
    """A row naming its call-off by purchase order only: if the order moves to another
    call-off after the file was checked, the row is checked again and written where the
    order points now, as an import started now would write it."""
    with library.open(two.db) as office:
        office.record_po(1, number="PO-7", on="2015-05-22")
        other = _elsewhere(two.db)

        def move() -> None:
            other.spending.record_po(1, "PO-8", date(2015, 6, 20))
            other.spending.record_po(2, "PO-7", date(2015, 6, 20))

        again = _meanwhile(monkeypatch, move)
        path = tmp_path / "by-order.csv"
        path.write_text("calloff,invoice,date,amount,po\n,INV-9,2015-06-10,100.00,PO-7\n")
        office.import_spend(path, on="2015-07-01")
    assert again and _spend(two.db) == [(2, "INV-9", 10000)]
