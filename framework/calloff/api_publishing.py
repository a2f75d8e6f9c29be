"""The library's publishing desk: the reports and everything a council publishes, as
`Office` methods (see `calloff.api`). Kept apart so each capability stays small."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calloff.arguments import Day, _day, _id, _text, _year
from calloff.domain.dates import FinancialYear
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    from calloff.actions.service import Service


class Publishing:
    """Reports, publications, open data and the compliance calendar."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    # -- reports -------------------------------------------------------------------------

    def report(
        self,
        *,
        year: FinancialYear | str,
        quarter: int | None = None,
        as_recorded: int | str | None = None,
    ) -> dict[str, Any]:
        """The quarterly spend-against-contract figures: the same document as `calloff
        report quarterly --json` (keys in docs/reports.md; money as text, "12500.00")."""
        from calloff.reports.quarterly import quarterly

        fy = _year(year)
        if fy is None:
            raise InvalidInput("year is required, such as '2015-16'")
        if quarter is not None and (isinstance(quarter, bool) or not isinstance(quarter, int)):
            raise InvalidInput("quarter must be 1, 2, 3 or 4")
        return quarterly(self.service.store, fy, quarter, as_recorded)

    def publish(
        self,
        publication: str,
        *,
        year: FinancialYear | str | None = None,
        quarter: int | None = None,
        half: str | None = None,
    ) -> dict[str, Any]:
        """What `calloff publish NAME --format json` writes (keys in docs/publishing.md):
        `spend`, `contracts` or `payments` for a year and quarter, `payment-performance`
        for a half such as "2026-27-H1"."""
        import json

        from calloff.publishing import payments, transparency
        from calloff.publishing.files import render

        store = self.service.store
        if publication == "payment-performance":
            built = payments.performance(store, payments.HalfYear.parse(_text(half or "", "half")))
        else:
            build = {
                "spend": transparency.spend,
                "contracts": transparency.contracts,
                "payments": payments.payments,
            }.get(publication)
            if build is None:
                raise InvalidInput(
                    f"publication {publication!r} is not known: choose spend, contracts, "
                    "payments or payment-performance"
                )
            fy = _year(year)
            if fy is None or isinstance(quarter, bool) or not isinstance(quarter, int):
                raise InvalidInput("year (such as '2015-16') and quarter (1 to 4) are required")
            built = build(store, fy, quarter)
        result: dict[str, Any] = json.loads(render(built, "json"))
        return result

    # -- open data and the compliance calendar ---------------------------------------------

    def ocds(self, *, since: Day | None = None) -> dict[str, Any]:
        """What `calloff publish ocds` writes, as a dict (amounts are Decimal): the OCDS 1.1
        release package of the framework and its call-offs (docs/publishing.md)."""
        from calloff.publishing import ocds

        return ocds.package(self.service.store, None if since is None else _day(since, "since"))

    def notice(
        self, calloff: int, *, type: str, format: str = "json", variation: int | None = None
    ) -> str:
        """A call-off's notice (`details`, `change` or `termination`) as `calloff publish
        notice` prints it: the OCDS release (json) or Markdown (md)."""
        from calloff.publishing import notices

        return notices.render(
            self.service.store,
            _id(calloff, "calloff"),
            _text(type, "type"),
            _text(format, "format"),
            None if variation is None else _id(variation, "variation"),
        )

    def due(self, *, on: Day | None = None, all: bool = False) -> dict[str, Any]:
        """The compliance calendar as at `on`: the same document as `calloff due --json`."""
        from calloff.publishing import calendar

        if not isinstance(all, bool):
            raise InvalidInput("all must be True or False")
        return calendar.calendar(self.service.store, _day(on), all)

    def published(self, item: str, *, on: Day, reference: str | None = None) -> dict[str, Any]:
        """Record that due item `item` was published on `on`, which closes it."""
        if on is None:
            raise InvalidInput("on is required: the day it was published")
        return self.service.publications.record(
            _text(item, "item"),
            _day(on),
            None if reference is None else _text(reference, "reference"),
        )
