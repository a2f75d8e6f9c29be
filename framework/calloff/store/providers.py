"""The providers on the framework: who they are, their status from each date (a
suspension is dated, a withdrawal final) and when they cannot deliver."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from calloff.domain.model import Provider, Unavailability
from calloff.errors import NotFound
from calloff.store.trail import now_stamp

if TYPE_CHECKING:
    import sqlite_utils

V = TypeVar("V")


def insert_row(db: sqlite_utils.Database, table: str, row: Mapping[str, Any]) -> int:
    """One row by plain SQL (the seal's triggers see it); its id."""
    cols = ", ".join(f"[{k}]" for k in row)
    marks = ", ".join("?" for _ in row)
    cur = db.execute(f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", list(row.values()))
    return int(cur.lastrowid or 0)


def add_indexes(db: sqlite_utils.Database) -> None:
    """Schema 18: a provider's dated status and gaps found through its id, so that looking
    one provider up costs the same among five thousand as among fifty."""
    db.execute(
        "CREATE INDEX provider_status_provider ON provider_status (provider_id, effective_on)"
    )
    db.execute("CREATE INDEX unavailability_provider ON unavailability (provider_id)")


class Roster:
    """The providers of one calloff database and their dated status."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def _one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def add_provider(
        self, name: str, vat: str, on: date, officer: str, details: Mapping[str, Any] = {}
    ) -> int:
        return insert_row(
            self.db,
            "providers",
            {
                "name": name,
                "vat": vat,
                "created_on": on.isoformat(),
                "recorded_at": now_stamp(),
                "officer": officer,
                **details,
            },
        )

    def set_details(self, provider_id: int, details: Mapping[str, Any]) -> None:
        """A provider's publication details (address, registration numbers, SME, VCSE)."""
        sets = ", ".join(f"[{k}] = ?" for k in details)
        self.db.execute(
            f"UPDATE providers SET {sets} WHERE id = ?", [*details.values(), provider_id]
        )

    def provider_named(self, name: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM providers WHERE name = ? COLLATE NOCASE", [name])

    def providers(
        self,
        as_of: date,
        *,
        name: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        provider_id: int | None = None,
    ) -> dict[int, Provider]:
        """Providers with their status on a date (suspensions are dated, not just set), in
        the order added: every one, those whose name contains `name`, one page of them
        (`limit`, `offset`), or one by id. Each page is cut in SQL, so thousands of
        providers list as fast as ten."""
        where, params = _matching(name)
        if provider_id is not None:
            where += " AND p.id = :id"
            params["id"] = provider_id
        rows = self.db.query(
            f"""
            SELECT p.id, p.name, p.vat, p.address, p.companies_house, p.charity, p.sme,
              p.vcse, p.ppon, p.supported_employment, p.public_service_mutual, p.email,
              (SELECT status FROM provider_status ps WHERE ps.provider_id = p.id
                 AND ps.effective_on <= :on
                 ORDER BY ps.status = 'withdrawn' DESC, ps.effective_on DESC, ps.id DESC
                 LIMIT 1) AS status,
              (SELECT reason FROM provider_status ps WHERE ps.provider_id = p.id
                 AND ps.effective_on <= :on
                 ORDER BY ps.status = 'withdrawn' DESC, ps.effective_on DESC, ps.id DESC
                 LIMIT 1) AS reason
            FROM providers p WHERE {where} ORDER BY p.id LIMIT :limit OFFSET :offset
            """,
            {
                **params,
                "on": as_of.isoformat(),
                "limit": -1 if limit is None else limit,
                "offset": offset,
            },
        )
        return {
            r["id"]: Provider(
                r["id"],
                r["name"],
                r["vat"],
                r["status"] or "active",
                r["reason"] or "",
                address=r["address"],
                companies_house=r["companies_house"],
                charity=r["charity"],
                sme=None if r["sme"] is None else bool(r["sme"]),
                vcse=None if r["vcse"] is None else bool(r["vcse"]),
                ppon=r["ppon"],
                supported_employment=_flag(r["supported_employment"]),
                public_service_mutual=_flag(r["public_service_mutual"]),
                email=r["email"],
            )
            for r in rows
        }

    def count(self, name: str | None = None) -> int:
        """How many providers `providers(name=...)` lists."""
        where, params = _matching(name)
        row = self.db.execute(f"SELECT COUNT(*) FROM providers p WHERE {where}", params)
        return int(row.fetchone()[0])

    def provider(self, provider_id: int, as_of: date) -> Provider:
        found = self.providers(as_of, provider_id=provider_id).get(provider_id)
        if found is None:
            raise NotFound(
                f"provider {provider_id} does not exist", hint="see `calloff provider list`"
            )
        return found

    def withdrawal(self, provider_id: int) -> dict[str, Any] | None:
        """A provider's withdrawal from the framework, whatever its date: it is final."""
        return self._one(
            "SELECT * FROM provider_status WHERE provider_id = ? AND "
            "status = 'withdrawn' ORDER BY id LIMIT 1",
            [provider_id],
        )

    def set_provider_status(
        self, provider_id: int, status: str, reason: str, on: date, officer: str
    ) -> None:
        insert_row(
            self.db,
            "provider_status",
            {
                "provider_id": provider_id,
                "effective_on": on.isoformat(),
                "status": status,
                "reason": reason,
                "recorded_at": now_stamp(),
                "officer": officer,
            },
        )

    def add_unavailability(self, gap: Unavailability, on: date, officer: str) -> int:
        return insert_row(
            self.db,
            "unavailability",
            {
                "provider_id": gap.provider_id,
                "lot": gap.lot,
                "start": gap.start.isoformat(),
                "end": gap.end.isoformat(),
                "reason": gap.reason,
                "effective_on": on.isoformat(),
                "recorded_at": now_stamp(),
                "officer": officer,
            },
        )

    def on(self, as_of: date) -> OnDemand[Provider]:
        """The providers with their status on a day, each read by its id when first asked
        for: a cascade reads the few it walks past, not the whole roster."""
        return OnDemand(lambda pid: self.providers(as_of, provider_id=pid).get(pid), self.db)

    def names(self) -> OnDemand[str]:
        """Providers' names by id, each read when first asked for."""

        def name(pid: int) -> str | None:
            row = self.db.execute("SELECT name FROM providers WHERE id = ?", [pid]).fetchone()
            return None if row is None else str(row[0])

        return OnDemand(name, self.db)

    def unavailability(
        self, provider_id: int | None = None, *, of: Collection[int] | None = None
    ) -> list[Unavailability]:
        """When providers cannot deliver: every provider's gaps, one provider's, or those
        of the providers `of` (a lot's ranking), found through the provider's index."""
        sql = "SELECT * FROM unavailability"
        params: list[Any] = []
        if provider_id is not None:
            sql += " WHERE provider_id = ?"
            params.append(provider_id)
        elif of is not None:
            ids = sorted(set(of))
            sql += f" WHERE provider_id IN ({', '.join('?' for _ in ids)})"
            params += ids
        return [
            Unavailability(
                r["provider_id"],
                date.fromisoformat(r["start"]),
                date.fromisoformat(r["end"]),
                r["reason"] or "",
                r["lot"],
            )
            for r in self.db.query(sql + " ORDER BY start, id", params)
        ]


class OnDemand(Mapping[int, V]):
    """What is known of each provider by id, read when first asked for and kept: looking
    up one provider costs the same among five thousand as among fifty. Going through it
    reads them all, one by one."""

    def __init__(self, read: Callable[[int], V | None], db: sqlite_utils.Database):
        self._read = read
        self._db = db
        self._kept: dict[int, V] = {}

    def __getitem__(self, provider_id: int) -> V:
        if provider_id not in self._kept:
            found = self._read(provider_id)
            if found is None:
                raise KeyError(provider_id)
            self._kept[provider_id] = found
        return self._kept[provider_id]

    def __iter__(self) -> Iterator[int]:
        return iter([int(r[0]) for r in self._db.execute("SELECT id FROM providers ORDER BY id")])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM providers").fetchone()[0])


def _matching(name: str | None) -> tuple[str, dict[str, Any]]:
    """The providers whose name contains `name` (any case; % and _ match themselves)."""
    if not name:
        return "1", {}
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "p.name LIKE :name ESCAPE '\\'", {"name": f"%{escaped}%"}


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)
