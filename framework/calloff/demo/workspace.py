"""The demo's team for the workspace in the browser: fictional officers, one for each role,
with passwords made up for this run, printed once and kept only as hashes."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path

from calloff.actions.service import Service

# login: (name, roles, approval limit); demo.approver is registered with the demo itself.
TEAM: dict[str, tuple[str, list[str], Decimal | None]] = {
    "demo.officer": ("Dana Officer", ["officer"], None),
    "demo.finance": ("Finn Ledger", ["finance"], None),
    "demo.auditor": ("Audrey Checks", ["auditor"], None),
    "demo.admin": ("Adrian Minster", ["admin"], None),
}


def open_workspace(svc: Service, db_path: Path, program: str) -> list[str]:
    """Register the team, give each a password, and say how to open the workspace."""
    for login, (name, roles, limit) in TEAM.items():
        svc.registrar.add(login, name, roles, limit, f"{login}@example.gov.uk", date(2015, 4, 1))
    logins = ["demo.officer", "demo.approver", "demo.finance", "demo.auditor", "demo.admin"]
    serve = f"{program} --db {db_path} serve"
    if db_path == Path("demo-output/demo.db"):
        serve = f"`make serve` (or {serve})"
    lines = [
        f"The team's workspace in the browser: run {serve}, open http://127.0.0.1:8080 and "
        "sign in as one of these fictional officers. Their passwords were made up for this "
        "run, are shown this once and kept only as hashes "
        f"(`{program} --db {db_path} officer password LOGIN` sets another):"
    ]
    registered = {o.login: o for o in svc.registrar.officers()}
    for login in logins:
        password = secrets.token_urlsafe(12)
        svc.gate.set_password(login, password)
        officer = registered[login]
        held = ", ".join(officer.roles)
        if officer.limit is not None:
            held += f" (up to £{officer.limit:,.2f})"
        lines.append(f"  {login:<14} {password}   {officer.name}: {held}")
    return lines
