"""The domain model: a framework agreement, its lots, rankings, requests and call-offs.

Facts are frozen records. Nothing here knows about SQLite or the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import attrs
from dateutil.relativedelta import relativedelta

from calloff.domain.competition import Criterion
from calloff.domain.dates import FinancialYear, working_days_between
from calloff.domain.facts import Facts
from calloff.domain.finance import Finance
from calloff.domain.money import PENNY, UNITS
from calloff.domain.text import clean_text as clean_text  # where it always was
from calloff.domain.transparency_settings import TransparencySettings
from calloff.errors import InvalidInput, NotFound

VAT_TREATMENTS = ("standard", "exempt")
REGIMES = {"pcr2015": "Public Contracts Regulations 2015", "pa2023": "Procurement Act 2023"}
# Frameworks established from this day are under the Procurement Act 2023.
ACT_IN_FORCE = date(2025, 2, 24)
VAT_RATE = Decimal("0.20")

# Call-off statuses. A live call-off holds a commitment at its value.
LIVE = ("awaiting_approval", "offered", "accepted")
CLOSED = ("declined", "lapsed", "rejected")
FINISHED = ("completed", "cancelled")
# What may happen next to a call-off in each status (each is refused in any other).
NEXT_STEPS = {
    "offered": ("accept", "decline", "cancel"),
    "awaiting_approval": ("approve", "reject", "cancel"),
    "accepted": ("vary", "complete", "cancel"),
}
# Statuses of a call-off that was (if it was ever accepted) entered into.
ENTERED = ("accepted", *FINISHED)


@attrs.frozen
class Lot:
    number: int
    title: str
    award: str = "ranked"  # ranked | competition | either (calloff.domain.competition.AWARD_ROUTES)


@attrs.frozen
class Term:
    """The framework's term: an initial period and optional one-period extensions."""

    start: date
    initial_years: int = 1
    extensions_max: int = 0
    extension_years: int = 1
    extensions_used: int = 0

    def end_after(self, extensions: int) -> date:
        years = self.initial_years + extensions * self.extension_years
        return self.start + relativedelta(years=years, days=-1)

    @property
    def original_end(self) -> date:
        return self.end_after(0)

    @property
    def end(self) -> date:
        return self.end_after(self.extensions_used)

    @property
    def latest_end(self) -> date:
        return self.end_after(self.extensions_max)

    @property
    def extensions_left(self) -> int:
        return self.extensions_max - self.extensions_used

    def in_force(self, day: date) -> bool:
        return self.start <= day <= self.end

    def years(self) -> list[FinancialYear]:
        """The financial years the term covers, as extended so far."""
        first, last = FinancialYear.of(self.start), FinancialYear.of(self.end)
        return [FinancialYear(y) for y in range(first.start_year, last.start_year + 1)]


@attrs.frozen
class FundingStream:
    """A source of money: its caps by financial year, and whether it can be spent yet."""

    name: str
    title: str = ""
    capped: bool = True
    status: str = "confirmed"  # or "pending"
    confirmed_on: date | None = None
    window_start: date | None = None
    window_end: date | None = None
    caps: Mapping[FinancialYear, Decimal] = attrs.field(factory=dict)

    @property
    def available(self) -> bool:
        return self.status == "confirmed"

    def in_window(self, start: date, end: date) -> bool:
        if self.window_start and start < self.window_start:
            return False
        return not (self.window_end and end > self.window_end)


