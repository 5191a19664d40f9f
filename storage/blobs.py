"""Content-addressed, encrypted, streamed attachment store (scans: JPEG, PNG, PDF up to 50 MB).

A blob is named by ``HMAC-SHA256(name_key, sha256(plaintext))`` so file names reveal nothing about content and
identical scans are stored once. File layout (``blobs/ab/abcdef…``)::

    b"BMBLOB1\\0"
    header: nonce | AES-GCM(sha256[32] size[8] mime[1] file_id[16] chunk_size[4] chunks[8]) | tag
            aad = (store id, "blob-header", file name)     -> a file renamed or swapped fails here
    chunk i: nonce | AES-GCM(plaintext[chunk_size, last may be shorter]) | tag
            aad = (file_id, i, final flag)                 -> reordering and truncation are detected

Chunks have a fixed ciphertext size, so a byte range is read by seeking straight to its chunk.
Nothing holds a whole scan in memory: :meth:`put` streams 1 MiB at a time (plaintext is hashed while it is
encrypted into a temp file, which is fsynced, renamed into place and the directory fsynced **before** ``put``
returns — so write the blob first, then commit the document that references it).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import queue
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.blobref import BlobRef
from storage import _faults
from storage.crypto import NONCE_LEN, TAG_LEN, InvalidTag, canonical, subkey
from storage.errors import BlobNotFound, StoreCorrupted
from storage.filetypes import MAX_ATTACHMENT, MIME_BY_CODE, MIME_CODES, TypeSniffer
from storage.fsutil import disk_full, fsync_dir, is_enospc, replace

MAGIC = b"BMBLOB1\0"
CHUNK = 1 << 20
_HDR = struct.Struct(">32sQB16sIQ")
HEADER_LEN = NONCE_LEN + _HDR.size + TAG_LEN


@dataclass(frozen=True)
class _Header:
    sha256: str
    size: int
    mime: str
    file_id: bytes
    chunk_size: int
    chunks: int


class BlobStore:
    """Encrypted blobs under ``blobs_dir``; obtain it as ``StationStore.blobs``."""

    def __init__(
        self, blobs_dir: Path, data_key: bytes, store_id: str, recent: set[str] | None = None
    ) -> None:
        self.dir = blobs_dir
        self.store_id = store_id
        self._aead = AESGCM(subkey(data_key, "blob"))
        self._name_key = subkey(data_key, "blob-name")
        # scans put by this process: not yet referenced perhaps (the case is still being filled in), so the
        # orphan sweep and retention leave them alone
        self.recent: set[str] = set() if recent is None else recent

    # ---- naming ------------------------------------------------------------------------------------------
    def name_for(self, sha256: str) -> str:
        return hmac.new(self._name_key, bytes.fromhex(sha256), hashlib.sha256).hexdigest()

    def path_for(self, sha256: str) -> Path:
        name = self.name_for(sha256)
        return self.dir / name[:2] / name

    def _header_aad(self, name: str) -> bytes:
        return canonical({"store": self.store_id, "file": "blob-header", "name": name})

    @staticmethod
    def _chunk_aad(file_id: bytes, index: int, final: bool) -> bytes:
        return file_id + struct.pack(">QB", index, 1 if final else 0)

    # ---- writing -----------------------------------------------------------------------------------------
    def put(self, src: BinaryIO, *, limit: int = MAX_ATTACHMENT) -> BlobRef:
        """Store a scan from a binary stream. Raises :class:`AttachmentRejected` (type/size, Chinese message)
        or :class:`DiskFull`; either way nothing is left behind."""
        self.dir.mkdir(exist_ok=True)
        tmp = self.dir / f"incoming-{os.urandom(8).hex()}.tmp"
        sniffer = TypeSniffer(limit)
        digest = _BackgroundSha256()
        file_id = os.urandom(16)
        try:
            with open(tmp, "wb") as out:
                out.write(MAGIC + b"\0" * HEADER_LEN)
                index = 0
                chunk = _read_full(src, CHUNK)
                while True:
                    nxt = _read_full(src, CHUNK) if len(chunk) == CHUNK else b""
                    sniffer.update(chunk)
                    digest.update(chunk)
                    final = not nxt
                    nonce = os.urandom(NONCE_LEN)
                    aad = self._chunk_aad(file_id, index, final)
                    out.write(nonce)
                    out.write(self._aead.encrypt(nonce, chunk, aad))
                    if index == 1:
                        _faults.point("blob.mid")
                    index += 1
                    if final:
                        break
                    chunk = nxt
                mime = sniffer.finish()
                sha = digest.hexdigest()
                name = self.name_for(sha)
                hdr = _HDR.pack(bytes.fromhex(sha), sniffer.size, MIME_CODES[mime], file_id, CHUNK, index)
                nonce = os.urandom(NONCE_LEN)
                out.seek(len(MAGIC))
                out.write(nonce + self._aead.encrypt(nonce, hdr, self._header_aad(name)))
                out.flush()
                os.fsync(out.fileno())
            final_path = self.dir / name[:2] / name
            if final_path.exists():
                tmp.unlink()
            else:
                new_dir = not final_path.parent.exists()
                final_path.parent.mkdir(exist_ok=True)
                if new_dir:
                    fsync_dir(self.dir)
                _faults.point("blob.before_rename")
                replace(tmp, final_path)
                fsync_dir(final_path.parent)
        except BaseException as exc:
            digest.close()
            with contextlib.suppress(OSError):
                tmp.unlink()
            if isinstance(exc, OSError) and is_enospc(exc):
                raise disk_full(exc, "writing an attachment") from exc
            raise
        self.recent.add(sha)
        return BlobRef(sha, sniffer.size, mime)

    def put_bytes(self, data: bytes) -> BlobRef:
        import io

        return self.put(io.BytesIO(data))

    def delete(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    # ---- reading -----------------------------------------------------------------------------------------
    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def _read_header(self, f: BinaryIO, name: str) -> _Header:
        raw = f.read(len(MAGIC) + HEADER_LEN)
        if len(raw) != len(MAGIC) + HEADER_LEN or raw[: len(MAGIC)] != MAGIC:
            raise StoreCorrupted(detail=f"blob {name[:12]}… has a bad header")
        sealed = raw[len(MAGIC) :]
        try:
            hdr = self._aead.decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], self._header_aad(name))
        except InvalidTag as exc:
            raise StoreCorrupted(detail=f"blob {name[:12]}… header fails authentication") from exc
        sha, size, code, file_id, chunk_size, chunks = _HDR.unpack(hdr)
        return _Header(
            sha.hex(), size, MIME_BY_CODE.get(code, "application/octet-stream"), file_id, chunk_size, chunks
        )

    def _open(self, sha256: str) -> tuple[BinaryIO, _Header]:
        path = self.path_for(sha256)
        try:
            f: BinaryIO = open(path, "rb")  # noqa: SIM115
        except FileNotFoundError as exc:
            raise BlobNotFound(detail="no such blob") from exc
        try:
            h = self._read_header(f, path.name)
            if h.sha256 != sha256:
                raise StoreCorrupted(detail=f"blob {path.name[:12]}… holds another digest")
            expected = len(MAGIC) + HEADER_LEN + h.chunks * (NONCE_LEN + TAG_LEN) + h.size
            if os.fstat(f.fileno()).st_size != expected or h.chunks != max(1, -(-h.size // h.chunk_size)):
                raise StoreCorrupted(detail=f"blob {path.name[:12]}… has the wrong length (truncated?)")
        except BaseException:
            f.close()
            raise
        return f, h

    def ref(self, sha256: str) -> BlobRef:
        f, h = self._open(sha256)
        f.close()
        return BlobRef(h.sha256, h.size, h.mime)

    def size(self, sha256: str) -> int:
        return self.ref(sha256).size

    def iter_chunks(self, sha256: str, offset: int = 0, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Plaintext from ``offset`` to the end in pieces of at most ``chunk_size`` bytes (authenticated
        chunk by chunk: a damaged file raises :class:`StoreCorrupted` before its bad bytes are returned).
        Reading to the end also checks the whole-file sha256."""
        f, h = self._open(sha256)
        with f:
            if offset < 0 or offset > h.size:
                raise ValueError("offset outside the blob")
            index = offset // h.chunk_size
            skip = offset - index * h.chunk_size
            whole = hashlib.sha256() if offset == 0 else None
            buf = b""
            while index < h.chunks:
                n = min(h.chunk_size, h.size - index * h.chunk_size)
                f.seek(len(MAGIC) + HEADER_LEN + index * (NONCE_LEN + TAG_LEN + h.chunk_size))
                raw = f.read(NONCE_LEN + TAG_LEN + n)
                final = index == h.chunks - 1
                try:
                    plain = self._aead.decrypt(
                        raw[:NONCE_LEN], raw[NONCE_LEN:], self._chunk_aad(h.file_id, index, final)
                    )
                except InvalidTag as exc:
                    raise StoreCorrupted(detail=f"blob chunk {index} fails authentication") from exc
                if whole is not None:
                    whole.update(plain)
                buf += plain[skip:]
                skip = 0
                index += 1
                while len(buf) >= chunk_size:
                    yield buf[:chunk_size]
                    buf = buf[chunk_size:]
            if whole is not None and whole.hexdigest() != sha256:
                raise StoreCorrupted(detail="blob content does not match its sha256")
            if buf:
                yield buf

    def read_range(self, sha256: str, offset: int, length: int) -> bytes:
        out = bytearray()
        for piece in self.iter_chunks(sha256, offset):
            out += piece
            if len(out) >= length:
                break
        return bytes(out[:length])

    def open(self, sha256: str) -> BlobReader:
        """A readable binary stream of the plaintext (``read(n)``, context manager)."""
        return BlobReader(self.iter_chunks(sha256))

    def read_bytes(self, sha256: str) -> bytes:
        return b"".join(self.iter_chunks(sha256))

    def verify(self, sha256: str) -> None:
        for _ in self.iter_chunks(sha256):
            pass

    def list_files(self) -> list[Path]:
        if not self.dir.exists():
            return []
        return [p for sub in self.dir.iterdir() if sub.is_dir() for p in sub.iterdir()]

    def remove_temp_files(self) -> None:
        if self.dir.exists():
            for p in self.dir.glob("incoming-*.tmp"):
                p.unlink()


