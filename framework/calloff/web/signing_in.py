"""Signing in and out: a password, single sign-on (OpenID Connect, such as Microsoft Entra
ID) or a trusted proxy's header; and the sign-in record for admins and auditors.

The library decides (`Office.sign_in`): it keeps the record and the lock, and says the
same thing for a wrong login as for a wrong password.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user

from calloff import Officer
from calloff.api import Office
from calloff.errors import CalloffError, DatabaseError, InvalidInput
from calloff.web import desk
from calloff.web.forms import Form, whole
from calloff.web.security import (
    SignedIn,
    needs_role,
    safe_next,
    sign_out_everywhere,
)

blueprint = Blueprint("signing_in", __name__)
PAGE = 50  # sign-ins a page


@blueprint.get("/sign-in")
def sign_in() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    return _page(Form())


@blueprint.post("/sign-in")
def sign_in_post() -> Any:
    form = Form(request.form)
    login = form.required("login", "Enter your login")
    password = request.form.get("password", "")
    if not password:
        form.error("password", "Enter your password")
    if form.errors:
        return _page(form), 400
    try:
        officer, token = desk.gate().open_session(login, password=password, address=desk.address())
    except CalloffError as e:
        form.error("login", desk_message(e))
        return _page(form), 400
    return _start(officer, "password", desk.gate(), token=token)


@blueprint.post("/sign-out")
def sign_out() -> Any:
    if current_user.is_authenticated:
        desk.office().end_session(session.get("token", ""), address=desk.address())
    sign_out_everywhere()
    flash("You have signed out.")
    return redirect(url_for("signing_in.sign_in"))


@blueprint.get("/sign-in/sso")
def single_sign_on() -> Any:
    client = _client()
    if client is None:
        return redirect(url_for("signing_in.sign_in"))
    session["next"] = safe_next(request.args.get("next"))
    return client.authorize_redirect(_external("signing_in.single_sign_on_done"))


@blueprint.get("/sign-in/sso/done")
def single_sign_on_done() -> Any:
    client = _client()
    if client is None:
        return redirect(url_for("signing_in.sign_in"))
    form = Form()
    try:
        token = client.authorize_access_token()
    except Exception as e:  # authlib's errors: a denied, stale or forged answer
        current_app.logger.warning("single sign-on refused: %s", type(e).__name__)
        form.error("login", "Single sign-on did not complete: try again, or use a password")
        return _page(form), 400
    claims = token.get("userinfo") or {}
    email = claims.get("email")
    if not email or claims.get("email_verified") is False:
        form.error("login", "Your organisation's account gave no verified e-mail address")
        return _page(form), 400
    try:
        officer = desk.gate().sign_in_by_email(str(email), address=desk.address())
    except CalloffError as e:
        form.error("login", desk_message(e))
        return _page(form), 403
    return _start(officer, "oidc", desk.gate(), session.pop("next", None))


@blueprint.get("/sign-ins")
@needs_role("admin", "auditor")
def sign_ins() -> Any:
    """The sign-in record, 50 a page, newest first (asking for one more to know whether
    there is a next page)."""
    login = request.args.get("login") or None
    page = request.args.get("page", "1")
    if not whole(page) or not 1 <= int(page) <= 10**9:
        abort(404)
    number = int(page)
    try:
        found = desk.office().sign_ins(login=login, limit=PAGE + 1, offset=(number - 1) * PAGE)
    except InvalidInput:
        abort(404)
    crumbs = [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Audit", "href": url_for("audit.trail")},
        {"text": "Sign-ins"},
    ]
    args: dict[str, Any] = {"login": login} if login else {}
    pagination: dict[str, Any] = {}
    if number > 1:
        pagination["previous"] = {"href": url_for("signing_in.sign_ins", **args, page=number - 1)}
    if len(found) > PAGE:
        pagination["next"] = {"href": url_for("signing_in.sign_ins", **args, page=number + 1)}
    return render_template(
        "web/sign_ins.html",
        records=found[:PAGE],
        login=login,
        crumbs=crumbs,
        pagination=pagination,
        active="sign-ins",
    )


def proxy_sign_in() -> Response | None:
    """Sign in from a trusted SSO proxy's header (CALLOFF_SSO_HEADER): believed only when
    the request came through a trusted proxy (`calloff.web.proxy`)."""
    header = desk.settings().sso_header
    if not header or current_user.is_authenticated or request.endpoint == "static":
        return None
    if not request.environ.get("calloff.trusted_proxy"):
        return None
    email = request.headers.get(header)
    if not email:
        return None
    try:
        officer = desk.gate().sign_in_by_email(email, address=desk.address(), method="proxy")
    except CalloffError:
        return None
    _start(officer, "proxy", desk.gate())
    return None


def desk_message(error: CalloffError) -> str:
    """A refusal as the command prints it, after `Error:`: the same sentence. A busy or
    faulty database is not a refusal: it goes on to the 503 page, which names no path."""
    if isinstance(error, DatabaseError):
        raise error
    return error.for_command()


def _start(
    officer: Officer, method: str, gate: Office, target: str | None = None, token: str = ""
) -> Any:
    """A new session for the officer: nothing of the old one is kept, and the old one (if
    someone else was signed in here) ends on the server."""
    old = session.get("token")
    if old:
        gate.end_session(old, address=desk.address())
    session.clear()
    token = token or gate.start_session(officer.login, method=method, address=desk.address())
    try:
        desk.open_office(officer.login)
    except CalloffError as e:  # the server's account may act for nobody: say so
        gate.end_session(token, address=desk.address())
        form = Form()
        form.error("login", desk_message(e))
        return _page(form), 403
    login_user(SignedIn(officer.login, officer.name, officer.roles))
    session.update(method=method, token=token)
    return redirect(safe_next(target or request.args.get("next")))


def _page(form: Form) -> str:
    settings = desk.settings()
    return render_template(
        "web/sign_in.html",
        form=form,
        errors=form.summary(),
        sso=settings.oidc_name if settings.single_sign_on else None,
        timed_out=request.args.get("timed_out") == "1",
        idle=settings.idle_minutes,
        next=safe_next(request.args.get("next")),
        crumbs=[{"text": "Sign in"}],
    )


def _client() -> Any:
    return current_app.extensions.get("calloff.oidc")


def _external(endpoint: str) -> str:
    base = desk.settings().base_url
    if base:
        return base + url_for(endpoint)
    return url_for(endpoint, _external=True)


def install_single_sign_on(app: Any) -> None:
    """Register the OpenID Connect client when an issuer is configured."""
    settings = app.config["CALLOFF"]
    if not settings.single_sign_on:
        return
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    client = oauth.register(
        "sso",
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": "openid email profile"},
    )
    app.extensions["calloff.oidc"] = client
