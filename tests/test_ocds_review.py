"""The OCDS package as libcoveocds (the checker behind the OCDS Data Review Tool) sees it:
no validation error and no additional (unknown) field, against the core 1.1.5 schema and
the declared extensions in ../shared/ocds, with no network (tests/ocds_schema.py,
`review`); and what the package says about providers passed over: how many, for which
kind of reason, never the reason an officer typed unless the definition opts in
(docs/publishing.md; DOMAIN.md, "Rule — what is published, and what is not"); and the
definition's facts in the framework's release (docs/framework-definition.md).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import calloff
from calloff.demo.leeds import run_demo
from tests import ocds_schema
from tests.conftest import Calloff

DEFINITIONS = Path(__file__).resolve().parent.parent / "framework/calloff/definitions"
TYPED = "lead trainer on leave"
SUSPENDED = "safeguarding review pending"


def assert_clean(report: dict) -> None:
    """What libcoveocds found: nothing."""
    assert "json_deref_error" not in report, report["json_deref_error"]
    assert report["validation_errors"] == []
    assert report["additional_fields"] == [] and report["all_additional_fields"] == []
    assert report["additional_closed_codelist_values"] == {}
    assert report["additional_open_codelist_values"] == {}
    assert report["deprecated_fields"] == []
    assert report["extensions"]["invalid_extension"] == {}
    declared = [e["url"] for e in report["extensions"]["extensions"]]
    assert declared == list(calloff.publishing.ocds.EXTENSION_URLS)
    assert all(e["failed_codelists"] == {} for e in report["extensions"]["extensions"])


def passed_over(cl: Calloff, *init: str) -> int:
    """Borsetshire (Procurement Act 2023; `init` names its definition) with four providers
    ranked on lot 1 (ranked), Damson (rank 4) suspended: Alder (rank 1) is offered a
    request and declines, saying why; Birch (rank 2) is suspended meanwhile; Cedar (rank 3)
    is offered it and accepts. Returns Cedar's call-off."""
    cl.ok("init", *(init or ("--framework", "borsetshire-rp-2026")))
    for name in ("Alder Training", "Birch Practice Ltd", "Cedar Conferencing", "Damson CIC"):
        cl.ok("provider", "add", name, "--on", "2026-04-01")
    cl.ok("rank", "set", "1", "1", "2", "3", "4", "--on", "2026-04-01")
    cl.ok("provider", "suspend", "Damson CIC", "--reason", "insurance lapsed", "--on", "2026-04-02")
    rid = cl.json(
        "request", "add", "--lot", "1", "--title", "Awareness sessions", "--start",
        "2026-06-01", "--value", "5000", "--on", "2026-05-01",
    )["id"]  # fmt: skip
    first = cl.json("allocate", str(rid), "--on", "2026-05-01")["calloff"]
    cl.ok("provider", "suspend", "Birch Practice Ltd", "--reason", SUSPENDED, "--on", "2026-05-02")
    cl.ok("decline", str(first), "--reason", TYPED, "--on", "2026-05-04")
    cedar = first + 1
    cl.ok("accept", str(cedar), "--on", "2026-05-05")
    return cedar


def award(document: dict, calloff_id: int) -> str:
    (release,) = [r for r in document["releases"] if r["ocid"].endswith(f"-CO-{calloff_id:05d}")]
    return release["awards"][0]["description"]


def framework_tender(cl: Calloff) -> dict:
    """The framework's release's tender, its numbers read as exact Decimals."""
    document = json.loads(cl.ok("publish", "ocds").stdout, parse_float=Decimal)
    return document["releases"][0]["tender"]


def test_the_framework_release_carries_the_definitions_facts(tmp_path):
    """Leeds's definition: estimated £260,000 and at most £1,500,000, ex-VAT; CPV 80500000-9
    and 80570000-0. The estimate is the tender's value; the maximum, a lot group of every
    lot (no declared extension has tender.maximumValue); the codes, one item's
    classifications, 8 digits, titled."""
    cl = Calloff(tmp_path / "calloff.db")
    cl.ok("init")
    tender = framework_tender(cl)
    assert tender["value"] == {"amount": Decimal("260000.00"), "currency": "GBP"}
    assert tender["lotGroups"] == [
        {
            "id": "all-lots",
            "title": "All lots",
            "relatedLots": [str(n) for n in range(1, 9)],
            "maximumValue": {"amount": Decimal("1500000.00"), "currency": "GBP"},
        }
    ]
    assert "maximumValue" not in tender
    assert tender["items"] == [
        {
            "id": "1",
            "description": "Restorative Practice Training for Children's Services",
            "classification": {
                "scheme": "CPV",
                "id": "80500000",
                "description": "Training services",
            },
            "additionalClassifications": [
                {
                    "scheme": "CPV",
                    "id": "80570000",
                    "description": "Personal development training services",
                }
            ],
        }
    ]


