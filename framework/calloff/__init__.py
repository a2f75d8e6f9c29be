"""calloff: run a framework agreement and its call-offs.

    >>> import calloff
    >>> office = calloff.create("calloff.db", officer="a.officer")  # doctest: +SKIP

`create` and `open` give an `Office`, whose keyword-only methods are what an officer
does (docs/library.md): the one front door that the command, the browser and any Python
caller use. Behind it the library is built in floors, each importing only its own and
the floors below it (tests/test_layers.py):

    errors       every refusal, by name: the ground under all
    domain/      money, dates, the model and the rules: pure, no SQLite, Jinja or click
    store/       the only code that runs SQL: the database, its tables and the audit trail
    actions/     what an officer does, one transaction each
    documents/   what people read: orders, records, letters, JSON shapes, the template sandbox
    reports/     the quarterly spend-against-contract report
    publishing/  what the law has the council publish, and when
    demo/        the worked example behind `calloff demo`
    api (with api_competition, api_officers, api_publishing, api_records, api_setup and
    api_spending) and arguments: the front door; startup: what the command does first

The names below load on first use, so `calloff --help` does not pay for them.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "api": ("create", "open", "Office"),
    "errors": (
        "CalloffError",
        "InvalidInput",
        "NotFound",
        "NotAuthorised",
        "RuleBroken",
        "CeilingExceeded",
        "NoCeiling",
        "OutsideTerm",
        "FundingPending",
        "OutsideGrantWindow",
        "ValueExceeded",
        "NoEligibleProvider",
        "RankingError",
        "WrongStatus",
        "DatabaseError",
        "DatabaseBusy",
        "Tampered",
        "DefinitionError",
        "ImportRejected",
    ),
    "domain.model": ("Framework", "Lot", "Provider", "Rates", "Request", "CallOff", "PassOver"),
    "domain.rules": ("Position", "StreamPosition"),
    "actions.service": ("Outcome", "Lapse"),
    "actions.spending": ("SpendLine", "ImportSummary"),
    "domain.dates": ("FinancialYear",),
    "domain.officers": ("Officer", "Delegation"),
    "domain.listings": ("SignIn",),
}
_HOME = {name: module for module, names in _PUBLIC.items() for name in names}

# `open` is left out, so `from calloff import *` cannot shadow the built-in `open`:
# write `calloff.open(...)`.
__all__ = [
    "CallOff",
    "CalloffError",
    "CeilingExceeded",
    "DatabaseBusy",
    "DatabaseError",
    "DefinitionError",
    "Delegation",
    "FinancialYear",
    "Framework",
    "FundingPending",
    "ImportRejected",
    "ImportSummary",
    "InvalidInput",
    "Lapse",
    "Lot",
    "NoCeiling",
    "NoEligibleProvider",
    "NotAuthorised",
    "NotFound",
    "Office",
    "Officer",
    "Outcome",
    "OutsideGrantWindow",
    "OutsideTerm",
    "PassOver",
    "Position",
    "Provider",
    "RankingError",
    "Rates",
    "Request",
    "RuleBroken",
    "SignIn",
    "SpendLine",
    "StreamPosition",
    "Tampered",
    "ValueExceeded",
    "WrongStatus",
    "__version__",
    "create",
]

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

    from calloff.actions.service import Lapse, Outcome
    from calloff.actions.spending import ImportSummary, SpendLine
    from calloff.api import Office, create
    from calloff.api import open as open  # re-exported, though not in __all__ (see above)
    from calloff.domain.dates import FinancialYear
    from calloff.domain.model import CallOff, Framework, Lot, PassOver, Provider, Rates, Request
    from calloff.domain.rules import Position, StreamPosition
    from calloff.errors import (
        CalloffError,
        CeilingExceeded,
        DatabaseBusy,
        DatabaseError,
        DefinitionError,
        FundingPending,
        ImportRejected,
        InvalidInput,
        NoCeiling,
        NoEligibleProvider,
        NotAuthorised,
        NotFound,
        OutsideGrantWindow,
        OutsideTerm,
        RankingError,
        RuleBroken,
        Tampered,
        ValueExceeded,
        WrongStatus,
    )


class _CommandSource:
    """In a source checkout the command is `cli.py` at the top of the repository (the layout
    the project asked for), and the wheel puts it at `calloff/cli.py`; this finds it in the
    checkout, and nothing else, so `calloff.cli` imports from either."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != "calloff.cli":
            return None
        here = os.path.dirname(os.path.abspath(__file__))
        source = os.path.join(os.path.dirname(os.path.dirname(here)), "cli.py")
        if os.path.exists(os.path.join(here, "cli.py")) or not os.path.isfile(source):
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(name, source)


if not any(isinstance(f, _CommandSource) for f in sys.meta_path):
    sys.meta_path.append(_CommandSource())


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(import_module(f"calloff.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'calloff' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
