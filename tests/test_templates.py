"""A council's own templates: used first, sandboxed, and strict about missing values."""

import pytest


@pytest.fixture
def offered(leeds, add_request):
    rid = add_request()
    leeds.json("allocate", str(rid), "--on", "2015-05-20")
    return leeds


def test_user_template_is_tried_before_the_bundled_one(offered, tmp_path):
    """--templates DIR puts the council's letterhead in front of the bundled order."""
    (tmp_path / "order.md.j2").write_text(
        "LEEDS LETTERHEAD\n{{ reference }} to {{ provider.name }}: {{ value|money }}\n"
    )
    text = offered.ok("order", "1", "--templates", str(tmp_path)).stdout
    assert text == "LEEDS LETTERHEAD\nLEEDS-RP-2015/CO-00001 to Alder Training: £5,000.00\n"
    # A format the folder does not override falls back to the bundled template.
    assert (
        "<!DOCTYPE html>"
        in offered.ok("order", "1", "--format", "html", "--templates", str(tmp_path)).stdout
    )


def test_templates_folder_from_the_environment(offered, tmp_path, monkeypatch):
    """CALLOFF_TEMPLATES does what --templates does."""
    (tmp_path / "report.md.j2").write_text("Board paper {{ report.year }}\n")
    monkeypatch.setenv("CALLOFF_TEMPLATES", str(tmp_path))
    text = offered.ok("report", "quarterly", "--year", "2015-16").stdout
    assert text == "Board paper 2015-16\n"


def test_a_template_cannot_reach_python_internals(offered, tmp_path):
    """The sandbox stops ''.__class__.__mro__ and friends, with a one-line error."""
    (tmp_path / "order.md.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    message = offered.refused("order", "1", "--templates", str(tmp_path))
    assert "order.md.j2" in message
    assert "object" not in message.split("order.md.j2", 1)[0]


def test_a_missing_variable_is_an_error_not_a_blank(offered, tmp_path):
    """StrictUndefined: a typo in a template fails loudly."""
    (tmp_path / "order.md.j2").write_text("Order {{ refrence }}\n")
    message = offered.refused("order", "1", "--templates", str(tmp_path))
    assert "'refrence' is undefined" in message


def test_a_broken_template_names_its_line(offered, tmp_path):
    """A syntax error in a user template is reported with where it is."""
    (tmp_path / "order.md.j2").write_text("ok\n{% if %}\n")
    assert "line 2" in offered.refused("order", "1", "--templates", str(tmp_path))


def test_missing_templates_folder_is_a_usage_error(offered, tmp_path):
    """Pointing --templates at nothing says so."""
    assert "does not exist" in offered.refused(
        "order", "1", "--templates", str(tmp_path / "nope"), code=2
    )


HOSTILE = {
    "a range of a billion": (
        "ok\n{% for i in range(10**9) %}{{ i }}{% endfor %}\n",
        2,
        "Range too big",
    ),
    "a macro that calls itself": (
        "{% macro f() %}{{ f() }}{% endmacro %}\n\n{{ f() }}\n",
        1,
        "a macro or loop calls itself without end",
    ),
    "a division by zero": ("one\ntwo\n{{ 1 / 0 }}\n", 3, "ZeroDivisionError"),
    "a billion characters": ("{{ 'x' * 10**9 }}\n", 1, "repeating text or a list would make"),
    "padding a billion wide": ("\n{{ 'x'.ljust(10**9) }}\n", 2, "a width above 10,000"),
    "a format a billion wide": ("{{ '%1000000000d' % 1 }}\n", 1, "a width above 10,000"),
    "a filter a billion wide": ("{{ 'x'|center(10**9) }}\n", 1, "a width or count above"),
    "a huge power": ("{{ 10 ** 1000000000 }}\n", 1, "a power above 10,000"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_template_stops_with_its_name_and_line(offered, tmp_path, case):
    """Each fault is one line naming the template and its line; nothing runs away."""
    text, line, reason = HOSTILE[case]
    (tmp_path / "order.md.j2").write_text(text)
    message = offered.refused("order", "1", "--templates", str(tmp_path))
    assert message.startswith(f"Error: template order.md.j2 line {line}: "), message
    assert reason in message and "internal error" not in message


def test_a_template_that_never_ends_is_stopped_in_time(offered, tmp_path, monkeypatch):
    """Nested loops of 10^10 steps: stopped at the time limit (here 1 second)."""
    import time

    from calloff.documents import sandbox as templating

    monkeypatch.setattr(templating, "MAX_SECONDS", 1)
    (tmp_path / "order.md.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    started = time.monotonic()
    message = offered.refused("order", "1", "--templates", str(tmp_path))
    assert time.monotonic() - started < 5
    assert message == (
        "Error: template order.md.j2: still running after 1 seconds: look "
        "for a loop that does not end"
    )


def test_a_template_that_grows_without_end_is_stopped_at_the_size_limit(
    offered, tmp_path, monkeypatch
):
    from calloff.documents import sandbox as templating

    monkeypatch.setattr(templating, "MAX_CHARS", 10_000)
    (tmp_path / "order.md.j2").write_text(
        "{% for i in range(100000) %}{{ 'row %d\\n' % i }}{% endfor %}"
    )
    message = offered.refused("order", "1", "--templates", str(tmp_path))
    assert message.startswith("Error: template order.md.j2")
    assert "it produced more than 10,000 characters" in message


def test_a_template_that_is_not_utf8_says_so(offered, tmp_path):
    (tmp_path / "order.md.j2").write_bytes("Caf\u00e9 {{ reference }}".encode("latin-1"))
    assert offered.refused("order", "1", "--templates", str(tmp_path)) == (
        "Error: template order.md.j2 (or one it includes) is not UTF-8 text: save it as UTF-8"
    )


def test_a_template_that_eats_memory_is_stopped_at_the_memory_limit(offered, tmp_path, monkeypatch):
    """A macro doubling its text each call: stopped at the limit (here 64 MB), not at 1 GB."""
    import sys

    from calloff.documents import sandbox as templating

    if not sys.platform.startswith("linux"):
        pytest.skip("the memory limit is set through Linux's address-space limit")
    monkeypatch.setattr(templating, "MAX_MEMORY", 64 * 2**20)
    (tmp_path / "order.md.j2").write_text(
        "{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('x') }}"
    )
    message = offered.refused("order", "1", "--templates", str(tmp_path))
    assert message == (
        "Error: template order.md.j2: used more than 64 MB of memory: look "
        "for text or lists that grow without end"
    )


def test_a_template_nested_too_deeply_or_too_large_is_one_line(offered, tmp_path):
    (tmp_path / "order.md.j2").write_text("{{ " + "(" * 80 + "1" + ")" * 80 + " }}\n")
    assert offered.refused("order", "1", "--templates", str(tmp_path)) == (
        "Error: template order.md.j2 is nested too deeply to read: simplify it"
    )
    (tmp_path / "order.md.j2").write_text("{{ reference }}\n" * 20_000)
    message = offered.refused("order", "1", "--templates", str(tmp_path))
    assert message.endswith("order.md.j2 is larger than 256,000 bytes: is it the right file?")


@pytest.mark.parametrize(
    "text", ['{{ "%(a)1000000000s" % {"a": 1} }}', '{{ "%-1000000000d" % 1 }}']
)
def test_format_widths_are_refused_before_they_run(offered, tmp_path, text):
    (tmp_path / "order.md.j2").write_text(text + "\n")
    assert offered.refused("order", "1", "--templates", str(tmp_path)) == (
        "Error: template order.md.j2 line 1: a width above 10,000 is not allowed in a template"
    )
