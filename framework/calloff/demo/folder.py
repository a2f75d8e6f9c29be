"""The demo's folder: a new or empty folder, or one holding only the demo's own earlier
output, with the record of what the demo wrote there (so a second run replaces those
files and nothing else)."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

from calloff.demo.competition import FILES as competition_database
from calloff.documents import output_files
from calloff.errors import InvalidInput

# The folder's record of what the demo wrote there: on a second run it replaces those
# files and nothing else.
MANIFEST = ".calloff-demo"
DATABASE_FILES = (
    "demo.db",
    "demo.db-wal",
    "demo.db-shm",
    "demo.db-journal",
    *competition_database,
)
# The names the demo writes: a record naming anything else is not believed.
DEMO_NAMES = (
    *DATABASE_FILES,
    "invoices.csv",
    "order-*.md",
    "order-*.html",
    "record-*.md",
    "record-*.html",
    "report-*.md",
    "report-*.html",
    "report-*.csv",
    "report-*.json",
    "publish-*.csv",
    "publish-*.json",
    "notice-*.md",
    "notice-*.json",
    "competition-*-letter-*.md",
    "record-competition-*.md",
    "record-competition-*.html",
)


class DemoFolder:
    """A new or empty folder, or one holding only the demo's own earlier output."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.written: list[str] = list(DATABASE_FILES)

    def prepare(self) -> None:
        d = self.directory
        if d.exists() and not d.is_dir():
            raise InvalidInput(
                f"directory {d} is not a folder: give a new or empty folder",
                command=f"--dir {d} is not a folder: give a new or empty folder",
            )
        try:
            d.mkdir(parents=True, exist_ok=True)
            present = {p.name for p in d.iterdir()}
        except OSError as e:
            raise InvalidInput(f"cannot use {d} for the demo: {e.strerror}") from None
        earlier = self._earlier()
        strangers = sorted(present - earlier - {MANIFEST})
        if strangers:
            shown = ", ".join(strangers[:3]) + (" …" if len(strangers) > 3 else "")
            strange = (
                f"{d} holds files the demo did not write ({shown}): the demo writes only into "
                "a new or empty folder, or over its own earlier output; give another"
            )
            raise InvalidInput(f"{strange} directory", command=f"{strange} --dir")
        for name in earlier & present:
            (d / name).unlink()
        self.save()

    def _earlier(self) -> set[str]:
        try:
            names = json.loads((self.directory / MANIFEST).read_text("utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return set()
        return {
            n
            for n in names
            if isinstance(n, str)
            and "/" not in n
            and any(fnmatch.fnmatchcase(n, pattern) for pattern in DEMO_NAMES)
        }

    def save(self) -> None:
        output_files.write(
            self.directory / MANIFEST,
            json.dumps({"files": sorted(set(self.written))}, indent=1) + "\n",
            force=True,
        )

    def write(self, name: str, text: str) -> Path:
        """Claim the name in the record first, so a demo cut short is still its own."""
        self.written.append(name)
        self.save()
        return output_files.write(self.directory / name, text, force=True)
