"""The outputs that grow with the records are written as they are read (issue 33): the
compliance calendar, the payments compliance notice's invoices, the Transparency Code's
spend file and the HTML and Markdown report. Each gives the same bytes as the document
built whole; these tests check that each comes as an iterator read a piece at a time,
never how long it takes or how much memory it uses.

The database is tests/test_publishing.py's Procurement Act one (CO1 and CO2, invoices P1
to P7), with CO1 varied by more than 10% and CO2 completed, and three items recorded
published: CO1's details notice on time, Q1's spend file late, CO2's details after the
day the calendar is read as at.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import calloff
from calloff.documents import json_pieces, sandbox
from calloff.publishing import files
from calloff.store import calendar_rows
from tests.conftest import Calloff
from tests.test_publishing import build_pa2023, pa2023_definition

ON = "2026-12-01"


@pytest.fixture(scope="module")
def act_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("streamed")
    cl = Calloff(folder / "calloff.db")
    build_pa2023(cl, pa2023_definition(folder))
    cl.ok("vary", "1", "--value", "170000", "--reason", "a second cohort", "--on", "2026-06-01")
    cl.ok("complete", "2", "--on", "2026-08-01")
    cl.ok("published", "calloff-1-details", "--on", "2026-04-20", "--reference", "UK7-1")
    cl.ok("published", "SPEND-2026-27-Q1", "--on", "2026-09-01")
    cl.ok("published", "calloff-2-details", "--on", "2026-12-05")
    return cl.db


@pytest.fixture
def office(act_db) -> Iterator[calloff.Office]:
    with calloff.open(act_db) as opened:
        yield opened


def taken(pieces: Iterator[str], source: list[int]) -> tuple[str, list[int]]:
    """The first piece, and how many rows its source had given by then."""
    return next(pieces), list(source)


# -- the compliance calendar ------------------------------------------------------------


def test_the_calendar_streamed_is_the_calendar_listed(office):
    """`due(stream=True)` gives the same counts and the same items, one at a time."""
    for everything in (False, True):
        listed = office.due(on=ON, all=everything)
        streamed = office.due(on=ON, all=everything, stream=True)
        assert isinstance(streamed["items"], Iterator)
        assert {**streamed, "items": list(streamed["items"])} == listed
    assert (listed["open"], listed["published"]) == (len(listed["items"]) - 2, 2)


def test_the_calendar_is_overdue_first_then_by_deadline_and_name(office):
    """Merged from one query per kind, the items are in the calendar's order, and the
    counts are what the items say: CO1's details published on time, Q1's spend late;
    CO2's details, recorded published on 5 December, are open as at 1 December."""
    items = office.due(on=ON, all=True)["items"]
    keys = [(not i["overdue"], i["due_by"], i["item"]) for i in items]
    assert keys == sorted(keys)
    kinds = {i["kind"] for i in items}
    assert kinds == {
        "details",
        "change",
        "termination",
        "spend",
        "contracts",
        "payments",
        "payment-performance",
    }
    by_name = {i["item"]: i for i in items}
    assert by_name["calloff-1-details"]["published_on"] == "2026-04-20"
    assert by_name["calloff-1-details"]["reference"] == "UK7-1"
    assert by_name["spend-2026-27-Q1"]["published_late"] is True
    assert by_name["calloff-2-details"]["published_on"] is None
    assert by_name["calloff-2-details"]["overdue"] is True
    counted = office.due(on=ON)
    assert counted["overdue"] == sum(1 for i in items if i["overdue"])
    assert counted["open"] == sum(1 for i in items if i["published_on"] is None)


def test_a_page_of_the_calendar_reads_no_further(office):
    """A page is the stream's slice: the same as the list's."""
    everything = office.due(on=ON, all=True)["items"]
    page = office.due(on=ON, all=True, limit=3, offset=2)
    assert page["items"] == everything[2:5]


def test_due_json_is_written_item_by_item(act_db, office):
    """`calloff due --json` writes what json.dumps would of the whole document, and each
    piece is written before the next item is read."""
    whole = json.dumps(office.due(on=ON, all=True), indent=2, ensure_ascii=False) + "\n"
    assert Calloff(act_db).ok("due", "--on", ON, "--all", "--json").stdout == whole

    read: list[int] = []
    items = office.due(on=ON, all=True)["items"]

    def rows() -> Iterator[dict]:
        for n, item in enumerate(items):
            read.append(n)
            yield item

    pieces = json_pieces.pieces({**office.due(on=ON, all=True), "items": rows()})
    while '"items": ' not in next(pieces):
        pass
    assert read == []  # the counts are written before any item is read
    for n, _ in enumerate(pieces, start=1):
        assert len(read) == min(n, len(items))
    assert read == list(range(len(items)))


