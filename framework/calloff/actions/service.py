"""What a commissioning officer does with a request: allocate it down the ranking, and
record the provider's answer, the approver's decision and lapsed offers.

`Service` is the officer's desk; the other capabilities hang off it: `setup`
(providers, rankings, prices), `budget` (ceilings, funding, the term) and `spending`
(invoices, variations, completion), `payments` (paying invoices), `competitions`
(awarding by competition) and `lists` (what the officer lists and checks).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from calloff.actions.approvals import Approvals
from calloff.actions.base import not_future
from calloff.actions.budget import Budget
from calloff.actions.competitions import CompetitionDesk
from calloff.actions.lists import Lists
from calloff.actions.offering import Lapse as Lapse
from calloff.actions.offering import Outcome as Outcome
from calloff.actions.offering import declined, write_offer
from calloff.actions.officers import Registrar
from calloff.actions.payments import Payments
from calloff.actions.setup import Setup
from calloff.actions.sign_ins import Gate
from calloff.actions.spending import Spending
from calloff.domain.dates import parse_date
from calloff.domain.finance import check_po
from calloff.domain.model import (
    CallOff,
    PassOver,
    Provider,
    Rates,
    Request,
    clean_text,
)
from calloff.domain.money import format_money
from calloff.domain.rules import (
    cascade,
    check_funding,
    check_latest_end,
    check_request_terms,
    check_term,
    check_year,
    needs_award_notice,
    require_ceiling,
)
from calloff.errors import (
    CeilingExceeded,
    InvalidInput,
    NoEligibleProvider,
    RuleBroken,
    WrongStatus,
)
from calloff.store.database import Store


class Service(Approvals):
    """The officer's desk: every action on one framework database."""

    def __init__(self, store: Store, officer: str):
        super().__init__(store, officer)
        self.setup = Setup(store, officer)
        self.budget = Budget(store, officer)
        self.spending = Spending(store, officer)
        self.payments = Payments(store, officer)
        self.lists = Lists(store, officer)
        self.competitions = CompetitionDesk(store, officer)
        self.registrar = Registrar(store, officer)
        self.gate = Gate(store, officer)

    # -- reading -------------------------------------------------------------------------

    def providers(self, as_of: date | None = None) -> list[Provider]:
        return list(self.store.providers(as_of or date.today()).values())

    def ranking(self, lot: int) -> list[dict[str, Any]]:
        """A lot's ranking with each provider's name, status today and tendered rates."""
        fw = self.framework()
        fw.lot(lot)
        providers = self.store.roster.on(date.today())
        rates = self.store.tenders.rates(lot)
        return [
            {
                "rank": e.rank,
                "provider": providers[e.provider_id],
                "rates": rates.get(e.provider_id, Rates()),
            }
            for e in self.store.tenders.ranking(lot)
        ]

    def calloff(self, calloff_id: int) -> CallOff:
        return self.store.calloff(calloff_id)

    def history(self, request_id: int) -> list[tuple[CallOff, list[PassOver]]]:
        """Every offer made for a request, in order, with who was passed over before each."""
        return [
            (c, self.store.passed_over(c.id)) for c in self.store.calloffs_for_request(request_id)
        ]

    # -- requests and the cascade --------------------------------------------------------

    def add_request(
        self,
        lot: int,
        title: str,
        start: date,
        end: date | None,
        value: Decimal | None,
        quantity: int | None,
        unit: str | None,
        funding: str | None,
        attendees: int | None,
        on: date,
    ) -> int:
        title = clean_text(title, "the title")
        end = end or start
        if end < start:
            raise InvalidInput(
                f"end={end} is before start={start}",
                command=f"--end {end} is before --start {start}: swap them",
            )
        check_request_terms(value, quantity, unit, attendees)
        with self.store.transaction() as s:
            fw = s.framework()
            fw.lot(lot)
            check_latest_end(fw, end, "the request")
            funding = fw.default_funding if funding is None else funding.strip()
            fw.stream(funding)
            request = Request(0, lot, title, start, end, funding, value, quantity, unit, attendees)
            rid = s.add_request(request, on, self.officer)
            s.trail.record(
                self.officer, on, "request.add", "request", rid, None, _request_dict(request), None
            )
        return rid

    def allocate(self, request_id: int, on: date) -> Outcome:
        """Offer a request to the best-ranked eligible provider, or refuse and write nothing."""
        not_future(on)
        with self.store.transaction() as s:
            request = s.request(request_id)
            for c in s.calloffs_for_request(request_id):
                if c.live:
                    raise WrongStatus(
                        f"request {request_id} is already {c.status.replace('_', ' ')} "
                        f"(call-off {c.id}): decline it before allocating again"
                    )
                if c.status in ("completed", "cancelled"):
                    raise WrongStatus(f"request {request_id} was {c.status} (call-off {c.id})")
            self._by_ranking(request)
            self._after_request_history(request, on)
            return self._offer(request, on)

    def _by_ranking(self, request: Request) -> None:
        """A lot that awards by competition, or a request in a competition, is not allocated."""
        s = self.store
        competition = s.framework().lot(request.lot).award == "competition"
        for k in s.competitions.for_request(request.id):
            if k.cancelled_on is None:
                then = "" if competition else " before allocating by the ranking"
                raise WrongStatus(
                    f"request {request.id} is in competition {k.id}",
                    hint=f"award it with `calloff competition award {k.id}`, or cancel it{then}",
                )
        if competition:
            raise RuleBroken(
                f"lot {request.lot} awards call-offs by competition, not by the ranking",
                hint=f"run `calloff competition open {request.id} --closes DATE`",
            )

    def _after_request_history(self, request: Request, on: date) -> None:
        """A request's offers follow one another: an allocation is dated on or after every
        earlier offer's last change (its decline, lapse or rejection). It may be dated before
        the request itself was recorded: requests are often written up after the fact."""
        last = self.store.last_offer_change(request.id)
        if last and on.isoformat() < last:
            raise InvalidInput(
                f"{on} is before request {request.id}'s last offer closed on {last}: the "
                "cascade continues from there, so allocate it on or after that date"
            )

    def _offer(self, request: Request, on: date) -> Outcome:
        """Walk the cascade and make the offer, or raise the rule that refuses it.

        A refusal carries `passed_over` (and, at the ceiling, `refused_offer`) so the
        officer is told why, rank by rank.
        """
        s = self.store
        fw = s.framework()
        s.trail.seal.vouch("requests", request.id)  # its value and dates drive the offer
        ranking = s.tenders.ranking(request.lot, on)
        # Only the provider's own answer passes it over; an approver's rejection does not.
        closed = declined(s.calloffs_for_request(request.id))
        result = cascade(
            request,
            ranking,
            s.roster.on(on),  # the providers it walks past, read as it does
            s.roster.unavailability(of=[e.provider_id for e in ranking]),
            s.tenders.rates_on_demand(request.lot, on),
            closed,
        )
        try:
            check_term(fw.term, on)
            check_year(fw, request)
            check_funding(fw.stream(request.funding), request, on)
            check_latest_end(fw, request.end, f"request {request.id}")
            require_ceiling(s.position(request.year, on), request.funding, on)
            if not ranking:
                raise NoEligibleProvider(
                    f"lot {request.lot} has no ranking",
                    hint=f"set one with `calloff rank set {request.lot} PROVIDER...` or "
                    "`calloff rank import FILE.csv`",
                )
            if result.offer is None or result.value is None:
                raise NoEligibleProvider(
                    f"no provider on lot {request.lot} can take request {request.id}: "
                    f"{result.why_none()}"
                )
            provider = s.provider(result.offer.provider_id, on)
            what = (
                f"offering request {request.id} to {provider.name} "
                f"(rank {result.offer.rank}) at {format_money(result.value)}"
            )
            try:
                with s.savepoint():
                    return self._write_offer(request, provider, result, on, what)
            except CeilingExceeded as e:
                e.refused_offer = PassOver(  # type: ignore[attr-defined]
                    provider.id, provider.name, result.offer.rank, e.for_command()
                )
                raise
        except RuleBroken as e:
            e.passed_over = result.passed_over  # type: ignore[attr-defined]
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _write_offer(
        self, request: Request, provider: Provider, result: Any, on: date, what: str
    ) -> Outcome:
        calloff, after, why = write_offer(
            self, request, provider, result.offer.rank, result.value, result.passed_over, on, what
        )
        return Outcome(
            request,
            calloff.status,
            calloff,
            provider,
            result.passed_over,
            position=after,
            approval_reason=why,
        )

    def _cascade_after(self, request: Request, on: date, closed: CallOff) -> Outcome:
        """After a decline or lapse: offer to the next provider, or say why nobody can take it.

        A call-off awarded by competition does not fall to the ranking: the officer awards
        the competition again, to the next-best bid, or cancels it."""
        k = closed.competition_id
        if k is not None:
            why = (
                f"call-off {closed.id} was awarded by competition {k}: `calloff competition "
                f"award {k}` awards it to the next-best valid bid, or `calloff competition "
                f"cancel {k} --reason TEXT` ends the competition"
            )
            return Outcome(request, "unallocated", None, None, (), refused=why)
        try:
            return self._offer(request, on)
        except RuleBroken as e:
            passed = tuple(getattr(e, "passed_over", ()))
            refused = getattr(e, "refused_offer", None)
            if refused is not None:
                passed += (refused,)
            return Outcome(request, "unallocated", None, None, passed, refused=e.for_command())

    def accept(
        self,
        calloff_id: int,
        on: date,
        noted: dict[str, Any] | None = None,
        po: str | None = None,
    ) -> CallOff:
        """The provider accepts: the call-off is entered into (never within a standstill),
        with the council's purchase order number where one was raised already."""
        po = None if po is None else check_po(po)
        with self.store.transaction() as s:
            ends = s.calloff(calloff_id).standstill_ends
            if ends is not None and on <= ends:
                raise RuleBroken(
                    f"call-off {calloff_id} is in its standstill until the end of {ends}: it "
                    f"can be accepted from {ends + timedelta(days=1)}"
                )
            self._award_notice_first(calloff_id, on)
            if po is not None:
                self.spending.po_free(po, calloff_id)
                s.invoices.orders.record(calloff_id, po)
                noted = {**(noted or {}), "purchase_order": po}
            c = self._move(calloff_id, ("offered",), "accepted", "accept", on, noted=noted)
            return s.calloff(c.id)

    def _award_notice_first(self, calloff_id: int, on: date) -> None:
        """s.50(1): a call-off that needs a contract award notice (UK6) is not entered into
        until the notice is recorded published, on or before the day it is accepted."""
        s = self.store
        c = s.calloff(calloff_id)
        if c.status != "offered":
            return  # _move refuses it, saying why
        fw, vat = s.framework(), s.provider(c.provider_id, on).vat
        if not needs_award_notice(fw, c.value, vat, c.raised_on):  # unvaried until entered
            return
        item = f"calloff-{c.id}-award"
        published = s.disclosures.published_on(item)
        if published is not None and published <= on.isoformat():
            return
        if published is not None:
            raise RuleBroken(
                f"call-off {c.id}'s contract award notice (UK6) was recorded published on "
                f"{published}, after {on}: it is entered into once the notice is published, "
                f"so accept it on or after {published}"
            )
        first = (
            f"call-off {c.id} needs its contract award notice (UK6) published before it is "
            "entered into (Procurement Act 2023, s.50)"
        )
        raise RuleBroken(
            f"{first}: publish it, then record it published as {item}",
            command=f"{first}: publish it (`calloff publish notice {c.id} --type award`) and "
            f"record it (`calloff published {item} --on DATE`) before accepting",
        )

    def decline(
        self, calloff_id: int, reason: str, on: date, noted: dict[str, Any] | None = None
    ) -> Outcome:
        """Record a provider's decline and cascade to the next eligible provider."""
        reason = clean_text(reason, "the reason")
        with self.store.transaction() as s:
            c = self._move(calloff_id, ("offered",), "declined", "decline", on, reason, noted=noted)
            return self._cascade_after(s.request(c.request_id), on, c)

    def lapse(self, on: date) -> list[Lapse]:
        """Every offer unanswered past its respond-by date counts as declined, and cascades."""
        not_future(on)
        lapses: list[Lapse] = []
        with self.store.transaction() as s:
            for c in s.listings.offers_past(on):
                self._move(
                    c.id, ("offered",), "lapsed", "lapse", on, f"did not answer by {c.respond_by}"
                )
                outcome = self._cascade_after(s.request(c.request_id), on, c)
                lapses.append(Lapse(s.calloff(c.id), outcome))
        return lapses


def _request_dict(r: Request) -> dict[str, Any]:
    return {
        "lot": r.lot,
        "title": r.title,
        "start": r.start,
        "end": r.end,
        "value": r.value,
        "quantity": r.quantity,
        "unit": r.unit,
        "funding": r.funding,
        "attendees": r.attendees,
    }


def parse_on(text: str | None) -> date:
    """The effective date of an action: today unless the officer gives one."""
    return parse_date(text) if text else date.today()
