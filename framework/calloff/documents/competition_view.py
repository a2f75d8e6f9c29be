"""A competition for reading: `competition show`, its JSON, and the bidders' letters.

Each bidder's assessment summary gives its own marks and points beside the winner's and
never another bidder's: the letter's template is handed those two bids and nothing else,
so it cannot name a third, nor (where the lowest price is not the winner's) any price
points or total from which that price could be worked out (docs/competition.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from calloff.actions.competition_state import Standing
from calloff.documents.json_shapes import iso
from calloff.domain.competition import PRICE, Answer
from calloff.domain.model import Framework
from calloff.domain.money import json_money
from calloff.domain.scoring import Result, shown
from calloff.errors import WrongStatus


def points(value: Any) -> str:
    return f"{shown(value):.2f}"


def exact(value: Any) -> str:
    """A total to four places, for two that are level to two."""
    with localcontext() as ctx:
        ctx.prec = 60
        four = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{four.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}"


def result(r: Result, weights: dict[str, int], withheld: bool = False) -> dict[str, Any]:
    """One scored bid: its marks as given, each criterion's points, the total, its place;
    `withheld`, without its price points and total (`discloses`)."""
    b = r.bid
    if withheld:
        return result(r, weights) | {"price_score": None, "total": None}
    return {
        "position": r.position,
        "provider": b.provider_id,
        "name": b.name,
        "rank": b.rank,
        "price": json_money(b.price),
        "scores": {n: f"{m:.2f}" for n, m in b.marks.items()},
        "price_score": points(r.points[PRICE]) if PRICE in r.points else None,
        "criterion_scores": {n: points(r.points[n]) for n in weights if n != PRICE},
        "total": points(r.total),
    }


def discloses(results: Sequence[Result], weights: Mapping[str, int]) -> bool:
    """Whether a letter's price points would give away another bidder's price.

    Price points are the lowest price ÷ the bid's price × the weight, so with a bid's
    own price they give the lowest price: public anyway where it is the winner's (it is
    the call-off's value), another bidder's secret where it is not. A total gives the
    price points too (the total less the other criteria's points, which a letter shows),
    so in that case both are left out of every letter."""
    if PRICE not in weights or not results:
        return False
    return results[0].bid.price != min(r.bid.price for r in results)


def to_json(st: Standing) -> dict[str, Any]:
    k = st.competition
    weights = dict(k.weights)
    answered = {a.provider_id for a in st.answers}
    winner = st.results[0] if st.results and st.status != "cancelled" else None
    return {
        "competition": k.id,
        "id": k.id,
        "request": k.request_id,
        "title": st.request.title,
        "lot": k.lot,
        "status": st.status,
        "opened_on": iso(k.opened_on),
        "opened_by": k.officer,
        "closes_on": iso(k.closes_on),
        "cancelled_on": iso(k.cancelled_on),
        "cancel_reason": k.cancel_reason,
        "weights": weights,
        "invited": [
            {"provider": i.provider_id, "name": i.name, "rank": i.rank}
            for i in st.invitations
            if i.invited
        ],
        "invitations": _invitations(st),
        "passed_over": [
            {"provider": i.provider_id, "name": i.name, "rank": i.rank, "reason": i.reason}
            for i in st.invitations
            if not i.invited
        ],
        "bids": [_bid(a, st.closed) for a in st.answers if a.bid],
        "no_bids": [
            {
                "provider": a.provider_id,
                "name": a.name,
                "rank": a.rank,
                "on": iso(a.on),
                "reason": a.reason,
            }
            for a in st.answers
            if not a.bid
        ],
        "no_answer": [
            {"provider": i.provider_id, "name": i.name, "rank": i.rank}
            for i in st.invitations
            if i.invited and i.provider_id not in answered
        ],
        "sealed": not st.closed,
        "results": [result(r, weights) for r in st.results],
        "set_aside": [
            {"provider": p.provider_id, "name": p.name, "rank": p.rank, "reason": p.reason}
            for p in st.set_aside
        ],
        "winner": None if winner is None else result(winner, weights),
        "bidding_closed_on": iso(st.bidding_closed_on),
        "calloff": st.calloff.id if st.calloff else None,
        "calloff_status": st.calloff.status if st.calloff else None,
        "standstill_ends": iso(st.calloff.standstill_ends) if st.calloff else None,
    }


def _invitations(st: Standing) -> list[dict[str, Any]]:
    """Every provider on the lot in rank order, with what became of its invitation."""
    said = {a.provider_id: a for a in st.answers}
    rows = []
    for i in sorted(st.invitations, key=lambda i: i.rank):
        a = said.get(i.provider_id)
        if not i.invited:
            answer, on, reason = "passed over", None, i.reason
        elif a is None:
            answer, on, reason = "no answer", None, None
        else:
            answer, on, reason = ("bid" if a.bid else "no bid"), iso(a.on), a.reason
        rows.append(
            {
                "provider": i.provider_id,
                "name": i.name,
                "rank": i.rank,
                "answer": answer,
                "on": on,
                "reason": reason,
            }
        )
    return rows


def _bid(a: Answer, closed: bool) -> dict[str, Any]:
    """A bid as received; its price and marks stay sealed until the close."""
    return {
        "provider": a.provider_id,
        "name": a.name,
        "rank": a.rank,
        "on": iso(a.on),
        "price": json_money(a.price) if closed else None,
        "scores": {n: f"{m:.2f}" for n, m in a.marks.items()} if closed else None,
    }


def ready(st: Standing) -> None:
    """Letters tell the bidders of an award: refused until there is one to tell."""
    k = st.competition
    if st.status == "cancelled":
        raise WrongStatus(
            f"competition {k.id} was cancelled on {k.cancelled_on}: it has no award, so no letters"
        )
    if st.calloff is None:
        unawarded = f"competition {k.id} is {st.status}: letters are written once it is awarded"
        raise WrongStatus(unawarded, command=f"{unawarded} (`calloff competition award {k.id}`)")
    if st.calloff.status == "awaiting_approval":
        awaits = (
            f"call-off {st.calloff.id}, the award of competition {k.id}, awaits approval: the "
            "bidders are told once another officer approves it"
        )
        raise WrongStatus(
            f"{awaits}, and its standstill begins then",
            command=f"{awaits} (`calloff approve {st.calloff.id}`), and its standstill begins then",
        )


def letters(st: Standing, fw: Framework, today: date | None = None) -> list[dict[str, Any]]:
    """One assessment summary's facts per bidder: its own result and the winner's only."""
    ready(st)
    assert st.calloff is not None and st.results
    weights = dict(st.competition.weights)
    win = st.results[0]
    assert win.bid.provider_id == st.calloff.provider_id
    withheld = discloses(st.results, weights)
    winner = result(win, weights, withheld)
    aside = {p.provider_id: p.reason for p in st.set_aside}
    common = {
        "framework": {"name": fw.name, "reference": fw.reference, "buyer": fw.buyer},
        "competition": st.competition.id,
        "title": st.request.title,
        "lot": {"number": st.competition.lot, "title": fw.lot(st.competition.lot).title},
        "closes_on": iso(st.competition.closes_on),
        "awarded_on": iso(st.calloff.raised_on),
        "criteria": [
            {
                "name": c.name,
                "title": c.title or c.name.replace("_", " ").capitalize(),
                "weight": weights[c.name],
            }
            for c in fw.criteria
            if c.name in weights
        ],
        "standstill_days": fw.standstill_days if st.calloff.standstill_ends else None,
        "standstill_ends": iso(st.calloff.standstill_ends),
        "bidders": len(st.results) + len(st.set_aside),
        "scored": len(st.results),
        "winner": winner,
        "price_points_withheld": withheld,
    }
    out = []
    for a in st.answers:
        if not a.bid:
            continue
        own = next((r for r in st.results if r.bid.provider_id == a.provider_id), None)
        out.append(
            {
                **common,
                "to": {"provider": a.provider_id, "name": a.name},
                "won": own is not None and own.position == 1,
                # Level with the winner, it lost on rank: the letter says so. Level only to
                # two places, the letter gives both totals to four. Neither where the
                # totals are withheld: a tie would give the lowest price away as they do.
                "tied": not withheld
                and own is not None
                and own.position != 1
                and own.total == win.total,
                "close": None
                if withheld
                or own is None
                or own.total == win.total
                or shown(own.total) != shown(win.total)
                else {"own": exact(own.total), "winner": exact(win.total)},
                "own": None if own is None else result(own, weights, withheld),
                "set_aside": aside.get(a.provider_id),
                "file": letter_name(st.competition.id, a.provider_id, a.name),
            }
        )
    return out


def letter_name(competition_id: int, provider_id: int, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "provider"
    return f"competition-{competition_id}-letter-{provider_id}-{slug}"


def render_letters(
    st: Standing, fw: Framework, fmt: str, templates: str | None = None
) -> list[tuple[str, str]]:
    """(file name, document) for each bidder's assessment summary."""
    from calloff.documents.rendering import render

    return [
        (f"{facts['file']}.{fmt}", render(f"letter.{fmt}.j2", fmt, facts, templates))
        for facts in letters(st, fw)
    ]


def render_text(st: Standing) -> str:
    from calloff.documents.rendering import render

    return render("competition.txt.j2", "text", to_json(st))
