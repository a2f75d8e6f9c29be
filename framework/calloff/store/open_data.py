"""What the open data and the notices read: the records behind the OCDS releases of the
framework and its call-offs (docs/publishing.md, "Open data (OCDS)" and "Notices").

A release is dated by the last time anything it says was recorded, so most of these ask
the events when. The call-offs' rows are read in call-off order, one pass over each table
and lazily, so a package of any size is made in flat memory; `only` narrows them to one
call-off, `since` to those with something recorded on or after a day.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlite_utils

from calloff.domain.money import from_pence

# The call-offs with something recorded on or after :since (theirs, or their provider's).
_RECORDED_SINCE = """(
    SELECT CAST(object_id AS INTEGER) FROM events
    WHERE object_type = 'calloff' AND recorded_at >= :since
    UNION SELECT id FROM calloffs WHERE provider_id IN (
      SELECT CAST(object_id AS INTEGER) FROM events
      WHERE object_type = 'provider' AND recorded_at >= :since))"""


def _which(only: int | None, since: date | None) -> tuple[str, dict[str, str]]:
    """The filter on `calloff_id` that picks call-off `only`, or those recorded since
    `since` (`only` wins), and its parameters."""
    if only is not None:
        one = f" AND calloff_id = {int(only)}"
    elif since is not None:
        one = f" AND calloff_id IN {_RECORDED_SINCE}"
    else:
        one = ""
    return one, ({} if since is None else {"since": since.isoformat()})


class OpenData:
    """The records the OCDS releases and the call-off notices are made from."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def set_ocid_prefix(self, prefix: str) -> None:
        """Name the publisher's OCDS prefix, which every ocid begins with; the store must be
        told its framework changed (`Store._changed`)."""
        self.db.execute("UPDATE framework SET ocid_prefix = ?", [prefix])

    # -- when things were recorded ----------------------------------------------------------

    def framework_recorded(self) -> str | None:
        """When anything the framework's release says was last recorded: every event but
        those about call-offs, requests and publications."""
        (last,) = self.db.execute(
            "SELECT MAX(recorded_at) FROM events "
            "WHERE object_type NOT IN ('calloff', 'request', 'publication')"
        ).fetchone()
        return last

    def package_recorded(self) -> str | None:
        """When anything in the package was last recorded: the package's `publishedDate`,
        so the same records give the same package."""
        (last,) = self.db.execute(
            "SELECT MAX(recorded_at) FROM events "
            "WHERE object_type NOT IN ('request', 'publication')"
        ).fetchone()
        return last

    def calloffs_recorded(self, only: int | None = None) -> Iterator[dict[str, Any]]:
        """When each call-off (or call-off `only`) last had anything recorded, in call-off
        order (`calloff_id`, `recorded_at`), read as it goes: its release's date, unless
        its provider's details changed later."""
        object_one = "" if only is None else f" AND object_id = '{int(only)}'"
        return self.db.query(
            "SELECT CAST(object_id AS INTEGER) AS calloff_id, MAX(recorded_at) AS recorded_at "
            f"FROM events WHERE object_type = 'calloff'{object_one} GROUP BY object_id "
            "ORDER BY calloff_id"
        )

    def providers_recorded(self) -> dict[int, str]:
        """When each provider's details were last recorded: they appear in the releases
        of its call-offs, which are as new as they are."""
        return dict(
            self.db.execute(
                "SELECT CAST(object_id AS INTEGER), MAX(recorded_at) FROM events "
                "WHERE object_type = 'provider' GROUP BY object_id"
            ).fetchall()
        )

    def notice_events(self, calloff_id: int, actions: Sequence[str]) -> list[str]:
        """When each of a call-off's events with one of `actions` was recorded, in order:
        a notice is dated by its event, whatever is recorded about the call-off after it."""
        marks = ", ".join("?" * len(actions))
        rows = self.db.execute(
            f"SELECT recorded_at FROM events WHERE object_type = 'calloff' AND object_id = ? "
            f"AND action IN ({marks}) ORDER BY id",
            [str(calloff_id), *actions],
        ).fetchall()
        return [r[0] for r in rows]

    # -- who and what ---------------------------------------------------------------------

    def providers(self) -> dict[int, dict[str, Any]]:
        """Every provider by id, with what a release says of it as a party, and its
        statuses as the Central Digital Platform records them."""
        return {
            r["id"]: r
            for r in self.db.query(
                "SELECT id, name, address, companies_house, charity, ppon, sme, vcse, "
                "supported_employment, public_service_mutual FROM providers"
            )
        }

    def calloffs(
        self, only: int | None = None, since: date | None = None
    ) -> Iterator[dict[str, Any]]:
        """The call-offs in order of id, each with its request's title and dates and its
        lot's title: one release each."""
        one, params = _which(only, since)
        return self.db.query(
            f"""
            SELECT c.*, rq.title, rq.start, rq."end", l.title AS lot_title
            FROM calloffs c JOIN requests rq ON rq.id = c.request_id JOIN lots l ON l.number = c.lot
            WHERE 1 = 1{one.replace("calloff_id", "c.id")}
            ORDER BY c.id
            """,
            params,
        )

    def variations(
        self, only: int | None = None, since: date | None = None
    ) -> Iterator[dict[str, Any]]:
        """The variations in call-off order, then as made: the releases' amendments."""
        one, params = _which(only, since)
        return self.db.query(
            f"SELECT * FROM variations WHERE 1 = 1{one} ORDER BY calloff_id, id", params
        )

    def payments(
        self, only: int | None = None, since: date | None = None
    ) -> Iterator[dict[str, Any]]:
        """The paid invoices in call-off order, then by the day paid: the releases'
        transactions (an invoice not yet paid is no transaction)."""
        one, params = _which(only, since)
        return self.db.query(
            "SELECT id, calloff_id, invoice, paid_on, amount_pence FROM spend "
            f"WHERE paid_on IS NOT NULL{one} ORDER BY calloff_id, paid_on, id",
            params,
        )

    def passovers(
        self, only: int | None = None, since: date | None = None
    ) -> Iterator[dict[str, Any]]:
        """The providers passed over for each call-off, in call-off order, then as passed:
        the unsuccessful bids of a call-off's award."""
        one, params = _which(only, since)
        return self.db.query(
            f"SELECT calloff_id, rank, name, reason FROM passovers WHERE 1 = 1{one} "
            "ORDER BY calloff_id, seq",
            params,
        )

    def variations_of(self, calloff_id: int) -> list[dict[str, Any]]:
        """A call-off's variations as made: a change notice describes one of them, by its
        number in this order."""
        return list(
            self.db.query("SELECT * FROM variations WHERE calloff_id = ? ORDER BY id", [calloff_id])
        )

    def paid_to_date(self, calloff_id: int) -> tuple[int, Decimal]:
        """How many of a call-off's invoices were paid, and how much, for its notices."""
        count, pence = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(amount_pence), 0) FROM spend "
            "WHERE calloff_id = ? AND paid_on IS NOT NULL",
            [calloff_id],
        ).fetchone()
        return count, from_pence(pence)
