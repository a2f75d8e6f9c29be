"""Setting up a framework: providers and their status, rankings and tendered prices."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from calloff.actions.base import ServiceBase, not_future
from calloff.domain.csv_rows import read_csv, whole_number
from calloff.domain.model import (
    UNITS,
    VAT_TREATMENTS,
    Provider,
    Rates,
    Unavailability,
    clean_text,
)
from calloff.domain.money import parse_money
from calloff.domain.registration import Details
from calloff.errors import (
    CalloffError,
    ImportRejected,
    InvalidInput,
    RankingError,
    WrongStatus,
)


class Setup(ServiceBase):
    """Who is on the framework, in what rank, at what rates."""

    def add_provider(self, name: str, vat: str, on: date, details: Details | None = None) -> int:
        """A provider on the framework, with any publication details already known."""
        name = clean_text(name, "the provider's name", 200)
        if vat not in VAT_TREATMENTS:
            raise InvalidInput(f"VAT treatment {vat!r} is not known: choose standard or exempt")
        not_future(on)
        details = details or Details()
        given = {k for k, v in attrs.asdict(details).items() if v is not None}
        with self.store.transaction() as s:
            if s.roster.provider_named(name):
                raise InvalidInput(f"a provider called {name!r} already exists")
            pid = s.roster.add_provider(name, vat, on, self.officer, details.row(given))
            s.trail.record(
                self.officer,
                on,
                "provider.add",
                "provider",
                pid,
                None,
                {"name": name, "vat": vat, **_shown(details, given)},
                None,
            )
        return pid

    def edit_provider(
        self, ref: str | int, details: Details, given: set[str], on: date
    ) -> Provider:
        """Change a provider's publication details; only those given change, and an empty
        text (`--ppon ""`) clears one."""
        if not given:
            raise InvalidInput(
                "nothing to change: give address=, companies_house=, charity=, sme=, vcse=, "
                "ppon= or email=",
                command="nothing to change: give --address, --companies-house, --charity, "
                "--sme/--not-sme, --vcse/--not-vcse, --ppon or --email",
            )
        not_future(on)
        with self.store.transaction() as s:
            before = self.provider(ref, on)
            was = {k: getattr(before, k) for k in sorted(given)}
            now = {k: getattr(details, k) for k in sorted(given)}
            if was == now:
                raise InvalidInput(f"{before.name} already has those details: nothing changed")
            s.roster.set_details(before.id, details.row(given))
            s.trail.record(self.officer, on, "provider.edit", "provider", before.id, was, now, None)
            return self.provider(before.id, on)

    def set_provider_status(self, ref: str | int, status: str, reason: str, on: date) -> Provider:
        """Suspend, reinstate or withdraw a provider from a date onwards."""
        reason = clean_text(reason, "the reason") if status != "active" else reason
        not_future(on)
        with self.store.transaction() as s:
            provider = self.provider(ref, on)
            gone = s.roster.withdrawal(provider.id)
            if gone:
                raise WrongStatus(
                    f"{provider.name} was withdrawn from the framework on {gone['effective_on']} "
                    f"({gone['reason']}); a withdrawal is final"
                )
            if provider.status == "withdrawn":
                raise WrongStatus(
                    f"{provider.name} was withdrawn from the framework ({provider.status_reason}) "
                    "and cannot change status"
                )
            if provider.status == status:
                raise WrongStatus(f"{provider.name} is already {status} on {on}")
            s.roster.set_provider_status(provider.id, status, reason, on, self.officer)
            action = {"suspended": "suspend", "active": "reinstate", "withdrawn": "withdraw"}
            s.trail.record(
                self.officer,
                on,
                f"provider.{action[status]}",
                "provider",
                provider.id,
                {"status": provider.status},
                {"status": status},
                reason or None,
            )
        return attrs.evolve(provider, status=status, status_reason=reason)

    def mark_unavailable(
        self, ref: str | int, start: date, end: date, lot: int | None, reason: str, on: date
    ) -> int:
        reason = clean_text(reason, "the reason")
        if end < start:
            raise InvalidInput(
                f"end={end} is before start={start}",
                command=f"--to {end} is before --from {start}: swap them",
            )
        not_future(on)
        with self.store.transaction() as s:
            fw = s.framework()
            if lot is not None:
                fw.lot(lot)
            provider = self.provider(ref, on)
            gap = Unavailability(provider.id, start, end, reason, lot)
            gid = s.roster.add_unavailability(gap, on, self.officer)
            s.trail.record(
                self.officer,
                on,
                "provider.unavailable",
                "provider",
                provider.id,
                None,
                {"from": start, "to": end, "lot": lot},
                reason,
            )
        return gid

    def set_ranking(self, lot: int, refs: Sequence[str | int], on: date) -> list[Provider]:
        """Replace a lot's ranking: the first provider named is rank 1."""
        if not refs:
            raise InvalidInput("name at least one provider, rank 1 first")
        not_future(on)
        with self.store.transaction() as s:
            s.framework().lot(lot)
            providers = [self.provider(ref, on) for ref in refs]
            ids = [p.id for p in providers]
            if len(set(ids)) != len(ids):
                raise RankingError(f"a provider appears twice in the ranking for lot {lot}")
            before = [e.provider_id for e in s.tenders.ranking(lot)]
            s.tenders.replace_ranking(lot, ids, on)
            s.trail.record(self.officer, on, "ranking.set", "lot", lot, before, ids, None)
        return providers

    def set_prices(self, lot: int, ref: str | int, rates: dict[str, Decimal], on: date) -> Rates:
        if not rates:
            raise InvalidInput(
                "give at least one rate: day=, session= or place=",
                command="give at least one of --day, --session or --place",
            )
        not_future(on)
        with self.store.transaction() as s:
            s.framework().lot(lot)
            provider = self.provider(ref, on)
            if provider.id not in {e.provider_id for e in s.tenders.ranking(lot)}:
                raise RankingError(
                    f"{provider.name} is not ranked on lot {lot}",
                    hint=f"rank it first with `calloff rank set {lot} ...`",
                )
            before = s.tenders.rates(lot).get(provider.id, Rates())
            for unit, rate in rates.items():
                if rate <= 0:
                    raise InvalidInput(f"the {unit} rate must be more than £0.00")
                s.tenders.set_rate(lot, provider.id, unit, rate, on)
            after = s.tenders.rates(lot)[provider.id]
            s.trail.record(
                self.officer,
                on,
                "prices.set",
                "provider",
                provider.id,
                {"lot": lot, **before.as_dict()},
                {"lot": lot, **after.as_dict()},
                None,
            )
        return after

    def import_rankings(
        self, path: str | Path, on: date, source: str | None = None, expect: str | None = None
    ) -> dict[int, int]:
        """Load rankings (and rates) from CSV; every row is checked before anything is written.

        Each lot named in the file has its ranking replaced by the file's. Returns the
        number of providers ranked on each lot. With `expect` (`ranking_state` of the lots
        when the file was previewed), refused if any of them changed since.
        """
        lots = self._read_rankings(path, on)
        with self.store.transaction() as s:
            if expect is not None and self.ranking_state(lots) != expect:
                raise InvalidInput(
                    "the rankings or rates of lot "
                    + ", ".join(str(lot) for lot in sorted(lots))
                    + " changed since the file was previewed: nothing imported; preview "
                    "the file again"
                )
            for lot, ordered in sorted(lots.items()):
                before = [e.provider_id for e in s.tenders.ranking(lot)]
                s.tenders.replace_ranking(lot, [pid for _, pid, _ in ordered], on)
                for _, pid, rates in ordered:
                    for unit, rate in rates.items():
                        s.tenders.set_rate(lot, pid, unit, rate, on)
                s.trail.record(
                    self.officer,
                    on,
                    "ranking.import",
                    "lot",
                    lot,
                    before,
                    [pid for _, pid, _ in ordered],
                    f"imported from {source or path}",
                )
        return {lot: len(entries) for lot, entries in lots.items()}

    def ranking_state(self, lots: Iterable[int]) -> str:
        """A fingerprint of the lots' rankings and rates as they stand: what an import's
        preview showed as "now", so that a change in between refuses the import."""
        state = [
            (
                lot,
                [e.provider_id for e in self.store.tenders.ranking(lot)],
                sorted((pid, attrs.astuple(r)) for pid, r in self.store.tenders.rates(lot).items()),
            )
            for lot in sorted(set(lots))
        ]
        return hashlib.sha256(repr(state).encode()).hexdigest()

    def preview_rankings(
        self, path: str | Path, on: date
    ) -> dict[int, list[tuple[int, Provider, Rates]]]:
        """What `import_rankings` would set, writing nothing: per lot, the new ranking with
        each provider's rates after the import (a rate column the file leaves out keeps
        the rate there is). Refused exactly as the import would be."""
        lots = self._read_rankings(path, on)
        found: dict[int, list[tuple[int, Provider, Rates]]] = {}
        for lot, ordered in sorted(lots.items()):
            self.authorised("ranking.import", on, lot)
            now = self.store.tenders.rates(lot)
            found[lot] = [
                (rank, self.provider(pid, on), attrs.evolve(now.get(pid, Rates()), **rates))
                for rank, pid, rates in ordered
            ]
        return found

    def _read_rankings(
        self, path: str | Path, on: date
    ) -> dict[int, list[tuple[int, int, dict[str, Decimal | None]]]]:
        """Each lot's rows of a rankings file, rank 1 first: (rank, provider id, the rates
        given); refused (`ImportRejected`, every bad row) unless the whole file is good."""
        rows, problems = read_csv(
            path,
            required=("lot", "rank", "provider"),
            optional=("day_rate", "session_rate", "place_rate"),
        )
        fw = self.framework()
        lots: dict[int, list[tuple[int, int, int, dict[str, Decimal | None]]]] = {}
        # Ranks are checked over every row that names a lot and a rank, so a row with a bad
        # provider is reported for that alone, not as a gap in its lot's ranking too.
        ranks: dict[int, list[tuple[int, int]]] = {}
        for line, row in rows:
            try:
                lot = whole_number(row["lot"], "lot")
                fw.lot(lot)
                rank = whole_number(row["rank"], "rank")
                ranks.setdefault(lot, []).append((line, rank))
                provider = self.provider(row["provider"])
                rates: dict[str, Decimal | None] = {}
                for unit in UNITS:
                    key = f"{unit}_rate"
                    if key in row:
                        cell = (row[key] or "").strip()
                        rate = parse_money(cell) if cell else None
                        if rate is not None and rate <= 0:
                            raise InvalidInput(f"{key} must be more than £0.00")
                        rates[unit] = rate
            except CalloffError as e:
                problems.append((line, e))
                continue
            lots.setdefault(lot, []).append((line, rank, provider.id, rates))
        for lot, ranked in ranks.items():
            numbers = sorted(rank for _, rank in ranked)
            if numbers != list(range(1, len(numbers) + 1)):
                problems.append(
                    (
                        ranked[0][0],
                        f"lot {lot} has ranks {numbers}: ranks must run 1, 2, 3 "
                        "... with no ties or gaps",
                    )
                )
        for lot, entries in lots.items():
            seen: dict[int, int] = {}
            for line, _, pid, _ in entries:
                if pid in seen:
                    problems.append(
                        (
                            line,
                            f"provider {pid} is ranked twice on lot {lot} (also line {seen[pid]})",
                        )
                    )
                seen[pid] = line
        if problems:
            raise ImportRejected(str(path), problems)
        if not lots:
            raise InvalidInput(f"{path}: the file has a header but no rows")
        not_future(on)
        return {
            lot: [(rank, pid, rates) for _, rank, pid, rates in sorted(entries, key=lambda e: e[1])]
            for lot, entries in lots.items()
        }


def _shown(details: Details, given: set[str]) -> dict[str, object]:
    return {k: v for k, v in attrs.asdict(details).items() if k in given}
