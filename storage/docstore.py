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

import collections
import contextlib
import gc
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casework.blobref import blob_refs
from storage import _faults, checkpoint
from storage.crypto import canonical, subkey
from storage.errors import StorageError, StoreCorrupted
from storage.journal import Head, Journal, read_head, remove_stale_journals, write_head

log = logging.getLogger("storage")

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


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a document's latest version is: journal record ``seq`` at ``offset``, ``size`` bytes. Every
    document of one record shares one ``Loc``."""

    seq: int
    offset: int
    size: int


@contextlib.contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """Build many long-lived objects (opening: an index entry and a summary per document) without the
    cyclic garbage collector re-walking them every few thousand allocations — that tripled the time to open
    a 100,000-case store. Nothing built here forms cycles; the previous setting comes back on exit.

    ``freeze``: then move everything alive into the collector's permanent generation (``gc.freeze``), so
    the next collections do not walk the millions of objects just built either (the first ones after
    opening a 50,000-case store took a few hundred milliseconds of the home screen's time). Hazard: it is
    process-wide; cyclic garbage alive at that moment is never collected (there is next to none)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was:
            gc.enable()


def _check_op(coll: str, key: str, doc: Doc | None) -> None:
    if not isinstance(coll, str) or not coll or not isinstance(key, str) or not key:
        raise StorageError(detail="collection and key must be non-empty strings")
    if doc is not None and not isinstance(doc, dict):
        raise StorageError(detail="a document must be a dict")


class DocumentStore:
    """Collections of JSON documents in ``docs_dir``. Use through :class:`storage.store.StationStore`.

    In memory: ``index`` (collection → key → :class:`Loc`), ``refs`` (the scans each document references),
    ``meta`` (collection → key → stored summary) and how many live documents each record still holds (so
    :meth:`garbage_ratio` is a division, not a walk). Opening reads the index checkpoint the head pins
    (:mod:`storage.checkpoint`) and scans only the records after it; without one, or with one that does not
    open, it scans the whole journal (and says why in ``checkpoint_problem``, which ``verify`` reports).
    """

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
        self._token_mac = hmac.new(subkey(data_key, "search-token"), digestmod=hashlib.sha256)
        self._ikey = subkey(data_key, "index-checkpoint")
        self.summarizers: dict[str, Summarizer] = dict(summarizers or {})
        self._meta_lock = threading.Lock()  # the unparsed summaries and what commits did to them since
        self._decode_lock = threading.Lock()  # one parse of the checkpoint's summaries at a time (see meta)
        self.head = read_head(docs_dir, self._hkey, store_id)
        self.checkpoint_problem: str | None = None
        self._reset()
        self.journal = self._load(self.head)
        # only once the head's journal has verified: a replayed head must not get a newer journal deleted
        remove_stale_journals(docs_dir, self.head.generation)
        checkpoint.remove_unpinned(docs_dir, self.head.generation, self.head.index)

    def _reset(self) -> None:
        self.index: dict[str, dict[str, Loc]] = {}
        self.refs: dict[tuple[str, str], tuple[str, ...]] = {}
        self._meta: dict[str, dict[str, dict[str, Any]]] = {}  # collection -> key -> stored summary
        # the pinned checkpoint's summaries, not parsed yet, and what records applied since did to them
        self._pending: checkpoint.PendingSummaries | None = None
        self._overlay: list[tuple[str, str, dict[str, Any] | None]] = []
        self._live: dict[int, int] = {}  # record seq -> live documents in it
        self._dead = 0  # bytes of records no live document needs
        self._fresh: dict[str, int] = {}  # collection -> summarizer version all its summaries have
        self._shas: dict[str, str] = {}  # one string object per scan digest, however many documents name it
        self._checkpoint_end = 0  # journal bytes the pinned checkpoint covers

    @staticmethod
    def initialise(docs_dir: Path, data_key: bytes, store_id: str) -> None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        j = Journal(docs_dir, subkey(data_key, "journal"), store_id, 1)
        j.close()
        write_head(docs_dir, subkey(data_key, "head"), store_id, Head(1, 0, 0))

    def _load(self, head: Head) -> Journal:
        journal = Journal(self.dir, self._jkey, self.store_id, head.generation)
        self._reset()
        try:
            with gc_paused(freeze=True):
                start = self._restore_checkpoint(head)
                for rec in journal.scan(head, start):
                    self._apply(rec.seq, rec.offset, rec.size, self._summary(rec.plaintext, rec.seq))
        except BaseException:
            journal.close()
            raise
        if journal.records != head.records or journal.end != head.length:
            # the last commit reached the journal but not the head: finish it
            head.records, head.length = journal.records, journal.end
            self._write_head(head)
        return journal

    def _restore_checkpoint(self, head: Head) -> tuple[int, int]:
        """Fill the index from the pinned checkpoint; returns where the journal scan starts."""
        if not head.index:
            return 0, 0
        try:
            state = checkpoint.read(
                self.dir, self._ikey, self.store_id, head.generation, head.index, lazy_summaries=True
            )
            if state.records > head.records or state.length > head.length:
                raise checkpoint.CheckpointUnusable("covers more of the journal than the head")
        except checkpoint.CheckpointUnusable as exc:
            self.checkpoint_problem = f"index checkpoint {head.index}: {exc}"
            log.warning("index checkpoint not used (%s): reading the whole journal", exc)
            self._reset()
            return 0, 0
        self._restore_state(state)
        self._checkpoint_end = state.length
        return state.length, state.records

    def _restore_state(self, state: checkpoint.State) -> None:
        locs = [Loc(*f) for f in state.frames]
        used: collections.Counter[int] = collections.Counter()
        for coll, keys, frames in state.collections:
            self.index[coll] = dict(zip(keys, map(locs.__getitem__, frames)))  # noqa: B905  # lengths checked
            used.update(frames)
        if state.shas and isinstance(state.refs, dict):  # read from a file: interned there, and ours to keep
            self._shas.update(state.shas)
            self.refs = state.refs
        else:
            interned: dict[int, tuple[str, ...]] = {}  # a set of scans shared by many documents: once
            for key, refs in state.refs.items():
                shared = interned.get(id(refs))
                if shared is None:
                    shared = interned[id(refs)] = tuple(self._sha(r) for r in refs)
                self.refs[key] = shared
        self._meta = state.summaries
        self._pending = state.pending
        self._live = {locs[i].seq: n for i, n in used.items()}
        self._dead = state.length - sum(locs[i].size for i in used)

    @property
    def meta(self) -> dict[str, dict[str, dict[str, Any]]]:
        """collection → key → stored summary. Opening from a checkpoint leaves its summaries unparsed
        (a worker's sign-in does not wait for 100,000 summary dicts): the first use parses them
        (:meth:`load_summaries`)."""
        if self._pending is not None:
            self.load_summaries()
        return self._meta

    @property
    def summaries_pending(self) -> bool:
        """Whether the checkpoint's summaries are still unparsed (see :attr:`meta`)."""
        return self._pending is not None

    def load_summaries(self) -> None:
        """Parse the checkpoint's summaries if opening left them unparsed, then apply what the records
        since did to them. Needs no store mutex (the station calls it on a thread right after a sign-in);
        commits meanwhile wait only for the few moments they touch a summary: the parse holds no lock a
        commit takes, and what the commits did meanwhile is applied on top under :attr:`_meta_lock`."""
        with self._decode_lock:
            pending = self._pending
            if pending is None:
                return
            try:
                with gc_paused(freeze=True):
                    meta = pending.decode()
            except checkpoint.CheckpointUnusable as exc:  # authenticated, so a bug wrote it: recompute
                self.checkpoint_problem = f"index checkpoint {self.head.index}: {exc}"
                log.warning("index checkpoint summaries not used (%s): recomputing them", exc)
                meta = {}
            with self._meta_lock:
                for coll, key, row in self._overlay:
                    if row is None:
                        meta.get(coll, {}).pop(key, None)
                    else:
                        meta.setdefault(coll, {})[key] = row
                self._meta, self._overlay, self._pending = meta, [], None

    def _set_meta(self, coll: str, key: str, row: dict[str, Any] | None) -> None:
        if self._pending is not None:
            with self._meta_lock:
                if self._pending is not None:
                    self._overlay.append((coll, key, row))
                    return
        if row is None:
            self._meta.get(coll, {}).pop(key, None)
        else:
            self._meta.setdefault(coll, {})[key] = row

    def verify_checkpoint(self) -> str | None:
        """``verify``'s check of the pinned checkpoint: it opens, and the index it gives with the records
        after it applied is the one the whole journal gives. Returns the problem, or None."""
        if self.checkpoint_problem:
            return self.checkpoint_problem
        if not self.head.index:
            return None
        try:
            head = self.head
            state = checkpoint.read(self.dir, self._ikey, self.store_id, head.generation, head.index)
        except checkpoint.CheckpointUnusable as exc:
            return f"index checkpoint {self.head.index}: {exc}"
        from_checkpoint, from_journal = self._probe(), self._probe()
        from_checkpoint._restore_state(state)
        from_checkpoint.load_summaries()
        for probe, start in ((from_checkpoint, (state.length, state.records)), (from_journal, (0, 0))):
            for rec in self.journal.records_between(start[0], self.journal.end, start[1]):
                probe._apply(rec.seq, rec.offset, rec.size, self._summary(rec.plaintext, rec.seq))
        for part in ("index", "refs", "meta"):
            a, b = getattr(from_checkpoint, part), getattr(from_journal, part)
            if {k: v for k, v in a.items() if v} != {k: v for k, v in b.items() if v}:
                return f"index checkpoint {self.head.index} does not match the journal ({part})"
        return None

    @staticmethod
    def _probe() -> DocumentStore:
        probe = DocumentStore.__new__(DocumentStore)
        probe._meta_lock = threading.Lock()
        probe._decode_lock = threading.Lock()
        probe.head = Head(0, 0, 0)
        probe.checkpoint_problem = None
        probe._reset()
        return probe

    def _write_head(self, head: Head) -> None:
        write_head(self.dir, self._hkey, self.store_id, head)
        self.head = head

    # A record's plaintext is two canonical JSON lines: a summary ``{"s": [[coll, key, present, refs(,
    # summary)], ...]}`` and the operations ``{"ops": [[coll, key, doc | null], ...]}``. Opening the store
    # parses only the summaries (canonical JSON escapes newlines inside strings, so the first b"\n" ends the
    # summary line).
    def token(self, text: str) -> str:
        """A keyed search token for ``text`` (HMAC-SHA256 under the data key, 16 bytes as hex): equal texts
        give equal tokens, and the token says nothing about the text to whoever lacks the key."""
        mac = self._token_mac.copy()  # the keyed state computed once: a token costs two compressions
        mac.update(text.encode("utf-8"))
        return mac.hexdigest()[:32]

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
    def _encode(ops: list[Op], summary: list[Summary], encoded: list[bytes] | None = None) -> bytes:
        """The record's plaintext. ``encoded``: each op already as canonical JSON (a bulk load measured
        them to fill its records): the list is the same bytes joined, so nothing is encoded twice."""
        lines = [
            [c, k, p, refs] if meta is None else [c, k, p, refs, meta] for c, k, p, refs, meta in summary
        ]
        body = b",".join(encoded) if encoded is not None else b",".join(canonical(list(op)) for op in ops)
        return canonical({"s": lines}) + b'\n{"ops":[' + body + b"]}"

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

    def _sha(self, sha: str) -> str:
        return self._shas.setdefault(sha, sha)

    def _release(self, loc: Loc, current: int) -> None:
        """A document no longer lives at ``loc``: its record may now be garbage."""
        left = self._live.get(loc.seq, 0) - 1
        if left > 0 or loc.seq == current:  # the current record is judged once all its entries are in
            self._live[loc.seq] = max(left, 0)
        else:
            self._live.pop(loc.seq, None)
            self._dead += loc.size

    def _apply(self, seq: int, offset: int, size: int, summary: list[Summary]) -> None:
        loc = Loc(seq, offset, size)
        for coll, key, present, refs, meta in summary:
            table = self.index.setdefault(coll, {})
            old = table.get(key)
            if old is not None:
                self._release(old, seq)
            if not present:
                table.pop(key, None)
                self.refs.pop((coll, key), None)
                self._set_meta(coll, key, None)
                continue
            table[key] = loc
            self._live[seq] = self._live.get(seq, 0) + 1
            if isinstance(meta, dict):
                self._set_meta(coll, key, meta)
            else:
                self._set_meta(coll, key, None)
                self._fresh.pop(coll, None)
            if refs:
                self.refs[(coll, key)] = tuple(self._sha(r) for r in refs)
            else:
                self.refs.pop((coll, key), None)
        if not self._live.get(seq):
            self._live.pop(seq, None)
            self._dead += size

    def close(self) -> None:
        self.journal.close()

    # ---- writing -----------------------------------------------------------------------------------------
    def commit(self, ops: list[Op]) -> None:
        """Write ``ops`` as one durable record: all or nothing, even across a crash or a full disk."""
        self.commit_records([ops])

    def commit_records(self, batches: list[list[Op]], encoded: list[list[bytes]] | None = None) -> None:
        for ops in batches:
            for op in ops:
                _check_op(*op)
        j = self.journal
        start_off, start_recs = j.end, j.records
        summaries = [self._summarise(ops) for ops in batches]
        frames = [
            j.frame(start_recs + i, self._encode(ops, summaries[i], encoded[i] if encoded else None))
            for i, ops in enumerate(batches)
        ]
        j.append(frames)
        _faults.point("journal.before_head")
        try:
            self._write_head(self.head.but(records=j.records, length=j.end))
        except BaseException:
            j.rollback(start_off, start_recs)
            raise
        off = start_off
        for i in range(len(batches)):
            self._apply(start_recs + i, off, len(frames[i]), summaries[i])
            off += len(frames[i])

    def set_keys_digest(self, digest: str, pending: str) -> None:
        """Pin the digest of keys.json in the head (see StationStore key changes)."""
        self._write_head(self.head.but(keys_digest=digest, keys_pending=pending))

    def bulk_put(self, coll: str, items: Iterable[tuple[str, Doc]]) -> int:
        """Load many documents fast: packed into ~64 KiB records, one fsync per call. Atomic as a whole only
        if it fits one record; a crash may leave a prefix of the batches. Returns the count."""
        batches: list[list[Op]] = [[]]
        encoded: list[list[bytes]] = [[]]
        size = n = 0
        for key, doc in items:
            op: Op = (coll, key, doc)
            raw = canonical(list(op))
            batches[-1].append(op)
            encoded[-1].append(raw)
            n += 1
            size += len(raw)
            if size >= RECORD_TARGET:
                batches.append([])
                encoded.append([])
                size = 0
        if not batches[-1]:
            batches, encoded = batches[:-1], encoded[:-1]
        if batches:
            with gc_paused():
                self.commit_records(batches, encoded)
        return n

    def garbage_ratio(self) -> float:
        """Share of journal bytes no live document needs (0.0-1.0); compact when it is high. Kept up to date
        by every commit: calling it costs nothing."""
        total = self.journal.end
        return 0.0 if total == 0 else min(1.0, self._dead / total)

    # ---- index checkpoints (see storage.checkpoint) --------------------------------------------------------
    def checkpoint_state(self) -> checkpoint.State:
        """What the index holds now, as plain lists (cheap copies: take it under the store's mutex, encode it
        outside)."""
        frames: dict[int, int] = {}
        flat: list[tuple[int, int, int]] = []
        collections: list[tuple[str, list[str], list[int]]] = []
        for coll, table in self.index.items():
            keys = list(table)
            pos: list[int] = []
            for loc in table.values():
                i = frames.get(loc.seq)
                if i is None:
                    i = frames[loc.seq] = len(flat)
                    flat.append((loc.seq, loc.offset, loc.size))
                pos.append(i)
            collections.append((coll, keys, pos))
        return checkpoint.State(
            generation=self.head.generation,
            records=self.journal.records,
            length=self.journal.end,
            frames=flat,
            collections=collections,
            refs=dict(self.refs),
            summaries={c: dict(m) for c, m in self.meta.items() if m},
        )

    def encode_checkpoint(self, state: checkpoint.State) -> Iterator[bytes]:
        return checkpoint.encode(state, self._ikey, self.store_id)

    def pin_checkpoint(self, state: checkpoint.State) -> bool:
        """Pin a checkpoint already written (:func:`storage.checkpoint.write`) in the head (under the store's
        mutex). False when the journal moved to another generation meanwhile (it is of no use then)."""
        if state.generation != self.head.generation or self.journal.closed:
            return False
        self._write_head(self.head.but(index=state.records))
        self._checkpoint_end = state.length
        checkpoint.remove_unpinned(self.dir, self.head.generation, self.head.index)
        return True

    def since_checkpoint(self) -> tuple[int, int]:
        """(records, bytes) of the journal after the pinned checkpoint: what the next open has to scan."""
        return self.journal.records - self.head.index, self.journal.end - self._checkpoint_end

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
        (one decryption each, once per process) and kept in memory; the next compaction stores them. After
        the first call this is a dictionary lookup: later commits store current summaries."""
        sz = self.summarizers[coll]
        stored = self.meta.setdefault(coll, {})
        if self._fresh.get(coll) != sz.version:
            for key in [k for k in self.index.get(coll, {}) if stored.get(k, {}).get("v") != sz.version]:
                self._recompute(coll, key, sz)
            self._fresh[coll] = sz.version
        return stored

    def summary(self, coll: str, key: str) -> dict[str, Any] | None:
        """The summary of one document (recomputed if stale), or None if there is no such document."""
        sz = self.summarizers[coll]
        meta = self.meta.get(coll, {}).get(key)
        if meta is not None and meta.get("v") == sz.version:
            return meta
        return self._recompute(coll, key, sz)

    def _recompute(self, coll: str, key: str, sz: Summarizer) -> dict[str, Any] | None:
        doc = self.get(coll, key)
        if doc is None:
            return None
        meta = {"v": sz.version, **sz.summarise(doc, self.token)}
        self.meta.setdefault(coll, {})[key] = meta
        return meta

    def find(self, coll: str, cond: Callable[[Doc], Any]) -> list[Doc]:
        return [doc for _, doc in self.items(coll) if cond(doc)]
