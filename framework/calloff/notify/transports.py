"""How a message leaves: by SMTP, or by GOV.UK Notify's API where a council uses Notify.

Each transport sends one composed message at a time and raises `Undelivered` when a try
fails: `broken` when the route itself failed (the server cannot be reached, the key is
refused), so the run stops trying the rest, which wait for their next try.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from calloff.domain.listings import Message
from calloff.notify.mail import Mail


class Undelivered(Exception):
    """A try that failed; `broken`: the route failed, not just this message."""

    def __init__(self, said: str, broken: bool):
        super().__init__(said)
        self.broken = broken


class Smtp:
    """One SMTP connection for the run, opened at the first message."""

    def __init__(self, mail: Mail, connect: Callable[..., smtplib.SMTP] = smtplib.SMTP):
        self.mail = mail
        self.connect = connect
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage, m: Message) -> None:
        try:
            if self.smtp is None:
                self.smtp = self._open()
            self.smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as e:  # this address alone
            raise Undelivered(f"{type(e).__name__}: {e}", broken=False) from None
        except (OSError, smtplib.SMTPException) as e:
            self.close()
            raise Undelivered(f"{type(e).__name__}: {e}", broken=True) from None

    def _open(self) -> smtplib.SMTP:
        assert self.mail.host is not None
        smtp = self.connect(self.mail.host, self.mail.port, timeout=30)
        if self.mail.starttls:
            smtp.starttls()
        if self.mail.user:
            smtp.login(self.mail.user, self.mail.password or "")
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


class Notify:
    """GOV.UK Notify's API (https://docs.notifications.service.gov.uk/rest-api.html): one
    e-mail template in the council's Notify service whose subject is `((subject))` and
    whose body is `((body))`; the message's text part fills them. Notify keeps no
    attachment here: the order or letter is in the text. The message's own id is Notify's
    `reference`, so a message sent twice is one reference twice."""

    def __init__(self, mail: Mail, opener: Callable[..., Any] = urllib.request.urlopen):
        self.mail = mail
        self.opener = opener

    def send(self, email: EmailMessage, m: Message) -> None:
        body = email.get_body(preferencelist=("plain",))
        assert body is not None
        payload = {
            "email_address": m.address,
            "template_id": self.mail.notify_template,
            "personalisation": {"subject": m.subject, "body": str(body.get_content())},
            "reference": m.message_id,
        }
        request = urllib.request.Request(
            f"{self.mail.notify_url}/v2/notifications/email",
            data=json.dumps(payload).encode("utf-8"),
            headers={
                "Authorization": f"Bearer {self._token()}",
                "Content-Type": "application/json",
                "User-Agent": "calloff",
            },
            method="POST",
        )
        try:
            with self.opener(request, timeout=30) as answer:
                answer.read()
        except urllib.error.HTTPError as e:
            said = _notify_error(e)
            # 400: this message (a bad address); 403 (the key), 429 and 5xx: the route.
            raise Undelivered(f"Notify {e.code}: {said}", broken=e.code != 400) from None
        except OSError as e:
            raise Undelivered(f"{type(e).__name__}: {e}", broken=True) from None

    def _token(self) -> str:
        """Notify's JWT: the service id as issuer, now, signed with the key's secret."""
        key = self.mail.notify_key or ""
        service, secret = key[-73:-37], key[-36:]
        parts = [
            _b64({"typ": "JWT", "alg": "HS256"}),
            _b64({"iss": service, "iat": int(time.time())}),
        ]
        signed = hmac.new(secret.encode(), ".".join(parts).encode(), hashlib.sha256).digest()
        return ".".join([*parts, base64.urlsafe_b64encode(signed).rstrip(b"=").decode()])

    def close(self) -> None:
        return None


def _b64(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _notify_error(e: urllib.error.HTTPError) -> str:
    try:
        errors = json.loads(e.read().decode("utf-8", "replace")).get("errors", [])
        return "; ".join(str(x.get("message", x)) for x in errors) or str(e.reason)
    except (ValueError, AttributeError, OSError):
        return str(e.reason)


def transport_for(mail: Mail, connect: Callable[..., smtplib.SMTP] = smtplib.SMTP) -> Any:
    """Notify where a key is set, else SMTP where a host is set, else None: nothing sent."""
    if mail.notify_key:
        return Notify(mail)
    if mail.host:
        return Smtp(mail, connect)
    return None
