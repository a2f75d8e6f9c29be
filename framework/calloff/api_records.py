"""The library's lists and records: what awaits approval or an answer, requests and
competitions with where each stands, what a call-off has cost, and the audit trail with
its check, as `Office` methods (see `calloff.api`). Kept apart so each capability stays
small."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from calloff.arguments import Day, Ref, _count, _day, _id, _ref, _text, _year, head_hash
from calloff.domain.dates import FinancialYear
from calloff.domain.listings import (
    REQUEST_STATUSES,
    Anchor,
    AuditCheck,
    AuditEvent,
    AwaitingApproval,
    BackupCopy,
    CompetitionStanding,
    Extension,
    PendingOffer,
    RequestStanding,
)
from calloff.domain.officers import NEEDS, login
from calloff.errors import DatabaseError, InvalidInput, NotAuthorised, Tampered

if TYPE_CHECKING:
    from calloff.actions.service import Service

# Every action the trail records, by kind, in the order a framework's life meets them.
AUDIT_ACTIONS = (
    "framework.init",
    "framework.ocid_prefix",
    "database.upgrade",
    "database.key",
    "officer.add",
    "officer.edit",
    "officer.password",
    "officer.delegate",
    "officer.leave",
    "provider.add",
    "provider.edit",
    "provider.unavailable",
    "provider.suspend",
    "provider.reinstate",
    "provider.withdraw",
    "ranking.set",
    "ranking.import",
    "prices.set",
    "ceiling.set",
    "funding.confirm",
    "term.extend",
    "request.add",
    "calloff.offer",
    "calloff.approve",
    "calloff.reject",
    "calloff.accept",
    "calloff.decline",
    "calloff.lapse",
    "calloff.vary",
    "calloff.complete",
    "calloff.cancel",
    "competition.open",
    "competition.bid",
    "competition.no_bid",
    "competition.award",
    "competition.cancel",
    "spend.add",
    "spend.pay",
    "publication.record",
)
AUDIT_KINDS = tuple(dict.fromkeys([*(a.split(".")[0] for a in AUDIT_ACTIONS), *NEEDS]))


class Records:
    """The officer's lists, and the proof that the record is whole."""

    @property
    def service(self) -> Service:  # pragma: no cover - provided by Office
        raise NotImplementedError

    def approvals(self) -> list[AwaitingApproval]:
        """Call-offs at or over the approval threshold waiting for a second officer
        (`calloff approvals`), oldest first."""
        return self.service.lists.approvals()

    def offers(self, *, on: Day | None = None, limit: int | None = None) -> list[PendingOffer]:
        """Offers waiting for the provider's answer (`calloff offers`), soonest respond-by
        first (the first `limit`); those past their respond-by day on `on` (default today)
        say by how many working days."""
        return self.service.lists.offers(
            _day(on), None if limit is None else _count(limit, "limit", 1, 10_000)
        )

    def count_offers(self) -> int:
        """How many offers wait for the provider's answer."""
        return self.service.store.listings.count_pending_offers()

    def requests(
        self,
        *,
        lot: int | None = None,
        status: str | None = None,
        year: FinancialYear | str | None = None,
        request: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[RequestStanding]:
        """Every request with where it stands (`calloff request list`), by id: or those on
        `lot`, with `status` (new, offered, awaiting_approval, accepted, in_competition,
        unallocated, completed, cancelled...), starting in financial `year`, or the one
        `request`; `limit` of them from `offset`, a page at a time."""
        return self.service.lists.requests(
            None if lot is None else _id(lot, "lot"),
            _status(status),
            _year(year),
            None if request is None else _id(request, "request"),
            None if limit is None else _count(limit, "limit", 1, 10_000),
            _count(offset, "offset", 0, 10**9) or 0,
        )

    def count_requests(
        self,
        *,
        lot: int | None = None,
        status: str | None = None,
        year: FinancialYear | str | None = None,
    ) -> int:
        """How many requests `requests()` lists with these filters."""
        return self.service.lists.count_requests(
            None if lot is None else _id(lot, "lot"),
            _status(status),
            _year(year),
        )

    def competitions(self, *, on: Day | None = None) -> list[CompetitionStanding]:
        """Every competition with where it stands on `on`, default today (`calloff
        competition list`)."""
        return self.service.lists.competitions(_day(on))

    def extensions(self) -> list[Extension]:
        """The term's extension options taken up, in order (`calloff term --json`)."""
        return self.service.lists.extensions()

    def spent(self, calloff: int) -> Decimal:
        """What a call-off's invoice lines add up to, ex-VAT."""
        return self.service.lists.spent(_id(calloff, "calloff"))

    def audit(
        self,
        *,
        calloff: int | None = None,
        provider: Ref | None = None,
        since: Day | None = None,
        until: Day | None = None,
        officer: str | None = None,
        action: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[AuditEvent]:
        """The audit trail (`calloff audit`), oldest first (or `newest_first`): every
        event, or those of one call-off (with the competition that made it), one provider
        (with its call-offs and bids), effective from `since` to `until`, for or by one
        `officer` (or covering for them), of one `action` (`calloff.accept`) or kind of
        action (`calloff`); `limit` of them from `offset`, a page at a time."""
        provider_id = None if provider is None else self.service.provider(_ref(provider)).id
        first = None if since is None else _day(since, "since")
        last = None if until is None else _day(until, "until")
        if first and last and last < first:
            raise InvalidInput(
                f"the trail cannot run from {first} until {last}: the last day (until) "
                "comes before the first (since)"
            )
        return self.service.lists.audit(
            None if calloff is None else _id(calloff, "calloff"),
            provider_id,
            first,
            date.today(),
            officer=None if officer is None else login(_text(officer, "officer"), "officer"),
            action=None if action is None else _action(action),
            until=last,
            limit=None if limit is None else _count(limit, "limit", 1, 10_000),
            offset=_count(offset, "offset", 0, 10**9) or 0,
            newest_first=bool(newest_first),
        )

    def audit_actions(self) -> tuple[str, ...]:
        """The actions the trail records, by kind (`calloff.accept`...): what to choose
        from when narrowing `audit(action=…)`, which also takes a kind (`calloff`)."""
        return AUDIT_ACTIONS

    def verify_audit(
        self, *, expect: str | None = None, progress: Callable[[int], None] | None = None
    ) -> AuditCheck:
        """Check the audit trail's chain and the records against it (`calloff audit
        verify`). `expect` is a head hash written down earlier (all 64 hex digits, or at
        least the first 16, naming one event only): the chain must still pass through it,
        and each event from it to now is checked. `progress` is called with the rows read
        so far, out of `audit_size()`. `key` in the result is the fingerprint of the audit
        key the trail is sealed with (None: keyless)."""
        expected = None if expect is None else head_hash(_text(expect, "expect"))
        return self.service.lists.verify(expected, progress)

    def audit_anchor(self) -> Anchor:
        """Verify the trail, then say where it stands (`calloff audit anchor`): the
        framework, the newest event, when it was recorded, the head hash and the audit
        key's fingerprint, for the board's minutes or the auditor. Refused if the trail
        does not verify: an anchor vouches only for a whole trail."""
        check = self.service.lists.verify(None)
        if check.problem:
            raise Tampered(
                f"the audit trail does not verify, so there is nothing to anchor: {check.problem}",
                hint="run `calloff audit verify`, and restore from a backup",
            )
        fw = self.service.framework()
        head = self.service.store.trail.head() or {}
        return Anchor(
            framework=fw.id,
            name=fw.name,
            buyer=fw.buyer,
            event=int(head.get("event") or 0),
            recorded_at=head.get("recorded_at"),
            head=str(head.get("hash") or ""),
            key=check.key,
        )

    def backup(self, path: str | Path, *, force: bool = False) -> BackupCopy:
        """A whole copy of the database at `path`, consistent while others work (SQLite's
        backup API: the newest commits in the write-ahead log included), readable by its
        owner only, then checked as `verify_audit()` checks the database (`ok`, `head`).
        Never over the database itself, nor over a file that exists unless `force`. For
        admins and auditors. Back up this way, never by copying the file alone."""
        from calloff.documents import output_files
        from calloff.store.backup import copy_into, single_file
        from calloff.store.database import Store

        entry = self.service.gate.today()
        if (
            entry is None
            or entry.left_on is not None
            or not {"admin", "auditor"} & set(entry.roles)
        ):
            raise NotAuthorised(
                f"a backup copies every record, password hashes included: it is for admins "
                f"and auditors, and {self.service.officer} holds neither role"
            )
        store = self.service.store
        sealed_with, held = store.trail.seal.sealed_with(), store.trail.seal.key
        if sealed_with and (held is None or held.fingerprint != sealed_with):
            raise DatabaseError(
                f"this database is sealed with audit key {sealed_with}: its backup is checked "
                "with that key, so calloff needs it",
                hint="name the key's file in CALLOFF_AUDIT_KEY_FILE",
            )
        target = Path(_text(str(path), "path"))
        output_files.check(target, output_files.database_files(store.path))
        try:
            fd, name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".partial", dir=target.parent or "."
            )
        except OSError as e:
            raise InvalidInput(f"cannot write {target}: {e.strerror}") from None
        os.close(fd)
        tmp = Path(name)
        try:
            copy_into(store, tmp)
            copy = Store.open(tmp)
            try:
                verdict, key = copy.trail.verify(), copy.trail.seal.sealed_with()
            finally:
                copy.close()
            single_file(tmp)
            os.chmod(tmp, 0o600)
            output_files.place(tmp, target, force)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return BackupCopy(
            path=str(target),
            bytes=target.stat().st_size,
            events=verdict.events,
            head=verdict.head,
            key=key,
            problem=verdict.problem,
        )

    def use_audit_key(self) -> str:
        """Seal a database kept without an audit key with the key configured
        (CALLOFF_AUDIT_KEY_FILE) from now on (`calloff audit use-key`); its fingerprint. For
        admins; the trail must verify whole first, as the key then vouches for it. The
        event `database.key` records it. Until then a keyless database is not written by a
        process that holds a key: a trail stripped of its keyed seals cannot pass unseen."""
        entry = self.service.gate.today()
        if entry is None or entry.left_on is not None or "admin" not in entry.roles:
            raise NotAuthorised(
                f"sealing the database with the audit key is for admins: "
                f"{self.service.officer} is not one"
            )
        seal = self.service.store.trail.seal
        key = seal.key
        if key is None:
            raise InvalidInput(
                "no audit key is configured for this process to seal the database with",
                hint="name its file in CALLOFF_AUDIT_KEY_FILE (make one with `calloff audit "
                "new-key FILE`)",
            )
        if seal.sealed_with():
            raise InvalidInput(
                f"this database is already sealed with audit key {seal.sealed_with()}"
            )
        check = self.service.lists.verify(None)
        if check.problem:
            raise Tampered(
                f"the audit trail does not verify, so the key cannot vouch for it: {check.problem}",
                hint="run `calloff audit verify`, and restore from a backup",
            )
        seal.taking_key = True
        try:
            with self.service.store.transaction() as s:
                s.trail.record(
                    self.service.officer,
                    None,
                    "database.key",
                    "database",
                    self.service.store.path.name,
                    None,
                    {"key": key.fingerprint},
                    None,
                )
        finally:
            seal.taking_key = False
        return key.fingerprint

    @property
    def last_event(self) -> int:
        """The number of the newest event in the trail (0 for none): whatever is recorded
        changes it, so a figure read at one number holds while it stays the same."""
        return self.service.store.trail.next_event_id() - 1

    def audit_size(self) -> int:
        """How many rows `verify_audit()` reads: the length of a progress bar."""
        return self.service.lists.audit_size()


def _action(action: str) -> str:
    """An action as the trail names it (`calloff.accept`), or a kind of action (`calloff`)."""
    text = _text(action, "action").strip()
    kind = text.split(".", 1)[0]
    if kind not in AUDIT_KINDS or not re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", text):
        raise InvalidInput(
            f"action {action!r} is not one the audit trail records: give one such as "
            f"calloff.accept, or a kind: {', '.join(AUDIT_KINDS)}"
        )
    return text


def _status(status: str | None) -> str | None:
    if status is None:
        return None
    if status not in REQUEST_STATUSES:
        raise InvalidInput(
            f"status {status!r} is not one a request has: choose from "
            + ", ".join(REQUEST_STATUSES)
        )
    return status
