"""The `calloff` command: a thin shell over the library's front door, `calloff.Office`.

Each command parses its options, calls `Office` and prints the result, as text or (with
--json) as the shape `calloff.documents.json_shapes` gives it. It reaches nothing else of
the library but the documents it renders, the argument readers its parameter types call
(`calloff.arguments`) and the refusals (`calloff.errors`): tests/test_layers.py checks.
A refusal becomes a one-line `Error: ...` in the command's own words (`for_command()`)
and exit status 1; usage mistakes exit 2. Heavy modules (sqlite_utils, jinja2) are
imported inside the commands that need them, so `calloff --help` starts fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from calloff.arguments import (
    UNITS,
    FinancialYear,
    format_money,
    half_year,
    head_hash,
    parse_date,
    parse_money,
    parse_scores,
    parse_weights,
    request_shape,
)
from calloff.errors import CalloffError
from calloff.startup import lean_sqlite_utils

if TYPE_CHECKING:
    from calloff import Framework, ImportRejected, Office, Outcome

lean_sqlite_utils()  # before any command loads sqlite-utils


# -- parameter types: bad input is a usage error (exit 2) with a one-line message ---------


class Parsed(click.ParamType):
    """An option read through the library's own strict parser (money, dates, years)."""

    def __init__(self, name: str, parse: Callable[[str], Any], kind: type):
        self.name, self.parse, self.kind = name, parse, kind

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, self.kind):
            return value
        try:
            return self.parse(value)
        except CalloffError as e:
            self.fail(e.for_command(), param, ctx)


class WholeNumber(click.ParamType):
    """A whole number in ASCII digits (no ١٢٣, no ３), within sensible bounds."""

    name = "N"

    def __init__(self, minimum: int = 0, maximum: int = 10**9):
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,30}", value.strip()):
            number = int(value.strip())
        else:
            self.fail(f"{value!r} is not a whole number", param, ctx)
        if not self.minimum <= number <= self.maximum:
            if number < self.minimum:
                self.fail(f"{value} is less than {self.minimum}", param, ctx)
            self.fail(f"{value} is not in the range {self.minimum} to {self.maximum}", param, ctx)
        return number


def _recorded_point(text: str) -> str:
    """An audit event number, or an ISO date or date and time, for --as-recorded."""
    from datetime import datetime

    from calloff.errors import InvalidInput

    raw = str(text).strip()
    if re.fullmatch(r"[0-9]{1,18}", raw):
        return raw
    try:
        datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not an audit event number or a date and time: write it like 42, "
            "2015-07-01 or 2015-07-01T09:30:00+00:00"
        ) from None
    return raw


MONEY = Parsed("MONEY", parse_money, Decimal)
DATE = Parsed("DATE", parse_date, date)
YEAR = Parsed("YEAR", FinancialYear.parse, FinancialYear)
ID = WholeNumber(1, 2**62)


def _placed_options() -> list[click.Parameter]:
    """`--db` and `--officer` again, for after the command's name, where people also type
    them; given there they win over the ones before it and over the environment."""
    return [
        click.Option(
            ["--db"],
            type=click.Path(dir_okay=False),
            default=None,
            help="Database file (also accepted before the command).",
        ),
        click.Option(
            ["--officer"],
            default=None,
            help="Act for this registered officer (also accepted before the command).",
        ),
    ]


class _Placed:
    """Takes `--db` and `--officer` given after a command's name into the desk."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.params.extend(_placed_options())  # type: ignore[attr-defined]

    def invoke(self, ctx: click.Context) -> Any:
        db = ctx.params.pop("db", None)
        officer = ctx.params.pop("officer", None)
        desk = ctx.find_object(Desk)
        if desk is not None and db is not None:
            desk.db = db
            root = ctx.find_root().command
            if isinstance(root, CalloffGroup):
                root.database = db
        if desk is not None and officer is not None:
            desk.officer = _clean_officer(officer)
        return super().invoke(ctx)  # type: ignore[misc]


class CalloffCommand(_Placed, click.Command):
    """A command that also takes `--db` and `--officer` after its name."""


class CalloffSubgroup(_Placed, click.Group):
    """A group of commands (`calloff provider …`) that takes them after its name too."""

    command_class = CalloffCommand
    group_class = type


class CalloffGroup(click.Group):
    """A group whose errors are always one line, never a traceback."""

    command_class = CalloffCommand
    group_class = CalloffSubgroup
    database = "the database"  # the --db path, once the options are read

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        standalone = kwargs.pop("standalone_mode", True)
        kwargs.setdefault("prog_name", "calloff")
        arguments = args[0] if args else kwargs.get("args")
        for n, arg in enumerate(sys.argv[1:] if arguments is None else arguments, 1):
            if not _is_text(arg):
                _fail(
                    f"argument {n} ({arg!a}) is not UTF-8 text: type it again, or "
                    "rename the file it names",
                    2,
                )
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.UsageError as e:
            # No command at all (`calloff`, `calloff provider`, `calloff --db f.db`): the
            # help says what there is. Any other usage mistake is one line, exit 2.
            no_command = isinstance(e, click.exceptions.NoArgsIsHelpError) or (
                e.message == "Missing command."
            )
            if e.ctx is not None and no_command:
                click.echo(e.ctx.get_help())
                rv = 0
            else:
                hint = f" (see '{e.ctx.command_path} --help')" if e.ctx else ""
                _fail(f"{e.format_message()}{hint}", 2)
        except click.ClickException as e:
            _fail(e.format_message(), e.exit_code)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        except CalloffError as e:
            _fail(e.for_command(), e.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; nothing half-written is kept", 130)
        except Exception as e:  # the last resort: never show a traceback to an officer
            if os.environ.get("CALLOFF_DEBUG"):
                raise
            _fail_for_fault(e, self.database)
            _fail(
                f"internal error, please report it: {type(e).__name__}: {e} "
                "(set CALLOFF_DEBUG=1 for details)",
                1,
            )
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


def _is_text(arg: Any) -> bool:
    """Whether an argument decoded from the command line was valid UTF-8."""
    try:
        str(arg).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fail_for_fault(error: Exception, database: str) -> None:
    """One sentence for a fault of the disk, the lock or the file system, if it is one."""
    from calloff.api import fault_message

    mapped = fault_message(error, database)
    if mapped is not None:
        _fail(mapped.for_command(), 1)
    if isinstance(error, OSError) and error.strerror:
        where = f" {error.filename}" if error.filename else ""
        _fail(f"cannot use{where}: {error.strerror}; nothing was written", 1)


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {' '.join(str(message).split())}", err=True)
    sys.exit(code)


class Desk:
    """What every command needs: where the database is and who is acting; the library's
    front door (`Office`) is opened on first use, and closed when the command ends."""

    def __init__(self, db: str, officer: str | None):
        self.db = db
        self.officer = officer  # acting for this officer (None: the account's own login)
        self._office: Office | None = None

    def office(self) -> Office:
        if self._office is None:
            import calloff

            office = calloff.open(self.db, officer=self.officer, channel="cli")
            click.get_current_context().call_on_close(office.close)
            if office.upgraded:
                old, backup = office.upgraded
                click.echo(
                    f"Upgraded {self.db} from schema {old}; the original is kept as {backup}.",
                    err=True,
                )
            self._office = office
        return self._office


def _embedded(incomplete: str) -> list[str]:
    """The embedded frameworks' names, for shell completion of `init --framework`."""
    from calloff.api import embedded_frameworks

    return [name for name in embedded_frameworks() if name.startswith(incomplete)]


def _clean_officer(officer: str) -> str:
    from calloff.arguments import officer_name

    try:
        return officer_name(officer, "--officer")
    except CalloffError as e:
        raise click.BadParameter(e.for_command(), param_hint="--officer") from None


pass_desk = click.make_pass_decorator(Desk)


def _desk(ctx: click.Context) -> Desk:
    """The desk of a group command that also runs on its own (`calloff audit`)."""
    desk = ctx.find_object(Desk)
    if desk is None:  # pragma: no cover - `main` always makes one
        raise click.UsageError("run it as `calloff ...`")
    return desk


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(f)


def on_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--on",
        type=DATE,
        default=None,
        help="Effective date of the action (YYYY-MM-DD); default today.",
    )(f)


def effective(on: date | None) -> date:
    return on or date.today()


def _calloff_json(desk: Desk, c: Any) -> dict[str, Any]:
    """A call-off as JSON, with its provider's name."""
    return desk.office().calloff_document(c)


def emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(cls=CalloffGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="CALLOFF_DB",
    default="calloff.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Database file (or CALLOFF_DB).",
)
@click.option(
    "--officer",
    envvar="CALLOFF_OFFICER",
    default=None,
    help="Act for this registered officer (or CALLOFF_OFFICER): your own login, or any "
    "officer if you are an admin. Default: your login.",
)
@click.version_option(package_name="calloff", prog_name="calloff")
@click.pass_context
def main(ctx: click.Context, db: str, officer: str | None) -> None:
    """Run a framework agreement and its call-offs.

    Allocate training requests by rank, never over the budget ceiling, and keep the
    record an auditor asks for.
    """
    if officer is not None:
        officer = _clean_officer(officer)
    if isinstance(ctx.command, CalloffGroup):
        ctx.command.database = db
    ctx.obj = Desk(db, officer)


# -- setting up ----------------------------------------------------------------------------


@main.command(short_help="Create the database for a framework.")
@click.option(
    "--framework",
    "name",
    default=None,
    shell_complete=lambda ctx, param, incomplete: _embedded(incomplete),
    help="An embedded framework: leeds-rp-2015 (the default), nottingham-rp-2023 or "
    "borsetshire-rp-2026.",
)
@click.option(
    "--from",
    "path",
    type=click.Path(dir_okay=False),
    default=None,
    help="A framework definition file (TOML).",
)
@pass_desk
def init(desk: Desk, name: str | None, path: str | None) -> None:
    """Create the database for a framework (the Leeds framework unless told otherwise)."""
    import calloff

    if name and path:
        raise click.UsageError("give --framework or --from, not both")
    with calloff.create(
        desk.db,
        framework=None if path else name,
        definition_file=path,
        officer=desk.officer,
        channel="cli",
    ) as office:
        fw = office.framework
        first = office.officer
    click.echo(
        f"Created {desk.db} for {fw.name} ({fw.buyer}): {len(fw.lots)} lot(s), "
        f"term {fw.term.start} to {fw.term.end}."
    )
    click.echo(
        f"Registered {first} as its first officer, with every role; register the team with "
        "`calloff officer add`."
    )


@main.group(
    "framework",
    invoke_without_command=True,
    short_help="Show the framework: buyer, lots, term and funding streams.",
)
@json_option
@click.pass_context
def framework_cmd(ctx: click.Context, as_json: bool) -> None:
    """Show the framework: buyer, lots, term and funding streams; `calloff framework
    ocid-prefix` names its OCDS prefix where its definition gave none."""
    if ctx.invoked_subcommand is not None:
        return
    desk = _desk(ctx)
    from calloff.documents import json_shapes

    fw = desk.office().framework
    if as_json:
        return emit(json_shapes.framework(fw))
    t = fw.term
    click.echo(f"{fw.name}\nBuyer: {fw.buyer}")
    light = ", light-touch" if fw.light_touch else ""
    click.echo(f"Regime: {fw.regime_name} ({fw.regime}{light})")
    if fw.service_area:
        click.echo(f"Service area: {fw.service_area}")
    if fw.merchant_category:
        click.echo(f"Merchant category: {fw.merchant_category}")
    if fw.ocid_prefix:
        click.echo(f"OCDS prefix: {fw.ocid_prefix}")
    click.echo(
        f"Term: {t.start} to {t.end} (original end {t.original_end}; "
        f"{t.extensions_left} extension(s) left)"
    )
    if fw.approval_threshold is not None:
        key = fw.key_decision
        decision = f"; a key decision over {format_money(key)}" if key is not None else ""
        click.echo(f"Approval: from {format_money(fw.approval_threshold)}{decision}")
    if fw.approval_threshold:  # at £0.00 every call-off needs approval anyway
        from calloff.documents.framework_facts import split_purchases

        click.echo(split_purchases(fw))
    click.echo("Lots:")
    mixed = any(lot.award != "ranked" for lot in fw.lots)
    routes = {
        "ranked": " [by ranking]" if mixed else "",
        "competition": " [by competition]",
        "either": " [by ranking or competition]",
    }
    for lot in fw.lots:
        click.echo(f"  {lot.number}. {lot.title}{routes[lot.award]}")
    if fw.criteria:
        criteria = ", ".join(f"{c.name} {c.weight} ({c.low}–{c.high})" for c in fw.criteria)
        click.echo(f"Award criteria: {criteria}")
    if fw.standstill_days:
        click.echo(f"Standstill: {fw.standstill_days} working days")
    click.echo("Funding streams:")
    for s in fw.streams:
        caps = ", ".join(f"{y}: {format_money(a)}" for y, a in sorted(s.caps.items()))
        cap_text = caps if s.capped else "no cap of its own"
        click.echo(f"  {s.name} ({s.status}): {cap_text}")
    _framework_facts(fw)


