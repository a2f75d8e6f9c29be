"""The library's publishing desk: the reports and everything a council publishes, as
`Office` methods (see `calloff.api`). Kept apart so each capability stays small."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

import attrs

from calloff.arguments import Day, _count, _day, _id, _path, _text, _year
from calloff.domain.dates import FinancialYear
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    from calloff.actions.service import Service
    from calloff.domain.model import Framework
    from calloff.domain.transparency_settings import TransparencySettings
    from calloff.publishing.published import Published


Content = TypeVar("Content", str, bytes, Iterator[str])


@attrs.frozen
class PublicationFile(Generic[Content]):
    """A publication's file (`text`: str for CSV and JSON, bytes for xlsx; or, asked for
    in `pieces`, the CSV or JSON text as an iterator of pieces), and the last day of the
    period it covers (None where it covers no period): a file for a period not yet over
    may still change."""

    text: Content
    period_end: date | None


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

        fy = _period(year, quarter)
        return quarterly(self.service.store, fy, quarter, as_recorded)

    def report_chart(self, report: dict[str, Any]) -> dict[str, Any]:
        """The coordinates and labels of the chart the HTML report draws for `report()`'s
        document (docs/reports.md, "The chart"), so another page can draw the same."""
        from calloff.reports.chart import chart_geometry

        if not isinstance(report, dict) or not isinstance(report.get("chart"), list):
            raise InvalidInput("report must be the document report() gives")
        return chart_geometry(report)

    def publish(
        self,
        publication: str,
        *,
        year: FinancialYear | str | None = None,
        quarter: int | None = None,
        half: str | None = None,
        columns: str | None = None,
    ) -> dict[str, Any]:
        """What `calloff publish NAME --format json` writes (keys in docs/publishing.md):
        `spend`, `contracts` or `payments` for a year and quarter, `payment-performance`
        for a half such as "2026-27-H1"; `columns="lga"` names the spend and contracts
        rows' columns as the Local Government Association does."""
        import json

        from calloff.publishing.files import render

        chosen = self._columns(publication, columns)
        built = self._in_columns(self._build(publication, year, quarter, half), chosen)
        result: dict[str, Any] = json.loads(render(built, "json"))
        return result

    def _build(
        self,
        publication: str,
        year: FinancialYear | str | None,
        quarter: int | None,
        half: Any,
        stream: bool = False,
    ) -> dict[str, Any]:
        """The publication as a dict; with `stream`, the rows of the spend file and the
        payments notice's invoices as iterators, read as the file is written."""
        from calloff.publishing import payments, transparency

        store = self.service.store
        if publication == "payment-performance":
            if not isinstance(half, payments.HalfYear):
                half = payments.HalfYear.parse(_text(half or "", "half"))
            built = payments.performance(store, half, stream)
        elif publication == "spend" and year is not None and quarter is not None:
            built = transparency.spend(store, _period(year, quarter), quarter, stream)
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
            if year is None or quarter is None:
                raise InvalidInput("year (such as '2015-16') and quarter (1 to 4) are required")
            built = build(store, _period(year, quarter), quarter)
        return built

    def _columns(self, publication: str, columns: str | None) -> TransparencySettings | None:
        """The framework's settings where a spend or contracts file is to have the LGA's
        columns (`columns`, else the definition's default); None for calloff's own."""
        from calloff.domain.transparency_settings import TransparencySettings, check_columns
        from calloff.publishing.lga import PUBLICATIONS

        if columns is not None:
            if check_columns(_text(columns, "columns")) == "calloff":
                return None
            if publication in ("payments", "payment-performance"):
                raise InvalidInput(
                    f"columns 'lga' is for the spend and contracts files, not {publication!r}: "
                    "leave columns out"
                )
        # Schema 14 keeps the definition's settings with the framework; a framework that
        # has none publishes under calloff's own names unless asked.
        settings = self.service.framework().transparency
        if not isinstance(settings, TransparencySettings):
            settings = TransparencySettings()
        if columns is None and (settings.columns != "lga" or publication not in PUBLICATIONS):
            return None
        return settings

    @staticmethod
    def _in_columns(built: dict[str, Any], settings: TransparencySettings | None) -> dict[str, Any]:
        from calloff.publishing import lga

        return built if settings is None else lga.relabel(built, settings)

    # -- open data and the compliance calendar ---------------------------------------------

    def ocds(self, *, since: Day | None = None) -> dict[str, Any]:
        """What `calloff publish ocds` writes, as a dict (amounts are Decimal): the OCDS 1.1
        release package of the framework and its call-offs (docs/publishing.md)."""
        from calloff.publishing import ocds

        return ocds.package(self.service.store, None if since is None else _day(since, "since"))

    def notice(
        self,
        calloff: int,
        *,
        type: str,
        format: str = "json",
        variation: int | None = None,
        templates: str | Path | None = None,
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
            None if templates is None else _path(templates, "templates"),
        )

    def due(
        self,
        *,
        on: Day | None = None,
        all: bool = False,
        limit: int | None = None,
        offset: int = 0,
        stream: bool = False,
    ) -> dict[str, Any]:
        """The compliance calendar as at `on`: the same document as `calloff due --json`;
        its `items` `limit` from `offset`, a page at a time (the counts are of them all).
        With `stream`, `items` is an iterator, read once, that gives them one at a time:
        for a calendar too long to hold."""
        from calloff.publishing import calendar

        for name, flag in (("all", all), ("stream", stream)):
            if not isinstance(flag, bool):
                raise InvalidInput(f"{name} must be True or False")
        return calendar.calendar(
            self.service.store,
            _day(on),
            all,
            None if limit is None else _count(limit, "limit", 1, 10_000),
            _count(offset, "offset", 0, 10**9) or 0,
            stream,
        )

    def due_item(self, item: str, *, on: Day | None = None) -> dict[str, Any]:
        """One item of the compliance calendar as at `on` (default today), as `due()` lists
        it: what a page shows before it is recorded as published."""
        from calloff.publishing import calendar

        day = _day(on)
        return calendar.item(self.service.store, _text(item, "item"), day).as_dict(day)

    def publication_role(self, item: str) -> str:
        """The role recording due item `item` as published needs: `finance` for a payment
        publication, `officer` for any other (what a page checks before its form)."""
        from calloff.publishing.published import role_to_record

        return role_to_record(_text(item, "item"))

    def publications(self, *, limit: int | None = None, offset: int = 0) -> list[Published]:
        """What was recorded as published, the latest recorded first, with who recorded it
        and when: `limit` of them from `offset`, a page at a time."""
        from calloff.publishing.published import history

        return history(
            self.service.store,
            None if limit is None else _count(limit, "limit", 1, 10_000),
            _count(offset, "offset", 0, 10**9) or 0,
        )

    def count_publications(self) -> int:
        """How many items were recorded as published (`publications()` lists them)."""
        return self.service.store.disclosures.count_publications()

    def published(self, item: str, *, on: Day, reference: str | None = None) -> dict[str, Any]:
        """Record that due item `item` was published on `on`, which closes it."""
        if on is None:
            raise InvalidInput("on is required: the day it was published")
        from calloff.publishing.published import Publications

        return Publications(self.service.store, self.service.officer).record(
            _text(item, "item"),
            _day(on),
            None if reference is None else _text(reference, "reference"),
        )

    def set_ocid_prefix(self, prefix: str, *, replace: bool = False) -> Framework:
        """Name the council's registered OCDS prefix (like ocds-a1b2c3), which begins every
        ocid, for a framework whose definition gave none; `replace` changes one already set,
        only while nothing was published under it. Audited."""
        from calloff.publishing.published import Publications

        if not isinstance(replace, bool):
            raise InvalidInput("replace must be True or False")
        return Publications(self.service.store, self.service.officer).set_ocid_prefix(
            _text(prefix, "prefix"), replace
        )

    # -- the files the command writes ----------------------------------------------------

    @overload
    def report_file(
        self,
        *,
        year: FinancialYear | str,
        quarter: int | None = ...,
        format: Literal["xlsx"],
        templates: str | Path | None = ...,
        as_recorded: int | str | None = ...,
        pieces: bool = ...,
    ) -> bytes: ...
    @overload
    def report_file(
        self,
        *,
        year: FinancialYear | str,
        quarter: int | None = ...,
        format: Literal["md", "html", "csv", "json"] = ...,
        templates: str | Path | None = ...,
        as_recorded: int | str | None = ...,
        pieces: Literal[False] = ...,
    ) -> str: ...
    @overload
    def report_file(
        self,
        *,
        year: FinancialYear | str,
        quarter: int | None = ...,
        format: str = ...,
        templates: str | Path | None = ...,
        as_recorded: int | str | None = ...,
        pieces: bool = ...,
    ) -> Any: ...
    def report_file(
        self,
        *,
        year: FinancialYear | str,
        quarter: int | None = None,
        format: str = "md",
        templates: str | Path | None = None,
        as_recorded: int | str | None = None,
        pieces: bool = False,
    ) -> str | bytes | Iterator[str]:
        """The quarterly report as `calloff report quarterly` writes it: Markdown, HTML,
        CSV or JSON (str), from the council's own `templates` where given, or an Excel
        workbook (xlsx, bytes). With `pieces`, the text comes as an iterator of pieces,
        Markdown and HTML drawn as they are written, their listings read from the
        database as the template goes through them: for a report too large to hold."""
        from calloff.reports.files import report_pieces

        if not isinstance(pieces, bool):
            raise InvalidInput("pieces must be True or False")
        fy = _period(year, quarter)
        found = report_pieces(
            self.service.store,
            fy,
            quarter,
            _text(format, "format"),
            None if templates is None else _path(templates, "templates"),
            as_recorded,
        )
        return found if pieces or isinstance(found, bytes) else "".join(found)

    def publication_file(
        self,
        publication: str,
        *,
        year: FinancialYear | str | None = None,
        quarter: int | None = None,
        half: str | None = None,
        format: str = "csv",
        columns: str | None = None,
        pieces: bool = False,
    ) -> PublicationFile[Any]:
        """A publication as the file `calloff publish NAME` writes (CSV or JSON as str, an
        Excel workbook, xlsx, as bytes), with the last day of its period: a file for a
        period not yet over may still change.
        `columns` is `calloff` or `lga` (the Local Government Association's names, for
        spend and contracts); None takes the framework's default. With `pieces`, a CSV or
        JSON file's `text` is an iterator of its pieces, the rows read from the database
        as they are written: for a file too big to hold (a workbook stays whole)."""
        from calloff.publishing.files import pieces as file_pieces

        if not isinstance(pieces, bool):
            raise InvalidInput("pieces must be True or False")
        chosen = self._columns(publication, columns)
        built = self._build(publication, year, quarter, half, stream=pieces)
        built = self._in_columns(built, chosen)
        end = built.get("period_end")
        if isinstance(end, str):
            end = date.fromisoformat(end)
        text = file_pieces(built, _text(format, "format"))
        return PublicationFile(text if pieces or isinstance(text, bytes) else "".join(text), end)

    def payments_duty(self) -> str | None:
        """None where the duty to publish payments over £30,000 (Procurement Act 2023,
        s.70) applies to the framework; where it does not, the sentence that says why."""
        from calloff.publishing import payments

        regime = self.service.framework().regime
        return None if payments.duty_applies(regime) else payments.not_applicable(regime)

    def ocds_file(self, *, since: Day | None = None) -> Iterator[str] | None:
        """The OCDS release package as `calloff publish ocds` writes it, piece by piece (one
        release per line), or None when nothing was recorded on or after `since`."""
        from calloff.publishing import ocds

        day = None if since is None else _day(since, "since")
        if not ocds.anything_since(self.service.store, day):
            return None
        return ocds.write_package(self.service.store, day)


def _period(year: FinancialYear | str, quarter: int | None) -> FinancialYear:
    """A report's year (required) and quarter (1 to 4, or None for the whole year)."""
    fy = _year(year)
    if fy is None:
        raise InvalidInput("year is required, such as '2015-16'")
    if quarter is not None and (isinstance(quarter, bool) or not isinstance(quarter, int)):
        raise InvalidInput("quarter must be 1, 2, 3 or 4")
    return fy
