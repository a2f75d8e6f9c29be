"""When an unanswered offer lapses, and the command that lapses it (`calloff lapse`)."""

from __future__ import annotations

from datetime import date

from calloff.domain.dates import add_working_days
from calloff.domain.model import Term


def lapse_command(
    respond_by: date, today: date, term: Term, holidays: str = "england-and-wales"
) -> str:
    """The command that closes an overdue offer and cascades the work on.

    While the term runs, a lapse dated today can make the next offer. Once it has ended,
    today's lapse could offer nobody, so the hint dates it the first working day after the
    respond-by date, when the offer became overdue."""
    if today <= term.end:
        return "calloff lapse"
    return f"calloff lapse --on {lapse_day(respond_by, holidays)}"


def lapse_day(respond_by: date, holidays: str = "england-and-wales") -> date:
    """The first day an unanswered offer can be lapsed: the next working day."""
    return add_working_days(respond_by, 1, holidays)
