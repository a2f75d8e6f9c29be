"""calloff: run a framework agreement and its call-offs.

The library is layered: `money`, `dates`, `model` and `rules` are the domain and
import neither storage nor the CLI; `storage` is the only module that touches SQLite;
`service` is what an officer does; `documents` renders orders and reports.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

__all__ = ["__version__"]

__version__ = "0.1.0"


class _LeanSqliteUtils(MetaPathFinder):
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


if "sqlite_utils.db" not in sys.modules:
    sys.meta_path.insert(0, _LeanSqliteUtils())
