"""What the officer's lists show, one frozen record a line: call-offs awaiting approval or
an answer, requests and competitions with where each stands, the audit trail and its
check. The store reads them; `documents/json_shapes.py` gives each its JSON."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs


@attrs.frozen
class ListedCallOff:
    """A call-off in a list: to whom, on which lot, at what rank and value."""

    calloff: int
    request: int
    lot: int
    provider: int
    name: str
    rank: int
    value: Decimal


@attrs.frozen
class AwaitingApproval(ListedCallOff):
    """A call-off at or over the approval threshold (alone, or with the same officer's
    call-offs it counts with: `calloff.domain.splitting`), waiting for a second officer."""

    funding: str
    raised_by: str
    raised_on: date
    approval_reason: str | None = None  # why, as its allocation's event records it


@attrs.frozen
class PendingOffer(ListedCallOff):
    """An offer waiting for the provider's answer; an overdue one says by how many working
    days and which command lapses it."""

    raised_on: date
    offered_on: date | None
    respond_by: date | None
    overdue_working_days: int | None
    lapse_command: str | None


# Where a request can stand, in the order it gets there.
REQUEST_STATUSES = (
    "new",
    "in_competition",
    "awaiting_approval",
    "offered",
    "accepted",
    "unallocated",
    "completed",
    "cancelled",
)


@attrs.frozen
class RequestStanding:
    """A request and where it stands: `new`, `in_competition`, `unallocated`, or its latest
    call-off's status."""

    id: int
    lot: int
    title: str
    start: date
    end: date | None
    funding: str | None
    status: str
    calloff: int | None
    competition: int | None


@attrs.frozen
class CompetitionStanding:
    """A competition in a list: `open` until its closing day, then `closed`, or
    `awarded` or `cancelled`."""

    competition: int
    request: int
    lot: int
    title: str
    status: str
    opened_on: date
    closes_on: date
    invited: int
    bids: int
    calloff: int | None


@attrs.frozen
class AuditEvent:
    """One event of the audit trail, as recorded; a bid's price and scores stay sealed
    (None, with `sealed` in `after`) until its competition's closing day."""

    id: int
    recorded_at: str
    effective_on: date | None
    officer: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    reason: str | None
    hash: str
    # Since schema 9: the account that acted (for `officer`, if another) and its channel;
    # whether `officer` is in the register of officers (historic names are not).
    account: str | None = None
    channel: str | None = None
    registered: bool = True
    cover_for: str | None = None  # the absent approver whose limit allowed it

    @property
    def acted(self) -> str:
        """Who acted, as the trail prints it: "root for b.approver", "a.n.other (not
        registered)"."""
        from calloff.domain.officers import said

        text = said(self.officer, self.account, self.channel, self.cover_for)
        return text if self.registered else f"{text} (not registered)"


@attrs.frozen
class AuditCheck:
    """What `audit verify` found: the chain whole (`ok`) or the first problem, and, where a
    head hash written down earlier was given, the event it names (None if it is not in
    this trail)."""

    ok: bool
    events: int
    head: str | None
    problem: str | None
    event: int | None
    expected: str | None = None
    expected_event: int | None = None
    key: str | None = None  # the fingerprint of the audit key the trail is sealed with


@attrs.frozen
class Anchor:
    """A short statement of where the verified trail stood, to keep outside the database
    (board minutes, a letter to the auditor): `calloff audit verify --expect HEAD` later
    proves the trail still passes through it."""

    framework: str
    name: str
    buyer: str
    event: int
    recorded_at: str | None
    head: str
    key: str | None  # the fingerprint of the audit key the trail is sealed with

    @property
    def statement(self) -> str:
        sealed = (
            f"sealed with audit key {self.key}"
            if self.key
            else "sealed without an audit key (its recipe is public)"
        )
        return (
            f"{self.buyer}: {self.name} ({self.framework}). The audit trail was verified "
            f"whole at event {self.event}, recorded {self.recorded_at}, {sealed}. "
            f"Head: {self.head}."
        )


@attrs.frozen
class BackupCopy:
    """A backup written by `Office.backup`: where, how big, and what checking it found."""

    path: str
    bytes: int
    events: int
    head: str | None
    key: str | None  # the audit key the copy is sealed with (None: keyless)
    problem: str | None  # None: the copy's audit trail is whole

    @property
    def ok(self) -> bool:
        return self.problem is None


@attrs.frozen
class Extension:
    """An extension option taken up: from when, recorded when and by whom."""

    on: date
    recorded_at: str
    officer: str


@attrs.frozen
class SignIn:
    """One entry of the sign-in record: an attempt (signed in, failed, locked out, refused
    while locked), a sign-out or an idle time-out, and the address it came from."""

    at: datetime  # UTC, to the second
    login: str
    address: str
    method: str  # password, oidc or proxy
    outcome: str


@attrs.frozen
class Message:
    """One message in the outbox: who it is for (`recipient`: "provider 3", "officer
    a.approver" or "publishing contact"), about what, and how its sending went. `address`
    None: nobody recorded one, so it is undeliverable (listed, never dropped)."""

    id: int
    kind: str
    about: str
    recipient: str
    name: str
    address: str | None
    subject: str
    status: str  # pending, sent, failed, undeliverable
    attempts: int
    created_at: str
    sent_at: str | None
    next_try_at: str | None
    last_error: str | None
    message_id: str
    payload: dict[str, Any] = attrs.field(eq=False, repr=False)
    event_id: int | None = None
    link_token: str | None = attrs.field(default=None, repr=False)
