"""Every refusal `calloff` can give, by name.

Each message is one line that says what is wrong and how to put it right. A refusal
speaks to two audiences: its message is in the library's terms (`end=2015-06-01 is
before start=2015-06-10`), and where the command says it in its own (`--end ... is before
--start ...: swap them`, "see `calloff request list`") that travels with it, for the
command to print (`for_command`) and exit 1.
"""

from __future__ import annotations

from typing import Any


class CalloffError(Exception):
    """Base class: a refusal the officer can act on.

    `command` is the same refusal in the command's words, where they differ (its options
    rather than the library's arguments); `hint` is the command a user can run next."""

    def __init__(self, *args: Any, hint: str | None = None, command: str | None = None):
        super().__init__(*args)
        self.hint = hint
        self.command = command

    exit_code = 1  # the command's exit status for this refusal

    def for_command(self) -> str:
        """The one line the `calloff` command prints after `Error:`."""
        text = str(self) if self.command is None else self.command
        return f"{text}: {self.hint}" if self.hint else text


class InvalidInput(CalloffError):
    """A value given by the officer cannot be read (money, date, year, unit, ...)."""


class MappingError(InvalidInput):
    """A spend file's mapping names a field calloff does not know, or a heading the file
    lacks: the command's usage, so it exits 2."""

    exit_code = 2


class NotFound(CalloffError):
    """An id, lot or name refers to nothing in this database."""


class DatabaseError(CalloffError):
    """The database is missing, already exists, or was written by a newer calloff."""


class DatabaseBusy(DatabaseError):
    """Another command held the database for longer than calloff waits."""


class Tampered(DatabaseError):
    """The file no longer matches its seal in a way a write would hide: writes stop."""


class DefinitionError(CalloffError):
    """A framework definition file is malformed."""


class RankingError(CalloffError):
    """A ranking has ties, gaps or unknown providers."""


class ImportRejected(CalloffError):
    """A CSV file had bad rows; nothing was imported. `problems` lists the first
    `SHOWN` of them by line, in the library's terms, and `command_problems` the same rows
    in the command's words; `total` counts them all. A problem is given as text, or as
    the refusal the row met."""

    SHOWN = 50

    def __init__(self, path: str, problems: list[tuple[int, str | CalloffError]]):
        worded = sorted(
            (line, p.for_command() if isinstance(p, CalloffError) else p, str(p))
            for line, p in problems
        )[: self.SHOWN]
        self.path = path
        self.total = len(problems)
        self.problems = [(line, plain) for line, _, plain in worded]
        self.command_problems = [(line, said) for line, said, _ in worded]
        super().__init__(
            f"{path}: {self.total:,} bad row(s), nothing imported: correct the rows listed "
            "above and import the whole file again"
        )

    @property
    def more(self) -> str | None:
        """The line that stands for the bad rows not listed, if any."""
        hidden = self.total - len(self.problems)
        return f"{self.path}: … and {hidden:,} more bad rows" if hidden > 0 else None


class NotAuthorised(CalloffError):
    """The register of officers does not allow the action: the officer is not registered,
    has left, lacks the role, or an approval is over their limit; nothing was written."""


class RuleBroken(CalloffError):
    """A framework rule refuses the action; nothing was written."""


class OutsideTerm(RuleBroken):
    """The effective date is not inside the framework's term as extended so far."""


class NoCeiling(RuleBroken):
    """The financial year (or the stream in that year) has no ceiling set."""


class FundingPending(RuleBroken):
    """The funding stream has not been confirmed."""


class OutsideGrantWindow(RuleBroken):
    """The call-off's dates fall outside the grant's spend window."""


class CeilingExceeded(RuleBroken):
    """The commitment would take headroom below zero."""


class ValueExceeded(RuleBroken):
    """Spend would take a call-off past its value."""


class NoEligibleProvider(RuleBroken):
    """Every provider on the lot was passed over; `passed_over` says why, rank by rank."""

    def __init__(self, message: str, passed_over: tuple = (), **words: str | None):
        super().__init__(message, **words)
        self.passed_over = passed_over


class WrongStatus(RuleBroken):
    """The call-off is not in a status that allows this action."""
