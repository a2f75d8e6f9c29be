"""What a commissioning officer does, one method per action.

Each method that writes runs in one `BEGIN IMMEDIATE` transaction: it reads the state,
asks the rules in `framework.rules`, and writes the outcome together with its audit
event. Any refusal raises before the transaction commits, so it leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from framework.dates import FinancialYear, add_working_days, parse_date
from framework.errors import (
    CalloffError,
    CeilingExceeded,
    ImportRejected,
    InvalidInput,
    NoEligibleProvider,
    NotFound,
    OutsideGrantWindow,
    RankingError,
    RuleBroken,
    ValueExceeded,
    WrongStatus,
)
from framework.model import (
    FINISHED,
    LIVE,
    UNITS,
    VAT_TREATMENTS,
    CallOff,
    Framework,
    PassOver,
    Provider,
    RankEntry,
    Rates,
    Request,
    Unavailability,
    clean_text,
)
from framework.money import ZERO, format_money, from_pence, parse_money
from framework.rules import (
    Position,
    breach_message,
    cascade,
    check_funding,
    check_term,
    require_ceiling,
)
from framework.storage import Store, invoice_key, now_stamp


@attrs.frozen
class Outcome:
    """Where a request stands after an allocation attempt."""

    request: Request
    status: str  # offered | awaiting_approval | unallocated
    calloff: CallOff | None
    provider: Provider | None
    passed_over: tuple[PassOver, ...]
    refused: str | None = None
    position: Position | None = None


@attrs.frozen
class SpendLine:
    """One invoice line, checked and ready to record."""

    calloff: int
    provider_id: int
    invoice: str
    spent_on: date
    amount: Decimal
    attendees: int | None


@attrs.frozen
class ImportSummary:
    imported: int
    skipped: int
    amount: Decimal


@attrs.frozen
class Lapse:
    """An offer that went unanswered, and what the cascade did next."""

    lapsed: CallOff
    outcome: Outcome


class Service:
    """The officer's desk: every action on one framework database."""

    def __init__(self, store: Store, officer: str):
        self.store = store
        self.officer = officer

    # -- reading -------------------------------------------------------------------------

    def framework(self) -> Framework:
        return self.store.framework()

    def position(self, year: FinancialYear | None = None) -> Position:
        fw = self.framework()
        if year is not None:
            fw.require_year(year)
        return self.store.position(year or default_year(fw))

    def provider(self, ref: str | int, as_of: date | None = None) -> Provider:
        """A provider by id or by exact name (case does not matter)."""
        on = as_of or date.today()
        text = str(ref).strip()
        if re.fullmatch(r"[0-9]{1,18}", text):
            return self.store.provider(int(text), on)
        row = self.store.provider_named(text)
        if row is None:
            raise NotFound(f"no provider is called {text!r}: see `calloff provider list`")
        return self.store.provider(row["id"], on)

    def providers(self, as_of: date | None = None) -> list[Provider]:
        return list(self.store.providers(as_of or date.today()).values())

    def ranking(self, lot: int) -> list[dict[str, Any]]:
        """A lot's ranking with each provider's name, status today and tendered rates."""
        fw = self.framework()
        fw.lot(lot)
        providers = self.store.providers(date.today())
        rates = self.store.rates(lot)
        return [
            {"rank": e.rank, "provider": providers[e.provider_id],
             "rates": rates.get(e.provider_id, Rates())}
            for e in self.store.ranking(lot)
        ]

    def calloff(self, calloff_id: int) -> CallOff:
        return self.store.calloff(calloff_id)

    def history(self, request_id: int) -> list[tuple[CallOff, list[PassOver]]]:
        """Every offer made for a request, in order, with who was passed over before each."""
        return [(c, self.store.passed_over(c.id))
                for c in self.store.calloffs_for_request(request_id)]

    # -- setting up ----------------------------------------------------------------------

    def add_provider(self, name: str, vat: str, on: date) -> int:
        name = clean_text(name, "the provider's name", 200)
        if vat not in VAT_TREATMENTS:
            raise InvalidInput(f"VAT treatment {vat!r} is not known: choose standard or exempt")
        with self.store.transaction() as s:
            if s.provider_named(name):
                raise InvalidInput(f"a provider called {name!r} already exists")
            pid = s.add_provider(name, vat, on, self.officer)
            s.record_event(self.officer, on, "provider.add", "provider", pid, None,
                           {"name": name, "vat": vat}, None)
        return pid

    def set_provider_status(self, ref: str | int, status: str, reason: str, on: date) -> Provider:
        """Suspend, reinstate or withdraw a provider from a date onwards."""
        reason = clean_text(reason, "the reason") if status != "active" else reason
        with self.store.transaction() as s:
            provider = self.provider(ref, on)
            gone = s.withdrawal(provider.id)
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
            s.set_provider_status(provider.id, status, reason, on, self.officer)
            action = {"suspended": "suspend", "active": "reinstate", "withdrawn": "withdraw"}
            s.record_event(self.officer, on, f"provider.{action[status]}", "provider",
                           provider.id, {"status": provider.status}, {"status": status},
                           reason or None)
        return attrs.evolve(provider, status=status, status_reason=reason)

    def mark_unavailable(
        self, ref: str | int, start: date, end: date, lot: int | None, reason: str, on: date
    ) -> int:
        reason = clean_text(reason, "the reason")
        if end < start:
            raise InvalidInput(f"--to {end} is before --from {start}: swap them")
        with self.store.transaction() as s:
            fw = s.framework()
            if lot is not None:
                fw.lot(lot)
            provider = self.provider(ref, on)
            gap = Unavailability(provider.id, start, end, reason, lot)
            gid = s.add_unavailability(gap, on, self.officer)
            s.record_event(self.officer, on, "provider.unavailable", "provider", provider.id,
                           None, {"from": start, "to": end, "lot": lot}, reason)
        return gid

    def set_ranking(self, lot: int, refs: Sequence[str | int], on: date) -> list[Provider]:
        """Replace a lot's ranking: the first provider named is rank 1."""
        if not refs:
            raise InvalidInput("name at least one provider, rank 1 first")
        with self.store.transaction() as s:
            s.framework().lot(lot)
            providers = [self.provider(ref, on) for ref in refs]
            ids = [p.id for p in providers]
            if len(set(ids)) != len(ids):
                raise RankingError(f"a provider appears twice in the ranking for lot {lot}")
            before = [e.provider_id for e in s.ranking(lot)]
            s.replace_ranking(lot, ids)
            s.record_event(self.officer, on, "ranking.set", "lot", lot, before, ids, None)
        return providers

    def set_prices(
        self, lot: int, ref: str | int, rates: dict[str, Decimal], on: date
    ) -> Rates:
        if not rates:
            raise InvalidInput("give at least one of --day, --session or --place")
        with self.store.transaction() as s:
            s.framework().lot(lot)
            provider = self.provider(ref, on)
            if provider.id not in {e.provider_id for e in s.ranking(lot)}:
                raise RankingError(
                    f"{provider.name} is not ranked on lot {lot}: rank it first with "
                    f"`calloff rank set {lot} ...`"
                )
            before = s.rates(lot).get(provider.id, Rates())
            for unit, rate in rates.items():
                if rate <= 0:
                    raise InvalidInput(f"the {unit} rate must be more than £0.00")
                s.set_rate(lot, provider.id, unit, rate)
            after = s.rates(lot)[provider.id]
            s.record_event(self.officer, on, "prices.set", "provider", provider.id,
                           {"lot": lot, **before.as_dict()}, {"lot": lot, **after.as_dict()},
                           None)
        return after

    def import_rankings(self, path: str | Path, on: date) -> dict[int, int]:
        """Load rankings (and rates) from CSV; every row is checked before anything is written.

        Each lot named in the file has its ranking replaced by the file's. Returns the
        number of providers ranked on each lot.
        """
        rows, problems = _read_csv(path, required=("lot", "rank", "provider"),
                                   optional=("day_rate", "session_rate", "place_rate"))
        fw = self.framework()
        lots: dict[int, list[tuple[int, int, int, dict[str, Decimal | None]]]] = {}
        for line, row in rows:
            try:
                lot = _int(row["lot"], "lot")
                fw.lot(lot)
                rank = _int(row["rank"], "rank")
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
                problems.append((line, str(e)))
                continue
            lots.setdefault(lot, []).append((line, rank, provider.id, rates))
        for lot, entries in lots.items():
            ranks = sorted(rank for _, rank, _, _ in entries)
            if ranks != list(range(1, len(ranks) + 1)):
                line = entries[0][0]
                problems.append((line, f"lot {lot} has ranks {ranks}: ranks must run 1, 2, 3 "
                                       "... with no ties or gaps"))
            seen: dict[int, int] = {}
            for line, _, pid, _ in entries:
                if pid in seen:
                    problems.append((line, f"provider {pid} is ranked twice on lot {lot} "
                                           f"(also line {seen[pid]})"))
                seen[pid] = line
        if problems:
            raise ImportRejected(str(path), sorted(problems))
        if not lots:
            raise InvalidInput(f"{path}: the file has a header but no rows")
        with self.store.transaction() as s:
            for lot, entries in sorted(lots.items()):
                ordered = sorted(entries, key=lambda e: e[1])
                before = [e.provider_id for e in s.ranking(lot)]
                s.replace_ranking(lot, [pid for _, _, pid, _ in ordered])
                for _, _, pid, rates in ordered:
                    for unit, rate in rates.items():
                        s.set_rate(lot, pid, unit, rate)
                s.record_event(self.officer, on, "ranking.import", "lot", lot, before,
                               [pid for _, _, pid, _ in ordered], f"imported from {path}")
        return {lot: len(entries) for lot, entries in lots.items()}

    # -- money ---------------------------------------------------------------------------

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
            before = s.position(year, on).stream(stream).cap
            s.set_cap(year, stream, amount, on, self.officer)
            breach = s.ledger.first_breach(year, on)
            if breach is not None:
                raise CeilingExceeded(breach_message(
                    f"a cap of {format_money(amount)} for {stream} in {year} from {on}", year,
                    breach.day, breach.stream, breach.cap, breach.committed))
            s.record_event(self.officer, on, "ceiling.set", "stream", stream,
                           {"year": str(year), "cap": before},
                           {"year": str(year), "cap": amount, "from": on}, None)
            return s.position(year, on)

    def confirm_funding(self, stream: str, on: date) -> Framework:
        not_future(on)
        with self.store.transaction() as s:
            fs = s.framework().stream(stream)
            if fs.status == "confirmed":
                when = f" on {fs.confirmed_on}" if fs.confirmed_on else ""
                raise WrongStatus(f"funding stream {stream} is already confirmed{when}")
            s.confirm_stream(stream, on)
            s.record_event(self.officer, on, "funding.confirm", "stream", stream,
                           {"status": fs.status}, {"status": "confirmed"}, None)
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
                raise RuleBroken(
                    f"the term ended on {term.end}, before {on}: an expired framework cannot "
                    "be extended"
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
            s.record_event(self.officer, on, "term.extend", "framework", fw.id,
                           {"end": term.end}, {"end": new.term.end}, None)
            return new

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
            raise InvalidInput(f"--end {end} is before --start {start}: swap them")
        if (value is None) == (quantity is None):
            raise InvalidInput("give either --value or --quantity with --unit, not both")
        if quantity is not None and unit is None:
            raise InvalidInput("--quantity needs --unit day, session or place")
        if unit is not None and quantity is None:
            raise InvalidInput("--unit needs --quantity")
        if unit is not None and unit not in UNITS:
            raise InvalidInput(f"unit {unit!r} is not known: choose day, session or place")
        if value is not None and value <= 0:
            raise InvalidInput("--value must be more than £0.00")
        if quantity is not None and quantity < 1:
            raise InvalidInput("--quantity must be 1 or more")
        if attendees is not None and attendees < 0:
            raise InvalidInput("--attendees must be 0 or more")
        with self.store.transaction() as s:
            fw = s.framework()
            fw.lot(lot)
            funding = fw.default_funding if funding is None else funding.strip()
            fw.stream(funding)
            request = Request(0, lot, title, start, end, funding, value, quantity, unit,
                              attendees)
            rid = s.add_request(request, on, self.officer)
            s.record_event(self.officer, on, "request.add", "request", rid, None,
                           _request_dict(request), None)
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
            return self._offer(request, on)

    def _offer(self, request: Request, on: date) -> Outcome:
        """Walk the cascade and make the offer, or raise the rule that refuses it.

        A refusal carries `passed_over` (and, at the ceiling, `refused_offer`) so the
        officer is told why, rank by rank.
        """
        s = self.store
        fw = s.framework()
        ranking = s.ranking(request.lot)
        # Only the provider's own answer passes it over; an approver's rejection does not.
        closed = {c.provider_id: _closed_reason(c)
                  for c in s.calloffs_for_request(request.id)
                  if c.status in ("declined", "lapsed")}
        result = cascade(request, ranking, s.providers(on), s.unavailability(),
                         s.rates(request.lot), closed)
        try:
            check_term(fw.term, on)
            _check_year(fw, request)
            check_funding(fw.stream(request.funding), request, on)
            require_ceiling(s.position(request.year, on), request.funding, on)
            if not ranking:
                raise NoEligibleProvider(
                    f"lot {request.lot} has no ranking: set one with `calloff rank set "
                    f"{request.lot} PROVIDER...` or `calloff rank import FILE.csv`"
                )
            if result.offer is None or result.value is None:
                raise NoEligibleProvider(
                    f"no provider on lot {request.lot} can take request {request.id}: "
                    f"{result.why_none()}"
                )
            provider = s.provider(result.offer.provider_id, on)
            what = (f"offering request {request.id} to {provider.name} "
                    f"(rank {result.offer.rank}) at {format_money(result.value)}")
            try:
                with s.savepoint():
                    return self._write_offer(request, provider, result, on, what)
            except CeilingExceeded as e:
                e.refused_offer = PassOver(  # type: ignore[attr-defined]
                    provider.id, provider.name, result.offer.rank, str(e))
                raise
        except RuleBroken as e:
            e.passed_over = result.passed_over  # type: ignore[attr-defined]
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _write_offer(self, request: Request, provider: Provider, result: Any, on: date,
                     what: str) -> Outcome:
        """Write the offer and its dated commitment, then check every day from `on`."""
        s = self.store
        fw = s.framework()
        # At or over the approval threshold the commitment is held, but the provider is not
        # told until a second officer approves; the response period starts then.
        needs_approval = (fw.approval_threshold is not None
                          and result.value >= fw.approval_threshold)
        calloff = CallOff(
            id=0, request_id=request.id, lot=request.lot, provider_id=provider.id,
            rank=result.offer.rank,
            status="awaiting_approval" if needs_approval else "offered", value=result.value,
            funding=request.funding, year=request.year, offered_on=on,
            respond_by=None if needs_approval
            else add_working_days(on, fw.response_days, fw.holidays),
            officer=self.officer, recorded_at=now_stamp(),
            needs_approval=needs_approval,
        )
        cid = s.add_calloff(calloff, result.passed_over)
        calloff = attrs.evolve(calloff, id=cid)
        eid = s.record_event(
            self.officer, on, "calloff.offer", "calloff", cid, None,
            {"request": request.id, "provider": provider.id, "rank": calloff.rank,
             "status": calloff.status, "value": calloff.value, "funding": calloff.funding,
             "respond_by": calloff.respond_by,
             "passed_over": [[p.provider_id, p.rank, p.reason] for p in result.passed_over]},
            None,
        )
        s.ledger.record(calloff, eid, on, calloff.status, calloff.value, calloff.value)
        self._hold(calloff.year, on, what, calloff.value)
        # The headroom recorded with the offer is the headroom on the day it was made.
        after = s.position(calloff.year, on)
        s.restate_headroom(cid, after.headroom, after.stream(calloff.funding).headroom)
        calloff = s.calloff(cid)
        return Outcome(request, calloff.status, calloff, provider, result.passed_over,
                       position=after)

    def _hold(self, year: FinancialYear, start: date, what: str,
              amount: Decimal | None = None) -> None:
        """Refuse the write in progress if any headroom in `year` is below zero on any day
        from `start` on; the message names the first such day and by how much."""
        breach = self.store.ledger.first_breach(year, start)
        if breach is None:
            return
        message = breach_message(what, year, breach.day, breach.stream, breach.cap,
                                 breach.committed, amount)
        if breach.first_cap_on is None or breach.first_cap_on > breach.day:
            stream = breach.stream or self.framework().default_funding
            message += (f"; no cap for {year} applied on {breach.day}: date one from then "
                        f"with `calloff ceiling set --year {year} --funding {stream} "
                        f"--amount MONEY --on {breach.day}`")
        raise CeilingExceeded(message)

    def _cascade_after(self, request: Request, on: date) -> Outcome:
        """After a decline or lapse: offer to the next provider, or say why nobody can take it."""
        try:
            return self._offer(request, on)
        except RuleBroken as e:
            passed = tuple(getattr(e, "passed_over", ()))
            refused = getattr(e, "refused_offer", None)
            if refused is not None:
                passed += (refused,)
            return Outcome(request, "unallocated", None, None, passed, refused=str(e))

    def approve(self, calloff_id: int, on: date) -> CallOff:
        """A second officer authorises a call-off at or over the threshold; it is then offered.

        Refused if, on the approval date, the provider could no longer be offered the work
        or the ceiling would no longer hold: the approver rejects it and the cascade moves on.
        """
        not_future(on)
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            self._expect(c, ("awaiting_approval",), "approved")
            if c.officer.casefold() == self.officer.casefold():
                raise RuleBroken(
                    f"{self.officer} raised call-off {c.id} and cannot approve it: separation "
                    "of duties needs another officer (use --officer or CALLOFF_OFFICER)"
                )
            self._not_before(c, on)
            fw = s.framework()
            check_term(fw.term, on)
            request = s.request(c.request_id)
            instead = (f": reject it with `calloff reject {c.id} --reason TEXT`, then "
                       f"`calloff allocate {request.id}` offers it to the next eligible provider")
            eligible = cascade(request, [RankEntry(c.lot, c.rank, c.provider_id)],
                               s.providers(on), s.unavailability(), s.rates(c.lot), {})
            if eligible.offer is None:
                why = eligible.passed_over[0]
                raise RuleBroken(f"call-off {c.id} cannot be approved on {on}: {why.name} is "
                                 f"{why.reason}{instead}")
            try:
                self._hold(c.year, on, f"approving call-off {c.id}")
            except CeilingExceeded as e:
                raise CeilingExceeded(f"{e}{instead}") from None
            respond_by = add_working_days(on, fw.response_days, fw.holidays)
            s.approve(c.id, self.officer, on, respond_by)
            eid = s.record_event(self.officer, on, "calloff.approve", "calloff", c.id,
                                 {"status": c.status},
                                 {"status": "offered", "respond_by": respond_by}, None)
            s.ledger.record(c, eid, on, "offered", c.value, c.value)
            return s.calloff(c.id)

    def reject(self, calloff_id: int, reason: str, on: date) -> CallOff:
        """The approver refuses a call-off: its commitment is released, the request reopens."""
        reason = clean_text(reason, "the reason")
        with self.store.transaction() as s:
            c = self._move(calloff_id, ("awaiting_approval",), "rejected", "reject", on, reason)
            return s.calloff(c.id)

    def accept(self, calloff_id: int, on: date) -> CallOff:
        with self.store.transaction() as s:
            c = self._move(calloff_id, ("offered",), "accepted", "accept", on)
            return s.calloff(c.id)

    def decline(self, calloff_id: int, reason: str, on: date) -> Outcome:
        """Record a provider's decline and cascade to the next eligible provider."""
        reason = clean_text(reason, "the reason")
        with self.store.transaction() as s:
            c = self._move(calloff_id, ("offered",), "declined", "decline", on, reason)
            return self._cascade_after(s.request(c.request_id), on)

    def _move(self, calloff_id: int, allowed: tuple[str, ...], status: str, action: str,
              on: date, reason: str | None = None, settles: bool = False) -> CallOff:
        """Move a call-off from one of `allowed` to `status` and record it; returns it as it was.

        `settles`: the commitment becomes the spend so far, and the event says so.
        """
        not_future(on)
        s = self.store
        c = s.calloff(calloff_id)
        self._expect(c, allowed, status)
        self._not_before(c, on)
        if settles:
            self._not_before_answer_or_invoices(c, on, status)
        s.set_status(c.id, status, on, reason)
        spent = s.spent(c.id)
        before: dict[str, Any] = {"status": c.status}
        after: dict[str, Any] = {"status": status}
        if settles:
            before["commitment"], after["commitment"] = c.value, spent
        eid = s.record_event(self.officer, on, f"calloff.{action}", "calloff", c.id, before,
                             after, reason)
        commitment = c.value if status in LIVE else spent if status in FINISHED else ZERO
        s.ledger.record(c, eid, on, status, c.value, commitment)
        return c

    def lapse(self, on: date) -> list[Lapse]:
        """Every offer unanswered past its respond-by date counts as declined, and cascades."""
        not_future(on)
        lapses: list[Lapse] = []
        with self.store.transaction() as s:
            for c in s.offers_past(on):
                reason = f"did not answer by {c.respond_by}"
                s.set_status(c.id, "lapsed", on, reason)
                s.record_event(self.officer, on, "calloff.lapse", "calloff", c.id,
                               {"status": c.status}, {"status": "lapsed"}, reason)
                outcome = self._cascade_after(s.request(c.request_id), on)
                lapses.append(Lapse(s.calloff(c.id), outcome))
        return lapses

    # -- after acceptance: spend, variations, completion -----------------------------------

    def add_spend(self, calloff_id: int, amount: Decimal, spent_on: date, invoice: str,
                  attendees: int | None, on: date | None = None) -> SpendLine:
        """Record one invoice line against an accepted call-off."""
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            line = self._spend_line(c, amount, spent_on, invoice, attendees, s.spent(c.id))
            self._write_spend(line, on or spent_on)
        return line

    def _spend_line(self, c: CallOff, amount: Decimal, spent_on: date, invoice: str,
                    attendees: int | None, spent_so_far: Decimal) -> SpendLine:
        """Check an invoice line against the call-off; refuse it with the reason if it is wrong."""
        s = self.store
        invoice = clean_text(invoice, "the invoice reference", 100)
        if amount <= 0:
            raise InvalidInput("the amount must be more than £0.00")
        if attendees is not None and attendees < 0:
            raise InvalidInput("attendees must be 0 or more")
        if c.status != "accepted":
            raise WrongStatus(
                f"call-off {c.id} is {c.status.replace('_', ' ')}: spend can be recorded only "
                "against an accepted call-off"
            )
        existing = s.invoice(c.provider_id, invoice)
        if existing:
            raise InvalidInput(
                f"invoice {invoice} from this provider is already recorded (call-off "
                f"{existing['calloff_id']}, {existing['spent_on']})"
            )
        request = s.request(c.request_id)
        if spent_on > date.today():
            raise InvalidInput(f"invoice date {spent_on} is in the future: check --date")
        if spent_on < request.start:
            raise InvalidInput(
                f"invoice date {spent_on} is before call-off {c.id} starts on {request.start}"
            )
        stream = s.framework().stream(c.funding)
        if not stream.in_window(spent_on, spent_on):
            raise OutsideGrantWindow(
                f"invoice date {spent_on} is outside the {stream.name} grant window "
                f"{stream.window_start} to {stream.window_end}: grant money cannot pay it"
            )
        if spent_so_far + amount > c.value:
            raise ValueExceeded(
                f"{format_money(amount)} would take spend on call-off {c.id} to "
                f"{format_money(spent_so_far + amount)}, past its value of "
                f"{format_money(c.value)}: vary the call-off first"
            )
        return SpendLine(c.id, c.provider_id, invoice, spent_on, amount, attendees)

    def _write_spend(self, line: SpendLine, on: date) -> None:
        s = self.store
        sid = s.add_spend(line.calloff, line.provider_id, line.invoice, line.spent_on,
                          line.amount, line.attendees, self.officer)
        s.record_event(self.officer, on, "spend.add", "calloff", line.calloff, None,
                       {"spend": sid, "invoice": line.invoice, "date": line.spent_on,
                        "amount": line.amount, "attendees": line.attendees}, None)

    def import_spend(self, path: str | Path, on: date | None = None,
                     progress: Callable[[int], None] | None = None) -> ImportSummary:
        """Import invoice lines from CSV: all of them in one transaction, or none.

        Every row is checked first against the database and the rows before it; a line
        already recorded with the same details is skipped, so re-importing a file adds
        nothing. `progress` is told how many rows have been checked.
        """
        rows, problems = _read_csv(path, required=("calloff", "invoice", "date", "amount"),
                                   optional=("attendees",))
        with self.store.transaction() as s:
            lines: list[SpendLine] = []
            skipped = 0
            running: dict[int, Decimal] = {}
            seen: dict[tuple[int, str], int] = {}
            for n, (line_no, row) in enumerate(rows, start=1):
                if progress and n % 200 == 0:
                    progress(200)
                try:
                    c = s.calloff(_int(row["calloff"], "calloff"))
                    invoice = clean_text(row["invoice"], "the invoice reference", 100)
                    spent_on = parse_date(row["date"])
                    amount = parse_money(row["amount"])
                    cell = (row.get("attendees") or "").strip()
                    attendees = _int(cell, "attendees") if cell else None
                    key = (c.provider_id, invoice_key(invoice))
                    if key in seen:
                        raise InvalidInput(f"invoice {invoice} appears twice in the file "
                                           f"(also line {seen[key]})")
                    seen[key] = line_no
                    existing = s.invoice(c.provider_id, invoice)
                    if existing and _same_line(existing, c.id, spent_on, amount, attendees):
                        skipped += 1
                        continue
                    if c.id not in running:
                        running[c.id] = s.spent(c.id)
                    line = self._spend_line(c, amount, spent_on, invoice, attendees,
                                            running[c.id])
                except CalloffError as e:
                    problems.append((line_no, str(e)))
                    continue
                running[c.id] += amount
                lines.append(line)
            if progress:
                progress(len(rows) % 200)
            if problems:
                raise ImportRejected(str(path), sorted(problems))
            for line in lines:
                self._write_spend(line, on or line.spent_on)
        return ImportSummary(imported=len(lines), skipped=skipped,
                             amount=sum((line.amount for line in lines), Decimal("0.00")))

    def vary(self, calloff_id: int, value: Decimal, reason: str, on: date) -> CallOff:
        """Change an accepted call-off's value; an increase must fit under the ceiling."""
        reason = clean_text(reason, "the reason")
        if value <= 0:
            raise InvalidInput("the new value must be more than £0.00")
        not_future(on)
        with self.store.transaction() as s:
            c = s.calloff(calloff_id)
            self._expect(c, ("accepted",), "varied")
            self._not_before(c, on)
            if c.decided_on and on < c.decided_on:
                raise InvalidInput(
                    f"{on} is before call-off {c.id} was accepted on {c.decided_on}: check --on"
                )
            fw = s.framework()
            threshold = fw.approval_threshold
            if (threshold is not None and value > c.value and value >= threshold
                    and c.officer.casefold() == self.officer.casefold()):
                raise RuleBroken(
                    f"an increase to {format_money(value)} is at or over the approval threshold "
                    f"of {format_money(threshold)}: {self.officer} raised call-off {c.id}, so "
                    "another officer must make it"
                )
            spent = s.spent(c.id)
            if value < spent:
                raise InvalidInput(
                    f"call-off {c.id} has already spent {format_money(spent)}: its value "
                    f"cannot go below that"
                )
            if value == c.value:
                raise InvalidInput(f"call-off {c.id} is already worth {format_money(value)}")
            s.vary(c.id, c.value, value, reason, on, self.officer)
            eid = s.record_event(self.officer, on, "calloff.vary", "calloff", c.id,
                                 {"value": c.value}, {"value": value}, reason)
            s.ledger.record(c, eid, on, c.status, value, value)
            if value > c.value:
                self._hold(c.year, on, f"increasing call-off {c.id} by "
                           f"{format_money(value - c.value)}", value - c.value)
            # The headroom the order shows is re-stated as it stands after the variation.
            after = s.position(c.year, on)
            s.restate_headroom(c.id, after.headroom, after.stream(c.funding).headroom)
            return s.calloff(c.id)

    def complete(self, calloff_id: int, on: date) -> CallOff:
        """Delivery finished: the commitment becomes the actual spend."""
        with self.store.transaction() as s:
            c = self._move(calloff_id, ("accepted",), "completed", "complete", on, settles=True)
            return s.calloff(c.id)

    def cancel(self, calloff_id: int, reason: str, on: date) -> CallOff:
        """Stop a call-off: its commitment becomes what has been spent so far."""
        reason = clean_text(reason, "the reason")
        with self.store.transaction() as s:
            c = self._move(calloff_id, LIVE, "cancelled", "cancel", on, reason, settles=True)
            return s.calloff(c.id)

    @staticmethod
    def _expect(c: CallOff, statuses: tuple[str, ...], action: str) -> None:
        if c.status not in statuses:
            raise WrongStatus(
                f"call-off {c.id} is {c.status.replace('_', ' ')}: only an "
                f"{' or '.join(s.replace('_', ' ') for s in statuses)} call-off can be {action}"
            )

    def _not_before_answer_or_invoices(self, c: CallOff, on: date, what: str) -> None:
        """A call-off is settled after it was accepted (or approved) and after its invoices."""
        for label, when in (("accepted", c.decided_on), ("approved", c.approved_on)):
            if when and on < when:
                raise InvalidInput(
                    f"{on} is before call-off {c.id} was {label} on {when}: check --on"
                )
        last = self.store.last_invoice_date(c.id)
        if last and on < last:
            raise InvalidInput(
                f"call-off {c.id} has an invoice dated {last}: it can be {what} on or after "
                "that date"
            )

    def _not_before(self, c: CallOff, on: date) -> None:
        """A call-off's history runs forward: each change is dated on or after the last."""
        if on < c.offered_on:
            raise InvalidInput(
                f"{on} is before call-off {c.id} was offered on {c.offered_on}: check --on"
            )
        last = self.store.ledger.last_change(c.id)
        if last and on.isoformat() < last["effective_on"]:
            raise InvalidInput(
                f"{on} is before call-off {c.id} became {last['status'].replace('_', ' ')} on "
                f"{last['effective_on']}: record this change on or after that date"
            )


def _check_year(fw: Framework, request: Request) -> None:
    """A call-off may start after the term (PCR 2015 reg. 33), never before it begins."""
    first, _ = fw.years
    if request.year < first:
        raise RuleBroken(
            f"request {request.id} starts on {request.start}, in {request.year}, before the "
            f"framework's first year ({first}): change its dates"
        )


def not_future(on: date, what: str = "the effective date") -> None:
    """No change of state may be dated after today."""
    today = date.today()
    if on > today:
        raise InvalidInput(
            f"{what} {on} is after today ({today}): a change cannot be dated in the future")


def default_year(fw: Framework, today: date | None = None) -> FinancialYear:
    """Today's financial year, held inside the term (the last year once it has ended)."""
    today = today or date.today()
    if today > fw.term.end:
        return FinancialYear.of(fw.term.end)
    if today < fw.term.start:
        return FinancialYear.of(fw.term.start)
    return FinancialYear.of(today)


def _closed_reason(c: CallOff) -> str:
    if c.status == "lapsed":
        return f"did not answer by {c.respond_by} (lapsed on {c.decided_on})"
    if c.status == "declined":
        return f"declined on {c.decided_on}: {c.reason}"
    return f"{c.status} on {c.decided_on}: {c.reason}"


def _request_dict(r: Request) -> dict[str, Any]:
    return {"lot": r.lot, "title": r.title, "start": r.start, "end": r.end, "value": r.value,
            "quantity": r.quantity, "unit": r.unit, "funding": r.funding,
            "attendees": r.attendees}


def _same_line(row: dict[str, Any], calloff: int, spent_on: date, amount: Decimal,
               attendees: int | None) -> bool:
    return (row["calloff_id"] == calloff and row["spent_on"] == spent_on.isoformat()
            and from_pence(row["amount_pence"]) == amount and row["attendees"] == attendees)


def _int(text: str, what: str) -> int:
    raw = (text or "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise InvalidInput(f"{what} {text!r} is not a whole number")
    return int(raw)


def _read_csv(
    path: str | Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """Rows of a CSV file with their line numbers, and the problems found reading it."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{p}: no such file") from None
    except OSError as e:
        raise InvalidInput(f"{p}: cannot be read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InvalidInput(
            f"{p}:{line}: not UTF-8 text: save the file as CSV UTF-8 and import it again"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{p}: the file is empty: it needs a header row") from None
    except csv.Error as e:
        raise InvalidInput(f"{p}: not a CSV file ({e})") from None
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise InvalidInput(f"{p}: " + "; ".join(parts) + ": the columns are "
                           + ",".join(required + optional))
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[tuple[int, str]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append((line, f"{len(cells)} cells where the header has {len(header)}"))
                continue
            rows.append((line, dict(zip(header, cells, strict=True))))
    except csv.Error as e:
        problems.append((reader.line_num, f"not valid CSV ({e})"))
    return rows, problems


def parse_on(text: str | None) -> date:
    """The effective date of an action: today unless the officer gives one."""
    return parse_date(text) if text else date.today()
