"""Importing a spend file in the browser: upload, a preview that writes nothing, and one
confirmation that writes all of it or nothing.

The preview and the import are the library's one check (`Office.preview_spend`,
`Office.import_spend(expect=...)`), so what the preview shows is what is written. The
uploaded bytes wait on the server in a private folder (only the server's account can read
it), named by their SHA-256; the pages carry only that digest, in a hidden field. The
confirmation is refused, with nothing written, if a file sent with it is not the one
previewed, if the file kept is gone or changed, or if what it would write has changed since
the preview (the library compares the preview's fingerprint inside its own transaction).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from flask import current_app, flash, redirect, render_template, request, url_for

from calloff import CalloffError, NotAuthorised
from calloff.documents.rendering import money
from calloff.errors import ImportRejected
from calloff.web import desk
from calloff.web import kept as results
from calloff.web.forms import Form, whole
from calloff.web.security import needs

LIMIT = 25 * 1024 * 1024  # bytes in a spend file sent from the browser (about 150,000 lines)
PAGE = 50  # rows of each preview table a page
KEPT_FOR = 24 * 3600  # seconds an uploaded file waits for its confirmation
HEX = re.compile(r"[0-9a-f]{64}")


class NotKept(Exception):
    """The file cannot be kept privately, or is not the one previewed: its sentence."""


@needs("spend.add")
def import_form() -> Any:
    return _upload_page(Form())


@needs("spend.add")
def import_preview() -> Any:
    """A file sent: keep it, and show what importing it would write."""
    form = Form(request.form)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        form.error("file", "Choose a CSV file of invoice lines to import")
        return _upload_page(form), 400
    name = display_name(sent.filename)
    try:
        digest = keep(sent.stream)
    except NotKept as e:
        form.error("file", str(e))
        return _upload_page(form), 400
    return _preview(form, digest, name)


@needs("spend.add")
def import_pages() -> Any:
    """Another page of a preview's tables: the kept file, previewed again."""
    form = Form(request.form)
    digest, name = form.get("digest"), display_name(form.get("name"))
    if not HEX.fullmatch(digest) or not kept(digest).is_file():
        form.error("file", GONE)
        return _upload_page(form), 400
    return _preview(form, digest, name)


@needs("spend.add")
def import_confirm() -> Any:
    """Import the previewed file: refused, with nothing written, if it is not the file
    previewed or would now write something else."""
    form = Form(request.form)
    digest, print_ = form.get("digest"), form.get("fingerprint")
    name = display_name(form.get("name"))
    if not HEX.fullmatch(digest) or not HEX.fullmatch(print_):
        form.error("file", GONE)
        return _upload_page(form), 400
    sent = request.files.get("file")
    if sent is not None and sent.filename and _digest_of(sent.stream) != digest:
        form.error("file", DIFFERENT)
        return _upload_page(form), 400
    path = kept(digest)
    if not path.is_file():
        form.error("file", GONE)
        return _upload_page(form), 400
    if _digest_of(path.open("rb")) != digest:
        path.unlink(missing_ok=True)
        form.error("file", DIFFERENT)
        return _upload_page(form), 400
    office = desk.office()
    try:
        # Not in this server's turn to write: the import checks the file before it takes
        # the lock, while the other officers write, and then waits for the lock as SQLite
        # makes every writer wait; its write is short (docs/performance.md).
        done = office.import_spend(path, expect=print_)
    except NotAuthorised as e:
        form.error("file", said(e, path, name))
        return _upload_page(form), 403
    except CalloffError as e:
        # Rows gone bad, or a line recorded meanwhile: nothing was written; show the
        # preview as it stands now, with what happened at the top.
        return _preview(form, digest, name, refused=said(e, path, name))
    path.unlink(missing_ok=True)
    # The line `calloff spend import` prints.
    if done.imported == 0:
        line = f"Nothing new to import: all {done.skipped} line(s) in {name} were already recorded."
    else:
        skipped = f"; {done.skipped} already recorded, skipped" if done.skipped else ""
        line = f"Imported {done.imported} spend line(s), {money(done.amount)}{skipped}."
    flash(line, "outcome")
    return redirect(url_for("spend.spend"))


ROUTES: list[tuple[str, Callable[..., Any], list[str]]] = [
    ("/spend/import", import_form, ["GET"]),
    ("/spend/import", import_preview, ["POST"]),
    ("/spend/import/preview", import_pages, ["POST"]),
    ("/spend/import/confirm", import_confirm, ["POST"]),
]

GONE = (
    "The previewed file is no longer kept here (it was imported, or waited more than a day): "
    "nothing was imported. Choose the file again to preview it."
)
DIFFERENT = (
    "The file sent is not the file that was previewed: nothing was imported. Choose the "
    "file again to preview it."
)


