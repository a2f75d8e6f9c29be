"""Reports: the quarterly spend-against-contract report for the programme board, in the
browser, with its chart and its programme figure, and the files `calloff report quarterly`
writes (CSV, JSON, Markdown, HTML), byte for byte the command's.

Every signed-in officer may read them: the page only reads. The choice of year, quarter
and "as recorded" is a GET form, so a report has an address to share; the library checks
each choice and its sentence is shown if it refuses one. The page and every file come
from one call each to `Office.report` / `Office.report_file`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for

from calloff import CalloffError, FinancialYear
from calloff.web import desk
from calloff.web.downloads import send
from calloff.web.forms import Form, whole
from calloff.web.kept import kept
from calloff.web.security import signed_in
from calloff.web.signing_in import desk_message

blueprint = Blueprint("reports", __name__)
PAGE = 50  # call-offs a page, in each of a quarter's two lists
QUARTERS = {"year": None, "1": 1, "2": 2, "3": 3, "4": 4}
FILES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


@blueprint.get("/reports")
@signed_in
def reports() -> Any:
    """The choice of report, and the report once a year is chosen."""
    form = Form(request.args)
    if "year" not in request.args:
        return _page(_defaults(form))
    chosen = _chosen(form)
    pages = {k: _page_number(form, k) for k in ("page", "awaiting")}
    if form.errors or chosen is None:
        return _page(form), 400
    year, quarter, as_recorded = chosen
    try:
        office = desk.office()
        report = kept(
            ("report", str(desk.settings().database), office.last_event, *chosen),
            lambda: office.report(year=year, quarter=quarter, as_recorded=as_recorded),
        )
    except CalloffError as e:
        form.error(_field_of(e, as_recorded), desk_message(e))
        return _page(form), 400
    return _page(form, report, pages)


@blueprint.get("/reports/report.<kind>")
@signed_in
def download(kind: str) -> Any:
    """The report as the command writes it, for the choices on the page, to save."""
    if kind not in FILES:
        abort(404)
    form = Form(request.args)
    chosen = _chosen(form)
    if form.errors or chosen is None:
        return _page(form), 400
    year, quarter, as_recorded = chosen
    try:
        text = desk.office().report_file(
            year=year, quarter=quarter, format=kind, as_recorded=as_recorded
        )
    except CalloffError as e:
        form.error(_field_of(e, as_recorded), desk_message(e))
        return _page(form), 400
    name = _file_name(year, quarter, as_recorded, kind)
    return send(text, FILES[kind], name, document=kind == "html")


def _chosen(form: Form) -> tuple[str, int | None, str | None] | None:
    """The year, quarter (None: the whole year) and as-recorded point the form gives; the
    web checks only that each was given in a form the page offers, the library the rest."""
    year = form.required("year", "Choose a financial year")
    quarter = form.get("quarter", "year") or "year"
    if quarter not in QUARTERS:
        form.error("quarter", "Choose a quarter, or the whole year")
    if len(form.get("as_recorded")) > 60:
        form.error(
            "as_recorded", "Enter an audit event number, or a date and time such as 2015-07-01"
        )
    if form.errors:
        return None
    return year, QUARTERS[quarter], form.get("as_recorded") or None


def _page_number(form: Form, key: str) -> int:
    value = form.get(key, "1") or "1"
    if not whole(value) or int(value) < 1:
        abort(404)
    return int(value)


def _field_of(error: CalloffError, as_recorded: str | None) -> str:
    """Which field a refusal is about: the library checks the year, then the quarter, then
    the point in the audit trail."""
    text = str(error)
    if as_recorded and ("event" in text or "recorded" in text or "date and time" in text):
        return "as_recorded"
    if text.startswith("quarter"):
        return "quarter"
    return "year"


def _defaults(form: Form) -> Form:
    """This financial year and quarter when the framework runs in it; else its first year."""
    years = _years()
    today = FinancialYear.of(date.today())
    if str(today) in years:
        quarter = str(((date.today().month - 4) % 12) // 3 + 1)
        form.values.update(year=str(today), quarter=quarter)
    else:
        form.values.update(year=years[0], quarter="year")
    return form


def _years() -> list[str]:
    """The financial years of the framework's term, with every extension it may take."""
    fw = desk.office().framework
    first, last = FinancialYear.of(fw.term.start), FinancialYear.of(fw.term.latest_end)
    return [str(FinancialYear(y)) for y in range(first.start_year, last.start_year + 1)]


