"""The server's settings: from `calloff serve`'s options and the environment.

Secrets (the session key, the single sign-on client's secret) come from the environment or
a file only an administrator can read, never from the command line, where `ps` shows them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import attrs

from calloff.errors import InvalidInput


@attrs.frozen
class Settings:
    """How the workspace runs. `base_url` is the address officers use; Secure cookies
    follow from it being https."""

    database: Path
    base_url: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    idle_minutes: int = 30
    secret_key: str = attrs.field(factory=lambda: secrets.token_hex(32), repr=False)
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = attrs.field(default=None, repr=False)
    oidc_name: str = "your organisation's account"
    sso_header: str | None = None  # an e-mail header set by a trusted SSO proxy

    @property
    def secure(self) -> bool:
        return bool(self.base_url and self.base_url.lower().startswith("https://"))

    @property
    def single_sign_on(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)


def from_environment(
    database: str | Path,
    base_url: str | None = None,
    trusted_proxies: tuple[str, ...] = (),
    environ: dict[str, str] | None = None,
) -> Settings:
    """Settings from `calloff serve`'s options and CALLOFF_* variables (docs/deploy.md)."""
    env = dict(os.environ if environ is None else environ)
    idle = env.get("CALLOFF_IDLE_MINUTES", "30")
    if not (idle.isascii() and idle.isdigit()) or not 1 <= int(idle) <= 24 * 60:
        raise InvalidInput(
            f"CALLOFF_IDLE_MINUTES={idle!r}: give a whole number of minutes from 1 to 1440"
        )
    base = base_url or env.get("CALLOFF_BASE_URL") or None
    if base is not None and not base.lower().startswith(("http://", "https://")):
        raise InvalidInput(
            f"the base URL {base!r} must start with https:// (or http:// on a test machine)"
        )
    issuer = env.get("CALLOFF_OIDC_ISSUER") or None
    client = env.get("CALLOFF_OIDC_CLIENT_ID") or None
    if bool(issuer) != bool(client):
        raise InvalidInput(
            "single sign-on needs both CALLOFF_OIDC_ISSUER and CALLOFF_OIDC_CLIENT_ID"
        )
    key = env.get("CALLOFF_SECRET_KEY") or _from_file(env.get("CALLOFF_SECRET_KEY_FILE"))
    return Settings(
        database=Path(database),
        base_url=None if base is None else base.rstrip("/"),
        trusted_proxies=tuple(trusted_proxies),
        idle_minutes=int(idle),
        secret_key=key or secrets.token_hex(32),
        oidc_issuer=issuer,
        oidc_client_id=client,
        oidc_client_secret=env.get("CALLOFF_OIDC_CLIENT_SECRET")
        or _from_file(env.get("CALLOFF_OIDC_CLIENT_SECRET_FILE")),
        oidc_name=env.get("CALLOFF_OIDC_NAME") or "your organisation's account",
        sso_header=env.get("CALLOFF_SSO_HEADER") or None,
    )


def _from_file(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return Path(name).read_text(encoding="utf-8").strip() or None
    except OSError as e:
        raise InvalidInput(f"cannot read {name}: {e.strerror}") from None
