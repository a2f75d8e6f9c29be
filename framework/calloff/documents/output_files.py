"""Writing a document or report to a file, so that it can never destroy anything.

- The database is recognised by what it is (device and inode), not by its name, so a
  hard link, a symbolic link or a bind mount to it is refused like the file itself.
- A file that exists is replaced only when the officer says so (`--force`).
- The text is written to a private temporary file in the target's folder, flushed, and
  renamed into place: a reader (or a crash) sees the old file or the new one, never half
  of one; a replaced name is a new file, so a link elsewhere to the old one is untouched.
- Outputs are created readable by their owner only (0600), like the database: orders and
  spend reports name providers and money. `chmod` one to share it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from calloff.errors import CalloffError, InvalidInput

OUTPUT_MODE = 0o600


class OutputRefused(InvalidInput):
    """The target is the database (or a link to it): writing there would destroy it."""


class OutputExists(CalloffError):
    """The target exists and the officer did not ask for it to be replaced."""


def database_files(database: str | Path) -> list[Path]:
    """The database and the files SQLite keeps beside it."""
    found: list[Path] = []
    for db in (Path(database), Path(database).resolve()):  # SQLite follows a link to it
        found += [db] + [db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal")]
    return found


def check(target: str | Path, protect: Iterable[str | Path] = ()) -> None:
    """Refuse a target that is (by name, link or inode) one of the protected files."""
    path = Path(target)
    try:
        here = os.stat(path)
    except FileNotFoundError:
        here = None
    except OSError as e:
        raise InvalidInput(f"cannot write {path}: {e.strerror}") from None
    resolved = path.resolve()
    for kept in protect:
        kept = Path(kept)
        same_name = resolved == kept.resolve()
        with contextlib.suppress(OSError):
            if here is not None and os.path.samestat(here, os.stat(kept)):
                same_name = True
        if same_name:
            raise OutputRefused(f"{path} is the database (or a link to it): choose another file")
    if (here is not None and not os.path.isfile(path)) or resolved.parts[:2] in (
        ("/", "dev"),
        ("/", "proc"),
    ):
        raise InvalidInput(
            f"{path} is not a regular file",
            hint="choose a file name, or leave out --output to print to standard output",
        )


def write(
    target: str | Path,
    text: str | bytes | Iterable[str],
    *,
    force: bool = False,
    protect: Iterable[str | Path] = (),
) -> Path:
    """Write `text` (UTF-8; or its pieces, one after another, for a file too big to hold
    whole) to `target` whole or not at all; see the module's rules."""
    path = Path(target)
    check(path, protect)
    if path.is_symlink():  # write to the file it names; never replace the link itself
        path = path.resolve()
    pieces: Iterable[str | bytes] = [text] if isinstance(text, str | bytes) else text
    folder = path.parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    except OSError as e:
        raise InvalidInput(f"cannot write {path}: {e.strerror}") from None
    tmp = Path(temporary)
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in pieces:
                f.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, OUTPUT_MODE)
        place(tmp, path, force)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError) and not isinstance(e, FileExistsError):
            raise InvalidInput(f"cannot write {path}: {e.strerror}") from None
        raise
    return path


def place(tmp: Path, path: Path, force: bool) -> None:
    """Give a finished private file its name: never over an existing file unless `force`."""
    if force:
        check(path)  # still a regular file, not a folder that appeared meanwhile
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails, atomically, if the name was taken meanwhile
    except FileExistsError:
        raise OutputExists(
            f"{path} already exists", hint="add --force to replace it, or choose another file"
        ) from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise OutputExists(
                f"{path} already exists", hint="add --force to replace it, or choose another file"
            ) from None
        os.replace(tmp, path)
        return
    tmp.unlink()
