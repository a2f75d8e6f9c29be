"""The contract award notice (UK6) before a call-off above the threshold is entered into
(Procurement Act 2023, s.50(1), regulation 27), the threshold table, and the latest end of
any call-off: issue 30's hand-worked cases.

A Shire framework under the Act, 2026, with one lot and a £1,000,000 cap. Alder Training is
standard-rated (values carry 20% VAT), Birch Trust exempt. Thresholds from 1 January 2026,
including VAT: £207,720.00 sub-central, £663,540.00 light-touch.
- £250,000.00 to Alder is £300,000.00 with VAT: at or over £207,720.00, so a UK6 is owed
  before entry, and the acceptance is refused until it is recorded published; under a
  light-touch framework £300,000.00 is under £663,540.00: no UK6, a details notice.
- £40,000.00 to Alder is £48,000.00 with VAT: below the threshold and over £30,000.00, so
  no UK6 and a contract details notice.
- The edge: £173,100.00 standard-rated is £207,720.00 with VAT (owed); £173,099.99 is
  £207,719.988 (not owed); exempt £207,720.00 is owed, £207,719.99 not.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import calloff
from calloff.domain.facts import THRESHOLDS, threshold
from tests.conftest import Calloff, snapshot

DEFINITION = """\
schema = 1
id = "shire-2026"
name = "Shire Training Framework"
buyer = "Shire Council"
regime = "pa2023"
light_touch = {light_touch}
ocid_prefix = "ocds-abc123"
estimated_value = "500000.00"
maximum_value = "900000.00"
cpv_codes = ["80500000-9"]
authorities = ["Shire Council"]
calloff_latest_end = 2029-03-31
[term]
start = 2026-04-01
initial_years = 2
extensions = 1
[[lots]]
number = 1
title = "Training"
[streams.core]
caps = {{ "2026-27" = "1000000.00" }}
"""


def shire(tmp_path: Path, light_touch: bool = False) -> Calloff:
    definition = tmp_path / "shire.toml"
    definition.write_text(DEFINITION.format(light_touch=str(light_touch).lower()), "utf-8")
    cl = Calloff(tmp_path / "shire.db")
    cl.ok("init", "--from", str(definition))
    cl.ok("provider", "add", "Alder Training", "--ppon", "PBCD-1234-BCDG")
    cl.ok("provider", "add", "Birch Trust", "--vat", "exempt")
    cl.ok("rank", "set", "1", "Alder Training", "Birch Trust")
    return cl


def offer(cl: Calloff, value: str, on: str = "2026-05-01") -> int:
    rid = cl.json(
        "request", "add", "--lot", "1", "--title", "Leadership training", "--start",
        "2026-06-01", "--end", "2026-09-30", "--value", value, "--on", on,
    )["id"]  # fmt: skip
    return int(cl.json("allocate", str(rid), "--on", on)["calloff"])


def items(cl: Calloff, on: str) -> dict[str, dict]:
    return {i["item"]: i for i in cl.json("due", "--on", on, "--all")["items"]}


def test_the_thresholds_are_one_dated_table():
    assert THRESHOLDS[-1] == (date(2026, 1, 1), Decimal("207720.00"), Decimal("663540.00"))
    assert threshold(False, date(2026, 5, 1)) == Decimal("207720.00")
    assert threshold(True, date(2026, 5, 1)) == Decimal("663540.00")
    assert threshold(False, date(2025, 12, 31)) == Decimal("214904.00")


def test_250000_needs_an_award_notice_before_it_is_entered_into(tmp_path):
    cl = shire(tmp_path)
    cid = offer(cl, "250000")
    due = items(cl, "2026-05-01")
    award = due[f"calloff-{cid}-award"]
    # Offered on Friday 1 May; 3 working days to answer (the May Day holiday is Monday 4).
    assert (award["kind"], award["due_by"], award["event_on"]) == (
        "award",
        "2026-05-07",
        "2026-05-01",
    )
    assert "s.50(1)" in award["basis"] and "£207,720.00" in award["basis"]
    assert award["command"] == f"calloff publish notice {cid} --type award"
    assert f"calloff-{cid}-details" not in due  # not entered into yet

    line = cl.refused("accept", str(cid), "--on", "2026-05-05")
    assert line.startswith(
        f"Error: call-off {cid} needs its contract award notice (UK6) published before it is "
        "entered into (Procurement Act 2023, s.50)"
    )
    assert f"calloff published calloff-{cid}-award" in line

    release = json.loads(cl.ok("publish", "notice", str(cid), "--type", "award").stdout)
    assert release["tag"] == ["award"] and "contracts" not in release
    (award_release,) = release["awards"]
    assert award_release["status"] == "pending"
    assert award_release["value"] == {"amount": 250000.00, "currency": "GBP"}
    assert award_release["documents"][0]["noticeType"] == "UK6"
    assert release["relatedProcesses"][0]["identifier"] == "ocds-abc123-shire-2026"
    text = cl.ok("publish", "notice", str(cid), "--type", "award", "--format", "md").stdout
    assert "£250,000.00 excluding VAT (£300,000.00 including VAT)" in text
    assert "| PPON | PBCD-1234-BCDG |" in text
    assert "| Supported employment provider | not recorded |" in text

    cl.ok("published", f"calloff-{cid}-award", "--on", "2026-05-05", "--reference", "FTS-1")
    line = cl.refused("accept", str(cid), "--on", "2026-05-04")  # before it was published
    assert "was recorded published on 2026-05-05, after 2026-05-04" in line
    cl.ok("accept", str(cid), "--on", "2026-05-05")
    after = items(cl, "2026-05-06")
    assert after[f"calloff-{cid}-award"]["published_on"] == "2026-05-05"
    assert after[f"calloff-{cid}-details"]["due_by"] == "2026-06-03"  # 30 days from 5 May


def test_under_a_light_touch_framework_250000_needs_no_award_notice(tmp_path):
    cl = shire(tmp_path, light_touch=True)
    cid = offer(cl, "250000")
    assert f"calloff-{cid}-award" not in items(cl, "2026-05-01")
    text = cl.ok("publish", "notice", str(cid), "--type", "award", "--format", "md").stdout
    assert "Not required: the call-off is below the £663,540.00 threshold including VAT" in text
    cl.ok("accept", str(cid), "--on", "2026-05-05")
    details = items(cl, "2026-05-06")[f"calloff-{cid}-details"]
    assert details["due_by"] == "2026-09-01"  # 120 days beginning with 5 May


def test_40000_needs_no_award_notice_and_gets_its_details_notice(tmp_path):
    cl = shire(tmp_path)
    cid = offer(cl, "40000")
    assert f"calloff-{cid}-award" not in items(cl, "2026-05-01")
    text = cl.ok("publish", "notice", str(cid), "--type", "award", "--format", "md").stdout
    assert "Not required: the call-off is below the £207,720.00 threshold" in text
    assert "at £30,000.00 or more it needs a contract details notice instead" in text
    cl.ok("accept", str(cid), "--on", "2026-05-05")
    assert items(cl, "2026-05-06")[f"calloff-{cid}-details"]["kind"] == "details"


@pytest.mark.parametrize(
    "provider, value, owed",
    [
        ("Alder Training", "173100.00", True),  # £207,720.00 with VAT
        ("Alder Training", "173099.99", False),  # £207,719.988 with VAT
        ("Birch Trust", "207720.00", True),  # exempt: no VAT
        ("Birch Trust", "207719.99", False),
    ],
)
def test_the_threshold_is_counted_including_vat(tmp_path, provider, value, owed):
    cl = shire(tmp_path)
    if provider == "Birch Trust":
        cl.ok("provider", "suspend", "Alder Training", "--reason", "review", "--on", "2026-04-01")
    cid = offer(cl, value)
    assert (f"calloff-{cid}-award" in items(cl, "2026-05-01")) is owed
    result = cl("accept", str(cid), "--on", "2026-05-05")
    assert (result.exit_code == 1) is owed, result.output


def test_the_library_refuses_the_acceptance_too(tmp_path):
    import calloff
    from calloff.errors import RuleBroken

    cl = shire(tmp_path)
    cid = offer(cl, "250000")
    before = snapshot(cl.db)
    with calloff.open(cl.db) as office, pytest.raises(RuleBroken) as refused:
        office.accept(cid, on="2026-05-05")
    assert "needs its contract award notice (UK6)" in str(refused.value)
    assert str(refused.value).endswith(
        f"publish it, then record it published as calloff-{cid}-award"
    )
    assert "`" not in str(refused.value) and "--" not in str(refused.value)
    assert snapshot(cl.db) == before


def test_a_calloff_ending_after_the_latest_end_is_refused(tmp_path):
    cl = shire(tmp_path)
    line = cl.refused(
        "request", "add", "--lot", "1", "--title", "Too long", "--start", "2026-06-01",
        "--end", "2029-04-01", "--value", "1000",
    )  # fmt: skip
    assert line == (
        "Error: the request ends on 2029-04-01, after 2029-03-31, the latest day any call-off "
        "under the framework may end: end it on or before 2029-03-31"
    )
    cl.ok(
        "request", "add", "--lot", "1", "--title", "Just in time", "--start", "2026-06-01",
        "--end", "2029-03-31", "--value", "1000",
    )  # fmt: skip
    facts = cl.json("framework")
    assert facts["calloff_latest_end"] == "2029-03-31"
    assert (facts["estimated_value"], facts["maximum_value"]) == ("500000.00", "900000.00")
    assert facts["cpv_codes"] == ["80500000-9"] and facts["authorities"] == ["Shire Council"]
    assert facts["fee_percent"] is None and facts["award_notice_threshold"] == "207720.00"


def test_leeds_under_the_2015_regulations_owes_no_award_notice(leeds: Calloff):
    rid = leeds.json(
        "request", "add", "--lot", "4", "--title", "Deep dive", "--start", "2015-06-01",
        "--value", "5000", "--on", "2015-05-01",
    )["id"]  # fmt: skip
    cid = leeds.json("allocate", str(rid), "--on", "2015-05-01")["calloff"]
    leeds.ok("accept", str(cid), "--on", "2015-05-05")
    due = leeds.json("due", "--on", "2015-05-06", "--all")["items"]
    assert [i["kind"] for i in due if i["calloff"] == cid] == ["details"]
    text = leeds.ok("publish", "notice", str(cid), "--type", "award", "--format", "md").stdout
    assert "Not required: the Public Contracts Regulations 2015 ask for no contract award" in text
    facts = leeds.json("framework")
    assert facts["award_notice_threshold"] is None
    assert (facts["estimated_value"], facts["maximum_value"]) == ("260000.00", "1500000.00")


def test_a_provider_accepting_through_its_link_waits_for_the_notice(tmp_path, monkeypatch):
    """The offer's link refuses the acceptance in the provider's words until the council
    records its award notice published; then the same link accepts."""
    from calloff.domain import passwords
    from tests.messaging import FY, TODAY, YEAR
    from tests.test_offer_links import token_of

    monkeypatch.setattr(passwords, "COST", 2**6)
    text = DEFINITION.format(light_touch="false").replace("2026-04-01", f"{YEAR}-04-01")
    text = text.replace('"2026-27"', f'"{FY}"').replace("2029-03-31", f"{YEAR + 3}-03-31")
    definition = tmp_path / "today.toml"
    definition.write_text(text, "utf-8")
    db = tmp_path / "today.db"
    begins = (TODAY + timedelta(days=30)).isoformat()
    with calloff.create(db, definition_file=definition) as office:
        office.add_provider("Alder Training", on=f"{YEAR}-04-01", email="offers@alder.example")
        office.set_ranking(lot=1, providers=["Alder Training"], on=f"{YEAR}-04-01")
        request = office.add_request(
            lot=1, title="Leadership training", start=begins, value="250000", on=TODAY
        )
        cid = office.allocate(request.id).calloff.id
    token = token_of(db, cid)
    with calloff.open(db) as office:
        (sent,) = [m for m in office.service.store.outbox.messages() if m.kind == "offer"]
        from calloff.notify.sending import compose
        from tests.messaging import mail_for

        text = compose(office.service, mail_for(25), sent).get_body(("plain",)).get_content()
    assert sent.payload["award_notice"] is True  # the offer says the acceptance waits
    assert "Shire Council must publish a contract award notice for this call-off" in text
    before = snapshot(db)
    with calloff.open(db) as office, pytest.raises(calloff.RuleBroken) as refused:
        office.answer_offer(token, accept=True, address="192.0.2.4")
    assert str(refused.value).startswith(
        "The council must publish its contract award notice before this offer can be accepted"
    )
    assert snapshot(db) == before
    with calloff.open(db) as office:
        office.published(f"calloff-{cid}-award", on=TODAY, reference="FTS-2")
        done = office.answer_offer(token, accept=True, address="192.0.2.4")
    assert done.calloff.status == "accepted"


def test_the_workspace_refuses_the_acceptance_and_lists_the_notice(tmp_path, monkeypatch):
    """In the browser: the Publishing page lists the award notice, its download is the
    command's, and Continue on the acceptance is refused with the library's sentence,
    nothing written, until the notice is recorded published."""
    from calloff.domain import passwords
    from tests.test_web_pages import changes, client_as
    from tests.workspace import PASSWORD, app_for, day, post

    monkeypatch.setattr(passwords, "COST", 2**6)
    cl = shire(tmp_path)
    cid = offer(cl, "250000")
    with calloff.open(cl.db) as office:
        office.add_officer("o.officer", name="Olive Officer", roles=["officer"], on="2026-04-01")
        office.set_password("o.officer", password=PASSWORD)
    app = app_for(cl.db)
    client = client_as(app, "o.officer")
    page = client.get("/publishing?on=2026-05-02").text
    assert f"Contract award notice (UK6) for call-off {cid}" in page
    download = client.get(f"/publishing/files/notice?calloff={cid}&type=award&format=json")
    assert download.status_code == 200
    command = cl.ok("publish", "notice", str(cid), "--type", "award").stdout
    assert download.get_data(as_text=True) == command
    before = changes(cl.db)
    refused = post(client, f"/calloffs/{cid}/accept", day("on", "2026-05-05"))
    assert refused.status_code == 400
    assert "needs its contract award notice (UK6) published before it is entered into" in (
        refused.text
    )
    assert changes(cl.db) == before
    cl.ok("published", f"calloff-{cid}-award", "--on", "2026-05-05")
    done = post(client, f"/calloffs/{cid}/accept", {"confirm": "yes"} | day("on", "2026-05-05"))
    assert done.status_code == 302
    assert cl.json("show", str(cid))["status"] == "accepted"


def test_a_variation_does_not_change_whether_the_award_notice_was_needed(tmp_path):
    """The test is on the value offered: £250,000.00 (£300,000.00 with VAT) varied down to
    £100,000.00 still needed its notice, and says so."""
    cl = shire(tmp_path)
    cid = offer(cl, "250000")
    cl.ok("published", f"calloff-{cid}-award", "--on", "2026-05-05")
    cl.ok("accept", str(cid), "--on", "2026-05-05")
    cl.ok("vary", str(cid), "--value", "100000", "--reason", "fewer places", "--on", "2026-05-10")
    text = cl.ok("publish", "notice", str(cid), "--type", "award", "--format", "md").stdout
    assert "Procurement Act 2023, s.50(1) and regulation 27" in text
    assert "£250,000.00 excluding VAT (£300,000.00 including VAT)" in text
    cl.refused("publish", "notice", str(cid), "--type", "award", "--variation", "1", code=2)


@pytest.mark.parametrize(
    "line, said",
    [
        ('fee_percent = "1e1"', "fee_percent '1e1' is not a percentage from 0 to 100"),
        ('cpv_codes = ["80500000-1"]', "CPV code 80500000-1 has the wrong check digit"),
        ("cpv_codes = [80500000]", "CPV code 80500000 is not valid: write it as text"),
        (
            "calloff_latest_end = 2028-03-31T10:00:00",
            "calloff_latest_end must be a date like 2031-03-31, not a date and time",
        ),
        ('estimated_value = "900000.00"', "maximum_value is less than estimated_value"),
    ],
)
def test_a_bad_fact_in_a_definition_is_one_line(tmp_path, line, said):
    text = DEFINITION.format(light_touch="false")
    key = line.split(" = ")[0]
    text = "\n".join(x for x in text.splitlines() if not x.startswith(key + " "))
    text = text.replace('maximum_value = "900000.00"', 'maximum_value = "800000.00"')
    text = text.replace("schema = 1", f"schema = 1\n{line}")
    definition = tmp_path / "bad.toml"
    definition.write_text(text, "utf-8")
    cl = Calloff(tmp_path / "bad.db")
    assert said in cl.refused("init", "--from", str(definition))
    assert not cl.db.exists()
