"""Canonical bytes: the JSON both sides sign and digest, base64, keys and nonces."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol.errors import ProtocolError

__all__ = [
    "JSONObject",
    "b64decode",
    "b64encode",
    "canonical_json",
    "case_digest",
    "load_public_key",
    "new_nonce",
    "public_key_b64",
    "sha256_hex",
]

JSONObject = dict[str, Any]


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ProtocolError("bad_message", variant="float", detail="floats are refused in signed documents")
    if isinstance(value, Mapping):
        for v in value.values():
            _refuse_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _refuse_floats(v)


def canonical_json(obj: Any) -> bytes:
    """``sort_keys``, no whitespace, UTF-8 (not ASCII-escaped). Floats are refused (``ProtocolError``):
    their text form differs between implementations, so a signature over them would not verify."""
    _refuse_floats(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def case_digest(case: Mapping[str, Any]) -> str:
    """The digest a receipt carries: sha256 hex of the canonical JSON of the case document."""
    return sha256_hex(canonical_json(case))


def b64encode(data: bytes) -> str:
    """Standard, padded base64 (as the protocol uses for keys and signatures)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, what: str = "data") -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ProtocolError("bad_message", variant="base64", field=what) from None


def public_key_b64(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Base64 of the raw 32-byte Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64encode(public.public_bytes_raw())


def load_public_key(text: str) -> Ed25519PublicKey:
    """Parse a base64 raw Ed25519 public key; ``ProtocolError`` when it is not one."""
    raw = b64decode(text, what="public_key")
    if len(raw) != 32:
        raise ProtocolError("bad_message", variant="key", field="public_key", size=32)
    return Ed25519PublicKey.from_public_bytes(raw)


def new_nonce() -> str:
    """32 random hex characters (128 bits)."""
    return secrets.token_hex(16)
