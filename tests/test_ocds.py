"""`calloff publish ocds`: one OCDS 1.1 release package, valid against the schema offline.

The Leeds database of tests/test_publishing.py (six call-offs, worked by hand there) is
the package's subject; the demo's package and packages of generated databases are
validated against the core schema patched with the lots, submission terms, techniques, bid
and budget breakdown extensions from ../shared/ocds (tests/ocds_schema.py); libcoveocds
reviews them too (tests/test_ocds_review.py).
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calloff
from calloff.demo.leeds import run_demo
from tests import ocds_schema
from tests.conftest import Calloff
from tests.rehash import rewrite_events
from tests.test_publishing import build_leeds

TODAY = date.today().isoformat()


def package(cl: Calloff, *extra: str) -> dict:
    """The package as written, its numbers read as exact Decimals."""
    return json.loads(cl.ok("publish", "ocds", *extra).stdout, parse_float=Decimal)


def by_ocid(document: dict) -> dict[str, dict]:
    return {r["ocid"]: r for r in document["releases"]}


@pytest.fixture(scope="module")
def leeds_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("ocds") / "calloff.db"
    build_leeds(Calloff(db))
    return db


@pytest.fixture
def leeds(leeds_db) -> Calloff:
    return Calloff(leeds_db)


@pytest.fixture
def own(leeds_db, tmp_path) -> Calloff:
    import shutil

    shutil.copy(leeds_db, tmp_path / "calloff.db")
    return Calloff(tmp_path / "calloff.db")


FRAMEWORK = "ocds-fake01-leeds-rp-2015"


def test_the_framework_release(leeds):
    """Eight lots; the rankings as bids (lot 2: Dale 1; lot 4: Alder 1, Birch 2, Cedar 3);
    the caps per stream and year as the budget breakdown (260,000 + 1,240,000)."""
    doc = package(leeds)
    fw = by_ocid(doc)[FRAMEWORK]
    assert fw["tender"]["techniques"] == {
        "hasFrameworkAgreement": True,
        "frameworkAgreement": {
            "method": "withoutReopeningCompetition",
            "buyerCategories": "Leeds City Council; Schools in Leeds buying through the "
            "council's traded services",
        },
    }
    assert [lot["id"] for lot in fw["tender"]["lots"]] == [str(n) for n in range(1, 9)]
    names = {p["id"]: p["name"] for p in fw["parties"]}
    bids = [
        (b["relatedLots"], b["rank"], names[b["tenderers"][0]["id"]]) for b in fw["bids"]["details"]
    ]
    assert bids == [
        (["2"], 1, "Dale Trust"),
        (["4"], 1, "Alder Training"),
        (["4"], 2, "Birch Practice Ltd"),
        (["4"], 3, "Cedar Conferencing"),
    ]
    assert [a["id"] for a in fw["awards"]] == ["lot-2", "lot-4"]
    budget = fw["planning"]["budget"]
    assert [(b["id"], b["amount"]["amount"]) for b in budget["budgetBreakdown"]] == [
        ("core-2015-16", Decimal("260000.00")),
        ("innovation-2015-16", Decimal("1240000.00")),
    ]
    assert budget["amount"] == {"amount": Decimal("1500000.00"), "currency": "GBP"}
    assert budget["budgetBreakdown"][0]["period"] == {
        "startDate": "2015-04-01T00:00:00Z",
        "endDate": "2016-03-31T23:59:59Z",
    }
    assert fw["tender"]["contractPeriod"]["maxExtentDate"] == "2018-03-31T23:59:59Z"


def test_parties_carry_their_registration_numbers(leeds):
    fw = by_ocid(package(leeds))[FRAMEWORK]
    parties = {p["name"]: p for p in fw["parties"]}
    assert parties["Alder Training"]["id"] == "GB-COH-SC123456"
    assert parties["Alder Training"]["identifier"]["scheme"] == "GB-COH"
    # Whether an SME or a VCSE has no field in the declared extensions: left out.
    assert all("details" not in p for p in fw["parties"])
    assert parties["Dale Trust"]["identifier"] == {
        "scheme": "GB-CHC",
        "id": "1098765",
        "legalName": "Dale Trust",
    }
    assert parties["Leeds City Council"]["roles"] == ["buyer", "procuringEntity"]
    # No number recorded: an id of the publisher's own.
    assert parties["Birch Practice Ltd"]["id"] == "ocds-fake01-provider-2"
    assert "identifier" not in parties["Birch Practice Ltd"]


def test_each_calloff_is_its_own_process(leeds):
    """Call-off 1: awarded at £10,000 (10 days at £1,000), varied to £12,000 then £13,000;
    its paid invoices A-500 (500.00), A-500.01 (500.01), A-Q1 (1,234.56, paid 3 Jul) and A-Q3
    (700.00) are its transactions, 2,934.57 in all; A-UNPAID is not."""
    releases = by_ocid(package(leeds))
    assert len(releases) == 1 + 6
    one = releases[f"{FRAMEWORK}-CO-00001"]
    assert one["relatedProcesses"] == [
        {
            "id": "framework",
            "relationship": ["framework"],
            "title": "Restorative Practice Training for Children's Services",
            "scheme": "ocid",
            "identifier": FRAMEWORK,
            "relatedLots": ["4"],
        }
    ]
    assert one["awards"][0]["value"]["amount"] == Decimal("10000.00")
    contract = one["contracts"][0]
    assert contract["value"] == {"amount": Decimal("13000.00"), "currency": "GBP"}
    assert contract["status"] == "active"
    assert contract["dateSigned"] == "2015-05-21T00:00:00Z"
    assert [(a["date"][:10], a["rationale"]) for a in contract["amendments"]] == [
        ("2015-09-15", "two more days"),
        ("2015-10-10", "one more day"),
    ]
    paid = contract["implementation"]["transactions"]
    assert [(t["date"][:10], t["value"]["amount"]) for t in paid] == [
        ("2015-07-03", Decimal("1234.56")),
        ("2015-07-10", Decimal("500.00")),
        ("2015-07-10", Decimal("500.01")),
        ("2015-10-02", Decimal("700.00")),
    ]
    assert sum(t["value"]["amount"] for t in paid) == Decimal("2934.57")
    assert one["tag"] == ["award", "contract", "implementation"]
    assert one["tender"]["competitive"] is False
    four = releases[f"{FRAMEWORK}-CO-00004"]["contracts"][0]
    assert (four["status"], four["description"]) == ("terminated", "Completed on 2015-06-30")
    five = releases[f"{FRAMEWORK}-CO-00005"]
    assert five["contracts"][0]["description"] == "Cancelled on 2015-08-03: service restructure"
    assert "contractTermination" in five["tag"]


def test_amounts_are_written_exactly(leeds):
    """JSON numbers straight from Decimal: 500.01 is written 500.01, 13000.00 as 13000.00;
    one release per line, the framework's first."""
    text = leeds.ok("publish", "ocds").stdout
    assert '"amount":500.01,' in text and '"amount":13000.00,' in text
    lines = text.splitlines()
    start = lines.index('  "releases": [')
    assert lines[start + 1].startswith('    {"ocid":"ocds-fake01-leeds-rp-2015","id":')
    assert len(lines) == start + 1 + 7 + 2  # seven releases, then "  ]" and "}"