def _preview(form: Form, digest: str, name: str, refused: str | None = None) -> Any:
    """The preview page for the kept file; the upload page with the library's sentence if
    the file as a whole cannot be read."""
    path = kept(digest)
    office = desk.office()
    try:
        # Paging through a preview shows the same figures: kept while nothing is recorded.
        found = results.kept(
            ("spend preview", str(path), office.last_event),
            lambda: office.preview_spend(path),
        )
    except NotAuthorised as e:
        form.error("file", said(e, path, name))
        return _upload_page(form), 403
    except CalloffError as e:  # not a CSV file, the wrong columns, empty: nothing to keep
        path.unlink(missing_ok=True)
        form.error("file", said(e, path, name))
        return _upload_page(form), 400
    lines_page, lines_pages = _page(form.get("lines_page"), len(found.lines))
    calloffs_page, calloffs_pages = _page(form.get("calloffs_page"), len(found.calloffs))
    errors = []
    if refused is not None:
        errors.append({"text": refused, "href": "#summary"})
    rejected = found.rejected
    if rejected is not None:
        errors.append(
            {
                "text": f"{name}: {rejected.total:,} bad row(s): nothing can be imported. "
                "Correct the rows listed below and choose the whole file again.",
                "href": "#bad-rows",
            }
        )
    page = render_template(
        "web/spend_preview.html",
        found=found,
        name=name,
        digest=digest,
        more=None
        if rejected is None or rejected.more is None
        else said_text(rejected.more, path, name),
        lines=found.lines[(lines_page - 1) * PAGE : lines_page * PAGE],
        lines_page=lines_page,
        lines_pages=lines_pages,
        calloffs=found.calloffs[(calloffs_page - 1) * PAGE : calloffs_page * PAGE],
        calloffs_page=calloffs_page,
        calloffs_pages=calloffs_pages,
        page_size=PAGE,
        errors=errors,
        crumbs=_crumbs("Check the file"),
        active="spend",
    )
    return page, 400 if errors else 200


def _page(asked: str, rows: int) -> tuple[int, int]:
    pages = max(1, -(-rows // PAGE))
    number = int(asked) if whole(asked) and int(asked) >= 1 else 1
    return min(number, pages), pages


def _upload_page(form: Form) -> str:
    return render_template(
        "web/spend_import.html",
        form=form,
        errors=form.summary(),
        limit_mb=LIMIT // (1024 * 1024),
        crumbs=_crumbs("Import a spend file"),
        active="spend",
    )


def _crumbs(last: str) -> list[dict[str, str]]:
    return [
        {"text": "Home", "href": url_for("home.home")},
        {"text": "Spend", "href": url_for("spend.spend")},
        {"text": last},
    ]


def said(error: CalloffError, path: Path, name: str) -> str:
    """The library's sentence as the command prints it, naming the officer's own file
    rather than the server's private copy of it."""
    if isinstance(error, ImportRejected):
        text = (
            f"{path}: {error.total:,} bad row(s), nothing imported: correct the rows listed "
            "below and choose the whole file again"
        )
    else:
        text = error.for_command()
    return said_text(text, path, name)


def said_text(text: str, path: Path, name: str) -> str:
    return text.replace(str(path), name)


def display_name(filename: str | None) -> str:
    """The file's own name, as the officer knows it, without any folder."""
    base = re.split(r"[\\/]", filename or "")[-1].strip()
    return base[:100] or "the file"


# -- the files kept between preview and import ---------------------------------------------


def folder() -> Path:
    """The private folder uploads wait in: the server's own (mode 0700), refused if it is
    anyone else's or a link."""
    configured = current_app.config.get("CALLOFF_SPEND_UPLOADS")
    base = (
        Path(configured)
        if configured
        else Path(tempfile.gettempdir()) / f"calloff-spend-uploads-{os.getuid()}"
    )
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = base.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise NotKept(
            "The server cannot keep the file privately: ask the administrator. Nothing was "
            "imported."
        )
    if st.st_mode & 0o077:
        base.chmod(0o700)
    return base


def kept(digest: str) -> Path:
    """Where the file with this digest waits, for this officer at this database: another
    officer's digest names no file of theirs."""
    owner = f"{desk.settings().database}\n{desk.office().officer}".encode()
    return folder() / f"{hashlib.sha256(owner).hexdigest()[:16]}-{digest}.csv"


def keep(stream: IO[bytes]) -> str:
    """Keep what the browser sent (no more than LIMIT bytes), readable by the server's
    account alone; returns its SHA-256."""
    base = folder()
    _sweep(base)
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=base, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > LIMIT:
                    raise NotKept(
                        f"The file is larger than {LIMIT // (1024 * 1024)} MB: split it into "
                        "smaller files and import each. Nothing was imported."
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise NotKept("The selected file is empty: choose the CSV file of invoice lines")
        found = digest.hexdigest()
        os.replace(temporary, kept(found))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return found


def _digest_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    size = 0
    with stream:
        while chunk := stream.read(64 * 1024):
            size += len(chunk)
            if size > LIMIT:
                break
            digest.update(chunk)
    return digest.hexdigest() if size <= LIMIT else ""


def _sweep(base: Path) -> None:
    """Forget uploads never confirmed, a day after they were sent."""
    now = time.time()
    for old in base.glob("*.csv"):
        try:
            if now - old.stat().st_mtime > KEPT_FOR:
                old.unlink()
        except OSError:
            continue
    for part in base.glob(".upload-*.part"):
        try:
            if now - part.stat().st_mtime > KEPT_FOR:
                part.unlink()
        except OSError:
            continue
