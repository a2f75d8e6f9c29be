"""The framework's rules as pure functions: the ranked cascade and the ceiling check.

They take model objects and return decisions; the service feeds them from storage and
writes what they decide. Keeping them pure lets hypothesis test them for every input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import attrs

from calloff.domain import facts
from calloff.domain.dates import FinancialYear
from calloff.domain.model import (
    UNITS,
    VAT_RATE,
    Framework,
    FundingStream,
    PassOver,
    Provider,
    RankEntry,
    Rates,
    Request,
    Term,
    Unavailability,
)
from calloff.domain.money import ZERO, format_money
from calloff.errors import (
    FundingPending,
    InvalidInput,
    NoCeiling,
    OutsideGrantWindow,
    OutsideTerm,
    RuleBroken,
)


@attrs.frozen
class Cascade:
    """The outcome of walking a lot's ranking: who is offered the work, and who was passed over."""

    offer: RankEntry | None
    value: Decimal | None
    passed_over: tuple[PassOver, ...]

    def why_none(self) -> str:
        return "; ".join(f"rank {p.rank} {p.name}: {p.reason}" for p in self.passed_over)


def cascade(
    request: Request,
    ranking: Sequence[RankEntry],
    providers: Mapping[int, Provider],
    unavailability: Sequence[Unavailability],
    rates: Mapping[int, Rates],
    closed: Mapping[int, str],
) -> Cascade:
    """Walk the ranking from rank 1 and offer to the first provider nobody can object to.

    `providers` carry their status as of the offer date; `closed` maps a provider that
    already declined (or did not answer) this request to the recorded reason.
    """
    passed: list[PassOver] = []
    for entry in sorted(ranking, key=lambda e: e.rank):
        provider = providers[entry.provider_id]
        reason = _reason_to_pass_over(request, entry, provider, unavailability, rates, closed)
        if reason is None:
            value = request.value_with(rates.get(entry.provider_id))
            return Cascade(entry, value, tuple(passed))
        passed.append(PassOver(provider.id, provider.name, entry.rank, reason))
    return Cascade(None, None, tuple(passed))


def _reason_to_pass_over(
    request: Request,
    entry: RankEntry,
    provider: Provider,
    unavailability: Sequence[Unavailability],
    rates: Mapping[int, Rates],
    closed: Mapping[int, str],
) -> str | None:
    if provider.id in closed:
        return closed[provider.id]
    if provider.status == "withdrawn":
        return f"withdrawn from the framework ({provider.status_reason})"
    if provider.status == "suspended":
        return f"suspended ({provider.status_reason})"
    for gap in unavailability:
        if gap.provider_id == provider.id and gap.clashes(request.lot, request.start, request.end):
            return f"unavailable {gap.start} to {gap.end} ({gap.reason})"
    if request.value is None and request.value_with(rates.get(provider.id)) is None:
        return f"no tendered {request.unit} rate on lot {request.lot}"
    return None


def check_term(term: Term, on: date) -> None:
    """A call-off can be awarded only while the framework is in force."""
    if on < term.start:
        raise OutsideTerm(f"the framework is not in force on {on}: it starts on {term.start}")
    if on > term.end:
        ended = f"the framework is not in force on {on}: its term ended on {term.end}"
        if not term.extensions_left:
            raise OutsideTerm(f"{ended}; no extensions are left")
        if on > term.latest_end:
            raise OutsideTerm(
                f"{ended}; no extension could cover it: the latest possible end is "
                f"{term.latest_end}"
            )
        # An extension must be taken up while the term runs, so the hint dates it then.
        left = f"({term.extensions_left} extension(s) left)"
        raise OutsideTerm(
            f"{ended}; if an extension was agreed by then, record it with "
            f"extend_term(on={term.end}) {left}",
            command=f"{ended}; if an extension was agreed by then, record it with `calloff "
            f"term extend --on {term.end}` {left}",
        )


def check_year(fw: Framework, request: Request) -> None:
    """A call-off may start after the term (PCR 2015 reg. 33), never before it begins."""
    first, _ = fw.years
    if request.year < first:
        raise RuleBroken(
            f"request {request.id} starts on {request.start}, in {request.year}, before the "
            f"framework's first year ({first}): change its dates"
        )


def check_request_shape(value: object, quantity: object, unit: object) -> None:
    """A request is a fixed value, or a quantity of a unit; never both, never neither. The
    command checks this before anything else, as a usage error."""
    if value is not None and (quantity is not None or unit is not None):
        raise InvalidInput(
            "give either value= or quantity= with unit=, not both",
            command="give either --value or --quantity with --unit, not both",
        )
    if value is None and quantity is None:
        raise InvalidInput(
            "give value=, or quantity= with unit=",
            command="give --value, or --quantity with --unit",
        )
    if (quantity is None) != (unit is None):
        raise InvalidInput(
            "quantity= and unit= go together", command="--quantity and --unit go together"
        )


def check_request_terms(
    value: Decimal | None, quantity: int | None, unit: str | None, attendees: int | None
) -> None:
    """A request's terms: its shape, a known unit, and amounts that make sense."""
    check_request_shape(value, quantity, unit)
    if unit is not None and unit not in UNITS:
        raise InvalidInput(f"unit {unit!r} is not known: choose day, session or place")
    if value is not None and value <= 0:
        raise InvalidInput(
            "value must be more than £0.00", command="--value must be more than £0.00"
        )
    if quantity is not None and quantity < 1:
        raise InvalidInput("quantity must be 1 or more", command="--quantity must be 1 or more")
    if attendees is not None and attendees < 0:
        raise InvalidInput("attendees must be 0 or more", command="--attendees must be 0 or more")