def test_the_award_says_how_and_why_not_above(own):
    """Call-off 1 went to Alder, rank 1: no one above it. A request declined by Alder goes
    to Birch, rank 2, and its award says why Alder was passed over."""
    rid = own.json(
        "request", "add", "--lot", "4", "--title", "Cascade", "--start", "2015-11-02",
        "--value", "1000", "--on", "2015-10-01",
    )["id"]  # fmt: skip
    cid = own.json("allocate", str(rid), "--on", "2015-10-01")["calloff"]
    own.ok("decline", str(cid), "--reason", "fully booked", "--on", "2015-10-02")
    releases = by_ocid(package(own))
    assert releases[f"{FRAMEWORK}-CO-00001"]["awards"][0]["description"] == (
        "Direct award under the framework, by ranking: offered to rank 1 on lot 4, the "
        "best-ranked eligible provider; not awarded by competition."
    )
    second = releases[f"{FRAMEWORK}-CO-{cid + 1:05d}"]["awards"][0]["description"]
    assert second == (
        "Direct award under the framework, by ranking: offered to rank 2 on lot 4, the "
        "best-ranked eligible provider; not awarded by competition. Ranked above and passed "
        "over: 1 declined."
    )


def test_an_offer_never_accepted_has_no_contract(own):
    rid = own.json(
        "request", "add", "--lot", "4", "--title", "Spare", "--start", "2015-11-02",
        "--value", "1000", "--on", "2015-10-01",
    )["id"]  # fmt: skip
    cid = own.json("allocate", str(rid), "--on", "2015-10-01")["calloff"]
    own.ok("decline", str(cid), "--reason", "busy", "--on", "2015-10-02")
    releases = by_ocid(package(own))
    declined = releases[f"{FRAMEWORK}-CO-{cid:05d}"]
    assert declined["awards"][0]["status"] == "unsuccessful"
    assert "contracts" not in declined and declined["tag"] == ["award"]
    offered = releases[f"{FRAMEWORK}-CO-{cid + 1:05d}"]
    assert offered["awards"][0]["status"] == "pending"


