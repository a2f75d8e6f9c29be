"""The library's competition desk: awarding a call-off by competition, as `Office` methods
(see `calloff.api` and docs/competition.md). Kept apart so each capability stays small."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calloff.arguments import (
    Day,
    Money,
    Ref,
    _amount,
    _count,
    _day,
    _id,
    _path,
    _ref,
    _text,
    parse_scores,
)
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    from calloff.actions.competition_state import Standing
    from calloff.actions.service import Service
    from calloff.domain.competition import Answer, Competition, Opening
    from calloff.domain.listings import CompetitionStanding
    from calloff.domain.model import CallOff


class Competing:
    """Open a competition, record its bids, award it, write its letters."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    def open_competition(
        self,
        request: int,
        *,
        closes: Day,
        weights: Mapping[str, int] | str | None = None,
        on: Day | None = None,
    ) -> Competition:
        """Invite the lot's eligible providers to bid for `request`, closing at the end of
        `closes`. `weights` refines the framework's within their ranges, like
        {"quality": 65, "price": 35} or "quality=65,price=35"."""
        return self.service.competitions.open(
            _id(request, "request"), _day(closes, "closes"), _day(on), _weights(weights)
        )

    def preview_competition(
        self,
        request: int,
        *,
        closes: Day,
        weights: Mapping[str, int] | str | None = None,
        on: Day | None = None,
    ) -> Opening:
        """What `open_competition` with the same arguments would record (the weights, and
        who would be invited or passed over and why), or its refusal; nothing is written.
        A page shows it for the officer to check before opening."""
        return self.service.competitions.preview(
            _id(request, "request"), _day(closes, "closes"), _day(on), _weights(weights)
        )

    def bid(
        self,
        competition: int,
        *,
        provider: Ref,
        price: Money,
        scores: Mapping[str, Decimal | str | int] | str | None = None,
        on: Day | None = None,
    ) -> Answer:
        """Record an invited provider's bid: its price (ex-VAT) and a score, 0 to 100, for
        every criterion other than price: {"quality": 72} or "quality=72"."""
        return self.service.competitions.bid(*_bid(competition, provider, price, scores, on))

    def preview_bid(
        self,
        competition: int,
        *,
        provider: Ref,
        price: Money,
        scores: Mapping[str, Decimal | str | int] | str | None = None,
        on: Day | None = None,
    ) -> Answer:
        """The bid `bid` with the same arguments would record, or its refusal (a provider
        that has answered already, a late bid, a missing score); nothing is written. A page
        shows it for the officer to check before recording it."""
        return self.service.competitions.preview_bid(
            *_bid(competition, provider, price, scores, on)
        )

    def no_bid(
        self,
        competition: int,
        *,
        provider: Ref,
        reason: str | None = None,
        on: Day | None = None,
    ) -> Answer:
        """Record that an invited provider will not bid."""
        return self.service.competitions.no_bid(*_no_bid(competition, provider, reason, on))

    def preview_no_bid(
        self,
        competition: int,
        *,
        provider: Ref,
        reason: str | None = None,
        on: Day | None = None,
    ) -> Answer:
        """The no-bid `no_bid` with the same arguments would record, or its refusal;
        nothing is written."""
        return self.service.competitions.preview_no_bid(*_no_bid(competition, provider, reason, on))

    def competition(self, competition: int, *, on: Day | None = None) -> dict[str, Any]:
        """The competition as `calloff competition show --json` gives it (docs/json.md), as
        it stands on `on` (default today)."""
        from calloff.documents.competition_view import to_json

        return to_json(self.competition_standing(competition, on=on))

    def competition_standing(self, competition: int, *, on: Day | None = None) -> Standing:
        """The competition as it stands on `on` (default today): who was invited, who
        answered, and once it has closed the valid bids scored best first, with the bids
        set aside and why. `calloff competition show` renders it. A day after today is
        refused: the bids stay sealed until the closing day has really come."""
        from calloff.actions.competition_state import standing

        day = None if on is None else _day(on)
        if day is not None and day > date.today():
            raise InvalidInput(
                f"{day} is after today ({date.today()}): a competition is shown as it stands "
                "today or stood on an earlier day"
            )
        return standing(self.service.store, _id(competition, "competition"), day)

    def list_competitions(
        self, *, on: Day | None = None, limit: int | None = None, offset: int = 0
    ) -> list[CompetitionStanding]:
        """`competitions(on=...)` a page at a time: `limit` of them from `offset`, by
        number, read a page at a time from the database."""
        return self.service.lists.competitions(
            _day(on),
            None if limit is None else _count(limit, "limit", 1, 10_000),
            _count(offset, "offset", 0, 10**9) or 0,
        )

    def count_competitions(self) -> int:
        """How many competitions `list_competitions()` pages through."""
        return self.service.store.competitions.count()

    def award(self, competition: int, *, on: Day | None = None) -> CallOff:
        """Award the call-off to the highest total (a tie to the better rank), checked
        against the ceiling and the approval threshold like any offer."""
        return self.service.competitions.award(_id(competition, "competition"), _day(on))

    def cancel_competition(
        self, competition: int, *, reason: str, on: Day | None = None
    ) -> Competition:
        return self.service.competitions.cancel(
            _id(competition, "competition"), _text(reason, "reason"), _day(on)
        )

    def letters(
        self, competition: int, *, format: str = "md", templates: str | Path | None = None
    ) -> dict[str, str]:
        """Each bidder's assessment summary, by file name, in the order the bidders were
        invited (nothing is written); `templates` is a folder of the council's own."""
        from calloff.documents.competition_view import render_letters

        if format not in ("md", "html"):
            raise InvalidInput(f"format {format!r} is not known: choose md or html")
        st = self.competition_standing(competition)
        folder = None if templates is None else str(_path(templates, "templates"))
        return dict(render_letters(st, self.service.framework(), format, folder))


def _weights(weights: Mapping[str, int] | str | None) -> dict[str, int] | None:
    """Weights as text ("quality=65,price=35") or a mapping, read alike."""
    from calloff.domain.competition import parse_weights

    if weights is None:
        return None
    if isinstance(weights, str):
        return parse_weights(weights)
    if not isinstance(weights, Mapping) or not all(
        isinstance(w, int) and not isinstance(w, bool) for w in weights.values()
    ):
        raise InvalidInput("weights must map each criterion to whole points")
    return {str(n).strip().lower(): w for n, w in weights.items()}


def _mark(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput("a score must be a Decimal, a whole number or text such as '72.5'")
    return value


def _bid(
    competition: int,
    provider: Ref,
    price: Money,
    scores: Mapping[str, Decimal | str | int] | str | None,
    on: Day | None,
) -> tuple[int, Ref, Decimal, dict[str, Decimal | str], date]:
    """A bid's arguments, read as `bid` and `preview_bid` take them."""
    if isinstance(scores, str):
        scores = parse_scores([scores])
    elif scores is not None and not isinstance(scores, Mapping):
        raise InvalidInput('scores must map each criterion to a mark, or be "quality=72"')
    marks: dict[str, Decimal | str] = {
        str(n): (v if isinstance(v, Decimal) else str(_mark(v))) for n, v in (scores or {}).items()
    }
    return _id(competition, "competition"), _ref(provider), _amount(price, "price"), marks, _day(on)


def _no_bid(
    competition: int, provider: Ref, reason: str | None, on: Day | None
) -> tuple[int, Ref, str | None, date]:
    why = None if reason is None else _text(reason, "reason")
    return _id(competition, "competition"), _ref(provider), why, _day(on)
