"""Rankings and rates: every lot's ranking, one lot's ranking with its tendered rates,
and the admin's forms to set a lot's ranking and a provider's rates on it.

A ranking is typed as a list, one provider a line, rank 1 first (a name as the providers
list shows it, or its number): the simplest form that works without JavaScript, for a
ranking of three or of thirty, and the same list `calloff rank set` takes. The form
starts with the ranking there is, so a change is an edit of it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from calloff import CalloffError
from calloff.arguments import parse_amount
from calloff.documents.rendering import money
from calloff.web import desk
from calloff.web.forms import Form, with_today
from calloff.web.security import needs, signed_in
from calloff.web.setup_pages import blueprint, check_page, crumbs, form_page, long_date
from calloff.web.setup_pages import status as refusal_status
from calloff.web.signing_in import desk_message

LOT = "<int(min=1, max=4611686018427387904):lot>"
UNITS = ("day", "session", "place")


@blueprint.get("/setup/rankings")
@signed_in
def rankings() -> str:
    office = desk.office()
    lots = office.framework.lots
    return render_template(
        "web/setup_rankings.html",
        lots=[(lot, office.ranking(lot.number)) for lot in lots],
        may_import=office.may("ranking.import"),
        crumbs=crumbs(*_trail()[:-1], ("Rankings and rates", None)),
        active="setup",
    )


@blueprint.get(f"/setup/rankings/{LOT}")
@signed_in
def ranking(lot: int) -> str:
    office = desk.office()
    found = _lot(lot)
    return render_template(
        "web/setup_ranking.html",
        lot=found,
        ranking=office.ranking(lot),
        may_rank=office.may("ranking.set"),
        may_rate=office.may("prices.set"),
        crumbs=crumbs(*_trail(), (f"Lot {lot}", None)),
        active="setup",
    )


# -- setting a lot's ranking -----------------------------------------------------------


@blueprint.get(f"/setup/rankings/{LOT}/set")
@needs("ranking.set")
def ranking_form(lot: int) -> str:
    _lot(lot)
    now = "\n".join(p.name for _, p, _ in desk.office().ranking(lot))
    return _ranking_page(lot, with_today(Form({"providers": now})))


@blueprint.post(f"/setup/rankings/{LOT}/set")
@needs("ranking.set")
def ranking_set(lot: int) -> Any:
    _lot(lot)
    office = desk.office()
    form = Form(request.form)
    names = _lines(form.required("providers", "Enter the providers, one a line, rank 1 first"))
    on = form.day("on", "date the ranking applies from")
    form.not_future("on", on)
    if form.errors:
        return _ranking_page(lot, form), 400
    confirmed = form.get("confirm") == "yes"
    shown: list[tuple[int, str, str]] = []
    if not confirmed:
        now = {p.id: rank for rank, p, _ in office.ranking(lot)}
        for rank, name in enumerate(names, start=1):
            try:
                p = office.provider(name)
            except CalloffError as e:  # the library's sentence: no such provider
                form.error("providers", f"Line {rank}: {desk_message(e)}")
                return _ranking_page(lot, form), refusal_status(e)
            was = f"rank {now[p.id]}" if p.id in now else "not ranked"
            status = "" if p.status == "active" else f" ({p.status})"
            shown.append((rank, f"{p.name}{status}", was))
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    try:
        ranked = desk.write_or_rehearse(confirmed, "set_ranking", lot=lot, providers=names, on=on)
    except CalloffError as e:
        form.error("on" if "after today" in str(e) else "providers", desk_message(e))
        return _ranking_page(lot, form), refusal_status(e)
    if not confirmed:
        return check_page(
            title=f"Set the ranking on lot {lot}",
            caption=f"Lot {lot}",
            rows=[("Applies from", long_date(on))],
            ranking=shown,
            form=form,
            action=url_for("setup.ranking_set", lot=lot),
            button=f"Set the ranking on lot {lot}",
            back=(f"Back to lot {lot}", url_for("setup.ranking", lot=lot)),
            trail=[*_trail(lot), ("Set the ranking", url_for("setup.ranking_form", lot=lot))],
        )
    flash(f"Lot {lot}: " + ", ".join(f"{i}. {p.name}" for i, p, _ in ranked), "outcome")
    return redirect(url_for("setup.ranking", lot=lot))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _ranking_page(lot: int, form: Form) -> str:
    return form_page(
        title=f"Set the ranking on lot {lot}",
        caption=f"Lot {lot}: {_lot(lot).title}",
        intro="The ranking from tender evaluation replaces the one there is. Allocation "
        "offers work down it, rank 1 first.",
        fields=[
            {
                "name": "providers",
                "kind": "textarea",
                "label": "Providers, rank 1 first",
                "hint": "One a line: the provider's name as the providers list shows it, "
                "or its number. Move a line up or down to change its rank; delete a line "
                "to take the provider off this lot's ranking.",
                "rows": 10,
            },
            {"name": "on", "kind": "date", "label": "Date the ranking applies from"},
        ],
        form=form,
        action=url_for("setup.ranking_set", lot=lot),
        back=(f"Back to lot {lot}", url_for("setup.ranking", lot=lot)),
        trail=_trail(lot),
    )


# -- a provider's rates on a lot --------------------------------------------------------


@blueprint.get(f"/setup/rankings/{LOT}/rates")
@needs("prices.set")
def rates_form(lot: int) -> str:
    _lot(lot)
    form = with_today(Form({"provider": request.args.get("provider", "")}))
    return _rates_page(lot, form)


@blueprint.post(f"/setup/rankings/{LOT}/rates")
@needs("prices.set")
def rates_set(lot: int) -> Any:
    _lot(lot)
    office = desk.office()
    form = Form(request.form)
    chosen = form.required("provider", "Choose the provider")
    on = form.day("on", "date the rates apply from")
    given = {unit: form.get(unit) for unit in UNITS if form.get(unit)}
    if not given:
        form.error("day", "Enter at least one rate: per day, per session or per place")
    # Each rate read as `set_rates` reads it: pounds and pence, more than £0.00.
    read = {
        unit: form.read(unit, parse_amount, text, f"the {unit} rate")
        for unit, text in given.items()
    }
    form.not_future("on", on)
    if form.errors:
        return _rates_page(lot, form), 400
    ranked = {str(p.id): p for _, p, _ in office.ranking(lot)}
    # Continue rehearses the very write Confirm does: the check page only for what it would do.
    confirmed = form.get("confirm") == "yes"
    try:
        rates = desk.write_or_rehearse(
            confirmed, "set_rates", lot=lot, provider=chosen, on=on, **given
        )
    except CalloffError as e:
        form.error(_rate_field(str(e)), desk_message(e))
        return _rates_page(lot, form), refusal_status(e)
    if not confirmed:
        rows = [("Provider", ranked[chosen].name if chosen in ranked else chosen)]
        rows += [(f"Rate per {unit}", money(amount)) for unit, amount in read.items()]
        rows.append(("Applies from", long_date(on)))
        return check_page(
            title=f"Set rates on lot {lot}",
            caption=f"Lot {lot}",
            rows=rows,
            form=form,
            action=url_for("setup.rates_set", lot=lot),
            button="Set the rates",
            back=(f"Back to lot {lot}", url_for("setup.ranking", lot=lot)),
            trail=[*_trail(lot), ("Set rates", url_for("setup.rates_form", lot=lot))],
        )
    name = office.provider(chosen).name
    shown = ", ".join(f"{u} {money(v)}" for u, v in rates.as_dict().items() if v is not None)
    flash(f"{name}'s rates on lot {lot}: {shown}", "outcome")
    return redirect(url_for("setup.ranking", lot=lot))


def _rate_field(message: str) -> str:
    first = message.split(":")[0].lower()
    for unit in UNITS:
        if unit in first:
            return unit
    return "on" if "after today" in message else "provider"


def _rates_page(lot: int, form: Form) -> str:
    office = desk.office()
    items = [{"value": "", "text": "Choose a provider"}] + [
        {"value": str(p.id), "text": f"{rank}. {p.name}"} for rank, p, _ in office.ranking(lot)
    ]
    fields: list[dict[str, Any]] = [
        {"name": "provider", "kind": "choice", "label": "Provider", "items": items,
         "hint": "A provider ranked on this lot"},
    ] + [
        {"name": unit, "kind": "money", "label": f"Rate per {unit} (optional)",
         "hint": "Excluding VAT, such as 900.00. Leave it empty to keep the rate there is."
         if unit == "day" else None}
        for unit in UNITS
    ] + [{"name": "on", "kind": "date", "label": "Date the rates apply from"}]  # fmt: skip
    fields[3]["label"] = "Rate per place, an attendee (optional)"
    return form_page(
        title=f"Set rates on lot {lot}",
        caption=f"Lot {lot}: {_lot(lot).title}",
        intro="A provider's tendered unit rates on this lot. A request for a quantity of "
        "days, sessions or places is priced at the offered provider's rate.",
        fields=fields,
        form=form,
        action=url_for("setup.rates_set", lot=lot),
        back=(f"Back to lot {lot}", url_for("setup.ranking", lot=lot)),
        trail=_trail(lot),
    )


# -- shared ------------------------------------------------------------------------------


def _lot(lot: int) -> Any:
    """The framework's lot, or 404."""
    for found in desk.office().framework.lots:
        if found.number == lot:
            return found
    abort(404)


def _trail(lot: int | None = None) -> list[tuple[str, str | None]]:
    setup = url_for("setup.setup") if current_user.holds("admin") else None
    found = [("Set-up", setup), ("Rankings and rates", url_for("setup.rankings"))]
    if lot is not None:
        found.append((f"Lot {lot}", url_for("setup.ranking", lot=lot)))
    return found