def _framework_facts(fw: Any) -> None:
    """The framework's own facts, as its notices and open data give them."""
    from calloff.documents import framework_facts

    for line in framework_facts.lines(fw, date.today()):
        click.echo(line)


# -- providers -----------------------------------------------------------------------------


@framework_cmd.command("ocid-prefix", short_help="Name the framework's OCDS prefix (ocds-xxxxxx).")
@click.argument("prefix", metavar="PREFIX")
@click.option("--replace", is_flag=True, help="Replace a prefix already set.")
@json_option
@pass_desk
def framework_ocid_prefix(desk: Desk, prefix: str, replace: bool, as_json: bool) -> None:
    """Name the council's registered OCDS prefix (like ocds-a1b2c3), which begins every
    ocid in the open data, for a framework whose definition gave none; audited."""
    from calloff.documents import json_shapes

    fw = desk.office().set_ocid_prefix(prefix, replace=replace)
    if as_json:
        return emit(json_shapes.framework(fw))
    click.echo(f"The framework's OCDS prefix is now {fw.ocid_prefix}.")


@main.group(short_help="Providers: add, edit, list, show, suspend, withdraw.")
def provider() -> None:
    """Providers on the framework: add, edit, list, show, suspend, reinstate, withdraw."""


def provider_details_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """What a council publishes about a provider (docs/publishing.md)."""
    for option in reversed(
        [
            click.option("--address", default=None, help="Registered address."),
            click.option(
                "--companies-house",
                "companies_house",
                default=None,
                metavar="NUMBER",
                help="Companies House number: 8 digits, or 2 letters and 6 digits.",
            ),
            click.option("--charity", default=None, metavar="NUMBER", help="Charity number."),
            click.option(
                "--sme/--not-sme", default=None, help="Whether a small or medium enterprise."
            ),
            click.option(
                "--vcse/--not-vcse",
                default=None,
                help="Whether a voluntary, community or social enterprise.",
            ),
            click.option(
                "--supported-employment/--not-supported-employment",
                "supported_employment",
                default=None,
                help="Whether a supported employment provider.",
            ),
            click.option(
                "--public-service-mutual/--not-public-service-mutual",
                "public_service_mutual",
                default=None,
                help="Whether a public service mutual.",
            ),
            click.option(
                "--ppon",
                default=None,
                metavar="ID",
                help="Public Procurement Organisation Number (e.g. PBCD-1234-BCDG).",
            ),
            click.option(
                "--email",
                default=None,
                metavar="ADDRESS",
                help="Where offers, reminders and letters go (docs/messages.md).",
            ),
        ]
    ):
        f = option(f)
    return f


@provider.command("add")
@click.argument("name")
@click.option(
    "--vat",
    type=click.Choice(["standard", "exempt"]),
    default="standard",
    show_default=True,
    help="VAT treatment of the provider's training.",
)
@provider_details_options
@on_option
@json_option
@pass_desk
def provider_add(
    desk: Desk, name: str, vat: str, on: date | None, as_json: bool, **fields: Any
) -> None:
    """Add a provider (values stay ex-VAT; orders show the VAT due)."""
    from calloff.documents import json_shapes

    p = desk.office().add_provider(name, vat=vat, on=on, **fields)
    if p.ppon_warning:
        click.echo(f"warning: {p.ppon_warning}", err=True)
    if as_json:
        return emit(json_shapes.provider(p))
    click.echo(f"Provider {p.id}: {name.strip()} (VAT {vat})")


@provider.command("edit", short_help="Change a provider's details for publication.")
@click.argument("provider_ref", metavar="PROVIDER")
@provider_details_options
@on_option
@json_option
@pass_desk
def provider_edit(
    desk: Desk, provider_ref: str, on: date | None, as_json: bool, **fields: Any
) -> None:
    """Change PROVIDER's address, registration numbers, statuses, PPON or e-mail.

    Only the options given change; an empty text (--ppon "") clears that detail."""
    from calloff.documents import json_shapes

    p = desk.office().edit_provider(provider_ref, on=on, **fields)
    if p.ppon_warning and fields.get("ppon"):
        click.echo(f"warning: {p.ppon_warning}", err=True)
    if as_json:
        return emit(json_shapes.provider(p))
    given = sorted(name for name, value in fields.items() if value is not None)
    click.echo(f"{p.name}: " + ", ".join(given).replace("_", " ") + " updated.")


@provider.command("show")
@click.argument("provider_ref", metavar="PROVIDER")
@json_option
@pass_desk
def provider_show(desk: Desk, provider_ref: str, as_json: bool) -> None:
    """Show one provider: status, VAT and what is published about it."""
    from calloff.documents import json_shapes

    p = desk.office().provider(provider_ref)
    if as_json:
        return emit(json_shapes.provider(p))
    why = f" ({p.status_reason})" if p.status_reason and p.status != "active" else ""

    def yes_no(v: bool | None) -> str:
        return "not recorded" if v is None else ("yes" if v else "no")

    click.echo(f"Provider {p.id}: {p.name}")
    click.echo(f"  Status: {p.status}{why}")
    click.echo(f"  VAT: {p.vat}")
    click.echo(f"  Address: {p.address or 'not recorded'}")
    click.echo(f"  Companies House: {p.companies_house or 'none recorded'}")
    click.echo(f"  Charity: {p.charity or 'none recorded'}")
    click.echo(f"  SME: {yes_no(p.sme)}   VCSE: {yes_no(p.vcse)}")
    click.echo(
        f"  Supported employment provider: {yes_no(p.supported_employment)}   "
        f"Public service mutual: {yes_no(p.public_service_mutual)}"
    )
    click.echo(f"  PPON: {p.ppon or 'none recorded'}")
    if p.ppon_warning:
        click.echo(f"  Warning: {p.ppon_warning}")
    click.echo(f"  E-mail: {p.email or 'none recorded'}")


@provider.command("list")
@json_option
@pass_desk
def provider_list(desk: Desk, as_json: bool) -> None:
    """List providers with their status today."""
    from calloff.documents import json_shapes

    providers = desk.office().providers()
    if as_json:
        return emit([json_shapes.provider(p) for p in providers])
    for p in providers:
        why = f" ({p.status_reason})" if p.status_reason and p.status != "active" else ""
        click.echo(f"{p.id:>4}  {p.name}  [{p.status}{why}]  VAT {p.vat}")


def _status_command(status: str, verb: str, needs_reason: bool) -> Callable[..., None]:
    @click.argument("provider_ref", metavar="PROVIDER")
    @on_option
    @pass_desk
    def command(desk: Desk, provider_ref: str, on: date | None, reason: str = "") -> None:
        office = desk.office()
        if status == "suspended":
            p = office.suspend(provider_ref, reason=reason, on=on)
        elif status == "withdrawn":
            p = office.withdraw(provider_ref, reason=reason, on=on)
        else:
            p = office.reinstate(provider_ref, on=on)
        click.echo(f"{p.name} {verb} from {effective(on)}.")

    if needs_reason:
        command = click.option("--reason", required=True, help="Why (kept for the audit).")(command)
    return command


provider.command("suspend", help="Suspend a provider: the cascade passes over it.")(
    _status_command("suspended", "suspended", True)
)
provider.command("reinstate", help="Lift a suspension.")(
    _status_command("active", "reinstated", False)
)
provider.command("withdraw", help="Withdraw a provider from the framework for good.")(
    _status_command("withdrawn", "withdrawn", True)
)


@provider.command("unavailable", short_help="Mark a provider unavailable for some dates.")
@click.argument("provider_ref", metavar="PROVIDER")
@click.option("--from", "start", type=DATE, required=True, help="First unavailable day.")
@click.option("--to", "end", type=DATE, required=True, help="Last unavailable day.")
@click.option("--lot", type=ID, default=None, help="Only on this lot (default: every lot).")
@click.option("--reason", required=True, help="Why (printed where the cascade passes over).")
@on_option
@pass_desk
def provider_unavailable(
    desk: Desk,
    provider_ref: str,
    start: date,
    end: date,
    lot: int | None,
    reason: str,
    on: date | None,
) -> None:
    """Mark a provider unavailable for some dates; requests touching them pass over it."""
    p = desk.office().mark_unavailable(
        provider_ref, start=start, end=end, reason=reason, lot=lot, on=on
    )
    where = f" on lot {lot}" if lot else ""
    click.echo(f"{p.name} unavailable {start} to {end}{where}.")


# -- rankings and prices -------------------------------------------------------------------


@main.group()
def rank() -> None:
    """Rankings per lot from the tender evaluation."""


@rank.command("set")
@click.argument("lot", type=ID)
@click.argument("providers", nargs=-1, required=True)
@on_option
@pass_desk
def rank_set(desk: Desk, lot: int, providers: tuple[str, ...], on: date | None) -> None:
    """Set LOT's ranking: PROVIDER ids or names, rank 1 first."""
    ranked = desk.office().set_ranking(lot=lot, providers=list(providers), on=on)
    click.echo(f"Lot {lot}: " + ", ".join(f"{i}. {p.name}" for i, p, _ in ranked))


@rank.command("import", short_help="Import rankings (and rates) from a CSV file.")
@click.argument("path", metavar="FILE.csv", type=click.Path(dir_okay=False))
@on_option
@pass_desk
def rank_import(desk: Desk, path: str, on: date | None) -> None:
    """Import rankings (and rates) from CSV: lot,rank,provider[,day_rate,session_rate,place_rate].

    The whole file is checked first; if any row is bad nothing is imported and every bad
    row is listed with its line number.
    """
    from calloff.errors import ImportRejected

    try:
        counts = desk.office().import_rankings(path, on=on)
    except ImportRejected as e:
        _print_rejected(e)
        raise
    for lot, n in sorted(counts.items()):
        click.echo(f"Lot {lot}: {n} provider(s) ranked.")


@rank.command("show")
@click.argument("lot", type=ID)
@json_option
@pass_desk
def rank_show(desk: Desk, lot: int, as_json: bool) -> None:
    """Show LOT's ranking with tendered rates."""
    from calloff.documents import json_shapes

    ranking = desk.office().ranking(lot)
    if as_json:
        return emit(json_shapes.ranking(lot, ranking))
    if not ranking:
        click.echo(f"Lot {lot} has no ranking yet.")
    for rank, p, tendered in ranking:
        rates = (
            ", ".join(
                f"{u} {format_money(v)}" for u, v in tendered.as_dict().items() if v is not None
            )
            or "no rates"
        )
        status = "" if p.status == "active" else f" [{p.status}]"
        click.echo(f"{rank:>3}. {p.name} (id {p.id}){status}: {rates}")


@main.group()
def price() -> None:
    """Tendered unit rates per lot."""


