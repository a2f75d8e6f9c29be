"""Files sent to the browser: streamed in pieces, named for saving, and (for a document
with its own inline stylesheet, such as an order or a letter) under a policy that lets it
style itself and nothing more.

A file the library writes piece by piece (the OCDS package) is sent as the pieces come,
read inside the request whose office reads them; one it gives whole is sent in chunks, so
the server never holds a second copy while it sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

CHUNK = 64 * 1024  # characters a piece
# A saved document's own stylesheet is inline so that a copy prints the same; it runs no
# script and loads nothing.
DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def send(
    body: str | Iterable[str],
    content_type: str,
    filename: str | None = None,
    document: bool = False,
) -> Response:
    """A response streaming `body`; saved as `filename` when given (an attachment), shown
    in the browser otherwise; `document` for a page with its own inline stylesheet."""
    pieces: Iterable[str]
    if isinstance(body, str):
        pieces = (body[i : i + CHUNK] for i in range(0, len(body), CHUNK))
    elif isinstance(body, Iterator):
        pieces = stream_with_context(body)
    else:
        pieces = (p[i : i + CHUNK] for p in body for i in range(0, len(p), CHUNK))
    response = Response(pieces, content_type=content_type)
    if filename is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if document:
        response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    return response
