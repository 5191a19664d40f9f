"""Key-encryption keys (KEK): what wraps the center's data keys (envelope encryption).

A KEK never encrypts data itself; it wraps the data keys kept in ``data_keys`` (:mod:`.keyring`). Three
sources, in this order of precedence (``Settings``):

* ``kms_hook = "package.module:factory"`` — a callable returning an object with ``key_id``,
  ``wrap(key, context) -> bytes`` and ``unwrap(blob, context) -> bytes`` (a KMS or an HSM client);
* ``kek`` (usually ``CENTER_KEK`` in the environment): 32 random bytes, base64;
* ``kek_file`` (default ``<data_dir>/center-kek.key``): 32 random bytes, created mode 0600 on first start.

``kek_previous`` (comma-separated files) lists retired KEKs still accepted for unwrapping while the
re-wrap job moves every data key to the current one (rotation: docs/deployment.md).

Hazard: a lost KEK makes every sealed field and every S3 blob unreadable. Back it up apart from the
database backups (a backup with its KEK beside it protects nothing).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.errors import DomainError
from district_center.keyfile import SECRET_BYTES, secret_file

__all__ = ["KekError", "KeyEncryptionKey", "LocalKek", "kek_from_hook", "kek_from_text", "load_or_create_kek"]


class KekError(DomainError):
    """A key-encryption key that cannot be loaded or does not open a data key."""

    code = "center.kek.unusable"


class KeyEncryptionKey(Protocol):
    @property
    def key_id(self) -> str: ...

    def wrap(self, key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, blob: bytes, context: bytes) -> bytes: ...


@dataclass(frozen=True)
class LocalKek:
    """A 32-byte AES-256-GCM key held by this process (from a file or the environment)."""

    secret: bytes

    @property
    def key_id(self) -> str:
        return "local-" + hashlib.sha256(b"bmzz-kek-id\x00" + self.secret).hexdigest()[:16]

    def wrap(self, key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self.secret).encrypt(nonce, key, b"bmzz-dek\x00" + context)

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        try:
            return AESGCM(self.secret).decrypt(blob[:12], blob[12:], b"bmzz-dek\x00" + context)
        except Exception:
            raise KekError("center.kek.wrong_key", key_id=self.key_id) from None


def kek_from_text(text: str, *, source: str) -> LocalKek:
    """A KEK given as base64 text (``CENTER_KEK``)."""
    try:
        secret = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != 32:
        raise KekError("center.kek.bad_format", source=source)
    return LocalKek(secret)


def load_or_create_kek(path: Path, *, create: bool = True) -> LocalKek:
    """Read the KEK file, creating it (32 random bytes, mode 0600, exclusive create) when absent."""
    secret = secret_file(path, create=create)
    if secret is None:
        raise KekError("center.kek.missing", source=str(path))
    if len(secret) != SECRET_BYTES:
        raise KekError("center.kek.bad_format", source=str(path))
    return LocalKek(secret)


def kek_from_hook(spec: str) -> KeyEncryptionKey:
    """``"module:callable"`` → the KEK object the callable returns (a KMS client adapter)."""
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        raise KekError("center.kek.bad_hook", source=spec) from None
    kek: KeyEncryptionKey = factory()
    return kek
