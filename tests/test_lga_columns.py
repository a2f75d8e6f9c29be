"""`calloff publish spend|contracts --columns lga`: the same files under the Local Government
Association's column names (docs/publishing.md, "LGA columns").

Worked by hand on the Leeds database of tests/test_publishing.py, 2015-16 Q2 (1 July to 30
September 2015): the spend file is A-Q1 £1,234.56 paid 3 July (£46.91 irrecoverable VAT),
A-500.01 £500.01 paid 10 July and D-1 £3,000.00 paid 20 July (Dale Trust, a charity); the
register is the framework, CO1 (£12,000.00), CO2 (£6,000.00) and CO5 (£9,000.00, cancelled).
Every LGA cell is checked against the cell of calloff's own file it renames.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

import calloff
from calloff.domain.transparency_settings import TransparencySettings, read
from calloff.errors import DefinitionError, InvalidInput
from calloff.publishing import lga
from tests.conftest import Calloff
from tests.test_json_keys import DOCS, chapter, keys_of
from tests.test_publishing import DEFINITION, build_leeds, let, read_csv, spend_line

Q2 = ("--year", "2015-16", "--quarter", "2")
LEEDS_URI = "http://opendatacommunities.org/id/metropolitan-district-council/leeds"

SPEND_HEADER = (
    "OrganisationLabel,OrganisationURI,EffectiveDate,OrganisationalUnit,BeneficiaryName,"
    "BeneficiaryOtherID,PaymentDate,TransactionNumber,Amount,IrrecoverableVATAmount,Purpose,"
    "ProclassLabel,ProclassCode,ProfitCentre,VATRegistrationNumber,"
    # calloff's further facts, after the LGA's: the payment's contract and the codes.
    "ContractReferenceNumber,InvoiceNumber,MerchantCategory,GLCode,PurchaseOrderNumber"
)
CONTRACTS_HEADER = (
    "OrganisationLabel,OrganisationURI,Title,ContractReferenceNumber,Description,ContractType,"
    "ServiceLabel,ContractStartDate,ContractEndDate,ReviewDate,Value,IrrecoverableVAT,"
    "SupplierName,SupplierCompanyRegistrationNumber,SupplierCharityRegistrationNumber,"
    "ProcurementProcess,SME,VCSE,SupplierPPON,SupportedEmploymentProvider,PublicServiceMutual,"
    "ContractStatus"
)
# Written out here, not read from calloff.publishing.lga: each LGA column and the column of
# calloff's own file holding the same value.
SPEND_FROM = {
    "OrganisationLabel": "organisation",
    "OrganisationalUnit": "service_area",
    "BeneficiaryName": "beneficiary",
    "PaymentDate": "payment_date",
    "TransactionNumber": "transaction_number",
    "Amount": "amount",
    "IrrecoverableVATAmount": "irrecoverable_vat",
    "Purpose": "purpose",
}
CONTRACTS_FROM = {
    "Title": "title",
    "ContractReferenceNumber": "reference",
    "Description": "description",
    "ContractType": "kind",
    "ServiceLabel": "service_area",
    "ContractStartDate": "start_date",
    "ContractEndDate": "end_date",
    "ReviewDate": "review_date",
    "Value": "value",
    "IrrecoverableVAT": "irrecoverable_vat",
    "SupplierName": "supplier",
    "SupplierCompanyRegistrationNumber": "companies_house",
    "SupplierCharityRegistrationNumber": "charity_number",
    "ProcurementProcess": "procurement_route",
    "SME": "sme",
    "VCSE": "vcse",
    "SupplierPPON": "ppon",
    "SupportedEmploymentProvider": "supported_employment",
    "PublicServiceMutual": "public_service_mutual",
    "ContractStatus": "status",
}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Calloff:
    """The Leeds database of tests/test_publishing.py, to be read only."""
    db = tmp_path_factory.mktemp("leeds-lga") / "calloff.db"
    build_leeds(Calloff(db))
    return Calloff(db)


def as_dicts(table: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


# -- spend ----------------------------------------------------------------------------------


def test_spend_csv_under_lga_columns_is_todays_file_cell_for_cell(published):
    ours = read_csv(published.ok("publish", "spend", *Q2).stdout)
    text = published.ok("publish", "spend", *Q2, "--columns", "lga").stdout
    assert text.splitlines()[0] == "\ufeff" + SPEND_HEADER
    theirs = read_csv(text)
    assert len(theirs) == len(ours) == 4  # the header and A-Q1, A-500.01, D-1, in order paid
    for mine, lgas in zip(as_dicts(ours), as_dicts(theirs), strict=True):
        for column, source in SPEND_FROM.items():
            assert lgas[column] == mine[source], (column, mine["invoice"])
        assert lgas["BeneficiaryOtherID"] == (mine["companies_house"] or mine["charity_number"])
        assert lgas["EffectiveDate"] == "2015-09-30"  # the quarter's end: the data's date
        for unknown in (
            "OrganisationURI",
            "ProclassLabel",
            "ProclassCode",
            "VATRegistrationNumber",
        ):
            assert lgas[unknown] == ""
        # The finance system's cost centre, where the invoice line has one (none here).
        assert lgas["ProfitCentre"] == mine.get("cost_centre", "") == ""
    # By hand: A-Q1, then Dale Trust's D-1 identified by its charity number.
    assert theirs[1] == [
        "Leeds City Council",
        "",
        "2015-09-30",
        "Children's Services",
        "Alder Training",
        "SC123456",
        "2015-07-03",
        "LEEDS-RP-2015/SP-000003",
        "1234.56",
        "46.91",
        "Training under lot 4: Deep dive",
        "",
        "",
        "",
        "",
        "LEEDS-RP-2015/CO-00001",
        "A-Q1",
        "Training and development",
        "",
        "",
    ]
    assert theirs[3][4:10] == [
        "Dale Trust",
        "1098765",
        "2015-07-20",
        theirs[3][7],
        "3000.00",
        "0.00",
    ]


def test_spend_json_under_lga_columns_is_the_same_publication(published):
    ours = published.json("publish", "spend", *Q2)
    theirs = published.json("publish", "spend", *Q2, "--columns", "lga")
    assert theirs["columns"] == SPEND_HEADER.split(",")
    # Every key but the rows is as it was: totals, period, threshold.
    assert {k: v for k, v in theirs.items() if k not in ("rows", "columns")} == {
        k: v for k, v in ours.items() if k != "rows"
    }
    assert (theirs["count"], theirs["total"]) == (3, "4734.57")
    for mine, lgas in zip(ours["rows"], theirs["rows"], strict=True):
        assert list(lgas) == theirs["columns"]
        for column, source in SPEND_FROM.items():
            assert lgas[column] == mine[source], (column, mine["invoice"])
        assert lgas["BeneficiaryOtherID"] == (mine["companies_house"] or mine["charity_number"])
        assert lgas["EffectiveDate"] == ours["period_end"] == "2015-09-30"
        for unknown in ("OrganisationURI", "ProclassLabel", "ProclassCode", "ProfitCentre"):
            assert lgas[unknown] is None
        assert lgas["VATRegistrationNumber"] is None
    assert [r["Amount"] for r in theirs["rows"]] == ["1234.56", "500.01", "3000.00"]
    assert [r["BeneficiaryOtherID"] for r in theirs["rows"]] == ["SC123456", "SC123456", "1098765"]
    # --format json is --json here too.
    as_format = published.ok("publish", "spend", *Q2, "--columns", "lga", "--format", "json")
    assert json.loads(as_format.stdout) == theirs


# -- contracts ------------------------------------------------------------------------------


def test_contracts_csv_under_lga_columns_is_todays_register_cell_for_cell(published):
    ours = read_csv(published.ok("publish", "contracts", *Q2).stdout)
    text = published.ok("publish", "contracts", *Q2, "--columns", "lga").stdout
    assert text.splitlines()[0] == "\ufeff" + CONTRACTS_HEADER
    theirs = read_csv(text)
    assert len(theirs) == len(ours) == 5  # the framework, CO1, CO2, CO5
    for mine, lgas in zip(as_dicts(ours), as_dicts(theirs), strict=True):
        for column, source in CONTRACTS_FROM.items():
            assert lgas[column] == mine[source], (column, mine["reference"])
        assert (lgas["OrganisationLabel"], lgas["OrganisationURI"]) == ("Leeds City Council", "")
    framework, co1 = as_dicts(theirs)[:2]
    assert framework["ContractReferenceNumber"] == "LEEDS-RP-2015"
    assert (framework["ContractType"], framework["Value"]) == ("framework", "1500000.00")
    assert framework["ReviewDate"] == "2016-03-31"
    assert framework["SupplierCharityRegistrationNumber"] == "Dale Trust: 1098765"
    assert (framework["SME"], framework["ContractStatus"]) == ("Alder Training: Yes", "in force")
    assert co1["ContractReferenceNumber"] == "LEEDS-RP-2015/CO-00001"
    assert (co1["Title"], co1["Value"], co1["IrrecoverableVAT"]) == (
        "Deep dive",
        "12000.00",
        "46.91",
    )
    assert (co1["SupplierName"], co1["SupplierCompanyRegistrationNumber"]) == (
        "Alder Training",
        "SC123456",
    )
    assert (co1["SME"], co1["VCSE"], co1["SupplierPPON"], co1["ReviewDate"]) == ("Yes", "", "", "")
    assert co1["ProcurementProcess"] == "call-off from framework LEEDS-RP-2015, by ranking"
    assert as_dicts(theirs)[3]["ContractStatus"] == "cancelled"  # CO5, 3 August


def test_contracts_json_under_lga_columns_is_the_same_publication(published):
    ours = published.json("publish", "contracts", *Q2)
    theirs = published.json("publish", "contracts", *Q2, "--columns", "lga")
    assert theirs["columns"] == CONTRACTS_HEADER.split(",")
    assert {k: v for k, v in theirs.items() if k not in ("rows", "columns")} == {
        k: v for k, v in ours.items() if k != "rows"
    }
    assert (theirs["count"], theirs["calloffs_value"]) == (4, "27000.00")
    for mine, lgas in zip(ours["rows"], theirs["rows"], strict=True):
        assert list(lgas) == theirs["columns"]
        for column, source in CONTRACTS_FROM.items():
            assert lgas[column] == mine[source], (column, mine["reference"])
        assert (lgas["OrganisationLabel"], lgas["OrganisationURI"]) == ("Leeds City Council", None)
    co2 = theirs["rows"][2]
    assert (co2["SupplierName"], co2["SupplierCharityRegistrationNumber"]) == (
        "Dale Trust",
        "1098765",
    )
    assert (co2["SME"], co2["VCSE"], co2["Value"]) == (None, True, "6000.00")


# -- choosing the columns -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["spend", "contracts"])
def test_columns_calloff_is_todays_file(published, name):
    assert published.ok("publish", name, *Q2, "--columns", "calloff").stdout == (
        published.ok("publish", name, *Q2).stdout
    )


@pytest.mark.parametrize(
    "args",
    [
        ["spend", *Q2, "--columns", "nonsense"],
        ["contracts", *Q2, "--columns", "LGA "],
        ["spend", *Q2, "--columns"],
        ["payments", *Q2, "--columns", "lga"],  # the LGA's columns are for spend and contracts
    ],
)
def test_unknown_columns_are_a_usage_error(published, args):
    result = published("publish", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""


def test_the_library_takes_columns_as_the_command_does(published):
    with calloff.open(published.db) as office:
        spend = office.publish("spend", year="2015-16", quarter=2, columns="lga")
        file = office.publication_file("contracts", year="2015-16", quarter=2, columns="lga")
        same = office.publication_file("spend", year="2015-16", quarter=2, columns="calloff")
        for bad in ("nonsense", "", 1):
            with pytest.raises(InvalidInput, match="columns"):
                office.publish("spend", year="2015-16", quarter=2, columns=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="spend and contracts"):
            office.publication_file("payments", year="2015-16", quarter=2, columns="lga")
    assert spend == published.json("publish", "spend", *Q2, "--columns", "lga")
    assert file.text == published.ok("publish", "contracts", *Q2, "--columns", "lga").stdout
    assert file.period_end.isoformat() == "2015-09-30"
    assert same.text == published.ok("publish", "spend", *Q2).stdout


def test_settings_fill_the_lgas_own_columns(published):
    """The definition's organisation URI and Proclass category fill their cells; the rest
    of each row is unchanged."""
    settings = TransparencySettings("lga", LEEDS_URI, "195000", "Training and development")
    with calloff.open(published.db) as office:
        spend = office.publish("spend", year="2015-16", quarter=2)
        contracts = office.publish("contracts", year="2015-16", quarter=2)
    plain = lga.relabel(spend, TransparencySettings())
    filled = lga.relabel(spend, settings)
    for before, after in zip(plain["rows"], filled["rows"], strict=True):
        assert after["OrganisationURI"] == LEEDS_URI
        assert (after["ProclassCode"], after["ProclassLabel"]) == (
            "195000",
            "Training and development",
        )
        changed = {"OrganisationURI", "ProclassCode", "ProclassLabel"}
        assert {k: v for k, v in after.items() if k not in changed} == {
            k: v for k, v in before.items() if k not in changed
        }
    register = lga.relabel(contracts, settings)
    assert {r["OrganisationURI"] for r in register["rows"]} == {LEEDS_URI}
    assert register["columns"] == lga.CONTRACT_COLUMNS
    # A spend row with a cost centre (from the finance system's export) carries it.
    row = {**spend["rows"][0], "cost_centre": "CS-4410"}
    assert lga.relabel({**spend, "rows": [row]}, settings)["rows"][0]["ProfitCentre"] == "CS-4410"
    with pytest.raises(InvalidInput, match="spend and contracts"):
        lga.relabel({"publication": "payments", "rows": []}, settings)


def test_the_frameworks_default_applies_unless_the_command_says(published, monkeypatch):
    """Where the framework's settings make lga the default, spend and contracts use it and
    `columns="calloff"` goes back; other files are unchanged. (The settings are put on the
    framework here; tests below check the definition once schema 14 stores them.)"""
    settings = TransparencySettings("lga", LEEDS_URI)
    with calloff.open(published.db) as office:
        service = office.service
        monkeypatch.setattr(service, "framework", lambda: SimpleNamespace(transparency=settings))
        spend = office.publication_file("spend", year="2015-16", quarter=2)
        ours = office.publication_file("spend", year="2015-16", quarter=2, columns="calloff")
        payments = office.publish("payments", year="2015-16", quarter=2)
    assert spend.text.splitlines()[0] == "\ufeff" + SPEND_HEADER
    assert LEEDS_URI in spend.text.splitlines()[1]
    assert ours.text == published.ok("publish", "spend", *Q2).stdout
    assert payments == published.json("publish", "payments", *Q2)


def test_lga_json_keys_are_documented(published):
    """tests/test_json_keys.py runs each command once; these are its LGA forms."""
    known = chapter(DOCS / "publishing.md", "JSON keys")
    for name in ("spend", "contracts"):
        keys = keys_of(published.json("publish", name, *Q2, "--columns", "lga"))
        assert keys - known == set(), name


# -- the definition's settings ----------------------------------------------------------------


def test_a_definition_without_settings_has_calloffs_columns():
    assert read({}) == TransparencySettings("calloff", "", "", "")
    assert read(
        {
            "transparency_columns": "lga",
            "organisation_uri": f" {LEEDS_URI} ",
            "proclass_code": "195000",
            "proclass_label": "Training and development",
        }
    ) == TransparencySettings("lga", LEEDS_URI, "195000", "Training and development")
    assert read({"transparency_columns": "calloff"}).columns == "calloff"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"transparency_columns": "LGA"}, "transparency_columns 'LGA' is not known"),
        ({"transparency_columns": "nonsense"}, 'write "calloff" or "lga"'),
        ({"transparency_columns": True}, "transparency_columns must be text"),
        ({"organisation_uri": "opendatacommunities.org/id/leeds"}, "not a web address"),
        ({"organisation_uri": "http://a b"}, "not a web address"),
        ({"proclass_code": "19 50"}, "not a Proclass code"),
        ({"proclass_label": "Training\nand development"}, "line break"),
    ],
)
def test_a_bad_setting_is_one_line(data, message):
    with pytest.raises(DefinitionError, match=message) as caught:
        read(data)
    assert "\n" not in str(caught.value)


# -- for the lead to finish once schema 14 stores the settings with the framework -------------


def lga_definition(folder: Path, *extra: str) -> Path:
    path = folder / "lga.toml"
    path.write_text("\n".join(extra) + "\n" + DEFINITION.read_text())
    return path


def test_the_definition_makes_lga_the_default(tmp_path):
    definition = lga_definition(
        tmp_path,
        'transparency_columns = "lga"',
        f'organisation_uri = "{LEEDS_URI}"',
        'proclass_code = "195000"',
        'proclass_label = "Training and development"',
    )
    cl = Calloff(tmp_path / "calloff.db")
    cl.ok("init", "--from", str(definition))
    cl.ok("provider", "add", "Alder Training", "--companies-house", "SC123456")
    cl.ok("rank", "set", "4", "1")
    cl.ok("price", "set", "4", "1", "--day", "1000")
    assert let(cl, 4, "Deep dive", "2015-06-01", "2015-05-01", "2015-05-21", "--value", "6000") == 1
    spend_line(cl, 1, "A-1", "1000", "2015-07-01", "--paid", "2015-07-10")
    table = read_csv(cl.ok("publish", "spend", *Q2).stdout)
    assert ",".join(table[0]) == SPEND_HEADER
    assert table[1][:3] == ["Leeds City Council", LEEDS_URI, "2015-09-30"]
    assert table[1][11:13] == ["Training and development", "195000"]
    assert ",".join(read_csv(cl.ok("publish", "contracts", *Q2).stdout)[0]) == CONTRACTS_HEADER
    ours = read_csv(cl.ok("publish", "spend", *Q2, "--columns", "calloff").stdout)
    assert ours[0][:2] == ["organisation", "transaction_number"]


def test_a_bad_transparency_setting_stops_init(tmp_path):
    cl = Calloff(tmp_path / "calloff.db")
    definition = lga_definition(tmp_path, 'transparency_columns = "nonsense"')
    line = cl.refused("init", "--from", str(definition))
    assert "transparency_columns 'nonsense' is not known" in line
