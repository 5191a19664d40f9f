"""The offline bundle container: a streamed file encrypted to one X25519 key and signed by one Ed25519 key.

Layout (all integers big-endian)::

    MAGIC (8 bytes "BMZZBDL1")
    u32 header length, header (canonical JSON, plaintext: format, kind, ids, ephemeral + recipient keys)
    frames: u32 ciphertext length, u8 flags (1 = final), AES-256-GCM ciphertext of  type byte || payload
    signature: 64 bytes Ed25519 over sha256 of every byte before it

* Key: ephemeral X25519 ``e`` per bundle; ``k = HKDF-SHA256(X25519(e, R), salt = e_pub || R_pub,
  info = "bianmin-station/bundle/v1")`` — the same construction as the recovery slot, with its own label so
  a bundle key can never open a recovery slot or the reverse.
* Frame ``i``: nonce = 4 zero bytes || u64 ``i`` (unique because ``k`` is fresh per bundle); associated data
  = sha256(header) || u64 ``i`` || flags, so frames cannot be reordered, moved to another bundle, or the
  final flag forged; a truncated file has no final frame and no signature and is refused.
* Frame types: ``J`` one JSON record (canonical JSON), ``B`` raw bytes of the blob announced by the last
  ``J`` record ``{"t": "blob", "sha256", "size"}``.

Readers check the signature over the whole file first (:func:`verify_bundle`, one streamed pass, nothing
decrypted) and only then decrypt and apply (:func:`read_bundle`, a second streamed pass). Memory stays at
one frame (≤ 1 MiB) whatever the bundle holds.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.errors import DomainError
from sync.protocol import JSONObject, b64decode, b64encode, canonical_json

__all__ = [
    "FRAME_SIZE",
    "MAGIC",
    "BundleError",
    "BundleWriter",
    "read_bundle",
    "read_header",
    "verify_bundle",
]

MAGIC = b"BMZZBDL1"
FORMAT = "bianmin-bundle/v1"
FRAME_SIZE = 1024 * 1024
MAX_HEADER = 64 * 1024
MAX_FRAME = FRAME_SIZE + 64 * 1024
_U32 = struct.Struct(">I")
_FRAME = struct.Struct(">IB")
SIG_LEN = 64


class BundleError(DomainError):
    """A bundle that cannot be read or must not be trusted: ``sync.bundle.*`` codes, worded for the operator
    in the message catalogs (``str()`` is the current language's text)."""

    code = "sync.bundle.unreadable"


def _bundle_key(shared: bytes, eph_pub: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, eph_pub + recipient, b"bianmin-station/bundle/v1").derive(shared)


def _aad(header_digest: bytes, index: int, flags: int) -> bytes:
    return header_digest + struct.pack(">QB", index, flags)


def _nonce(index: int) -> bytes:
    return b"\0\0\0\0" + struct.pack(">Q", index)


class BundleWriter:
    """Write a bundle to ``out`` frame by frame; call :meth:`finish` to add the final frame and signature."""

    def __init__(
        self, out: BinaryIO, *, header: JSONObject, recipient: X25519PublicKey, signer: Ed25519PrivateKey
    ) -> None:
        self._out = out
        self._signer = signer
        self._hash = hashlib.sha256()
        eph = X25519PrivateKey.generate()
        eph_pub = eph.public_key().public_bytes_raw()
        recipient_raw = recipient.public_bytes_raw()
        self._aes = AESGCM(_bundle_key(eph.exchange(recipient), eph_pub, recipient_raw))
        full = {
            **header,
            "format": FORMAT,
            "ephemeral": b64encode(eph_pub),
            "recipient": b64encode(recipient_raw),
        }
        head = canonical_json(full)
        self._header_digest = hashlib.sha256(head).digest()
        self._index = 0
        # one frame is held back so that the last one can carry the final flag
        self._pending: bytes | None = None
        self.records = 0
        self._emit(MAGIC + _U32.pack(len(head)) + head)

    def _emit(self, data: bytes) -> None:
        self._hash.update(data)
        self._out.write(data)

    def _frame(self, plaintext: bytes, final: bool) -> None:
        flags = 1 if final else 0
        aad = _aad(self._header_digest, self._index, flags)
        sealed = self._aes.encrypt(_nonce(self._index), plaintext, aad)
        self._emit(_FRAME.pack(len(sealed), flags) + sealed)
        self._index += 1

    def _push(self, plaintext: bytes) -> None:
        if self._pending is not None:
            self._frame(self._pending, final=False)
        self._pending = plaintext

    def record(self, obj: JSONObject) -> None:
        self._push(b"J" + canonical_json(obj))
        self.records += 1

    def blob(self, sha256: str, size: int, chunks: Iterator[bytes]) -> None:
        """Announce a blob and stream its bytes (each chunk ≤ :data:`FRAME_SIZE`)."""
        self.record({"t": "blob", "sha256": sha256, "size": size})
        sent = 0
        for chunk in chunks:
            for i in range(0, len(chunk), FRAME_SIZE):
                part = chunk[i : i + FRAME_SIZE]
                self._push(b"B" + part)
                sent += len(part)
        if sent != size:
            raise BundleError("sync.bundle.scan_size_mismatch", sha=sha256[:12])

    def finish(self, summary: JSONObject) -> None:
        self.record({"t": "end", **summary})
        assert self._pending is not None
        self._frame(self._pending, final=True)
        self._pending = None
        self._out.write(self._signer.sign(self._hash.digest()))
        self._out.flush()


@dataclass(frozen=True, slots=True)
class Header:
    raw: bytes
    data: JSONObject


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise BundleError("sync.bundle.truncated")
    return data


def read_header(f: BinaryIO) -> Header:
    if f.read(len(MAGIC)) != MAGIC:
        raise BundleError("sync.bundle.not_a_bundle")
    (length,) = _U32.unpack(_read_exact(f, 4))
    if length > MAX_HEADER:
        raise BundleError("sync.bundle.header_too_large")
    raw = _read_exact(f, length)
    try:
        data = json.loads(raw)
    except ValueError:
        raise BundleError("sync.bundle.header_damaged") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError("sync.bundle.unsupported_format")
    return Header(raw, data)


def verify_bundle(f: BinaryIO, signer: Ed25519PublicKey) -> JSONObject:
    """Check the signature over the whole file (streamed, nothing decrypted); return the header."""
    f.seek(0, 2)
    total = f.tell()
    if total < len(MAGIC) + 4 + SIG_LEN:
        raise BundleError("sync.bundle.truncated")
    f.seek(0)
    header = read_header(f)
    f.seek(0)
    digest = hashlib.sha256()
    remaining = total - SIG_LEN
    while remaining:
        block = f.read(min(remaining, 1 << 20))
        if not block:
            raise BundleError("sync.bundle.truncated")
        digest.update(block)
        remaining -= len(block)
    signature = f.read(SIG_LEN)
    try:
        signer.verify(signature, digest.digest())
    except InvalidSignature:
        raise BundleError("sync.bundle.bad_signature") from None
    return header.data


def read_bundle(f: BinaryIO, key: X25519PrivateKey) -> tuple[JSONObject, Iterator[tuple[str, Any]]]:
    """Header and an iterator of ``("record", dict)`` / ``("bytes", chunk)`` items. Call
    :func:`verify_bundle` first: this pass only authenticates frames, not who signed the file."""
    f.seek(0)
    header = read_header(f)
    try:
        eph_pub = b64decode(str(header.data["ephemeral"]))
        recipient = b64decode(str(header.data["recipient"]))
    except (KeyError, ValueError):
        raise BundleError("sync.bundle.no_encryption_info") from None
    if key.public_key().public_bytes_raw() != recipient:
        raise BundleError("sync.bundle.not_for_this_station")
    aes = AESGCM(_bundle_key(key.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub, recipient))
    header_digest = hashlib.sha256(header.raw).digest()

    def frames() -> Iterator[tuple[str, Any]]:
        index = 0
        while True:
            length, flags = _FRAME.unpack(_read_exact(f, _FRAME.size))
            if length > MAX_FRAME or flags not in (0, 1):
                raise BundleError("sync.bundle.frame_damaged")
            try:
                plain = aes.decrypt(_nonce(index), _read_exact(f, length), _aad(header_digest, index, flags))
            except InvalidTag:
                raise BundleError("sync.bundle.frame_tampered") from None
            index += 1
            kind, payload = plain[:1], plain[1:]
            if kind == b"J":
                yield "record", json.loads(payload)
            elif kind == b"B":
                yield "bytes", payload
            else:
                raise BundleError("sync.bundle.unknown_frame")
            if flags == 1:
                return

    return header.data, frames()
