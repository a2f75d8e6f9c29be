"""What the bidders' letters show of the price (issue 32), with figures worked by hand.

Price points are the lowest price ÷ the bid's price × the price weight, so a bidder who
knows its own price and its price points knows the lowest price. Where that is the
winner's it is public anyway (the call-off's value) and the letters give price points and
totals as before; where it is another bidder's, every letter leaves out the price points
and the totals (a total less the quality points the letter shows is the price points).

Borsetshire, request 1 on lot 2, weights quality 60, price 40, awarded 18 May 2026.
"""

from __future__ import annotations

import pytest

from tests.test_competition import bid, opened, request

WITHHELD = (
    "Price points are withheld because they would disclose another bidder's price; so are "
    "the totals, from which they could be worked out."
)
FILES = {
    "Alder": "competition-1-letter-1-alder-training",
    "Birch": "competition-1-letter-2-birch-practice-ltd",
    "Cedar": "competition-1-letter-3-cedar-conferencing",
}


def letters(c, tmp_path, *bids, fmt="md"):
    """Competition 1 with these bids, dated 10 May, awarded 18 May: each bidder's letter."""
    opened(c, request(c))
    for name, price, quality in bids:
        bid(c, 1, name, price, quality)
    c.ok("competition", "award", "1", "--on", "2026-05-18")
    c.ok("competition", "letters", "1", "--output-dir", str(tmp_path), "--format", fmt)
    return {
        who: (tmp_path / f"{stem}.{fmt}").read_text()
        for who, stem in FILES.items()
        if (tmp_path / f"{stem}.{fmt}").exists()
    }


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_winner_on_quality_gets_no_price_points_in_any_letter(borsetshire, tmp_path, fmt):
    """Cedar wins on quality; Birch's £9,000 is the lowest price.

      Alder  £12,000, quality 55: 9,000/12,000 × 40 = 30.00 + 55 × 0.6 = 33.00: 63.00
      Birch   £9,000, quality 65: 40.00 + 39.00: 79.00
      Cedar  £10,000, quality 80: 9,000/10,000 × 40 = 36.00 + 48.00: 84.00, wins

    From Alder's letter as it was (own price points 30.00 on £12,000, weight 40) the lowest
    price is £12,000 × 30 ÷ 40 = £9,000, Birch's; from its 63.00 total less its 33.00
    quality points, the same; and from the winner's 84.00 less 48.00, £10,000 × 36 ÷ 40.
    No letter gives a price point or a total now."""
    got = letters(
        borsetshire,
        tmp_path,
        ("Alder Training", "12000", "55"),
        ("Birch Practice Ltd", "9000", "65"),
        ("Cedar Conferencing", "10000", "80"),
        fmt=fmt,
    )
    assert set(got) == {"Alder", "Birch", "Cedar"}
    for who, text in got.items():
        assert WITHHELD in text, who
        assert "Price points (of" not in text and "Total (of 100)" not in text, who
        for figure in ("30.00", "40.00", "36.00", "63.00", "79.00", "84.00"):
            assert figure not in text, (who, figure)
        if who != "Birch":
            assert "9,000" not in text, who
    alder, cedar = got["Alder"], got["Cedar"]
    assert "£12,000.00" in alder and "£10,000.00" in alder  # its own price, the winner's
    assert "Your bid was placed 3 of the 3 bids scored." in alder
    assert "Your bid scored highest" in cedar and "48.00" in cedar and "Alder" not in cedar
    if fmt == "md":
        assert "| Quality of the proposed delivery: score (of 100) | 55.00 | 80.00 |" in alder
        assert "| Quality of the proposed delivery: points (of 60) | 33.00 | 48.00 |" in alder
        assert "| Price | £12,000.00 | £10,000.00 |" in alder


def test_a_winner_with_the_lowest_price_keeps_the_price_points(borsetshire, tmp_path):
    """Alder's £8,000 is the lowest price and wins; Cedar's total equals it and loses on rank.

      Alder  £8,000, quality 75: 40.00 + 75 × 0.6 = 45.00: 85.00, wins (rank 1)
      Birch  £9,600, quality 80: 8,000/9,600 × 40 = 33.333… → 33.33 + 48.00: 81.33
      Cedar  £8,000, quality 75: 40.00 + 45.00: 85.00, level with Alder (rank 3)

    The lowest price is the winner's, public as the call-off's value: nothing is withheld."""
    got = letters(
        borsetshire,
        tmp_path,
        ("Alder Training", "8000", "75"),
        ("Birch Practice Ltd", "9600", "80"),
        ("Cedar Conferencing", "8000", "75"),
    )
    birch, cedar, alder = got["Birch"], got["Cedar"], got["Alder"]
    assert "| Price | £9,600.00 | £8,000.00 |" in birch
    assert "| Price points (of 40) | 33.33 | 40.00 |" in birch
    assert "| Quality of the proposed delivery: points (of 60) | 48.00 | 45.00 |" in birch
    assert "| **Total (of 100)** | **81.33** | **85.00** |" in birch
    assert "Your bid was placed 3 of the 3 bids scored." in birch
    assert "whose bid's total equalled yours: a tie goes to the better rank" in cedar
    assert "| **Total (of 100)** | **85.00** | **85.00** |" in cedar
    assert "| Price points (of 40) | 40.00 |" in alder
    assert "| **Total (of 100)** | **85.00** |" in alder
    for text in got.values():
        assert "withheld" not in text
