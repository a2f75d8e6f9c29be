"""The file CALLOFF_CONFIG names is read within limits: at most 100,000 bytes, so
`/dev/zero` or the wrong, huge file is refused at once in one line (defect D5: it was read
without end, 5.8 GB in 6 seconds), and a file that is not UTF-8 text is refused as well."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from calloff.domain.config_file import MAX_CONFIG_BYTES
from tests.conftest import Calloff

ZERO = Path("/dev/zero")


@pytest.mark.skipif(not ZERO.exists(), reason="no /dev/zero here")
def test_an_endless_configuration_file_is_refused_at_once(leeds: Calloff, monkeypatch):
    monkeypatch.setenv("CALLOFF_CONFIG", str(ZERO))
    began = time.monotonic()
    said = leeds.refused("provider", "add", "Elm Learning")
    assert time.monotonic() - began < 10
    assert said == (
        "Error: /dev/zero is larger than 100,000 bytes, the most calloff reads as a "
        "configuration file: give the configuration file itself (a few lines of "
        "CALLOFF_NAME=value)"
    )


def test_a_configuration_file_over_the_limit_is_refused_and_one_at_it_is_read(
    leeds: Calloff, tmp_path, monkeypatch
):
    config = tmp_path / "calloff.conf"
    monkeypatch.setenv("CALLOFF_CONFIG", str(config))
    # 100,000 bytes exactly: comments, then one (empty) setting; read as any other.
    setting = "CALLOFF_MAIL_FROM=\n"
    line = "# " + "x" * 97 + "\n"
    comments = line * ((MAX_CONFIG_BYTES - len(setting)) // len(line))
    padding = "#" * (MAX_CONFIG_BYTES - len(setting) - len(comments) - 1) + "\n"
    config.write_text(comments + padding + setting, encoding="utf-8")
    assert config.stat().st_size == MAX_CONFIG_BYTES
    leeds.ok("provider", "add", "Elm Learning")
    # One byte more is refused, and nothing is written.
    config.write_text(comments + padding + "#" + setting, encoding="utf-8")
    said = leeds.refused("provider", "add", "Fir Coaching")
    assert said.startswith(f"Error: {config} is larger than 100,000 bytes")


def test_a_configuration_file_that_is_not_text_is_refused_in_one_line(
    leeds: Calloff, tmp_path, monkeypatch
):
    config = tmp_path / "calloff.conf"
    config.write_bytes(b"\xff\xfeCALLOFF_MAIL_FROM=a@example.gov.uk\n")
    monkeypatch.setenv("CALLOFF_CONFIG", str(config))
    said = leeds.refused("provider", "add", "Elm Learning")
    assert said == f"Error: cannot read the configuration file {config}: it is not UTF-8 text"
