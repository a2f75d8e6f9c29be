"""The files and notices `calloff publish` writes, to download: the Transparency Code's
spend and contracts, the Procurement Act 2023's payments and payment performance, the open
data (OCDS) package and each call-off's notices, with the command's options as GET forms.

Each download is the command's output byte for byte, streamed, with the file name the demo
gives it. Where a duty does not apply (payments over £30,000 under the 2015 Regulations)
the page says the library's sentence instead; a file for a period not yet over is offered
only after saying that it may still change, as the command notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import chain
from typing import Any

import attrs
from flask import Response, abort, render_template, request, url_for

from calloff import CalloffError, FinancialYear
from calloff.web import desk
from calloff.web.downloads import send
from calloff.web.forms import Form, whole
from calloff.web.publishing_pages import blueprint
from calloff.web.security import signed_in
from calloff.web.signing_in import desk_message

TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}


@attrs.frozen
class Publication:
    """One file the command writes: its name, what it is, and the law."""

    name: str
    title: str
    law: str
    period: str  # quarter, half, since or calloff


PUBLICATIONS = (
    Publication(
        "spend",
        "Spend over £500",
        "Local Government Transparency Code 2015: each payment over £500, quarterly",
        "quarter",
    ),
    Publication(
        "contracts",
        "Contracts over £5,000",
        "Local Government Transparency Code 2015: the contracts register, quarterly",
        "quarter",
    ),
    Publication(
        "payments",
        "Payments over £30,000",
        "Procurement Act 2023, s.70: each payment over £30,000 including VAT, quarterly",
        "quarter",
    ),
    Publication(
        "payment-performance",
        "Payment performance",
        "Procurement Act 2023, s.69: the payments compliance notice's figures, each half-year",
        "half",
    ),
    Publication(
        "ocds",
        "Open data (OCDS 1.1)",
        "The framework and every call-off as one OCDS release package",
        "since",
    ),
    Publication(
        "notice",
        "A call-off's notice",
        "Contract award (UK6), details (UK7; under the 2015 Regulations, the award for "
        "Contracts Finder), change (UK10) or termination (UK11)",
        "calloff",
    ),
)
BY_NAME = {p.name: p for p in PUBLICATIONS}
NOTICE_TYPES = ("award", "details", "change", "termination")


@blueprint.get("/publishing/files")
@signed_in
def files() -> str:
    return _files_page(Form(), None)


@blueprint.get("/publishing/files/<name>")
@signed_in
def download(name: str) -> Any:
    """The file the command writes for `name` with these options, or the files page with
    what was wrong (400, one line)."""
    if name not in BY_NAME:
        abort(404)
    form = Form(request.args)
    office = desk.office()
    try:
        if name == "ocds":
            return _ocds(form)
        if name == "notice":
            return _notice(form)
        fmt = _choice(form, name, "format", ("csv", "json"), "Choose CSV or JSON")
        period = _period(form, name)
        if form.errors:
            return _files_page(form, name), 400
        duty = office.payments_duty() if name == "payments" else None
        if duty is not None and fmt == "csv":
            return _files_page(form, name, said=duty)
        assert fmt is not None
        made = office.publication_file(name, format=fmt, **period)
    except CalloffError as e:
        form.error(_field(name, str(e)), desk_message(e))
        return _files_page(form, name), 400
    label = period.get("half") or f"{period.get('year')}-Q{period.get('quarter')}"
    end = made.period_end
    if end is not None and end >= date.today() and form.get("anyway") != "1":
        return _not_over(name, form, end)
    return _attachment([made.text], f"publish-{name}-{label}.{fmt}", fmt)


def _period(form: Form, name: str) -> dict[str, Any]:
    """The year and quarter, or the half-year, as the command's options take them."""
    if BY_NAME[name].period == "half":
        half = form.get("half")
        if not half:
            form.error(f"{name}-half", "Choose the half-year")
        return {"half": half}
    year = form.get("year")
    if not year:
        form.error(f"{name}-year", "Choose the financial year")
    if year:
        try:
            year = str(FinancialYear.parse(year))
        except CalloffError as e:
            form.error(f"{name}-year", desk_message(e))
    quarter = _choice(form, name, "quarter", ("1", "2", "3", "4"), "Choose the quarter")
    return {"year": year, "quarter": int(quarter) if quarter else None}


def _choice(
    form: Form, name: str, field: str, allowed: tuple[str, ...], message: str
) -> str | None:
    value = form.get(field)
    if value not in allowed:
        form.error(f"{name}-{field}", message)
        return None
    return value


