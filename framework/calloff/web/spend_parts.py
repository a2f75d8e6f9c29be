"""What the spend pages share: their breadcrumbs, GOV.UK pagination, and the error summary
with each date's error linked to its day box."""

from __future__ import annotations

from typing import Any

from flask import url_for

from calloff.web.forms import Form

DATES = ("invoice_date", "received", "paid", "on")


def summary(form: Form) -> list[dict[str, str]]:
    """The error summary, each date's error linked to its day box."""
    return [
        {"text": item["text"], "href": f"{item['href']}-day"}
        if item["href"].lstrip("#") in DATES[:-1]
        else item
        for item in form.summary()
    ]


def spend_crumbs() -> list[dict[str, str]]:
    return [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Spend", "href": url_for("spend.spend")},
    ]


def calloff_crumbs(calloff: int, link: bool = False) -> list[dict[str, str]]:
    crumbs = [
        *spend_crumbs(),
        {"text": f"Call-off {calloff}", "href": url_for("calloffs.show", calloff=calloff)},
        {"text": "Invoice lines"},
    ]
    if link:
        crumbs[-1]["href"] = url_for("spend.calloff_spend", calloff=calloff)
    return crumbs


def pagination(endpoint: str, number: int, pages: int, **kept: Any) -> dict[str, Any] | None:
    """GOV.UK pagination: previous, next and the pages around this one."""
    if pages <= 1:
        return None

    def link(n: int) -> str:
        return url_for(endpoint, **kept, page=n)

    near = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    items: list[dict[str, Any]] = []
    for i, n in enumerate(near):
        if i and n - near[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": link(n), "current": n == number})
    found: dict[str, Any] = {"items": items}
    if number > 1:
        found["previous"] = {"href": link(number - 1)}
    if number < pages:
        found["next"] = {"href": link(number + 1)}
    return found