@price.command("set")
@click.argument("lot", type=ID)
@click.argument("provider_ref", metavar="PROVIDER")
@click.option("--day", type=MONEY, default=None, help="Rate per day.")
@click.option("--session", type=MONEY, default=None, help="Rate per session.")
@click.option("--place", type=MONEY, default=None, help="Rate per place (attendee).")
@on_option
@pass_desk
def price_set(
    desk: Desk,
    lot: int,
    provider_ref: str,
    day: Decimal | None,
    session: Decimal | None,
    place: Decimal | None,
    on: date | None,
) -> None:
    """Set a provider's tendered rates on LOT (ex-VAT)."""
    office = desk.office()
    rates = office.set_rates(
        lot=lot, provider=provider_ref, day=day, session=session, place=place, on=on
    )
    shown = ", ".join(f"{u} {format_money(v)}" for u, v in rates.as_dict().items() if v is not None)
    name = office.provider(provider_ref).name
    click.echo(f"{name}'s rates on lot {lot}: {shown}")


# -- requests and allocation ---------------------------------------------------------------


@main.group()
def request() -> None:
    """Training requests agreed by the strategy group."""


@request.command("add", short_help="Record a training request on a lot.")
@click.option("--lot", type=ID, required=True, help="Lot number.")
@click.option("--title", required=True, help="What the training is.")
@click.option("--start", type=DATE, required=True, help="First day of delivery.")
@click.option("--end", type=DATE, default=None, help="Last day of delivery (default --start).")
@click.option("--value", type=MONEY, default=None, help="A fixed value (ex-VAT).")
@click.option(
    "--quantity",
    type=WholeNumber(1, 1_000_000),
    default=None,
    help="How many units (priced at the provider's tendered rate).",
)
@click.option("--unit", type=click.Choice(UNITS), default=None, help="The unit of --quantity.")
@click.option(
    "--funding",
    default=None,
    help="Funding stream: core, innovation or traded (default: the framework's).",
)
@click.option(
    "--attendees",
    type=WholeNumber(0, 10_000_000),
    default=None,
    help="Practitioners to be trained.",
)
@on_option
@json_option
@pass_desk
def request_add(
    desk: Desk,
    lot: int,
    value: Decimal | None,
    quantity: int | None,
    unit: str | None,
    on: date | None,
    as_json: bool,
    **details: Any,
) -> None:
    """Record a training request on a lot: a fixed --value, or --quantity and --unit."""
    try:
        request_shape(value, quantity, unit)
    except CalloffError as e:
        raise click.UsageError(e.for_command()) from None
    # --title, --start, --end, --funding and --attendees, by the library's own names
    r = desk.office().add_request(
        lot=lot, value=value, quantity=quantity, unit=unit, on=on, **details
    )
    if as_json:
        from calloff.documents import json_shapes

        return emit(json_shapes.request(r))
    click.echo(f"Request {r.id} recorded on lot {lot}.")


@request.command("list")
@json_option
@pass_desk
def request_list(desk: Desk, as_json: bool) -> None:
    """List requests and where each stands."""
    from calloff.documents import json_shapes

    requests = desk.office().requests()
    if as_json:
        return emit([json_shapes.request_standing(r) for r in requests])
    for r in requests:
        latest = f"call-off {r.calloff}" if r.calloff else ""
        if r.status == "in_competition":
            latest = f"competition {r.competition}"
        click.echo(f"{r.id:>4}  lot {r.lot}  {r.start}  {r.status:<12} {latest:<14} {r.title}")


def _print_outcome(o: Outcome) -> None:
    for p in o.passed_over:
        click.echo(f"  passed over rank {p.rank} {p.name}: {p.reason}")
    c = o.calloff
    if c and o.provider:
        answer = (
            f"respond by {c.respond_by}."
            if c.respond_by
            else "to be approved by another officer before it is offered."
        )
        click.echo(
            f"Call-off {c.id}: request {c.request_id} {o.status.replace('_', ' ')} to "
            f"{o.provider.name} (rank {c.rank} on lot {c.lot}) at {format_money(c.value)}, "
            f"{c.funding}; {answer} Headroom left {format_money(c.headroom_after)}."
        )
        if o.approval_reason:
            click.echo(f"  Needs approval: {o.approval_reason}")
    else:
        click.echo(f"Request {o.request.id} is unallocated: {o.refused}")


@main.command()
@click.argument("request_id", metavar="REQUEST", type=ID)
@on_option
@json_option
@pass_desk
def allocate(desk: Desk, request_id: int, on: date | None, as_json: bool) -> None:
    """Offer REQUEST to the top-ranked eligible provider on its lot."""
    from calloff.documents import json_shapes

    outcome = desk.office().allocate(request_id, on=on)
    if as_json:
        return emit(json_shapes.outcome(outcome))
    _print_outcome(outcome)


@main.command()
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option(
    "--po",
    default=None,
    metavar="NUMBER",
    help="The council's purchase order number, where one was raised already.",
)
@on_option
@json_option
@pass_desk
def accept(desk: Desk, calloff_id: int, po: str | None, on: date | None, as_json: bool) -> None:
    """Record that the provider accepted CALLOFF."""

    c = desk.office().accept(calloff_id, on=on, po=po)
    if as_json:
        return emit(_calloff_json(desk, c))
    click.echo(
        f"Call-off {c.id} accepted on {c.decided_on}"
        + (f", purchase order {po.strip()}." if po else ".")
    )


@main.command("po", short_help="Record the council's purchase order number for a call-off.")
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.argument("number", metavar="NUMBER")
@on_option
@json_option
@pass_desk
def purchase_order(
    desk: Desk, calloff_id: int, number: str, on: date | None, as_json: bool
) -> None:
    """Record NUMBER, the purchase order the finance system raised for CALLOFF once it was
    accepted: one per call-off, never another's; a spend file may then name it (`po`)."""
    c = desk.office().record_po(calloff_id, number=number, on=on)
    if as_json:
        return emit(_calloff_json(desk, c))
    click.echo(f"Call-off {c.id}: purchase order {number.strip()} recorded.")


@main.command(short_help="Record a decline; offer the request to the next rank.")
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option("--reason", required=True, help="Why the provider declined (kept for audit).")
@on_option
@json_option
@pass_desk
def decline(desk: Desk, calloff_id: int, reason: str, on: date | None, as_json: bool) -> None:
    """Record a decline of CALLOFF and offer the request to the next eligible provider."""
    from calloff.documents import json_shapes

    outcome = desk.office().decline(calloff_id, reason=reason, on=on)
    if as_json:
        return emit({**json_shapes.outcome(outcome), "declined": calloff_id})
    click.echo(f"Call-off {calloff_id} declined.")
    _print_outcome(outcome)


@main.command(short_help="Approve CALLOFF at or over the approval threshold.")
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option(
    "--decision",
    metavar="REF",
    default=None,
    help="The decision's reference (e.g. D49838); needed over the framework's key-decision value.",
)
@on_option
@json_option
@pass_desk
def approve(
    desk: Desk, calloff_id: int, decision: str | None, on: date | None, as_json: bool
) -> None:
    """Approve CALLOFF (at or over the threshold): it is then offered to the provider.

    The approver holds the approver role with a limit of at least the call-off's value
    (or covers for an absent approver who does) and did not raise it.
    """

    office = desk.office()
    c = office.approve(calloff_id, on=on, decision=decision)
    if as_json:
        return emit(_calloff_json(desk, c))
    ref = f" (decision {c.decision})" if c.decision else ""
    who = office.audit(calloff=c.id)[-1].acted  # with the cover that allowed it, if any
    click.echo(
        f"Call-off {c.id} approved by {who} on {c.approved_on}{ref} and "
        f"offered; respond by {c.respond_by}."
    )


@main.command()
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option("--reason", required=True, help="Why it is rejected (kept for audit).")
@on_option
@json_option
@pass_desk
def reject(desk: Desk, calloff_id: int, reason: str, on: date | None, as_json: bool) -> None:
    """Reject CALLOFF awaiting approval: its commitment is released."""

    c = desk.office().reject(calloff_id, reason=reason, on=on)
    if as_json:
        return emit(_calloff_json(desk, c))
    if c.competition_id is not None:
        k = c.competition_id
        click.echo(
            f"Call-off {c.id} rejected; competition {k} can be awarded again "
            f"(`calloff competition award {k}`) or cancelled."
        )
        return
    click.echo(f"Call-off {c.id} rejected; request {c.request_id} can be allocated again.")


@main.command()
@json_option
@pass_desk
def approvals(desk: Desk, as_json: bool) -> None:
    """List call-offs awaiting approval."""
    from calloff.documents import json_shapes

    waiting = desk.office().approvals()
    if as_json:
        return emit([json_shapes.awaiting_approval(a) for a in waiting])
    if not waiting:
        click.echo("No call-offs are awaiting approval.")
    for a in waiting:
        click.echo(
            f"Call-off {a.calloff}: request {a.request} (lot {a.lot}) to {a.name} "
            f"(rank {a.rank}), {format_money(a.value)}, raised by {a.raised_by} on {a.raised_on}"
        )
        if a.approval_reason:
            click.echo(f"  Needs approval: {a.approval_reason}")


@main.command(short_help="Lapse offers unanswered past their respond-by day.")
@on_option
@json_option
@pass_desk
def lapse(desk: Desk, on: date | None, as_json: bool) -> None:
    """Treat every offer unanswered past its respond-by date as declined, and cascade."""
    from calloff.documents import json_shapes

    lapses = desk.office().lapse(on=on)
    if as_json:
        return emit(
            [{**json_shapes.outcome(item.outcome), "lapsed": item.lapsed.id} for item in lapses]
        )
    if not lapses:
        click.echo(f"No offer is past its respond-by date on {effective(on)}.")
    for item in lapses:
        click.echo(f"Call-off {item.lapsed.id} lapsed (no answer by {item.lapsed.respond_by}).")
        _print_outcome(item.outcome)


@main.command(short_help="List offers awaiting the provider's answer.")
@json_option
@pass_desk
def offers(desk: Desk, as_json: bool) -> None:
    """List offers still awaiting the provider's answer; overdue ones are flagged."""
    from calloff.documents import json_shapes

    pending = desk.office().offers()
    if as_json:
        return emit([json_shapes.pending_offer(o) for o in pending])
    if not pending:
        click.echo("No offers are awaiting an answer.")
    for o in pending:
        late = o.overdue_working_days
        flag = (
            ""
            if late is None
            else f" — overdue by {late} working day{'s' if late != 1 else ''}"
            if late
            else " — overdue: its respond-by date has passed"
        )
        if late is not None:
            flag += f" — run `{o.lapse_command}`"
        click.echo(
            f"Call-off {o.calloff}: request {o.request} (lot {o.lot}) to {o.name} "
            f"(rank {o.rank}), {format_money(o.value)}, "
            f"offered {o.offered_on}, respond by {o.respond_by}{flag}"
        )


@main.command()
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@json_option
@pass_desk
def show(desk: Desk, calloff_id: int, as_json: bool) -> None:
    """Everything about one call-off, its cascade history included."""
    from calloff.documents.rendering import render_text

    data = desk.office().show(calloff_id)
    if as_json:
        return emit(data)
    click.echo(render_text("show.txt.j2", data))


@main.command(short_help="Ceiling, commitments and headroom for a year.")
@click.option("--year", type=YEAR, default=None, help="Financial year, e.g. 2015-16.")
@json_option
@pass_desk
def headroom(desk: Desk, year: FinancialYear | None, as_json: bool) -> None:
    """Ceiling, commitments and headroom for a financial year, by funding stream."""
    from calloff.documents import json_shapes

    pos = desk.office().headroom(year=year)
    if as_json:
        return emit(json_shapes.position(pos))
    if not pos.has_ceiling:
        click.echo(
            f"{pos.year} has no ceiling yet: set one with `calloff ceiling set --year "
            f"{pos.year} --funding STREAM --amount MONEY`."
        )
        click.echo(f"{pos.year}: no ceiling, committed {format_money(pos.committed)}")
    else:
        click.echo(
            f"{pos.year}: ceiling {format_money(pos.ceiling)}, committed "
            f"{format_money(pos.committed)}, headroom {format_money(pos.headroom)}"
        )
    for s in pos.streams:
        cap = (
            format_money(s.cap)
            if s.cap is not None
            else "not set"
            if s.capped
            else "no cap of its own"
        )
        left = (
            format_money(s.headroom)
            if s.headroom is not None
            else "—"
            if s.capped
            else "within the ceiling"
        )
        click.echo(
            f"  {s.name:<11} {s.status:<9} cap {cap}; committed "
            f"{format_money(s.committed)}; headroom {left}"
        )


