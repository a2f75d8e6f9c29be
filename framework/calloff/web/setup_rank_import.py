"""Importing rankings (and rates) from a CSV file: upload, a preview that writes nothing
and shows exactly what would be set (each lot's new order and rates, or every bad row),
then one confirmation that imports the whole file or nothing.

The preview and the import are the library's same reading of the file
(`Office.preview_rankings` and `Office.import_rankings`). The uploaded bytes are kept on
the server, in a folder only the server's account can read, under their SHA-256; the page
carries only that digest. The confirmation imports those very bytes: a preview this
session did not make, or a file sent again that differs, is refused, and the kept copy is
removed once imported (or after an hour).
"""

from __future__ import annotations

import atexit
import hashlib
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from werkzeug.utils import secure_filename

from calloff import CalloffError, ImportRejected
from calloff.web import desk
from calloff.web.forms import Form, with_today
from calloff.web.security import needs
from calloff.web.setup_pages import blueprint, crumbs, long_date
from calloff.web.setup_pages import status as refusal_status
from calloff.web.signing_in import desk_message

KEPT_FOR = 3600  # seconds an uploaded file waits for its confirmation
DIGEST = re.compile(r"[0-9a-f]{64}")
_folder: Path | None = None


def uploads() -> Path:
    """This server's private folder of uploaded files (made with mode 0700), removed
    when the server stops."""
    global _folder
    if _folder is None or not _folder.is_dir():
        _folder = Path(tempfile.mkdtemp(prefix="calloff-rankings-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder


@blueprint.get("/setup/rankings/import")
@needs("ranking.import")
def rankings_import_form() -> str:
    return _upload_page(with_today(Form()))


@blueprint.post("/setup/rankings/import")
@needs("ranking.import")
def rankings_preview() -> Any:
    form = Form(request.form)
    on = form.day("on", "date the rankings apply from")
    sent = request.files.get("file")
    data = sent.read() if sent is not None else b""
    if not data:
        form.error("file", "Choose a CSV file of rankings")
    if form.errors:
        return _upload_page(form), 400
    name = secure_filename((sent.filename if sent else "") or "") or "rankings.csv"
    path = _keep(data, name)
    try:
        lots = desk.office().preview_rankings(path, on=on)
    except CalloffError as e:
        _forget(path)
        return _refused(form, e, path, name)
    digest = path.parent.name
    previews = [d for d in session.get("ranking_previews", []) if d != digest][-4:]
    session["ranking_previews"] = [*previews, digest]
    office = desk.office()
    now = {lot: office.ranking(lot) for lot in lots}
    return render_template(
        "web/setup_import_preview.html",
        name=name,
        digest=digest,
        state=office.ranking_state(lots),
        form=form,
        on=long_date(on),
        lots=[(lot, _changes(entries, now[lot])) for lot, entries in lots.items()],
        crumbs=crumbs(*_trail(), ("Preview", None)),
        active="setup",
    )


@blueprint.post("/setup/rankings/import/confirm")
@needs("ranking.import")
def rankings_import() -> Any:
    form = Form(request.form)
    on = form.day("on", "date the rankings apply from")
    digest = form.get("digest")
    path = _kept(digest)
    sent = request.files.get("file")
    if sent is not None and sent.filename and hashlib.sha256(sent.read()).hexdigest() != digest:
        form.error(
            "file",
            "The file sent with the confirmation is not the file previewed: nothing was "
            "imported. Upload it again and check its preview.",
        )
    if path is None and not form.errors:
        form.error(
            "file",
            "That preview is no longer kept (or was not made in this session): nothing "
            "was imported. Upload the file again and check its preview.",
        )
    if form.errors:
        return _upload_page(form), 400
    assert path is not None
    try:
        with desk.turn():
            counts = desk.office().import_rankings(
                path,
                on=on,
                source=f"{path.name} (uploaded, SHA-256 {digest[:16]})",
                expect=form.get("state") or "none given",
            )
    except CalloffError as e:
        return _refused(form, e, path, path.name)
    _forget(path)
    session["ranking_previews"] = [d for d in session.get("ranking_previews", []) if d != digest]
    lines = [f"Lot {lot}: {n} provider(s) ranked." for lot, n in sorted(counts.items())]
    flash("\n".join(lines), "outcome")
    return redirect(url_for("setup.rankings"))


def _changes(entries: list[Any], now: list[Any]) -> dict[str, Any]:
    """One lot in the preview: the new order with each provider's rank now, and who
    leaves the ranking."""
    was = {p.id: rank for rank, p, _ in now}
    kept = {p.id for _, p, _ in entries}
    return {
        "ranking": [(rank, p, rates, was.get(p.id)) for rank, p, rates in entries],
        "dropped": [p for _, p, _ in now if p.id not in kept],
    }


def _keep(data: bytes, name: str) -> Path:
    """The bytes, kept under their digest; older uploads nobody confirmed are removed."""
    folder = uploads()
    cutoff = time.time() - KEPT_FOR
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    digest = hashlib.sha256(data).hexdigest()
    home = folder / digest
    home.mkdir(mode=0o700, exist_ok=True)
    for other in home.iterdir():
        other.unlink()
    path = home / name
    path.write_bytes(data)
    return path


def _kept(digest: str) -> Path | None:
    """The file this session previewed under `digest`, if it is still kept."""
    if not DIGEST.fullmatch(digest) or digest not in session.get("ranking_previews", []):
        return None
    home = uploads() / digest
    files = sorted(home.iterdir()) if home.is_dir() else []
    if len(files) != 1 or hashlib.sha256(files[0].read_bytes()).hexdigest() != digest:
        return None
    return files[0]


def _forget(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def _refused(form: Form, error: CalloffError, path: Path, name: str) -> Any:
    """The library's refusal on the upload page, the server's folder named as the file
    the officer chose; a rejected file's bad rows, each with its line."""
    rows: list[tuple[int, str]] = []
    more = None
    if isinstance(error, ImportRejected):
        rows = [(line, m.replace(str(path), name)) for line, m in error.command_problems]
        more = None if error.more is None else error.more.replace(str(path), name)
    field = "on" if "after today" in str(error) else "file"
    # The command lists the bad rows above its last line; this page lists them below.
    message = desk_message(error).replace(str(path), name)
    form.error(field, message.replace("rows listed above", "rows listed below"))
    return _upload_page(form, rows, more), refusal_status(error)


def _upload_page(
    form: Form, problems: list[tuple[int, str]] | None = None, more: Any = None
) -> str:
    return render_template(
        "web/setup_import.html",
        form=form,
        errors=form.summary(),
        problems=problems or [],
        more=more,
        crumbs=crumbs(*_trail()[:-1], ("Import rankings", None)),
        active="setup",
    )


def _trail() -> list[tuple[str, str | None]]:
    return [
        ("Set-up", url_for("setup.setup")),
        ("Rankings and rates", url_for("setup.rankings")),
        ("Import rankings", url_for("setup.rankings_import_form")),
    ]
