"""A competition as it stands on a day: who was invited, who answered, and once it has
closed the valid bids scored best first, with the bids set aside and why.

Reading only: `calloff.actions.competitions` writes, and awards from what this finds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import attrs

from calloff.actions.offering import declined
from calloff.domain.competition import Answer, Competition, Invitation
from calloff.domain.model import CallOff, PassOver, RankEntry, Request
from calloff.domain.rules import cascade
from calloff.domain.scoring import Bid, Result, score
from calloff.store.competitions import AWARDED
from calloff.store.database import Store


@attrs.frozen
class Standing:
    """A competition as it stands on a day: its answers and, once closed, the scores."""

    competition: Competition
    request: Request
    invitations: tuple[Invitation, ...]
    answers: tuple[Answer, ...]
    closed: bool
    results: tuple[Result, ...]  # the valid bids, best first (empty until the close)
    set_aside: tuple[PassOver, ...]  # bids left out of the scoring, and why
    calloff: CallOff | None  # the award, while it stands
    status: str  # open | closed | awarded | cancelled
    bidding_closed_on: date | None = None  # the first award's day: no bid after it


def standing(
    s: Store, competition_id: int, on: date | None = None, award: CallOff | None = None
) -> Standing:
    """The competition as it stands on `on` (default today), scored once it has closed:
    the set-aside bids are those of providers no longer eligible on that day. Given the
    call-off of one `award`, it is as that award made it (its own bids set aside), even
    after the winner declined and another award followed."""
    day = on or date.today()
    k = s.competitions.get(competition_id)
    request = s.request(k.request_id)
    answers = s.competitions.answers(k.id)
    made = [s.calloff(c["id"]) for c in s.competitions.calloffs(k.id)]
    standing_award = next((c for c in made if c.status in AWARDED), None)
    award = award or standing_award
    if award is not None:
        set_aside = tuple(s.competitions.set_aside(award.id))
    else:
        set_aside = _set_aside(s, k, request, answers, day, made)
    closed = k.closed(day) or award is not None
    out = {p.provider_id for p in set_aside}
    valid = [_bid(a) for a in answers if a.bid and a.provider_id not in out]
    results = tuple(score(valid, k.weights)) if closed else ()
    if k.cancelled_on is not None:
        status = "cancelled"
    elif standing_award is not None:
        status = "awarded"
    else:
        status = "closed" if closed else "open"
    return Standing(
        k,
        request,
        tuple(s.competitions.invitations(k.id)),
        tuple(answers),
        closed,
        results,
        set_aside,
        award,
        status,
        min((c.raised_on for c in made), default=None),
    )


def judge(
    s: Store,
    request: Request,
    entries: list[RankEntry],
    on: date,
    closed: Mapping[int, str],
) -> list[tuple[str, str | None]]:
    """(name, why it is passed over or None) for each entry, as the cascade judges it. A
    bid names its own price, so a missing tendered rate is no reason here."""
    priced = attrs.evolve(request, value=Decimal("0.01"), quantity=None, unit=None)
    providers = s.roster.on(on)
    gaps = s.roster.unavailability(of=[e.provider_id for e in entries])
    out = []
    for e in entries:
        judged = cascade(priced, [e], providers, gaps, {}, closed)
        out.append(
            (providers[e.provider_id].name, None if judged.offer else judged.passed_over[0].reason)
        )
    return out


def _set_aside(
    s: Store,
    k: Competition,
    request: Request,
    answers: list[Answer],
    on: date,
    calloffs: list[CallOff],
) -> tuple[PassOver, ...]:
    """Bids that cannot be awarded on `on`: the provider declined (or did not answer) this
    competition's award, or is now suspended, withdrawn or unavailable; or its bid was
    recorded after the first award, when bidding had closed (only a database written
    before such a bid was refused holds one)."""
    bids = [a for a in answers if a.bid]
    late = s.competitions.answered_after_award(k.id) if calloffs else set()
    on_time = [a for a in bids if a.provider_id not in late]
    entries = [RankEntry(k.lot, a.rank, a.provider_id) for a in on_time]
    judged = judge(s, request, entries, on, declined(calloffs))
    why = {a.provider_id: reason for a, (_, reason) in zip(on_time, judged, strict=True)}
    for a in bids:
        if a.provider_id in late:
            why[a.provider_id] = (
                f"recorded after the competition's first award on {calloffs[0].raised_on}, "
                "when bidding had closed"
            )
    return tuple(
        PassOver(a.provider_id, a.name, a.rank, reason)
        for a in bids
        if (reason := why[a.provider_id]) is not None
    )


def _bid(a: Answer) -> Bid:
    assert a.price is not None
    return Bid(a.provider_id, a.name, a.rank, a.price, a.marks)


def why_none(standing: Standing) -> str:
    said = {a.provider_id: a for a in standing.answers}
    aside = {p.provider_id: p.reason for p in standing.set_aside}
    parts = []
    for i in standing.invitations:
        if not i.invited:
            continue
        if i.provider_id in aside:
            parts.append(f"{i.name}: bid set aside, {aside[i.provider_id]}")
        elif i.provider_id in said and not said[i.provider_id].bid:
            reason = said[i.provider_id].reason
            parts.append(f"{i.name}: no bid" + (f" ({reason})" if reason else ""))
        else:
            parts.append(f"{i.name}: no answer")
    return "; ".join(parts)
