"""The register of officers: who may do what, up to what value, on which day.

Delegated authority, as councils write it down: each officer holds roles (and an
approver a limit), from a date; cover lends an absent approver's authority to a named
colleague for a window of days. The register is dated like caps and rankings, so an
action is checked against it as it stood on the action's effective date. Pure: the
store reads and writes it, the actions ask it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from calloff.domain.money import format_money
from calloff.errors import InvalidInput, NotAuthorised

ROLES = ("officer", "approver", "finance", "auditor", "admin")
ROLE_WORK = {
    "officer": "requests, allocation, answers, variations, completion, cancellation, competitions",
    "approver": "approving and rejecting call-offs up to their limit",
    "finance": "spend lines, imports, payments and payment publications",
    "auditor": "reading everything and verifying the audit trail; writes nothing",
    "admin": "the register, providers, rankings, rates, ceilings, funding, the term and "
    "the framework's settings",
}
# The register's first officer (the one `init` or an upgrade registers) holds every role
# from the start: actions dated before anyone was registered stay theirs to record.
FROM_THE_START = date(1, 1, 1)
CHANNELS = ("cli", "library", "web", "link")
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# The role each kind of event needs. Events of the system itself (creating the database,
# upgrading it) need none.
SYSTEM = ("framework.init", "database.upgrade", "database.key")
NEEDS = {
    "officer": "admin",
    "provider": "admin",
    "ranking": "admin",
    "prices": "admin",
    "ceiling": "admin",
    "funding": "admin",
    "term": "admin",
    "framework": "admin",
    "request": "officer",
    "calloff": "officer",
    "competition": "officer",
    "spend": "finance",
}
APPROVALS = ("calloff.approve", "calloff.reject")


def role_for(action: str, object_id: str | None = None) -> str | None:
    """The role an event of this kind needs; None for the system's own events."""
    if action in SYSTEM:
        return None
    if action in APPROVALS:
        return "approver"
    if action == "publication.record":
        return "finance" if (object_id or "").startswith("payment") else "officer"
    kind = action.split(".", 1)[0]
    if kind not in NEEDS:
        raise ValueError(f"no role is set for the event {action!r}")
    return NEEDS[kind]


def process_account() -> str:
    """The operating-system account running this process, from its real user id (never
    from an environment variable, which anyone can set)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except ImportError:  # Windows: the account of the console session
        return os.getlogin()
    except KeyError:  # a user id with no account (a container's): named by its number
        return f"uid{os.getuid()}"


def login(text: str, what: str = "the login") -> str:
    """A login as the register holds it: letters, digits and . _ @ -, at most 64."""
    value = text.strip() if isinstance(text, str) else text
    if not isinstance(value, str) or not LOGIN.fullmatch(value):
        raise InvalidInput(
            f"{what} {text!r} is not a login: use letters, digits and . _ @ - (at most 64, "
            "starting with a letter or digit), such as b.approver"
        )
    return value


def email(text: str | None) -> str:
    """An e-mail address as the register keeps it ("" for none): one address, at most 254
    characters."""
    if text is None or text.strip() == "":
        return ""
    value = text.strip()
    if not EMAIL.fullmatch(value) or len(value) > 254:
        raise InvalidInput(
            f"{value!r} is not an email address: give one such as a.name@example.gov.uk"
        )
    return value


def roles(given: Iterable[str]) -> tuple[str, ...]:
    """Roles in the register's order, each once; refused if one is not a role."""
    named = set()
    for role in given:
        role = role.strip().lower()
        if role not in ROLES:
            raise InvalidInput(f"{role!r} is not a role: choose from {', '.join(ROLES)}")
        named.add(role)
    return tuple(r for r in ROLES if r in named)


@attrs.frozen
class Officer:
    """One officer as the register stood on a day: `since` is when this entry applies from."""

    login: str
    name: str
    roles: tuple[str, ...]
    limit: Decimal | None  # an approver's limit; None: no limit
    email: str
    registered_on: date
    since: date
    left_on: date | None = None
    left_reason: str = ""
    # The event that wrote this entry: an entry dated on a day applies to what is recorded
    # after it that day, not to what was already done (0: before any event).
    event: int = 0

    def holds(self, role: str) -> bool:
        return self.left_on is None and role in self.roles

    @property
    def limit_text(self) -> str:
        return "no limit" if self.limit is None else format_money(self.limit)


@attrs.frozen
class Delegation:
    """Cover: `delegate`, an approver, may approve up to `login`'s limit from `starts` to
    `ends`."""

    id: int
    login: str
    delegate: str
    starts: date
    ends: date
    reason: str
    recorded_at: str

    def covers(self, day: date) -> bool:
        return self.starts <= day <= self.ends


@attrs.frozen
class Actor:
    """Who acts: the account that really did it, the officer whose rights are checked (the
    same, unless an admin acts for another), and the channel it came through."""

    account: str
    officer: str
    channel: str = "cli"

    @property
    def said(self) -> str:
        """As the trail prints it: "root", or "root for b.approver"."""
        return said(self.officer, self.account, self.channel)


