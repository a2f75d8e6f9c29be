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
        "LEEDS LETTERHEAD\n{{ reference }} to {{ provider.name }}: {{ value|money }}\n")
    text = offered.ok("order", "1", "--templates", str(tmp_path)).stdout
    assert text == "LEEDS LETTERHEAD\nLEEDS-RP-2015/CO-00001 to Alder Training: £5,000.00\n"
    # A format the folder does not override falls back to the bundled template.
    assert "<!DOCTYPE html>" in offered.ok("order", "1", "--format", "html", "--templates",
                                           str(tmp_path)).stdout


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
    assert "does not exist" in offered.refused("order", "1", "--templates",
                                               str(tmp_path / "nope"), code=2)
