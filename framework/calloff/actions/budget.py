"""The money behind the framework: caps by year and stream, funding, and the term."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from calloff.actions.base import ServiceBase, default_year, not_future
from calloff.domain.dates import FinancialYear
from calloff.domain.model import (
    Framework,
)
from calloff.domain.money import format_money, from_pence
from calloff.domain.rules import (
    Position,
    breach_message,
)
from calloff.errors import (
    CeilingExceeded,
    InvalidInput,
    RuleBroken,
    WrongStatus,
)


@attrs.frozen
class CapSet:
    """A stream's cap for a financial year from a day, as recorded: when and by whom (the
    definition's own caps are recorded when the database was created)."""

    stream: str
    year: FinancialYear
    amount: Decimal
    on: date
    recorded_at: str
    officer: str


class Budget(ServiceBase):
    """Ceilings and the term: what the framework may commit, and until when."""

    def caps(self) -> list[CapSet]:
        """Every cap recorded, by stream, year and the day it applies from."""
        return [
            CapSet(
                r["stream"],
                FinancialYear.parse(r["year"]),
                from_pence(r["amount_pence"]),
                date.fromisoformat(r["effective_on"]),
                r["recorded_at"],
                r["officer"],
            )
            for r in self.store.ledger.every_cap()
        ]

    def position(self, year: FinancialYear | None = None) -> Position:
        fw = self.framework()
        if year is not None:
            fw.require_year(year)
        return self.store.position(year or default_year(fw))

    def set_ceiling(self, year: FinancialYear, stream: str, amount: Decimal, on: date) -> Position:
        """A stream's cap for a year from `on`; refused if it would leave any day after it
        with more committed than the ceiling."""
        not_future(on)
        with self.store.transaction() as s:
            fw = s.framework()
            fs = fw.stream(stream)
            if not fs.capped:
                raise InvalidInput(
                    f"funding stream {stream} has no cap of its own: it counts against the "
                    "contract ceiling set by the other streams"
                )
            fw.require_year(year)
            if on < fw.term.start:
                raise InvalidInput(
                    f"{on} is before the framework starts on {fw.term.start}: a cap applies "
                    f"from that day at the earliest; date it on or after {fw.term.start}"
                )
            before = s.position(year, on).stream(stream).cap
            s.set_cap(year, stream, amount, on, self.officer)
            breach = s.ledger.first_breach(year, on)
            if breach is not None:
                raise CeilingExceeded(
                    breach_message(
                        f"a cap of {format_money(amount)} for {stream} in {year} from {on}",
                        year,
                        breach.day,
                        breach.stream,
                        breach.cap,
                        breach.committed,
                    )
                )
            s.trail.record(
                self.officer,
                on,
                "ceiling.set",
                "stream",
                stream,
                {"year": str(year), "cap": before},
                {"year": str(year), "cap": amount, "from": on},
                None,
            )
            return s.position(year, on)

    def confirm_funding(self, stream: str, on: date) -> Framework:
        not_future(on)
        with self.store.transaction() as s:
            fs = s.framework().stream(stream)
            if fs.status == "confirmed":
                when = f" on {fs.confirmed_on}" if fs.confirmed_on else ""
                raise WrongStatus(f"funding stream {stream} is already confirmed{when}")
            s.confirm_stream(stream, on)
            s.trail.record(
                self.officer,
                on,
                "funding.confirm",
                "stream",
                stream,
                {"status": fs.status},
                {"status": "confirmed"},
                None,
            )
            return s.framework()

    def extend_term(self, on: date) -> Framework:
        not_future(on)
        with self.store.transaction() as s:
            fw = s.framework()
            term = fw.term
            if not term.extensions_left:
                raise RuleBroken(
                    f"no extensions are left: the term already runs to its latest possible "
                    f"end, {term.end}"
                )
            if on > term.end:
                ended = (
                    f"the term ended on {term.end}, before {on}: an extension is taken up "
                    "while the term runs; if it was agreed by then, "
                )
                raise RuleBroken(
                    f"{ended}take it up on={term.end}",
                    command=f"{ended}record it with `calloff term extend --on {term.end}`",
                )
            if on < term.start:
                raise RuleBroken(f"{on} is before the framework starts on {term.start}")
            taken = s.extensions()
            if taken and on < date.fromisoformat(taken[-1]["effective_on"]):
                raise RuleBroken(
                    f"{on} is before the last extension, taken up on "
                    f"{taken[-1]['effective_on']}: extensions are taken in order"
                )
            s.add_extension(on, self.officer)
            new = s.framework()
            s.trail.record(
                self.officer,
                on,
                "term.extend",
                "framework",
                fw.id,
                {"end": term.end},
                {"end": new.term.end},
                None,
            )
            return new
