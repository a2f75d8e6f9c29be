"""The audit key: a secret kept outside the database, so that sealing the records needs it.

Without a key the seal's recipe is public, and a program that rewrites the tables can
rewrite the seal too. With one, the last event of each write carries an HMAC-SHA256 over
the seal's digest and the event itself, made with the key: re-sealing a changed file, or
re-hashing the chain after an edited event, needs the key, which the server's service
account holds in a file only it can read (CALLOFF_AUDIT_KEY_FILE, in the environment or in
the file CALLOFF_CONFIG names). The key is named by its fingerprint, never printed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

import attrs
import sqlite_utils

from calloff.domain.config_file import setting
from calloff.errors import DatabaseError, InvalidInput

SETTING = "CALLOFF_AUDIT_KEY_FILE"
PREFIX = "hmac-sha256"
SMALLEST = 32  # characters of key: 128 bits at the least, as hex or otherwise
LARGEST = 4096


@attrs.frozen(repr=False)
class SealKey:
    """The audit key, by its fingerprint; its bytes never leave this object."""

    secret: bytes
    path: str

    @property
    def fingerprint(self) -> str:
        """16 hex digits that name the key in `audit verify` and the anchor statement."""
        return hashlib.sha256(b"calloff audit key\n" + self.secret).hexdigest()[:16]

    def mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return f"SealKey({self.fingerprint})"


def configured(environ: Mapping[str, str] | None = None) -> SealKey | None:
    """The key named by configuration, checked; None where no key is configured."""
    where = setting(SETTING, environ)
    return None if not where else read(where)


def read(where: str | Path) -> SealKey:
    """A key file: private to its owner, holding at least 32 characters of secret."""
    path = Path(where)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise DatabaseError(
            f"cannot read the audit key file {path}: {e.strerror}",
            hint=f"check {SETTING}, or make a key with `calloff audit new-key FILE`",
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DatabaseError(f"the audit key file {path} is not a file")
        if info.st_mode & 0o077:
            raise DatabaseError(
                f"the audit key file {path} can be read by others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}): make it its owner's alone",
                hint=f"chmod 600 {path}",
            )
        data = os.read(fd, LARGEST + 1)
    finally:
        os.close(fd)
    secret = data.strip()
    if len(data) > LARGEST or len(secret) < SMALLEST:
        raise DatabaseError(
            f"the audit key file {path} does not hold a key: it needs {SMALLEST} to "
            f"{LARGEST} characters of secret",
            hint="make one with `calloff audit new-key FILE`",
        )
    return SealKey(secret, str(path))


def new_key_file(where: str | Path) -> SealKey:
    """Write a new random key to a file made 0600; never over an existing file."""
    path = Path(where)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise InvalidInput(
            f"{path} exists: a key file is never overwritten (the database sealed with it "
            "would need the old key); choose another name"
        ) from None
    except OSError as e:
        raise InvalidInput(f"cannot create the key file {path}: {e.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    return read(path)


def keyed_seal(key: SealKey, digest: str, unsealed_hash: str) -> str:
    """The seal an event carries under a key: the digest, and a MAC over it and the event
    (its hash taken without the seal, which covers the chain before it)."""
    return f"{PREFIX}:{key.fingerprint}:{digest}:{key.mac(digest + ':' + unsealed_hash)}"


def parse(seal: str | None) -> tuple[str, str, str] | None:
    """(fingerprint, digest, mac) of a keyed seal; None for a keyless one."""
    if not seal or not seal.startswith(PREFIX + ":"):
        return None
    parts = seal.split(":")
    if len(parts) != 4:
        return ("?", "", "")
    return parts[1], parts[2], parts[3]


def digest_of(seal: str | None) -> str | None:
    """The records' digest a seal vouches for, keyed or not."""
    keyed = parse(seal)
    return seal if keyed is None else keyed[1]


def check(key: SealKey | None, seal: str, unsealed_hash: str) -> str | None:
    """Why a keyed seal does not hold (None: it does, or it is keyless)."""
    keyed = parse(seal)
    if keyed is None:
        return None
    fingerprint, digest, mac = keyed
    if key is None:
        return (
            f"the trail is sealed with audit key {fingerprint}: checking it needs that key, "
            f"named by {SETTING}"
        )
    if fingerprint != key.fingerprint:
        return (
            f"the trail is sealed with audit key {fingerprint}, not the key configured "
            f"({key.fingerprint}): name the key it was sealed with in {SETTING}"
        )
    if not hmac.compare_digest(mac, key.mac(digest + ":" + unsealed_hash)):
        return "its keyed seal does not match: it was re-sealed without the key"
    return None


def unkeyed(db: sqlite_utils.Database, head: tuple[int, str]) -> str | None:
    """A keyless seal after a keyed one (the write before this file's newest): someone
    without the key sealed it again (cheap: the newest sealed events, by id)."""
    row = db.execute(
        "SELECT id, seal FROM events WHERE id < ? AND seal IS NOT NULL ORDER BY id DESC LIMIT 1",
        [head[0]],
    ).fetchone()
    if row is None or parse(row[1]) is None:
        return None
    return (
        f"the seal on event {head[0]} has no key, though event {row[0]} before it was "
        "sealed with one: it was re-sealed outside calloff"
    )


def once_keyed(db: sqlite_utils.Database) -> str | None:
    row = db.execute(
        "SELECT id FROM events WHERE seal LIKE ? ORDER BY id LIMIT 1", [PREFIX + ":%"]
    ).fetchone()
    if row is None:
        return None
    return (
        f"the trail was sealed with an audit key from event {row[0]}, but its seal now has "
        "no key: it was re-sealed outside calloff"
    )