def test_the_same_records_give_the_same_releases_and_a_change_a_new_one(own):
    """Publishing twice gives the same package; a payment gives call-off 1 a release with a
    new id and a later date, and every other release stays as it was."""
    first = own.ok("publish", "ocds").stdout
    assert own.ok("publish", "ocds").stdout == first
    before = {r["ocid"]: r for r in json.loads(first)["releases"]}
    rewrite_events(own.db, "UPDATE events SET recorded_at = '2026-01-05T09:00:00+00:00'")
    older = package(own)
    own.ok("spend", "pay", "A-UNPAID", "--on", "2015-09-01")
    after = by_ocid(package(own))
    changed = {o for o, r in after.items() if r["id"] != by_ocid(older)[o]["id"]}
    assert changed == {f"{FRAMEWORK}-CO-00001"}
    assert after[f"{FRAMEWORK}-CO-00001"]["date"][:10] == TODAY
    assert after[FRAMEWORK]["date"] == "2026-01-05T09:00:00Z"
    assert set(before) == set(after)
    # --since: only what was recorded on or after the day.
    since = package(own, "--since", TODAY)
    assert [r["ocid"] for r in since["releases"]] == [f"{FRAMEWORK}-CO-00001"]
    assert since["publishedDate"][:10] == TODAY
    assert len(package(own, "--since", "2026-01-05")["releases"]) == 7


def test_one_token_and_one_pattern_for_the_whole_package(leeds, monkeypatch):
    """The numbers' marker is made once per package, not once per release (issue 33: at
    100,000 call-offs a pattern compiled per release cost more than the releases), and two
    runs, each with its own random token, write the same bytes."""
    import re as real_re

    from calloff.publishing import ocds

    compiled: list[str] = []

    class Counting:
        """The ocds module's `re`, counting what it compiles."""

        def __getattr__(self, name: str):
            return getattr(real_re, name)

        def compile(self, pattern: str, *args):
            compiled.append(pattern)
            return real_re.compile(pattern, *args)

    monkeypatch.setattr(ocds, "re", Counting())
    first = leeds.ok("publish", "ocds").stdout
    releases = len(json.loads(first)["releases"])
    assert releases == 7 and len(compiled) == 1
    assert leeds.ok("publish", "ocds").stdout == first
    assert len(compiled) == 2 and compiled[0] != compiled[1]  # a fresh token each run


