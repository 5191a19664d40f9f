"""Documents in named collections over the encrypted journal, with in-memory indexes.

The cost of a commit does not depend on how many documents exist: a commit is one appended frame plus one
small head file, and the index is a dict. Reading a document decrypts the one journal frame that holds it.
Opening a store decrypts every frame once (about a second at 50,000 cases); :meth:`compact` rewrites the
journal with live documents only.

Queries: :meth:`find` accepts any callable ``doc -> bool``; TinyDB ``Query`` objects are such callables, so
``store.find("cases", Query().status == "closed")`` works on every collection. It decrypts every document of
the collection: fine for small collections (settings, outbox, sync_state), O(n) for ``cases``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casework.blobref import blob_refs
from storage import _faults
from storage.crypto import canonical, subkey
from storage.errors import StorageError, StoreCorrupted
from storage.fsutil import fsync_dir
from storage.journal import Head, Journal, read_head, remove_stale_journals, write_head

Doc = dict[str, Any]
Op = tuple[str, str, Doc | None]
# collection, key, present (False: deleted), blob refs, and the document's summary (see Summarizer) or None
Summary = tuple[str, str, bool, list[str], "dict[str, Any] | None"]
#: ``summarise(doc, token) -> dict``: what lists need of one document (a case's number, status, dates …),
#: computed at commit and stored in the record's summary line, so opening the store yields every summary
#: without decrypting a single document. ``token(text)`` is a keyed HMAC for search terms (no plaintext).
SummariseFn = Callable[[Doc, Callable[[str], str]], dict[str, Any]]


@dataclass(frozen=True)
class Summarizer:
    """A collection's summary function and its version: a summary stored by another version is stale and
    recomputed from its document on first use (and rewritten at the next compaction)."""

    collection: str
    version: int
    summarise: SummariseFn


# Bulk loads and compaction pack documents into frames of about this size: big enough to make opening fast,
# small enough that ``get`` (which decrypts and parses one whole frame) stays well under a millisecond.
RECORD_TARGET = 64 << 10


@dataclass(frozen=True)
class Snapshot:
    """The locations of one collection's documents at one moment (see :meth:`DocumentStore.snapshot`)."""

    collection: str
    journal: Journal
    records: list[tuple[Loc, list[str]]]


@dataclass(frozen=True)
class Loc:
    seq: int
    offset: int
    size: int


def _check_op(coll: str, key: str, doc: Doc | None) -> None:
    if not isinstance(coll, str) or not coll or not isinstance(key, str) or not key:
        raise StorageError(detail="collection and key must be non-empty strings")
    if doc is not None and not isinstance(doc, dict):
        raise StorageError(detail="a document must be a dict")


