"""calloff: run a framework agreement and its call-offs.

    >>> import calloff
    >>> office = calloff.create("calloff.db", officer="a.officer")  # doctest: +SKIP

`create` and `open` give an `Office`, whose keyword-only methods are what an officer
does (docs/library.md). Underneath, the library is layered: `money`, `dates`, `model`
and `rules` are the domain and import neither storage nor the CLI; `storage` is the
only module that touches SQLite; `service` is what an officer does; `documents`,
`orders` and `reports` render what people read.

The names below load on first use, so `calloff --help` does not pay for them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "api": ("create", "open", "Office"),
    "errors": (
        "CalloffError",
        "InvalidInput",
        "NotFound",
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
    "model": ("Framework", "Lot", "Provider", "Rates", "Request", "CallOff", "PassOver"),
    "rules": ("Position", "StreamPosition"),
    "service": ("Outcome", "Lapse"),
    "spending": ("SpendLine", "ImportSummary"),
    "dates": ("FinancialYear",),
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
    "NotFound",
    "Office",
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
    "SpendLine",
    "StreamPosition",
    "Tampered",
    "ValueExceeded",
    "WrongStatus",
    "__version__",
    "create",
]

if TYPE_CHECKING:
    from calloff.api import Office, create
    from calloff.api import open as open  # re-exported, though not in __all__ (see above)
    from calloff.dates import FinancialYear
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
        NotFound,
        OutsideGrantWindow,
        OutsideTerm,
        RankingError,
        RuleBroken,
        Tampered,
        ValueExceeded,
        WrongStatus,
    )
    from calloff.model import CallOff, Framework, Lot, PassOver, Provider, Rates, Request
    from calloff.rules import Position, StreamPosition
    from calloff.service import Lapse, Outcome
    from calloff.spending import ImportSummary, SpendLine


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(import_module(f"calloff.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'calloff' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
