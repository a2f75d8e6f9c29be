"""The library's register of officers: who may do what, up to what value, and cover while
someone is away, as `Office` methods (see `calloff.api`). Changing it needs the admin
role; reading it, any registered officer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from calloff.arguments import Day, Money, _count, _day, _money, _text
from calloff.domain.officers import Delegation, Officer
from calloff.errors import InvalidInput

if TYPE_CHECKING:
    from calloff.actions.budget import CapSet
    from calloff.actions.service import Service


def _roles(roles: Sequence[str] | None, what: str) -> list[str]:
    if roles is None:
        return []
    if isinstance(roles, str) or not isinstance(roles, Sequence):
        raise InvalidInput(f"{what} must be a list of roles, such as ['officer', 'approver']")
    return [_text(r, what) for r in roles]


class Officers:
    """The register: officers with their roles, limits and cover."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    def officers(self, *, limit: int | None = None, offset: int = 0) -> list[Officer]:
        """Every officer as the register stands today (those who left too), by login; or
        one page of them, `limit` from `offset` (`count_officers()` says how many)."""
        size = _count(limit, "limit", 1, 10_000)
        start = _count(offset, "offset", 0, 2**62)
        return self.service.registrar.officers(size, start or 0)

    def count_officers(self) -> int:
        """How many officers the register holds, those who left included: for paging."""
        return self.service.registrar.count()

    def officer_entry(self, login: str) -> Officer:
        """One officer as the register stands today."""
        return self.service.registrar.entry(_text(login, "login"))

    def officer_history(self, login: str) -> list[Officer]:
        """Every dated entry the register holds for an officer, oldest first."""
        entry = self.officer_entry(login)
        return list(self.service.registrar.register().history(entry.login))

    def add_officer(
        self,
        login: str,
        *,
        name: str,
        roles: Sequence[str],
        limit: Money | None = None,
        email: str | None = None,
        on: Day | None = None,
    ) -> Officer:
        """Register an officer from `on`: roles from officer, approver, finance, auditor,
        admin; `limit` is the most an approver may approve (None: no limit)."""
        given = _roles(roles, "roles")
        if not given:
            raise InvalidInput(
                "give at least one role: officer, approver, finance, auditor or admin",
                command="give at least one --role: officer, approver, finance, auditor or admin",
            )
        return self.service.registrar.add(
            _text(login, "login"),
            _text(name, "name"),
            given,
            _money(limit, "limit"),
            None if email is None else _text(email, "email"),
            _day(on),
        )

    def edit_officer(
        self,
        login: str,
        *,
        name: str | None = None,
        add_roles: Sequence[str] | None = None,
        remove_roles: Sequence[str] | None = None,
        limit: Money | None = None,
        no_limit: bool = False,
        email: str | None = None,
        on: Day | None = None,
    ) -> Officer:
        """Change an officer from `on` (default today); what is left out stays as it was.
        `no_limit=True` lets an approver approve any value. Refused if it would take away
        authority already used after `on`."""
        if no_limit and limit is not None:
            raise InvalidInput(
                "give limit= or no_limit=True, not both",
                command="give --limit or --no-limit, not both",
            )
        return self.service.registrar.edit(
            _text(login, "login"),
            _day(on),
            name=None if name is None else _text(name, "name"),
            add=_roles(add_roles, "add_roles"),
            remove=_roles(remove_roles, "remove_roles"),
            limit=_money(limit, "limit"),
            no_limit=no_limit is True,
            email=None if email is None else _text(email, "email"),
        )

    def officer_leaves(self, login: str, *, reason: str, on: Day | None = None) -> Officer:
        """The officer's rights end from `on`; their history stays and their login is never
        given to anyone else."""
        return self.service.registrar.leave(
            _text(login, "login"), _text(reason, "reason"), _day(on)
        )

    def delegate(
        self, login: str, *, to: str, starts: Day, ends: Day, reason: str | None = None
    ) -> Delegation:
        """Cover while `login` is away: from `starts` to `ends` (the window may lie in the
        future) `to` approves with `login`'s authority and limit."""
        return self.service.registrar.delegate(
            _text(login, "login"),
            _text(to, "to"),
            _day(starts, "starts"),
            _day(ends, "ends"),
            None if reason is None else _text(reason, "reason"),
        )

    def officer_document(self, login: str) -> dict[str, Any]:
        """One officer with every dated entry and the cover they gave or hold: the
        document `calloff officer show --json` prints."""
        from calloff.documents.register import officer_detail

        entry = self.officer_entry(login)
        return officer_detail(entry, self.officer_history(login), self.delegations())

    def delegations(self) -> list[Delegation]:
        """Every cover recorded, by its first day."""
        return self.service.registrar.delegations()

    def cap_history(self) -> list[CapSet]:
        """Every funding stream's cap for each financial year, with the day each applies
        from, when it was recorded and by whom, by stream, year and day: the budget's
        history, as `set_ceiling()` and the definition wrote it."""
        return self.service.budget.caps()
