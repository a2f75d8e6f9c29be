"""What a council publishes about a provider, and the receipt, payment and VAT of an invoice:
each is checked when the officer types it, and a refusal writes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calloff.domain.dates import FinancialYear, quarter_of
from calloff.domain.registration import (
    PPON,
    check_charity,
    check_companies_house,
    check_ppon,
    ppon_warning,
)
from calloff.errors import InvalidInput
from tests.conftest import Calloff


@pytest.mark.parametrize(
    "option, value, fragment",
    [
        ("--companies-house", "1234567", "Companies House number '1234567' is not valid"),
        ("--companies-house", "123456789", "8 digits or 2 letters and 6 digits"),
        ("--companies-house", "S1234567", "is not valid"),
        ("--companies-house", "SC12345X", "is not valid"),
        ("--charity", "12a45", "charity number '12a45' is not valid: it is digits only"),
        ("--charity", "1234", "5 to 8 of them"),
        ("--charity", "SC012345", "digits only"),
        ("--ppon", "PABC_1234_DEFG", "PPON 'PABC_1234_DEFG' is not valid: it is letters"),
        ("--ppon", "P" * 41, "e.g. PBCD-1234-BCDG"),
    ],
)
def test_a_bad_identifier_is_refused_on_add_and_edit(leeds: Calloff, option, value, fragment):
    line = leeds.refused("provider", "add", "Dale Trust", option, value)
    assert fragment in line
    line = leeds.refused("provider", "edit", "1", option, value)
    assert fragment in line
    assert [p["name"] for p in leeds.json("provider", "list")] == [
        "Alder Training",
        "Birch Practice Ltd",
        "Cedar Conferencing",
    ]


def test_identifiers_are_kept_in_their_usual_form(calloff: Calloff):
    """Spaces go and letters are capitals: `sc 123 456` is SC123456."""
    calloff.ok("init")
    out = calloff.json(
        "provider",
        "add",
        "Alder Training",
        "--companies-house",
        "sc 123 456",
        "--charity",
        " 1098765 ",
        "--ppon",
        "pbcd-1234-bcdg",
        "--address",
        "1 Fictional Row, Leeds LS99 9ZZ",
        "--sme",
        "--not-vcse",
    )
    assert {
        k: out[k] for k in ("companies_house", "charity", "ppon", "address", "sme", "vcse")
    } == {
        "companies_house": "SC123456",
        "charity": "1098765",
        "ppon": "PBCD-1234-BCDG",
        "address": "1 Fictional Row, Leeds LS99 9ZZ",
        "sme": True,
        "vcse": False,
    }
    assert calloff.json("provider", "show", "1") == out
    assert calloff.json("provider", "list") == [out]
    plain = calloff.json("provider", "add", "Birch Practice Ltd")
    assert [plain[k] for k in ("address", "companies_house", "charity", "sme", "vcse", "ppon")] == [
        None
    ] * 6  # not recorded, which is not the same as "no"


def test_edit_changes_only_what_is_given_and_is_audited(leeds: Calloff):
    leeds.ok("provider", "edit", "1", "--companies-house", "01234567", "--sme")
    out = leeds.json("provider", "edit", "Alder Training", "--charity", "1098765")
    assert (out["companies_house"], out["sme"], out["charity"]) == ("01234567", True, "1098765")
    cleared = leeds.json("provider", "edit", "1", "--companies-house", "")
    assert (cleared["companies_house"], cleared["charity"]) == (None, "1098765")
    edits = [e for e in leeds.json("audit") if e["action"] == "provider.edit"]
    assert [(e["before"], e["after"]) for e in edits] == [
        ({"companies_house": None, "sme": None}, {"companies_house": "01234567", "sme": True}),
        ({"charity": None}, {"charity": "1098765"}),
        ({"companies_house": "01234567"}, {"companies_house": None}),
    ]
    assert all(e["object_id"] == "1" for e in edits)


def test_an_edit_that_changes_nothing_is_refused(leeds: Calloff):
    assert "nothing to change" in leeds.refused("provider", "edit", "1")
    leeds.ok("provider", "edit", "1", "--sme")
    assert "already has those details" in leeds.refused("provider", "edit", "1", "--sme")
    assert "provider 9 does not exist" in leeds.refused("provider", "edit", "9", "--sme")


# -- receipt, payment and VAT on an invoice ------------------------------------------------


@pytest.fixture
def accepted(leeds: Calloff, add_request) -> Calloff:
    """Call-off 1: Alder Training (standard VAT), £5,000 from 1 June 2015, accepted."""
    rid = add_request()
    leeds.ok("allocate", str(rid), "--on", "2015-05-02")
    leeds.ok("accept", "1", "--on", "2015-05-03")
    return leeds


def spend(cl: Calloff, *extra: str, invoice: str = "INV-1", amount: str = "1000"):
    return (
        "spend",
        "add",
        "1",
        "--amount",
        amount,
        "--date",
        "2015-06-10",
        "--invoice",
        invoice,
        *extra,
    )


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--received", "2015-06-09"], "received date 2015-06-09 is before invoice INV-1"),
        (["--paid", "2015-06-09"], "payment date 2015-06-09 is before invoice INV-1 is dated"),
        (
            ["--received", "2015-06-12", "--paid", "2015-06-11"],
            "payment date 2015-06-11 is before invoice INV-1 was received on 2015-06-12",
        ),
        (["--paid", "2999-01-01"], "is after today"),
        (["--received", "2999-01-01"], "is after today"),
        # £1,000 at 20% is £200.00: £200.02 is more than the standard rate allows.
        (["--vat", "200.02"], "VAT £200.02 is more than 20% of invoice INV-1's £1,000.00"),
        (["--irrecoverable-vat", "200.01"], "irrecoverable VAT £200.01 is more than the VAT"),
        (["--vat", "0", "--irrecoverable-vat", "0.01"], "is more than the VAT"),
        (["--paid", "2015-06-20", "--on", "2015-06-15"], "payment date 2015-06-20 of invoice"),
        (["--received", "2015-06-20", "--on", "2015-06-15"], "received date 2015-06-20"),
        (["--on", "2015-06-09"], "invoice date 2015-06-10 of invoice INV-1 is after the day"),
    ],
)
def test_a_payment_that_cannot_be_is_refused(accepted: Calloff, extra, fragment):
    assert fragment in accepted.refused(*spend(accepted, *extra))
    assert accepted.json("show", "1")["spend"] == []


def test_vat_is_the_providers_unless_given(accepted: Calloff):
    """£1,000.00 at 20% is £200.00; £200.01 is allowed for a supplier's own rounding."""
    assert accepted.json(*spend(accepted))["vat"] == "200.00"
    line = accepted.json(*spend(accepted, "--vat", "200.01", invoice="INV-2"))
    assert line["vat"] == "200.01"
    line = accepted.json(*spend(accepted, "--vat", "0", invoice="INV-3"))
    assert (line["vat"], line["irrecoverable_vat"]) == ("0.00", "0.00")
    shown = accepted.ok("show", "1").stdout
    assert "invoice INV-1  £1,000.00 + VAT £200.00  unpaid" in shown
    assert "invoice INV-3  £1,000.00 + VAT £0.00  unpaid" in shown