def test_json_pieces_are_json_dumps(office):
    """Iterators anywhere among the document's own keys, empty ones too, as json writes
    the lists they stand for."""
    documents = [
        {},
        {"a": 1},
        {"rows": [], "count": 0},
        {"x": {"y": [1, {"z": []}]}, "rows": [{"a": [1, 2]}, {}], "s": "é\n\u2028"},
        office.due(on=ON, all=True),
    ]
    for document in documents:
        lazy = {k: iter(v) if isinstance(v, list) else v for k, v in document.items()}
        want = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        assert "".join(json_pieces.pieces(lazy)) == want


def test_an_item_is_found_among_its_calloffs_items_alone(office, monkeypatch):
    """`published ITEM` and a notice look a call-off's item up among that call-off's own
    items, and a quarter's among the periods', not through every call-off."""
    asked: list[int | None] = []
    rows = calendar_rows.rows

    def counting(store, kind, params, everything=True, only=None):
        asked.append(only)
        return rows(store, kind, params, everything, only)

    monkeypatch.setattr(calendar_rows, "rows", counting)
    assert office.due_item("CALLOFF-1-CHANGE-1", on=ON)["due_by"] == "2026-05-31"
    assert asked and set(asked) == {1}
    asked.clear()
    assert office.due_item("payments-2026-27-q2", on=ON)["due_by"] == "2026-10-29"
    assert asked == []
    for missing in ("calloff-9-details", "calloff-x-details", "calloff-" + "9" * 40, "nope"):
        with pytest.raises(calloff.NotFound):
            office.due_item(missing, on=ON)


