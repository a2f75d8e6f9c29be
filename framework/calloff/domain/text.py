"""Text an officer types: names, titles and reasons."""

from __future__ import annotations

import unicodedata

from calloff.errors import InvalidInput


def clean_text(value: str, what: str, max_length: int = 500) -> str:
    """Names, titles and reasons: one line of printable text, not empty, not endless."""
    text = unicodedata.normalize("NFC", str(value)).strip()
    if not text:
        raise InvalidInput(f"{what} is empty: give a short text")
    if len(text) > max_length:
        raise InvalidInput(f"{what} is {len(text)} characters long: keep it to {max_length}")
    # Control, invisible and direction-changing characters would make two names look
    # the same, or print differently from how they are stored.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for ch in text):
        raise InvalidInput(
            f"{what} contains a control or invisible character or a line break: use plain text"
        )
    return text
