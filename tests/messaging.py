"""A framework running today, for the messages and the offers' links (whose tokens work
until the end of a respond-by day, so only a framework in force today can use them): Leeds'
definition moved to begin this financial year, two providers with e-mail addresses ranked
on lot 4, the team of `tests.workspace` with theirs, and request 1 (lot 4, 6 days) starting
in a month. A local SMTP server keeps what it is sent."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import calloff
from calloff.api import mail_settings
from tests.workspace import PASSWORD, TEAM

LEEDS = Path(__file__).resolve().parent.parent / "framework/calloff/definitions/leeds-rp-2015.toml"
TODAY = date.today()
YEAR = TODAY.year if date(TODAY.year, 4, 1) <= TODAY else TODAY.year - 1
FY = f"{YEAR}-{(YEAR + 1) % 100:02d}"
EMAILS = {1: "bookings@alder.example", 2: "offers@birch.example"}


def definition(folder: Path) -> Path:
    text = LEEDS.read_text(encoding="utf-8")
    text = text.replace("start = 2015-04-01", f"start = {YEAR}-04-01")
    text = text.replace('"2015-16"', f'"{FY}"')
    text = text.replace("window = { start = 2015-02-01, end = 2016-03-31 }", "")
    found = folder / "today.toml"
    found.write_text(text, encoding="utf-8")
    return found


def build_today(db: Path, emails: dict[int, str] | None = None) -> None:
    with calloff.create(db, definition_file=definition(db.parent)) as office:
        start = f"{YEAR}-04-01"
        for pid, (name, vat) in enumerate(
            [("Alder Training", "exempt"), ("Birch Practice Ltd", "standard")], start=1
        ):
            address = (EMAILS if emails is None else emails).get(pid)
            office.add_provider(name, vat=vat, on=start, **({"email": address} if address else {}))
        office.set_ranking(lot=4, providers=["Alder Training", "Birch Practice Ltd"], on=start)
        office.set_rates(lot=4, provider=1, day="1000", on=start)
        office.set_rates(lot=4, provider=2, day="1200", on=start)
        for login, (name, roles, limit) in TEAM.items():
            office.add_officer(
                login,
                name=name,
                roles=list(roles),
                limit=limit,
                email=f"{login}@example.gov.uk",
                on=start,
            )
            office.set_password(login, password=PASSWORD)
    with calloff.open(db, officer="o.officer") as office:
        begins = TODAY + timedelta(days=30)
        office.add_request(
            lot=4,
            title="Deep-dive days for social workers",
            start=begins.isoformat(),
            quantity=6,
            unit="day",
            on=TODAY.isoformat(),
        )


def mail_for(port: int, **more: str) -> Any:
    return mail_settings(
        {
            "CALLOFF_SMTP_HOST": "127.0.0.1",
            "CALLOFF_SMTP_PORT": str(port),
            "CALLOFF_SMTP_STARTTLS": "0",
            "CALLOFF_MAIL_FROM": "procurement@example.gov.uk",
            "CALLOFF_BASE_URL": "http://calloff.test",
            **more,
        }
    )


class Catcher:
    """An aiosmtpd handler that keeps every message it accepts (or refuses them all)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def text(m: email.message.EmailMessage) -> str:
        part = m.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())
