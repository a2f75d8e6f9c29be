"""The library's front door: what a commissioning officer does, callable from Python.

`calloff.create()` and `calloff.open()` give an `Office`, one officer at one framework
database. Every action takes keyword arguments and returns the model's records
(`Provider`, `Request`, `CallOff`, `Position`...); a refusal raises a `CalloffError`,
said in these keywords (`for_command()` is the `calloff` command's line), and writes nothing.

Money is `Decimal` (or a string such as "12500.00"; never a float, which cannot hold
pence exactly). Dates are `datetime.date` (or ISO text, "2015-06-01"). Every `on=` is
the effective date of the action and defaults to today, as `--on` does.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from calloff.actions.officers import acting
from calloff.actions.service import Lapse, Outcome, Service
from calloff.api_competition import Competing
from calloff.api_notify import Notifying
from calloff.api_notify import mail_settings as mail_settings
from calloff.api_officers import Officers
from calloff.api_publishing import Publishing
from calloff.api_records import Records
from calloff.api_setup import Setting
from calloff.api_sign_in import SigningIn, role_needed, role_work
from calloff.api_spending import Spending
from calloff.arguments import (
    Day,
    Money,
    _count,
    _day,
    _id,
    _money,
    _path,
    _text,
    officer_name,
)
from calloff.domain import definition, officers
from calloff.domain.listings import REQUEST_STATUSES
from calloff.domain.model import CallOff, Framework, PassOver, Request
from calloff.domain.officers import Actor
from calloff.errors import CalloffError, InvalidInput, NotAuthorised
from calloff.store.database import Store

__all__ = [
    "REQUEST_STATUSES",
    "Office",
    "create",
    "embedded_frameworks",
    "fault_message",
    "new_audit_key",
    "open",
    "role_needed",
    "role_work",
    "run_demo",
]


def create(
    path: str | Path,
    *,
    framework: str | None = None,
    definition_file: str | Path | None = None,
    officer: str | None = None,
    channel: str = "library",
) -> Office:
    """A new database for an embedded framework (`leeds-rp-2015`, the default;
    `nottingham-rp-2023`; `borsetshire-rp-2026`: see `embedded_frameworks()`) or for the one
    a definition file describes; refused if the file exists already. The account running
    the process is its first officer, with every role: it registers the others."""
    if framework is not None and definition_file is not None:
        raise InvalidInput("give framework= or definition_file=, not both")
    if definition_file is not None:
        fw = definition.load(_path(definition_file, "definition_file"))
    else:
        fw = definition.embedded(_text(framework or "leeds-rp-2015", "framework"))
    account = _account()
    if officer is not None and _officer(officer).casefold() != account.casefold():
        raise NotAuthorised(
            f"a new database has one officer, {account} (the account creating it): create "
            f"it as yourself, then register {_officer(officer)}",
            command=f"a new database has one officer, {account} (the account creating it): "
            f"create it without --officer, then register {_officer(officer)} with "
            "`calloff officer add`",
        )
    actor = Actor(account, account, _channel(channel))
    return Office(Store.create(_path(path), fw, actor), actor)


def open(path: str | Path, *, officer: str | None = None, channel: str = "library") -> Office:
    """An existing database, as the account running the process, or (an admin's account
    only) for `officer`, whose rights are then the ones checked; both are recorded. A server
    that signs officers in passes `officer=` and `channel="web"` (docs/library.md). One
    written by an older calloff is upgraded in place, with a backup beside it, as the
    command does; `Office.upgraded` then says so."""
    store = Store.open(_path(path))
    try:
        actor = acting(
            store, None if officer is None else _officer(officer), _channel(channel), _account()
        )
    except BaseException:
        store.close()
        raise
    return Office(store, actor)


def new_audit_key(path: str | Path) -> str:
    """Write a new random audit key to `path` (made 0600; never over an existing file) and
    return its fingerprint. Name the file in CALLOFF_AUDIT_KEY_FILE: from the next write
    on, each write's seal carries an HMAC only the key's holder can make (docs/audit.md)."""
    from calloff.store.seal_key import new_key_file

    return new_key_file(_path(path)).fingerprint


def embedded_frameworks() -> list[str]:
    """The frameworks built in, by name: `create(framework=...)` takes any of them."""
    return list(definition.EMBEDDED)


def fault_message(error: BaseException, database: str | Path) -> CalloffError | None:
    """A fault of the disk, the lock or the file system (a SQLite error) as one sentence
    naming the file and the fix; None for anything else, which is a genuine bug."""
    from calloff.store.faults import explain

    return explain(error, database)


def run_demo(
    directory: str | Path,
    *,
    program: str = "calloff",
    commands: list[tuple[list[str], bool]] | None = None,
) -> str:
    """The worked example behind `calloff demo`: a database, its documents and a report in
    `directory`; returns the summary. The competition's command lines, for the command to
    run, are added to `commands`."""
    from calloff.demo.leeds import run_demo as demo

    return demo(Path(_path(directory, "directory")), program=program, commands=commands)


def _folder(templates: str | Path | None) -> str | Path | None:
    return None if templates is None else _path(templates, "templates")


def _officer(officer: str) -> str:
    return officer_name(_text(officer, "officer"))


def _account() -> str:
    return officers.process_account()


def _channel(channel: str) -> str:
    return _text(channel, "channel")


# The actions `Office.rehearse` takes: those that record something in the database and
# nothing outside it (not imports, which read files, nor passwords, which take a hash).
REHEARSABLE = frozenset(
    {
        "add_request",
        "allocate",
        "decline",
        "accept",
        "approve",
        "reject",
        "vary",
        "complete",
        "cancel",
        "add_spend",
        "pay",
        "add_provider",
        "edit_provider",
        "suspend",
        "reinstate",
        "withdraw",
        "mark_unavailable",
        "set_ranking",
        "set_rates",
        "set_ceiling",
        "confirm_funding",
        "extend_term",
        "set_ocid_prefix",
        "add_officer",
        "edit_officer",
        "officer_leaves",
        "delegate",
        "published",
        "open_competition",
        "bid",
        "no_bid",
        "award",
        "cancel_competition",
    }
)


class Office(Setting, Publishing, Competing, Spending, Records, Officers, SigningIn, Notifying):
    """One officer's desk at one framework database. Use it as a context manager, or call
    `close()`, so the database file is released."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor  # who acts: the account, for which officer, through which channel
        self.officer = actor.officer
        store.trail.actor = actor
        self._service: Service | None = Service(store, actor.officer)
        # (schema it was, backup written) when opening upgraded an older database
        self.upgraded: tuple[int, Path] | None = store.upgraded

    def __repr__(self) -> str:
        state = "closed" if self._service is None else "open"
        return f"<calloff.Office {self.store.path} as {self.actor.said!r}, {state}>"

    def __enter__(self) -> Office:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def check_acting(self) -> None:
        """Refuse, as opening would, once the register no longer lets this account act as
        this officer (a server's account that is no longer an admin; an officer who left):
        a long-lived office asks before each request."""
        a = self.actor
        acting(
            self.service.store,
            a.officer if a.channel in ("web", "link") else None,
            a.channel,
            a.account,
        )

    def rehearse(self, action: str, /, *args: Any, **kwargs: Any) -> Any:
        """Do `action` (the name of a method here that records something, such as
        "add_spend") with these arguments, and undo it: its result as it would be, or its
        refusal, with nothing written. What a check-your-answers page asks before the
        officer confirms. It takes the database's write lock for the moment it runs."""
        if action not in REHEARSABLE:
            raise InvalidInput(
                f"{action!r} is not an action that can be rehearsed: choose from "
                + ", ".join(sorted(REHEARSABLE))
            )
        from calloff.actions.rehearsal import rehearse

        return rehearse(self.store, lambda: getattr(self, action)(*args, **kwargs))

    def close(self) -> None:
        if self._service is not None:
            self._service = None
            self.store.close()

    @property
    def service(self) -> Service:
        """The service underneath, for what this front door does not cover."""
        if self._service is None:
            raise InvalidInput("this Office is closed: open the database again (calloff.open)")
        return self._service

    # -- the framework -------------------------------------------------------------------

    @property
    def framework(self) -> Framework:
        """The framework as it stands: lots, term (with extensions taken), streams."""
        return self.service.framework()

    # -- requests, the cascade, answers ---------------------------------------------------

    def add_request(
        self,
        *,
        lot: int,
        title: str,
        start: Day,
        end: Day | None = None,
        value: Money | None = None,
        quantity: int | None = None,
        unit: str | None = None,
        funding: str | None = None,
        attendees: int | None = None,
        on: Day | None = None,
    ) -> Request:
        """A training request: a fixed `value`, or a `quantity` of a `unit` (day, session,
        place) priced at the offered provider's tendered rate."""
        rid = self.service.add_request(
            _id(lot, "lot"),
            _text(title, "title"),
            _day(start, "start"),
            None if end is None else _day(end, "end"),
            _money(value, "value"),
            _count(quantity, "quantity", 1, 1_000_000),
            None if unit is None else _text(unit, "unit"),
            None if funding is None else _text(funding, "funding"),
            _count(attendees, "attendees", 0, 10_000_000),
            _day(on),
        )
        return self.service.store.request(rid)

    def request(self, request: int) -> Request:
        """One request as it was recorded; refused for one that does not exist."""
        return self.service.store.request(_id(request, "request"))

    def allocate(self, request: int, *, on: Day | None = None) -> Outcome:
        """Offer the request to the best-ranked eligible provider; refused (writing
        nothing) when no provider is eligible or the ceiling would break."""
        return self.service.allocate(_id(request, "request"), _day(on))

    def decline(self, calloff: int, *, reason: str, on: Day | None = None) -> Outcome:
        """The provider declined: record it and offer the request to the next rank. The
        outcome is `unallocated` (its `refused` saying why) if no one else can take it."""
        return self.service.decline(_id(calloff, "calloff"), _text(reason, "reason"), _day(on))

    def accept(self, calloff: int, *, on: Day | None = None, po: str | None = None) -> CallOff:
        """The provider accepted; `po` is the council's purchase order number, where one
        was raised already (`record_po` records it later)."""
        return self.service.accept(
            _id(calloff, "calloff"), _day(on), po=None if po is None else _text(po, "po")
        )

    def approve(
        self, calloff: int, *, on: Day | None = None, decision: str | None = None
    ) -> CallOff:
        """A second officer approves a call-off at or over the approval threshold, within
        their limit (or the limit of an approver they cover for); `decision` is the
        decision's reference, needed over the framework's key-decision value."""
        return self.service.approve(
            _id(calloff, "calloff"),
            _day(on),
            None if decision is None else _text(decision, "decision"),
        )

    def reject(self, calloff: int, *, reason: str, on: Day | None = None) -> CallOff:
        return self.service.reject(_id(calloff, "calloff"), _text(reason, "reason"), _day(on))

    def lapse(self, *, on: Day | None = None) -> list[Lapse]:
        """Every offer unanswered past its respond-by day counts as declined."""
        return self.service.lapse(_day(on))

    def calloff(self, calloff: int) -> CallOff:
        return self.service.calloff(_id(calloff, "calloff"))

    def history(self, request: int) -> list[tuple[CallOff, list[PassOver]]]:
        """Every offer made for a request, in order, with who was passed over before each;
        refused for a request that does not exist."""
        number = _id(request, "request")
        self.service.store.request(number)
        return self.service.history(number)

    def show(self, calloff: int) -> dict[str, Any]:
        """Everything about one call-off: the document `calloff show --json` prints."""
        from calloff.documents.orders import calloff_view

        return calloff_view(self.service, _id(calloff, "calloff"))

    def order(
        self, calloff: int, *, format: str = "md", templates: str | Path | None = None
    ) -> str:
        """The call-off order for the provider, as Markdown or HTML (`format="html"`);
        `templates` is a folder of the council's own templates, tried first."""
        from calloff.documents.orders import render_order

        return render_order(
            self.service, _id(calloff, "calloff"), _text(format, "format"), _folder(templates)
        )

    def documents(self, calloff: int) -> list[str]:
        """Which documents a call-off has: `record` always, `order` once it is authorised
        and not declined, lapsed or rejected."""
        from calloff.documents.orders import documents_for

        return documents_for(self.calloff(calloff))

    def record(
        self, calloff: int, *, format: str = "md", templates: str | Path | None = None
    ) -> str:
        """The award record for the council's file, as Markdown or HTML."""
        from calloff.documents.orders import render_record

        return render_record(
            self.service, _id(calloff, "calloff"), _text(format, "format"), _folder(templates)
        )

    def calloff_document(self, calloff: CallOff) -> dict[str, Any]:
        """A call-off as the command's JSON gives it: with its provider's name and, for an
        offer past its respond-by day, how late it is and the command that lapses it."""
        from calloff.documents import json_shapes
        from calloff.documents.orders import overdue

        name = self.service.provider(calloff.provider_id).name
        return json_shapes.calloff(calloff, name, **overdue(self.service, calloff))
