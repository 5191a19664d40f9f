"""32-byte secret files (the blob key, the key-encryption key): created once, mode 0600, never rewritten.

    secret = secret_file(path)                 # creates it (exclusive create, fsync) when absent
    secret = secret_file(path, create=False)   # None when absent

Hazard: the file is the only copy of the secret; back it up apart from the data it protects.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SECRET_BYTES", "secret_file"]

SECRET_BYTES = 32


def secret_file(path: Path, *, create: bool = True) -> bytes | None:
    """The secret in ``path`` (any length: callers check it), creating 32 random bytes when absent and
    ``create``; ``None`` when absent and not ``create``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if create:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            secret = os.urandom(SECRET_BYTES)
            try:
                os.write(fd, secret)
                os.fsync(fd)
            finally:
                os.close(fd)
            return secret
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