def test_pay_records_a_payment_once(accepted: Calloff):
    accepted.ok(*spend(accepted, "--received", "2015-06-11"))
    assert "before invoice INV-1 was received on 2015-06-11" in accepted.refused(
        "spend", "pay", "INV-1", "--on", "2015-06-10"
    )
    assert "leave out --received" in accepted.refused(
        "spend", "pay", "INV-1", "--on", "2015-06-20", "--received", "2015-06-12"
    )
    assert "no invoice NOPE" in accepted.refused("spend", "pay", "NOPE", "--on", "2015-06-20")
    paid = accepted.json("spend", "pay", "inv-1", "--on", "2015-06-20")
    assert (paid["invoice"], paid["received"], paid["paid"]) == (
        "INV-1",
        "2015-06-11",
        "2015-06-20",
    )
    assert "already paid on 2015-06-20" in accepted.refused(
        "spend", "pay", "INV-1", "--on", "2015-06-21"
    )
    entry = accepted.json("audit")[-1]
    assert (entry["action"], entry["effective_on"]) == ("spend.pay", "2015-06-20")
    assert accepted.json("show", "1")["spend"][0]["paid"] == "2015-06-20"


def test_pay_asks_whose_invoice_when_two_providers_share_a_reference(accepted, add_request):
    """Call-off 2 goes to Birch (Alder declines); both providers send an invoice A-1."""
    rid = add_request()
    accepted.ok("allocate", str(rid), "--on", "2015-05-02")
    accepted.ok("decline", "2", "--reason", "fully booked", "--on", "2015-05-03")
    accepted.ok("accept", "3", "--on", "2015-05-04")
    accepted.ok(*spend(accepted, invoice="A-1"))
    accepted.ok("spend", "add", "3", "--amount", "500", "--date", "2015-06-10", "--invoice", "A-1")
    assert "add --provider" in accepted.refused("spend", "pay", "A-1", "--on", "2015-06-30")
    paid = accepted.json("spend", "pay", "A-1", "--on", "2015-06-30", "--provider", "2")
    assert (paid["calloff"], paid["amount"]) == (3, "500.00")


