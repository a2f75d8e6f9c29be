"""A council's TOML files (a framework definition, a spend mapping) are read within limits
(issue 32): at most 1,000,000 bytes, so `/dev/zero` or a huge file is refused at once; and
tables nested hundreds deep are refused in one line, never "internal error: RecursionError"."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import calloff
from calloff.domain import definition
from calloff.domain.toml_files import MAX_TOML_BYTES
from calloff.errors import DefinitionError, MappingError
from tests.conftest import Calloff

ZERO = Path("/dev/zero")
needs_zero = pytest.mark.skipif(not ZERO.exists(), reason="no /dev/zero here")


def deep(tmp_path: Path, name: str = "deep.toml", depth: int = 5_000) -> Path:
    """A file whose one value is an array nested `depth` deep: valid TOML."""
    path = tmp_path / name
    path.write_text("x = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return path


def deep_table(tmp_path: Path, depth: int = 5_000) -> Path:
    path = tmp_path / "deep-table.toml"
    path.write_text("x = " + "{a = " * depth + "1" + " }" * depth + "\n", encoding="utf-8")
    return path


def big(tmp_path: Path) -> Path:
    """A valid TOML file just over the limit: a comment line repeated."""
    path = tmp_path / "big.toml"
    line = "# " + "x" * 97 + "\n"
    path.write_text(line * (MAX_TOML_BYTES // len(line) + 1), encoding="utf-8")
    assert path.stat().st_size > MAX_TOML_BYTES
    return path


@needs_zero
def test_init_from_dev_zero_is_refused_in_bounded_time(calloff: Calloff):
    began = time.monotonic()
    said = calloff.refused("init", "--from", str(ZERO))
    assert time.monotonic() - began < 10
    assert said == (
        "Error: /dev/zero is larger than 1,000,000 bytes, the most calloff reads as a "
        "framework definition: give the framework definition file itself (a few kilobytes "
        "of TOML)"
    )
    assert not calloff.db.exists()


def test_a_definition_over_the_limit_is_refused_and_one_under_it_is_read(calloff, tmp_path):
    said = calloff.refused("init", "--from", str(big(tmp_path)))
    assert "is larger than 1,000,000 bytes" in said and "internal error" not in said
    assert not calloff.db.exists()
    # The embedded definitions are a few kilobytes: the limit is far above any real one.
    for name in definition.EMBEDDED:
        text = (
            Path(definition.__file__).parent.parent / "definitions" / f"{name}.toml"
        ).read_text()
        assert len(text.encode()) < MAX_TOML_BYTES // 100
    padded = tmp_path / "padded.toml"
    leeds = Path(definition.__file__).parent.parent / "definitions" / "leeds-rp-2015.toml"
    text = leeds.read_text("utf-8")
    padded.write_text(text + "#" * (MAX_TOML_BYTES - len(text.encode()) - 1) + "\n")
    assert padded.stat().st_size == MAX_TOML_BYTES
    calloff.ok("init", "--from", str(padded))


@needs_zero
def test_the_library_bounds_a_definition_file_too(tmp_path):
    with pytest.raises(DefinitionError, match=r"^/dev/zero is larger than 1,000,000 bytes"):
        calloff.create(tmp_path / "a.db", definition_file=ZERO)
    with pytest.raises(DefinitionError, match="is larger than 1,000,000 bytes"):
        calloff.create(tmp_path / "a.db", definition_file=big(tmp_path))
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize("make", [deep, deep_table], ids=["arrays", "tables"])
def test_a_definition_nested_5000_deep_is_one_line(calloff: Calloff, tmp_path, make):
    path = make(tmp_path)
    said = calloff.refused("init", "--from", str(path))
    assert said == (
        f"Error: {path}: its tables or arrays nest too deeply to read (hundreds of levels): "
        "a definition or mapping nests a few levels at most, so check it is the right file"
    )
    assert "RecursionError" not in said and "internal error" not in said
    assert not calloff.db.exists()


def test_the_library_refuses_a_deep_definition_as_a_definition_error(tmp_path):
    with pytest.raises(DefinitionError, match="nest too deeply"):
        calloff.create(tmp_path / "a.db", definition_file=deep(tmp_path))
    with pytest.raises(DefinitionError, match="nest too deeply"):
        definition.parse("x = " + "[" * 5_000 + "]" * 5_000, "<text>")
    assert not (tmp_path / "a.db").exists()


@pytest.fixture
def export(leeds: Calloff, tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text("Document No,Invoice Date,Net Amount,Ref\n", encoding="utf-8")
    return path


@needs_zero
def test_a_mapping_file_is_bounded_and_a_deep_one_refused(leeds: Calloff, export, tmp_path):
    began = time.monotonic()
    said = leeds.refused("spend", "import", str(export), "--map-file", str(ZERO), code=2)
    assert time.monotonic() - began < 10
    assert said == (
        "Error: /dev/zero is larger than 1,000,000 bytes, the most calloff reads as a spend "
        "mapping: give the spend mapping file itself (a few kilobytes of TOML)"
    )
    said = leeds.refused("spend", "import", str(export), "--map-file", str(big(tmp_path)), code=2)
    assert "is larger than 1,000,000 bytes" in said
    path = deep(tmp_path, "deep-map.toml")
    said = leeds.refused("spend", "import", str(export), "--map-file", str(path), code=2)
    assert said.startswith(f"Error: {path}: its tables or arrays nest too deeply to read")


def test_the_library_refuses_a_deep_or_huge_mapping_file(tmp_path):
    from calloff.arguments import spend_map_file

    with pytest.raises(MappingError, match="nest too deeply"):
        spend_map_file(deep_table(tmp_path))
    with pytest.raises(MappingError, match="is larger than 1,000,000 bytes"):
        spend_map_file(big(tmp_path))