class _BackgroundSha256:
    """sha256 in a helper thread, overlapping the AES-GCM encryption and the disk writes of :meth:`put`
    (hashlib releases the GIL on large buffers; on this CPU sha256 is ~3x slower than AES-GCM, so it is the
    bottleneck of a scan upload). At most ``_DEPTH`` chunks wait in the queue."""

    _DEPTH = 4

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self._q: queue.Queue[bytes | None] = queue.Queue(maxsize=self._DEPTH)
        self._t: threading.Thread | None = None

    def _run(self) -> None:
        while (chunk := self._q.get()) is not None:
            self._h.update(chunk)

    def update(self, chunk: bytes) -> None:
        if self._t is None:
            self._t = threading.Thread(target=self._run, name="blob-sha256", daemon=True)
            self._t.start()
        self._q.put(chunk)

    def close(self) -> None:
        if self._t is not None:
            self._q.put(None)
            self._t.join()
            self._t = None

    def hexdigest(self) -> str:
        self.close()
        return self._h.hexdigest()


def _read_full(src: BinaryIO, n: int) -> bytes:
    """Read exactly ``n`` bytes unless the stream ends first (pipes may return short reads)."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        piece = src.read(n - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


class BlobReader:
    """File-like reader over :meth:`BlobStore.iter_chunks`."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._eof = False

    def read(self, n: int = -1) -> bytes:
        while not self._eof and (n < 0 or len(self._buf) < n):
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                self._eof = True
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._eof = True
        self._buf = b""

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