def test_json_with_csv_format_is_a_usage_error(accepted: Calloff):
    line = accepted.refused(
        "publish", "spend", "--year", "2015-16", "--quarter", "1", "--json", "--format", "csv",
        code=2,
    )  # fmt: skip
    assert "--json and --format csv disagree" in line


def test_a_period_not_yet_over_is_flagged(accepted: Calloff):
    """The spend file for the quarter we are in may still change; the command says so on
    stderr and still writes it."""
    today = date.today()
    result = accepted.ok(
        "publish",
        "spend",
        "--year",
        str(FinancialYear.of(today)),
        "--quarter",
        str(quarter_of(today)),
    )
    assert "may still change" in result.stderr
    done = accepted.ok("publish", "spend", "--year", "2015-16", "--quarter", "1")
    assert done.stderr == ""


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ- ", max_size=16))
def test_a_checked_identifier_is_always_in_its_stored_form(text):
    """Whatever is typed, a number either comes back in the register's form or is refused;
    a PPON in the platform's form has 14 characters, and any other is warned about."""
    for check, length in ((check_companies_house, 8), (check_charity, None), (check_ppon, None)):
        try:
            number = check(text)
        except InvalidInput:
            continue
        if number is None:
            assert not text.replace(" ", "")
            continue
        assert number == number.upper() and " " not in number
        if length:
            assert len(number) == length
        if check is check_ppon:
            assert (ppon_warning(number) is None) == (
                len(number) == 14 and PPON.fullmatch(number) is not None
            )


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("PBCD-1234-BCDG", "PBCD-1234-BCDG"),  # the documented example
        ("GB-PPON-PBCD-1234-BCDG", "PBCD-1234-BCDG"),
        ("GB-PPON:PZYX-9876-WVTC", "PZYX-9876-WVTC"),  # C: an informal consortium
        (" pmnp-5555-qrtz ", "PMNP-5555-QRTZ"),
    ],
)
def test_a_ppon_in_the_platforms_format_is_kept_without_a_warning(leeds: Calloff, typed, stored):
    result = leeds.ok("provider", "add", "Dale Trust", "--ppon", typed, "--json")
    assert json.loads(result.stdout)["ppon"] == stored
    assert json.loads(result.stdout)["ppon_warning"] is None
    assert result.stderr == ""


@pytest.mark.parametrize(
    "typed",
    [
        "PABC-1234-DEFG",  # the old example: vowels never appear
        "PBCD-1034-BCDG",  # a 0 among the digits
        "PBCD-1234-BCDB",  # B is no check letter
        "ABC",
    ],
)
def test_a_ppon_not_in_the_platforms_format_warns_and_is_stored(leeds: Calloff, typed):
    result = leeds.ok("provider", "add", "Dale Trust", "--ppon", typed)
    assert result.stderr.startswith(f"warning: PPON {typed} is not in the Central Digital Platform")
    assert "e.g. PBCD-1234-BCDG" in result.stderr and "stored as typed" in result.stderr
    shown = leeds.json("provider", "show", "Dale Trust")
    assert shown["ppon"] == typed and "not in the Central Digital" in shown["ppon_warning"]
    edited = leeds.ok("provider", "edit", "Dale Trust", "--ppon", "PBCD-1234-BCDG")
    assert edited.stderr == ""


def test_the_two_further_statuses_are_recorded_and_audited(leeds: Calloff):
    out = leeds.json(
        "provider", "add", "Dale Trust", "--supported-employment", "--not-public-service-mutual"
    )
    assert (out["supported_employment"], out["public_service_mutual"]) == (True, False)
    edited = leeds.json("provider", "edit", "Dale Trust", "--public-service-mutual")
    assert (edited["supported_employment"], edited["public_service_mutual"]) == (True, True)
    edits = [e for e in leeds.json("audit") if e["action"] == "provider.edit"]
    assert edits[-1]["after"] == {"public_service_mutual": True}
    shown = leeds.ok("provider", "show", "Dale Trust").stdout
    assert "Supported employment provider: yes   Public service mutual: yes" in shown
