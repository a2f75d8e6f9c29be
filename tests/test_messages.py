"""A refusal speaks to two audiences: its message is in the library's terms, and the
command's own words (its options, the command to run next) travel beside it, in
`command=` and `hint=`, for `for_command()` to give back to the `calloff` command.

`violations()` reads every module of the package, or of a copy of it, which is how the
last test proves the rule bites.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

import calloff as lib

PACKAGE = Path(__file__).resolve().parent.parent / "framework" / "calloff"
# An option (`--on`), an environment variable (`CALLOFF_DB`) or a command (`calloff init`).
COMMAND_WORDS = re.compile(r"(^|[\s(/`\"'])--[a-z]|`calloff |CALLOFF_[A-Z]")


def _text(node: ast.AST | None) -> str:
    """The text of a string expression, each placeholder as {}; "" for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left) + _text(node.right)
    return ""


def _assigned(scope: ast.AST, name: str) -> list[ast.AST]:
    """Every value `name` is given in a function (or module): a message built before it is
    raised (`message = ...`, `message += ...`) is checked as the raise's own."""
    values: list[ast.AST] = []
    for node in ast.walk(scope):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        value = getattr(node, "value", None)
        if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
            values.append(value)
    return values


def violations(package: Path = PACKAGE) -> list[str]:
    """`file:line: message` for each refusal whose message is in the command's words."""
    found: list[tuple[str, int, str]] = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] == "web":
            continue  # the browser is a front end, like the command: its own words are its own
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            if not node.exc.args:
                continue
            first = node.exc.args[0]
            texts = [_text(first)]
            if isinstance(first, ast.Name):
                inner = [s for s in scopes if s.lineno <= node.lineno <= (s.end_lineno or 0)]
                scope = inner[-1] if inner else tree
                texts += [_text(value) for value in _assigned(scope, first.id)]
            bad = [text for text in texts if COMMAND_WORDS.search(text)]
            if bad:
                found.append((path.relative_to(package).as_posix(), node.lineno, bad[0][:100]))
    return [f"{where}:{line}: {text}" for where, line, text in sorted(found)]


def test_no_refusal_speaks_in_the_commands_words():
    """A message names the library's keywords (`on=`, `value=`), never `--on`, `CALLOFF_DB`
    or `calloff ...`: those go in `command=` or `hint=`."""
    assert violations() == []


# -- both audiences, through the library and through the command ------------------------


@pytest.fixture
def office(leeds):
    """The `leeds` fixture's database (three providers ranked on lot 4), opened as a
    library caller opens it; the fixture drives the command against the same file."""
    desk = lib.open(leeds.db, officer="officer.a")
    yield desk
    desk.close()


def test_a_value_of_nothing_in_each_audiences_words(office, leeds):
    with pytest.raises(lib.InvalidInput) as refused:
        office.add_request(lot=4, title="Nothing", start="2015-06-01", value="0")
    assert str(refused.value) == "value must be more than £0.00"
    assert refused.value.for_command() == "--value must be more than £0.00"
    result = leeds(
        "request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01", "--value", "0"
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: --value must be more than £0.00\n"


def test_a_date_before_the_offer_in_each_audiences_words(office, leeds):
    """The library says what is wrong; the command adds the option to check."""
    request = office.add_request(lot=4, title="Deep dive", start="2015-07-01", value="5000")
    offer = office.allocate(request.id, on="2015-06-01").calloff
    assert offer is not None
    with pytest.raises(lib.InvalidInput) as refused:
        office.accept(offer.id, on="2015-05-20")
    wrong = f"2015-05-20 is before call-off {offer.id} was offered on 2015-06-01"
    assert str(refused.value) == wrong
    assert refused.value.hint == "check --on"
    assert refused.value.for_command() == f"{wrong}: check --on"
    assert leeds.refused("accept", str(offer.id), "--on", "2015-05-20") == (
        f"Error: {wrong}: check --on"
    )


# -- the rule bites --------------------------------------------------------------------


PLANTED = """

def planted_option(on):
    raise InvalidInput(f"{on} is too early: check --on")


def planted_environment():
    raise RuleBroken("needs another officer (use CALLOFF_OFFICER)")


def planted_built_before(lot):
    message = f"lot {lot} has no ranking"
    message += f": set one with `calloff rank set {lot} ...`"
    raise NoEligibleProvider(message)


def planted_but_fine(on):
    raise InvalidInput(f"{on} is too early", hint="check --on", command="--on is too early")
"""


def test_the_rule_bites_on_a_planted_message(tmp_path):
    """A copy of the package with refusals in the command's words added to one module:
    each is named by file and line, and one that keeps them in `hint=` is not."""
    copy = tmp_path / "calloff"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert violations(copy) == []
    rules = copy / "domain" / "rules.py"
    before = len(rules.read_text(encoding="utf-8").splitlines())
    rules.write_text(rules.read_text(encoding="utf-8") + PLANTED, encoding="utf-8")
    raises = [
        before + n
        for n, line in enumerate(PLANTED.splitlines(), start=1)
        if line.lstrip().startswith("raise")
    ]
    assert violations(copy) == [
        f"domain/rules.py:{raises[0]}: {{}} is too early: check --on",
        f"domain/rules.py:{raises[1]}: needs another officer (use CALLOFF_OFFICER)",
        f"domain/rules.py:{raises[2]}: : set one with `calloff rank set {{}} ...`",
    ]