def test_facts_the_definition_does_not_give_are_left_out(tmp_path):
    """A definition with no values, codes or authorities: no value, lot group, item or
    buyer categories; one with an unknown code gives it bare."""
    text = (DEFINITIONS / "leeds-rp-2015.toml").read_text()
    lines = text.splitlines(keepends=True)
    facts = ("estimated_value", "maximum_value", "cpv_codes", "authorities")
    bare = "".join(line for line in lines if not line.startswith(facts))
    own = tmp_path / "own.toml"
    own.write_text(bare)
    cl = Calloff(tmp_path / "calloff.db")
    cl.ok("init", "--from", str(own))
    tender = framework_tender(cl)
    assert not {"value", "lotGroups", "items"} & set(tender)
    assert tender["techniques"]["frameworkAgreement"] == {"method": "withoutReopeningCompetition"}
    own.write_text(bare.replace("schema = 1\n", 'schema = 1\ncpv_codes = ["79632000"]\n', 1))
    other = Calloff(tmp_path / "other.db")
    other.ok("init", "--from", str(own))
    (item,) = framework_tender(other)["items"]
    assert item["classification"] == {"scheme": "CPV", "id": "79632000"}
    assert "additionalClassifications" not in item


def test_the_demo_package_passes_review(tmp_path, monkeypatch):
    """The demo's Leeds package: the framework and five call-offs."""
    ocds_schema.require_ocds()
    run_demo(tmp_path / "demo")
    document = json.loads((tmp_path / "demo" / "publish-ocds.json").read_text())
    report = ocds_schema.review(document, monkeypatch)
    assert_clean(report)
    assert report["count"] == 1 + 5
    # The officers typed these when passing Alder over and when Alder declined.
    text = json.dumps(document)
    assert "lead trainer on leave" not in text and "fully booked in July" not in text
    assert "Ranked above and passed over: 1 unavailable." in text


def test_the_borsetshire_demo_package_passes_review(tmp_path, monkeypatch):
    """The demo's Borsetshire database (Procurement Act 2023): a call-off by competition,
    the framework's facts (estimate, maximum, CPV codes, authorities)."""
    ocds_schema.require_ocds()
    cl = Calloff(tmp_path / "demo" / "competition.db")
    cl.ok("demo", "--dir", str(tmp_path / "demo"))
    document = json.loads(cl.ok("publish", "ocds").stdout)
    assert_clean(ocds_schema.review(document, monkeypatch))
    tender = document["releases"][0]["tender"]
    assert {"value", "lotGroups", "items"} <= set(tender)
    assert tender["techniques"]["frameworkAgreement"]["buyerCategories"] == (
        "Borsetshire County Council; Schools maintained by Borsetshire County Council"
    )


def test_a_ranked_calloff_says_how_many_were_passed_over_and_why_in_kind_only(
    tmp_path, monkeypatch
):
    """The officer's words ("lead trainer on leave", the suspension's reason) and the
    names of those passed over are in no published field: the award gives Cedar's rank and
    how many ranked above were passed over for which kind of reason."""
    ocds_schema.require_ocds()
    cl = Calloff(tmp_path / "calloff.db")
    cedar = passed_over(cl)
    text = cl.ok("publish", "ocds").stdout
    document = json.loads(text)
    assert_clean(ocds_schema.review(document, monkeypatch))
    assert award(document, cedar) == (
        "Direct award under the framework, by ranking: offered to rank 3 on lot 1, the "
        "best-ranked eligible provider; not awarded by competition. Ranked above and passed "
        "over: 1 declined, 1 suspended."
    )
    for typed in (TYPED, SUSPENDED, "insurance lapsed"):
        assert typed not in text
    assert "Alder" not in award(document, cedar) and "Birch" not in award(document, cedar)
    # The call-off carries the framework's CPV codes too, on an item of its own title.
    (item,) = document["releases"][-1]["tender"]["items"]
    assert (item["description"], item["classification"]["id"]) == ("Awareness sessions", "80500000")