@main.group()
def ceiling() -> None:
    """Budget ceilings per financial year and funding stream."""


@ceiling.command("set", short_help="Set a funding stream's cap for a year.")
@click.option("--year", type=YEAR, required=True, help="Financial year, e.g. 2016-17.")
@click.option("--funding", required=True, help="Funding stream, e.g. core.")
@click.option("--amount", type=MONEY, required=True, help="The stream's cap for the year.")
@on_option
@pass_desk
def ceiling_set(
    desk: Desk, year: FinancialYear, funding: str, amount: Decimal, on: date | None
) -> None:
    """Set a funding stream's cap for a year (refused below what is already committed)."""
    pos = desk.office().set_ceiling(year=year, funding=funding, amount=amount, on=on)
    click.echo(
        f"{funding} cap for {year} set to {format_money(amount)} from {effective(on)}; "
        f"on that day the ceiling is {format_money(pos.ceiling)} and headroom "
        f"{format_money(pos.headroom)}."
    )


@main.group()
def funding() -> None:
    """Funding streams."""


@funding.command("confirm", short_help="Confirm a pending funding stream (the DfE grant).")
@click.argument("stream")
@on_option
@pass_desk
def funding_confirm(desk: Desk, stream: str, on: date | None) -> None:
    """Record that a pending funding stream (the DfE grant) is confirmed."""
    desk.office().confirm_funding(stream, on=on)
    click.echo(f"Funding stream {stream} confirmed on {effective(on)}.")


@main.group(
    invoke_without_command=True, short_help="Show the term; `calloff term extend` extends it."
)
@json_option
@click.pass_context
def term(ctx: click.Context, as_json: bool) -> None:
    """Show the framework's term; `calloff term extend` takes up an extension."""
    if ctx.invoked_subcommand is not None:
        return
    from calloff.documents import json_shapes

    office = _desk(ctx).office()
    fw = office.framework
    if as_json:
        return emit(json_shapes.term(fw, office.extensions()))
    _print_term(fw)


def _print_term(fw: Framework) -> None:
    t = fw.term
    click.echo(
        f"Term: {t.start} to {t.end} (original end {t.original_end}); "
        f"{t.extensions_used} extension(s) taken, {t.extensions_left} left; "
        f"latest possible end {t.latest_end}."
    )


@term.command("extend")
@on_option
@json_option
@pass_desk
def term_extend(desk: Desk, on: date | None, as_json: bool) -> None:
    """Take up the next extension option."""
    from calloff.documents import json_shapes

    office = desk.office()
    fw = office.extend_term(on=on)
    if as_json:
        return emit(json_shapes.term(fw, office.extensions()))
    _print_term(fw)


# -- after acceptance: spend, variations, completion ---------------------------------------


@main.group()
def spend() -> None:
    """Actual spend: invoice lines against accepted call-offs."""


@spend.command("add")
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option("--amount", type=MONEY, required=True, help="Invoice amount (ex-VAT).")
@click.option(
    "--date", "spent_on", type=DATE, required=True, help="Invoice date: the quarter it falls in."
)
@click.option("--invoice", required=True, help="The provider's invoice reference.")
@click.option(
    "--attendees",
    type=WholeNumber(0, 10_000_000),
    default=None,
    help="Practitioners trained, as invoiced.",
)
@click.option("--received", type=DATE, default=None, help="Day the invoice was received.")
@click.option("--paid", type=DATE, default=None, help="Day it was paid (or: spend pay later).")
@click.option(
    "--vat", type=MONEY, default=None, help="VAT on it [default: 20% standard, 0 exempt]."
)
@click.option(
    "--irrecoverable-vat",
    "irrecoverable_vat",
    type=MONEY,
    default=None,
    help="VAT the council cannot reclaim [default: 0.00].",
)
@on_option
@json_option
@pass_desk
def spend_add(
    desk: Desk,
    calloff_id: int,
    amount: Decimal,
    spent_on: date,
    invoice: str,
    attendees: int | None,
    received: date | None,
    paid: date | None,
    vat: Decimal | None,
    irrecoverable_vat: Decimal | None,
    on: date | None,
    as_json: bool,
) -> None:
    """Record one invoice line against an accepted CALLOFF."""
    from calloff.documents import json_shapes

    office = desk.office()
    line = office.add_spend(
        calloff_id,
        amount=amount,
        invoice_date=spent_on,
        invoice=invoice,
        attendees=attendees,
        on=on,
        received=received,
        paid=paid,
        vat=vat,
        irrecoverable_vat=irrecoverable_vat,
    )
    c = office.calloff(calloff_id)
    spent = office.spent(calloff_id)
    if as_json:
        return emit(json_shapes.spend_line(_calloff_json(desk, c), c, line, spent))
    click.echo(
        f"Invoice {invoice.strip()}: {format_money(amount)} on call-off {calloff_id}; "
        f"spent {format_money(spent)} of {format_money(c.value)}."
    )


@spend.command("pay", short_help="Record that an invoice was paid.")
@click.argument("invoice")
@click.option("--on", type=DATE, default=None, help="Day it was paid [default: today].")
@click.option(
    "--provider",
    "provider_ref",
    default=None,
    metavar="PROVIDER",
    help="Whose invoice, where two providers used the reference.",
)
@click.option("--received", type=DATE, default=None, help="Day it was received, if not known.")
@json_option
@pass_desk
def spend_pay(
    desk: Desk,
    invoice: str,
    on: date | None,
    provider_ref: str | None,
    received: date | None,
    as_json: bool,
) -> None:
    """Record that INVOICE (a reference already recorded) was paid --on a day."""
    from calloff.documents import json_shapes

    paid = desk.office().pay(invoice, on=on, provider=provider_ref, received=received)
    if as_json:
        return emit(json_shapes.payment(paid))
    days = f", {(paid.paid - paid.received).days} day(s) after receipt" if paid.received else ""
    click.echo(
        f"Invoice {paid.invoice} on call-off {paid.calloff} "
        f"({format_money(paid.amount + paid.vat)} with VAT) paid on {paid.paid}{days}."
    )


@spend.command("import", short_help="Import invoice lines from a CSV file.")
@click.argument("path", metavar="FILE.csv", type=click.Path(dir_okay=False))
@click.option(
    "--map",
    "mapping",
    default=None,
    metavar="FIELD=HEADING,…",
    help="Read a finance system's export: which heading holds each field, e.g. "
    'invoice="Document No",amount="Net Amount",date="Invoice Date",po="PO Number".',
)
@click.option(
    "--map-file",
    default=None,
    metavar="FILE.toml",
    type=click.Path(dir_okay=False),
    help="The same mapping, saved in a TOML file ([spend_map]).",
)
@on_option
@pass_desk
def spend_import(
    desk: Desk, path: str, mapping: str | None, map_file: str | None, on: date | None
) -> None:
    """Import invoice lines from CSV: calloff,invoice,date,amount[,attendees,received,
    paid,vat,irrecoverable_vat,po,cost_centre,gl_code], or a finance system's export read
    through --map, --map-file or the definition's saved spend_map. The fields a mapping
    may name: calloff (the order reference), po, invoice, amount, vat, date, received,
    paid, cost_centre, gl_code, attendees.

    The whole file is checked first; if any row is bad nothing is imported and every bad
    row is listed with its line number. Lines already recorded are skipped.
    """
    from calloff.arguments import spend_map, spend_map_file
    from calloff.errors import ImportRejected

    if mapping is not None and map_file is not None:
        raise click.UsageError("--map and --map-file disagree: give one of them")
    chosen = None
    if mapping is not None:
        chosen = spend_map(mapping)
    elif map_file is not None:
        chosen = spend_map_file(map_file)
    office = desk.office()
    lines = _count_lines(path) if sys.stderr.isatty() else 0
    try:
        if lines > 2000:
            # Each row is counted twice: once checked, once written.
            with _progress(2 * lines, "Importing") as bar:
                summary = office.import_spend(path, on=on, progress=bar.update, mapping=chosen)
                bar.update((bar.length or 0) - bar.pos)
        else:
            summary = office.import_spend(path, on=on, mapping=chosen)
    except ImportRejected as e:
        _print_rejected(e)
        raise
    if summary.imported == 0:
        click.echo(
            f"Nothing new to import: all {summary.skipped} line(s) in {path} were already recorded."
            if summary.skipped
            else f"{path} has no invoice lines."
        )
        return
    skipped = f"; {summary.skipped} already recorded, skipped" if summary.skipped else ""
    click.echo(
        f"Imported {summary.imported} spend line(s), {format_money(summary.amount)}{skipped}."
    )


@contextlib.contextmanager
def _progress(length: int, label: str) -> Iterator[Any]:
    """A progress bar on stderr for a person watching, taken down when the work is done:
    what the command then says (a refusal's one line above all) stands alone."""
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        try:
            yield bar
        finally:
            bar.hidden = True  # no closing newline: the bar's line is cleared instead
            sys.stderr.write("\r\x1b[2K\x1b[?25h")
            sys.stderr.flush()


def _print_rejected(e: ImportRejected) -> None:
    """Every bad row of a refused CSV file, by line, on stderr."""
    for line, message in e.command_problems:
        click.echo(f"{e.path}:{line}: {message}", err=True)
    if e.more:
        click.echo(e.more, err=True)


def _count_lines(path: str) -> int:
    """Lines in a file, for a progress bar: read in blocks, never the whole file at once."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # /dev/zero never ends
            return 0
        with open(path, "rb") as f:
            return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return 0  # the import itself says what is wrong with the file


@main.command(short_help="Change an accepted CALLOFF's value.")
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option("--value", type=MONEY, required=True, help="The call-off's new value (ex-VAT).")
@click.option("--reason", required=True, help="Why the value changes (kept for audit).")
@on_option
@json_option
@pass_desk
def vary(
    desk: Desk, calloff_id: int, value: Decimal, reason: str, on: date | None, as_json: bool
) -> None:
    """Change an accepted CALLOFF's value; an increase must fit under the ceiling."""

    c = desk.office().vary(calloff_id, value=value, reason=reason, on=on)
    if as_json:
        return emit(_calloff_json(desk, c))
    click.echo(f"Call-off {c.id} now worth {format_money(c.value)}.")


@main.command(short_help="Record that CALLOFF's delivery finished.")
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@on_option
@json_option
@pass_desk
def complete(desk: Desk, calloff_id: int, on: date | None, as_json: bool) -> None:
    """Delivery of CALLOFF finished: its commitment becomes its actual spend."""

    from calloff.documents import json_shapes

    office = desk.office()
    c = office.complete(calloff_id, on=on)
    spent = office.spent(c.id)
    if as_json:
        return emit(json_shapes.with_spent(_calloff_json(desk, c), spent))
    click.echo(
        f"Call-off {c.id} completed: commitment {format_money(spent)} "
        f"(value was {format_money(c.value)})."
    )


@main.command()
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option("--reason", required=True, help="Why it is cancelled (kept for audit).")
@on_option
@json_option
@pass_desk
def cancel(desk: Desk, calloff_id: int, reason: str, on: date | None, as_json: bool) -> None:
    """Cancel CALLOFF: its commitment becomes what was spent so far."""

    from calloff.documents import json_shapes

    office = desk.office()
    c = office.cancel(calloff_id, reason=reason, on=on)
    spent = office.spent(c.id)
    if as_json:
        return emit(json_shapes.with_spent(_calloff_json(desk, c), spent))
    click.echo(f"Call-off {c.id} cancelled: commitment {format_money(spent)}.")


