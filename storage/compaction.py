"""Compaction: rewrite the journal with live documents only, while the station keeps working.

Old versions of documents (every status change of a case leaves one) and deleted ones stay in the journal
until it is compacted. At 100,000 cases a rewrite takes seconds, so it must not hold the store's mutex
throughout (every commit and read waits on it). A :class:`Compaction` runs in three steps::

    c = Compaction.begin(docs)   # under the mutex, milliseconds: snapshot where every live document is
    c.copy()                     # no mutex, the long part: copy the snapshot into the next generation
    c.finish()                   # under the mutex: append what was committed meanwhile, switch the head

``StationStore.compact`` does exactly that (and the station's background worker calls it when dead records
pass a threshold, :mod:`storage.compactor`).

Crash safety is the head switch, as before: the new generation's journal is written and fsynced completely
before the head names it; a crash earlier leaves the old head naming the old journal, and the new file is
removed on the next open. Commits made while copying are copied again under the mutex (their frames are
re-sealed unchanged for their new position), so none is lost and none is visible twice. Readers that hold
locations in the old journal get :class:`storage.journal.JournalClosed` and read afresh
(``StationStore.iter_items``). Memory: one ~64 KiB batch plus the new index, at any store size.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from storage import _faults, checkpoint
from storage.crypto import canonical
from storage.docstore import RECORD_TARGET, DocumentStore, Loc, Op, Snapshot, Summary
from storage.errors import StorageError
from storage.fsutil import fsync_dir
from storage.journal import Head, Journal, JournalClosed, journal_path, remove_stale_journals

__all__ = ["Compaction", "CompactionAborted"]


class CompactionAborted(StorageError):
    """The store was locked or closed while a compaction was copying; nothing changed."""

    code = "storage.compaction_aborted"


@dataclass
class Compaction:
    docs: DocumentStore
    old: Journal
    new: Journal
    start_records: int
    start_end: int
    snapshots: list[Snapshot]
    refs: dict[tuple[str, str], tuple[str, ...]]
    meta: dict[str, dict[str, dict[str, Any]]]
    index: dict[str, dict[str, Loc]] = field(default_factory=dict)
    recomputed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def begin(cls, docs: DocumentStore) -> Compaction:
        """(Under the store's mutex.) Snapshot the live documents' locations and open the next journal."""
        gen = docs.head.generation + 1
        journal_path(docs.dir, gen).unlink(missing_ok=True)  # left by a compaction this process gave up
        new = Journal(docs.dir, docs._jkey, docs.store_id, gen)
        return cls(
            docs=docs,
            old=docs.journal,
            new=new,
            start_records=docs.journal.records,
            start_end=docs.journal.end,
            snapshots=[docs.snapshot(coll) for coll in sorted(docs.index)],
            refs=dict(docs.refs),
            meta={coll: dict(rows) for coll, rows in docs.meta.items()},
        )

    def _summary(self, coll: str, key: str, doc: dict[str, Any]) -> Summary:
        docs = self.docs
        sz = docs.summarizers.get(coll)
        meta = self.meta.get(coll, {}).get(key)
        if sz is not None and (meta is None or meta.get("v") != sz.version):
            meta = docs.summary_of(coll, doc)
            assert meta is not None
            self.recomputed[(coll, key)] = meta
        # without a summarizer (a process that registered none) a stored summary is kept as it was
        return (coll, key, True, list(self.refs.get((coll, key), ())), meta)

    def _flush(self, batch: list[Op], summaries: list[Summary], encoded: list[bytes]) -> None:
        new = self.new
        seq, offset = new.records, new.end
        frame = new.frame(seq, self.docs._encode(batch, summaries, encoded))
        new.append([frame], sync=False)
        _faults.point("compact.copy")
        loc = Loc(seq, offset, len(frame))
        for coll, key, _doc in batch:
            self.index.setdefault(coll, {})[key] = loc

    def copy(self) -> None:
        """(No mutex.) Copy every snapshotted document into the new journal, ~64 KiB per record. Raises
        :class:`CompactionAborted` if the store was locked or closed meanwhile."""
        batch: list[Op] = []
        summaries: list[Summary] = []
        encoded: list[bytes] = []
        size = 0
        try:
            for snap in self.snapshots:
                for key, doc in self.docs.read_snapshot(snap):
                    op: Op = (snap.collection, key, doc)
                    raw = canonical(list(op))
                    batch.append(op)
                    encoded.append(raw)
                    summaries.append(self._summary(snap.collection, key, doc))
                    size += len(raw)
                    if size >= RECORD_TARGET:
                        self._flush(batch, summaries, encoded)
                        batch, summaries, encoded, size = [], [], [], 0
            if batch:
                self._flush(batch, summaries, encoded)
        except JournalClosed as exc:
            raise CompactionAborted(detail="the store was locked while compacting") from exc

    def finish(self) -> None:
        """(Under the store's mutex.) Copy the commits made since :meth:`begin`, make the new journal
        durable, switch the head to it and adopt the new index."""
        docs, old, new = self.docs, self.old, self.new
        if docs.journal is not old or old.closed:
            raise CompactionAborted(detail="the journal changed while compacting")
        caught_up: list[tuple[int, int, int, list[Summary]]] = []
        for rec in old.records_between(self.start_end, old.end, self.start_records):
            seq, offset = new.records, new.end
            frame = new.frame(seq, rec.plaintext)  # the same record, sealed for its new place
            new.append([frame], sync=False)
            caught_up.append((seq, offset, len(frame), docs._summary(rec.plaintext, rec.seq)))
        _faults.point("compact.catch_up")
        new.sync()
        fsync_dir(docs.dir)
        _faults.point("compact.before_head")
        h = docs.head
        docs._write_head(Head(new.generation, new.records, new.end, h.keys_digest, h.keys_pending))
        # from here on the new generation is the store: adopt it (in memory only, nothing can fail on disk)
        old.close()
        docs.journal = new
        docs._checkpoint_end = 0
        docs.index = self.index
        docs._live = {}
        docs._dead = 0
        for table in self.index.values():
            for loc in table.values():
                docs._live[loc.seq] = docs._live.get(loc.seq, 0) + 1
        for (coll, key), meta in self.recomputed.items():
            docs.meta.setdefault(coll, {})[key] = meta
        for seq, offset, size, summary in caught_up:
            docs._apply(seq, offset, size, summary)
        with contextlib.suppress(OSError):  # stale files are removed on the next open otherwise
            remove_stale_journals(docs.dir, new.generation)
            checkpoint.remove_unpinned(docs.dir, new.generation, 0)

    def abort(self) -> None:
        """Give up: close and delete the new journal (the store is unchanged)."""
        self.new.close()
        self.new.path.unlink(missing_ok=True)