def test_a_competition_says_how_many_bids_were_set_aside_and_why_in_kind_only():
    """`route()`, which the award and the notices say: by default the kinds counted; with
    `full`, each set-aside bid by rank, name and reason."""
    from calloff.publishing.ocds_calloffs import route

    aside = [
        {"rank": 1, "name": "Alder Training", "reason": "withdrawn from the framework (merger)"},
        {"rank": 4, "name": "Damson CIC", "reason": f"declined on 2026-05-20: {TYPED}"},
    ]
    start = (
        "Awarded under the framework by competition 1 among the providers on lot 2: the valid "
        "bid with the highest total on the framework's award criteria."
    )
    assert route(2, 2, aside, 1) == f"{start} Bids set aside: 1 declined, 1 withdrawn."
    assert route(2, 2, aside, 1, full=True) == (
        f"{start} Bids set aside: rank 1, Alder Training (withdrawn from the framework "
        f"(merger)); rank 4, Damson CIC (declined on 2026-05-20: {TYPED})."
    )
    assert route(2, 2, [], 1) == start


def test_a_council_that_opts_in_publishes_each_with_its_reason(tmp_path, monkeypatch):
    """`publish_pass_over_reasons = true` in the definition: each passed over by rank,
    name and recorded reason, as the council chose."""
    ocds_schema.require_ocds()
    text = (DEFINITIONS / "borsetshire-rp-2026.toml").read_text()
    own = tmp_path / "own.toml"
    own.write_text(text.replace("schema = 1\n", "schema = 1\npublish_pass_over_reasons = true\n"))
    cl = Calloff(tmp_path / "calloff.db")
    cedar = passed_over(cl, "--from", str(own))
    text = cl.ok("publish", "ocds").stdout
    document = json.loads(text)
    assert_clean(ocds_schema.review(document, monkeypatch))
    assert award(document, cedar) == (
        "Direct award under the framework, by ranking: offered to rank 3 on lot 1, the "
        "best-ranked eligible provider; not awarded by competition. Passed over: rank 1, "
        f"Alder Training (declined on 2026-05-04: {TYPED}); rank 2, Birch Practice Ltd "
        f"(suspended ({SUSPENDED}))."
    )
    assert TYPED in text


def test_the_review_would_catch_an_unknown_field(tmp_path, monkeypatch):
    """The check can fail: a provider's SME status as `details.scale` (the partyScale
    extension's, not core 1.1.5's nor a declared extension's) is an additional field, as
    the UK extension's `details.vcse` is: why the statuses are left out of the package. A
    made-up tag is a code not in its closed codelist, and text for an amount an error."""
    ocds_schema.require_ocds()
    cl = Calloff(tmp_path / "calloff.db")
    passed_over(cl)
    document = json.loads(cl.ok("publish", "ocds").stdout)
    document["releases"][-1]["parties"][1]["details"] = {"scale": "sme", "vcse": True}
    report = ocds_schema.review(document, monkeypatch)
    assert report["validation_errors"] == []
    assert [(f["path"], f["field"]) for f in report["additional_fields"]] == [
        ("/releases/parties/details", "scale"),
        ("/releases/parties/details", "vcse"),
    ]
    document["releases"][0]["tag"] = ["finished"]
    document["releases"][0]["tender"]["value"]["amount"] = "a lot"
    report = ocds_schema.review(document, monkeypatch)
    assert [e["field"] for e in report["validation_errors"]] == ["releases/tender/value/amount"]
    assert list(report["additional_closed_codelist_values"]) == ["releases/tag"]


def test_without_libcoveocds_the_review_is_skipped(monkeypatch):
    """Where libcoveocds is not installed, the review skips, saying so."""
    import sys

    monkeypatch.setitem(sys.modules, "libcoveocds", None)
    with pytest.raises(pytest.skip.Exception, match="libcoveocds is not installed"):
        ocds_schema.review({"releases": []}, monkeypatch)
