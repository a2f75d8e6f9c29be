"""The register of officers: who acts, and the admin's changes to who may do what.

Who acts is decided once, when the database is opened (`acting`): the account running
the process, acting as itself or (an admin only) for another registered officer. Every
event is then checked against the register as it stood on its effective date
(`calloff.store.officers.Officers.guard`). A change to the register is refused if it
would take away authority already used: what was allowed stays allowed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs

from calloff.actions.base import ServiceBase, not_future
from calloff.domain import officers as register
from calloff.domain.model import clean_text
from calloff.domain.money import format_money
from calloff.domain.officers import FROM_THE_START, Actor, Delegation, Officer, Register
from calloff.errors import InvalidInput, NotAuthorised, NotFound, RuleBroken, WrongStatus
from calloff.store.database import Store
from calloff.store.trail import now_stamp


def acting(store: Store, officer: str | None, channel: str, account: str | None = None) -> Actor:
    """Who acts on this database: the process's account, for itself or, when it is an
    admin, for `officer`. A server (`channel` "web" or "link") vouches for the officer it
    signed in; it must run as an admin. Refused, with the one line that says why, for a
    login the register does not hold today or that has left."""
    if channel not in register.CHANNELS:
        raise InvalidInput(
            f"channel {channel!r} is not known: choose from {', '.join(register.CHANNELS)}"
        )
    account = account or register.process_account()
    reg = store.officers.register()
    today = date.today()
    me = reg.as_of(account, today)
    name = account if me is None else me.login
    wanted = officer if officer is not None else name
    if channel in ("web", "link") and officer is None:
        raise InvalidInput(f"a {channel} session needs officer= (the officer signed in)")
    acts_for = wanted.casefold() != name.casefold() or channel in ("web", "link")
    if acts_for and (me is None or not me.holds("admin")):
        raise NotAuthorised(
            f"{account} is not an admin, so cannot act for {wanted}: only an admin "
            "acts for another officer",
            command=f"{account} is not an admin, so cannot act for {wanted} (--officer "
            "or CALLOFF_OFFICER): leave them out to act as yourself",
        )
    if not acts_for:
        present(reg, wanted, today)  # your own rights end the day you leave
    elif channel == "web" or not reg.history(wanted):
        present(reg, wanted, today)  # refused: never registered, or a session after leaving
    # An admin may act for an officer who has since left: each action is judged by the
    # register on its own day, so only work dated before they left is theirs.
    entry = reg.history(wanted)[-1]
    return Actor(account=name, officer=entry.login, channel=channel)


def present(reg: Register, login: str, today: date) -> None:
    """Refuse a login the register does not hold today, or that has left."""
    entry = reg.as_of(login, today)
    if entry is None:
        raise NotAuthorised(
            f"{login} is not a registered officer of this framework",
            hint=f"an admin registers them with `calloff officer add {login} --name TEXT "
            "--role ROLE`",
        )
    if entry.left_on is not None:
        raise NotAuthorised(
            f"{login} left on {entry.left_on} ({entry.left_reason}): their rights have ended"
        )


class Registrar(ServiceBase):
    """The admin's desk: the register of officers and their cover."""

    def register(self) -> Register:
        return self.store.officers.register()

    def officers(self, limit: int | None = None, offset: int = 0) -> list[Officer]:
        """Every officer as the register stands today, by login; or one page of them."""
        today = date.today()
        logins = self.store.officers.logins(limit, offset)
        reg = self.register() if limit is None else self.store.officers.entries_of(logins)
        found = [reg.as_of(login, today) or reg.history(login)[0] for login in logins]
        return [o for o in found if o is not None]

    def count(self) -> int:
        return self.store.officers.count()

    def logins(self) -> list[str]:
        return self.store.officers.logins()

    def entry(self, login: str) -> Officer:
        reg = self.register()
        history = reg.history(login.strip())
        if not history:
            raise NotFound(
                f"no officer has the login {login.strip()!r}", hint="see `calloff officer list`"
            )
        return reg.as_of(login.strip(), date.today()) or history[0]

    def add(
        self,
        login: str,
        name: str,
        roles: list[str],
        limit: Decimal | None,
        email: str | None,
        on: date,
    ) -> Officer:
        login = register.login(login)
        _limit_for(roles, limit)
        entry = Officer(
            login=login,
            name=clean_text(name, "the name", 100),
            roles=_roles(roles),
            limit=_limit(limit),
            email=_email(email),
            registered_on=on,
            since=on,
        )
        not_future(on)
        with self.store.transaction() as s:
            known = s.officers.known(login)
            if known is not None:
                before = self.register().history(known)[-1]
                if before.left_on is not None:
                    raise RuleBroken(
                        f"{known} left on {before.left_on}: a login is never reused, so "
                        "register the new officer under another login"
                    )
                since = (
                    "the start"
                    if before.registered_on == FROM_THE_START
                    else (before.registered_on.isoformat())
                )
                raise WrongStatus(
                    f"{known} is registered already (since {since})",
                    hint=f"change them with `calloff officer edit {known}`",
                )
            s.officers.add(entry, s.trail.next_event_id())
            s.trail.record(
                self.officer, on, "officer.add", "officer", login, None, _shown(entry), None
            )
        return self.entry(login)

    def edit(self, login: str, on: date, **changes: Any) -> Officer:
        """A change from `on`: name, roles added or removed, limit, email (None: as was)."""
        not_future(on)
        with self.store.transaction():
            old = self._current(login, on, "changed")
            roles = [r for r in old.roles if r not in _roles(changes["remove"] or [])]
            roles += list(_roles(changes["add"] or []))
            _limit_for(roles, changes["limit"])
            new = attrs.evolve(
                old,
                since=on,
                name=old.name
                if changes["name"] is None
                else clean_text(changes["name"], "the name", 100),
                roles=_roles(roles) if roles else (),
                limit=None
                if changes.get("no_limit")
                else old.limit
                if changes["limit"] is None
                else _limit(changes["limit"]),
                email=old.email if changes["email"] is None else _email(changes["email"]),
            )
            if attrs.evolve(new, since=old.since) == old:
                raise InvalidInput(
                    f"nothing to change for {old.login}: give a new name, role, limit or email"
                )
            if not new.roles:
                raise InvalidInput(
                    f"{old.login} would hold no role: an officer holds at least one (to "
                    "end their rights, record that they left)"
                )
            self._write(old, new, on, "officer.edit")
        return self.entry(login)

    def leave(self, login: str, reason: str, on: date) -> Officer:
        """Rights end from `on`; the history is kept and the login never reused."""
        reason = clean_text(reason, "the reason")
        not_future(on)
        with self.store.transaction():
            old = self._current(login, on, "recorded as leaving")
            new = attrs.evolve(old, since=on, left_on=on, left_reason=reason)
            self._write(old, new, on, "officer.leave", reason)
            if on <= date.today():  # signed out everywhere, now
                self.store.sign_ins.end_sessions_of(old.login, datetime.now(UTC), "left")
        return self.entry(login)

    def delegate(
        self, login: str, to: str, starts: date, ends: date, reason: str | None
    ) -> Delegation:
        """Cover: `to` approves with `login`'s authority from `starts` to `ends` (either may
        lie in the future)."""
        if ends < starts:
            raise InvalidInput(
                f"until={ends} is before starts={starts}",
                command=f"--until {ends} is before --from {starts}: swap them",
            )
        reason = "" if reason is None else clean_text(reason, "the reason")
        today = date.today()
        with self.store.transaction() as s:
            reg = self.register()
            absent, delegate = self.entry(login), self.entry(to)
            if absent.login.casefold() == delegate.login.casefold():
                raise InvalidInput(f"{absent.login} cannot cover for themselves: name another")
            when = min(starts, today)  # the register cannot say who will hold a role
            said = f"on {when}" if when < today else "today"
            for who in (absent.login, delegate.login):
                present(reg, who, today)
                standing = reg.as_of(who, when)
                if standing is None or not standing.holds("approver"):
                    raise RuleBroken(
                        f"{who} is not an approver {said}: cover lends one approver's "
                        "limit to another while the first is away",
                        hint=f"an admin grants the role with `calloff officer edit {who} "
                        "--add-role approver --limit MONEY`",
                    )
            cover = Delegation(0, absent.login, delegate.login, starts, ends, reason, now_stamp())
            did = s.officers.delegate(cover, s.trail.next_event_id())
            s.trail.record(
                self.officer,
                today,
                "officer.delegate",
                "officer",
                absent.login,
                None,
                {"delegation": did, "to": delegate.login, "from": starts, "until": ends},
                reason or None,
            )
        return attrs.evolve(cover, id=did)

    def delegations(self) -> list[Delegation]:
        return self.store.officers.delegations()

    # -- the checks -------------------------------------------------------------------

    def _current(self, login: str, on: date, what: str) -> Officer:
        """The officer's latest entry, which a change dated `on` follows."""
        history = self.register().history(login.strip())
        if not history:
            raise NotFound(
                f"no officer has the login {login.strip()!r}", hint="see `calloff officer list`"
            )
        old = history[-1]
        if old.left_on is not None:
            raise WrongStatus(
                f"{old.login} left on {old.left_on}: the register keeps their history as it "
                f"was, so they cannot be {what}"
            )
        if on < old.since:
            raise InvalidInput(
                f"{on} is before {old.login}'s last entry in the register, dated {old.since}: "
                "date this change on or after it"
            )
        return old

    def _write(self, old: Officer, new: Officer, on: date, action: str, why: str = "") -> None:
        s = self.store
        # The event is checked against the register as it stood before this change.
        eid = s.trail.record(
            self.officer, on, action, "officer", old.login, _shown(old), _shown(new), why or None
        )
        s.officers.write(new, eid)
        reg = self.register()
        for event_id, used in s.officers.authority_since(on, [old.login], eid):
            try:
                reg.check(
                    used.officer, used.role, used.on, value=used.value, what="it", before=event_id
                )
            except NotAuthorised:
                whose = used.cover_for and used.cover_for != used.officer
                raise RuleBroken(
                    f"{old.login} changed from {on} would take away authority already used: "
                    f"event {event_id} on {used.on} ({used.role}"
                    + (f", by {used.officer} covering for {used.cover_for}" if whose else "")
                    + f"{', ' + format_money(used.value) if used.value is not None else ''}) "
                    "was allowed by it; date the change after that"
                ) from None
        if not any(o.holds("admin") for o in self.officers()):
            raise RuleBroken(
                f"{old.login} is the last admin: the register needs one to change it; make "
                "another officer an admin first"
            )


def _roles(given: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return register.roles(given)


def _limit_for(roles: list[str] | tuple[str, ...], limit: Decimal | None) -> None:
    """A limit is an approver's: refused for an officer who will not hold the role."""
    if limit is not None and "approver" not in _roles(roles):
        raise InvalidInput(
            f"a limit of {format_money(limit)} is an approver's: give the approver role "
            "too, or leave the limit out",
            command=f"a limit of {format_money(limit)} is an approver's: add --role "
            "approver (--add-role for edit), or leave out --limit",
        )


def _limit(limit: Decimal | None) -> Decimal | None:
    if limit is not None and limit < 0:
        raise InvalidInput(f"the limit {format_money(limit)} is below zero: give 0 or more")
    return limit


def _email(email: str | None) -> str:
    return register.email(email)


def _shown(o: Officer) -> dict[str, Any]:
    """An entry as the audit trail holds it."""
    shown: dict[str, Any] = {
        "name": o.name,
        "roles": list(o.roles),
        "limit": o.limit,
        "email": o.email,
        "since": o.since,
    }
    if o.left_on is not None:
        shown["left_on"] = o.left_on
    return shown
