"""`calloff due`, `calloff published` and `calloff publish notice`: the compliance calendar
and the notices, with every deadline worked by hand.

"Within 30 days beginning with" a day counts that day as day 1: a call-off entered into on
3 April 2026 has its contract details notice due by 2 May (3 April + 29 days).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calloff.publishing.calendar import needs_change_notice, within
from tests import ocds_schema
from tests.conftest import Calloff
from tests.test_publishing import build_leeds, build_pa2023, pa2023_definition


def due(cl: Calloff, *extra: str) -> dict:
    return cl.json("due", *extra)


def deadlines(calendar: dict) -> dict[str, str]:
    return {i["item"]: i["due_by"] for i in calendar["items"]}


@pytest.fixture(scope="module")
def act_db(tmp_path_factory) -> Path:
    """The pa2023 database of tests/test_publishing.py (CO1 £150,000 and CO2 £80,000, both
    entered into on 3 April 2026), then: CO1 varied to £170,000 from 1 June (+13.33%: a
    change notice), CO2 varied to £88,000 from 1 June (+10% exactly: none) and completed
    on 1 August."""
    folder = tmp_path_factory.mktemp("act")
    cl = Calloff(folder / "calloff.db")
    build_pa2023(cl, pa2023_definition(folder))
    cl.ok("vary", "1", "--value", "170000", "--reason", "a second cohort", "--on", "2026-06-01")
    cl.ok("vary", "2", "--value", "88000", "--reason", "more sessions", "--on", "2026-06-01")
    cl.ok("complete", "2", "--on", "2026-08-01")
    return cl.db


@pytest.fixture
def act(act_db) -> Calloff:
    return Calloff(act_db)


@pytest.fixture
def own_act(act_db, tmp_path) -> Calloff:
    import shutil

    shutil.copy(act_db, tmp_path / "calloff.db")
    return Calloff(tmp_path / "calloff.db")


def test_what_a_council_under_the_act_owes(act):
    """As at 1 December 2026 (the Act, not light-touch):
    - details notices, 3 Apr + 29 days = 2 May, for CO1 and CO2;
    - CO1's change notice before 1 June: by 31 May; CO2's +10% needs none;
    - CO2's termination notice, 1 Aug + 29 days = 30 Aug;
    - Q1 (ends 30 Jun): Transparency Code files by 31 Jul, payments by 29 Jul (30 Jun + 29);
    - Q2 (ends 30 Sep): files by 31 Oct, payments by 29 Oct; H1's payments compliance notice
      by 29 Oct. Q3 has not ended, so nothing for it yet."""
    calendar = due(act, "--on", "2026-12-01")
    assert deadlines(calendar) == {
        "calloff-1-details": "2026-05-02",
        "calloff-2-details": "2026-05-02",
        "calloff-1-change-1": "2026-05-31",
        "calloff-2-termination": "2026-08-30",
        "spend-2026-27-Q1": "2026-07-31",
        "contracts-2026-27-Q1": "2026-07-31",
        "payments-2026-27-Q1": "2026-07-29",
        "spend-2026-27-Q2": "2026-10-31",
        "contracts-2026-27-Q2": "2026-10-31",
        "payments-2026-27-Q2": "2026-10-29",
        "payment-performance-2026-27-H1": "2026-10-29",
    }
    assert (calendar["overdue"], calendar["open"], calendar["published"]) == (11, 11, 0)
    assert [i["due_by"] for i in calendar["items"]] == sorted(
        i["due_by"] for i in calendar["items"]
    )
    first = calendar["items"][0]
    assert first["days_overdue"] == (date(2026, 12, 1) - date(2026, 5, 2)).days == 213
    titles = {i["item"]: i["title"] for i in calendar["items"]}
    assert titles["calloff-2-termination"] == (
        "Contract termination notice (UK11) for call-off 2: Conferencing"
    )
    assert titles["calloff-1-details"] == "Contract details notice (UK7) for call-off 1: Deep dive"
    commands = {i["item"]: i["command"] for i in calendar["items"]}
    assert commands["calloff-1-change-1"] == "calloff publish notice 1 --type change --variation 1"
    assert commands["payments-2026-27-Q2"] == "calloff publish payments --year 2026-27 --quarter 2"
    assert (
        commands["payment-performance-2026-27-H1"]
        == "calloff publish payment-performance --half 2026-27-H1"
    )


def test_the_calendar_as_at_an_earlier_day(act):
    """On 1 May 2026 only the two details notices had arisen, due the next day; on 30 June
    the change notice (overdue since 31 May) too, but Q1 had not ended."""
    may = due(act, "--on", "2026-05-01")
    assert deadlines(may) == {"calloff-1-details": "2026-05-02", "calloff-2-details": "2026-05-02"}
    assert [(i["overdue"], i["days_left"]) for i in may["items"]] == [(False, 1), (False, 1)]
    june = due(act, "--on", "2026-06-30")
    assert set(deadlines(june)) == {"calloff-1-details", "calloff-2-details", "calloff-1-change-1"}
    july = due(act, "--on", "2026-07-01")
    assert "spend-2026-27-Q1" in deadlines(july)


def test_published_closes_an_item_from_that_day(own_act):
    """Recorded as published on 20 April: open before that day, closed from it; `--all`
    shows it with the day and whether it was late."""
    done = own_act.json(
        "published", "calloff-1-details", "--on", "2026-04-20", "--reference", "UK7-0001"
    )
    assert (done["published_on"], done["reference"], done["published_late"]) == (
        "2026-04-20",
        "UK7-0001",
        False,
    )
    assert "calloff-1-details" in deadlines(due(own_act, "--on", "2026-04-19"))
    after = due(own_act, "--on", "2026-12-01")
    assert "calloff-1-details" not in deadlines(after)
    assert (after["open"], after["published"]) == (10, 1)
    everything = {i["item"]: i for i in due(own_act, "--on", "2026-12-01", "--all")["items"]}
    assert everything["calloff-1-details"]["published_on"] == "2026-04-20"
    late = own_act.json("published", "SPEND-2026-27-q1", "--on", "2026-08-03")
    assert (late["item"], late["published_late"]) == ("spend-2026-27-Q1", True)
    text = own_act.ok("published", "contracts-2026-27-Q1", "--on", "2026-08-03").stdout
    assert text == (
        "Recorded contracts-2026-27-Q1 as published on 2026-08-03: it was due by 2026-07-31, "
        "3 days late.\n"
    )
    trail = own_act.json("audit")
    recorded = [e for e in trail if e["action"] == "publication.record"]
    assert [e["object_id"] for e in recorded] == [
        "calloff-1-details",
        "spend-2026-27-Q1",
        "contracts-2026-27-Q1",
    ]
    assert own_act.json("audit", "verify")["ok"] is True


def test_published_refusals_write_nothing(own_act):
    own_act.ok("published", "calloff-2-details", "--on", "2026-04-30")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    cases = [
        (("published", "calloff-9-details", "--on", "2026-04-30"), "no due item is called"),
        (("published", "calloff-2-details", "--on", "2026-05-01"), "already recorded"),
        (("published", "calloff-1-details", "--on", "2026-04-02"), "before 2026-04-03"),
        (("published", "spend-2026-27-Q1", "--on", "2026-06-30"), "before 2026-07-01"),
        (("published", "calloff-1-details", "--on", tomorrow), "after today"),
        (("published", "calloff-1-details", "--on", "2026-04-20", "--reference", ""), "empty"),
    ]
    for args, words in cases:
        assert words in own_act.refused(*args), args
    own_act.refused("published", "calloff-1-details", code=2)  # --on is required
    own_act.refused("published", "calloff-1-details", "--on", "20/04/2026", code=2)


def test_a_change_notice_may_be_recorded_before_the_variation(own_act):
    """Before the variation (1 June), but not before the call-off existed (3 April)."""
    assert "before 2026-04-03" in own_act.refused(
        "published", "calloff-1-change-1", "--on", "2026-04-02"
    )
    done = own_act.json("published", "calloff-1-change-1", "--on", "2026-05-20")
    assert (done["due_by"], done["published_late"]) == ("2026-05-31", False)


def test_variations_are_numbered_per_calloff(own_act):
    """CO2's first variation is its number 1, whatever other call-offs were varied before."""
    own_act.ok("vary", "1", "--value", "150000", "--reason", "fewer", "--on", "2026-07-01")
    items = deadlines(due(own_act, "--on", "2026-12-01"))
    assert {i for i in items if "-change-" in i} == {"calloff-1-change-1", "calloff-1-change-2"}
    assert items["calloff-1-change-2"] == "2026-06-30"  # -11.76% from 170,000 on 1 July
    second = notice(own_act, "1", "--type", "change", "--variation", "2")
    assert second["contracts"][0]["amendments"][0]["id"] == "variation-2"
    assert document_of(second)["id"] == "UK10-LEEDS-RP-2026/CO-00001-2"


