"""Who is signed in, what their role lets them reach, and the headers on every response.

Sessions live in a signed cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) that holds
the login, how they signed in and a random token; the database keeps the token's hash and
when the session was last used (`Office.session`). Idle for longer than the setting (30
minutes), signed out, a new password or the officer leaving, and it ends on the server, so
a copy of the cookie ends with it. Roles are checked here,
on the server, before a page is shown or a form is read; the library checks them again
when anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, g, redirect, render_template, request, session, url_for
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from calloff.api import role_needed, role_work
from calloff.errors import CalloffError, DatabaseError, NotAuthorised, NotFound, Tampered
from calloff.web import desk

F = TypeVar("F", bound=Callable[..., Any])
# The largest form a browser may send: a spend file of about 200,000 invoice lines.
UPLOAD_LIMIT = 32 * 1024 * 1024


class SignedIn(UserMixin):  # type: ignore[misc]
    """The officer signed in, as the register stands today."""

    def __init__(self, login: str, name: str, roles: tuple[str, ...]):
        self.id = login
        self.login = login
        self.name = name
        self.roles = roles

    def holds(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def install(app: Flask) -> None:
    """Sessions, CSRF, role checks' error pages and the security headers."""
    settings = desk.settings()
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="__Host-calloff" if settings.secure else "calloff-session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure,
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session, which idles out
        WTF_CSRF_SSL_STRICT=settings.secure,
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT,
    )
    CSRFProtect(app)
    manager = LoginManager(app)
    manager.login_view = "signing_in.sign_in"
    manager.login_message = ""
    manager.session_protection = None  # the server's session record is the check (_load)
    manager.user_loader(_load)
    app.after_request(_headers)
    app.teardown_request(desk.close)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(403, lambda e: _error(403, "You cannot do this"))
    app.register_error_handler(404, lambda e: _error(404, "Page not found"))
    app.register_error_handler(405, lambda e: _error(405, "Page not found"))
    app.register_error_handler(413, _too_large)
    app.register_error_handler(NotFound, lambda e: _error(404, "Not found", str(e)))
    app.register_error_handler(NotAuthorised, _not_authorised)
    app.register_error_handler(DatabaseError, _busy)
    app.register_error_handler(Tampered, _changed_outside)
    app.register_error_handler(500, lambda e: _error(500, "Sorry, there is a problem"))
    app.log_exception = _log_without_links(app)  # type: ignore[method-assign, assignment]


def _load(login: str) -> SignedIn | None:
    """The officer of this session, or None (signed out): when the session has ended on
    the server (signed out, idle too long, a new password, the officer left) or the
    database refuses them."""
    token = session.get("token")
    try:
        office = desk.open_office(login)
        office.check_acting()  # a kept office: the register may have changed since
        whose, state = office.session(token or "", idle_minutes=desk.settings().idle_minutes)
    except DatabaseError:
        raise  # busy or faulty: the 503 page, and the session is kept
    except CalloffError:
        desk.forget_office(login)
        session.clear()
        return None
    roles = office.roles  # none once the register says they have left
    if state != "open" or whose is None or whose.casefold() != login.casefold() or not roles:
        desk.forget_office(login)
        session.clear()
        g.timed_out = state == "timed out"
        return None
    entry = office.officer_entry(login)
    return SignedIn(entry.login, entry.name, roles)


def _to_sign_in() -> Any:
    """Back to the sign-in page, saying why if the session idled out, and coming back
    here afterwards."""
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    if g.get("timed_out"):
        return redirect(url_for("signing_in.sign_in", timed_out=1, next=back))
    return redirect(url_for("signing_in.sign_in", next=back))


def needs(action: str) -> Callable[[F], F]:
    """The page writes `action` (an event's name, `calloff.accept`): only an officer who
    holds the role it needs reaches it; anyone else gets the 403 page naming the role."""
    role = role_needed(action)
    return needs_role(role)