def said(
    officer: str, account: str | None, channel: str | None = None, cover_for: str | None = None
) -> str:
    """Who acted, in words: "root for b.approver" when an account acted for another, and
    "b.approver covering for c.head" when an absent approver's limit allowed it."""
    if channel in ("web", "link"):
        who = f"{officer} ({channel})"
    elif not account or account.casefold() == officer.casefold():
        who = officer
    else:
        who = f"{account} for {officer}"
    return f"{who} covering for {cover_for}" if cover_for else who


@attrs.frozen
class Authority:
    """What the register allowed: the role an action needed, the value it carried and the
    officer whose cover lent the authority (None: the officer's own)."""

    officer: str
    role: str
    on: date
    value: Decimal | None = None
    cover_for: str | None = None


class Register:
    """The register's history: every dated entry of every officer, and every cover."""

    def __init__(self, entries: Iterable[Officer], delegations: Iterable[Delegation] = ()):
        self.entries: dict[str, list[Officer]] = {}
        for entry in entries:  # oldest first
            self.entries.setdefault(entry.login.casefold(), []).append(entry)
        self.delegations = list(delegations)

    def history(self, login: str) -> Sequence[Officer]:
        return self.entries.get(login.casefold(), [])

    def as_of(self, login: str, day: date, before: int | None = None) -> Officer | None:
        """The officer as the register stood on `day`, or None if not yet registered; for
        what event `before` recorded, leaving out entries of that day written after it."""
        found = None
        for entry in self.history(login):
            if entry.since < day or (
                entry.since == day and (before is None or entry.event < before)
            ):
                found = entry
        return found

    def check(
        self,
        login: str,
        role: str,
        day: date,
        *,
        value: Decimal | None = None,
        what: str,
        before: int | None = None,
    ) -> Authority:
        """The authority `login` had for `role` on `day` (for an approval, of `value`), or
        the refusal: who is not registered, has left, lacks the role or the limit. `what`
        names the action in the refusal ("approving call-off 5"); `before`, for an event
        already recorded, is its number (see `as_of`)."""
        entry = self.as_of(login, day, before)
        if entry is None:
            later = self.history(login)
            when = f" on {day} (registered from {later[0].since})" if later else ""
            raise NotAuthorised(
                f"{login} is not a registered officer{when}: {what} needs an officer with "
                f"the {role} role",
                hint="an admin registers them with "
                f"`calloff officer add {login} --name TEXT --role {role} --on DATE`"
                if not later
                else f"date the action on or after {later[0].since}",
            )
        if entry.left_on is not None:
            raise NotAuthorised(
                f"{login} left on {entry.left_on} ({entry.left_reason}): their rights ended "
                f"that day, so {what} on {day} is not theirs to do"
            )
        if not entry.holds(role):
            raise NotAuthorised(
                f"{what} needs the {role} role, which {login} did not hold on {day}",
                hint=f"an admin grants it with `calloff officer edit {login} --add-role {role}"
                + (" --limit MONEY`" if role == "approver" else "`"),
            )
        if _within(entry.limit, value):
            return Authority(entry.login, role, day, value)
        # Cover lends an absent approver's limit to another approver, inside its window.
        lent = self.cover(login, day, before) if role == "approver" else []
        for absent in lent:
            if _within(absent.limit, value):
                return Authority(entry.login, role, day, value, absent.login)
        assert value is not None  # a limit fell short, so there was a value to weigh
        limits = [(entry.limit, "")] + [(o.limit, f", covering for {o.login}") for o in lent]
        best, how = max(limits, key=lambda pair: pair[0] or Decimal(0))
        ended = [
            d
            for d in self.delegations
            if d.delegate.casefold() == login.casefold() and d.ends < day
        ]
        if ended and not how:
            last = max(ended, key=lambda d: d.ends)
            how = f" (their cover for {last.login} ended on {last.ends})"
        raise NotAuthorised(
            f"{what} ({format_money(value)}) needs an approver's limit of at least "
            f"{format_money(value)}: {login}'s limit on {day} is "
            f"{format_money(best or Decimal(0))}{how}",
            hint="an approver with a higher limit must decide it (or lend theirs while away: "
            f"`calloff officer delegate LOGIN --to {login}`), or an admin raises the limit "
            f"with `calloff officer edit {login} --limit MONEY`",
        )

    def cover(self, delegate: str, day: date, before: int | None = None) -> list[Officer]:
        """The absent approvers whose limit `delegate` holds on `day`, by cover."""
        lent = []
        for d in self.delegations:
            if d.delegate.casefold() == delegate.casefold() and d.covers(day):
                absent = self.as_of(d.login, day, before)
                if absent is not None and absent.holds("approver"):
                    lent.append(absent)
        return lent


def _within(limit: Decimal | None, value: Decimal | None) -> bool:
    return value is None or limit is None or value <= limit
