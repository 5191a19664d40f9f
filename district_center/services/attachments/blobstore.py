"""Attachment blobs, encrypted at rest with the center key (AES-256-GCM, chunked, appendable).

:class:`BlobStore` is the small interface the rest of the center uses; :class:`EncryptedFileBlobStore`
implements it on a directory (the embedded default), ``district_center.services.attachments.s3store``
on any S3 object store (several center instances share one bucket). Keys are strings: a verified
attachment is its sha256, a result document ``result:<sha256>``, an upload in progress
``upload/<station id>/<sha256>`` (:func:`upload_key`).

File layout: ``MAGIC`` then records ``[u32 plaintext length][12-byte nonce][ciphertext + 16-byte tag]``.
Each record's associated data binds the blob key and the record index, so records cannot be swapped,
reordered or moved to another blob. A torn trailing record (crash mid-append) is ignored by ``size`` and
cut off by the next ``append``. File names are an HMAC of the key, so the directory reveals no hashes.

The key is 32 random bytes in ``<data_dir>/center-blob.key`` (mode 0600), created on first use.
Hazard: losing that file loses every attachment; back it up with the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from district_center.keyfile import SECRET_BYTES, secret_file

MAGIC = b"BMZZBLOB1\n"
_HEADER = struct.Struct(">I")
_NONCE = 12
_TAG = 16


class BlobError(Exception):
    """A blob that is missing or fails authentication (corrupted or tampered with)."""


def upload_key(station_id: str, sha256: str) -> str:
    """The blob key of one station's upload in progress (its own bytes, never shared)."""
    return f"upload/{station_id}/{sha256}"


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write the whole blob from ``chunks``, atomically (readers see the old blob or the new one);
        returns the plaintext size."""
        ...

    def append(self, key: str, data: bytes) -> int:
        """Append ``data``; returns the new plaintext size."""
        ...

    def read(self, key: str) -> Iterator[bytes]: ...
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int:
        """Plaintext bytes held (0 when absent)."""
        ...

    def delete(self, key: str) -> None: ...


RECORD_BYTES = 1024 * 1024  # plaintext per record when a whole blob is written (put_stream)


def _rechunk(chunks: Iterable[bytes], size: int = RECORD_BYTES) -> Iterator[bytes]:
    """``chunks`` regrouped into pieces of exactly ``size`` bytes (the last may be shorter; none empty)."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        while len(buf) >= size:
            yield bytes(buf[:size])
            del buf[:size]
    if buf:
        yield bytes(buf)


def promote(blobs: BlobStore, src: str, dst: str) -> None:
    """Copy blob ``src`` to ``dst`` (atomically for readers of ``dst``), then delete ``src``."""
    blobs.put_stream(dst, blobs.read(src))
    blobs.delete(src)


def load_or_create_key(path: Path) -> bytes:
    """Read the 32-byte center key, creating it (mode 0600, exclusive create) when absent."""
    key = secret_file(path)
    if key is None or len(key) != SECRET_BYTES:
        raise BlobError(f"center key {path} is damaged (expected 32 bytes)")
    return key


class EncryptedFileBlobStore:
    """:class:`BlobStore` on a directory. Callers serialise writers of one key (the DB row lock does)."""

    def __init__(self, directory: Path, key: bytes) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._aes = AESGCM(key)
        self._name_key = hmac.new(key, b"blob-names", hashlib.sha256).digest()

    def _path(self, key: str) -> Path:
        name = hmac.new(self._name_key, key.encode("utf-8"), hashlib.sha256).hexdigest()
        return self.directory / name[:2] / name

    def _aad(self, key: str, index: int) -> bytes:
        return f"{key}\x00{index}".encode()

    def _records(self, path: Path) -> tuple[int, int, int]:
        """(plaintext size, record count, byte offset after the last whole record)."""
        try:
            f = path.open("rb")
        except FileNotFoundError:
            return 0, 0, 0
        with f:
            if f.read(len(MAGIC)) != MAGIC:
                return 0, 0, 0
            total = os.fstat(f.fileno()).st_size
            pos, size, count = len(MAGIC), 0, 0
            while pos + _HEADER.size <= total:
                f.seek(pos)
                (length,) = _HEADER.unpack(f.read(_HEADER.size))
                end = pos + _HEADER.size + _NONCE + length + _TAG
                if end > total:
                    break
                pos, size, count = end, size + length, count + 1
            return size, count, pos

    def _encrypt(self, key: str, index: int, data: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _HEADER.pack(len(data)) + nonce + self._aes.encrypt(nonce, data, self._aad(key, index))

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            f.write(MAGIC + self._encrypt(key, 0, data))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        size = 0
        try:
            with tmp.open("wb") as f:
                f.write(MAGIC)
                for index, data in enumerate(_rechunk(chunks)):
                    f.write(self._encrypt(key, index, data))
                    size += len(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return size

    def append(self, key: str, data: bytes) -> int:
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        size, count, end = self._records(path)
        mode = "r+b" if end else "wb"
        with path.open(mode) as f:
            if not end:
                f.write(MAGIC)
                end = len(MAGIC)
            f.seek(end)
            f.truncate()
            f.write(self._encrypt(key, count, data))
            f.flush()
            os.fsync(f.fileno())
        return size + len(data)

    def read(self, key: str) -> Iterator[bytes]:
        path = self._path(key)
        _size, count, _end = self._records(path)
        if not path.exists():
            raise BlobError("blob not found")
        with path.open("rb") as f:
            f.seek(len(MAGIC))
            for index in range(count):
                (length,) = _HEADER.unpack(f.read(_HEADER.size))
                nonce = f.read(_NONCE)
                sealed = f.read(length + _TAG)
                try:
                    yield self._aes.decrypt(nonce, sealed, self._aad(key, index))
                except Exception:
                    raise BlobError("blob failed authentication (damaged or tampered)") from None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def size(self, key: str) -> int:
        return self._records(self._path(key))[0]

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