def test_since_with_nothing_new_writes_no_package(own, tmp_path):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    out = tmp_path / "new.json"
    result = own.ok("publish", "ocds", "--since", tomorrow, "--output", str(out))
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"Nothing was recorded on or after {tomorrow}: no package written."
    )
    assert not out.exists()


def test_the_package_goes_to_a_file(leeds, tmp_path):
    out = tmp_path / "ocds.json"
    assert leeds.ok("publish", "ocds", "--output", str(out)).stdout == f"Wrote {out}\n"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert json.loads(out.read_text())["version"] == "1.1"
    leeds.refused("publish", "ocds", "--output", str(out))
    leeds.ok("publish", "ocds", "--output", str(out), "--force")


def test_a_framework_without_a_prefix_is_refused_saying_how(tmp_path):
    text = (
        Path(__file__).resolve().parent.parent / "framework/calloff/definitions/leeds-rp-2015.toml"
    ).read_text()
    own = tmp_path / "own.toml"
    own.write_text(text.replace('ocid_prefix = "ocds-fake01"\n', ""))
    cl = Calloff(tmp_path / "calloff.db")
    cl.ok("init", "--from", str(own))
    line = cl.refused("publish", "ocds")
    assert "has no ocid_prefix" in line and 'ocid_prefix = "ocds-xxxxxx"' in line


def test_a_prefix_can_be_named_later_and_is_kept(tmp_path):
    """A database made from a file without ocid_prefix names it once, audited; changing it
    takes --replace, and a malformed one is refused."""
    text = (
        Path(__file__).resolve().parent.parent / "framework/calloff/definitions/leeds-rp-2015.toml"
    ).read_text()
    own = tmp_path / "own.toml"
    own.write_text(text.replace('ocid_prefix = "ocds-fake01"\n', ""))
    cl = Calloff(tmp_path / "calloff.db")
    cl.ok("init", "--from", str(own))
    assert cl.json("framework")["ocid_prefix"] is None
    assert "is not an OCDS prefix" in cl.refused("framework", "ocid-prefix", "ocds-12")
    out = cl.ok("framework", "ocid-prefix", "ocds-abc123").stdout
    assert out == "The framework's OCDS prefix is now ocds-abc123.\n"
    releases = package(cl)["releases"]
    assert releases[0]["ocid"] == "ocds-abc123-leeds-rp-2015"
    assert "add --replace" in cl.refused("framework", "ocid-prefix", "ocds-zzz999")
    assert cl.json("framework", "ocid-prefix", "ocds-zzz999", "--replace")["ocid_prefix"] == (
        "ocds-zzz999"
    )
    events = [e for e in cl.json("audit") if e["action"] == "framework.ocid_prefix"]
    assert [(e["before"], e["after"]) for e in events] == [
        ({"ocid_prefix": None}, {"ocid_prefix": "ocds-abc123"}),
        ({"ocid_prefix": "ocds-abc123"}, {"ocid_prefix": "ocds-zzz999"}),
    ]
    assert cl.json("audit", "verify")["ok"] is True


@pytest.mark.parametrize("prefix", ['"OCDS-123"', '""', '"ocds-abc12"', '"ocds-abc1234"'])
def test_a_malformed_prefix_is_refused_on_load(tmp_path, prefix):
    text = (
        Path(__file__).resolve().parent.parent / "framework/calloff/definitions/leeds-rp-2015.toml"
    ).read_text()
    own = tmp_path / "own.toml"
    own.write_text(text.replace('"ocds-fake01"', prefix))
    cl = Calloff(tmp_path / "calloff.db")
    line = cl.refused("init", "--from", str(own))
    assert "is not an OCDS prefix" in line
    assert not (tmp_path / "calloff.db").exists()


# -- the schema, offline ---------------------------------------------------------------------


