"""The library's set-up of a framework: its providers, their status and publication
details, the lots' rankings and tendered rates, as `Office` methods (see `calloff.api`).
Changing them needs the admin role. Kept apart so each capability stays small."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from calloff.arguments import (
    Day,
    Money,
    Ref,
    _count,
    _day,
    _id,
    _money,
    _path,
    _ref,
    _text,
)
from calloff.domain.model import Provider, Rates, Unavailability
from calloff.domain.registration import Details
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    from calloff.actions.service import Service


def _details(details: dict[str, str | bool | None]) -> tuple[Details, set[str]]:
    known = (
        "address",
        "companies_house",
        "charity",
        "sme",
        "vcse",
        "supported_employment",
        "public_service_mutual",
        "ppon",
        "email",
    )
    for key, value in details.items():
        if key not in known:
            raise InvalidInput(f"{key} is not a provider detail: choose from {', '.join(known)}")
        flag = key in ("sme", "vcse", "supported_employment", "public_service_mutual")
        if value is not None and not isinstance(value, bool if flag else str):
            raise InvalidInput(f"{key} must be {'True or False' if flag else 'text'}")
    return Details.checked(**details)  # type: ignore[arg-type]


class Setting:
    """Providers, rankings and rates."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    def providers(
        self, *, name: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Provider]:
        """Providers with their status today, in the order they were added: every one, or
        those whose name contains `name` (any case), or one page of them (`limit` from
        `offset`), which a list of thousands asks for."""
        return list(
            self.service.store.roster.providers(
                date.today(),
                name=None if name is None else _text(name, "name"),
                limit=_count(limit, "limit", 1, 10_000),
                offset=_count(offset, "offset", 0, 10**12) or 0,
            ).values()
        )

    def count_providers(self, *, name: str | None = None) -> int:
        """How many providers `providers(name=...)` lists."""
        return self.service.store.roster.count(None if name is None else _text(name, "name"))

    def provider(self, provider: Ref) -> Provider:
        return self.service.provider(_ref(provider))

    def provider_rankings(self, provider: Ref) -> list[tuple[int, int, Rates]]:
        """Where a provider is ranked now: (lot, rank, its tendered rates there), by lot."""
        return self.service.store.tenders.placings(self.provider(provider).id)

    def unavailability(self, provider: Ref) -> list[Unavailability]:
        """The dates a provider is marked unavailable (on one lot, or every lot)."""
        return self.service.store.roster.unavailability(self.provider(provider).id)

    def add_provider(
        self,
        name: str,
        *,
        vat: str = "standard",
        on: Day | None = None,
        **details: str | bool | None,
    ) -> Provider:
        """A provider on the framework; `vat` is `standard` (20%) or `exempt`. Publication
        details may come too: address, companies_house, charity, sme, vcse, supported_employment,
        public_service_mutual, ppon, email. A PPON not in the platform's format is stored
        as given; the provider's `ppon_warning` says why it may be mistyped."""
        checked, _ = _details(details)
        pid = self.service.setup.add_provider(
            _text(name, "name"), _text(vat, "vat"), _day(on), checked
        )
        return self.service.provider(pid, _day(on))

    def edit_provider(
        self, provider: Ref, *, on: Day | None = None, **details: str | bool | None
    ) -> Provider:
        """Change publication details (address, companies_house, charity, sme, vcse,
        supported_employment, public_service_mutual, ppon, email); those left out stay as
        they are, and "" clears a text one."""
        checked, given = _details(details)
        return self.service.setup.edit_provider(_ref(provider), checked, given, _day(on))

    def suspend(self, provider: Ref, *, reason: str, on: Day | None = None) -> Provider:
        """From `on`, the cascade passes over the provider, giving the reason."""
        return self._status(provider, "suspended", _text(reason, "reason"), on)

    def reinstate(self, provider: Ref, *, on: Day | None = None) -> Provider:
        return self._status(provider, "active", "", on)

    def withdraw(self, provider: Ref, *, reason: str, on: Day | None = None) -> Provider:
        """Withdrawn for good, from `on`."""
        return self._status(provider, "withdrawn", _text(reason, "reason"), on)

    def _status(self, provider: Ref, status: str, reason: str, on: Day | None) -> Provider:
        return self.service.setup.set_provider_status(_ref(provider), status, reason, _day(on))

    def mark_unavailable(
        self,
        provider: Ref,
        *,
        start: Day,
        end: Day,
        reason: str,
        lot: int | None = None,
        on: Day | None = None,
    ) -> Provider:
        """Unavailable for delivery from `start` to `end` (on one lot, or every lot)."""
        self.service.setup.mark_unavailable(
            _ref(provider),
            _day(start, "start"),
            _day(end, "end"),
            None if lot is None else _id(lot, "lot"),
            _text(reason, "reason"),
            _day(on),
        )
        return self.provider(provider)

    def set_ranking(
        self, *, lot: int, providers: Sequence[Ref], on: Day | None = None
    ) -> list[tuple[int, Provider, Rates]]:
        """The lot's ranking from tender evaluation, rank 1 first; returns `ranking(lot)`."""
        number = _id(lot, "lot")
        if isinstance(providers, str) or not isinstance(providers, Sequence):
            raise InvalidInput("providers must be a list of ids or names, rank 1 first")
        self.service.setup.set_ranking(number, [_ref(p) for p in providers], _day(on))
        return self.ranking(number)

    def ranking(self, lot: int) -> list[tuple[int, Provider, Rates]]:
        """The lot's ranking: (rank, provider, tendered rates), rank 1 first."""
        return [
            (e["rank"], e["provider"], e["rates"]) for e in self.service.ranking(_id(lot, "lot"))
        ]

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
            raise InvalidInput(
                "give at least one rate: day=, session= or place=",
                command="give at least one of --day, --session or --place",
            )
        return self.service.setup.set_prices(_id(lot, "lot"), _ref(provider), given, _day(on))

    def preview_rankings(
        self, path: str | Path, *, on: Day | None = None
    ) -> dict[int, list[tuple[int, Provider, Rates]]]:
        """What `import_rankings` would set, writing nothing: per lot, the new ranking as
        (rank, provider, rates after the import). Checked, and refused, as the import is."""
        return self.service.setup.preview_rankings(_path(path), _day(on))

    def ranking_state(self, lots: Iterable[int]) -> str:
        """A fingerprint of the lots' rankings and rates as they stand now: taken with an
        import's preview and given to `import_rankings(expect=)`, it refuses the import if
        another change to those lots came in between."""
        return self.service.setup.ranking_state([_id(lot, "lot") for lot in lots])

    def import_rankings(
        self,
        path: str | Path,
        *,
        on: Day | None = None,
        source: str | None = None,
        expect: str | None = None,
    ) -> dict[int, int]:
        """Rankings (and rates) from a CSV file, all or none; returns how many providers
        each lot now ranks. A refusal (`ImportRejected`) lists the bad rows in `.problems`.
        The trail says the file was imported from `source` (its path unless given: a
        server names the file the officer uploaded, not where it kept it)."""
        return self.service.setup.import_rankings(
            _path(path),
            _day(on),
            None if source is None else _text(source, "source"),
            None if expect is None else _text(expect, "expect"),
        )
