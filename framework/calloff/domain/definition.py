"""Framework definitions: the embedded Leeds default, or any council's TOML file.

The schema is documented in docs/framework-definition.md. A definition describes the
agreement; the database then records everything that happens under it.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from calloff.domain import facts, finance, splitting, toml_files, transparency_settings
from calloff.domain.competition import AWARD_ROUTES, Criterion, check_criteria
from calloff.domain.dates import FinancialYear, parse_date
from calloff.domain.model import ACT_IN_FORCE, REGIMES, Framework, FundingStream, Lot, Term
from calloff.domain.money import parse_money
from calloff.errors import CalloffError, DefinitionError, InvalidInput

EMBEDDED = ("leeds-rp-2015", "nottingham-rp-2023", "borsetshire-rp-2026")


def embedded(name: str) -> Framework:
    """One of the frameworks that ship inside calloff."""
    if name not in EMBEDDED:
        use = f"no embedded framework called {name!r}: use {', '.join(EMBEDDED)} or"
        raise DefinitionError(f"{use} definition_file=", command=f"{use} --from FILE")
    text = resources.files("calloff").joinpath(f"definitions/{name}.toml").read_text("utf-8")
    return parse(text, f"<embedded {name}>")


def load(path: str | Path) -> Framework:
    """Read a framework definition file."""
    p = Path(path)
    try:
        text = toml_files.read_text(p, "framework definition", DefinitionError)
    except FileNotFoundError:
        raise DefinitionError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DefinitionError(f"{p}: cannot be read as UTF-8 text ({e})") from None
    return parse(text, str(p))


def parse(text: str, source: str) -> Framework:
    try:
        data = toml_files.loads(text, source, DefinitionError)
    except tomllib.TOMLDecodeError as e:
        raise DefinitionError(f"{source}: not valid TOML ({e})") from None
    try:
        return _framework(data)
    except RecursionError:
        raise toml_files.nests_too_deeply(source, DefinitionError) from None
    except DefinitionError as e:
        raise DefinitionError(f"{source}: {e}") from None
    except CalloffError as e:
        raise DefinitionError(f"{source}: {e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise DefinitionError(f"{source}: missing or malformed field ({e})") from None


def _require(data: dict[str, Any], key: str, kind: type) -> Any:
    if key not in data:
        raise DefinitionError(f"the field {key!r} is required")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise DefinitionError(f"the field {key!r} must be a {kind.__name__}")
    return value


def _date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        raise DefinitionError(
            f"the field {field!r} must be a date like 2015-04-01, not a date and time"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise DefinitionError(f"the field {field!r} must be a date like 2015-04-01")


def _framework(data: dict[str, Any]) -> Framework:
    if data.get("schema", 1) != 1:
        raise DefinitionError(f"schema {data.get('schema')} is not known: this calloff reads 1")
    term_data = _require(data, "term", dict)
    term = Term(
        start=_date(term_data.get("start"), "term.start"),
        initial_years=int(term_data.get("initial_years", 1)),
        extensions_max=int(term_data.get("extensions", 0)),
        extension_years=int(term_data.get("extension_years", 1)),
    )
    if term.initial_years < 1 or term.extensions_max < 0 or term.extension_years < 1:
        raise DefinitionError("term: initial_years and extension_years must be 1 or more")
    lots = tuple(_lot(lot) for lot in _require(data, "lots", list))
    if not lots:
        raise DefinitionError("a framework needs at least one lot")
    numbers = [lot.number for lot in lots]
    if len(set(numbers)) != len(numbers) or min(numbers) < 1:
        raise DefinitionError("lot numbers must be distinct and 1 or more")
    streams_data = _require(data, "streams", dict)
    if not streams_data:
        raise DefinitionError("a framework needs at least one funding stream")
    streams = tuple(_stream(name, s) for name, s in streams_data.items())
    defaults = [name for name, s in streams_data.items() if s.get("default")]
    if len(defaults) > 1:
        raise DefinitionError("only one funding stream can be the default")
    threshold = data.get("approval_threshold")
    response_days = int(data.get("response_days", 3))
    if response_days < 1:
        raise DefinitionError("response_days must be 1 or more")
    holidays = str(data.get("holidays", "england-and-wales"))
    if holidays not in ("england-and-wales", "none"):
        raise DefinitionError("holidays must be 'england-and-wales' or 'none'")
    regime = str(data.get("regime", "pa2023" if term.start >= ACT_IN_FORCE else "pcr2015"))
    if regime not in REGIMES:
        raise DefinitionError(
            f"regime {regime!r} is not known: choose pcr2015 (Public Contracts Regulations "
            "2015) or pa2023 (Procurement Act 2023)"
        )
    light_touch = data.get("light_touch", False)
    if not isinstance(light_touch, bool):
        raise DefinitionError("light_touch must be true or false")
    _four_years(regime, light_touch, term)
    award = data.get("competition", data.get("award"))
    award = award if isinstance(award, dict) else {}
    criteria = _criteria({**award, **data})
    competing = [lot.number for lot in lots if lot.award != "ranked"]
    if competing and not criteria:
        raise DefinitionError(
            f"lot {competing[0]} awards by {lots[numbers.index(competing[0])].award}, so the "
            "framework needs award criteria: add [criteria.quality] and [criteria.price] "
            "tables with weight, min and max (docs/framework-definition.md)"
        )
    return Framework(
        id=str(_require(data, "id", str)),
        name=str(_require(data, "name", str)),
        buyer=str(_require(data, "buyer", str)),
        lots=lots,
        term=term,
        streams=streams,
        default_funding=defaults[0] if defaults else streams[0].name,
        response_days=response_days,
        holidays=holidays,
        approval_threshold=None if threshold is None else parse_money(str(threshold)),
        aggregation_days=splitting.read_days(data),
        key_decision=_key_decision(data),
        terms_statement=str(data.get("terms", "")).strip(),
        regime=regime,
        light_touch=light_touch,
        service_area=_text(data, "service_area"),
        merchant_category=_text(data, "merchant_category"),
        ocid_prefix=_ocid_prefix(data),
        criteria=criteria,
        standstill_days=_standstill({**award, **data}),
        practitioners_target=_practitioners_target(data),
        publishing_contact=_publishing_contact(data),
        facts=facts.read(data, term.start),
        finance=finance.read(data),
        transparency=transparency_settings.read(data),
    )


def _lot(data: Any) -> Lot:
    if not isinstance(data, dict):
        raise DefinitionError("each [[lots]] entry must be a table with number and title")
    number = int(_require(data, "number", int))
    award = data.get("award", "ranked")
    if award not in AWARD_ROUTES:
        raise DefinitionError(
            f"lot {number}: award {award!r} is not known: choose ranked (direct award by the "
            "ranking), competition, or either (the officer chooses per request)"
        )
    return Lot(number, str(_require(data, "title", str)), award)


def _four_years(regime: str, light_touch: bool, term: Term) -> None:
    """The Procurement Act 2023 (s.47) lets a framework run at most four years, extensions
    included, unless it is under the light-touch regime (eight years is not checked)."""
    years = term.initial_years + term.extensions_max * term.extension_years
    if regime == "pa2023" and not light_touch and years > 4:
        raise DefinitionError(
            f"the term runs {years} years with every extension, but a Procurement Act 2023 "
            "framework may run at most four (s.47): shorten initial_years or extensions, or "
            "set light_touch = true if it was let under the light-touch regime"
        )


def _criteria(data: dict[str, Any]) -> tuple[Criterion, ...]:
    """`[criteria.NAME]` tables with weight, min and max (or range = [min, max]); an
    array `[[criteria]]` with name is read the same way."""
    raw = data.get("criteria", data.get("award_criteria"))
    if raw is None:
        return ()
    if isinstance(raw, list):
        if not all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in raw):
            raise DefinitionError("each [[criteria]] entry needs a name")
        raw = {c["name"]: c for c in raw}
    if not isinstance(raw, dict):
        raise DefinitionError("criteria must be tables like [criteria.quality]")
    criteria = tuple(_criterion(str(name).strip().lower(), c) for name, c in raw.items())
    check_criteria(criteria)
    return criteria


def _criterion(name: str, data: Any) -> Criterion:
    if not isinstance(data, dict):
        raise DefinitionError(f"criteria.{name} must be a table with weight, min and max")
    weight = _points(data.get("weight"), f"criteria.{name}.weight")
    low = data.get("min", data.get("low", data.get("min_weight", weight)))
    high = data.get("max", data.get("high", data.get("max_weight", weight)))
    if "range" in data:
        span = data["range"]
        if not isinstance(span, list) or len(span) != 2:
            raise DefinitionError(f"criteria.{name}.range must be [min, max], like [50, 70]")
        low, high = span
    return Criterion(
        name=name,
        weight=weight,
        low=_points(low, f"criteria.{name}.min"),
        high=_points(high, f"criteria.{name}.max"),
        title=str(data.get("title", "")).strip(),
    )


def _points(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(f"{field} must be a whole number of points from 0 to 100")
    return value


def _standstill(data: dict[str, Any]) -> int:
    """Working days between telling the bidders and entering into the call-off (0: none)."""
    value = data.get(
        "standstill_days", data.get("standstill_working_days", data.get("standstill", 0))
    )
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
        raise DefinitionError("standstill_days must be a whole number of working days, 0 to 60")
    return value


def _practitioners_target(data: dict[str, Any]) -> int | None:
    """Optional: how many practitioners the programme aims to train, which the report sets
    its programme figure against (docs/reports.md)."""
    value = data.get("practitioners_target")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000_000:
        raise DefinitionError(
            "practitioners_target must be a whole number of practitioners from 1 to "
            "10,000,000, such as 6000"
        )
    return value


def _publishing_contact(data: dict[str, Any]) -> str:
    """Optional: the e-mail address told when a publication is due, besides the admins."""
    from calloff.domain.officers import email

    value = data.get("publishing_contact")
    if value is None:
        return ""
    try:
        return email(str(value))
    except InvalidInput as e:
        raise DefinitionError(f"publishing_contact: {e}") from None


def _ocid_prefix(data: dict[str, Any]) -> str:
    """Optional: only the open data (`calloff publish ocds`) needs it."""
    if "ocid_prefix" not in data:
        return ""
    return check_ocid_prefix(_text(data, "ocid_prefix"))


def check_ocid_prefix(value: str) -> str:
    """The prefix the Open Contracting Partnership registers for a publisher: "ocds-" and
    six lower-case letters or digits (docs/publishing.md)."""
    if not re.fullmatch(r"ocds-[a-z0-9]{6}", value):
        raise InvalidInput(
            f'ocid_prefix {value!r} is not an OCDS prefix: write it like "ocds-a1b2c3" '
            '("ocds-" and six lower-case letters or digits, as registered for the council)'
        )
    return value


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise DefinitionError(f"{key} must be text")
    return value.strip()


def _stream(name: str, data: dict[str, Any]) -> FundingStream:
    if not isinstance(data, dict):
        raise DefinitionError(f"streams.{name} must be a table")
    status = str(data.get("status", "confirmed"))
    if status not in ("confirmed", "pending"):
        raise DefinitionError(f"streams.{name}.status must be 'confirmed' or 'pending'")
    window = data.get("window") or {}
    caps: dict[FinancialYear, Decimal] = {
        FinancialYear.parse(year): parse_money(str(amount))
        for year, amount in (data.get("caps") or {}).items()
    }
    capped = bool(data.get("capped", True))
    if not capped and caps:
        raise DefinitionError(f"streams.{name} is not capped, so it cannot have caps")
    return FundingStream(
        name=name,
        title=str(data.get("title", name)),
        capped=capped,
        status=status,
        window_start=_date(window["start"], "window.start") if "start" in window else None,
        window_end=_date(window["end"], "window.end") if "end" in window else None,
        caps=caps,
    )


def _key_decision(data: dict[str, Any]) -> Decimal | None:
    """The value over which an approval is a key decision and needs a decision reference."""
    value = data.get("key_decision")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DefinitionError('key_decision must be an amount of money, such as "250000.00"')
    try:
        return parse_money(str(value))
    except CalloffError as e:
        raise DefinitionError(f"key_decision: {e}") from None
