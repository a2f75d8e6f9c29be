"""The library's front door: what a commissioning officer does, callable from Python.

`calloff.create()` and `calloff.open()` give an `Office`, one officer at one framework
database. Every action takes keyword arguments and returns the model's records
(`Provider`, `Request`, `CallOff`, `Position`...); a refusal raises the same
`CalloffError` whose message the `calloff` command prints, and writes nothing.

Money is `Decimal` (or a string such as "12500.00"; never a float, which cannot hold
pence exactly). Dates are `datetime.date` (or ISO text, "2015-06-01"). Every `on=` is
the effective date of the action and defaults to today, as `--on` does.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from calloff import definition
from calloff.dates import FinancialYear, parse_date
from calloff.errors import InvalidInput
from calloff.model import CallOff, Framework, Provider, Rates, Request
from calloff.money import parse_money
from calloff.rules import Position
from calloff.service import Lapse, Outcome, Service
from calloff.spending import ImportSummary, SpendLine
from calloff.storage import Store

Money = Decimal | str | int
Day = date | str
Ref = int | str  # a provider's id or its name

__all__ = ["Office", "create", "open"]


def create(
    path: str | Path,
    *,
    framework: str = "leeds-rp-2015",
    definition_file: str | Path | None = None,
    officer: str | None = None,
) -> Office:
    """A new database for an embedded framework (`leeds-rp-2015`, `nottingham-rp-2023`)
    or for the one a definition file describes; refused if the file exists already."""
    fw = definition.load(definition_file) if definition_file else definition.embedded(framework)
    who = _officer(officer)
    return Office(Store.create(path, fw, who), who)


def open(path: str | Path, *, officer: str | None = None) -> Office:
    """An existing database (an older schema is upgraded, with a backup, as the CLI does)."""
    return Office(Store.open(path), _officer(officer))


def _officer(officer: str | None) -> str:
    if officer is not None:
        from calloff.model import clean_text

        return clean_text(officer, "the officer", 100)
    try:
        return getpass.getuser()
    except Exception:
        return "officer"


def _day(value: Day | None, what: str = "the date") -> date:
    if value is None:
        return date.today()
    if isinstance(value, date | str):
        return parse_date(value)
    raise InvalidInput(f"{what} must be a date or ISO text such as 2015-06-01")


def _money(value: Money | None, what: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise InvalidInput(f"{what} must be a Decimal or text such as '12500.00', not a float")
    return parse_money(value)


def _year(year: FinancialYear | str | None) -> FinancialYear | None:
    return FinancialYear.parse(year) if isinstance(year, str) else year


class Office:
    """One officer's desk at one framework database. Use it as a context manager, or call
    `close()`, so the database file is released."""

    def __init__(self, store: Store, officer: str) -> None:
        self.store = store
        self.officer = officer
        self._service = Service(store, officer)

    def __enter__(self) -> Office:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    @property
    def service(self) -> Service:
        """The service underneath, for what this front door does not cover."""
        return self._service

    # -- the framework -------------------------------------------------------------------

    @property
    def framework(self) -> Framework:
        """The framework as it stands: lots, term (with extensions taken), streams."""
        return self._service.framework()

    def providers(self) -> list[Provider]:
        """Every provider, with its status today."""
        return self._service.providers()

    def provider(self, ref: Ref) -> Provider:
        return self._service.provider(ref)

    def add_provider(self, name: str, *, vat: str = "standard", on: Day | None = None) -> Provider:
        """A provider on the framework; `vat` is `standard` (20%) or `exempt`."""
        pid = self._service.setup.add_provider(name, vat, _day(on))
        return self._service.provider(pid)

    def suspend(self, provider: Ref, *, reason: str, on: Day | None = None) -> Provider:
        """From `on`, the cascade passes over the provider, giving the reason."""
        return self._service.setup.set_provider_status(provider, "suspended", reason, _day(on))

    def reinstate(self, provider: Ref, *, on: Day | None = None) -> Provider:
        return self._service.setup.set_provider_status(provider, "active", "", _day(on))

    def withdraw(self, provider: Ref, *, reason: str, on: Day | None = None) -> Provider:
        """Withdrawn for good, from `on`."""
        return self._service.setup.set_provider_status(provider, "withdrawn", reason, _day(on))

    def mark_unavailable(
        self,
        provider: Ref,
        *,
        start: Day,
        end: Day,
        reason: str,
        lot: int | None = None,
        on: Day | None = None,
    ) -> None:
        """Unavailable for delivery between `start` and `end` (on one lot, or every lot)."""
        self._service.setup.mark_unavailable(
            provider, _day(start), _day(end), lot, reason, _day(on)
        )

    def set_ranking(
        self, *, lot: int, providers: Sequence[Ref], on: Day | None = None
    ) -> list[Provider]:
        """The lot's ranking from tender evaluation, rank 1 first."""
        return self._service.setup.set_ranking(lot, list(providers), _day(on))

    def ranking(self, lot: int) -> list[tuple[int, Provider, Rates]]:
        """The lot's ranking: (rank, provider, tendered rates), rank 1 first."""
        return [(e["rank"], e["provider"], e["rates"]) for e in self._service.ranking(lot)]

    def set_rates(
        self,
        *,
        lot: int,
        provider: Ref,
        day: Money | None = None,
        session: Money | None = None,
        place: Money | None = None,
        on: Day | None = None,
    ) -> Rates:
        """The provider's tendered unit rates on a lot (ex-VAT)."""
        given = {
            unit: amount
            for unit, amount in (
                ("day", _money(day, "day")),
                ("session", _money(session, "session")),
                ("place", _money(place, "place")),
            )
            if amount is not None
        }
        if not given:
            raise InvalidInput("give at least one rate: day=, session= or place=")
        return self._service.setup.set_prices(lot, provider, given, _day(on))

    def import_rankings(self, path: str | Path, *, on: Day | None = None) -> dict[int, int]:
        """Rankings (and rates) from a CSV file; returns how many providers each lot ranks."""
        return self._service.setup.import_rankings(path, _day(on))

    # -- requests, the cascade, answers ---------------------------------------------------

    def add_request(
        self,
        *,
        lot: int,
        title: str,
        start: Day,
        end: Day | None = None,
        value: Money | None = None,
        quantity: int | None = None,
        unit: str | None = None,
        funding: str | None = None,
        attendees: int | None = None,
        on: Day | None = None,
    ) -> Request:
        """A training request: a fixed `value`, or a `quantity` of a `unit` (day, session,
        place) priced at the offered provider's tendered rate."""
        rid = self._service.add_request(
            lot,
            title,
            _day(start, "start"),
            None if end is None else _day(end, "end"),
            _money(value, "value"),
            quantity,
            unit,
            funding,
            attendees,
            _day(on),
        )
        return self._service.store.request(rid)

    def allocate(self, request: int, *, on: Day | None = None) -> Outcome:
        """Offer the request to the best-ranked eligible provider (or refuse, writing nothing)."""
        return self._service.allocate(request, _day(on))

    def decline(self, calloff: int, *, reason: str, on: Day | None = None) -> Outcome:
        """The provider declined: record it and offer the request to the next rank."""
        return self._service.decline(calloff, reason, _day(on))

    def accept(self, calloff: int, *, on: Day | None = None) -> CallOff:
        return self._service.accept(calloff, _day(on))

    def approve(self, calloff: int, *, on: Day | None = None) -> CallOff:
        """A second officer approves a call-off at or over the approval threshold."""
        return self._service.approve(calloff, _day(on))

    def reject(self, calloff: int, *, reason: str, on: Day | None = None) -> CallOff:
        return self._service.reject(calloff, reason, _day(on))

    def lapse(self, *, on: Day | None = None) -> list[Lapse]:
        """Every offer unanswered past its respond-by day counts as declined."""
        return self._service.lapse(_day(on))

    def calloff(self, calloff: int) -> CallOff:
        return self._service.calloff(calloff)

    # -- spend and the life of a call-off ------------------------------------------------

    def add_spend(
        self,
        calloff: int,
        *,
        amount: Money,
        invoice_date: Day,
        invoice: str,
        attendees: int | None = None,
        on: Day | None = None,
    ) -> SpendLine:
        """One invoice line (ex-VAT) against an accepted call-off; `on` defaults to the
        invoice date."""
        paid = _money(amount, "amount")
        assert paid is not None
        recorded = None if on is None else _day(on)
        return self._service.spending.add_spend(
            calloff, paid, _day(invoice_date, "invoice_date"), invoice, attendees, recorded
        )

    def import_spend(self, path: str | Path, *, on: Day | None = None) -> ImportSummary:
        """Invoice lines from CSV, all or none."""
        return self._service.spending.import_spend(path, None if on is None else _day(on))

    def vary(self, calloff: int, *, value: Money, reason: str, on: Day | None = None) -> CallOff:
        new = _money(value, "value")
        assert new is not None
        return self._service.spending.vary(calloff, new, reason, _day(on))

    def complete(self, calloff: int, *, on: Day | None = None) -> CallOff:
        """Delivery finished: the commitment becomes the actual spend."""
        return self._service.spending.complete(calloff, _day(on))

    def cancel(self, calloff: int, *, reason: str, on: Day | None = None) -> CallOff:
        """The commitment becomes the spend so far."""
        return self._service.spending.cancel(calloff, reason, _day(on))

    # -- the budget ----------------------------------------------------------------------

    def headroom(self, *, year: FinancialYear | str | None = None) -> Position:
        """Ceiling, commitments and headroom for a financial year (default: as `calloff
        headroom` chooses), per stream and whole."""
        return self._service.budget.position(_year(year))

    def set_ceiling(
        self, *, year: FinancialYear | str, funding: str, amount: Money, on: Day | None = None
    ) -> Position:
        """A stream's cap for a year, from `on`."""
        cap = _money(amount, "amount")
        assert cap is not None
        fy = _year(year)
        assert fy is not None
        return self._service.budget.set_ceiling(fy, funding, cap, _day(on))

    def confirm_funding(self, stream: str, *, on: Day | None = None) -> Framework:
        return self._service.budget.confirm_funding(stream, _day(on))

    def extend_term(self, *, on: Day | None = None) -> Framework:
        """Take up the next extension option (while the term runs)."""
        return self._service.budget.extend_term(_day(on))

    # -- reports -------------------------------------------------------------------------

    def report(
        self,
        *,
        year: FinancialYear | str,
        quarter: int | None = None,
        as_recorded: int | str | None = None,
    ) -> dict[str, Any]:
        """The quarterly spend-against-contract figures: the same document as `calloff
        report quarterly --json` (keys in docs/reports.md; money as text, "12500.00")."""
        from calloff.reports import quarterly

        fy = _year(year)
        assert fy is not None
        return quarterly(self.store, fy, quarter, as_recorded)