@attrs.frozen
class Framework:
    """The agreement: who buys, the lots, the term and the money behind it."""

    id: str
    name: str
    buyer: str
    lots: tuple[Lot, ...]
    term: Term
    streams: tuple[FundingStream, ...]
    default_funding: str
    response_days: int = 3
    holidays: str = "england-and-wales"
    approval_threshold: Decimal | None = None
    aggregation_days: int = 30  # split purchases count together (calloff.domain.splitting)
    # Over this value an approval is a key decision and needs a decision reference.
    key_decision: Decimal | None = None
    terms_statement: str = ""
    # What publication needs: the procurement law it was let under (see docs/publishing.md).
    regime: str = "pcr2015"  # pcr2015 | pa2023
    light_touch: bool = False
    service_area: str = ""
    merchant_category: str = ""
    # The publisher's OCDS prefix ("ocds-" and six characters), for open data; "" if unset.
    ocid_prefix: str = ""
    # A competition's award criteria, and the working days of standstill after its award
    # before the call-off may be entered into (0: none). See docs/competition.md.
    criteria: tuple[Criterion, ...] = ()
    standstill_days: int = 0
    # The programme's target of practitioners trained (Leeds: 6,000, from the DfE bid), for
    # the report's programme figure (docs/reports.md); None where the definition sets none.
    practitioners_target: int | None = None
    # Who is told, besides the admins, when a publication is due or overdue: an e-mail
    # address (docs/messages.md); "" where the definition names none.
    publishing_contact: str = ""
    facts: Facts = attrs.field(factory=Facts)  # values, CPV codes, who may use it
    finance: Finance = attrs.field(factory=Finance)  # the finance system's spend export
    transparency: TransparencySettings = attrs.field(factory=TransparencySettings)

    @property
    def reference(self) -> str:
        """The framework's reference in publications and on every order."""
        return self.id.upper()

    @property
    def regime_name(self) -> str:
        """The procurement law it was let under, in words."""
        return REGIMES[self.regime]

    def lot(self, number: int) -> Lot:
        for lot in self.lots:
            if lot.number == number:
                return lot
        numbers = ", ".join(str(lot.number) for lot in self.lots)
        raise NotFound(f"lot {number} is not in this framework: choose one of {numbers}")

    @property
    def years(self) -> tuple[FinancialYear, FinancialYear]:
        """The first and last financial years the term could cover, extensions included."""
        return FinancialYear.of(self.term.start), FinancialYear.of(self.term.latest_end)

    def require_year(self, year: FinancialYear) -> None:
        """Call-offs may run past the term (PCR 2015 reg. 33), so any year from the first."""
        first, _ = self.years
        if year < first:
            raise InvalidInput(f"{year} is before the framework's first year, {first}")

    def stream(self, name: str) -> FundingStream:
        for stream in self.streams:
            if stream.name == name:
                return stream
        names = ", ".join(s.name for s in self.streams)
        raise NotFound(f"funding stream {name!r} is not in this framework: choose one of {names}")


@attrs.frozen
class Provider:
    """A provider on the framework, with what the council must publish about it (its
    registration numbers, whether an SME or a VCSE: None where not recorded)."""

    id: int
    name: str
    vat: str = "standard"
    status: str = "active"  # active, suspended, withdrawn (as of a date)
    status_reason: str = ""
    address: str | None = None
    companies_house: str | None = None
    charity: str | None = None
    sme: bool | None = None
    vcse: bool | None = None
    ppon: str | None = None
    supported_employment: bool | None = None  # a supported employment provider
    public_service_mutual: bool | None = None
    email: str | None = None  # where offers, reminders and letters go (docs/messages.md)

    @property
    def ppon_warning(self) -> str | None:
        """Why the PPON may be mistyped (not in the platform's format), or None."""
        from calloff.domain.registration import ppon_warning

        return ppon_warning(self.ppon)


@attrs.frozen
class Unavailability:
    """A provider cannot take work between two dates, on one lot or on all."""

    provider_id: int
    start: date
    end: date
    reason: str
    lot: int | None = None

    def clashes(self, lot: int, start: date, end: date) -> bool:
        if self.lot is not None and self.lot != lot:
            return False
        return self.start <= end and start <= self.end


@attrs.frozen
class Rates:
    """A provider's tendered unit rates on one lot (ex-VAT); None where none was tendered."""

    day: Decimal | None = None
    session: Decimal | None = None
    place: Decimal | None = None

    def for_unit(self, unit: str) -> Decimal | None:
        if unit not in UNITS:
            raise InvalidInput(f"unit {unit!r} is not known: choose day, session or place")
        rate: Decimal | None = getattr(self, unit)
        return rate

    def as_dict(self) -> dict[str, Decimal | None]:
        return {unit: getattr(self, unit) for unit in UNITS}


