"""The report's programme figure: practitioners trained on completed call-offs against the
definition's target, and the cost per practitioner, per lot and in total, worked by hand;
and the definition's `practitioners_target`, validated on load."""

from __future__ import annotations

import csv
import io

import pytest

import calloff
from calloff.domain import definition
from calloff.errors import DefinitionError
from tests.conftest import Calloff


def two_lots(path) -> calloff.Office:
    """Two call-offs completed: lot 4 (Alder, 30 invoiced attendees, £6,000.00) and lot 5
    (Birch, 20 attendees, £3,000.00); a third on lot 4, accepted and invoiced for 10
    attendees (£1,000.00) but not completed; a fourth completed with no attendees recorded."""
    office = calloff.create(path)
    office.add_provider("Alder Training", on="2015-04-01")
    office.add_provider("Birch Practice Ltd", on="2015-04-01")
    office.set_ranking(lot=4, providers=[1], on="2015-04-01")
    office.set_ranking(lot=5, providers=[2], on="2015-04-01")
    office.set_ranking(lot=3, providers=[2], on="2015-04-01")
    for lot, value in ((4, "6000"), (5, "3000"), (4, "2000"), (3, "500")):
        need = office.add_request(
            lot=lot, title=f"Lot {lot}", start="2015-06-01", value=value, on="2015-05-01"
        )
        made = office.allocate(need.id, on="2015-05-02").calloff
        assert made is not None
        office.accept(made.id, on="2015-05-03")
    spend = office.add_spend
    spend(1, amount="6000", invoice_date="2015-07-01", invoice="A-1", attendees=30)
    spend(2, amount="1000", invoice_date="2015-06-20", invoice="B-1", attendees=8)
    spend(2, amount="2000", invoice_date="2015-07-02", invoice="B-2", attendees=12)
    spend(3, amount="1000", invoice_date="2015-07-03", invoice="A-2", attendees=10)
    spend(4, amount="500", invoice_date="2015-07-04", invoice="B-3")
    office.complete(1, on="2015-07-10")
    office.complete(2, on="2015-07-11")
    office.complete(4, on="2015-07-12")
    return office


def test_programme_figures_by_hand(tmp_path):
    """50 trained of 6,000 (0.8%); £200.00 on lot 4, £150.00 on lot 5, £180.00 in total
    (£9,000.00 ÷ 50): the call-off not yet completed and the one with no attendees recorded
    are not counted, nor is their spend."""
    with two_lots(tmp_path / "p.db") as office:
        p = office.report(year="2015-16", quarter=2)["programme"]
    assert (p["as_at"], p["target"], p["trained"], p["share_of_target"]) == (
        "2015-09-30",
        6000,
        50,
        "0.8",
    )
    assert (p["calloffs"], p["spent"], p["cost_per_practitioner"]) == (2, "9000.00", "180.00")
    by_lot = [
        (r["lot"], r["calloffs"], r["trained"], r["spent"], r["cost_per_practitioner"])
        for r in p["by_lot"]
    ]
    assert by_lot == [(4, 1, 30, "6000.00", "200.00"), (5, 1, 20, "3000.00", "150.00")]


def test_programme_counts_a_completion_from_its_date_and_event(tmp_path):
    """At the end of Q1 nothing was completed: nobody trained, no cost per practitioner;
    as recorded before the completions, Q2 shows none either."""
    with two_lots(tmp_path / "p.db") as office:
        q1 = office.report(year="2015-16", quarter=1)["programme"]
        before = office.audit()[-3].id - 1  # the event before the first completion
        early = office.report(year="2015-16", quarter=2, as_recorded=before)["programme"]
    assert (q1["trained"], q1["cost_per_practitioner"], q1["by_lot"]) == (0, None, [])
    assert (q1["share_of_target"], q1["spent"]) == ("0.0", "0.00")
    assert (early["trained"], early["calloffs"]) == (0, 0)


def test_cost_per_practitioner_rounds_half_up_to_the_penny(tmp_path):
    """£1,000.00 for 3 practitioners is £333.33; £1,000.01 for 2 is £500.01 (500.005 up)."""
    from decimal import Decimal

    from calloff.reports.programme import cost_per_head

    assert cost_per_head(Decimal("1000.00"), 3) == Decimal("333.33")
    assert cost_per_head(Decimal("1000.01"), 2) == Decimal("500.01")
    assert cost_per_head(Decimal("5.00"), 0) is None


def test_a_framework_without_a_target_shows_none(tmp_path):
    with calloff.create(tmp_path / "n.db", framework="nottingham-rp-2023") as office:
        first = office.framework.term.start
        year = f"{first.year}-{(first.year + 1) % 100:02d}"
        p = office.report(year=year)["programme"]
    assert (p["target"], p["share_of_target"], p["trained"]) == (None, None, 0)


