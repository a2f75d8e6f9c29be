"""The library's door to the workspace: passwords, signing in and out, the sign-in record,
and what the signed-in officer may do today, as `Office` methods (see `calloff.api`).

A server opens the database once as its own account (an admin) to sign officers in, then
once per request as the officer signed in (`calloff.open(path, officer=..., channel="web")`),
so every action is checked against that officer's rights, as the command's are.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from calloff.arguments import Money, _count, _id, _money, _text
from calloff.domain.listings import AwaitingApproval, SignIn
from calloff.domain.officers import ROLE_WORK, Officer, role_for
from calloff.errors import InvalidInput, NotAuthorised

if TYPE_CHECKING:
    from calloff.actions.service import Service


def role_needed(action: str) -> str:
    """The role an action needs, by its event's name (`calloff.accept` needs `officer`,
    `calloff.approve` `approver`): what a page names when it refuses."""
    try:
        role = role_for(_text(action, "action"))
    except ValueError:
        raise InvalidInput(f"{action!r} is not an action calloff records") from None
    if role is None:
        raise InvalidInput(f"{action!r} is recorded by calloff itself, not by an officer")
    return role


def role_work(role: str) -> str:
    """What a role is for, in a few words ("approving and rejecting call-offs up to
    their limit")."""
    if role not in ROLE_WORK:
        raise InvalidInput(f"{role!r} is not a role: choose from {', '.join(ROLE_WORK)}")
    return ROLE_WORK[role]


class SigningIn:
    """Passwords, sign-ins, and the acting officer's rights today."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    def set_password(self, login: str, *, password: str) -> Officer:
        """Set an officer's password: your own, or anyone's if you are an admin. At least
        12 characters, not a common password; only its scrypt hash is kept."""
        if not isinstance(password, str):
            raise InvalidInput("password= must be text")
        return self.service.gate.set_password(_text(login, "login"), password)

    def sign_in(self, login: str, *, password: str, address: str) -> Officer:
        """The officer, if the password is theirs; refused with one line otherwise. Every
        attempt is recorded with `address` (where it came from); five failures in 15
        minutes lock the account and the address for 15 minutes."""
        if not isinstance(password, str):
            raise InvalidInput("password= must be text")
        return self.service.gate.sign_in(login, password, address)[0]

    def open_session(self, login: str, *, password: str, address: str) -> tuple[Officer, str]:
        """Sign in and open a session in one write: the officer and the session's token
        (for their cookie alone). Refused as `sign_in()` is."""
        if not isinstance(password, str):
            raise InvalidInput("password= must be text")
        officer, token = self.service.gate.sign_in(login, password, address, start=True)
        assert token is not None
        return officer, token

    def sign_in_by_email(self, email: str, *, address: str, method: str = "oidc") -> Officer:
        """The officer registered with this e-mail address, once single sign-on (`oidc`,
        or `proxy` for a trusted proxy's header) has vouched for it; recorded."""
        if method not in ("oidc", "proxy"):
            raise InvalidInput(f"method={method!r}: choose oidc or proxy")
        return self.service.gate.sign_in_by_email(email, address, method)

    def start_session(self, login: str, *, method: str, address: str) -> str:
        """A session for an officer just signed in: a token for their cookie alone (the
        database keeps only its hash), so that signing out ends it on the server too."""
        if method not in ("password", "oidc", "proxy"):
            raise InvalidInput(f"method={method!r}: choose password, oidc or proxy")
        login = self.service.registrar.entry(_text(login, "login")).login
        return self.service.gate.start_session(login, method, _text(address, "address"))

    def session(self, token: str, *, idle_minutes: int = 30) -> tuple[str | None, str]:
        """Whose session a token is, and how it stands: `open`; `timed out` (idle longer
        than `idle_minutes`, or open longer than 12 hours, which ends it now and records
        it); `signed out`; `left`; `password changed`; or `unknown`."""
        _count(idle_minutes, "idle_minutes", 1, 24 * 60)
        if not isinstance(token, str) or not token or len(token) > 200:
            return None, "unknown"
        return self.service.gate.session(token, timedelta(minutes=idle_minutes))

    def end_session(self, token: str, *, address: str) -> None:
        """Sign out: the session ends, and the sign-in record says so."""
        if isinstance(token, str) and token and len(token) <= 200:
            self.service.gate.end_session(token, _text(address, "address"))

    def sign_ins(
        self, *, login: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[SignIn]:
        """The sign-in record, newest first (`offset` skips the newest, for a page at a
        time): for admins and auditors only."""
        if not (self.may_read("sign_ins")):
            raise NotAuthorised(
                "the sign-in record is for admins and auditors: "
                f"{self.service.officer} holds neither role"
            )
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10_000:
            raise InvalidInput("limit= must be a whole number from 1 to 10,000")
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise InvalidInput("offset= must be a whole number, 0 or more")
        return self.service.gate.sign_ins(
            None if login is None else _text(login, "login"), limit, offset
        )

    # -- the acting officer today ---------------------------------------------------------

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles the acting officer holds today (none once they have left)."""
        entry = self.service.gate.today()
        return () if entry is None or entry.left_on is not None else entry.roles

    def may(self, action: str, *, value: Money | None = None) -> bool:
        """Whether the acting officer may record `action` today (`calloff.approve` with the
        call-off's `value`): what a page asks before it offers a button."""
        role_needed(action)
        return self.service.gate.may(action, _money(value, "value"))

    def may_read(self, what: str) -> bool:
        """Whether the acting officer may read `what`: `sign_ins` (admins and auditors)."""
        if what != "sign_ins":
            raise InvalidInput(f"{what!r}: only sign_ins is restricted to some roles")
        return bool({"admin", "auditor"} & set(self.roles))

    def next_steps(self, calloff: int) -> list[str]:
        """What the acting officer may do next to a call-off today (`accept`, `decline`,
        `approve`, `reject`, `vary`, `complete`, `cancel`), as its status and their role
        allow: the buttons a page offers. Each is checked again when it is done."""
        return self.service.gate.next_steps(_id(calloff, "calloff"))

    def my_approvals(self) -> list[AwaitingApproval]:
        """Call-offs waiting for approval that the acting officer may approve today."""
        return self.service.gate.my_approvals()