def codelist_values(document: dict) -> dict[str, set[str]]:
    """The codes a package uses, by the codelist each field draws on."""
    used: dict[str, set[str]] = {}

    def add(name: str, *values: str) -> None:
        used.setdefault(name, set()).update(values)

    for r in document["releases"]:
        add("releaseTag.csv", *r["tag"])
        add("initiationType.csv", r["initiationType"])
        for p in r.get("parties", []):
            add("partyRole.csv", *p["roles"])
        tender = r.get("tender", {})
        add("tenderStatus.csv", tender["status"])
        add("procurementCategory.csv", tender["mainProcurementCategory"])
        if "procurementMethod" in tender:
            add("method.csv", tender["procurementMethod"])
        method = tender.get("techniques", {}).get("frameworkAgreement", {}).get("method")
        if method:
            add("frameworkAgreementMethod.csv", method)
        for b in r.get("bids", {}).get("details", []):
            add("bidStatus.csv", b["status"])
        for a in r.get("awards", []):
            add("awardStatus.csv", a["status"])
            if "value" in a:
                add("currency.csv", a["value"]["currency"])
        for c in r.get("contracts", []):
            add("contractStatus.csv", c["status"])
            add("currency.csv", c["value"]["currency"])
            for d in c.get("documents", []):
                add("documentType.csv", d["documentType"])
        for rp in r.get("relatedProcesses", []):
            add("relatedProcess.csv", *rp["relationship"])
            add("relatedProcessScheme.csv", rp["scheme"])
    return used


def check_codelists(document: dict) -> None:
    for name, values in codelist_values(document).items():
        unknown = values - ocds_schema.codes(name)
        assert not unknown, f"{sorted(unknown)} are not in the {name} codelist"


def test_the_demo_package_is_valid_offline(tmp_path):
    ocds_schema.require_ocds()
    run_demo(tmp_path / "demo")
    document = json.loads((tmp_path / "demo" / "publish-ocds.json").read_text())
    ocds_schema.validate(document)
    check_codelists(document)
    assert ocds_schema.undeclared(document) == []
    assert document["extensions"] == list(calloff.publishing.ocds.EXTENSION_URLS)
    assert len(document["releases"]) == 1 + 5  # the framework and the demo's five call-offs


def test_the_leeds_package_is_valid_offline(leeds):
    ocds_schema.require_ocds()
    document = json.loads(leeds.ok("publish", "ocds").stdout)
    ocds_schema.validate(document)
    check_codelists(document)
    assert ocds_schema.undeclared(document) == []


def test_the_validator_would_catch_a_broken_package(leeds):
    """The checks above can fail: a made-up tag and an unknown status are caught."""
    ocds_schema.require_ocds()
    document = json.loads(leeds.ok("publish", "ocds").stdout)
    document["releases"][0]["tag"] = ["finished"]
    with pytest.raises(jsonschema.ValidationError):
        ocds_schema.validate(document)
    document = json.loads(leeds.ok("publish", "ocds").stdout)
    document["releases"][1]["awards"][0]["status"] = "won"
    with pytest.raises(AssertionError, match="awardStatus"):
        check_codelists(document)
    document["releases"][1]["parties"][1]["details"] = {"sme": True}
    assert ocds_schema.undeclared(document) == [f"{FRAMEWORK}-CO-00001.parties[].details.sme"]


outcomes = st.sampled_from(["accept", "decline", "offer", "vary", "complete", "cancel"])