def _file_name(year: str, quarter: int | None, as_recorded: str | None, kind: str) -> str:
    """Like report-2015-16-Q2.csv; as recorded at event 42, report-2015-16-Q2-event-42.csv."""
    name = f"report-{FinancialYear.parse(year)}" + (f"-Q{quarter}" if quarter else "")
    if as_recorded:
        point = as_recorded.strip()
        name += f"-event-{int(point)}" if whole(point) else "-at-" + re.sub(r"[^0-9T]", "", point)
    return f"{name}.{kind}"


def _page(
    form: Form, report: dict[str, Any] | None = None, pages: dict[str, int] | None = None
) -> str:
    office = desk.office()
    years = _years()
    if form.get("year") and form.get("year") not in years:
        years.append(form.get("year"))  # as asked, so the form shows what was refused
    crumbs: list[dict[str, Any]] = [{"text": "Home", "href": url_for("home.home")}]
    crumbs.append(
        {"text": "Reports", "href": url_for("reports.reports")} if report else {"text": "Reports"}
    )
    context: dict[str, Any] = {}
    if report is not None:
        kept = {
            "year": report["year"],
            "quarter": str(report["quarter"] or "year"),
            "as_recorded": form.get("as_recorded"),
        }
        kept = {k: v for k, v in kept.items() if v}
        context = {
            "report": report,
            "chart": office.report_chart(report),
            "kept": kept,
            "recorded_href": url_for(
                "reports.reports", **{**kept, "as_recorded": str(report["as_recorded"]["event"])}
            ),
            "lists": _lists(report, pages or {}, kept),
            "quarter_hrefs": {
                n: url_for("reports.reports", **{**kept, "quarter": str(n)}) for n in range(1, 5)
            },
            "files": [(kind, url_for("reports.download", kind=kind, **kept)) for kind in FILES],
        }
        crumbs.append(
            {"text": f"{report['year']}" + (f" Q{report['quarter']}" if report["quarter"] else "")}
        )
    return render_template(
        "web/report.html",
        form=form,
        errors=form.summary(),
        years=years,
        crumbs=crumbs,
        active="reports",
        **context,
    )


def _lists(report: dict[str, Any], pages: dict[str, int], kept: dict[str, str]) -> dict[str, Any]:
    """A one-quarter report's two lists, 50 rows a page each (a whole year's link to their
    quarter instead): the call-offs raised and the offers awaiting an answer."""
    if report["quarter"] is None or not report["quarters"]:
        return {}
    q = report["quarters"][0]
    found = {}
    for key, rows, arg, label in (
        ("raised", q["calloffs_raised"], "page", "Pages of call-offs raised"),
        ("awaiting", q["awaiting_answer"], "awaiting", "Pages of offers awaiting an answer"),
    ):
        total = len(rows)
        count = max(1, -(-total // PAGE))
        number = min(pages.get(arg, 1), count)
        found[key] = {
            "rows": rows[(number - 1) * PAGE : number * PAGE],
            "total": total,
            "first": (number - 1) * PAGE + 1,
            "pagination": _pagination(number, count, kept, arg, pages, key, label),
        }
    return found


def _pagination(
    number: int,
    count: int,
    kept: dict[str, str],
    arg: str,
    pages: dict[str, int],
    anchor: str,
    label: str,
) -> dict[str, Any] | None:
    """GOV.UK pagination for one list, keeping the other list's page."""
    if count <= 1:
        return None
    others = {k: v for k, v in pages.items() if k != arg and v > 1}

    def link(n: int) -> str:
        args: dict[str, Any] = {**kept, **others, arg: n}
        return url_for("reports.reports", _anchor=anchor, **args)

    near = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    items: list[dict[str, Any]] = []
    for i, n in enumerate(near):
        if i and n - near[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": link(n), "current": n == number})
    found: dict[str, Any] = {"items": items, "landmarkLabel": label}
    if number > 1:
        found["previous"] = {"href": link(number - 1)}
    if number < count:
        found["next"] = {"href": link(number + 1)}
    return found
