"""A worked example on the Leeds framework, with fictional providers.

`calloff demo` builds it from scratch through the same library calls the commands
use, so it doubles as a smoke test of the whole journey.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from calloff.actions.service import Service
from calloff.demo.competition import steps as competition_steps
from calloff.demo.folder import MANIFEST as MANIFEST
from calloff.demo.folder import DemoFolder
from calloff.demo.workspace import open_workspace
from calloff.documents.orders import render_order, render_record
from calloff.domain import definition, officers
from calloff.domain.dates import FinancialYear
from calloff.domain.invoicing import Payment
from calloff.domain.money import format_money
from calloff.domain.officers import Actor
from calloff.domain.registration import Details
from calloff.errors import RuleBroken
from calloff.store.database import Store

PROVIDERS = [
    ("Northfield Restorative Partnership", "exempt"),
    ("Kestrel Practice Development Ltd", "standard"),
    ("Harbour Lane Training Co-operative", "exempt"),
    ("Meadowbank Family Conferencing CIC", "exempt"),
    ("Oakridge Learning Associates", "standard"),
]
# What the council publishes about each (fictional: numbers from ranges no register has
# issued, so none names a real body).
DETAILS = [
    Details(
        address="3 Northfield Row, Leeds",
        charity="9900011",
        sme=True,
        vcse=True,
        email="offers@northfield.example",
    ),
    Details(
        address="Unit 7, Kestrel Court, Wakefield",
        companies_house="99000021",
        sme=True,
        vcse=False,
        ppon="PDEM-0002-KPDL",
        email="bookings@kestrel.example",
    ),
    Details(
        address="12 Harbour Lane, Bradford",
        companies_house="IP990031",
        sme=True,
        vcse=True,
        email="training@harbourlane.example",
    ),
    Details(
        address="Meadowbank House, Harrogate",
        companies_house="99000041",
        vcse=True,
        email="hello@meadowbank.example",
    ),
    # Oakridge has no address on record: its messages are listed as undeliverable.
    Details(address="Oakridge Business Park, York", companies_house="99000051", sme=False),
]

# lot -> [(provider index, day, session, place)] in rank order
RANKINGS: dict[int, list[tuple[int, str | None, str | None, str | None]]] = {
    1: [
        (2, "650.00", "450.00", "35.00"),
        (0, "700.00", "480.00", None),
        (4, "720.00", "500.00", "40.00"),
    ],
    2: [(0, "750.00", None, None), (2, "690.00", None, None)],
    4: [(0, "800.00", None, None), (1, "850.00", None, None), (4, "900.00", None, None)],
    5: [(3, "950.00", None, None), (0, "990.00", None, None)],
    8: [(4, "1200.00", None, None), (1, "1100.00", None, None)],
}


def run_demo(
    directory: Path,
    program: str = "calloff",
    commands: list[tuple[list[str], bool]] | None = None,
) -> str:
    """Build the demo in `directory`: a new or empty folder, or the demo's own earlier one.

    `commands` receives the command lines of the demo's second part, a competition, which
    `calloff demo` runs through the command itself (calloff.demo.competition)."""
    folder = DemoFolder(directory)
    folder.prepare()
    if commands is not None:
        commands.extend(competition_steps(folder))
    db_path = directory / "demo.db"
    # The account running the demo is the register's first officer, as at `calloff init`,
    # and every step is checked against the register, as through the front door.
    account = officers.process_account()
    actor = Actor(account, account, "library")
    store = Store.create(db_path, definition.embedded("leeds-rp-2015"), actor)
    store.trail.actor = actor
    svc = Service(store, account)
    lines: list[str] = [f"Demo database: {db_path}"]
    setup = date(2015, 4, 1)
    svc.registrar.add(
        "demo.approver", "Dee Approver", ["officer", "approver"], Decimal("50000"), None, setup
    )
    lines.append(
        f"Registered {account} (every role) and demo.approver (officer, and approver up to "
        "£50,000.00)."
    )

    ids = [
        svc.setup.add_provider(name, vat, setup, details)
        for (name, vat), details in zip(PROVIDERS, DETAILS, strict=True)
    ]
    for lot, entries in RANKINGS.items():
        svc.setup.set_ranking(lot, [ids[i] for i, *_ in entries], setup)
        for i, day, session, place in entries:
            rates = {
                u: Decimal(v)
                for u, v in (("day", day), ("session", session), ("place", place))
                if v
            }
            svc.setup.set_prices(lot, ids[i], rates, setup)
    svc.setup.mark_unavailable(
        ids[0], date(2015, 6, 1), date(2015, 6, 30), 4, "lead trainer on leave", date(2015, 5, 1)
    )
    lines.append(
        f"Set up the Leeds framework with {len(ids)} fictional providers ranked on "
        f"lots {', '.join(map(str, RANKINGS))}."
    )

    # 1. Deep dive for social workers: rank 1 is unavailable in June, so rank 2 is offered.
    r1 = svc.add_request(
        4,
        "Deep-dive training for 40 social workers",
        date(2015, 6, 10),
        date(2015, 6, 24),
        None,
        6,
        "day",
        "core",
        40,
        date(2015, 5, 12),
    )
    o1 = svc.allocate(r1, date(2015, 5, 12))
    assert o1.calloff and o1.provider
    svc.accept(o1.calloff.id, date(2015, 5, 14))
    lines.append(
        f"Request {r1} (lot 4, 6 days): {o1.passed_over[0].name} passed over "
        f"({o1.passed_over[0].reason}); call-off {o1.calloff.id} to "
        f"{o1.provider.name} at {format_money(o1.calloff.value)}, accepted."
    )

    # 2. Awareness sessions: rank 1 declines, the cascade offers rank 2.
    r2 = svc.add_request(
        1,
        "Restorative practice awareness sessions, July",
        date(2015, 7, 1),
        date(2015, 7, 31),
        None,
        20,
        "session",
        "core",
        400,
        date(2015, 6, 1),
    )
    o2 = svc.allocate(r2, date(2015, 6, 1))
    assert o2.calloff and o2.provider
    o2b = svc.decline(o2.calloff.id, "fully booked in July", date(2015, 6, 2))
    assert o2b.calloff and o2b.provider
    svc.accept(o2b.calloff.id, date(2015, 6, 3))
    lines.append(
        f"Request {r2} (lot 1, 20 sessions): {o2.provider.name} declined; "
        f"call-off {o2b.calloff.id} to {o2b.provider.name} at "
        f"{format_money(o2b.calloff.value)}, accepted."
    )

    # 3. Family Group Conferencing, grant-funded: refused while the grant is pending.
    r3 = svc.add_request(
        5,
        "Family Group Conferencing development programme",
        date(2015, 9, 1),
        date(2016, 2, 29),
        Decimal("24000.00"),
        None,
        None,
        "innovation",
        None,
        date(2015, 5, 20),
    )
    try:
        svc.allocate(r3, date(2015, 5, 20))
    except RuleBroken as e:
        lines.append(f"Request {r3} refused on 2015-05-20: {e.for_command()}")
    svc.budget.confirm_funding("innovation", date(2015, 6, 15))
    o3 = svc.allocate(r3, date(2015, 6, 16))
    assert o3.calloff and o3.provider
    lines.append(
        f"DfE grant confirmed 2015-06-15; call-off {o3.calloff.id} to "
        f"{o3.provider.name} at {format_money(o3.calloff.value)} (innovation)."
    )

    # 4. Schools leadership on core budgets: more than the core headroom, refused.
    r4 = svc.add_request(
        8,
        "Schools leadership development programme",
        date(2015, 10, 1),
        date(2016, 3, 31),
        None,
        220,
        "day",
        "core",
        60,
        date(2015, 7, 1),
    )
    try:
        svc.allocate(r4, date(2015, 7, 1))
    except RuleBroken as e:
        lines.append(f"Request {r4} refused at the ceiling: {e.for_command()}")

    # 5. Spend on take-up: invoices (each received, most paid), a variation, a completion and
    # a cancellation.
    def paid(received: date, on: date | None = None) -> Payment:
        return Payment(received=received, paid=on)

    spend = svc.spending.add_spend
    spend(o1.calloff.id, o1.calloff.value, date(2015, 6, 30), "KPD-0615", 40, None,
          paid(date(2015, 7, 2), date(2015, 7, 20)))  # fmt: skip
    svc.spending.complete(o1.calloff.id, date(2015, 7, 1))
    spend(o2b.calloff.id, Decimal("4800.00"), date(2015, 7, 15), "NRP-101", 200, None,
          paid(date(2015, 7, 16), date(2015, 8, 28)))  # fmt: skip
    spend(o2b.calloff.id, Decimal("500.00"), date(2015, 7, 31), "NRP-102", None, None,
          paid(date(2015, 7, 31)))  # fmt: skip
    svc.spending.cancel(o2b.calloff.id, "programme paused by the strategy group", date(2015, 8, 3))
    # The £500.00 invoice is paid late, after the half-year's end.
    svc.payments.pay("NRP-102", date(2015, 10, 5))
    svc.accept(o3.calloff.id, date(2015, 6, 18))
    # Over the £25,000 threshold, so a second officer makes the variation.
    approver = Service(store, "demo.approver")  # registered above
    approver.spending.vary(
        o3.calloff.id, Decimal("26000.00"), "two extra practice workshops", date(2015, 9, 1)
    )
    invoices = folder.write(
        "invoices.csv",
        "calloff,invoice,date,amount,attendees,received,paid\n"
        f"{o3.calloff.id},MFC-2015-09,2015-09-30,8000.00,30,2015-10-01,2015-10-20\n"
        f'{o3.calloff.id},MFC-2015-12,2015-12-15,"£9,500.00",35,2015-12-16,\n',
    )
    summary = svc.spending.import_spend(invoices)
    lines.append(
        f"Spend: call-off {o1.calloff.id} invoiced and completed; call-off "
        f"{o2b.calloff.id} cancelled after {format_money(Decimal('5300'))}; call-off "
        f"{o3.calloff.id} varied to £26,000.00 and {summary.imported} invoices "
        f"imported from {invoices}."
    )

    # 6. A traded programme for schools over the £25,000 threshold: a second officer approves.
    r5 = svc.add_request(
        8,
        "Schools restorative leadership, traded",
        date(2015, 11, 2),
        date(2016, 2, 26),
        None,
        25,
        "day",
        "traded",
        50,
        date(2015, 10, 1),
    )
    o5 = svc.allocate(r5, date(2015, 10, 1))
    assert o5.calloff
    approved = approver.approve(o5.calloff.id, date(2015, 10, 2))
    lines.append(
        f"Request {r5} (traded, {format_money(o5.calloff.value)}) awaited approval; "
        f"approved by {approved.approved_by} on {approved.approved_on}, respond by "
        f"{approved.respond_by}."
    )

    position = svc.budget.position(o1.calloff.year)
    lines.append(
        f"Headroom {position.year}: ceiling {format_money(position.ceiling)}, "
        f"committed {format_money(position.committed)}, headroom "
        f"{format_money(position.headroom)}; spent {format_money(position.spent)}."
    )

    # The provider's order and the council's award record, for the cancelled call-off
    # (a cascade behind it) and the varied one.
    for cid in (o2b.calloff.id, o3.calloff.id):
        for fmt in ("md", "html"):
            path = folder.write(f"order-{cid}.{fmt}", render_order(svc, cid, fmt))
            lines.append(f"Call-off order (for the provider): {path}")
        for fmt in ("md", "html"):
            path = folder.write(f"record-{cid}.{fmt}", render_record(svc, cid, fmt))
            lines.append(f"Award record (for the council's file): {path}")
    from calloff.reports.files import render_report

    for fmt in ("md", "html", "csv", "json"):
        path = folder.write(
            f"report-2015-16.{fmt}", render_report(store, o1.calloff.year, None, fmt)
        )
        lines.append(f"Quarterly report: {path}")
    lines.extend(_publish(folder, store, o1.calloff.year))
    lines.extend(_calendar(folder, svc, o3.calloff.id))
    workspace = open_workspace(svc, db_path, program)
    store.close()
    lines.append("Explore it:")
    for command in ("offers", "headroom", f"show {o2b.calloff.id}", "due"):
        lines.append(f"  {program} --db {db_path} {command}")
    return "\n".join([*lines, "", *workspace])


def _publish(folder: DemoFolder, store: Store, year: FinancialYear) -> list[str]:
    """What the council must publish for the second quarter and the first half-year."""
    from calloff.publishing import payments, transparency
    from calloff.publishing.files import render

    lines = []
    for name, publication in (
        (f"publish-spend-{year}-Q2.csv", transparency.spend(store, year, 2)),
        (f"publish-contracts-{year}-Q2.csv", transparency.contracts(store, year, 2)),
    ):
        path = folder.write(name, render(publication, "csv"))
        lines.append(f"Transparency Code: {path}")
    over_30k = payments.payments(store, year, 2)
    lines.append(f"Payments over £30,000: {over_30k['note']}")
    half = payments.HalfYear(year, 1)
    path = folder.write(
        f"publish-payment-performance-{half}.csv",
        render(payments.performance(store, half), "csv"),
    )
    lines.append(f"Payment performance: {path}")
    return lines


# What the council recorded as published (fictional references): every item but one.
PUBLISHED = {
    "calloff-1-details": ("2015-05-20", "Contracts Finder CF-0001-2015"),
    "calloff-3-details": ("2015-06-10", "Contracts Finder CF-0002-2015"),
    "spend-2015-16-Q1": ("2015-07-24", None),
    "contracts-2015-16-Q1": ("2015-07-24", None),
    "spend-2015-16-Q2": ("2015-10-23", None),
    "contracts-2015-16-Q2": ("2015-10-23", None),
    "spend-2015-16-Q3": ("2016-01-22", None),
    "contracts-2015-16-Q3": ("2016-01-22", None),
    "spend-2015-16-Q4": ("2016-04-22", None),
    "contracts-2015-16-Q4": ("2016-04-22", None),
}


def _calendar(folder: DemoFolder, svc: Service, forgotten: int) -> list[str]:
    """Open data, and the compliance calendar with one notice never published."""
    from calloff.publishing import calendar, notices, ocds
    from calloff.publishing.published import Publications

    store = svc.store
    published = Publications(store, svc.officer)
    path = folder.write("publish-ocds.json", "".join(ocds.write_package(store)))
    lines = [f"Open data (OCDS 1.1 release package): {path}"]
    for item, (on, reference) in PUBLISHED.items():
        published.record(item, date.fromisoformat(on), reference)
    for fmt in ("md", "json"):
        path = folder.write(
            f"notice-{forgotten}-details.{fmt}", notices.render(store, forgotten, "details", fmt)
        )
        lines.append(f"Notice to publish (Contracts Finder): {path}")
    due = calendar.calendar(store, date.today())
    late = [i for i in due["items"] if i["overdue"]]
    lines.append(
        f"Compliance calendar: {due['published']} items published, "
        f"{due['overdue']} overdue: "
        + "; ".join(f"{i['item']} (due by {i['due_by']})" for i in late)
    )
    return lines
