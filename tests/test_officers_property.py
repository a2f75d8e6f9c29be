"""For any register history and any actions on random days, nothing accepted was done by
someone who lacked the role (and, for an approval, the limit) on its effective date.

The oracle here is the test's own: a plain replay of the register changes that were
accepted, read as a council's scheme of delegation would be, against which every
accepted action is checked afterwards. Register changes dated before what they would
undo must have been refused, or the final register would condemn an action it allowed.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

import calloff as lib

LOGINS = ("p", "q", "r")
ROLES = ("officer", "approver", "finance", "auditor", "admin")
START = date(2015, 4, 1)
days = st.integers(0, 200).map(lambda n: START + timedelta(days=n))
roles = st.sets(st.sampled_from(ROLES), min_size=1, max_size=3).map(sorted)
limits = st.sampled_from([None, "10000", "30000", "60000"])
values = st.sampled_from(["5000", "28000", "40000"])

register_steps = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(LOGINS), roles, limits, days),
    st.tuples(st.just("edit"), st.sampled_from(LOGINS), roles, limits, days),
    st.tuples(st.just("leave"), st.sampled_from(LOGINS), days),
    st.tuples(
        st.just("cover"), st.sampled_from(LOGINS), st.sampled_from(LOGINS), days, st.integers(0, 30)
    ),
)
raise_step = st.tuples(st.just("raise"), st.sampled_from(LOGINS), values, days)
approve_step = st.tuples(
    st.just("approve"), st.sampled_from(LOGINS), st.integers(0, 5), st.integers(0, 40)
)
# Actions outnumber changes to the register, as in a council's year.
steps = st.one_of(
    register_steps,
    raise_step,
    raise_step,
    approve_step,
    approve_step,
    approve_step,
    st.tuples(st.just("provider"), st.sampled_from(LOGINS), days),
)


class Oracle:
    """The register as the accepted changes made it, each change numbered in the order it
    was made: a change dated on a day applies to what is done after it that day."""

    def __init__(self) -> None:
        self.entries: dict[str, list[tuple[date, tuple[str, ...], Decimal | None, bool, int]]]
        self.entries = {}
        self.cover: list[tuple[str, str, date, date]] = []
        self.seq = 0

    def next(self) -> int:
        self.seq += 1
        return self.seq

    def add(self, login, since, held, limit, left) -> None:
        self.entries.setdefault(login, []).append((since, tuple(held), limit, left, self.next()))

    def at(self, login: str, day: date, seq: int):
        found = None
        for since, held, limit, left, made in self.entries.get(login, []):
            if since < day or (since == day and made < seq):
                found = (held, limit, left)
        return found

    def may(self, login: str, role: str, day: date, value: Decimal | None, seq: int) -> bool:
        def holds(who: str, within: bool) -> bool:
            entry = self.at(who, day, seq)
            if entry is None or entry[2] or role not in entry[0]:
                return False
            return not within or value is None or entry[1] is None or value <= entry[1]

        if not holds(login, within=False):  # the role is the officer's own, always
            return False
        if holds(login, within=True):
            return True
        return role == "approver" and any(
            to == login and a <= day <= b and holds(absent, within=True)
            for absent, to, a, b in self.cover
        )


team = st.tuples(
    st.sets(st.sampled_from(ROLES), min_size=1).map(lambda r: sorted(r | {"officer"})),
    limits,
).map(lambda t: (t[0], t[1] if "approver" in t[0] else None))  # a limit is an approver's


@settings(max_examples=60)
@given(st.tuples(team, team, team), st.lists(steps, min_size=4, max_size=20))
def test_nothing_accepted_without_the_role_and_limit_on_its_day(first, script):
    oracle = Oracle()
    done: list[tuple[str, str, date, Decimal | None, int]] = []  # login, role, day, value, seq
    raised: dict[int, tuple[str, Decimal, date]] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "c.db"
        with lib.create(db) as admin:  # the account officer.a: every role, from the start
            for name in ("Alder Training", "Birch Practice Ltd"):
                admin.add_provider(name, on=START)
            admin.set_ranking(lot=4, providers=[1, 2], on=START)
            for login, (held, limit) in zip(LOGINS, first, strict=True):
                admin.add_officer(login, name=login, roles=held, limit=limit, on=START)
                oracle.add(login, START, held, _money(limit), False)
        for step in script:
            kind, who = step[0], step[1]
            try:
                if kind in ("add", "edit", "leave", "cover"):
                    with lib.open(db) as admin:
                        _register(admin, oracle, step)
                    continue
                with lib.open(db, officer=who) as office:
                    if kind == "raise":
                        value, day = Decimal(step[2]), step[3]
                        request = office.add_request(lot=4, title="t", start=day, value=value,
                                                     on=day)  # fmt: skip
                        done.append((who, "officer", day, None, oracle.next()))
                        outcome = office.allocate(request.id, on=day)
                        done.append((who, "officer", day, None, oracle.next()))
                        assert outcome.calloff is not None
                        raised[outcome.calloff.id] = (who, value, day)
                    elif kind == "approve":
                        if not raised:
                            continue
                        number = sorted(raised)[step[2] % len(raised)]
                        day = raised[number][2] + timedelta(days=step[3])
                        approved = office.approve(number, on=day)
                        assert raised[number][0] != who  # the raiser never approves
                        done.append((who, "approver", day, approved.value, oracle.next()))
                    else:
                        office.add_provider(f"Provider {len(done)}", on=step[2])
                        done.append((who, "admin", step[2], None, oracle.next()))
            except lib.CalloffError:
                continue
    event(f"accepted approvals: {min(3, sum(d[1] == 'approver' for d in done))}")
    event(f"accepted actions: {min(5, len(done))}")
    for login, role, day, value, seq in done:
        assert oracle.may(login, role, day, value, seq), (login, role, day, value)


def _register(admin: lib.Office, oracle: Oracle, step: tuple) -> None:
    """One register change through the library; the oracle follows only if it is accepted."""
    kind, login = step[0], step[1]
    if kind == "add":
        _, _, held, limit, day = step
        admin.add_officer(login, name=login, roles=held, limit=limit, on=day)
        oracle.add(login, day, held, _money(limit), False)
    elif kind == "edit":
        _, _, held, limit, day = step
        before = admin.officer_entry(login)
        admin.edit_officer(
            login,
            add_roles=[r for r in held if r not in before.roles],
            remove_roles=[r for r in before.roles if r not in held],
            limit=limit,
            on=day,
        )
        last = oracle.entries[login][-1]
        oracle.add(login, day, held, _money(limit) or last[2], False)
    elif kind == "leave":
        day = step[2]
        admin.officer_leaves(login, reason="left", on=day)
        last = oracle.entries[login][-1]
        oracle.add(login, day, last[1], last[2], True)
    else:
        _, absent, to, day, length = step
        ends = day + timedelta(days=length)
        admin.delegate(absent, to=to, starts=day, ends=ends)
        oracle.cover.append((absent, to, day, ends))


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
