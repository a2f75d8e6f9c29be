"""Documents from Jinja templates: call-off orders (and, later, reports).

One factory builds the environment: the user's template folder first, the bundled
templates second; HTML autoescaped, Markdown values escaped so a provider called
`*Acme*` prints as written; StrictUndefined so a typo fails loudly; always sandboxed,
so a council's own template cannot reach Python internals, and bounded in time, size
and memory (`framework.templating`).
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from framework import present, templating
from framework.errors import InvalidInput
from framework.model import FINISHED, vat_due
from framework.money import format_money, from_pence, json_money
from framework.templating import BoundedEnvironment, BoundedLoader, bound_filters

if TYPE_CHECKING:
    from framework.service import Service

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#~!])")


def bundled_templates() -> Path:
    """The templates shipped with calloff: inside the package when installed from a wheel."""
    inside = Path(__file__).resolve().parent / "templates"
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parent.parent / "templates"


def md_escape(value: Any) -> Any:
    """Make text literal in Markdown (and safe inside a table cell)."""
    if isinstance(value, str):
        return _MD_SPECIAL.sub(r"\\\1", value).replace("\n", " ")
    return value


def _money(value: Decimal | str | None) -> str:
    if value is None:
        return "—"
    return format_money(Decimal(value))


def environment(kind: str, templates: str | Path | None = None) -> jinja2.Environment:
    """The one place a Jinja environment is built. `kind` is html, md or text."""
    user_dir = templates or os.environ.get("CALLOFF_TEMPLATES")
    loaders: list[jinja2.BaseLoader] = []
    if user_dir:
        if not Path(user_dir).is_dir():
            raise InvalidInput(f"templates folder {user_dir} does not exist")
        loaders.append(BoundedLoader(str(user_dir)))
    loaders.append(jinja2.FileSystemLoader(str(bundled_templates())))
    env = BoundedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=kind == "html",
        finalize=md_escape if kind == "md" else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = _money
    env.filters["json_money"] = json_money
    env.filters["md"] = md_escape
    bound_filters(env)
    return env


def render(name: str, kind: str, context: dict[str, Any],
           templates: str | Path | None = None) -> str:
    """Render a template within the limits of `framework.templating`."""
    return templating.render(environment(kind, templates), name, context)


def render_text(name: str, context: dict[str, Any]) -> str:
    return render(name, "text", context).rstrip("\n")


def calloff_record(service: Service, calloff_id: int) -> dict[str, Any]:
    """Everything about one call-off: the offer, its request, and the cascade behind it."""
    store = service.store
    c = store.calloff(calloff_id)
    fw = store.framework()
    providers = store.providers(date.today())
    request = store.request(c.request_id)
    history = []
    for other, passed in service.history(c.request_id):
        history.append({
            **present.calloff(other, providers[other.provider_id].name),
            "passed_over": present.passed_over(passed),
        })
    data = present.calloff(c, providers[c.provider_id].name)
    data["passed_over"] = present.passed_over(store.passed_over(c.id))
    data["request_detail"] = present.request(request)
    data["lot_title"] = fw.lot(c.lot).title
    data["history"] = history
    spent = store.invoices.total(c.id)
    data["spent"] = json_money(spent)
    data["committed"] = json_money(
        c.value if c.live else spent if c.status in FINISHED else Decimal("0.00"))
    data["spend"] = [
        {"invoice": s["invoice"], "date": s["spent_on"],
         "amount": json_money(from_pence(s["amount_pence"])), "attendees": s["attendees"]}
        for s in store.invoices.lines(c.id)
    ]
    data["variations"] = [
        {"on": v["effective_on"], "from": json_money(from_pence(v["old_value_pence"])),
         "to": json_money(from_pence(v["new_value_pence"])), "reason": v["reason"]}
        for v in store.variations(c.id)
    ]
    data["events"] = [
        {"id": e["id"], "recorded_at": e["recorded_at"], "effective_on": e["effective_on"],
         "officer": e["officer"], "action": e["action"], "reason": e["reason"],
         "before": json.loads(e["before"]) if e["before"] else None,
         "after": json.loads(e["after"]) if e["after"] else None}
        for e in store.db.query(
            "SELECT * FROM events WHERE object_type = 'calloff' AND object_id = ? ORDER BY id",
            [str(c.id)])
    ]
    return data


def order_context(service: Service, calloff_id: int) -> dict[str, Any]:
    """What a call-off order says, as DOMAIN.md lists it."""
    store = service.store
    c = store.calloff(calloff_id)
    if c.status in ("declined", "lapsed", "rejected"):
        raise InvalidInput(
            f"call-off {c.id} was {c.status}: there is no order to issue; see `calloff show {c.id}`"
        )
    if c.status == "awaiting_approval":
        raise InvalidInput(
            f"call-off {c.id} is awaiting approval: another officer must run "
            f"`calloff approve {c.id}` before the order is issued"
        )
    fw = store.framework()
    providers = store.providers(date.today())
    provider = providers[c.provider_id]
    request = store.request(c.request_id)
    earlier = []
    for other, _ in service.history(c.request_id):
        if other.id != c.id:
            earlier.append({
                "calloff": other.id, "name": providers[other.provider_id].name,
                "rank": other.rank, "status": other.status, "offered_on": other.offered_on,
                "decided_on": other.decided_on, "reason": other.reason,
            })
    stream = fw.stream(c.funding)
    vat = vat_due(c.value, provider.vat)
    rate = None
    if request.unit and request.quantity:
        rate = (c.value / request.quantity).quantize(Decimal("0.01"))
    return {
        "reference": order_reference(fw.id, c.id),
        "issued_on": date.today(),
        "framework": {"id": fw.id, "name": fw.name, "buyer": fw.buyer,
                      "terms": fw.terms_statement},
        "lot": {"number": c.lot, "title": fw.lot(c.lot).title},
        "provider": {"id": provider.id, "name": provider.name, "vat": provider.vat},
        "calloff": c,
        "request": request,
        "rate": rate,
        "passed_over": store.passed_over(c.id),
        "earlier_offers": earlier,
        "value": c.value,
        "vat": vat,
        "total": c.value + vat,
        "stream": {"name": stream.name, "title": stream.title},
        # As it stood right after this order was made (or last varied), on that day.
        "headroom_after": c.headroom_after,
        "stream_headroom_after": c.stream_headroom_after,
        "headroom_on": max([date.fromisoformat(v["effective_on"])
                            for v in store.variations(c.id)] + [c.offered_on]),
    }


def order_reference(framework_id: str, calloff_id: int) -> str:
    return f"{framework_id.upper()}/CO-{calloff_id:05d}"


def render_order(service: Service, calloff_id: int, fmt: str,
                 templates: str | Path | None = None) -> str:
    if fmt not in ("md", "html"):
        raise InvalidInput(f"format {fmt!r} is not known: choose md or html")
    return render(f"order.{fmt}.j2", fmt, order_context(service, calloff_id), templates)
