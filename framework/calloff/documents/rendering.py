"""Documents from Jinja templates: the call-off's order and record, and the report.

One factory builds the environment: the user's template folder first, the bundled
templates second; HTML autoescaped, Markdown values escaped so a provider called
`*Acme*` prints as written; StrictUndefined so a typo fails loudly; always sandboxed,
so a council's own template cannot reach Python internals, and bounded in time, size
and memory (`calloff.documents.sandbox`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from calloff.documents import sandbox
from calloff.documents.sandbox import BoundedEnvironment, BoundedLoader, bound_filters
from calloff.domain.money import format_money, json_money
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    pass

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#~!])")


def bundled_templates() -> Path:
    """The templates shipped with calloff: inside the package when installed from a wheel,
    at the top of the repository (beside `framework/`) in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    inside = package / "templates"
    if inside.is_dir():
        return inside
    return package.parent.parent / "templates"


def md_escape(value: Any) -> Any:
    """Make text literal in Markdown (and safe inside a table cell)."""
    if isinstance(value, str):
        return _MD_SPECIAL.sub(r"\\\1", value).replace("\n", " ")
    return value


def money(value: Decimal | str | None) -> str:
    """Money as people read it, "£12,500.00"; a dash for none."""
    if value is None:
        return "—"
    return format_money(Decimal(value))


def change(value: Decimal | str | None) -> str:
    """A change in money with its sign, "+£500.00" or "-£99.99"; a dash for none."""
    if value is None:
        return "—"
    amount = Decimal(value)
    return ("+" if amount > 0 else "") + format_money(amount)


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
    env.filters["money"] = money
    env.filters["change"] = change
    env.filters["json_money"] = json_money
    env.filters["md"] = md_escape
    bound_filters(env)
    return env


def render(
    name: str, kind: str, context: dict[str, Any], templates: str | Path | None = None
) -> str:
    """Render a template within the limits of `calloff.documents.sandbox`."""
    return sandbox.render(environment(kind, templates), name, context)


def render_pieces(
    name: str, kind: str, context: dict[str, Any], templates: str | Path | None = None
) -> Iterator[str]:
    """`render`, a batch of text at a time, to be written as it is made (a report too
    large to hold whole); the template is read now, so a fault in it is raised here."""
    return sandbox.stream(environment(kind, templates), name, context)


def render_text(name: str, context: dict[str, Any]) -> str:
    return render(name, "text", context).rstrip("\n")