def test_every_format_shows_the_figure_and_the_csv_keeps_its_columns(tmp_path):
    """Markdown and HTML print the figure; the CSV's columns are those it always had."""
    two_lots(tmp_path / "calloff.db").close()
    cli = Calloff(tmp_path / "calloff.db")
    md = cli.ok("report", "quarterly", "--year", "2015-16", "--quarter", "2").stdout
    html = cli.ok(
        "report", "quarterly", "--year", "2015-16", "--quarter", "2", "--format", "html"
    ).stdout
    text = "50 practitioners trained on 2 call-offs completed by 2015-09-30, against a target of 6,000 (0.8%)"  # noqa: E501
    for shown in (md, html):
        assert text in shown and "Cost per practitioner trained: £180.00" in shown
        assert "£200.00" in shown and "£150.00" in shown
    assert "| **Total** | **2** | **50** | **£9,000.00** | **£180.00** |" in md
    out = cli.ok("report", "quarterly", "--year", "2015-16", "--quarter", "2", "--format", "csv")
    header = next(csv.reader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert "trained" not in header and "cost_per_practitioner" not in header
    assert header[-2:] == ["audit_event", "audit_head"]


def test_leeds_sets_its_target_and_others_none():
    assert definition.embedded("leeds-rp-2015").practitioners_target == 6000
    assert definition.embedded("nottingham-rp-2023").practitioners_target is None
    assert definition.embedded("borsetshire-rp-2026").practitioners_target is None


def _leeds_with(line: str) -> str:
    from importlib import resources

    text = resources.files("calloff").joinpath("definitions/leeds-rp-2015.toml").read_text("utf-8")
    return text.replace("practitioners_target = 6000", line)


@pytest.mark.parametrize("value", ["0", "-1", "6000.5", '"6000"', "true", "10000001"])
def test_a_bad_target_is_refused_on_load(value):
    with pytest.raises(DefinitionError) as refused:
        definition.parse(_leeds_with(f"practitioners_target = {value}"), "leeds.toml")
    assert str(refused.value) == (
        "leeds.toml: practitioners_target must be a whole number of practitioners from 1 to "
        "10,000,000, such as 6000"
    )


def test_a_target_may_be_left_out():
    assert definition.parse(_leeds_with(""), "x.toml").practitioners_target is None
    assert (
        definition.parse(_leeds_with("practitioners_target = 450"), "x.toml").practitioners_target
        == 450
    )


def test_a_definition_files_target_is_kept_in_the_database(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text(_leeds_with("practitioners_target = 450"), encoding="utf-8")
    with calloff.create(tmp_path / "own.db", definition_file=own) as office:
        assert office.framework.practitioners_target == 450
    with calloff.open(tmp_path / "own.db") as office:
        assert office.report(year="2015-16", quarter=1)["programme"]["target"] == 450


def test_a_leeds_database_from_before_the_target_is_given_6000_on_upgrade(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    calloff.create(path).close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE framework DROP COLUMN practitioners_target")
    # ... and what schema 12 added (messages), to be schema 10 again.
    for table in ("outbox", "offer_links"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("ALTER TABLE providers DROP COLUMN email")
    conn.execute("ALTER TABLE framework DROP COLUMN publishing_contact")
    # ... and what schema 13 added (the framework's facts, two more provider statuses).
    from calloff.store import facts

    for column in facts.COLUMNS:
        conn.execute(f"ALTER TABLE framework DROP COLUMN {column}")
    for column in ("supported_employment", "public_service_mutual"):
        conn.execute(f"ALTER TABLE providers DROP COLUMN {column}")
    # ... and what schema 14 added (purchase orders and invoice lines' codes).
    conn.execute("DROP INDEX calloffs_purchase_order")
    conn.execute("DROP INDEX spend_purchase_order")
    conn.execute("ALTER TABLE calloffs DROP COLUMN purchase_order")
    for column in ("cost_centre", "gl_code", "purchase_order"):
        conn.execute(f"ALTER TABLE spend DROP COLUMN {column}")
    conn.execute("ALTER TABLE framework DROP COLUMN finance")
    # ... and what schema 15 added (split purchases: the window and its index).
    conn.execute("DROP INDEX calloffs_provider_lot")
    conn.execute("ALTER TABLE framework DROP COLUMN aggregation_days")
    # ... and what schemas 16 to 18 added (the seal by parts, two indexes).
    conn.execute("DROP TABLE seal_parts")
    for index in ("spend_received", "provider_status_provider", "unavailability_provider"):
        conn.execute(f"DROP INDEX {index}")
    conn.execute("PRAGMA user_version = 10")
    conn.commit()
    conn.close()
    with calloff.open(path) as office:
        assert office.framework.practitioners_target == 6000
        # Schema 13 fills in Leeds' facts, so the report has its estimated value too.
        estimate = office.report(year="2015-16")["estimated_value"]
        assert estimate is not None and estimate["estimated_value"] == "260000.00"
