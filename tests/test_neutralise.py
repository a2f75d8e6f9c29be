"""A CSV cell that a spreadsheet would read as a formula is neutralised with a leading
quote, and so is one that does so once normalised (issue 32): a full-width "＝", a small
"﹦", a superscript "⁺" are "=", "=" and "+" under NFKC, which some programs apply."""

from __future__ import annotations

import csv
import io
import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from calloff.reports.files import FORMULA_STARTERS, neutralise

STARTERS = ("=", "+", "-", "@", "\t", "\r")
# Every character whose compatibility form begins a formula: "＝", "﹢", "₌", "⩵" ("==").
LOOKALIKES = [
    chr(c)
    for c in range(0x110000)
    if not 0xD800 <= c <= 0xDFFF
    and unicodedata.normalize("NFKC", chr(c))[:1] in STARTERS
    and chr(c) not in STARTERS
]


def starts_a_formula(text: str) -> bool:
    """What a program that normalises text sees: the cell begins a formula."""
    return unicodedata.normalize("NFKC", text[:1])[:1] in STARTERS


def test_the_lookalikes_include_the_full_width_and_small_forms():
    assert set("＝＋－＠﹦﹢﹣﹫⁺₊⁼₌⩵") <= set(LOOKALIKES)
    assert set(FORMULA_STARTERS) == set(STARTERS)


@given(
    st.one_of(
        st.text(),
        st.tuples(st.sampled_from(LOOKALIKES + list(STARTERS)), st.text()).map("".join),
    )
)
@example('＝HYPERLINK("http://example.invalid")')
@example("﹦1+1")
@example("＠SUM(1)")
@example("－5")
@example("=\u0338 composes to ≠ under NFC, but the cell still begins with =")
def test_no_neutralised_cell_begins_a_formula_and_the_text_is_kept(text: str):
    cell = neutralise(text)
    assert not starts_a_formula(cell)
    if unicodedata.normalize("NFKC", text)[:1] in STARTERS:
        assert unicodedata.normalize("NFKC", cell[:1]) not in STARTERS
    if starts_a_formula(text) or text[:1] in STARTERS:
        assert cell == "'" + text
    else:
        assert cell == text


def test_numbers_stay_numbers():
    assert neutralise(-5) == -5


def test_a_full_width_formula_in_the_report_csv_is_quoted(leeds, add_request):
    name = '＝HYPERLINK("http://example.invalid")'
    leeds.ok("provider", "add", name)
    leeds.ok("rank", "set", "2", "4")
    add_request("--title", "﹢1 extra day", lot=2, on="2015-05-01")
    leeds.json("allocate", "1", "--on", "2015-05-01")
    text = leeds.ok(
        "report", "quarterly", "--year", "2015-16", "--quarter", "1", "--format", "csv"
    ).stdout
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["provider_name"] == "'" + name
