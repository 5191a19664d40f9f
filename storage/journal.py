"""Encrypted append-only journal files and the head file that pins how long the journal must be.

File layout (``data_dir/docs/``)::

    head.bin                  AES-GCM({"generation", "records", "length", ...}), replaced atomically per
    commit
    journal-00000001.log      frames: [u32 len][u32 len ^ 0xFFFFFFFF][nonce | ciphertext | tag]

Frame ``i`` of generation ``g`` is sealed with associated data (store id, "journal", g, i): a frame moved,
swapped, replayed into another position or another generation fails to open.

Commit order: append frame + fsync journal, then replace the head (temp + fsync + rename + fsync dir).
So after a crash the journal holds at most one complete record beyond the head, which is accepted (its commit
call may or may not have returned). Open-time rules:

- fewer complete records than the head names, or a damaged record inside the head's length -> StoreCorrupted
  (truncation, a flipped byte, an older journal copy);
- more than one complete record beyond the head -> StoreCorrupted (an older head copy);
- trailing bytes beyond the head that do not form a complete frame -> a torn write: cut off (truncated back);
- a complete frame beyond the head that fails to authenticate -> StoreCorrupted (a crash cannot produce it).

What no file-local check can detect: replacing the *whole* directory (head and journal together) by an older
copy. See docs/storage.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from storage import _faults
from storage.crypto import InvalidTag, canonical, open_sealed, seal
from storage.errors import StoreCorrupted, WrongKey
from storage.fsutil import atomic_write, disk_full, fsync_dir, is_enospc

HEADER = struct.Struct(">II")
_PREAD: Callable[[int, int, int], bytes] | None = getattr(os, "pread", None)  # POSIX; Windows locks
MASK = 0xFFFFFFFF
MAX_FRAME = 256 << 20


def journal_path(docs_dir: Path, generation: int) -> Path:
    return docs_dir / f"journal-{generation:08d}.log"


@dataclass
class Head:
    generation: int
    records: int
    length: int
    keys_digest: str = ""
    keys_pending: str = ""
    #: records covered by the index checkpoint this head pins (``storage.checkpoint``); 0: none
    index: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "generation": self.generation,
            "records": self.records,
            "length": self.length,
            "keys_digest": self.keys_digest,
            "keys_pending": self.keys_pending,
        }
        if self.index:
            out["index"] = self.index
        return out

    def but(self, **changes: Any) -> Head:
        """A copy with ``changes`` (the head of the next commit, key change or checkpoint)."""
        return dataclasses.replace(self, **changes)


def _head_aad(store_id: str) -> bytes:
    return canonical({"store": store_id, "file": "head"})


def write_head(docs_dir: Path, key: bytes, store_id: str, head: Head) -> None:
    atomic_write(docs_dir / "head.bin", seal(key, canonical(head.to_dict()), _head_aad(store_id)))


def read_head(docs_dir: Path, key: bytes, store_id: str) -> Head:
    import json

    path = docs_dir / "head.bin"
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise StoreCorrupted(detail="docs/head.bin is missing") from exc
    try:
        d = json.loads(open_sealed(key, raw, _head_aad(store_id)))
    except InvalidTag as exc:
        raise WrongKey(
            detail="docs/head.bin does not authenticate (wrong key, or the file was changed)"
        ) from exc
    return Head(
        int(d["generation"]),
        int(d["records"]),
        int(d["length"]),
        str(d.get("keys_digest", "")),
        str(d.get("keys_pending", "")),
        int(d.get("index", 0)),
    )


@dataclass(frozen=True)
class Record:
    seq: int
    offset: int
    size: int  # whole frame, header included
    plaintext: bytes


class JournalClosed(Exception):
    """The journal was closed (compacted into a new generation) while a reader still held a location in it;
    the reader looks the document up again in the current index."""


class Journal:
    """One generation's journal file, open for reading and appending.

    Writes (append, truncate) are serialised by the store. Reads are **position-independent** and safe from
    any thread at any time: ``os.pread`` where the OS has it, else (Windows) a seek + read on the same handle
    under ``self._io``, the lock every write also holds. Nothing shares the file offset, so a reader on one
    thread can never read at another's position (which once showed up as a false "store corrupted" when the
    case list and retention read at the same time).
    """

    def __init__(self, docs_dir: Path, key: bytes, store_id: str, generation: int) -> None:
        self.path = journal_path(docs_dir, generation)
        self.key, self.store_id, self.generation = key, store_id, generation
        self.records = 0
        self.end = 0
        self._f: BinaryIO = open(self.path, "r+b" if self.path.exists() else "w+b")  # noqa: SIM115
        self._io = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self._io:
            self.closed = True
            self._f.close()

    def _pread(self, size: int, offset: int) -> bytes:
        if _PREAD is not None:
            try:
                return _PREAD(self._f.fileno(), size, offset)
            except (ValueError, OSError):
                if self.closed:
                    raise JournalClosed() from None
                raise
        with self._io:
            if self.closed:
                raise JournalClosed()
            self._f.seek(offset)
            return self._f.read(size)

    def _aad(self, seq: int) -> bytes:
        return canonical({"store": self.store_id, "file": "journal", "gen": self.generation, "seq": seq})

    def frame(self, seq: int, plaintext: bytes) -> bytes:
        payload = seal(self.key, plaintext, self._aad(seq))
        return HEADER.pack(len(payload), len(payload) ^ MASK) + payload

    def scan(self, head: Head, start: tuple[int, int] = (0, 0)) -> Iterator[Record]:
        """Yield every record from ``start`` = (offset, seq) on (an index checkpoint already holds those
        before), apply the open-time rules above to them, cut a torn tail. Sets ``records``/``end``."""
        f = self._f
        size = f.seek(0, os.SEEK_END)
        if size < head.length:
            raise StoreCorrupted(
                detail=f"journal is {size} bytes, head says {head.length}: truncated or replaced"
            )
        offset, seq = start
        f.seek(offset)
        while offset < size:
            hdr = f.read(HEADER.size)
            beyond = offset >= head.length
            if len(hdr) < HEADER.size:
                if beyond:
                    break  # torn header
                raise StoreCorrupted(detail=f"journal record {seq} truncated at offset {offset}")
            n, check = HEADER.unpack(hdr)
            if n ^ MASK != check or n > MAX_FRAME:
                if beyond and hdr == b"\0" * HEADER.size:
                    break  # zero-filled tail after power loss
                raise StoreCorrupted(detail=f"journal record {seq} has a damaged header at offset {offset}")
            payload = f.read(n)
            if len(payload) < n:
                if beyond:
                    break  # torn frame
                raise StoreCorrupted(detail=f"journal record {seq} truncated at offset {offset}")
            try:
                plaintext = open_sealed(self.key, payload, self._aad(seq))
            except InvalidTag as exc:
                raise StoreCorrupted(
                    detail=f"journal record {seq} at offset {offset} fails authentication "
                    "(changed, moved or from another store)"
                ) from exc
            yield Record(seq, offset, HEADER.size + n, plaintext)
            offset += HEADER.size + n
            seq += 1
        if seq < head.records:
            raise StoreCorrupted(detail=f"journal has {seq} records, head says {head.records}")
        if seq > head.records + 1:
            raise StoreCorrupted(
                detail=f"journal has {seq} records, head only {head.records}: head rolled back"
            )
        if offset < size:
            self._truncate(offset)
        self.records, self.end = seq, offset

    def _truncate(self, offset: int) -> None:
        with self._io:
            self._f.truncate(offset)
            self._f.flush()
            os.fsync(self._f.fileno())

    def append(self, frames: list[bytes], *, sync: bool = True) -> int:
        """Append frames and fsync (``sync=False``: the caller fsyncs later with :meth:`sync`). On any error
        the file is truncated back and the error raised (ENOSPC as :class:`DiskFull`). Returns the offset of
        the first frame."""
        start = self.end
        f = self._f
        try:
            with self._io:
                f.seek(start)
                for fr in frames:
                    if _faults.active():
                        half = len(fr) // 2
                        f.write(fr[:half])
                        f.flush()
                        _faults.point("journal.torn")
                        f.write(fr[half:])
                    else:
                        f.write(fr)
                f.flush()
            if sync:
                os.fsync(f.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                self._truncate(start)
            if is_enospc(exc):
                raise disk_full(exc, "appending to the journal") from exc
            raise
        self.end = start + sum(len(fr) for fr in frames)
        self.records += len(frames)
        return start

    def sync(self) -> None:
        try:
            os.fsync(self._f.fileno())
        except OSError as exc:
            if is_enospc(exc):
                raise disk_full(exc, "syncing the journal") from exc
            raise

    def rollback(self, offset: int, records: int) -> None:
        """Undo an append whose head update failed."""
        self._truncate(offset)
        self.end, self.records = offset, records

    def records_between(self, offset: int, end: int, seq: int) -> Iterator[Record]:
        """The complete records from ``offset`` (record ``seq``) up to ``end``, read position-independently
        (what a compaction copies of the commits made while it ran)."""
        while offset < end:
            hdr = self._pread(HEADER.size, offset)
            n, check = HEADER.unpack(hdr) if len(hdr) == HEADER.size else (0, 1)
            if n ^ MASK != check:
                raise StoreCorrupted(detail=f"journal record {seq} has a damaged header at offset {offset}")
            size = HEADER.size + n
            yield Record(seq, offset, size, self.read(offset, size, seq))
            offset += size
            seq += 1

    def read(self, offset: int, size: int, seq: int) -> bytes:
        """The plaintext of frame ``seq`` at ``offset`` (safe from any thread; see the class docstring)."""
        raw = self._pread(size, offset)
        if len(raw) != size:
            if self.closed:
                raise JournalClosed()
            raise StoreCorrupted(detail=f"journal record {seq} unreadable")
        try:
            return open_sealed(self.key, raw[HEADER.size :], self._aad(seq))
        except InvalidTag as exc:
            if self.closed:  # closed under the reader (its descriptor may already name another file)
                raise JournalClosed() from None
            raise StoreCorrupted(detail=f"journal record {seq} fails authentication") from exc


def remove_stale_journals(docs_dir: Path, keep: int) -> None:
    """Delete journals of other generations (left by a crash during compaction) and temp files."""
    changed = False
    for p in docs_dir.iterdir():
        stale_journal = p.name.startswith("journal-") and p.name != journal_path(docs_dir, keep).name
        if stale_journal or p.name.endswith(".tmp"):
            p.unlink()
            changed = True
    if changed:
        fsync_dir(docs_dir)