def _ocds(form: Form) -> Any:
    """The open-data package, piece by piece as the library writes it."""
    since = form.day("since", "day to start from", required=False)
    if form.errors:
        return _files_page(form, "ocds"), 400
    pieces = desk.office().ocds_file(since=since)
    if pieces is None:
        form.error("since", f"Nothing was recorded on or after {since}: no package written.")
        return _files_page(form, "ocds"), 400
    first = next(pieces)  # the package's head: a refusal (no ocid prefix) comes here
    name = "publish-ocds.json" if since is None else f"publish-ocds-since-{since}.json"
    return _attachment(chain([first], pieces), name, "json")


def _notice(form: Form) -> Any:
    calloff = form.get("calloff")
    if not calloff:
        form.error("notice-calloff", "Enter the call-off's number")
    elif not whole(calloff):
        form.error("notice-calloff", "Enter the call-off's number as a whole number, such as 4")
    kind = _choice(
        form, "notice", "type", NOTICE_TYPES, "Choose award, details, change or termination"
    )
    fmt = _choice(form, "notice", "format", ("json", "md"), "Choose JSON or Markdown")
    variation = form.get("variation")
    if variation and not whole(variation):
        form.error("notice-variation", "Enter the variation's number as a whole number, such as 1")
    if form.errors:
        return _files_page(form, "notice"), 400
    assert kind is not None and fmt is not None
    text = desk.office().notice(
        int(calloff), type=kind, format=fmt, variation=int(variation) if variation else None
    )
    which = f"change-{variation}" if kind == "change" and variation else kind
    return _attachment([text], f"notice-{calloff}-{which}.{fmt}", fmt)


def _attachment(pieces: Iterable[str], filename: str, fmt: str) -> Response:
    """A download, streamed: the library's pieces as it reads them (inside this request,
    whose office they read from), or a text it gave whole, in chunks."""
    return send(pieces, TYPES[fmt], filename)


def _not_over(name: str, form: Form, end: date) -> str:
    """A file for a period that has not ended: say it may still change, and offer it."""
    # Only the form's own fields: `url_for` would take `_method` or `_external` as its own.
    args: dict[str, Any] = {
        k: v for k, v in form.values.items() if not k.startswith("_") and k != "name"
    }
    args["anyway"] = "1"
    return render_template(
        "web/publishing_not_over.html",
        p=BY_NAME[name],
        end=end,
        href=url_for("publishing.download", name=name, **args),
        crumbs=_crumbs(BY_NAME[name].title),
        active="publishing",
    )


def _field(name: str, message: str) -> str:
    """The field a refusal is about: the half, the quarter or the year it names."""
    lowered = message.lower().split(":")[0]
    if name == "ocds":
        return "since"
    for field in ("half", "quarter", "format", "variation", "calloff", "type"):
        if field in lowered:
            return f"{name}-{field}"
    if name == "notice":
        return "notice-calloff"
    return f"{name}-half" if BY_NAME[name].period == "half" else f"{name}-year"


def _files_page(form: Form, chosen: str | None, said: str | None = None) -> str:
    office = desk.office()
    fw = office.framework
    years = _years(fw)
    return render_template(
        "web/publishing_files.html",
        publications=PUBLICATIONS,
        chosen=chosen,
        form=form,
        blank=Form(),
        errors=form.summary(),
        said=said,
        payments_duty=office.payments_duty(),
        years=years,
        halves=[f"{y}-H{h}" for y in years for h in (1, 2)],
        notice_types=NOTICE_TYPES,
        current=_current(),
        crumbs=_crumbs("Files and notices"),
        active="publishing",
    )


def _years(fw: Any) -> list[str]:
    """The financial years of the framework's term, with every extension option."""
    first, last = FinancialYear.of(fw.term.start), FinancialYear.of(fw.term.latest_end)
    return [str(FinancialYear(y)) for y in range(first.start_year, last.start_year + 1)]


def _current() -> dict[str, Any]:
    """Today's quarter and half-year, which are not over: their files may still change."""
    today = date.today()
    year = FinancialYear.of(today)
    quarter = next(q for q in (1, 2, 3, 4) if year.quarter_dates(q)[1] >= today)
    half = 1 if quarter <= 2 else 2
    return {
        "quarter": f"{year} Q{quarter}",
        "quarter_end": year.quarter_dates(quarter)[1],
        "half": f"{year}-H{half}",
        "half_end": year.quarter_dates(half * 2)[1],
    }


def _crumbs(last: str) -> list[dict[str, str]]:
    return [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Publishing", "href": url_for("publishing.publishing")},
        {"text": last},
    ]
