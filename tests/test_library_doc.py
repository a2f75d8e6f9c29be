"""docs/library.md runs: its `pycon` blocks are one doctest session, in an empty folder."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import calloff

DOC = Path(__file__).resolve().parent.parent / "docs" / "library.md"


def test_the_library_page_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```pycon\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 8
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, str(DOC), str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 30


def test_every_public_name_is_exported_and_loads():
    """`calloff.__all__` lists what the page promises, and each name resolves."""
    for name in [*calloff.__all__, "open"]:
        assert getattr(calloff, name) is not None
    for promised in ("create", "Office", "CalloffError", "CeilingExceeded", "Position"):
        assert promised in calloff.__all__


def test_actions_take_keywords_only():
    """After the call-off or request it acts on, every argument is named."""
    import inspect

    for name, method in inspect.getmembers(calloff.Office, inspect.isfunction):
        if name.startswith("_"):
            continue
        params = list(inspect.signature(method).parameters.values())[1:]
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert len(positional) <= 1, (name, positional)


def test_every_office_method_is_documented():
    """The page names every public method and property of the front door."""
    import inspect

    text = DOC.read_text(encoding="utf-8")
    missing = [
        name
        for name, _ in inspect.getmembers(calloff.Office)
        if not name.startswith("_") and f"`{name}" not in text and f".{name}" not in text
    ]
    assert missing == []


def test_every_office_method_runs_on_the_page():
    """Each public method is called in a worked example, so its documentation is run."""
    import inspect

    blocks = "\n".join(re.findall(r"```pycon\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S))
    missing = [
        name
        for name, _ in inspect.getmembers(calloff.Office)
        if not name.startswith("_") and not re.search(rf"\.{name}\b", blocks)
    ]
    assert missing == []
