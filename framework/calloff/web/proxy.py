"""Believe X-Forwarded-* headers (and a single sign-on proxy's header) only from the
reverse proxies named with `calloff serve --trusted-proxy`; from anyone else they are
removed before the app sees them, so nobody can claim another address to dodge the lock
on failed sign-ins, or another officer's e-mail address to sign in as them."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TrustedProxies:
    """WSGI middleware: ProxyFix (one hop) for requests from a trusted proxy; for others,
    every forwarded header and the SSO header are dropped."""

    def __init__(self, app: WSGIApp, trusted: Iterable[str], sso_header: str | None = None):
        self.app = app
        self.trusted = [ipaddress.ip_network(t, strict=False) for t in trusted]
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
        self.sso = None if not sso_header else "HTTP_" + sso_header.upper().replace("-", "_")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            environ["calloff.trusted_proxy"] = True
            return self.fixed(environ, start_response)
        for key in [k for k in environ if k.startswith("HTTP_X_FORWARDED_")]:
            del environ[key]
        if self.sso:
            environ.pop(self.sso, None)
        return self.app(environ, start_response)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)
