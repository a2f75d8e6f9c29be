"""How messages leave: the SMTP server and the sender, from the environment or from a
configuration file of the same names (`CALLOFF_CONFIG`, one `NAME=value` a line), the
environment winning. The password may come from a file only the service account reads
(`CALLOFF_SMTP_PASSWORD_FILE`), never from the command line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from calloff.domain.config_file import read_config
from calloff.errors import InvalidInput

NAMES = (
    "CALLOFF_SMTP_HOST",
    "CALLOFF_SMTP_PORT",
    "CALLOFF_SMTP_STARTTLS",
    "CALLOFF_SMTP_USER",
    "CALLOFF_SMTP_PASSWORD",
    "CALLOFF_SMTP_PASSWORD_FILE",
    "CALLOFF_MAIL_FROM",
    "CALLOFF_BASE_URL",
    "CALLOFF_NOTIFY_API_KEY",
    "CALLOFF_NOTIFY_API_KEY_FILE",
    "CALLOFF_NOTIFY_TEMPLATE_ID",
    "CALLOFF_NOTIFY_URL",
)
NOTIFY_URL = "https://api.notifications.service.gov.uk"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@attrs.frozen
class Mail:
    """Where and how to send: GOV.UK Notify where `notify_key` is set, else SMTP where
    `host` is. Neither: nothing is sent (the outbox keeps every message pending, listed by
    `calloff notify list`)."""

    host: str | None = None
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    sender: str = "calloff@localhost"
    base_url: str | None = None
    notify_key: str | None = attrs.field(default=None, repr=False)
    notify_template: str | None = None
    notify_url: str = NOTIFY_URL

    @property
    def route(self) -> str | None:
        """How messages leave: "notify", "smtp", or None (they wait)."""
        return "notify" if self.notify_key else "smtp" if self.host else None

    @property
    def domain(self) -> str:
        """The domain of each Message-ID: the sender's."""
        return self.sender.rpartition("@")[2] or "localhost"


def mail_settings(environ: Mapping[str, str] | None = None, base_url: str | None = None) -> Mail:
    """The mail settings, checked: a port from 1 to 65535, STARTTLS 1 or 0, a sender that
    is an e-mail address, a base URL that starts with https:// (or http://)."""
    env = dict(os.environ if environ is None else environ)
    if env.get("CALLOFF_CONFIG"):
        env = read_config(env["CALLOFF_CONFIG"]) | env
    port = env.get("CALLOFF_SMTP_PORT") or "587"
    if not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise InvalidInput(
            f"the SMTP port {port!r} is not a port: give a whole number from 1 to 65535",
            command=f"CALLOFF_SMTP_PORT={port!r}: give a port number from 1 to 65535",
        )
    tls = env.get("CALLOFF_SMTP_STARTTLS") or "1"
    if tls not in ("0", "1"):
        raise InvalidInput(
            f"STARTTLS {tls!r} is neither on nor off: give 1 (the default) or 0",
            command=f"CALLOFF_SMTP_STARTTLS={tls!r}: give 1 (the default) or 0",
        )
    sender = env.get("CALLOFF_MAIL_FROM") or "calloff@localhost"
    if "@" not in sender or any(c.isspace() for c in sender.strip()):
        raise InvalidInput(
            f"the sender {sender!r} is not an e-mail address: give one such as "
            "procurement@example.gov.uk",
            command=f"CALLOFF_MAIL_FROM={sender!r}: give the sender's e-mail address, such "
            "as procurement@example.gov.uk",
        )
    base = base_url or env.get("CALLOFF_BASE_URL") or None
    if base is not None and not base.lower().startswith(("http://", "https://")):
        raise InvalidInput(
            f"the base URL {base!r} must start with https:// (or http:// on a test machine)"
        )
    password = env.get("CALLOFF_SMTP_PASSWORD") or _kept(env, "CALLOFF_SMTP_PASSWORD_FILE")
    key = env.get("CALLOFF_NOTIFY_API_KEY") or _kept(env, "CALLOFF_NOTIFY_API_KEY_FILE")
    template = env.get("CALLOFF_NOTIFY_TEMPLATE_ID") or None
    if key is not None:
        if len(key) < 74 or not UUID.fullmatch(key[-73:-37]) or not UUID.fullmatch(key[-36:]):
            raise InvalidInput(
                "the GOV.UK Notify API key is not one: copy it whole from Notify's API "
                "integration page (its name, the service id and the secret)"
            )
        if template is None or not UUID.fullmatch(template):
            raise InvalidInput(
                "GOV.UK Notify needs the id of the e-mail template whose subject is "
                "((subject)) and body ((body)), such as 0f8b8c1e-…",
                command="CALLOFF_NOTIFY_TEMPLATE_ID: give the id of the Notify e-mail "
                "template whose subject is ((subject)) and body ((body))",
            )
    return Mail(
        host=env.get("CALLOFF_SMTP_HOST") or None,
        port=int(port),
        starttls=tls == "1",
        user=env.get("CALLOFF_SMTP_USER") or None,
        password=password,
        sender=sender.strip(),
        base_url=None if base is None else base.rstrip("/"),
        notify_key=key,
        notify_template=template,
        notify_url=(env.get("CALLOFF_NOTIFY_URL") or NOTIFY_URL).rstrip("/"),
    )


def _kept(env: Mapping[str, str], name: str) -> str | None:
    """A secret from the file a setting names, which only the service account reads."""
    if not env.get(name):
        return None
    kept = Path(env[name])
    try:
        return kept.read_text(encoding="utf-8").strip() or None
    except OSError as e:
        raise InvalidInput(f"cannot read the secret's file {kept}: {e.strerror}") from None
