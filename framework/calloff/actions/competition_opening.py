"""Opening a competition: every check `competition open` makes, and the weights and
invitations it would record. Reading only, so the same checks serve the write
(`CompetitionDesk.open`) and the page that asks the officer to check first
(`CompetitionDesk.preview`), which writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from calloff.actions.base import not_future
from calloff.actions.competition_state import judge
from calloff.actions.offering import declined
from calloff.domain.competition import Invitation, Opening, refine
from calloff.domain.model import Request
from calloff.domain.rules import check_term, check_year
from calloff.errors import InvalidInput, NoEligibleProvider, RuleBroken, WrongStatus
from calloff.store.competitions import AWARDED
from calloff.store.database import Store


def opening(
    s: Store,
    request_id: int,
    closes: date,
    on: date,
    weights: Mapping[str, int] | None,
) -> Opening:
    """The competition `open` would record for `request_id`, or its refusal."""
    not_future(on, "the opening date")
    fw = s.framework()
    request = s.request(request_id)
    route = fw.lot(request.lot).award
    if route == "ranked":
        raise RuleBroken(
            f"lot {request.lot} awards call-offs by the ranking, not by competition",
            hint=f"allocate request {request.id} with `calloff allocate {request.id}`",
        )
    if closes < on:
        rule = "a competition closes on or after the day it opens"
        raise InvalidInput(
            f"closes={closes} is before the opening date on={on}: {rule}",
            command=f"--closes {closes} is before the opening date {on}: {rule}",
        )
    _request_free(s, request, on)
    check_term(fw.term, on)
    check_year(fw, request)
    chosen = refine(fw.criteria, weights)
    invitations = _invitations(s, request, on)
    return Opening(request.id, request.lot, on, closes, chosen, tuple(invitations))


def _request_free(s: Store, request: Request, on: date) -> None:
    """A request is in one competition at a time, never while an offer of it stands."""
    for c in s.calloffs_for_request(request.id):
        if c.status in AWARDED:
            raise WrongStatus(
                f"request {request.id} is already {c.status.replace('_', ' ')} (call-off "
                f"{c.id}): a competition is for a request that has no offer standing"
            )
    for k in s.competitions.for_request(request.id):
        if k.cancelled_on is None:
            raise WrongStatus(
                f"request {request.id} is already in competition {k.id}",
                hint=f"award it with `calloff competition award {k.id}`, or cancel it with "
                f"`calloff competition cancel {k.id} --reason TEXT` before opening another",
            )
        if on < k.cancelled_on:
            raise InvalidInput(
                f"{on} is before competition {k.id} for request {request.id} was "
                f"cancelled on {k.cancelled_on}: date this on or after that day"
            )
    last = s.last_offer_change(request.id)
    if last and on.isoformat() < last:
        raise InvalidInput(
            f"{on} is before request {request.id}'s last offer closed on {last}: open "
            "the competition on or after that date"
        )


def _invitations(s: Store, request: Request, on: date) -> list[Invitation]:
    """Every provider on the lot, invited or passed over with the cascade's reason."""
    ranking = s.tenders.ranking(request.lot, on)
    if not ranking:
        raise NoEligibleProvider(
            f"lot {request.lot} has no ranking",
            hint=f"set one with `calloff rank set {request.lot} PROVIDER...` or "
            "`calloff rank import FILE.csv`",
        )
    reasons = judge(s, request, ranking, on, declined(s.calloffs_for_request(request.id)))
    invitations = [
        Invitation(e.provider_id, name, e.rank, reason is None, reason)
        for e, (name, reason) in zip(ranking, reasons, strict=True)
    ]
    if not any(i.invited for i in invitations):
        why = "; ".join(f"rank {i.rank} {i.name}: {i.reason}" for i in invitations)
        raise NoEligibleProvider(
            f"no provider on lot {request.lot} can be invited to bid for request "
            f"{request.id}: {why}"
        )
    return invitations