class DocumentStore:
    """Collections of JSON documents in ``docs_dir``. Use through :class:`storage.store.StationStore`."""

    def __init__(
        self,
        docs_dir: Path,
        data_key: bytes,
        store_id: str,
        summarizers: Mapping[str, Summarizer] | None = None,
    ) -> None:
        self.dir = docs_dir
        self.store_id = store_id
        self._jkey = subkey(data_key, "journal")
        self._hkey = subkey(data_key, "head")
        self._tkey = subkey(data_key, "search-token")
        self.summarizers: dict[str, Summarizer] = dict(summarizers or {})
        self.head = read_head(docs_dir, self._hkey, store_id)
        self.index: dict[str, dict[str, Loc]] = {}
        self.refs: dict[tuple[str, str], frozenset[str]] = {}
        self.meta: dict[str, dict[str, dict[str, Any]]] = {}  # collection -> key -> stored summary
        self.journal = self._load(self.head)
        # only once the head's journal has verified: a replayed head must not get a newer journal deleted
        remove_stale_journals(docs_dir, self.head.generation)

    @staticmethod
    def initialise(docs_dir: Path, data_key: bytes, store_id: str) -> None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        j = Journal(docs_dir, subkey(data_key, "journal"), store_id, 1)
        j.close()
        write_head(docs_dir, subkey(data_key, "head"), store_id, Head(1, 0, 0))

    def _load(self, head: Head) -> Journal:
        journal = Journal(self.dir, self._jkey, self.store_id, head.generation)
        self.index, self.refs, self.meta = {}, {}, {}
        try:
            for rec in journal.scan(head):
                self._apply(rec.seq, rec.offset, rec.size, self._summary(rec.plaintext, rec.seq))
        except BaseException:
            journal.close()
            raise
        if journal.records != head.records or journal.end != head.length:
            # the last commit reached the journal but not the head: finish it
            head.records, head.length = journal.records, journal.end
            write_head(self.dir, self._hkey, self.store_id, head)
        return journal

    # A record's plaintext is two canonical JSON lines: a summary ``{"s": [[coll, key, present, refs(,
    # summary)], ...]}`` and the operations ``{"ops": [[coll, key, doc | null], ...]}``. Opening the store
    # parses only the summaries (canonical JSON escapes newlines inside strings, so the first b"\n" ends the
    # summary line).
    def token(self, text: str) -> str:
        """A keyed search token for ``text`` (HMAC-SHA256 under the data key, 16 bytes as hex): equal texts
        give equal tokens, and the token says nothing about the text to whoever lacks the key."""
        return hmac.new(self._tkey, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def summary_of(self, coll: str, doc: Doc) -> dict[str, Any] | None:
        sz = self.summarizers.get(coll)
        if sz is None:
            return None
        return {"v": sz.version, **sz.summarise(doc, self.token)}

    def _summarise(self, ops: list[Op]) -> list[Summary]:
        return [
            (
                c,
                k,
                d is not None,
                sorted(blob_refs(d)) if d is not None else [],
                self.summary_of(c, d) if d else None,
            )
            for c, k, d in ops
        ]

    @staticmethod
    def _encode(ops: list[Op], summary: list[Summary]) -> bytes:
        lines = [
            [c, k, p, refs] if meta is None else [c, k, p, refs, meta] for c, k, p, refs, meta in summary
        ]
        return canonical({"s": lines}) + b"\n" + canonical({"ops": [list(op) for op in ops]})

    @staticmethod
    def _summary(plaintext: bytes, seq: int) -> list[Summary]:
        try:
            head = json.loads(plaintext[: plaintext.index(b"\n")])["s"]
            return [
                (str(e[0]), str(e[1]), bool(e[2]), [str(r) for r in e[3]], e[4] if len(e) > 4 else None)
                for e in head
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreCorrupted(detail=f"journal record {seq} is not a valid record") from exc

    @staticmethod
    def _decode(plaintext: bytes, seq: int) -> list[Op]:
        try:
            ops = json.loads(plaintext[plaintext.index(b"\n") + 1 :])["ops"]
            return [(str(c), str(k), d) for c, k, d in ops]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreCorrupted(detail=f"journal record {seq} is not a valid record") from exc

    def _apply(self, seq: int, offset: int, size: int, summary: list[Summary]) -> None:
        for coll, key, present, refs, meta in summary:
            table = self.index.setdefault(coll, {})
            if not present:
                table.pop(key, None)
                self.refs.pop((coll, key), None)
                self.meta.get(coll, {}).pop(key, None)
            else:
                table[key] = Loc(seq, offset, size)
                if isinstance(meta, dict):
                    self.meta.setdefault(coll, {})[key] = meta
                else:
                    self.meta.get(coll, {}).pop(key, None)
                if refs:
                    self.refs[(coll, key)] = frozenset(refs)
                else:
                    self.refs.pop((coll, key), None)

    def close(self) -> None:
        self.journal.close()

    # ---- writing -----------------------------------------------------------------------------------------
    def commit(self, ops: list[Op]) -> None:
        """Write ``ops`` as one durable record: all or nothing, even across a crash or a full disk."""
        self.commit_records([ops])

    def commit_records(self, batches: list[list[Op]]) -> None:
        for ops in batches:
            for op in ops:
                _check_op(*op)
        j = self.journal
        start_off, start_recs = j.end, j.records
        summaries = [self._summarise(ops) for ops in batches]
        frames = [j.frame(start_recs + i, self._encode(ops, summaries[i])) for i, ops in enumerate(batches)]
        j.append(frames)
        _faults.point("journal.before_head")
        head = Head(self.head.generation, j.records, j.end, self.head.keys_digest, self.head.keys_pending)
        try:
            write_head(self.dir, self._hkey, self.store_id, head)
        except BaseException:
            j.rollback(start_off, start_recs)
            raise
        self.head = head
        off = start_off
        for i in range(len(batches)):
            self._apply(start_recs + i, off, len(frames[i]), summaries[i])
            off += len(frames[i])

    def set_keys_digest(self, digest: str, pending: str) -> None:
        """Pin the digest of keys.json in the head (see StationStore key changes)."""
        head = Head(self.head.generation, self.head.records, self.head.length, digest, pending)
        write_head(self.dir, self._hkey, self.store_id, head)
        self.head = head

    def bulk_put(self, coll: str, items: Iterable[tuple[str, Doc]]) -> int:
        """Load many documents fast: packed into ~64 KiB records, one fsync per call. Atomic as a whole only
        if it fits one record; a crash may leave a prefix of the batches. Returns the count."""
        batches: list[list[Op]] = [[]]
        size = n = 0
        for key, doc in items:
            batches[-1].append((coll, key, doc))
            n += 1
            size += len(canonical(doc))
            if size >= RECORD_TARGET:
                batches.append([])
                size = 0
        batches = [b for b in batches if b]
        if batches:
            self.commit_records(batches)
        return n

    def compact(self) -> None:
        """Rewrite the journal with live documents only (new generation); crash-safe via the head switch."""
        gen = self.head.generation + 1
        new = Journal(self.dir, self._jkey, self.store_id, gen)
        try:
            # streamed: one frame per ~64 KiB of documents, so memory stays flat at any store size
            batch: list[Op] = []
            size = 0
            for coll in sorted(self.index):
                for key, doc in self.items(coll):  # decrypts each old record once
                    batch.append((coll, key, doc))
                    size += len(canonical(doc))
                    if size >= RECORD_TARGET:
                        new.append(
                            [new.frame(new.records, self._encode(batch, self._summarise(batch)))], sync=False
                        )
                        batch, size = [], 0
            if batch:
                new.append([new.frame(new.records, self._encode(batch, self._summarise(batch)))], sync=False)
            new.sync()
            fsync_dir(self.dir)
            _faults.point("compact.before_head")
            head = Head(gen, new.records, new.end, self.head.keys_digest, self.head.keys_pending)
            write_head(self.dir, self._hkey, self.store_id, head)
        except BaseException:
            new.close()
            new.path.unlink(missing_ok=True)
            raise
        new.close()
        self.journal.close()
        self.head = head
        remove_stale_journals(self.dir, gen)
        self.journal = self._load(head)

    def garbage_ratio(self) -> float:
        """Share of journal bytes no live document needs (0.0-1.0); compact when it is high."""
        live_frames: dict[int, int] = {}
        for table in self.index.values():
            for loc in table.values():
                live_frames[loc.offset] = loc.size
        total = self.journal.end
        return 0.0 if total == 0 else 1.0 - sum(live_frames.values()) / total

    # ---- reading -----------------------------------------------------------------------------------------
    def get(self, coll: str, key: str) -> Doc | None:
        loc = self.index.get(coll, {}).get(key)
        if loc is None:
            return None
        ops = self._decode(self.journal.read(loc.offset, loc.size, loc.seq), loc.seq)
        for c, k, d in reversed(ops):
            if c == coll and k == key and d is not None:
                return d
        raise StoreCorrupted(detail=f"index points at record {loc.seq} without the document")

    def keys(self, coll: str) -> list[str]:
        return list(self.index.get(coll, {}))

    def count(self, coll: str) -> int:
        return len(self.index.get(coll, {}))

    def collections(self) -> list[str]:
        return [c for c, t in self.index.items() if t]

    def items(self, coll: str) -> Iterator[tuple[str, Doc]]:
        """Every (key, document) of a collection, decrypting records in journal order (each at most once).

        Consumes :meth:`snapshot` at once, so the caller must not commit while iterating (the store holds
        its mutex around it, or iterates a snapshot instead: :meth:`read_snapshot`)."""
        yield from self.read_snapshot(self.snapshot(coll))

    def snapshot(self, coll: str) -> Snapshot:
        """Where every document of ``coll`` is now: the journal and the locations grouped by record. Cheap
        (no decryption); taken under the store's mutex, then read with :meth:`read_snapshot` on any thread
        while commits and compactions go on."""
        by_seq: dict[int, tuple[Loc, list[str]]] = {}
        for key, loc in self.index.get(coll, {}).items():
            by_seq.setdefault(loc.seq, (loc, []))[1].append(key)
        return Snapshot(coll, self.journal, [by_seq[seq] for seq in sorted(by_seq)])

    def read_snapshot(self, snap: Snapshot) -> Iterator[tuple[str, Doc]]:
        """The documents of a snapshot as they were when it was taken. Raises :class:`JournalClosed` when a
        compaction retired the snapshot's journal meanwhile (the store then reads the rest afresh)."""
        for loc, keys in snap.records:
            ops = self._decode(snap.journal.read(loc.offset, loc.size, loc.seq), loc.seq)
            latest = {k: d for c, k, d in ops if c == snap.collection}
            for key in keys:
                doc = latest.get(key)
                if doc is None:
                    raise StoreCorrupted(detail=f"index points at record {loc.seq} without the document")
                yield key, doc

    def summaries(self, coll: str) -> dict[str, dict[str, Any]]:
        """key -> summary of every document of ``coll`` (which must have a summarizer). Summaries stored by
        an older summarizer version, or by a version that had none, are recomputed from their documents
        (one decryption each, once per process) and kept in memory; the next compaction stores them."""
        sz = self.summarizers[coll]
        stored = self.meta.setdefault(coll, {})
        stale = [k for k in self.index.get(coll, {}) if stored.get(k, {}).get("v") != sz.version]
        if stale:
            for key in stale:
                doc = self.get(coll, key)
                if doc is not None:
                    stored[key] = {"v": sz.version, **sz.summarise(doc, self.token)}
        return stored

    def find(self, coll: str, cond: Callable[[Doc], Any]) -> list[Doc]:
        return [doc for _, doc in self.items(coll) if cond(doc)]
