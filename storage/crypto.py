"""Cryptographic building blocks: AES-256-GCM with bound associated data, HKDF sub-keys, password KDFs.

Password KDF: Argon2id (``cryptography`` >= 44 on OpenSSL >= 3.2) or scrypt when Argon2id raises
``UnsupportedAlgorithm``. Parameters travel with each slot (:class:`KdfParams` ``to_dict``) so they can be
raised later by rewriting one slot. Nonces are 96 random bits per encryption; with one key per purpose and far
fewer than 2**32 encryptions per key over a station's life, random nonces are safe.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

NONCE_LEN = 12
TAG_LEN = 16
KEY_LEN = 32


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def canonical(obj: Any) -> bytes:
    """Canonical JSON (sorted keys, no whitespace, UTF-8) used for AAD, hashes and documents."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def subkey(master: bytes, purpose: str, salt: bytes = b"") -> bytes:
    """A 256-bit key for one purpose (``"journal"``, ``"blob"``, ...) derived from ``master`` with
    HKDF-SHA256."""
    return HKDF(hashes.SHA256(), KEY_LEN, salt or None, f"bianmin-station/{purpose}".encode()).derive(master)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM: returns ``nonce || ciphertext || tag`` with a fresh random nonce."""
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`seal`; raises ``cryptography.exceptions.InvalidTag`` on any mismatch."""
    if len(blob) < NONCE_LEN + TAG_LEN:
        raise InvalidTag()
    return AESGCM(key).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)


def argon2_available() -> bool:
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        Argon2id(salt=b"0" * 16, length=32, iterations=1, lanes=1, memory_cost=8).derive(b"probe")
        return True
    except (ImportError, UnsupportedAlgorithm):
        return False


@dataclass(frozen=True)
class KdfParams:
    """Memory-hard password KDF parameters, stored with each slot.

    ``KdfParams.default()`` costs about 150-250 ms on the reference machine (Argon2id 64 MiB, t=3, p=4, or
    scrypt n=2**17 when Argon2id is unavailable) and 2-3x that on a low-end laptop.
    ``KdfParams.insecure_fast()`` exists for tests and benchmarks only: never use it for a real station.
    """

    alg: str  # "argon2id" or "scrypt"
    memory_kib: int = 0
    iterations: int = 0
    lanes: int = 0
    n: int = 0
    r: int = 0
    p: int = 0

    @staticmethod
    def default() -> KdfParams:
        if argon2_available():
            return KdfParams("argon2id", memory_kib=64 * 1024, iterations=3, lanes=4)
        return KdfParams("scrypt", n=2**17, r=8, p=1)

    @staticmethod
    def insecure_fast() -> KdfParams:
        if argon2_available():
            return KdfParams("argon2id", memory_kib=1024, iterations=1, lanes=1)
        return KdfParams("scrypt", n=2**10, r=8, p=1)

    def to_dict(self) -> dict[str, Any]:
        if self.alg == "argon2id":
            return {
                "alg": self.alg,
                "memory_kib": self.memory_kib,
                "iterations": self.iterations,
                "lanes": self.lanes,
            }
        return {"alg": self.alg, "n": self.n, "r": self.r, "p": self.p}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> KdfParams:
        if d["alg"] == "argon2id":
            return KdfParams(
                "argon2id",
                memory_kib=int(d["memory_kib"]),
                iterations=int(d["iterations"]),
                lanes=int(d["lanes"]),
            )
        if d["alg"] == "scrypt":
            return KdfParams("scrypt", n=int(d["n"]), r=int(d["r"]), p=int(d["p"]))
        raise ValueError(f"unknown KDF {d['alg']!r}")

    def derive(self, secret: str, salt: bytes) -> bytes:
        data = secret.encode("utf-8")
        if self.alg == "argon2id":
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

            return Argon2id(
                salt=salt,
                length=KEY_LEN,
                iterations=self.iterations,
                lanes=self.lanes,
                memory_cost=self.memory_kib,
            ).derive(data)
        return Scrypt(salt=salt, length=KEY_LEN, n=self.n, r=self.r, p=self.p).derive(data)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = ["InvalidTag", "KdfParams", "b64d", "b64e", "canonical", "open_sealed", "seal", "subkey"]
