"""The configuration file a deployment may name with CALLOFF_CONFIG: the same settings as the
environment, one `CALLOFF_NAME=value` per line, read by the mail settings and the audit key."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from calloff.errors import InvalidInput

# A configuration file is a few lines: reading no further than this refuses `/dev/zero` or
# the wrong, huge file at once, as definition files are bounded (toml_files.py).
MAX_CONFIG_BYTES = 100_000


def read_config(path: str | Path) -> dict[str, str]:
    """A configuration file's settings: `NAME=value` lines; `#` starts a comment."""
    try:
        with Path(path).open("rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as e:
        raise InvalidInput(f"cannot read the configuration file {path}: {e.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        too_large = (
            f"{path} is larger than {MAX_CONFIG_BYTES:,} bytes, the most calloff reads as a "
            "configuration file: give the configuration file itself"
        )
        raise InvalidInput(
            f"{too_large} (a few lines, each a setting's name, =, and its value)",
            command=f"{too_large} (a few lines of CALLOFF_NAME=value)",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"cannot read the configuration file {path}: it is not UTF-8 text"
        ) from None
    found = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not name.startswith("CALLOFF_"):
            raise InvalidInput(
                f"{path}, line {number}: write each setting as its name, =, and its value",
                command=f"{path}, line {number}: write each setting as CALLOFF_NAME=value",
            )
        found[name] = value.strip().strip('"')
    return found


def setting(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """One setting: from the environment, else from the file CALLOFF_CONFIG names."""
    env = os.environ if environ is None else environ
    if env.get(name):
        return env[name]
    if env.get("CALLOFF_CONFIG"):
        return read_config(env["CALLOFF_CONFIG"]).get(name) or None
    return None
