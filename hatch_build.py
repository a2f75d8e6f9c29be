"""Editable installs for a package whose source folders are not named after it.

The wheel maps `framework/` to `calloff/` and `cli.py` to `calloff/cli.py` with
force-include (see pyproject.toml); hatchling's own editable mode cannot add that
prefix. For `pip install -e .` this hook ships, instead of copies:

- `build/editable/calloff`, a symbolic link to `framework/`, whose folder goes on
  sys.path through a `.pth` file: Python, mypy and editors all find `calloff` there;
- a small import hook that finds `calloff.cli` in `cli.py` (and `calloff` itself in
  `framework/` where symbolic links cannot be made).

So the source is what runs, an edit takes effect at once, and only `calloff` is
importable.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

FINDER = '''"""calloff, installed in development mode from {root}."""

import importlib.util
import sys
from importlib.machinery import PathFinder

ROOT = {root!r}
LINKED = {linked!r}
PLACES = {{
    "calloff": (ROOT + "/framework/__init__.py", [ROOT + "/framework"]),
    "calloff.cli": (ROOT + "/cli.py", None),
}}


class CalloffSource:
    """Finds calloff in its source folders; every other name is left to Python."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in PLACES or (name == "calloff" and LINKED):
            return None
        location, search = PLACES[name]
        return importlib.util.spec_from_file_location(
            name, location, submodule_search_locations=search
        )


if not any(f is CalloffSource for f in sys.meta_path):
    sys.meta_path.insert(sys.meta_path.index(PathFinder), CalloffSource)
'''


class CalloffEditable(BuildHookInterface):
    """Adds the import hook to editable wheels; regular wheels are left as they are."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version != "editable":
            return
        root = os.path.abspath(self.root)
        linked = link_package(root)
        folder = tempfile.mkdtemp(prefix="calloff-editable-")
        finder = os.path.join(folder, "_calloff_editable.py")
        pth = os.path.join(folder, "_calloff_editable.pth")
        with open(finder, "w", encoding="utf-8") as f:
            f.write(FINDER.format(root=root, linked=linked is not None))
        with open(pth, "w", encoding="utf-8") as f:
            f.write((f"{linked}\n" if linked else "") + "import _calloff_editable\n")
        build_data["force_include_editable"][finder] = "_calloff_editable.py"
        build_data["force_include_editable"][pth] = "_calloff_editable.pth"


def link_package(root: str) -> str | None:
    """Make build/editable/calloff point at framework/; the folder to put on sys.path, or
    None where the file system cannot hold a symbolic link."""
    folder = os.path.join(root, "build", "editable")
    link = os.path.join(folder, "calloff")
    os.makedirs(folder, exist_ok=True)
    try:
        if os.path.islink(link):
            os.remove(link)
        os.symlink(os.path.join(root, "framework"), link, target_is_directory=True)
    except OSError:
        return None
    return folder