# -- the register of officers --------------------------------------------------------------

ROLE_NAMES = ("officer", "approver", "finance", "auditor", "admin")
ROLE = click.Choice(ROLE_NAMES, case_sensitive=False)


@main.group("officer", short_help="The register of officers: roles, limits and cover.")
def officer_group() -> None:
    """The register of officers: who may do what, up to what value, and cover while
    someone is away. Changing it needs the admin role.

    Roles: officer (requests, allocation, answers, variations, completion, cancellation,
    competitions), approver (approve and reject up to their --limit), finance (spend,
    imports, payments, payment publications), auditor (reads everything and runs
    `calloff audit verify`; writes nothing), admin (the register, providers, rankings,
    rates, ceilings, funding, the term and the framework's settings).
    """


def _since(value: date | None) -> str:
    from calloff.documents.register import day

    return day(value) or "the start"


def _officer_line(o: Any) -> str:
    limit = o.limit_text if "approver" in o.roles else "—"
    status = f"left {o.left_on}" if o.left_on else "current"
    return (
        f"{o.login:<16} {o.name:<22} {', '.join(o.roles):<42} {limit:>13}  "
        f"{_since(o.registered_on):<10}  {status}"
    )


def _limit_text(limit: str | None) -> str:
    return "no limit" if limit is None else format_money(Decimal(limit))


@officer_group.command(
    "add", short_help="Register an officer with roles (and an approver's limit)."
)
@click.argument("login")
@click.option("--name", required=True, help="The officer's full name.")
@click.option(
    "--role", "roles", type=ROLE, multiple=True, required=True, help="A role (repeat for more)."
)
@click.option(
    "--limit",
    type=MONEY,
    default=None,
    help="The most an approver may approve; left out, an approver has no limit.",
)
@click.option("--email", default=None, metavar="ADDRESS", help="Where messages go.")
@on_option
@json_option
@pass_desk
def officer_add(
    desk: Desk,
    login: str,
    name: str,
    roles: tuple[str, ...],
    limit: Decimal | None,
    email: str | None,
    on: date | None,
    as_json: bool,
) -> None:
    """Register LOGIN (their operating-system account name) with roles from --on."""
    from calloff.documents import register

    o = desk.office().add_officer(
        login, name=name, roles=list(roles), limit=limit, email=email, on=on
    )
    if as_json:
        return emit(register.officer(o))
    limit_text = f" (limit {o.limit_text})" if "approver" in o.roles else ""
    click.echo(
        f"Registered {o.login} ({o.name}) from {_since(o.since)}: {', '.join(o.roles)}{limit_text}."
    )


@officer_group.command("list", short_help="Every officer: roles, limits, since when, who has left.")
@json_option
@pass_desk
def officer_list(desk: Desk, as_json: bool) -> None:
    """Every officer as the register stands today, with those who have left."""
    from calloff.documents import register

    found = desk.office().officers()
    if as_json:
        return emit([register.officer(o) for o in found])
    click.echo(f"{'LOGIN':<16} {'NAME':<22} {'ROLES':<42} {'LIMIT':>13}  {'SINCE':<10}  STATUS")
    for o in found:
        click.echo(_officer_line(o))


@officer_group.command("show", short_help="One officer: roles, limit, history and cover.")
@click.argument("login")
@json_option
@pass_desk
def officer_show(desk: Desk, login: str, as_json: bool) -> None:
    """One officer: roles, limit, every dated entry, and cover given or held."""
    data = desk.office().officer_document(login)
    if as_json:
        return emit(data)
    click.echo(f"{data['login']}: {data['name']}")
    click.echo(f"  Roles:      {', '.join(data['roles']) or '—'}")
    if "approver" in data["roles"]:
        click.echo(f"  Limit:      {_limit_text(data['limit'])}")
    click.echo(f"  Email:      {data['email'] or '—'}")
    click.echo(f"  Registered: from {data['registered_on'] or 'the start'}")
    if data["left_on"]:
        click.echo(f"  Left:       {data['left_on']} ({data['left_reason']})")
    click.echo("  History:")
    for entry in data["history"]:
        what = f"left: {entry['left_reason']}" if entry["left_on"] else ", ".join(entry["roles"])
        limit = f", limit {_limit_text(entry['limit'])}" if "approver" in entry["roles"] else ""
        click.echo(f"    from {entry['since'] or 'the start':<10}  {what}{limit}")
    for d in data["delegations"]:
        click.echo(
            f"  Cover:      {d['to']} for {d['login']}, {d['from']} to {d['until']} "
            f"({d['status']}){': ' + d['reason'] if d['reason'] else ''}"
        )


@officer_group.command(
    "edit", short_help="Change an officer's name, roles, limit or email from a date."
)
@click.argument("login")
@click.option("--name", default=None, help="A new name.")
@click.option("--add-role", "add_roles", type=ROLE, multiple=True, help="A role to add.")
@click.option(
    "--remove-role", "remove_roles", type=ROLE, multiple=True, help="A role to take away."
)
@click.option("--limit", type=MONEY, default=None, help="A new approver's limit.")
@click.option("--no-limit", is_flag=True, help="The approver may approve any value.")
@click.option("--email", default=None, metavar="ADDRESS", help="A new email address.")
@on_option
@json_option
@pass_desk
def officer_edit(
    desk: Desk,
    login: str,
    name: str | None,
    add_roles: tuple[str, ...],
    remove_roles: tuple[str, ...],
    limit: Decimal | None,
    no_limit: bool,
    email: str | None,
    on: date | None,
    as_json: bool,
) -> None:
    """Change LOGIN from --on (default today); what is not given stays as it was."""
    from calloff.documents import register

    o = desk.office().edit_officer(
        login,
        name=name,
        add_roles=list(add_roles),
        remove_roles=list(remove_roles),
        limit=limit,
        no_limit=no_limit,
        email=email,
        on=on,
    )
    if as_json:
        return emit(register.officer(o))
    limit_text = f", limit {o.limit_text}" if "approver" in o.roles else ""
    click.echo(f"{o.login} from {_since(o.since)}: {', '.join(o.roles)}{limit_text}.")


@officer_group.command(
    "leave", short_help="Record that an officer left: their rights end that day."
)
@click.argument("login")
@click.option("--reason", required=True, help="Why their rights end (kept for audit).")
@on_option
@json_option
@pass_desk
def officer_leave(desk: Desk, login: str, reason: str, on: date | None, as_json: bool) -> None:
    """LOGIN's rights end from --on; their history is kept and the login never reused."""
    from calloff.documents import register

    o = desk.office().officer_leaves(login, reason=reason, on=on)
    if as_json:
        return emit(register.officer(o))
    click.echo(f"{o.login} left on {o.left_on}: their rights end from that day.")


@officer_group.command("delegate", short_help="Cover: another officer approves for an absent one.")
@click.argument("login")
@click.option("--to", "to", required=True, metavar="LOGIN", help="Who covers.")
@click.option("--from", "starts", type=DATE, required=True, help="First day of cover.")
@click.option("--until", "ends", type=DATE, required=True, help="Last day of cover.")
@click.option("--reason", default=None, help="Why (leave, say).")
@json_option
@pass_desk
def officer_delegate(
    desk: Desk,
    login: str,
    to: str,
    starts: date,
    ends: date,
    reason: str | None,
    as_json: bool,
) -> None:
    """Cover while LOGIN is away: --to approves with LOGIN's authority and limit from
    --from to --until (the window may lie in the future)."""
    from calloff.documents import register

    d = desk.office().delegate(login, to=to, starts=starts, ends=ends, reason=reason)
    if as_json:
        return emit(register.delegation(d))
    click.echo(f"{d.delegate} covers for {d.login} from {d.starts} to {d.ends}.")


@officer_group.command("delegations", short_help="Every cover recorded, past, current and future.")
@json_option
@pass_desk
def officer_delegations(desk: Desk, as_json: bool) -> None:
    """Every cover recorded: who covers for whom, when, and whether it is current."""
    from calloff.documents import register

    found = [register.delegation(d) for d in desk.office().delegations()]
    if as_json:
        return emit(found)
    if not found:
        click.echo("No cover recorded.")
    for d in found:
        reason = f": {d['reason']}" if d["reason"] else ""
        click.echo(
            f"{d['id']:>3}  {d['to']} for {d['login']}, {d['from']} to {d['until']} "
            f"({d['status']}){reason}"
        )


@officer_group.command("password", short_help="Set an officer's password for the workspace.")
@click.argument("login")
@pass_desk
def officer_password(desk: Desk, login: str) -> None:
    """Set LOGIN's password for `calloff serve`: your own, or anyone's if you are an admin.

    At a terminal it is asked for twice and not shown; a script pipes it on standard input
    (one line). At least 12 characters and not a common password; only its hash is kept,
    and sessions signed in with the old one end.
    """
    if sys.stdin.isatty():
        password = click.prompt(
            "New password", hide_input=True, confirmation_prompt="Type it again"
        )
    else:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _fail(
                "no password on standard input: pipe one line, or run it at a terminal to "
                "be asked for it",
                1,
            )
    entry = desk.office().set_password(login, password=password)
    click.echo(f"Password set for {entry.login}; any session signed in with the old one ends.")


# -- messages ------------------------------------------------------------------------------


@main.group(short_help="Messages: send the outbox by e-mail, and list it.")
def notify() -> None:
    """Tell people what they must act on: offers (with a link to answer), reminders, answers,
    approvals waiting, invitations, letters, publications due, the term ending
    (docs/messages.md). Each message is written with the event that needs it."""


@notify.command("send", short_help="Write the day's reminders and send what is due.")
@on_option
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    envvar="CALLOFF_TEMPLATES",
    help="A folder of your own message templates (messages/KIND.txt.j2), tried first.",
)
@json_option
@pass_desk
def notify_send(desk: Desk, on: date | None, templates: str | None, as_json: bool) -> None:
    """Write the reminders that day --on (default today) brings, then send every message
    due by SMTP (CALLOFF_SMTP_HOST and the rest: docs/messages.md), each once. For cron;
    the server's scheduler does the same every minute."""
    from calloff.api import mail_settings
    from calloff.documents import json_messages

    mail = mail_settings()
    done = desk.office().send_messages(on=on, mail=mail, templates=templates)
    if as_json:
        return emit(json_messages.sending(done))
    if mail.route is None:
        click.echo(
            "No SMTP server (CALLOFF_SMTP_HOST) or GOV.UK Notify key is set: nothing was sent."
        )
    click.echo(
        f"Sent {done.sent}, failed {done.failed}; the outbox holds {done.undeliverable} "
        f"undeliverable (no address) and {done.waiting} waiting; {done.reminders} new "
        "reminder(s)."
    )
    if done.gave_up:
        click.echo(
            f"{done.gave_up} failed for good after the last try: see `calloff notify list "
            "--failed`."
        )


@notify.command("list", short_help="The outbox, newest first.")
@click.option("--failed", is_flag=True, help="Only the messages that failed for good.")
@click.option(
    "--status",
    type=click.Choice(["pending", "sent", "failed", "undeliverable", "superseded"]),
    default=None,
    help="Only the messages with this status.",
)
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=200, show_default=True, help="At most."
)
@json_option
@pass_desk
def notify_list(desk: Desk, failed: bool, status: str | None, limit: int, as_json: bool) -> None:
    """The outbox: who was told what, at which address, and whether it was sent
    (undeliverable: nobody recorded an address). For admins and auditors."""
    from calloff.documents import json_messages

    if failed and status not in (None, "failed"):
        _fail("give --failed or --status, not both", 2)
    found = desk.office().messages(status="failed" if failed else status, limit=limit)
    if as_json:
        return emit([json_messages.message(m) for m in found])
    if not found:
        click.echo("No messages." if not (failed or status) else "No such messages.")
    for m in found:
        to = f"{m.name} <{m.address}>" if m.address else f"{m.name} (no e-mail address)"
        when = m.sent_at or m.created_at
        click.echo(f"{m.id}. {when[:16].replace('T', ' ')} {m.status}: {m.subject}; to {to}")
        if m.last_error and m.status != "sent":
            click.echo(f"   tried {m.attempts} time(s); last: {m.last_error}")


