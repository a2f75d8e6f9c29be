"""A workspace to try in the browser tests: Leeds, two providers ranked on lot 4, and a
team of five officers, one for each role, each with a password.

The process runs as `officer.a` (tests/conftest.py), the first officer, who holds every
role: the server's account, which vouches for the officers it signs in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import calloff
from calloff.web import create_app
from calloff.web.settings import Settings

PASSWORD = "heron kettle orbit lantern"
# login: (name, roles, approval limit)
TEAM: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "o.officer": ("Olive Officer", ("officer",), None),
    "a.approver": ("Ada Approver", ("officer", "approver"), "50000"),
    "f.finance": ("Fay Finance", ("finance",), None),
    "u.auditor": ("Uma Auditor", ("auditor",), None),
    "m.admin": ("Max Admin", ("admin",), None),
}
ROLES = {login: roles for login, (_, roles, _) in TEAM.items()}


def build(db: Path, definition_file: Path | None = None) -> None:
    """The framework (Leeds, or a variant of it in `definition_file`) and its team;
    request 1 (lot 4, 6 days) waits to be allocated."""
    with calloff.create(db, definition_file=definition_file) as office:
        office.add_provider("Alder Training", vat="exempt", on="2015-04-01")
        office.add_provider("Birch Practice Ltd", on="2015-04-01")
        office.set_ranking(
            lot=4, providers=["Alder Training", "Birch Practice Ltd"], on="2015-04-01"
        )
        office.set_rates(lot=4, provider=1, day="1000", on="2015-04-01")
        office.set_rates(lot=4, provider=2, day="1200", on="2015-04-01")
        for login, (name, roles, limit) in TEAM.items():
            office.add_officer(
                login,
                name=name,
                roles=list(roles),
                limit=limit,
                email=f"{login}@example.gov.uk",
                on="2015-04-01",
            )
            office.set_password(login, password=PASSWORD)
        office.add_request(
            lot=4,
            title="Deep-dive days for social workers",
            start="2015-06-10",
            quantity=6,
            unit="day",
            on="2015-05-01",
        )


def app_for(db: Path, **settings: Any) -> Any:
    app = create_app(Settings(database=db, secret_key="test only", **settings))
    app.config["TESTING"] = True
    return app


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: Any, login: str, password: str = PASSWORD, **extra: Any) -> Any:
    page = client.get("/sign-in", **{k: v for k, v in extra.items() if k == "base_url"})
    return client.post(
        "/sign-in",
        data={"login": login, "password": password, "csrf_token": token(page.text)},
        **extra,
    )


def post(client: Any, path: str, data: dict[str, str], **extra: Any) -> Any:
    """A form sent as a browser sends it: with the token from the page it came from."""
    page = client.get(path if "?" not in path else path.split("?")[0])
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    csrf = found.group(1) if found else _any_token(client)
    return client.post(path, data={**data, "csrf_token": csrf}, **extra)


def _any_token(client: Any) -> str:
    return token(client.get("/").text)


def day(prefix: str, iso: str) -> dict[str, str]:
    """A date as the GOV.UK date input sends it."""
    y, m, d = iso.split("-")
    return {f"{prefix}-day": str(int(d)), f"{prefix}-month": str(int(m)), f"{prefix}-year": y}