def test_an_offer_cancelled_before_any_answer_was_never_entered_into(own_act):
    """Cancelled while offered: no contract, an award `cancelled`, no notices owed, and
    the package still builds and validates."""
    rid = own_act.json(
        "request", "add", "--lot", "4", "--title", "Withdrawn", "--start", "2026-07-01",
        "--value", "1000", "--on", "2026-06-01",
    )["id"]  # fmt: skip
    cid = own_act.json("allocate", str(rid), "--on", "2026-06-01")["calloff"]
    own_act.ok("cancel", str(cid), "--reason", "not needed", "--on", "2026-06-02")
    package = json.loads(own_act.ok("publish", "ocds").stdout)
    (release,) = [r for r in package["releases"] if r["ocid"].endswith(f"CO-{cid:05d}")]
    assert release["awards"][0]["status"] == "cancelled" and "contracts" not in release
    for kind in ("details", "termination"):
        line = own_act.refused("publish", "notice", str(cid), "--type", kind)
        assert "was never entered into" in line
    assert not [i for i in deadlines(due(own_act)) if i.startswith(f"calloff-{cid}-")]
    if ocds_schema.ocds_dir():
        ocds_schema.validate(package)


def test_a_backdated_acceptance_is_in_the_calendar_at_once(own_act):
    rid = own_act.json(
        "request", "add", "--lot", "4", "--title", "Late news", "--start", "2026-07-01",
        "--value", "1000", "--on", "2026-06-01",
    )["id"]  # fmt: skip
    cid = own_act.json("allocate", str(rid), "--on", "2026-06-01")["calloff"]
    own_act.ok("accept", str(cid), "--on", "2026-06-02")
    calendar = due(own_act, "--on", "2026-06-15")
    assert deadlines(calendar)[f"calloff-{cid}-details"] == "2026-07-01"  # 2 Jun + 29