# -- publications ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "period", "columns"),
    [
        ("payment-performance", {"half": "2026-27-H1"}, None),
        ("spend", {"year": "2026-27", "quarter": 1}, None),
        ("spend", {"year": "2026-27", "quarter": 2}, "lga"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_publication_in_pieces_is_the_file_whole(office, name, period, columns, fmt):
    whole = office.publication_file(name, format=fmt, columns=columns, **period)
    pieces = office.publication_file(name, format=fmt, columns=columns, pieces=True, **period)
    assert isinstance(pieces.text, Iterator)
    assert "".join(pieces.text) == whole.text
    assert pieces.period_end == whole.period_end


def test_the_rows_are_read_as_the_file_is_written(act_db, monkeypatch):
    """With a flush after every row, each piece of the CSV follows one more row read from
    the database: the invoices behind the payments notice and the spend file's rows are
    iterators over the query's cursor, never a list."""
    from calloff.domain.dates import FinancialYear
    from calloff.publishing.payments import HalfYear, performance
    from calloff.publishing.transparency import spend
    from calloff.store.database import Store

    monkeypatch.setattr(files, "FLUSH", 1)
    store = Store.open(act_db)
    try:
        notice = performance(store, HalfYear.parse("2026-27-H1"), stream=True)
        assert inspect.isgenerator(notice["invoices"])
        read: list[str] = []
        source = notice["invoices"]

        def counted() -> Iterator[dict]:
            for row in source:
                read.append(row["invoice"])
                yield row

        pieces = files.csv_pieces({**notice, "invoices": counted()})
        head = next(pieces)  # the figures, the table's header and its first row
        assert head.startswith("\ufeffmeasure,value\n") and len(read) == 1
        for n, piece in enumerate(pieces, start=2):
            if piece:  # then one row a piece, each read just before it is written
                assert piece.count("\n") == 1 and len(read) == n
        listed = performance(store, HalfYear.parse("2026-27-H1"))["invoices"]
        assert read == [i["invoice"] for i in listed] == ["P1", "P2", "P3", "P7", "P6", "P4"]
        year = FinancialYear.parse("2026-27")
        quarter = spend(store, year, 2, stream=True)
        assert inspect.isgenerator(quarter["rows"])
        rows = [r["invoice"] for r in quarter["rows"]]
        assert rows == [r["invoice"] for r in spend(store, year, 2)["rows"]]
        assert quarter["count"] == len(rows) > 0
    finally:
        store.close()


def test_a_workbook_reads_its_rows_once_and_writes_them_a_row_at_a_time(office):
    """A sheet's rows may be an iterator: read once (their widths measured on the way to a
    temporary file), then written row by row, giving the bytes a list gives. The files
    asked for in pieces are the same bytes as those asked for whole."""
    from decimal import Decimal

    from calloff.documents.workbook import Number, Sheet, workbook

    table = [
        ["P1", Decimal("30000.00"), date(2026, 5, 31), True, None, Number(Decimal("27.5")), 3],
        ["=SUM(A1)", Decimal("-0.01"), None, False, "Café Ŵyn", Number(4, "0"), 0],
    ]
    header = ("invoice", "amount", "paid", "flag", "note", "days", "count")
    read: list[int] = []

    def rows() -> Iterator[list]:
        for n, row in enumerate(table):
            read.append(n)
            yield row

    whole = workbook([Sheet("Rows", header, table)], title="t")
    assert workbook([Sheet("Rows", header, rows())], title="t") == whole
    assert read == [0, 1]
    for name, period in (("payment-performance", {"half": "2026-27-H1"}), ("spend", {})):
        period = period or {"year": "2026-27", "quarter": 2}
        one = office.publication_file(name, format="xlsx", **period).text
        assert office.publication_file(name, format="xlsx", pieces=True, **period).text == one


def test_the_payments_notice_reads_its_half_year_alone(act_db):
    """Each of the notice's queries finds its invoices through an index (paid in the half
    year: `spend_paid`; fell due in it: `spend_received`, by the day received), never by
    reading every invoice line there is."""
    from calloff.publishing.payments import HalfYear, performance
    from calloff.store.database import Store

    store = Store.open(act_db)
    try:
        ran: list[str] = []
        store.db.conn.set_trace_callback(ran.append)
        notice = performance(store, HalfYear.parse("2026-27-H1"))
        store.db.conn.set_trace_callback(None)
        assert notice["figures"]["payable_in_period"] == 6  # all but P5, due 5 October
        on_spend = [sql for sql in ran if "FROM spend sp" in sql]
        assert len(on_spend) == 3
        for sql in on_spend:
            plan = " | ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "SCAN sp" not in plan, plan
            assert "spend_received" in plan or "spend_paid" in plan, plan
    finally:
        store.close()


# -- the report --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_in_pieces_is_the_report_whole(office, monkeypatch, fmt):
    monkeypatch.setattr(sandbox, "BATCH", 200)
    whole = office.report_file(year="2026-27", format=fmt)
    pieces = office.report_file(year="2026-27", format=fmt, pieces=True)
    assert isinstance(pieces, Iterator)
    parts = list(pieces)
    assert len(parts) > 10 and "".join(parts) == whole


def test_the_report_drawn_reads_its_listings_as_it_goes(act_db):
    """For a template, a quarter's listings are read from the database as it goes through
    them: not lists, yet they have a length, a truth and the same rows, every time."""
    from calloff.domain.dates import FinancialYear
    from calloff.reports.quarterly import quarterly
    from calloff.store.database import Store

    store = Store.open(act_db)
    try:
        year = FinancialYear.parse("2026-27")
        listed, lazy = quarterly(store, year, 1), quarterly(store, year, 1, lazy=True)
        for key in ("calloffs_raised", "awaiting_answer"):
            rows = lazy["quarters"][0][key]
            assert not isinstance(rows, list)
            assert list(rows) == list(rows) == listed["quarters"][0][key]
            assert len(rows) == len(listed["quarters"][0][key])
            assert bool(rows) == bool(listed["quarters"][0][key])
        assert len(lazy["quarters"][0]["calloffs_raised"]) == 2
        assert not lazy["quarters"][0]["awaiting_answer"]
    finally:
        store.close()


def test_a_slow_reader_costs_the_template_none_of_its_time(office, monkeypatch):
    """The time limit counts the template's own running: a reader that takes longer than
    the limit between pieces does not stop it, and a template that runs too long still
    stops with one line naming it."""
    monkeypatch.setattr(sandbox, "BATCH", 200)
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.3)
    pieces = office.report_file(year="2026-27", format="html", pieces=True)
    drawn = [next(pieces)]
    time.sleep(0.4)
    drawn += list(pieces)
    assert "".join(drawn) == office.report_file(year="2026-27", format="html")

    env = sandbox.BoundedEnvironment()
    endless = env.from_string(
        "x{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(calloff.CalloffError, match=r"still running after 0\.3 seconds"):
        list(sandbox._batches(endless, "loop.j2", {}, [0.3]))


def test_a_calendar_before_anything_happened_is_empty(office):
    """The calendar as at a day before anything happened is empty, streamed or not."""
    early = office.due(on=date(2026, 3, 1), all=True, stream=True)
    assert list(early["items"]) == [] and early["open"] == 0
