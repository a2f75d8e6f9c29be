"""calloff: run a framework agreement and its call-offs.

The library is layered: `money`, `dates`, `model` and `rules` are the domain and
import neither storage nor the CLI; `storage` is the only module that touches SQLite;
`service` is what an officer does; `documents` renders orders and reports.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