def test_light_touch_gives_120_days_and_no_change_notice(tmp_path):
    """Light-touch: 3 Apr + 119 days = 31 Jul; s.75 does not apply, so no change item."""
    text = (
        pa2023_definition(tmp_path).read_text().replace("light_touch = false", "light_touch = true")
    )
    path = tmp_path / "light.toml"
    path.write_text(text)
    cl = Calloff(tmp_path / "calloff.db")
    build_pa2023(cl, path)
    cl.ok("vary", "1", "--value", "170000", "--reason", "r", "--on", "2026-06-01")
    calendar = deadlines(due(cl, "--on", "2026-06-15"))
    assert calendar == {"calloff-1-details": "2026-07-31", "calloff-2-details": "2026-07-31"}
    text = cl.ok("publish", "notice", "1", "--type", "change", "--format", "md").stdout
    assert "Not required: s.75 does not apply to a light-touch contract" in text


@pytest.fixture(scope="module")
def leeds_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("leeds-due") / "calloff.db"
    build_leeds(Calloff(db))
    return db


def test_what_leeds_owes_under_the_2015_regulations(leeds_db):
    """Leeds (pcr2015): each call-off's award on Contracts Finder within 30 days (21 May +
    29 = 19 June; call-off 6, 5 Oct + 29 = 3 Nov), and the Transparency Code files a month
    after each quarter; no change or termination notice, no payments file. As at 1 November
    2015: Q1 and Q2 have ended."""
    calendar = due(Calloff(leeds_db), "--on", "2015-11-01")
    assert calendar["regime"] == "pcr2015"
    assert deadlines(calendar) == {
        **{f"calloff-{n}-details": "2015-06-19" for n in range(1, 6)},
        "calloff-6-details": "2015-11-03",
        "spend-2015-16-Q1": "2015-07-31",
        "contracts-2015-16-Q1": "2015-07-31",
        "spend-2015-16-Q2": "2015-10-31",
        "contracts-2015-16-Q2": "2015-10-31",
    }
    assert calendar["overdue"] == 9
    assert calendar["items"][-1]["item"] == "calloff-6-details"  # the one still to come
    assert calendar["items"][-1]["days_left"] == 2


