"""Recording what was published, which closes the compliance calendar's items, and the
publisher's OCDS prefix (docs/publishing.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from calloff.actions.base import ServiceBase, not_future
from calloff.domain.model import Framework, clean_text
from calloff.domain.officers import role_for, said
from calloff.errors import InvalidInput, NotFound, WrongStatus
from calloff.publishing.calendar import find
from calloff.store.database import Store
from calloff.store.rows import to_date


@attrs.frozen
class Published:
    """One item recorded as published: what, on which day, where, and who recorded it
    when (`acted` as the audit trail words it: "o.officer (web)")."""

    item: str
    published_on: date
    reference: str | None
    officer: str
    name: str | None  # the officer's name in the register today
    acted: str
    recorded_at: str  # UTC, to the second

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Published:
        day = to_date(row["published_on"])
        assert day is not None  # the column is NOT NULL
        return cls(
            item=row["item"],
            published_on=day,
            reference=row["reference"],
            officer=row["officer"],
            name=row["name"],
            acted=said(row["officer"], row["account"], row["channel"]),
            recorded_at=row["recorded_at"],
        )


def history(store: Store, limit: int | None, offset: int) -> list[Published]:
    """What was recorded as published, the latest recorded first: a page at a time."""
    return [Published.from_row(r) for r in store.disclosures.publications(limit, offset)]


def role_to_record(item: str) -> str:
    """The role recording `item` as published needs: finance for a payment publication
    (payments over £30,000, payment performance), an officer's otherwise."""
    role = role_for("publication.record", item.strip().lower())
    assert role is not None  # an officer's event
    return role


class Publications(ServiceBase):
    """Recording that a due item was published, which closes it."""

    def record(self, item: str, on: date, reference: str | None = None) -> dict[str, Any]:
        not_future(on, "the publication date")
        ref = clean_text(reference, "the reference", 300) if reference is not None else None
        with self.store.transaction() as s:
            found = find(s, item, date.today())
            if found is None:
                raise NotFound(
                    f"no due item is called {item!r}",
                    hint="`calloff due --all` lists them, with their names",
                )
            if found.published_on is not None:
                raise WrongStatus(
                    f"{found.item} was already recorded as published on {found.published_on}"
                    + (f" ({found.reference})" if found.reference else "")
                    + ": it is recorded once"
                )
            if on < found.earliest:
                early = (
                    f"{found.item} arose from {found.event}: it cannot have been published on "
                    f"{on}, before {found.earliest}"
                )
                raise InvalidInput(early, command=f"{early}; check --on")
            s.disclosures.record_published(found.item, on, ref, self.officer)
            after = {"published_on": on, "reference": ref, "due_by": found.due_by}
            s.trail.record(
                self.officer,
                on,
                "publication.record",
                "publication",
                found.item,
                None,
                after,
                None,
            )
            return {
                **found.as_dict(on),
                "published_on": on.isoformat(),
                "reference": ref,
                "published_late": on > found.due_by,
                "overdue": False,
                "days_overdue": None,
                "days_left": None,
            }

    def set_ocid_prefix(self, prefix: str, replace: bool = False) -> Framework:
        """Name the publisher's OCDS prefix for a framework that has none (one defined in a
        file without `ocid_prefix`). Every ocid begins with it, so one already set is kept
        unless `replace` says otherwise (only before anything was published under it)."""
        from calloff.domain.definition import check_ocid_prefix

        value = check_ocid_prefix(str(prefix).strip())
        with self.store.transaction() as s:
            fw = s.framework()
            if fw.ocid_prefix == value:
                raise WrongStatus(f"the framework's ocid_prefix is already {value}")
            if fw.ocid_prefix and not replace:
                kept = (
                    f"the framework's ocid_prefix is already {fw.ocid_prefix}, and every ocid "
                    "published begins with it"
                )
                only = "only if nothing was published under it"
                raise WrongStatus(
                    f"{kept}: pass replace=True to change it, {only}",
                    command=f"{kept}: add --replace to change it, {only}",
                )
            notices = s.disclosures.notices_published()
            if fw.ocid_prefix and notices:
                raise WrongStatus(
                    f"{notices} call-off notice(s) were recorded as published under "
                    f"{fw.ocid_prefix}: their ocids begin with it, so it stays"
                )
            s.open_data.set_ocid_prefix(value)
            s._changed()
            s.trail.record(
                self.officer,
                date.today(),
                "framework.ocid_prefix",
                "framework",
                fw.id,
                {"ocid_prefix": fw.ocid_prefix or None},
                {"ocid_prefix": value},
                None,
            )
            return s.framework()
