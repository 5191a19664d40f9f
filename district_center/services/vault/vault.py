"""Sealing personal data in the center database, and the blind indexes that still find it.

The center stores every case document (applicant and agent: name, 身份证号, phone, address; materials,
rating comment, pickup collector …) **sealed**: AES-256-GCM under the active ``pii`` data key, with the
case id as associated data, so a sealed document cannot be moved to another row. Lookups the back office
needs go through keyed HMAC-SHA256 **blind indexes** (the ``index`` data key) of normalised values: equal
values give equal indexes, and the database alone reveals neither the value nor a way to test guesses.

    vault = Vault(keyring)
    blob = vault.seal_json({"applicant": …}, context=b"case:" + case_id.encode())
    doc = vault.open_json(blob, context=b"case:" + case_id.encode())
    vault.blind("id_number", "11010519491231002x") == vault.blind("id_number", "11010519491231002X")

Format of a sealed value: ``b"S1" + u32 data-key id + 12-byte nonce + ciphertext‖tag``.

Hazards: blind indexes leak equality (two cases of one person share an index value) — that is what makes
them searchable. Names are matched exactly after normalisation (no prefix search on sealed data).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import threading
import unicodedata
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from district_center.services.vault.kek import KekError
from district_center.services.vault.keyring import Keyring

__all__ = ["BLIND_KINDS", "Vault", "normalise"]

_MAGIC = b"S1"
_HEAD = struct.Struct(">2sI")
BLIND_KINDS = ("name", "id_number", "phone")


def normalise(kind: str, value: str) -> str:
    """The form a blind index is computed over: NFKC, no whitespace; ID numbers upper-cased; phones as
    digits without a +86 prefix."""
    text = "".join(unicodedata.normalize("NFKC", value).split())
    if kind == "id_number":
        return text.upper()
    if kind == "phone":
        digits = "".join(ch for ch in text if ch.isdigit())
        return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
    return text


class Vault:
    """Seal/open JSON values and compute blind indexes, with keys from a :class:`Keyring`."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._aes: dict[int, AESGCM] = {}
        self._lock = threading.Lock()
        self._index_key: bytes | None = None
        self._index_mac: hmac.HMAC | None = None

    def prepare(self) -> Vault:
        """Load (creating on first start) the active data keys. Call before serving: creating a key
        writes, which must not happen inside another write transaction (SQLite has one writer)."""
        self.keyring.active("pii")
        self._index_key = self.keyring.active("index")[1]
        return self

    def _cipher(self, key_id: int) -> AESGCM:
        aes = self._aes.get(key_id)
        if aes is None:
            aes = AESGCM(self.keyring.key(key_id))
            with self._lock:
                self._aes[key_id] = aes
        return aes

    def seal(self, data: bytes, *, context: bytes, purpose: str = "pii") -> bytes:
        key_id, _key = self.keyring.active(purpose)
        nonce = os.urandom(12)
        return _HEAD.pack(_MAGIC, key_id) + nonce + self._cipher(key_id).encrypt(nonce, data, context)

    def open(self, sealed: bytes, *, context: bytes) -> bytes:
        magic, key_id = _HEAD.unpack_from(sealed)
        if magic != _MAGIC:
            raise KekError("center.kek.not_sealed")
        start = _HEAD.size
        try:
            return self._cipher(key_id).decrypt(sealed[start : start + 12], sealed[start + 12 :], context)
        except KekError:
            raise
        except Exception:
            raise KekError("center.kek.sealed_damaged") from None

    def key_id_of(self, sealed: bytes) -> int:
        """The data key a sealed value is under (re-seal jobs pick old generations by it)."""
        return int(_HEAD.unpack_from(sealed)[1])

    def seal_json(self, value: Any, *, context: bytes) -> bytes:
        raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self.seal(raw, context=context)

    def open_json(self, sealed: bytes, *, context: bytes) -> Any:
        return json.loads(self.open(sealed, context=context))

    def blind(self, kind: str, value: str | None) -> str | None:
        """The blind index of ``value`` (None for an empty value)."""
        if not value:
            return None
        norm = normalise(kind, value)
        if not norm:
            return None
        base = self._index_mac
        if base is None:
            key = self._index_key or self.keyring.active("index")[1]
            base = self._index_mac = hmac.new(key, digestmod=hashlib.sha256)
        mac = base.copy()
        mac.update(f"{kind}\x00{norm}".encode())
        return mac.hexdigest()[:32]
