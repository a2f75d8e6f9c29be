"""Awarding a call-off by competition: open it, record the bids, award it (docs/competition.md).

A competition invites every eligible provider on the lot, passing over the suspended,
withdrawn and unavailable with reasons as the cascade does. Bids are dated up to and
including the closing day; from it the bids are scored on the framework's criteria with
the competition's weights, and the award goes to the highest total, a tie to the better
rank. The award is an offer like any other (`calloff.actions.offering`): held to the ceiling on
every day and to the approval threshold, and where the framework keeps a standstill the
call-off cannot be accepted until it has ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from calloff.actions.base import ServiceBase, not_future
from calloff.actions.competition_opening import opening
from calloff.actions.competition_state import standing, why_none
from calloff.actions.offering import approval_needed, write_offer
from calloff.domain.competition import Answer, Competition, Invitation, Opening, standstill_end
from calloff.domain.model import CallOff, clean_text
from calloff.domain.money import format_money
from calloff.domain.rules import (
    check_funding,
    check_latest_end,
    check_term,
    check_year,
    require_ceiling,
)
from calloff.domain.scoring import check_marks
from calloff.errors import InvalidInput, NoEligibleProvider, RuleBroken, WrongStatus
from calloff.store.competitions import AWARDED
from calloff.store.database import Store


class CompetitionDesk(ServiceBase):
    """The officer's actions on competitions."""

    def open(
        self,
        request_id: int,
        closes: date,
        on: date,
        weights: Mapping[str, int] | None = None,
    ) -> Competition:
        """Invite the lot's eligible providers to bid for a request, closing on `closes`."""
        with self.store.transaction() as s:
            o = opening(s, request_id, closes, on, weights)
            cid = s.competitions.add(
                o.request_id, o.lot, on, closes, o.weights, list(o.invitations), self.officer
            )
            s.trail.record(
                self.officer,
                on,
                "competition.open",
                "competition",
                cid,
                None,
                {
                    "request": o.request_id,
                    "lot": o.lot,
                    "closes_on": closes,
                    "weights": o.weights,
                    "invited": [[i.provider_id, i.rank] for i in o.invitations if i.invited],
                    "passed_over": [
                        [i.provider_id, i.rank, i.reason] for i in o.invitations if not i.invited
                    ],
                },
                None,
            )
            return s.competitions.get(cid)

    def preview(
        self,
        request_id: int,
        closes: date,
        on: date,
        weights: Mapping[str, int] | None = None,
    ) -> Opening:
        """What `open` would write, refused as it would be, writing nothing: for a page
        that asks the officer to check before the competition is opened."""
        return opening(self.store, request_id, closes, on, weights)

    # -- bids ------------------------------------------------------------------------------

    def bid(
        self,
        competition_id: int,
        provider_ref: str | int,
        price: Decimal,
        marks: Mapping[str, Decimal | str],
        on: date,
    ) -> Answer:
        """Record an invited provider's bid: its price and the evaluators' marks (0–100)
        on every criterion but price, dated no later than the closing day."""
        with self.store.transaction() as s:
            answer = self._bid(s, competition_id, provider_ref, price, marks, on)
            s.competitions.add_answer(competition_id, answer)
            s.trail.record(
                self.officer,
                on,
                "competition.bid",
                "competition",
                competition_id,
                None,
                {
                    "provider": answer.provider_id,
                    "price": price,
                    "scores": {n: f"{m:.2f}" for n, m in answer.marks.items()},
                },
                None,
            )
            return answer

    def preview_bid(
        self,
        competition_id: int,
        provider_ref: str | int,
        price: Decimal,
        marks: Mapping[str, Decimal | str],
        on: date,
    ) -> Answer:
        """The bid `bid` would record, refused as it would be, writing nothing."""
        return self._bid(self.store, competition_id, provider_ref, price, marks, on)

    def _bid(
        self,
        s: Store,
        competition_id: int,
        provider_ref: str | int,
        price: Decimal,
        marks: Mapping[str, Decimal | str],
        on: date,
    ) -> Answer:
        not_future(on, "the bid's date")
        if not isinstance(price, Decimal) or price <= 0:
            raise InvalidInput(
                "price must be more than £0.00", command="--price must be more than £0.00"
            )
        k = s.competitions.get(competition_id)
        self._takes_answers(s, k, "take a bid")
        if on > k.closes_on:
            raise RuleBroken(
                f"competition {k.id} closed at the end of {k.closes_on}: a bid dated {on} "
                "is late and cannot be recorded"
            )
        k, invitation = self._invited(s, competition_id, provider_ref, on, "take a bid")
        checked = check_marks(k.id, k.weights, marks)
        return Answer(
            invitation.provider_id,
            invitation.name,
            invitation.rank,
            True,
            on,
            price,
            checked,
            officer=self.officer,
        )

    def no_bid(
        self, competition_id: int, provider_ref: str | int, reason: str | None, on: date
    ) -> Answer:
        """Record that an invited provider will not bid (at any time before the award)."""
        with self.store.transaction() as s:
            answer = self._no_bid(s, competition_id, provider_ref, reason, on)
            s.competitions.add_answer(competition_id, answer)
            s.trail.record(
                self.officer,
                on,
                "competition.no_bid",
                "competition",
                competition_id,
                None,
                {"provider": answer.provider_id},
                answer.reason,
            )
            return answer

    def preview_no_bid(
        self, competition_id: int, provider_ref: str | int, reason: str | None, on: date
    ) -> Answer:
        """The no-bid `no_bid` would record, refused as it would be, writing nothing."""
        return self._no_bid(self.store, competition_id, provider_ref, reason, on)

    def _no_bid(
        self, s: Store, competition_id: int, provider_ref: str | int, reason: str | None, on: date
    ) -> Answer:
        not_future(on, "the no-bid's date")
        why = None if reason is None else clean_text(reason, "the reason")
        _, invitation = self._invited(s, competition_id, provider_ref, on, "take a no-bid")
        return Answer(
            invitation.provider_id,
            invitation.name,
            invitation.rank,
            False,
            on,
            reason=why,
            officer=self.officer,
        )

    def _invited(
        self, s: Store, competition_id: int, provider_ref: str | int, on: date, what: str
    ) -> tuple[Competition, Invitation]:
        k = s.competitions.get(competition_id)
        self._takes_answers(s, k, what)
        if on < k.opened_on:
            raise InvalidInput(
                f"{on} is before competition {k.id} opened on {k.opened_on}", hint="check --on"
            )
        provider = self.provider(provider_ref, on)
        found = [i for i in s.competitions.invitations(k.id) if i.provider_id == provider.id]
        if not found:
            uninvited = (
                f"{provider.name} was not invited to competition {k.id}: only the providers "
                f"on lot {k.lot} invited when it opened can bid"
            )
            raise RuleBroken(
                uninvited, command=f"{uninvited} (see `calloff competition show {k.id}`)"
            )
        if not found[0].invited:
            raise RuleBroken(
                f"{provider.name} was not invited to competition {k.id}: it was passed over "
                f"when the competition opened, {found[0].reason}"
            )
        for a in s.competitions.answers(k.id):
            if a.provider_id == provider.id:
                said = "bid" if a.bid else "said it would not bid"
                raise WrongStatus(
                    f"{provider.name} already {said} in competition {k.id} on {a.on}: "
                    "each invited provider answers once"
                )
        return k, found[0]

    def _takes_answers(self, s: Store, k: Competition, what: str) -> None:
        """Bidding closes for good at the first award, when every price has been seen: no
        bid or no-bid after it, whatever its date, even once that award has fallen through.
        Read inside the write's transaction, so an award and a bid racing cannot both win."""
        if k.cancelled_on is not None:
            raise WrongStatus(
                f"competition {k.id} was cancelled on {k.cancelled_on}: it cannot {what}"
            )
        made = s.competitions.calloffs(k.id)
        if made:
            raise WrongStatus(
                f"competition {k.id} was awarded on {made[0]['offered_on']}: bidding closed "
                f"with that award, so it cannot {what}, whatever its date"
            )

    def _still_open(self, s: Store, k: Competition, what: str) -> None:
        if k.cancelled_on is not None:
            raise WrongStatus(
                f"competition {k.id} was cancelled on {k.cancelled_on}: it cannot {what}"
            )
        for c in s.competitions.calloffs(k.id):
            if c["status"] in AWARDED:
                raise WrongStatus(
                    f"competition {k.id} was awarded (call-off {c['id']}, "
                    f"{c['status'].replace('_', ' ')}): it cannot {what}"
                )

    # -- the result ------------------------------------------------------------------------

    def award(self, competition_id: int, on: date) -> CallOff:
        """Award the call-off to the highest total, as an offer checked like any other."""
        not_future(on, "the award date")
        with self.store.transaction() as s:
            k = s.competitions.get(competition_id)
            self._still_open(s, k, "be awarded again")
            if not k.closed(on):
                raise RuleBroken(
                    f"competition {k.id} takes bids until {k.closes_on}: award it on or after "
                    "that day"
                )
            before = [s.calloff(c["id"]) for c in s.competitions.calloffs(k.id)]
            last = max((c.closed_on or c.raised_on for c in before), default=None)
            if last and on < last:
                raise InvalidInput(
                    f"{on} is before competition {k.id}'s last award closed on {last}: award "
                    "it on or after that date"
                )
            fw = s.framework()
            request = s.request(k.request_id)
            check_term(fw.term, on)
            check_year(fw, request)
            check_funding(fw.stream(request.funding), request, on)
            check_latest_end(fw, request.end, f"request {request.id}")
            require_ceiling(s.position(request.year, on), request.funding, on)
            now = standing(s, k.id, on)
            if not now.results:
                no_bid = f"competition {k.id} has no valid bid: {why_none(now)}"
                raise NoEligibleProvider(
                    no_bid,
                    command=f"{no_bid}; cancel it with `calloff competition cancel {k.id} "
                    "--reason TEXT`",
                )
            win = now.results[0]
            provider = s.provider(win.bid.provider_id, on)
            # The bidders are told once the award is authorised: today, or, where it needs
            # approval, on the approval day, when its standstill begins (Service.approve).
            held = approval_needed(self, request, provider, win.bid.price, on) is not None
            ends = None if held else standstill_end(on, fw.standstill_days, fw.holidays)
            what = (
                f"awarding competition {k.id} to {provider.name} at {format_money(win.bid.price)}"
            )
            calloff, _, _ = write_offer(
                self,
                request,
                provider,
                win.bid.rank,
                win.bid.price,
                now.set_aside,
                on,
                what,
                competition_id=k.id,
                standstill_ends=ends,
            )
            s.trail.record(
                self.officer,
                on,
                "competition.award",
                "competition",
                k.id,
                None,
                {
                    "calloff": calloff.id,
                    "provider": provider.id,
                    "value": win.bid.price,
                    "order": [[r.bid.provider_id, str(r.total)] for r in now.results],
                    "set_aside": [[p.provider_id, p.reason] for p in now.set_aside],
                    "standstill_ends": ends,
                },
                None,
            )
            return calloff

    def cancel(self, competition_id: int, reason: str, on: date) -> Competition:
        """End a competition without an award; the request can be called off again."""
        not_future(on, "the cancellation date")
        why = clean_text(reason, "the reason")
        with self.store.transaction() as s:
            k = s.competitions.get(competition_id)
            self._still_open(s, k, "be cancelled")
            if on < k.opened_on:
                raise InvalidInput(
                    f"{on} is before competition {k.id} opened on {k.opened_on}",
                    hint="check --on",
                )
            last_bid = max((a.on for a in s.competitions.answers(k.id) if a.bid), default=None)
            if last_bid and on < last_bid:
                raise InvalidInput(
                    f"{on} is before competition {k.id}'s last bid, dated {last_bid}: date "
                    "the cancellation on or after that day"
                )
            for c in s.competitions.calloffs(k.id):
                ended = c["closed_on"] or c["offered_on"]
                if on.isoformat() < ended:
                    raise InvalidInput(
                        f"{on} is before call-off {c['id']} from competition {k.id} ended on "
                        f"{ended}: date this on or after that day"
                    )
            s.competitions.cancel(k.id, on, why)
            s.trail.record(
                self.officer,
                on,
                "competition.cancel",
                "competition",
                k.id,
                {"status": "open"},
                {"status": "cancelled"},
                why,
            )
            return s.competitions.get(k.id)
