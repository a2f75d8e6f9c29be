"""A provider's registration numbers and the facts a council publishes about it.

Each number is checked for its form only (calloff cannot reach the registers), so a
typing slip is caught when the officer makes it, not when a reader of the contracts
register fails to find the company.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from calloff.domain.model import clean_text
from calloff.errors import InvalidInput

# Companies House: 8 characters, all digits (England and Wales) or two letters and six
# digits (SC Scotland, NI Northern Ireland, OC an LLP…).
COMPANY = re.compile(r"(?:[A-Z]{2}[0-9]{6}|[0-9]{8})")
# The Charity Commission's register numbers are digits (a linked charity's suffix aside).
CHARITY = re.compile(r"[0-9]{5,8}")
# A Public Procurement Organisation Number from the Central Digital Platform: P, three
# letters with no vowels nor easily confused ones, four digits 1-9, three such letters
# and a check letter (C for an informal consortium), e.g. PBCD-1234-BCDG.
PPON_LETTERS = "BCDGHJLMNPQRTVWXYZ"
PPON = re.compile(rf"P[{PPON_LETTERS}]{{3}}-[1-9]{{4}}-[{PPON_LETTERS}]{{3}}[DGHJLMNPQRTVWXYZC]")
PPON_EXAMPLE = "PBCD-1234-BCDG"


def _squeezed(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def check_companies_house(value: str) -> str | None:
    """`sc 123456` is SC123456; an empty value clears the number."""
    number = _squeezed(value)
    if not number:
        return None
    if not COMPANY.fullmatch(number):
        raise InvalidInput(
            f"Companies House number {value!r} is not valid: it is 8 characters, 8 digits "
            "or 2 letters and 6 digits (e.g. 01234567 or SC123456)"
        )
    return number


def check_charity(value: str) -> str | None:
    number = _squeezed(value)
    if not number:
        return None
    if not CHARITY.fullmatch(number):
        raise InvalidInput(
            f"charity number {value!r} is not valid: it is digits only, 5 to 8 of them "
            "(e.g. 1234567)"
        )
    return number


def check_ppon(value: str) -> str | None:
    """The PPON as stored: upper case, without spaces or a `GB-PPON-` (or `GB-PPON:`)
    prefix. One not in the platform's format is kept as given (early PPONs may predate
    the final rule): `ppon_warning` says so."""
    typed = _squeezed(value)
    if not typed:
        return None
    number = typed
    for prefix in ("GB-PPON-", "GB-PPON:"):
        number = number.removeprefix(prefix)
    if len(number) > 40:
        raise InvalidInput(
            f"PPON {value!r} is {len(number)} characters long: a PPON has 14 (e.g. {PPON_EXAMPLE})"
        )
    if not number or not re.fullmatch(r"[A-Z0-9:-]+", number):
        raise InvalidInput(
            f"PPON {value!r} is not valid: it is letters and digits joined by hyphens, as "
            f"the Central Digital Platform gives it (e.g. {PPON_EXAMPLE})"
        )
    return number


def ppon_warning(number: str | None) -> str | None:
    """What is odd about a stored PPON, or None if it is in the platform's format."""
    if number is None or PPON.fullmatch(number):
        return None
    return (
        f"PPON {number} is not in the Central Digital Platform's format (P, three letters "
        f"from {PPON_LETTERS}, four digits 1-9, three such letters and a check letter, "
        f"e.g. {PPON_EXAMPLE}): it is stored as typed; check it on the platform"
    )


def check_address(value: str) -> str | None:
    text = clean_text(value, "the address", 300) if value.strip() else ""
    return text or None


def check_email(value: str) -> str | None:
    """Where the provider's offers, reminders and letters go; "" clears it."""
    from calloff.domain.officers import email

    return email(value) or None


@attrs.frozen
class Details:
    """The publication facts given for a provider: only those given change on an edit."""

    address: str | None = None
    companies_house: str | None = None
    charity: str | None = None
    sme: bool | None = None
    vcse: bool | None = None
    ppon: str | None = None
    supported_employment: bool | None = None
    public_service_mutual: bool | None = None
    email: str | None = None

    @classmethod
    def checked(
        cls,
        *,
        address: str | None = None,
        companies_house: str | None = None,
        charity: str | None = None,
        sme: bool | None = None,
        vcse: bool | None = None,
        ppon: str | None = None,
        supported_employment: bool | None = None,
        public_service_mutual: bool | None = None,
        email: str | None = None,
    ) -> tuple[Details, set[str]]:
        """The details in their stored form, and the names of those that were given."""
        given = {
            name
            for name, v in (
                ("address", address),
                ("companies_house", companies_house),
                ("charity", charity),
                ("sme", sme),
                ("vcse", vcse),
                ("ppon", ppon),
                ("supported_employment", supported_employment),
                ("public_service_mutual", public_service_mutual),
                ("email", email),
            )
            if v is not None
        }
        return (
            cls(
                address=None if address is None else check_address(address),
                companies_house=None
                if companies_house is None
                else check_companies_house(companies_house),
                charity=None if charity is None else check_charity(charity),
                sme=sme,
                vcse=vcse,
                ppon=None if ppon is None else check_ppon(ppon),
                supported_employment=supported_employment,
                public_service_mutual=public_service_mutual,
                email=None if email is None else check_email(email),
            ),
            given,
        )

    def row(self, given: set[str]) -> dict[str, Any]:
        """The columns to write for the details that were given."""
        values = attrs.asdict(self)
        return {k: (int(v) if isinstance(v, bool) else v) for k, v in values.items() if k in given}
