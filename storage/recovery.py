"""The recovery slot: the data key sealed to the district's X25519 recovery public key.

Construction (documented so the district side can re-implement it): ephemeral X25519 key pair ``e``;
``shared = X25519(e, R)``; ``k = HKDF-SHA256(shared, salt = e_pub || R_pub, info =
"bianmin-station/recovery/v1")``;
``sealed = nonce || AES-256-GCM(k, nonce, data_key, aad = canonical({"store": store_id, "slot":
"recovery"}))``.
Every field is base64 in the slot dict. The station can write the slot but never open it again.

``open_recovery_slot`` is pure: the ``district-center`` tool calls it with the slot exported from a station
(the
``recovery`` entry of ``keys.json``) and the district private key.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.crypto import NONCE_LEN, InvalidTag, b64d, b64e, canonical
from storage.errors import RecoveryFailed

ALG = "x25519-hkdf-sha256-aes256gcm/v1"


def _kek(shared: bytes, eph_pub: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, eph_pub + recipient, b"bianmin-station/recovery/v1").derive(shared)


def _aad(store_id: str) -> bytes:
    return canonical({"store": store_id, "slot": "recovery"})


def public_key_bytes(public_key: bytes | str | X25519PublicKey) -> bytes:
    """Accept raw 32 bytes, their base64 text, or a key object."""
    if isinstance(public_key, X25519PublicKey):
        return public_key.public_bytes_raw()
    raw = b64d(public_key) if isinstance(public_key, str) else bytes(public_key)
    if len(raw) != 32:
        raise ValueError("an X25519 public key is 32 bytes")
    return raw


def seal_recovery_slot(
    data_key: bytes, store_id: str, public_key: bytes | str | X25519PublicKey
) -> dict[str, Any]:
    recipient = public_key_bytes(public_key)
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes_raw()
    key = _kek(eph.exchange(X25519PublicKey.from_public_bytes(recipient)), eph_pub, recipient)
    nonce = os.urandom(NONCE_LEN)
    sealed = nonce + AESGCM(key).encrypt(nonce, data_key, _aad(store_id))
    return {
        "kind": "recovery",
        "alg": ALG,
        "store_id": store_id,
        "recipient": b64e(recipient),
        "ephemeral": b64e(eph_pub),
        "sealed": b64e(sealed),
    }


def open_recovery_slot(slot: bytes | str | dict[str, Any], private_key: X25519PrivateKey | bytes) -> bytes:
    """Return the station's data key from its recovery slot. Raises :class:`RecoveryFailed` if it does not
    open.

    ``slot`` is the slot dict or its JSON text/bytes; ``private_key`` an ``X25519PrivateKey`` or its 32 raw
    bytes.
    """
    try:
        d: dict[str, Any] = json.loads(slot) if isinstance(slot, (bytes, str)) else slot
        if d.get("alg") != ALG:
            raise ValueError("unknown recovery algorithm")
        priv = (
            private_key
            if isinstance(private_key, X25519PrivateKey)
            else X25519PrivateKey.from_private_bytes(bytes(private_key))
        )
        recipient, eph_pub, sealed = b64d(d["recipient"]), b64d(d["ephemeral"]), b64d(d["sealed"])
        if priv.public_key().public_bytes_raw() != recipient:
            raise RecoveryFailed("storage.recovery_other_key", detail="recipient mismatch")
        key = _kek(priv.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub, recipient)
        return AESGCM(key).decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], _aad(str(d["store_id"])))
    except RecoveryFailed:
        raise
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise RecoveryFailed(detail=f"recovery slot does not open: {type(exc).__name__}") from exc