def test_the_text_lists_overdue_first_with_the_command(leeds_db):
    text = Calloff(leeds_db).ok("due", "--on", "2015-11-01").stdout
    assert text.startswith(
        "Due as at 2015-11-01 (Public Contracts Regulations 2015): 9 overdue, 1 to come, "
        "0 published.\n"
    )
    assert "calloff-1-details  due by 2015-06-19  OVERDUE by 135 days" in text
    assert "calloff-6-details  due by 2015-11-03  due in 2 days" in text
    assert "  Produce it: calloff publish spend --year 2015-16 --quarter 2\n" in text
    assert text.index("OVERDUE") < text.index("due in 2 days")


def test_the_demo_owes_one_overdue_notice(tmp_path):
    """The demo records everything published but call-off 4's award (entered into 18 June
    2015: due by 17 July 2015)."""
    from calloff.demo.leeds import run_demo

    summary = run_demo(tmp_path / "demo")
    assert "1 overdue: calloff-4-details (due by 2015-07-17)" in summary
    calendar = due(Calloff(tmp_path / "demo" / "demo.db"))
    assert [(i["item"], i["due_by"]) for i in calendar["items"]] == [
        ("calloff-4-details", "2015-07-17")
    ]
    assert (calendar["overdue"], calendar["published"]) == (1, 10)


# -- notices ----------------------------------------------------------------------------------


def notice(cl: Calloff, *args: str) -> dict:
    return json.loads(
        cl.ok("publish", "notice", *args, "--format", "json").stdout, parse_float=Decimal
    )


def document_of(release: dict) -> dict:
    (document,) = release["contracts"][0]["documents"]
    return document


def test_the_contract_details_notice(act):
    """UK7 for CO1: the contract as entered into, £150,000.00 (before its variation)."""
    release = notice(act, "1", "--type", "details")
    assert document_of(release)["noticeType"] == "UK7"
    assert release["tag"] == ["contract"]
    contract = release["contracts"][0]
    assert contract["value"]["amount"] == Decimal("150000.00")
    assert "amendments" not in contract and "implementation" not in contract
    assert release["tender"]["procurementMethodDetails"] == (
        "Call-off from framework LEEDS-RP-2026, by ranking (rank 1 on lot 4)"
    )
    text = act.ok("publish", "notice", "1", "--type", "details", "--format", "md").stdout
    assert text.startswith("# Contract details notice (UK7): LEEDS-RP-2026/CO-00001\n")
    assert "| Value | £150,000.00 excluding VAT (£180,000.00 including VAT) |" in text
    assert "Not awarded by competition" in text
    assert "Due by 2026-05-02" in text


def test_the_change_and_termination_notices(act):
    change = notice(act, "1", "--type", "change")
    assert document_of(change)["noticeType"] == "UK10"
    assert change["contracts"][0]["value"]["amount"] == Decimal("170000.00")
    (amendment,) = change["contracts"][0]["amendments"]
    assert amendment["description"] == "Value changed from £150,000.00 to £170,000.00"
    text = act.ok("publish", "notice", "1", "--type", "change", "--format", "md").stdout
    assert "+13.33%" in text and "before the modification" in text
    small = act.ok(
        "publish", "notice", "2", "--type", "change", "--variation", "1", "--format", "md"
    ).stdout
    assert "Not required: the change is 10% of the value or less" in small
    ended = notice(act, "2", "--type", "termination")
    assert document_of(ended)["noticeType"] == "UK11"
    assert ended["contracts"][0]["status"] == "terminated"
    assert ended["tag"] == ["contractTermination"]
    paid = ended["contracts"][0]["implementation"]["transactions"]
    assert [t["value"]["amount"] for t in paid] == [Decimal("40000.00"), Decimal("30000.00")]


def test_a_notice_stays_the_same_whatever_comes_after(own_act):
    """The details notice is dated when the acceptance was recorded, so paying an invoice
    later leaves its release (and its id) as it was."""
    before = own_act.ok("publish", "notice", "1", "--type", "details").stdout
    own_act.ok("spend", "pay", "P4", "--on", "2026-09-01")
    assert own_act.ok("publish", "notice", "1", "--type", "details").stdout == before


