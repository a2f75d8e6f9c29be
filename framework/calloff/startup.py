"""What the `calloff` command does first, so that it starts fast."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType


class LeanSqliteUtils(MetaPathFinder):
    """sqlite-utils imports pandas and numpy whenever they are installed, for column types
    calloff never stores; that alone can triple what a small command costs. While
    `sqlite_utils.db` loads, those two are hidden (unless something imported them already),
    so a command starts as fast beside them as without them."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != "sqlite_utils.db":
            return None
        sys.meta_path.remove(self)
        from importlib.util import find_spec

        spec = find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            hidden = [m for m in ("pandas", "numpy") if m not in sys.modules]
            sys.modules.update(dict.fromkeys(hidden))  # type: ignore[arg-type]
            try:
                run(module)
            finally:
                for m in hidden:
                    if m in sys.modules and sys.modules[m] is None:
                        del sys.modules[m]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def lean_sqlite_utils() -> None:
    """Called by the command before anything loads sqlite-utils. The library does not
    call it, so a program that imports calloff keeps sqlite-utils' pandas support."""
    if "sqlite_utils.db" not in sys.modules and not any(
        isinstance(f, LeanSqliteUtils) for f in sys.meta_path
    ):
        sys.meta_path.insert(0, LeanSqliteUtils())