def needs_role(*roles: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _to_sign_in()
            if not current_user.holds(*roles):
                return forbidden(*roles)
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def signed_in(view: F) -> F:
    """Any registered officer may read the page."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _to_sign_in()
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def forbidden(*roles: str) -> tuple[str, int]:
    """The 403 page: which role is needed, what it is for, and which admins grant it."""
    office = desk.office()
    admins = [o for o in office.officers() if o.holds("admin")]
    page = render_template(
        "web/forbidden.html",
        roles=[(r, role_work(r)) for r in roles],
        admins=admins,
        login=current_user.login,
        crumbs=[{"text": "Home", "href": url_for("home.home")}, {"text": "You cannot do this"}],
    )
    return page, 403


def sign_out_everywhere() -> None:
    logout_user()
    session.clear()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another site."""
    if not target:
        return url_for("home.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.home")
    return target


def _log_without_links(app: Flask) -> Callable[[Any], None]:
    """Flask's log of a fault names the page's path: a provider's link is a secret, so its
    token never reaches the log."""

    def log_exception(exc_info: Any) -> None:
        path = request.path
        if path.startswith("/offer/"):
            path = "/offer/(a provider's link)"
        app.logger.error("Exception on %s [%s]", path, request.method, exc_info=exc_info)

    return log_exception


def _headers(response: Response) -> Response:
    settings = desk.settings()
    form_action = "'self'"
    if settings.oidc_issuer:
        form_action += " " + _origin(settings.oidc_issuer)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action {form_action}; frame-ancestors 'none'",
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An offer's link carries its token in the path: no page is told where one came from.
    link = (request.endpoint or "").startswith("offer_links.")
    response.headers["Referrer-Policy"] = "no-referrer" if link else "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if settings.secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.endpoint == "static":
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        # Pages carry personal data and the council's figures: never kept by a browser or
        # a proxy, so the back button after signing out shows nothing.
        response.headers["Cache-Control"] = "no-store"
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    return _error(
        400,
        "The form could not be sent",
        "The form had no valid security token (it may have been open from an earlier "
        "session): go back, reload the page and send it again. Nothing was changed.",
    )


def _busy(error: DatabaseError) -> tuple[str, int]:
    """The database is busy or faulty: its sentence, nothing changed, try again. The page
    is shown as to nobody in particular: who is signed in cannot be asked just now."""
    g._login_user = AnonymousUserMixin()
    database = desk.settings().database
    said = error.for_command().replace(str(database), database.name)
    return _error(503, "The records are busy", f"{said}. Nothing was changed.")


def _changed_outside(error: Tampered) -> tuple[str, int]:
    """A write refused because the records were changed outside calloff: not busy (trying
    again changes nothing) but a refusal in the records' present state, 409, until an
    admin or auditor looks into it. Shown as to nobody in particular, as the busy page is:
    the refused write may have been the session's own. The page says who to ask, so the
    sentence is shown without the command's hint."""
    g._login_user = AnonymousUserMixin()
    database = desk.settings().database
    said = (error.command or str(error)).replace(str(database), database.name)
    title = "The records were changed outside calloff"
    crumbs = [{"text": "Home", "href": url_for("home.home")}, {"text": title}]
    page = render_template("web/changed_outside.html", title=title, detail=said, crumbs=crumbs)
    return page, 409


def _too_large(error: Exception) -> tuple[str, int]:
    return _error(
        413,
        "The file is too large",
        f"A file sent here may be at most {UPLOAD_LIMIT // (1024 * 1024)} MB: split it into "
        "smaller files and send each. Nothing was changed.",
    )


def _not_authorised(error: NotAuthorised) -> tuple[str, int]:
    return _error(403, "You cannot do this", str(error))


def _error(code: int, title: str, detail: str | None = None) -> tuple[str, int]:
    crumbs = [{"text": "Home", "href": url_for("home.home")}, {"text": title}]
    page = render_template("web/error.html", title=title, detail=detail, code=code, crumbs=crumbs)
    return page, code
