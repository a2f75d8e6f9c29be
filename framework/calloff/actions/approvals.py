"""The approver's decisions on a call-off at or over the approval threshold: approve it
(it is then offered) or reject it (its commitment is released and the request reopens).

Separation of duties and delegated authority (docs/rules.md): the approver did not raise
it, holds the approver role, and has a limit of at least its value, their own or that of
an absent approver they cover for; over the framework's key-decision value an approval
needs the decision's reference.
"""

from __future__ import annotations

from datetime import date

import attrs

from calloff.actions.base import ServiceBase, not_future
from calloff.domain.competition import standstill_end
from calloff.domain.dates import add_working_days
from calloff.domain.model import CallOff, RankEntry, clean_text
from calloff.domain.money import format_money
from calloff.domain.rules import cascade, check_latest_end, check_term
from calloff.errors import CeilingExceeded, RuleBroken


class Approvals(ServiceBase):
    """What an approver decides."""

    def approve(self, calloff_id: int, on: date, decision: str | None = None) -> CallOff:
        """A second officer authorises a call-off at or over the threshold; it is then offered.

        The approver holds the approver role with a limit of at least its value (their own,
        or an absent approver's they cover for), did not raise it, and gives the decision's
        reference over the framework's key-decision value. Refused if, on the approval
        date, the provider could no longer be offered the work or the ceiling would no
        longer hold: the approver rejects it and the cascade moves on.
        """
        not_future(on)
        if decision is not None:
            decision = clean_text(decision, "the decision reference", 50)
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            self._expect(c, ("awaiting_approval",), "approved")
            self._decides(c, "approve", on)
            self._not_before(c, on)
            fw = s.framework()
            if fw.key_decision is not None and c.value > fw.key_decision and not decision:
                needs = (
                    f"call-off {c.id} ({format_money(c.value)}) is over the key-decision "
                    f"value of {format_money(fw.key_decision)}, so its approval needs the "
                    "key decision's reference"
                )
                raise RuleBroken(
                    f"{needs}: give decision=", command=f"{needs}: give --decision REF"
                )
            check_term(fw.term, on)
            request = s.request(c.request_id)
            check_latest_end(fw, request.end, f"call-off {c.id}")
            instead = (
                f"reject it with `calloff reject {c.id} --reason TEXT`, then "
                f"`calloff allocate {request.id}` offers it to the next eligible provider"
            )
            if c.competition_id is not None:
                instead = (
                    f"reject it with `calloff reject {c.id} --reason TEXT`, then award "
                    f"competition {c.competition_id} again (`calloff competition award "
                    f"{c.competition_id}`) or cancel it"
                )
            if c.competition_id is not None:  # its price was bid, not a tendered rate
                request = attrs.evolve(request, value=c.value, quantity=None, unit=None)
            eligible = cascade(
                request,
                [RankEntry(c.lot, c.rank, c.provider_id)],
                s.roster.on(on),
                s.roster.unavailability(c.provider_id),
                s.tenders.rates_on_demand(c.lot, on),
                {},
            )
            if eligible.offer is None:
                why = eligible.passed_over[0]
                raise RuleBroken(
                    f"call-off {c.id} cannot be approved on {on}: {why.name} is {why.reason}",
                    hint=instead,
                )
            try:
                self._hold(c.year, on, f"approving call-off {c.id}")
            except CeilingExceeded as e:
                raise CeilingExceeded(str(e), command=e.for_command(), hint=instead) from None
            ends = c.standstill_ends
            if c.competition_id is not None:  # the bidders are told now: the standstill begins
                ends = standstill_end(on, fw.standstill_days, fw.holidays)
            respond_by = add_working_days(ends or on, fw.response_days, fw.holidays)
            s.approve(c.id, self.officer, on, respond_by, ends, decision)
            eid = s.trail.record(
                self.officer,
                on,
                "calloff.approve",
                "calloff",
                c.id,
                {"status": c.status},
                {"status": "offered", "respond_by": respond_by}
                | ({"standstill_ends": ends} if ends else {})
                | ({"decision": decision} if decision else {}),
                None,
                value=c.value,
            )
            s.ledger.record(c, eid, on, "offered", c.value, c.value)
            return s.calloff(c.id)

    def reject(self, calloff_id: int, reason: str, on: date) -> CallOff:
        """The approver refuses a call-off: its commitment is released, the request reopens."""
        reason = clean_text(reason, "the reason")
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            self._expect(c, ("awaiting_approval",), "rejected")
            self._decides(c, "reject", on)
            c = self._move(calloff_id, ("awaiting_approval",), "rejected", "reject", on, reason)
            return s.calloff(c.id)

    def _decides(self, c: CallOff, verb: str, on: date) -> None:
        """An approver decides on a call-off another officer raised, within their limit."""
        if c.officer.casefold() == self.officer.casefold():
            duties = (
                f"{self.officer} raised call-off {c.id} and cannot {verb} it: separation "
                "of duties needs another officer"
            )
            raise RuleBroken(f"{duties}: another approver must {verb} it")
        self.authorised(f"calloff.{verb}", on, c.id, c.value)