def test_a_change_just_past_ten_percent_says_so(own_act):
    """£170,000.00 down to £152,999.99 is -10.0000059%: a notice is due, and the Markdown
    says the change is over 10% rather than rounding it to -10.00%."""
    own_act.ok("vary", "1", "--value", "152999.99", "--reason", "less", "--on", "2026-07-01")
    assert deadlines(due(own_act, "--on", "2026-07-02"))["calloff-1-change-2"] == "2026-06-30"
    text = own_act.ok(
        "publish", "notice", "1", "--type", "change", "--variation", "2", "--format", "md"
    ).stdout
    assert "(-over 10.00%)" in text


def test_a_prefix_with_notices_published_under_it_stays(own_act):
    own_act.ok("published", "calloff-1-details", "--on", "2026-04-20")
    line = own_act.refused("framework", "ocid-prefix", "ocds-abc123", "--replace")
    assert "1 call-off notice(s) were recorded as published under ocds-fake01" in line


def test_each_notice_is_a_valid_release(act):
    ocds_schema.require_ocds()
    import calloff

    for args in (("1", "details"), ("1", "change"), ("2", "termination")):
        release = json.loads(act.ok("publish", "notice", args[0], "--type", args[1],
                                    "--json").stdout)  # fmt: skip
        document = {
            "uri": "urn:test",
            "version": "1.1",
            "extensions": list(calloff.publishing.ocds.EXTENSION_URLS),
            "publishedDate": release["date"],
            "publisher": {"name": "test"},
            "releases": [release],
        }
        ocds_schema.validate(document)
        types = ocds_schema.codes("documentType.csv")
        assert document_of(release)["documentType"] in types


def test_notice_refusals(act, leeds_db):
    line = act.refused("publish", "notice", "2", "--type", "change", "--variation", "2")
    assert line == "Error: call-off 2 has no variation 2: it has 1 (give --variation 1)"
    assert "has not ended" not in act.refused("publish", "notice", "1", "--type", "termination")
    assert "a termination notice follows its end" in act.refused(
        "publish", "notice", "1", "--type", "termination"
    )
    assert "call-off 99 does not exist" in act.refused(
        "publish", "notice", "99", "--type", "details"
    )
    act.refused("publish", "notice", "1", "--type", "uk6", code=2)
    act.refused("publish", "notice", "1", "--type", "details", "--json", "--format", "md", code=2)
    act.refused("publish", "notice", "1", "--type", "details", "--format", "pdf", code=2)


def test_notices_under_the_2015_regulations(leeds_db):
    """Leeds: the details notice is the award for Contracts Finder, with the UK7 content;
    a change or termination notice is given, saying the Regulations ask for none."""
    leeds = Calloff(leeds_db)
    release = notice(leeds, "1", "--type", "details")  # JSON is the default format
    assert document_of(release)["noticeType"] == "UK7"
    text = leeds.ok("publish", "notice", "1", "--type", "details", "--format", "md").stdout
    assert "this call-off's award is published on Contracts Finder within 30 days" in text
    assert "Due by 2015-06-19" in text
    change = leeds.ok("publish", "notice", "1", "--type", "change", "--format", "md").stdout
    assert "Not required: the Public Contracts Regulations 2015 ask for no contract change" in (
        change
    )
    ended = notice(leeds, "4", "--type", "termination")  # completed 30 June
    assert document_of(ended)["noticeType"] == "UK11"
    default = json.loads(leeds.ok("publish", "notice", "1", "--type", "details").stdout)
    assert default["ocid"] == "ocds-fake01-leeds-rp-2015-CO-00001"


def test_an_offer_has_no_details_notice(own_act):
    rid = own_act.json(
        "request", "add", "--lot", "4", "--title", "Pending", "--start", "2026-07-01",
        "--value", "1000", "--on", "2026-06-01",
    )["id"]  # fmt: skip
    cid = own_act.json("allocate", str(rid), "--on", "2026-06-01")["calloff"]
    line = own_act.refused("publish", "notice", str(cid), "--type", "details")
    assert "is offered" in line and "entered into" in line


# -- rules for every input -----------------------------------------------------------------


@given(st.dates(date(2015, 1, 1), date(2030, 12, 31)), st.integers(1, 200))
def test_a_period_beginning_with_a_day_counts_it_as_day_one(day, days):
    last = within(day, days)
    assert (last - day).days + 1 == days


@given(st.integers(1, 10**9), st.integers(0, 10**9))
def test_a_change_notice_is_needed_only_past_ten_percent(old, new):
    assert needs_change_notice(old, new) == (abs(Decimal(new - old)) / old > Decimal("0.1"))