# -- the workspace in the browser ------------------------------------------------------------


@main.command(short_help="Serve the team's workspace in the browser.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port."
)
@click.option(
    "--base-url",
    default=None,
    help="The address officers use, such as https://calloff.example.gov.uk (or "
    "CALLOFF_BASE_URL): links, and Secure cookies when it is https.",
)
@click.option(
    "--trusted-proxy",
    "trusted",
    multiple=True,
    metavar="ADDR",
    help="A reverse proxy's address (or network, 10.0.0.0/8) whose X-Forwarded-* headers "
    "are believed; repeat for more. From anyone else they are ignored.",
)
@click.option(
    "--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Threads."
)
@click.option(
    "--no-scheduler",
    "quiet",
    is_flag=True,
    help="Do not lapse offers, write reminders or send messages every minute (a demo from "
    "years ago, or a second server beside the one that does).",
)
@pass_desk
def serve(
    desk: Desk,
    host: str,
    port: int,
    base_url: str | None,
    trusted: tuple[str, ...],
    threads: int,
    quiet: bool,
) -> None:
    """Serve the workspace: officers sign in and work in the browser (docs/deploy.md).

    One server owns the database; run it as the account that created it (an admin).
    Behind a TLS reverse proxy, give --base-url https://... and --trusted-proxy.
    """
    try:
        from calloff.web.server import serve as run
    except ImportError as e:
        _fail(
            f"the workspace needs the web extra ({e.name} is missing): pip install 'calloff[web]'",
            1,
        )
    if desk.officer is not None:
        _fail("serve runs as the server's own account: leave out --officer", 2)
    try:
        import ipaddress

        for t in trusted:
            ipaddress.ip_network(t, strict=False)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--trusted-proxy") from None
    run(
        desk.db,
        host=host,
        port=port,
        base_url=base_url,
        trusted_proxies=trusted,
        threads=threads,
        scheduler=not quiet,
    )


# -- audit ---------------------------------------------------------------------------------


@main.group(invoke_without_command=True)
@click.option("--calloff", "calloff_id", type=ID, default=None, help="Only this call-off.")
@click.option(
    "--provider",
    "provider_ref",
    default=None,
    help="Only this provider (id or name) and its call-offs.",
)
@click.option("--since", type=DATE, default=None, help="Only events effective on or after.")
@json_option
@click.pass_context
def audit(
    ctx: click.Context,
    calloff_id: int | None,
    provider_ref: str | None,
    since: date | None,
    as_json: bool,
) -> None:
    """List the audit trail; `calloff audit verify` checks its chain."""
    if ctx.invoked_subcommand is not None:
        return
    from calloff.documents import json_shapes

    office = _desk(ctx).office()
    events = office.audit(calloff=calloff_id, provider=provider_ref or None, since=since)
    if as_json:
        return emit([json_shapes.audit_event(e) for e in events])
    for e in events:
        reason = f": {e.reason}" if e.reason else ""
        effective_on = str(e.effective_on or "")
        click.echo(
            f"{e.id:>5}  {e.recorded_at}  {effective_on:<10}  "
            f"{e.acted:<14} {e.action:<18} {e.object_type} {e.object_id}{reason}"
        )


@audit.command("verify", short_help="Check that the audit chain is whole.")
@click.option(
    "--expect",
    "expected",
    default=None,
    metavar="HASH",
    help="A head hash written down earlier (board minutes, `calloff audit anchor`): all "
    "64 hex digits, or at least the first 16. The chain must still pass through it. "
    "Catches a trail rewritten with the public recipe, or the file replaced by an older copy.",
)
@json_option
@pass_desk
def audit_verify(desk: Desk, expected: str | None, as_json: bool) -> None:
    """Check the audit chain: exit 0 if whole, 1 naming the first event tampered with."""
    from calloff.documents import json_audit
    from calloff.errors import InvalidInput

    if expected is not None:
        try:
            expected = head_hash(expected)
        except CalloffError as e:
            raise click.BadParameter(e.for_command(), param_hint="--expect") from None
    try:
        check = _verify_with_progress(desk.office(), expected)
    except InvalidInput as e:  # the head written down names more than one event
        raise click.BadParameter(e.for_command(), param_hint="--expect") from None
    if as_json:
        emit(json_audit.audit_check(check))
        if check.problem:
            sys.exit(1)
        return
    if check.problem:
        raise click.ClickException(f"audit trail does not verify: {check.problem}")
    click.echo(f"Audit chain whole: {check.events} event(s); head {check.head}")
    click.echo(
        f"Sealed with audit key {check.key}."
        if check.key
        else "Sealed without an audit key: anyone who can write the file can re-seal it "
        "(docs/audit.md)."
    )
    found = check.expected_event
    if found is not None:
        since = check.events - found
        click.echo(
            f"The head you expected is event {found}"
            + (f"; {since} event(s) recorded since." if since else ", the head now.")
        )


@audit.command("anchor", short_help="Say where the verified trail stands, for the minutes.")
@json_option
@pass_desk
def audit_anchor(desk: Desk, as_json: bool) -> None:
    """Verify the trail, then print a short statement to paste into the board's minutes or
    send to the auditor: framework, event number, time, head hash and the audit key's
    fingerprint. Later, `calloff audit verify --expect HEAD` proves the trail still passes
    through it."""
    from calloff.documents import json_audit

    anchor = desk.office().audit_anchor()
    if as_json:
        return emit(json_audit.audit_anchor(anchor))
    click.echo(anchor.statement)
    click.echo(f"Check it later with: calloff audit verify --expect {anchor.head}")


@audit.command("use-key", short_help="Seal a keyless database with the configured key.")
@pass_desk
def audit_use_key(desk: Desk) -> None:
    """Seal this database with the audit key CALLOFF_AUDIT_KEY_FILE names, from now on:
    for admins, once the trail verifies whole. A database kept without a key is not written
    by a process that holds one until this is done."""
    fingerprint = desk.office().use_audit_key()
    click.echo(
        f"Sealed with audit key {fingerprint} from now on: each write's seal carries its HMAC."
    )


@audit.command("new-key", short_help="Make a new audit key file (0600).")
@click.argument("key_file", metavar="FILE", type=click.Path(dir_okay=False))
def audit_new_key(key_file: str) -> None:
    """Write a new random audit key to FILE, readable by its owner only, and print its
    fingerprint. Name FILE in CALLOFF_AUDIT_KEY_FILE for the account that writes the
    database (the server's service account): from its next write on, each write's seal
    carries an HMAC that only the key's holder can make. Keep a copy of the key with the
    backups: a database sealed with a key is written, and verified, only with it."""
    from calloff.api import new_audit_key

    try:
        fingerprint = new_audit_key(key_file)
    except CalloffError as e:
        raise click.ClickException(e.for_command()) from None
    click.echo(f"Audit key written to {key_file} (fingerprint {fingerprint}).")
    click.echo(f"Set CALLOFF_AUDIT_KEY_FILE={key_file} for the account that writes the database.")


@main.command(short_help="Copy the database whole, while others work, and check the copy.")
@click.argument("destination", metavar="DEST", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace DEST if it exists (never the database).")
@json_option
@pass_desk
def backup(desk: Desk, destination: str, force: bool, as_json: bool) -> None:
    """Back up the database to DEST: a consistent copy taken through SQLite while others go
    on working (the newest commits, kept beside the file while anyone has it open,
    included), readable by its owner only, then checked as `calloff audit verify` checks
    the database, and its head hash printed. Never over the database, nor over a file that
    exists unless --force. Back up this way, never by copying the .db file alone."""
    from calloff.documents import json_audit

    copy = desk.office().backup(destination, force=force)
    if as_json:
        emit(json_audit.backup_copy(copy))
        if not copy.ok:
            sys.exit(1)
        return
    if not copy.ok:
        raise click.ClickException(
            f"the backup {copy.path} was written, but its audit trail does not verify: "
            f"{copy.problem}: it is the database as it stands; keep it, and look into it "
            "with `calloff audit verify`"
        )
    click.echo(
        f"Backed up to {copy.path} ({copy.bytes:,} bytes): audit chain whole, "
        f"{copy.events} event(s); head {copy.head}"
    )
    click.echo(f"Sealed with audit key {copy.key}." if copy.key else "Sealed without an audit key.")


def _verify_with_progress(office: Office, expected: str | None) -> Any:
    """`audit verify`, with a progress bar on stderr when a person is watching."""
    if not sys.stderr.isatty():
        return office.verify_audit(expect=expected)
    with _progress(office.audit_size(), "Verifying") as bar:
        check = office.verify_audit(expect=expected, progress=bar.update)
        bar.update(max((bar.length or 0) - bar.pos, 0))
    return check


# -- documents -----------------------------------------------------------------------------


def templates_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--templates",
        type=click.Path(file_okay=False, exists=True),
        default=None,
        envvar="CALLOFF_TEMPLATES",
        help="A folder of your own templates, tried before the bundled ones "
        "(or CALLOFF_TEMPLATES).",
    )(f)


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--output FILE and --force: where a document goes, and whether it may replace a file."""
    f = click.option(
        "--force", is_flag=True, help="Replace FILE if it exists (never the database)."
    )(f)
    return click.option(
        "--output",
        type=click.Path(dir_okay=False),
        default=None,
        metavar="FILE",
        help="Write to FILE (created 0600) instead of standard output.",
    )(f)


def guard_output(output: str | None, database: str, force: bool) -> None:
    """Before any work: a document must never be written over the database (by name,
    link or inode), nor over an existing file unless --force says so."""
    if output:
        from calloff.documents import output_files

        try:
            output_files.check(output, output_files.database_files(database))
        except output_files.OutputRefused as e:
            raise click.UsageError(f"--output {e}") from None
        if not force and os.path.lexists(output):
            raise click.ClickException(
                f"{output} already exists: add --force to replace it, or choose another file"
            )


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def guard_terminal(fmt: str, output: str | None) -> None:
    """Before any work: an xlsx file is bytes, noise on a terminal, so it needs --output
    there; a pipe or a redirected standard output takes the bytes as they are."""
    if fmt == "xlsx" and not output and stdout_is_terminal():
        raise click.UsageError(
            "--format xlsx writes a binary file: give --output FILE, or redirect standard "
            "output to a file"
        )


def write_output(
    text: str | bytes | Iterable[str], output: str | None, database: str, force: bool
) -> None:
    """A document to FILE (whole or not at all) or to standard output; `text` may come in
    pieces, for one too big to hold whole, or as bytes (an xlsx workbook)."""
    if output:
        from calloff.documents import output_files

        output_files.write(output, text, force=force, protect=output_files.database_files(database))
        click.echo(f"Wrote {output}")
    elif isinstance(text, bytes):
        click.echo(text, nl=False)  # to the binary stream beneath standard output
    else:
        for piece in [text] if isinstance(text, str) else text:
            click.echo(piece, nl=False)


@main.group()
def report() -> None:
    """Reports for the programme board."""


@report.command("quarterly", short_help="Spend against contract, by quarter.")
@click.option("--year", type=YEAR, required=True, help="Financial year, e.g. 2015-16.")
@click.option(
    "--quarter",
    type=WholeNumber(1, 4),
    default=None,
    help="1-4 (Q1 April-June); without it, the whole year by quarter.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "csv", "json", "xlsx"]),
    default="md",
    show_default=True,
    help="Report format (xlsx: an Excel workbook, to --output FILE).",
)
@output_options
@click.option(
    "--as-recorded",
    "as_recorded",
    metavar="WHEN",
    default=None,
    type=Parsed("WHEN", _recorded_point, type(None)),
    help="Reproduce the report as the database stood then: an audit event number "
    "or an ISO date and time.",
)
@templates_option
@json_option
@pass_desk
def report_quarterly(
    desk: Desk,
    year: FinancialYear,
    quarter: int | None,
    fmt: str,
    output: str | None,
    force: bool,
    as_recorded: str | None,
    templates: str | None,
    as_json: bool,
) -> None:
    """Spend against contract for a year or one quarter: committed, spent, headroom."""
    given = click.get_current_context().get_parameter_source("fmt")
    if as_json and fmt != "json" and given is not None and given.name != "DEFAULT":
        raise click.UsageError(f"--json and --format {fmt} disagree: give one of them")
    if as_json:
        fmt = "json"

    guard_terminal(fmt, output)
    guard_output(output, desk.db, force)
    text = desk.office().report_file(  # piece by piece: drawn as it is written
        year=year,
        quarter=quarter,
        format=fmt,
        templates=templates,
        as_recorded=as_recorded,
        pieces=True,
    )
    write_output(text, output, desk.db, force)


# -- publishing ----------------------------------------------------------------------------


def publish_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--format csv|json|xlsx (and --json), --output FILE and --force, for every publication."""
    f = json_option(f)
    f = output_options(f)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "json", "xlsx"]),
        default=None,
        help="File format: csv (the default), json, or xlsx (an Excel workbook, to --output FILE).",
    )(f)


