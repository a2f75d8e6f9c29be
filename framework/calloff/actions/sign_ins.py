"""Signing officers in: passwords, the sign-in record and the lock on repeated failures.

A password is set by the officer themself or by an admin, and the change is an event in
the trail (the hash never is). Every attempt is recorded with the address it came from;
five failures in 15 minutes lock the account and the address. A refusal to sign in says
as little as it can: a wrong login and a wrong password read the same.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from calloff.actions.base import ServiceBase
from calloff.actions.lists import Lists
from calloff.actions.officers import present
from calloff.domain import officers as register
from calloff.domain import passwords
from calloff.domain.listings import AwaitingApproval, SignIn
from calloff.domain.model import NEXT_STEPS
from calloff.domain.officers import Officer, role_for
from calloff.errors import DatabaseBusy, InvalidInput, NotAuthorised, NotFound
from calloff.store.trail import now_stamp

WRONG = "the login or password is not right: check both and try again"
WORKING_DAY = timedelta(hours=12)  # a session ends after this, however busy
SEEN_EVERY = timedelta(minutes=1)  # how often an open session's last use is written


def now() -> datetime:
    """The time of an attempt, UTC (tests move it)."""
    return datetime.now(UTC).replace(microsecond=0)


class Gate(ServiceBase):
    """The door of the workspace: who may come in, and the record of who tried."""

    def set_password(self, login: str, password: str) -> Officer:
        """Keep a new password's hash for `login`: their own, or any officer's for an admin."""
        today = date.today()
        with self.store.transaction() as s:
            reg = s.officers.register()
            history = reg.history(login.strip())
            if not history:
                raise NotFound(
                    f"no officer has the login {login.strip()!r}",
                    hint="see `calloff officer list`",
                )
            entry = history[-1]
            present(reg, entry.login, today)
            passwords.check_password(password, entry.login, entry.name)
            own = entry.login.casefold() == self.officer.casefold()
            # Your own password needs only that you are registered; another's, an admin.
            role = entry.roles[0] if own else "admin"
            eid = s.trail.record(
                self.officer,
                today,
                "officer.password",
                "officer",
                entry.login,
                None,
                {"password": "set"},
                None,
                role=role,
            )
            s.sign_ins.set_password(
                entry.login, passwords.hash_password(password), now_stamp(), eid
            )
            # Every session signed in with the old password ends.
            s.sign_ins.end_sessions_of(entry.login, now(), "password changed")
        return entry

    def sign_in(
        self, login: str, password: str, address: str, start: bool = False
    ) -> tuple[Officer, str | None]:
        """The officer whose password this is (and, with `start`, a new session's token,
        opened in the same write, so no password change can fall between them), or the
        refusal; every attempt is recorded, a refused one too."""
        login = _clean(login, "login")
        address = _clean(address, "address")
        at = now()
        # Whose lock: the officer's own login, however it was typed ("K" for "k" folds
        # in Python, not in SQLite); a login that is not one is nobody's.
        entry = self._present(login) if register.LOGIN.fullmatch(login) else None
        who = login if entry is None else entry.login
        since = at - passwords.LOCK
        locked = any(
            passwords.locked_until(self.store.sign_ins.failures(column, value, since), at)
            for column, value in (("login", who), ("address", address))
        )
        kept = None if entry is None else self.store.sign_ins.password(entry.login)
        # Hashed outside the write (it takes a tenth of a second), and even for a login
        # nobody holds, so the time taken does not say which logins exist.
        good = not locked and passwords.verify_password(password, kept) and entry is not None
        token = None
        with self.store.transaction() as s:
            refusal = self._locked(who, address, at, "password")
            if refusal is None:
                if not good or s.sign_ins.password(who) != kept:  # changed meanwhile
                    refusal = self._failed(who, address, at, "password")
                else:
                    s.sign_ins.record(at, who, address, "password", "signed in")
                    if start:
                        token = secrets.token_urlsafe(32)
                        s.sign_ins.start_session(_digest(token), who, "password", address, at)
        if refusal is not None or entry is None:
            raise refusal or NotAuthorised(WRONG)
        return entry, token

    def sign_in_by_email(self, email: str, address: str, method: str = "oidc") -> Officer:
        """The officer the register holds with this e-mail address, vouched for by single
        sign-on; refused (and recorded) when none or more than one holds it."""
        email = _clean(email, "email")
        address = _clean(address, "address")
        at = now()
        found: list[Officer] = []
        with self.store.transaction() as s:
            refusal = self._locked(email, address, at, method)
            if refusal is None:
                reg = s.officers.register()
                today = date.today()
                found = [
                    o
                    for login in s.officers.logins()
                    if (o := reg.as_of(login, today)) is not None
                    and o.left_on is None
                    and o.email.casefold() == email.casefold()
                ]
                if len(found) == 1:
                    s.sign_ins.record(at, found[0].login, address, method, "signed in")
                else:
                    s.sign_ins.record(at, email, address, method, "failed")
                    refusal = NotAuthorised(
                        f"no officer of this framework is registered with the e-mail "
                        f"address {email}: an admin adds it to the officer's entry"
                        if not found
                        else f"{len(found)} officers are registered with the e-mail address "
                        f"{email}: an admin gives each their own"
                    )
        if refusal is not None:
            raise refusal
        return found[0]

    # -- sessions -----------------------------------------------------------------------

    def start_session(self, login: str, method: str, address: str) -> str:
        """A new session for a signed-in officer: its token, for their cookie only (the
        database keeps its SHA-256)."""
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as s:
            s.sign_ins.start_session(_digest(token), login, method, address, now())
        return token

    def session(self, token: str, idle: timedelta) -> tuple[str | None, str]:
        """Whose session this is, and how it stands: `open`, `timed out` (idle longer than
        `idle`, or open longer than a working day: ended now), `signed out`, `left` or
        `unknown`. An open one is marked seen (at most once a minute)."""
        row = self.store.sign_ins.session(_digest(token))
        if row is None:
            return None, "unknown"
        if row["ended_at"] is not None:
            return None, str(row["ended_how"])
        at = now()
        seen = datetime.fromisoformat(row["seen_at"])
        started = datetime.fromisoformat(row["started_at"])
        # Its last use is written at most every tenth of the idle time (and at most once
        # a minute), so a session ends no sooner than that before it should.
        every = min(SEEN_EVERY, idle / 10)
        if at - seen > idle or at - started > WORKING_DAY:
            with self.store.transaction() as s:
                s.sign_ins.end_session(row["id"], at, "timed out")
                s.sign_ins.record(at, row["login"], row["address"], row["method"], "timed out")
            return None, "timed out"
        if at - seen >= every:
            try:
                with self.store.transaction() as s:
                    s.sign_ins.seen(row["id"], at)
            except DatabaseBusy:  # another write holds the file: seen next time instead
                pass
        return str(row["login"]), "open"

    def end_session(self, token: str, address: str) -> None:
        """Sign out: the session ends on the server, whoever holds its cookie."""
        row = self.store.sign_ins.session(_digest(token))
        if row is None or row["ended_at"] is not None:
            return
        at = now()
        with self.store.transaction() as s:
            s.sign_ins.end_session(row["id"], at, "signed out")
            s.sign_ins.record(at, row["login"], address, row["method"], "signed out")

    def sign_ins(self, login: str | None = None, limit: int = 200, offset: int = 0) -> list[SignIn]:
        return self.store.sign_ins.listing(login, limit, offset)

    # -- what the signed-in officer may do today ----------------------------------------

    def today(self) -> Officer | None:
        """The acting officer as the register stands today (None: not registered)."""
        return self.store.officers.register().as_of(self.officer, date.today())

    def may(self, action: str, value: Decimal | None = None) -> bool:
        """Whether the register lets the acting officer record `action` today (for an
        approval, of `value`): what a page asks before it offers a button."""
        role = role_for(action)
        if role is None:
            return False
        try:
            self.store.officers.register().check(
                self.officer, role, date.today(), value=value, what=action
            )
        except NotAuthorised:
            return False
        return True

    def next_steps(self, calloff_id: int) -> list[str]:
        """What the acting officer may do next to a call-off today, in its status: the
        buttons its page offers (each is checked again when it is done)."""
        c = self.store.calloff(calloff_id)
        return [
            step
            for step in NEXT_STEPS.get(c.status, ())
            if self.may(f"calloff.{step}", c.value if step in ("approve", "reject") else None)
            and not (
                step in ("approve", "reject") and c.officer.casefold() == self.officer.casefold()
            )
        ]

    def my_approvals(self) -> list[AwaitingApproval]:
        """Call-offs waiting for approval that the acting officer may approve today: not
        raised by them, within their limit or a limit they hold in cover."""
        return [
            a
            for a in Lists(self.store, self.officer).approvals()
            if a.raised_by.casefold() != self.officer.casefold()
            and self.may("calloff.approve", a.value)
        ]

    # -- the checks -------------------------------------------------------------------

    def _present(self, login: str) -> Officer | None:
        entry = self.store.officers.register().as_of(login, date.today())
        return None if entry is None or entry.left_on is not None else entry

    def _locked(self, login: str, address: str, at: datetime, method: str) -> NotAuthorised | None:
        """The refusal for an account or address that is locked now (the attempt is
        recorded, and does not lengthen the lock), or None."""
        since = at - passwords.LOCK
        ends = [
            passwords.locked_until(self.store.sign_ins.failures(column, value, since), at)
            for column, value in (("login", login), ("address", address))
        ]
        until = max((e for e in ends if e is not None), default=None)
        if until is None:
            return None
        self.store.sign_ins.record(at, login, address, method, "refused while locked")
        return NotAuthorised(
            "too many failed sign-ins for this account or from this address: try again "
            f"after {until:%H:%M} UTC, or ask an admin to set a new password"
        )

    def _failed(self, login: str, address: str, at: datetime, method: str) -> NotAuthorised:
        """Record a failed attempt: the one that makes five locks the account or address."""
        since = at - passwords.LOCK
        locks = any(
            passwords.locked_until([*self.store.sign_ins.failures(column, value, since), at], at)
            for column, value in (("login", login), ("address", address))
        )
        outcome = "locked out" if locks else "failed"
        self.store.sign_ins.record(at, login, address, method, outcome)
        if locks:
            return NotAuthorised(
                f"{WRONG}; that was the fifth failure in 15 minutes, so signing in is locked "
                f"until {at + passwords.LOCK:%H:%M} UTC"
            )
        return NotAuthorised(WRONG)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean(text: str, what: str) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > 320:
        raise InvalidInput(f"the {what} must be text of 1 to 320 characters")
    return text.strip()