@attrs.frozen
class RankEntry:
    lot: int
    rank: int
    provider_id: int


@attrs.frozen
class Request:
    """A training need agreed by the strategy group, to be called off on one lot."""

    id: int
    lot: int
    title: str
    start: date
    end: date
    funding: str
    value: Decimal | None = None
    quantity: int | None = None
    unit: str | None = None
    attendees: int | None = None

    @property
    def year(self) -> FinancialYear:
        """A call-off commits money against the financial year of its start date."""
        return FinancialYear.of(self.start)

    def value_with(self, rates: Rates | None) -> Decimal | None:
        """The value if offered to a provider with these rates; None if it has no rate."""
        if self.value is not None:
            return self.value
        assert self.quantity is not None and self.unit is not None
        rate = rates.for_unit(self.unit) if rates else None
        if rate is None:
            return None
        return (rate * self.quantity).quantize(PENNY)


@attrs.frozen
class PassOver:
    """A provider skipped in the cascade, and why: the record auditors ask for."""

    provider_id: int
    name: str
    rank: int
    reason: str


@attrs.frozen
class CallOff:
    """One offer of a request to one provider, and what became of it.

    Each date has one meaning wherever it is shown (docs/rules.md): `raised_on` the day the
    officer allocated it; `authorised_on` the day it was authorised (by the approver where
    it needed approval, else by the officer who raised it); `offered_on` the day the provider
    was told (the approval date where one was needed); `respond_by`; then `accepted_on`,
    `declined_on`, `lapsed_on`, `rejected_on`, `completed_on` or `cancelled_on`.
    """

    id: int
    request_id: int
    lot: int
    provider_id: int
    rank: int
    status: str
    value: Decimal
    funding: str
    year: FinancialYear
    raised_on: date
    respond_by: date | None
    officer: str
    recorded_at: str
    decided_on: date | None = None
    closed_on: date | None = None
    reason: str | None = None
    headroom_after: Decimal | None = None
    stream_headroom_after: Decimal | None = None
    needs_approval: bool = False
    approved_by: str | None = None
    approved_on: date | None = None
    # Set where the call-off was awarded by a competition, not by the ranking; the last
    # day of its standstill, where the framework keeps one.
    competition_id: int | None = None
    standstill_ends: date | None = None
    decision: str | None = None  # the approval's decision reference ("D49838")

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def authorised_by(self) -> str | None:
        return self.approved_by if self.needs_approval else self.officer

    @property
    def authorised_on(self) -> date | None:
        return self.approved_on if self.needs_approval else self.raised_on

    @property
    def offered_on(self) -> date | None:
        """The day the provider was told: none while it awaits approval or was rejected."""
        return self.approved_on if self.needs_approval else self.raised_on

    def _answer(self, *statuses: str) -> date | None:
        return self.decided_on if self.status in statuses else None

    @property
    def accepted_on(self) -> date | None:
        return self._answer("accepted", "completed", "cancelled")

    @property
    def declined_on(self) -> date | None:
        return self._answer("declined")

    @property
    def lapsed_on(self) -> date | None:
        return self._answer("lapsed")

    def _end(self, status: str) -> date | None:
        return self.closed_on if self.status == status else None

    @property
    def rejected_on(self) -> date | None:
        return self._end("rejected")

    @property
    def completed_on(self) -> date | None:
        return self._end("completed")

    @property
    def cancelled_on(self) -> date | None:
        return self._end("cancelled")

    @property
    def status_on(self) -> date | None:
        """The day the call-off took its present status."""
        if self.status == "awaiting_approval":
            return self.raised_on
        if self.status == "offered":
            return self.offered_on
        if self.status == "accepted":
            return self.accepted_on
        return self.closed_on

    def overdue_days(self, on: date, holidays: str = "england-and-wales") -> int | None:
        """Working days an unanswered offer is past its respond-by date on `on`, or None if
        it is not overdue (`calloff lapse` treats any offer past that date as declined)."""
        if self.status != "offered" or self.respond_by is None or on <= self.respond_by:
            return None
        return working_days_between(self.respond_by, on, holidays)