def _publication_format(fmt: str | None, as_json: bool) -> str:
    """--json is --format json; asking for both json and csv (or xlsx) is a usage error."""
    if as_json and fmt in ("csv", "xlsx"):
        raise click.UsageError(f"--json and --format {fmt} disagree: give one of them")
    return "json" if as_json else fmt or "csv"


def _not_over_yet(end: date | None) -> None:
    """A file for a period that has not ended may still change: say so, on stderr."""
    if end and end >= date.today():
        click.echo(
            f"Note: the period ends on {end}, so this file may still change: publish it "
            "once the period is over",
            err=True,
        )


def quarter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--quarter",
        type=WholeNumber(1, 4),
        required=True,
        help="1-4 (Q1 April-June).",
    )(f)
    return click.option("--year", type=YEAR, required=True, help="Financial year, e.g. 2015-16.")(f)


@main.group(short_help="Publish what the law requires: files, open data, notices.")
def publish() -> None:
    """What the council must publish (docs/publishing.md): Transparency Code spend over
    £500 and contracts over £5,000, Procurement Act 2023 payment information, open data
    (OCDS) and each call-off's notices. `calloff due` says what is owed, by when."""


def _publish(
    desk: Desk,
    name: str,
    fmt: str | None,
    output: str | None,
    force: bool,
    as_json: bool,
    **period: Any,
) -> None:
    fmt = _publication_format(fmt, as_json)
    guard_terminal(fmt, output)
    guard_output(output, desk.db, force)
    # Piece by piece: the rows are read from the database as the file is written.
    publication = desk.office().publication_file(name, format=fmt, pieces=True, **period)
    write_output(publication.text, output, desk.db, force)
    _not_over_yet(publication.period_end)


@publish.command("spend", short_help="Transparency Code: each payment over £500.")
@quarter_options
@publish_options
@click.option(
    "--columns",
    type=click.Choice(["calloff", "lga"]),
    default=None,
    help="Column names: calloff's own, or the LGA's spend schema (the definition says "
    "which is the default; calloff unless it says).",
)
@pass_desk
def publish_spend(
    desk: Desk,
    year: FinancialYear,
    quarter: int,
    fmt: str | None,
    output: str | None,
    force: bool,
    as_json: bool,
    columns: str | None,
) -> None:
    """Each payment in the quarter, by the day it was paid, whose amount excluding VAT
    exceeds £500 (Local Government Transparency Code 2015)."""
    _publish(
        desk, "spend", fmt, output, force, as_json, year=year, quarter=quarter, columns=columns
    )


@publish.command("contracts", short_help="Transparency Code: contracts over £5,000.")
@quarter_options
@publish_options
@click.option(
    "--columns",
    type=click.Choice(["calloff", "lga"]),
    default=None,
    help="Column names: calloff's own, or the LGA's contracts schema (the definition says "
    "which is the default; calloff unless it says).",
)
@pass_desk
def publish_contracts(
    desk: Desk,
    year: FinancialYear,
    quarter: int,
    fmt: str | None,
    output: str | None,
    force: bool,
    as_json: bool,
    columns: str | None,
) -> None:
    """The contracts register: the framework and every call-off over £5,000 in force in
    the quarter (Local Government Transparency Code 2015)."""
    _publish(
        desk, "contracts", fmt, output, force, as_json, year=year, quarter=quarter, columns=columns
    )


