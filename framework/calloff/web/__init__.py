"""The team's workspace in the browser: a Flask app over the library's front door.

`create_app(settings)` is the app factory (as the Digital Marketplace's frontends have
one); each capability is a blueprint: signing in, home, requests, call-offs and the
framework. Pages are GOV.UK Design System components (govuk-frontend-jinja's macros) with
GOV.UK Frontend's CSS and JavaScript shipped in the package; every page works without
JavaScript. The web code holds no rule and runs no SQL: it asks `Office`, and shows the
library's own sentence when it refuses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import jinja2
from flask import Flask
from flask_login import current_user

from calloff.documents.rendering import bundled_templates, money
from calloff.web.settings import Settings


def create_app(settings: Settings) -> Flask:
    """The workspace for one framework database."""
    app = Flask(__name__, static_folder="static", template_folder=None)
    app.config["CALLOFF"] = settings
    # Loaded from GOV.UK Frontend Jinja's templates as "govuk_frontend_jinja/...".
    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(bundled_templates())),
            jinja2.PrefixLoader(
                {"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja", "templates")}
            ),
        ]
    )
    app.jinja_env.undefined = jinja2.ChainableUndefined
    app.jinja_env.filters["money"] = _money
    app.jinja_env.filters["day"] = _day
    app.jinja_env.globals["today"] = date.today
    app.context_processor(_everywhere)

    with app.app_context():
        from calloff.web import security

        security.install(app)
    from calloff.web import (
        audit_pages,
        budget_pages,
        calloff_pages,
        competition_pages,
        framework_pages,
        home,
        message_pages,
        offer_links,
        publishing_pages,
        register_pages,
        report_pages,
        request_pages,
        setup_pages,
        signing_in,
        spend_pages,
    )
    from calloff.web.proxy import TrustedProxies

    for module in (
        signing_in,
        home,
        request_pages,
        calloff_pages,
        competition_pages,
        spend_pages,
        report_pages,
        publishing_pages,
        framework_pages,
        setup_pages,
        register_pages,
        budget_pages,
        audit_pages,
        message_pages,
        offer_links,
    ):
        app.register_blueprint(module.blueprint)
    signing_in.install_single_sign_on(app)
    app.before_request(signing_in.proxy_sign_in)
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
        app.wsgi_app, settings.trusted_proxies, settings.sso_header
    )
    return app


def _money(value: Any) -> str:
    """Money as people read it; a dash where there is none."""
    if value is None or isinstance(value, jinja2.Undefined) or value == "":
        return "—"
    return money(value)


def _day(value: date | str | None) -> str:
    """A date as people read it: 1 June 2015."""
    if value is None or isinstance(value, jinja2.Undefined) or value == "":
        return "—"
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{day.day} {day:%B %Y}"


def _everywhere() -> dict[str, Any]:
    """What every page's header and navigation need; a page about a busy database is
    shown without them, as the database cannot be asked."""
    from calloff.errors import CalloffError
    from calloff.web import desk

    try:
        signed = current_user if current_user.is_authenticated else None
        service = (desk.office() if signed is not None else desk.gate()).framework.name
    except CalloffError:
        signed, service = None, "calloff"
    return {"signed_in": signed, "service_name": service, "Decimal": Decimal}