@settings(max_examples=20)
@given(
    ids=st.lists(st.sampled_from(["coh", "charity", "none"]), min_size=1, max_size=3),
    lives=st.lists(
        st.tuples(outcomes, st.integers(100_00, 24_000_00), st.lists(st.booleans(), max_size=3)),
        min_size=0,
        max_size=5,
    ),
)
def test_any_database_gives_a_valid_package(tmp_path_factory, ids, lives):
    """Providers with any mix of registration numbers; call-offs accepted, declined, left
    offered, varied, completed or cancelled, with paid and unpaid invoices: the package is
    valid (where the schema files are at hand), has one release per call-off, and its
    transactions are the paid invoices."""
    path = tmp_path_factory.mktemp("any") / "calloff.db"
    paid_pence = 0
    with calloff.create(path) as office:
        providers = []
        for i, kind in enumerate(ids):
            details = {
                "coh": {"companies_house": f"9900{i:04d}"},
                "charity": {"charity": f"99000{i}"},
            }
            providers.append(
                office.add_provider(
                    f"Provider {i}", vat="exempt" if i % 2 else "standard", on="2015-04-01",
                    **details.get(kind, {}),
                ).id
            )  # fmt: skip
        office.set_ranking(lot=4, providers=providers, on="2015-04-01")
        for pid in providers:
            office.set_rates(lot=4, provider=pid, day="100.00", on="2015-04-01")
        for n, (outcome, pence, invoices) in enumerate(lives):
            value = Decimal(pence) / 100
            request = office.add_request(
                lot=4, title=f"Request {n}", start="2015-06-01", value=value, on="2015-05-01"
            )
            offer = office.allocate(request.id, on="2015-05-01")
            if offer.calloff is None or offer.calloff.status == "awaiting_approval":
                continue  # (one officer's call-offs to one provider add up: issue 32)
            cid = offer.calloff.id
            if outcome == "decline":
                office.decline(cid, reason="busy", on="2015-05-02")
                continue
            if outcome == "offer":
                continue
            office.accept(cid, on="2015-05-02")
            for k, paid in enumerate(invoices):
                office.add_spend(
                    cid, amount="10.01", invoice_date="2015-06-02", invoice=f"I{n}-{k}",
                    paid="2015-06-10" if paid else None,
                )  # fmt: skip
                paid_pence += 1001 if paid else 0
            if outcome == "vary":
                office.vary(cid, value=value + 1, reason="more", on="2015-06-03")
            elif outcome == "complete":
                office.complete(cid, on="2015-06-30")
            elif outcome == "cancel":
                office.cancel(cid, reason="stopped", on="2015-06-30")
        document = json.loads(calloff.publishing.ocds.dumps(office.ocds()), parse_float=Decimal)
        calloffs = office.store.db.execute("SELECT COUNT(*) FROM calloffs").fetchone()[0]
    if ocds_schema.ocds_dir() is not None:
        ocds_schema.validate(document)
        check_codelists(document)
    assert len(document["releases"]) == 1 + calloffs
    transactions = [
        t["value"]["amount"]
        for r in document["releases"]
        for c in r.get("contracts", [])
        for t in c.get("implementation", {}).get("transactions", [])
    ]
    assert sum(transactions, Decimal("0")) == Decimal(paid_pence) / 100
    assert len({r["id"] for r in document["releases"]}) == len(document["releases"])


def test_a_package_with_a_calloff_by_competition_is_valid_offline(tmp_path):
    """The demo's Borsetshire database: a framework of mixed routes and a call-off by
    competition (a selective, competitive call-off under the framework)."""
    ocds_schema.require_ocds()
    cl = Calloff(tmp_path / "demo" / "competition.db")
    cl.ok("demo", "--dir", str(tmp_path / "demo"))
    document = json.loads(cl.ok("publish", "ocds").stdout)
    ocds_schema.validate(document)
    check_codelists(document)
    assert ocds_schema.undeclared(document) == []
    framework, calloff_release = document["releases"]
    assert framework["tender"]["techniques"]["frameworkAgreement"]["method"] == (
        "withAndWithoutReopeningCompetition"
    )
    tender = calloff_release["tender"]
    assert (tender["procurementMethod"], tender["competitive"]) == ("selective", True)
    notice = json.loads(cl.ok("publish", "notice", "1", "--type", "details").stdout)
    ocds_schema.validate({**document, "releases": [notice]})
