"""The provider forms' fields, labels and actions, and reading what a provider form
was given: kept apart from the pages (`setup_providers`) so each stays short."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from calloff.arguments import provider_detail
from calloff.web.forms import Form

DETAILS = ("email", "address", "companies_house", "charity", "ppon")
FLAGS = ("sme", "vcse", "supported_employment", "public_service_mutual")
YES_NO = {"yes": True, "no": False}


@attrs.frozen
class Step:
    """An action on a provider: its button, what it asks for, and what it says when done."""

    verb: str  # "Suspend"
    fields: tuple[str, ...]
    done: str  # "suspended"
    explains: str
    warning: bool = False


STEPS = {
    "edit": Step(
        "Edit details",
        (*DETAILS, *FLAGS),
        "updated",
        "Where its messages go, and what the council publishes about it. Clear a box to "
        "remove that detail.",
    ),
    "suspend": Step(
        "Suspend",
        ("reason",),
        "suspended",
        "From the date, allocation passes over the provider, giving the reason.",
        warning=True,
    ),
    "reinstate": Step("Reinstate", (), "reinstated", "The suspension ends on the date."),
    "withdraw": Step(
        "Withdraw",
        ("reason",),
        "withdrawn",
        "The provider leaves the framework for good from the date: a withdrawal is final.",
        warning=True,
    ),
    "unavailable": Step(
        "Mark unavailable",
        ("start", "end", "lot", "reason"),
        "unavailable",
        "Requests whose dates touch these dates pass over the provider, giving the reason.",
    ),
}


def fields_for(names: tuple[str, ...], lots: Any = ()) -> list[dict[str, Any]]:
    """The form's fields, in order, for the set-up form template."""
    flag = [
        {"value": "yes", "text": "Yes"},
        {"value": "no", "text": "No"},
        {"value": "unknown", "text": "Not recorded"},
    ]
    spec: dict[str, dict[str, Any]] = {
        "name": {"kind": "text", "label": "Name"},
        "vat": {
            "kind": "radios",
            "label": "VAT on its training",
            "items": [
                {"value": "standard", "text": "Standard-rated (20% VAT on invoices)"},
                {"value": "exempt", "text": "Exempt (an eligible body: no VAT)"},
            ],
        },
        "email": {
            "kind": "text",
            "label": "E-mail address for offers (optional)",
            "hint": "Where offers, reminders and letters go, such as bookings@provider.example",
            "type": "email",
            "autocomplete": "email",
            "spellcheck": False,
        },
        "address": {"kind": "text", "label": "Registered address (optional)"},
        "companies_house": {
            "kind": "text",
            "label": "Companies House number (optional)",
            "hint": "8 digits, or 2 letters and 6 digits, such as 01234567 or SC123456",
            "classes": "govuk-input--width-10",
        },
        "charity": {
            "kind": "text",
            "label": "Charity number (optional)",
            "hint": "5 to 8 digits",
            "classes": "govuk-input--width-10",
        },
        "sme": {"kind": "radios", "label": "A small or medium enterprise (SME)?", "items": flag,
                "inline": True},
        "vcse": {"kind": "radios", "label": "A voluntary, community or social enterprise "
                 "(VCSE)?", "items": flag, "inline": True},
        "supported_employment": {"kind": "radios", "label": "A supported employment provider?",
                                 "items": flag, "inline": True},
        "public_service_mutual": {"kind": "radios", "label": "A public service mutual?",
                                  "items": flag, "inline": True},
        "ppon": {
            "kind": "text",
            "label": "Public Procurement Organisation Number (PPON, optional)",
            "hint": "Such as PBCD-1234-BCDG",
            "classes": "govuk-input--width-20",
        },
        "reason": {"kind": "text", "label": "Reason (kept for the audit trail)"},
        "start": {"kind": "date", "label": "First day it cannot deliver"},
        "end": {"kind": "date", "label": "Last day it cannot deliver"},
        "lot": {
            "kind": "choice",
            "label": "On which lot",
            "items": [{"value": "", "text": "Every lot"}]
            + [{"value": str(lot.number), "text": f"Lot {lot.number}"} for lot in lots],
        },
    }  # fmt: skip
    return [{"name": n, **spec[n]} for n in names]


LABELS = {
    "name": "Name",
    "vat": "VAT",
    "email": "E-mail address",
    "address": "Registered address",
    "companies_house": "Companies House number",
    "charity": "Charity number",
    "sme": "SME",
    "vcse": "VCSE",
    "supported_employment": "Supported employment provider",
    "public_service_mutual": "Public service mutual",
    "ppon": "PPON",
    "reason": "Reason",
    "start": "From",
    "end": "To",
    "lot": "Lot",
}
# A refusal's sentence names its field: (words in it, field), first match wins.
MENTIONS = (
    ("email address", "email"),
    ("companies house", "companies_house"),
    ("charity", "charity"),
    ("ppon", "ppon"),
    ("address", "address"),
    ("provider's name", "name"),
    ("a provider called", "name"),
    ("vat", "vat"),
    ("reason", "reason"),
    ("end=", "end"),
    ("lot", "lot"),
    ("after today", "on"),
)


def field_of(message: str, fields: tuple[str, ...]) -> str:
    lowered = message.lower()
    for words, field in MENTIONS:
        if words in lowered and (field in fields or field == "on"):
            return field
    return fields[0] if fields else "on"


def changes(p: Any, form: Form) -> dict[str, Any]:
    """The details the form changes: only those that differ from what is recorded (an
    emptied box clears its detail; "Not recorded" leaves a flag as it is)."""
    found: dict[str, Any] = {}
    for key in DETAILS:
        if form.get(key) != (getattr(p, key) or ""):
            found[key] = form.get(key)
    for key in FLAGS:
        chosen = YES_NO.get(form.get(key))
        if chosen is not None and chosen != getattr(p, key):
            found[key] = chosen
    return found


def given(form: Form, names: tuple[str, ...]) -> dict[str, Any]:
    """The details a new provider was given: filled-in boxes and chosen flags."""
    found: dict[str, Any] = {}
    for key in names:
        value = form.get(key)
        if key in FLAGS:
            if value in YES_NO:
                found[key] = YES_NO[value]
        elif value:
            found[key] = value
    return found


def read_details(form: Form, names: Iterable[str]) -> dict[str, str]:
    """The text details filled in, read at Continue as the library keeps them (SC123456
    for "sc 123456"): a refusal in its words at the field."""
    read: dict[str, str] = {}
    for key in names:
        if key in DETAILS and form.get(key):
            value = form.read(key, provider_detail, key, form.get(key))
            if value:
                read[key] = value
    return read


def flags(form: Form) -> None:
    for flag in FLAGS:
        if form.get(flag) not in ("", "unknown", *YES_NO):
            form.error(flag, f"Choose yes, no or not recorded for {LABELS[flag]}")


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "cleared"