@publish.command("payments", short_help="Procurement Act 2023: payments over £30,000.")
@quarter_options
@publish_options
@pass_desk
def publish_payments(
    desk: Desk,
    year: FinancialYear,
    quarter: int,
    fmt: str | None,
    output: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Each payment in the quarter over £30,000 including VAT, under a framework let under
    the Procurement Act 2023 (s.70). Under the 2015 Regulations the duty does not apply."""
    fmt = _publication_format(fmt, as_json)
    not_applicable = desk.office().payments_duty()
    if not_applicable is None or fmt == "json":
        _publish(desk, "payments", fmt, output, force, False, year=year, quarter=quarter)
        return
    guard_terminal(fmt, output)
    guard_output(output, desk.db, force)
    # Nothing to publish: an empty CSV, or a workbook of the header row alone (to the file,
    # or to a pipe: the sentence saying why then goes to standard error).
    empty: str | bytes = ""
    if fmt == "xlsx":
        office = desk.office()
        empty = office.publication_file("payments", year=year, quarter=quarter, format=fmt).text
    if output:
        from calloff.documents import output_files

        output_files.write(output, empty, force=force, protect=output_files.database_files(desk.db))
    elif fmt == "xlsx":
        click.echo(empty, nl=False)
    click.echo(not_applicable, err=fmt == "xlsx" and not output)


@publish.command("payment-performance", short_help="Procurement Act 2023: days to pay.")
@click.option(
    "--half",
    type=Parsed("HALF", half_year, type(None)),
    required=True,
    help="Half-year, e.g. 2026-27-H1 (April-September) or 2026-27-H2.",
)
@publish_options
@pass_desk
def publish_payment_performance(
    desk: Desk, half: Any, fmt: str | None, output: str | None, force: bool, as_json: bool
) -> None:
    """The payments compliance notice's figures for a half-year: average days to pay
    (from the day after receipt), the share paid within 30, 31-60 and 61 or more days, the
    share due but unpaid at the period's end, and the invoices counted."""
    _publish(desk, "payment-performance", fmt, output, force, as_json, half=half)


@publish.command("ocds", short_help="Open contracting data: one OCDS 1.1 release package.")
@click.option(
    "--since",
    type=DATE,
    default=None,
    help="Only the releases recorded on or after this day (YYYY-MM-DD).",
)
@output_options
@pass_desk
def publish_ocds(desk: Desk, since: date | None, output: str | None, force: bool) -> None:
    """The framework and every call-off as one OCDS 1.1 release package: the framework
    with its lots, rankings and caps, each call-off with its award, contract, variations
    and paid invoices. A release's id names its content, so publishing again adds new
    releases and never rewrites old ones."""
    guard_output(output, desk.db, force)
    package = desk.office().ocds_file(since=since)
    if package is None:
        # A package holds at least one release: with nothing new, none is written.
        click.echo(f"Nothing was recorded on or after {since}: no package written.", err=True)
        return
    write_output(package, output, desk.db, force)


@publish.command("notice", short_help="A call-off's notice: award, details, change or termination.")
@click.argument("calloff_id", metavar="CALLOFF", type=ID)
@click.option(
    "--type",
    "kind",
    type=click.Choice(["award", "details", "change", "termination"]),
    required=True,
    help="Contract award (UK6), details (UK7), change (UK10) or termination (UK11).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default=None,
    help="json (the default: the OCDS release to file) or md (to read before filing).",
)
@click.option(
    "--variation",
    type=ID,
    default=None,
    help="For --type change: which variation (default the latest).",
)
@json_option
@output_options
@templates_option
@pass_desk
def publish_notice(
    desk: Desk,
    calloff_id: int,
    kind: str,
    fmt: str | None,
    variation: int | None,
    as_json: bool,
    output: str | None,
    force: bool,
    templates: str | None,
) -> None:
    """The notice CALLOFF needs on the Central Digital Platform, for the officer to file:
    as an OCDS release with the UK notice type (json, the default) or to read (md). Under
    the 2015 Regulations the details notice is the award to put on Contracts Finder."""
    if as_json and fmt == "md":
        raise click.UsageError("--json and --format md disagree: give one of them")
    if variation is not None and kind != "change":
        raise click.UsageError(f"--variation is for --type change, not --type {kind}")
    fmt = "json" if as_json else fmt or "json"
    guard_output(output, desk.db, force)
    text = desk.office().notice(
        calloff_id, type=kind, format=fmt, variation=variation, templates=templates
    )
    write_output(text, output, desk.db, force)


@main.command(short_help="What must be published, by when: overdue first.")
@click.option(
    "--on",
    type=DATE,
    default=None,
    help="As at this day (YYYY-MM-DD); default today.",
)
@click.option("--all", "everything", is_flag=True, help="Also list what was published.")
@json_option
@pass_desk
def due(desk: Desk, on: date | None, everything: bool, as_json: bool) -> None:
    """The compliance calendar: each notice and publication the framework's regime asks
    for, with its deadline and the command that produces it, overdue first. `calloff
    published ITEM` records one as done."""
    day = effective(on)
    office = desk.office()
    calendar = office.due(on=day, all=everything, stream=True)  # item by item: flat memory
    if as_json:
        from calloff.documents.json_pieces import pieces

        return write_output(pieces(calendar), None, desk.db, False)
    click.echo(
        f"Due as at {day} ({office.framework.regime_name}): {calendar['overdue']} overdue, "
        f"{calendar['open'] - calendar['overdue']} to come, {calendar['published']} published."
    )
    for i in calendar["items"]:
        if i["published_on"]:
            late = ", late" if i["published_late"] else ""
            state = f"published {i['published_on']}{late}"
        elif i["overdue"]:
            state = f"OVERDUE by {i['days_overdue']} day{'s' if i['days_overdue'] != 1 else ''}"
        else:
            state = f"due in {i['days_left']} day{'s' if i['days_left'] != 1 else ''}"
        click.echo(f"\n{i['item']}  due by {i['due_by']}  {state}")
        click.echo(f"  {i['title']}")
        click.echo(f"  Because {i['event']}; {i['basis']}.")
        if not i["published_on"]:
            click.echo(f"  Produce it: {i['command']}")
    if calendar["open"]:
        click.echo("\nOnce published: calloff published ITEM --on DATE [--reference TEXT]")


@main.command(short_help="Record that a due item was published.")
@click.argument("item", metavar="ITEM")
@click.option("--on", type=DATE, required=True, help="The day it was published (YYYY-MM-DD).")
@click.option(
    "--reference", default=None, help="The notice's id or the address it was published at."
)
@json_option
@pass_desk
def published(desk: Desk, item: str, on: date, reference: str | None, as_json: bool) -> None:
    """Record that ITEM (a name `calloff due` gives) was published on a day, which closes
    it in the calendar from that day; audited."""
    done = desk.office().published(item, on=on, reference=reference)
    if as_json:
        return emit(done)
    late = ""
    if done["published_late"]:
        days = (on - date.fromisoformat(done["due_by"])).days
        late = f", {days} day{'s' if days != 1 else ''} late"
    click.echo(
        f"Recorded {done['item']} as published on {on}"
        + (f" ({done['reference']})" if done["reference"] else "")
        + f": it was due by {done['due_by']}{late}."
    )


# -- competitions (docs/competition.md) ----------------------------------------------------


def _scores(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """`--score quality=70` (repeated, or comma-separated) as {criterion: mark}; a mark
    that is not a number from 0 to 100 is a usage error, as an unreadable --price is."""
    try:
        return parse_scores(values)
    except CalloffError as e:
        raise click.BadParameter(e.for_command(), ctx, param) from None


WEIGHTS = Parsed("CRITERION=N,...", parse_weights, dict)


@main.group(short_help="Award a call-off by competition among a lot's providers.")
def competition() -> None:
    """Award a call-off by competition: open it, record bids, show, award, write letters."""


@competition.command("open", short_help="Invite a lot's eligible providers to bid.")
@click.argument("request_id", metavar="REQUEST", type=ID)
@click.option("--closes", type=DATE, required=True, help="The last day bids are accepted.")
@click.option(
    "--weights",
    type=WEIGHTS,
    default=None,
    help="Refine the framework's weights within their ranges, like quality=65,price=35.",
)
@on_option
@json_option
@pass_desk
def competition_open(
    desk: Desk,
    request_id: int,
    closes: date,
    weights: dict[str, int] | None,
    on: date | None,
    as_json: bool,
) -> None:
    """Open a competition for REQUEST: every eligible provider on its lot is invited."""
    office = desk.office()
    k = office.open_competition(request_id, closes=closes, weights=weights, on=on)
    data = office.competition(k.id)
    if as_json:
        return emit(data)
    for p in data["passed_over"]:
        click.echo(f"  passed over rank {p['rank']} {p['name']}: {p['reason']}")
    names = ", ".join(f"{i['name']} (rank {i['rank']})" for i in data["invited"])
    weighted = ", ".join(f"{n} {w}" for n, w in data["weights"].items())
    click.echo(
        f"Competition {k.id} opened for request {request_id} on lot {k.lot}: invited {names}; "
        f"bids close at the end of {k.closes_on}. Weights: {weighted}."
    )


@competition.command("bid", short_help="Record an invited provider's bid.")
@click.argument("competition_id", metavar="COMPETITION", type=ID)
@click.argument("provider_ref", metavar="PROVIDER")
@click.option("--price", type=MONEY, required=True, help="The bid's price (ex-VAT).")
@click.option(
    "--score",
    "scores",
    multiple=True,
    callback=_scores,
    metavar="CRITERION=N",
    help="The evaluators' score (0-100) on a criterion other than price; repeat for each.",
)
@on_option
@json_option
@pass_desk
def competition_bid(
    desk: Desk,
    competition_id: int,
    provider_ref: str,
    price: Decimal,
    scores: dict[str, str],
    on: date | None,
    as_json: bool,
) -> None:
    """Record PROVIDER's bid in COMPETITION, dated no later than its closing day."""
    from calloff.documents import json_shapes

    a = desk.office().bid(competition_id, provider=provider_ref, price=price, scores=scores, on=on)
    if as_json:
        return emit(json_shapes.answer(competition_id, a))
    given = "".join(f", {n} {m}" for n, m in json_shapes.marks(a).items())
    click.echo(
        f"Recorded a bid from {a.name} in competition {competition_id} on {a.on}: "
        f"{format_money(a.price)}{given}."
    )


@competition.command("no-bid", short_help="Record that an invited provider will not bid.")
@click.argument("competition_id", metavar="COMPETITION", type=ID)
@click.argument("provider_ref", metavar="PROVIDER")
@click.option("--reason", default=None, help="Why it will not bid (kept for audit).")
@on_option
@json_option
@pass_desk
def competition_no_bid(
    desk: Desk,
    competition_id: int,
    provider_ref: str,
    reason: str | None,
    on: date | None,
    as_json: bool,
) -> None:
    """Record that PROVIDER will not bid in COMPETITION."""
    from calloff.documents import json_shapes

    a = desk.office().no_bid(competition_id, provider=provider_ref, reason=reason, on=on)
    if as_json:
        return emit(json_shapes.answer(competition_id, a))
    why = f": {a.reason}" if a.reason else ""
    click.echo(f"Recorded that {a.name} will not bid in competition {competition_id}{why}.")


@competition.command("show", short_help="Invitations, bids and (from the closing day) the scores.")
@click.argument("competition_id", metavar="COMPETITION", type=ID)
@json_option
@pass_desk
def competition_show(desk: Desk, competition_id: int, as_json: bool) -> None:
    """Show COMPETITION: who was invited, the bids, and from the closing day each bid's scores."""
    from calloff.documents.competition_view import render_text, to_json

    st = desk.office().competition_standing(competition_id)
    if as_json:
        return emit(to_json(st))
    click.echo(render_text(st), nl=False)


@competition.command("list")
@json_option
@pass_desk
def competition_list(desk: Desk, as_json: bool) -> None:
    """List competitions and where each stands."""
    from calloff.documents import json_shapes

    competitions = desk.office().competitions()
    if as_json:
        return emit([json_shapes.competition_standing(k) for k in competitions])
    if not competitions:
        click.echo("No competitions yet.")
    for k in competitions:
        award = f", call-off {k.calloff}" if k.calloff else ""
        click.echo(
            f"{k.competition:>4}  request {k.request}  lot {k.lot}  "
            f"{k.status:<9} closes {k.closes_on}  {k.bids} of {k.invited} bid"
            f"{award}  {k.title}"
        )


@competition.command("award", short_help="Award the call-off to the highest total.")
@click.argument("competition_id", metavar="COMPETITION", type=ID)
@on_option
@json_option
@pass_desk
def competition_award(desk: Desk, competition_id: int, on: date | None, as_json: bool) -> None:
    """Award COMPETITION, from its closing day, to the bid with the highest total (a tie to the
    better rank): a call-off checked against the ceiling and the approval threshold."""
    from calloff.documents import json_shapes

    office = desk.office()
    c = office.award(competition_id, on=on)
    data = office.competition(competition_id, on=effective(on))
    if as_json:
        return emit(json_shapes.award(_calloff_json(desk, c), data))
    for p in data["set_aside"]:
        click.echo(f"  set aside rank {p['rank']} {p['name']}: {p['reason']}")
    win = data["winner"]
    answer = (
        f"respond by {c.respond_by}."
        if c.respond_by
        else "to be approved by another officer before it is offered."
    )
    standstill = f"standstill ends {c.standstill_ends}; " if c.standstill_ends else ""
    click.echo(
        f"Competition {competition_id} awarded: call-off {c.id} "
        f"{c.status.replace('_', ' ')} to {win['name']} (rank {c.rank} on lot {c.lot}), "
        f"total {win['total']}, at {format_money(c.value)}; {standstill}{answer} "
        f"Headroom left {format_money(c.headroom_after)}."
    )


@competition.command("cancel", short_help="End a competition without an award.")
@click.argument("competition_id", metavar="COMPETITION", type=ID)
@click.option("--reason", required=True, help="Why it is cancelled (kept for audit).")
@on_option
@json_option
@pass_desk
def competition_cancel(
    desk: Desk, competition_id: int, reason: str, on: date | None, as_json: bool
) -> None:
    """Cancel COMPETITION (not once awarded): its request can be called off again."""
    office = desk.office()
    k = office.cancel_competition(competition_id, reason=reason, on=on)
    if as_json:
        return emit(office.competition(k.id))
    click.echo(f"Competition {k.id} cancelled on {k.cancelled_on}: {k.cancel_reason}")


@competition.command("letters", short_help="Each bidder's assessment summary.")
@click.argument("competition_id", metavar="COMPETITION", type=ID)
@click.option(
    "--output-dir",
    "directory",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Where to write the letters.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html"]),
    default="md",
    show_default=True,
    help="Document format.",
)
@click.option("--force", is_flag=True, help="Replace letters already written there.")
@templates_option
@pass_desk
def competition_letters(
    desk: Desk,
    competition_id: int,
    directory: str,
    fmt: str,
    force: bool,
    templates: str | None,
) -> None:
    """Write one assessment summary per bidder of an awarded COMPETITION: its own scores
    beside the winner's (never another bidder's), and the standstill's end."""
    from calloff.documents import output_files

    letters = desk.office().letters(competition_id, format=fmt, templates=templates)
    folder = Path(directory)
    protect = output_files.database_files(desk.db)
    targets = [(folder / name, text) for name, text in letters.items()]
    for target, _ in targets:
        try:
            output_files.check(target, protect)
        except output_files.OutputRefused as e:
            raise click.UsageError(f"--output-dir {e}") from None
        if not force and os.path.lexists(target):
            raise click.ClickException(
                f"{target} already exists: add --force to replace the letters, or choose "
                "another --output-dir"
            )
    folder.mkdir(parents=True, exist_ok=True)
    for target, text in targets:
        output_files.write(target, text, force=force, protect=protect)
        click.echo(f"Wrote {target}")


def document_command(name: str, short_help: str, doc: str) -> None:
    """`order` and `record`: one call-off's document, from `Office.order` or `Office.record`."""

    @click.argument("calloff_id", metavar="CALLOFF", type=ID)
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["md", "html"]),
        default="md",
        show_default=True,
        help="Document format.",
    )
    @output_options
    @templates_option
    @pass_desk
    def command(
        desk: Desk,
        calloff_id: int,
        fmt: str,
        output: str | None,
        force: bool,
        templates: str | None,
    ) -> None:
        guard_output(output, desk.db, force)
        render = getattr(desk.office(), name)
        write_output(render(calloff_id, format=fmt, templates=templates), output, desk.db, force)

    main.command(name, short_help=short_help, help=doc)(command)


document_command(
    "order",
    "The call-off order, for the provider.",
    "The call-off order for the provider: its work, price, variations and status.",
)
document_command(
    "record",
    "The award record, for the council's file.",
    "The award record for the council's file: the order, the cascade, the audit hash.",
)


@main.command(short_help="Build a demo database, its documents and report.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default="calloff-demo",
    show_default=True,
    help="Where to put the demo database and documents.",
)
@pass_desk
def demo(desk: Desk, directory: str) -> None:
    """Build a demo: the Leeds framework, fictional providers, a cascade and a refusal."""
    from calloff.api import run_demo

    program = _program()
    commands: list[tuple[list[str], bool]] = []
    summary = run_demo(directory, program=program, commands=commands)
    # The workspace's sign-ins come last, where they are seen.
    summary, _, workspace = summary.partition("\n\nThe team's workspace")
    click.echo(summary)
    click.echo(
        "\nA competition on the Borsetshire framework's lot 2 (by ranking or competition), "
        "through the command itself:"
    )
    for args, refused in commands:
        _demo_step(args, refused)
    database = Path(directory) / "competition.db"
    click.echo(f"Explore it:\n  {program} --db {database} competition show 1")
    activate = Path(sys.argv[0]).parent / "activate"
    if program != "calloff" and activate.is_file():
        click.echo(f"(or put calloff on your PATH first: . {Path(program).parent / 'activate'})")
    if workspace:
        click.echo(f"\nThe team's workspace{workspace}")


def _demo_step(args: list[str], refused: bool) -> None:
    """Run one of the demo's command lines through `calloff` itself, as typed."""
    import shlex

    shown = list(args)
    click.echo(f"$ calloff {shlex.join(shown)}")
    try:
        main.main(args=args, prog_name="calloff", standalone_mode=False)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    if (code != 0) != refused:
        raise click.ClickException(
            f"the demo's step `calloff {shlex.join(shown)}` exited {code}: please report it"
        )


def _program() -> str:
    """How to type this command again in the user's shell: `calloff` if that finds this
    very program on PATH, otherwise its path (`.venv/bin/calloff` after `make demo`)."""
    import shutil

    me = Path(sys.argv[0])
    found = shutil.which("calloff")
    if found and me.is_file() and Path(found).resolve() == me.resolve():
        return "calloff"
    if me.name == "calloff" and me.is_file():
        try:
            where = os.path.relpath(me)
        except ValueError:
            where = str(me)
        return where if os.sep in where else os.path.join(".", where)
    return "calloff"


if __name__ == "__main__":
    main()