def needs_award_notice(fw: Framework, value: Decimal, vat: str, on: date) -> bool:
    """s.50(1): a call-off under a Procurement Act framework whose value, including VAT,
    is at or above the threshold in force on `on` needs a contract award notice (UK6)."""
    with_vat = value * (1 + VAT_RATE) if vat == "standard" else value
    return facts.needs_award_notice(fw.regime, fw.light_touch, with_vat, on)


def check_latest_end(fw: Framework, end: date, what: str) -> None:
    """No call-off may run past the latest end the framework sets for any call-off."""
    latest = fw.facts.calloff_latest_end
    if latest is not None and end > latest:
        raise RuleBroken(
            f"{what} ends on {end}, after {latest}, the latest day any call-off under the "
            f"framework may end: end it on or before {latest}"
        )


def check_funding(stream: FundingStream, request: Request, on: date) -> None:
    """A pending stream cannot be charged; grant money only inside its spend window."""
    if not stream.available:
        pending = f"funding stream {stream.name} is pending: once it is confirmed, record the day"
        raise FundingPending(
            f"{pending} with confirm_funding({stream.name!r}, on='{on}') (or the earlier day it "
            "was confirmed), or charge another stream",
            command=f"{pending} with `calloff funding confirm {stream.name} --on {on}` (or the "
            "earlier day it was confirmed), or charge another stream",
        )
    if stream.confirmed_on and on < stream.confirmed_on:
        raise FundingPending(
            f"funding stream {stream.name} was not confirmed until {stream.confirmed_on}, "
            f"after {on}: date this on or after {stream.confirmed_on}, or charge another "
            "stream"
        )
    if not stream.in_window(request.start, request.end):
        raise OutsideGrantWindow(
            f"request {request.id} runs {request.start} to {request.end}, outside the "
            f"{stream.name} grant window {stream.window_start} to {stream.window_end}: "
            "change its dates or charge another stream"
        )


@attrs.frozen
class StreamPosition:
    """One funding stream in one financial year: what it may spend and what is held against it."""

    name: str
    capped: bool
    status: str
    cap: Decimal | None
    committed: Decimal = ZERO
    spent: Decimal = ZERO

    @property
    def available_cap(self) -> Decimal | None:
        """What the stream contributes to the ceiling: nothing while pending."""
        if not self.capped:
            return None
        if self.status != "confirmed":
            return ZERO
        return self.cap if self.cap is not None else None

    @property
    def headroom(self) -> Decimal | None:
        cap = self.available_cap
        return None if cap is None else cap - self.committed


@attrs.frozen
class Position:
    """The whole contract in one financial year: ceiling, commitments and headroom."""

    year: FinancialYear
    streams: tuple[StreamPosition, ...]

    @property
    def has_ceiling(self) -> bool:
        return any(s.capped and s.cap is not None for s in self.streams)

    @property
    def ceiling(self) -> Decimal:
        return sum((s.available_cap or ZERO for s in self.streams), ZERO)

    @property
    def committed(self) -> Decimal:
        return sum((s.committed for s in self.streams), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum((s.spent for s in self.streams), ZERO)

    @property
    def headroom(self) -> Decimal:
        return self.ceiling - self.committed

    def stream(self, name: str) -> StreamPosition:
        for s in self.streams:
            if s.name == name:
                return s
        raise KeyError(name)

    def with_commitment(self, stream: str, amount: Decimal) -> Position:
        """The position after `amount` more is committed to `stream`."""
        return attrs.evolve(
            self,
            streams=tuple(
                attrs.evolve(s, committed=s.committed + amount) if s.name == stream else s
                for s in self.streams
            ),
        )


def require_ceiling(position: Position, stream: str, on: date | None = None) -> None:
    """Refuse a commitment in a year (or a stream) that has no ceiling in force on its day."""
    year = position.year
    current = position.stream(stream)
    when = f" in force on {on}" if on else ""
    dated = f" --on {on}" if on else ""
    if not position.has_ceiling:
        capped = (
            stream
            if current.capped
            else next((s.name for s in position.streams if s.capped), stream)
        )
        raise NoCeiling(
            f"{year} has no ceiling{when}",
            hint=f"set one with `calloff ceiling set --year {year} --funding {capped} "
            f"--amount MONEY{dated}`",
        )
    if current.capped and current.cap is None:
        raise NoCeiling(
            f"funding stream {stream} has no cap for {year}{when}",
            hint=f"set one with `calloff ceiling set --year {year} --funding {stream} "
            f"--amount MONEY{dated}`",
        )


def breach_message(
    what: str,
    year: FinancialYear,
    day: date,
    stream: str | None,
    cap: Decimal,
    committed: Decimal,
    amount: Decimal | None = None,
) -> str:
    """Why a change is refused: the first day it would breach a ceiling, and by how much.

    With `amount` (the commitment being added) it also says what was left on that day.
    """
    over = format_money(committed - cap)
    limit = "the ceiling" if stream is None else f"{stream}'s cap"
    headroom = "the contract headroom" if stream is None else f"{stream} headroom"
    if amount is not None:
        state = f"{format_money(cap - committed + amount)} left on {day} under {limit} of"
    else:
        state = f"{format_money(committed)} committed on {day} against {limit} of"
    return (
        f"{what} would take {headroom} for {year} below zero on {day}, the first day "
        f"it would breach {limit}: {state} {format_money(cap)}, {over} over"
    )
