"""``StationStore``: the station's encrypted, crash-safe local store. Start here.

Typical use::

    store = StationStore.create(data_dir, station_name="长安区某某社区便民服务站",
                                admin_secret=admin_pw, station_passphrase=passphrase)   # new, unlocked
    store = StationStore.open(data_dir)          # takes the directory lock, nothing decrypted yet
    store.unlock_station(passphrase)             # once per boot: loads the device secret
    store.unlock_worker("w01", "246810")         # or store.unlock_admin(admin_pw)
    ref = store.blobs.put(scan_file)             # durable before it returns
    with store.transaction(actor="worker:w01") as tx:
        tx.put("cases", case_id, case_dict | {"scans": [ref.to_dict()]})
        tx.put("outbox", case_id, {"kind": "case", "case_id": case_id})
    # one durable commit for both documents and their audit entry; it has happened when ``with`` exits
    store.close()

Hazards: one process per data directory (:class:`StoreBusy` otherwise); documents are JSON dicts with string
keys; collections starting with ``_`` are reserved; ``get``/``items`` return fresh copies (mutating them does
nothing until you ``put`` them back). Authorisation (who may add workers, export, purge) is the caller's job:
the store records ``actor`` in the audit log but does not decide roles.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from casework import clock
from storage import _faults, checkpoint
from storage import audit as audit_mod
from storage.blobs import BlobStore
from storage.compaction import Compaction, CompactionAborted
from storage.crypto import KdfParams
from storage.docstore import Doc, DocumentStore, Op, Summarizer
from storage.errors import (
    DiskFull,
    DiskSpaceLow,
    SlotLockedOut,
    StationSecretRequired,
    StorageError,
    StoreCorrupted,
    StoreExists,
    StoreLocked,
    StoreNotFound,
    WrongSecret,
)
from storage.fsutil import DirectoryLock, DiskStatus, disk_status, fsync_dir, replace
from storage.journal import JournalClosed
from storage.keyslots import ADMIN_SLOT, KeyFile, worker_slot_id
from storage.recovery import open_recovery_slot, seal_recovery_slot

log = logging.getLogger("storage")

KEYS_FILE = "keys.json"


@dataclass(frozen=True)
class StoreOptions:
    """Tunables. ``reserve_bytes``: :meth:`StationStore.check_free_space` refuses new cases when less than
    this
    would remain; ``warning_bytes``: :meth:`disk_status` warns below this."""

    reserve_bytes: int = 200 << 20
    warning_bytes: int = 2 << 30
    retention_days: int = 30
    #: retention tombstones older than this are dropped at compaction (their summary stays in the audit log)
    tombstone_days: int = 3 * 365
    #: write an index checkpoint once this many records or bytes follow the last one (background, close)
    checkpoint_records: int = 2000
    checkpoint_bytes: int = 16 << 20


class StationStore:
    """See the module docstring. Thread-safe: one lock serialises commits and journal reads."""

    def __init__(
        self,
        data_dir: Path,
        lock: DirectoryLock,
        keys: KeyFile,
        options: StoreOptions,
        clock: Callable[[], float],
    ) -> None:
        self.data_dir = data_dir
        self.options = options
        self.clock = clock
        self.keys = keys
        self._lock = lock
        self._mutex = threading.RLock()
        self._data_key: bytes | None = None
        self._device: bytes | None = None
        self._docs: DocumentStore | None = None
        self._blobs: BlobStore | None = None
        self._audit_seq = 0
        self._audit_prev = audit_mod.GENESIS
        self.quarantined_on_open = 0
        self._swept = False
        self._recent_blobs: set[str] = set()  # scans put by this process (kept across lock/unlock)
        # audit entries of sign-ins a full disk kept from being written: they go first into the next commit
        # (the chain stays in time order); lost only if the process dies before any write succeeds
        self._deferred_audit: list[dict[str, Any]] = []
        self._summarizers: dict[str, Summarizer] = {}
        self._listeners: list[Callable[[list[tuple[str, str]]], None]] = []
        self._compacting = threading.Lock()  # one compaction at a time; never taken while holding _mutex
        self._checkpointing = threading.Lock()  # the same for checkpoints (and none during a compaction)
        self.closed = False

    # ---- lifecycle ---------------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        data_dir: str | Path,
        *,
        station_name: str,
        admin_secret: str,
        station_passphrase: str,
        kdf: KdfParams | None = None,
        options: StoreOptions | None = None,
        clock: Callable[[], float] = clock.timestamp,
        lock: DirectoryLock | None = None,
    ) -> StationStore:
        """Initialise a new store in ``data_dir`` (created if missing, must not hold a store) and return it
        unlocked as admin. ``kdf`` defaults to :meth:`KdfParams.default` (~200 ms per unlock). ``lock`` is the
        directory lock when the caller already holds it (a station process owns its directory from start-up,
        before it is set up); the store then keeps it."""
        d = Path(data_dir)
        d.mkdir(parents=True, exist_ok=True)
        owned = lock is None
        if lock is None:
            lock = DirectoryLock(d)
            lock.acquire()
        try:
            if (d / KEYS_FILE).exists():
                raise StoreExists(detail=str(d))
            if (d / "docs").exists() and any((d / "docs").iterdir()):
                # a crashed init, or a store whose keys.json was lost: never overwrite data files
                raise StoreExists(
                    "storage.exists_without_keys",
                    detail="docs/ exists without keys.json",
                )
            kf, data_key, device = KeyFile.create(
                d / KEYS_FILE,
                station_name=station_name,
                admin_secret=admin_secret,
                station_passphrase=station_passphrase,
                kdf=kdf or KdfParams.default(),
            )
            DocumentStore.initialise(d / "docs", data_key, kf.store_id)
            (d / "blobs").mkdir(exist_ok=True)
            docs = DocumentStore(d / "docs", data_key, kf.store_id)
            docs.set_keys_digest(kf.slot_digest(), "")
            docs.close()
            kf.save()  # last: a crash before this leaves no keys.json, i.e. no store
            fsync_dir(d)
        except BaseException:
            if owned:
                lock.release()
            raise
        store = cls(d, lock, kf, options or StoreOptions(), clock)
        store._device = device
        store._activate(data_key, ADMIN_SLOT, "store.init")
        return store

    @classmethod
    def open(
        cls,
        data_dir: str | Path,
        *,
        options: StoreOptions | None = None,
        clock: Callable[[], float] = clock.timestamp,
    ) -> StationStore:
        """Take the directory lock and read the key slots. Nothing is decrypted until an ``unlock_*``."""
        d = Path(data_dir)
        if not (d / KEYS_FILE).exists():
            raise StoreNotFound(detail=str(d))
        lock = DirectoryLock(d)
        lock.acquire()
        try:
            kf = KeyFile.load(d / KEYS_FILE)
        except BaseException:
            lock.release()
            raise
        return cls(d, lock, kf, options or StoreOptions(), clock)

    def close(self) -> None:
        """Write an index checkpoint if many records follow the last one (so the next open is quick), then
        close. A checkpoint that cannot be written (full disk) is skipped: it is only a cache."""
        if not self.closed and self._docs is not None:
            try:
                self.checkpoint(wait=False)  # not behind a compaction (closing aborts it)
            except (OSError, StorageError):
                log.warning("index checkpoint not written at close", exc_info=True)
        with self._mutex:
            if self.closed:
                return
            if self._docs is not None:
                self._docs.close()
            self._data_key = self._device = None
            self._docs = self._blobs = None
            self.closed = True
            self._lock.release()

    def lock(self, *, keep_station_secret: bool = True) -> None:
        """Drop the data key (idle timeout, "锁屏"); the directory lock stays. With ``keep_station_secret``
        workers can unlock again with their PIN; otherwise the passphrase (or the admin) is needed again.
        Hazard: a kept station secret in memory lets someone who can read this process's memory guess PINs
        offline."""
        with self._mutex:
            if self._docs is not None:
                self._docs.close()
            self._docs = self._blobs = None
            self._data_key = None
            if not keep_station_secret:
                self._device = None

    def __enter__(self) -> StationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- unlocking ---------------------------------------------------------------------------------------
    @property
    def is_unlocked(self) -> bool:
        return self._docs is not None

    @property
    def has_station_secret(self) -> bool:
        return self._device is not None

    def unlock_station(self, passphrase: str) -> None:
        """Load the device secret with the station passphrase (once per boot). Raises :class:`WrongSecret`."""
        try:
            self._device = self.keys.open_device(passphrase)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreCorrupted(detail="keys.json device entry is malformed") from exc

    def unlock_admin(self, secret: str) -> None:
        """Log in as station admin (password alone). Unlocks the store if it was locked."""
        self._unlock_slot(ADMIN_SLOT, secret)

    def unlock_worker(self, worker_id: str, pin: str) -> None:
        """Log a worker in with their PIN. Needs the device secret (:meth:`unlock_station` or an earlier
        admin unlock). Raises :class:`WrongSecret`, :class:`SlotLockedOut`, :class:`UnknownSlot`."""
        if self._device is None:
            raise StationSecretRequired()
        self._unlock_slot(worker_slot_id(worker_id), pin)

    def _unlock_slot(self, slot_id: str, secret: str) -> None:
        with self._mutex:
            self._check_open()
            try:
                data_key = self.keys.try_slot(slot_id, secret, self.clock(), self._device)
            except (ValueError, KeyError, TypeError) as exc:
                raise StoreCorrupted(detail=f"keys.json slot {slot_id} is malformed") from exc
            except (WrongSecret, SlotLockedOut):
                log.warning("failed or refused unlock of a key slot")
                if self._docs is not None:
                    self._flush_pending_failures()
                raise
            if self._docs is None:
                self._activate(data_key, slot_id, "unlock")
            else:
                self._flush_pending_failures()
                self.audit("login", actor=slot_id, deferrable=True)

    def unlock_with_data_key(self, data_key: bytes, actor: str) -> None:
        """Unlock with a data key obtained elsewhere (the district recovery flow)."""
        with self._mutex:
            self._check_open()
            self._activate(data_key, actor, "unlock.recovery")

    def _check_open(self) -> None:
        if self.closed:
            raise StorageError(detail="store is closed")

    def _activate(self, data_key: bytes, actor: str, action: str) -> None:
        kf = self.keys
        device = kf.device_from_data_key(data_key)
        docs = DocumentStore(self.data_dir / "docs", data_key, kf.store_id, self._summarizers)
        try:
            digest = kf.slot_digest()
            if digest == docs.head.keys_pending:
                docs.set_keys_digest(digest, "")
            elif digest != docs.head.keys_digest:
                raise StoreCorrupted(
                    detail="keys.json is not the one this store last wrote (replaced or rolled back)"
                )
        except BaseException:
            docs.close()
            raise
        self._data_key, self._device, self._docs = data_key, device, docs
        self._blobs = BlobStore(self.data_dir / "blobs", data_key, kf.store_id, self._recent_blobs)
        if not self._swept:  # once per process: later unlocks (after lock()) may have scans in flight
            self._blobs.remove_temp_files()
        keys = docs.keys(audit_mod.AUDIT)
        if keys:
            last = docs.get(audit_mod.AUDIT, max(keys))
            assert last is not None
            self._audit_seq, self._audit_prev = int(last["seq"]) + 1, str(last["hash"])
        self._flush_pending_failures()
        if not self._swept:
            self.quarantined_on_open = self._quarantine_orphans()
            self._swept = True
        detail = {"quarantined_blobs": self.quarantined_on_open} if self.quarantined_on_open else None
        self.audit(action, actor=actor, detail=detail, deferrable=True)

    def _flush_pending_failures(self) -> None:
        pending = self.keys.take_pending_audit()
        if not pending:
            return
        seq, prev = self._audit_seq, self._audit_prev
        entries: list[dict[str, Any]] = [
            {
                "actor": slot_id,
                "action": "unlock.refused" if p.get("refused") else "unlock.failed",
                "at": float(p["at"]),
                "case": None,
                "detail": {"failures": p["failures"], "delay_seconds": p["delay"]},
            }
            for slot_id, p in pending
        ]
        try:
            self.docs.commit([*self._deferred_ops(), *(self._audit_op(**e) for e in entries)])
        except DiskFull:
            self._audit_seq, self._audit_prev = seq, prev
            self._deferred_audit.extend(entries)  # written with the next commit that succeeds
            return
        except BaseException:
            self._audit_seq, self._audit_prev = seq, prev
            raise
        self._deferred_audit.clear()
        self.keys.save_quietly()

    def _quarantine_orphans(self) -> int:
        """Blobs no document references (a crash between ``blobs.put`` and the commit) move to
        ``quarantine/``; retention deletes them later. Returns how many."""
        files = self.blobs.list_files()
        if not files:
            return 0
        shas: set[str] = set()
        for refs in self.docs.refs.values():
            shas.update(refs)
        referenced = {self.blobs.name_for(s) for s in shas}
        orphans = [p for p in files if p.name not in referenced]
        if orphans:
            q = self.data_dir / "quarantine"
            q.mkdir(exist_ok=True)
            for p in orphans:
                replace(p, q / p.name)
            fsync_dir(q)
            log.info("moved %d unreferenced attachment files to quarantine", len(orphans))
        return len(orphans)

    @property
    def docs(self) -> DocumentStore:
        if self._docs is None:
            raise StoreLocked()
        return self._docs

    @property
    def blobs(self) -> BlobStore:
        """The attachment store (:class:`storage.blobs.BlobStore`). Raises :class:`StoreLocked` if locked."""
        if self._blobs is None:
            raise StoreLocked()
        return self._blobs

    @property
    def data_key(self) -> bytes:
        if self._data_key is None:
            raise StoreLocked()
        return self._data_key

    # ---- documents ---------------------------------------------------------------------------------------
    def transaction(self, actor: str = "system", action: str = "docs.commit") -> Transaction:
        """``with store.transaction(actor=...) as tx:`` — puts and deletes commit together on exit."""
        return Transaction(self, actor, action)

    def get(self, collection: str, key: str) -> Doc | None:
        with self._mutex:
            return self.docs.get(collection, key)

    def keys_of(self, collection: str) -> list[str]:
        with self._mutex:
            return self.docs.keys(collection)

    def count(self, collection: str) -> int:
        with self._mutex:
            return self.docs.count(collection)

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        """All (key, document) pairs of a collection, as a list (for ``cases`` that is every case)."""
        with self._mutex:
            return list(self.docs.items(collection))

    def iter_items(self, collection: str) -> Iterator[tuple[str, Doc]]:
        """Like :meth:`items` but lazy, one journal record at a time, and safe while other threads commit,
        read or compact: it yields the documents as they were when iteration started (a document deleted
        meanwhile may still appear; one added meanwhile does not). A compaction that retires the journal
        under it is followed by reading the remaining keys afresh."""
        with self._mutex:
            snap = self.docs.snapshot(collection)
        for n, (loc, keys) in enumerate(snap.records):
            try:
                part = list(self.docs.read_snapshot(dataclasses.replace(snap, records=[(loc, keys)])))
            except JournalClosed:
                for _loc, rest in snap.records[n:]:
                    for key in rest:
                        doc = self.get(collection, key)
                        if doc is not None:
                            yield key, doc
                return
            yield from part

    # ---- summaries (what lists need, without decrypting documents) ---------------------------------------
    def register_summarizer(self, summarizer: Summarizer) -> None:
        """Keep a summary of every document of ``summarizer.collection``, computed at each commit and stored
        with it (see :class:`storage.docstore.Summarizer`). Register before or after unlocking."""
        with self._mutex:
            self._summarizers[summarizer.collection] = summarizer
            if self._docs is not None:
                self._docs.summarizers[summarizer.collection] = summarizer

    def load_summaries(self) -> None:
        """Parse the summaries the index checkpoint holds, if opening left them unparsed (it does: a sign-in
        does not wait for them). Without the store's mutex: reads and commits go on meanwhile. The first
        :meth:`summaries` does it anyway; the station calls this on a thread right after a sign-in."""
        docs = self._docs
        if docs is not None:
            docs.load_summaries()

    def summaries(self, collection: str) -> dict[str, dict[str, Any]]:
        """key -> summary for every document of a summarized collection: from memory (parsed from the index
        checkpoint on first use); stale ones are recomputed once. A snapshot copy: safe to iterate while
        others commit."""
        self.load_summaries()  # not under the mutex: commits and reads need not wait for it
        with self._mutex:
            return dict(self.docs.summaries(collection))

    def summary(self, collection: str, key: str) -> dict[str, Any] | None:
        self.load_summaries()  # as in summaries(): never parsed under the mutex
        with self._mutex:
            return self.docs.summary(collection, key)

    def summarizer(self, collection: str) -> Summarizer | None:
        """The summarizer registered for ``collection``, if any."""
        with self._mutex:
            return self._summarizers.get(collection)

    def search_token(self, text: str) -> str:
        """The keyed token a summarizer stored for ``text`` (compare to search without plaintext)."""
        return self.docs.token(text)

    def find(self, collection: str, cond: Callable[[Doc], Any]) -> list[Doc]:
        """Documents for which ``cond(doc)`` is true; a TinyDB ``Query`` works: ``Query().status ==
        "closed"``."""
        with self._mutex:
            return self.docs.find(collection, cond)

    def bulk_put(self, collection: str, items: list[tuple[str, Doc]], *, actor: str = "system") -> int:
        """Import many documents (catalog, test fixtures) with one fsync; see
        :meth:`DocumentStore.bulk_put`."""
        _check_collection(collection)
        with self._mutex:
            items = list(items)
            n = self.docs.bulk_put(collection, items)
            self._notify([(collection, k) for k, _ in items])
            self.audit("docs.bulk_put", actor=actor, detail={"collection": collection, "count": n})
            return n

    def compact(self, *, actor: str = "system") -> None:
        """Rewrite the journal with live documents only (:mod:`storage.compaction`), holding the mutex only
        to begin and to finish: commits and reads go on while it copies. One compaction runs at a time (a
        second caller waits for the first). Crash-safe; raises :class:`CompactionAborted` if the store is
        locked or closed meanwhile (nothing changed). Then writes an index checkpoint of the new journal."""
        self._compact(actor)

    def _compact(self, actor: str, still_needed: Callable[[], bool] | None = None) -> bool:
        # a checkpoint meanwhile would be of the old journal (of no use after the switch), and its copy of
        # the index would sit in memory beside the compaction's: it waits, then the one below is written
        with self._compacting, self._checkpointing:
            if still_needed is not None and not still_needed():
                return False  # the compaction this one waited for did it
            self.load_summaries()  # if still unparsed: outside the mutex
            with self._mutex:
                job = Compaction.begin(self.docs)
            try:
                job.copy()
                with self._mutex:
                    job.finish()
            except BaseException:
                job.abort()
                raise
            self.audit("docs.compact", actor=actor)
        try:
            self.checkpoint(min_records=1)
        except (OSError, StorageError):  # a cache: the next open reads the journal instead
            log.warning("index checkpoint not written after compaction", exc_info=True)
        return True

    def needs_compaction(self, *, threshold: float = 0.6, min_bytes: int = 8 << 20) -> bool:
        """More than ``threshold`` of a journal over ``min_bytes`` is dead (old versions, deleted
        documents). Costs nothing: the store keeps count at every commit."""
        with self._mutex:
            docs = self.docs
            return docs.journal.end >= min_bytes and docs.garbage_ratio() >= threshold

    def maybe_compact(
        self, *, threshold: float = 0.6, min_bytes: int = 8 << 20, actor: str = "system"
    ) -> bool:
        """Compact when :meth:`needs_compaction` — asked again once no other compaction runs (retention's
        and the background worker's would otherwise copy the whole journal twice, one after the other).
        Returns whether it ran (a compaction the store's lock interrupted did not)."""

        def needed() -> bool:
            return self.needs_compaction(threshold=threshold, min_bytes=min_bytes)

        if not needed():
            return False
        try:
            return self._compact(actor, needed)
        except CompactionAborted:
            return False

    def checkpoint(self, *, min_records: int | None = None, wait: bool = True) -> bool:
        """Save the index (:mod:`storage.checkpoint`) when at least ``min_records`` records follow the last
        checkpoint (default: ``StoreOptions.checkpoint_records`` records or ``checkpoint_bytes`` bytes), so
        the next open reads one file and few records. The state is taken under the mutex (milliseconds);
        encoding and writing happen outside it. One at a time, and none while a compaction runs (it ends
        with its own); ``wait=False``: give up instead of waiting for them. Returns whether one was
        written."""
        if not self._checkpointing.acquire(blocking=wait):
            return False
        try:
            return self._checkpoint(min_records)
        finally:
            self._checkpointing.release()

    def _checkpoint(self, min_records: int | None) -> bool:
        o = self.options
        with self._mutex:
            docs = self._docs
            if docs is None or self.closed:
                return False
            records, size = docs.since_checkpoint()
            if min_records is not None:
                due = records >= max(min_records, 1)
            else:
                due = records >= o.checkpoint_records or (records > 0 and size >= o.checkpoint_bytes)
            if not due:
                return False
        docs.load_summaries()  # if still unparsed: outside the mutex, commits go on meanwhile
        with self._mutex:
            if self._docs is not docs or self.closed:
                return False
            state = docs.checkpoint_state()
        path = checkpoint.write(docs.dir, state.generation, state.records, docs.encode_checkpoint(state))
        _faults.point("checkpoint.before_pin")
        with self._mutex:
            if self._docs is docs and not self.closed and docs.pin_checkpoint(state):
                return True
        path.unlink(missing_ok=True)
        return False

    def _commit(self, ops: list[Op], actor: str, action: str, extra: list[dict[str, Any]]) -> None:
        with self._mutex:
            changes = [f"{c}/{k}" for c, k, _ in ops]
            case = next((k for c, k, _ in ops if c == "cases"), None)
            seq, prev = self._audit_seq, self._audit_prev
            audit_ops = self._deferred_ops()
            audit_ops.append(
                self._audit_op(actor=actor, action=action, case=case, detail={"changes": changes})
            )
            for e in extra:
                audit_ops.append(self._audit_op(actor=actor, **e))
            try:
                self.docs.commit(ops + audit_ops)
            except BaseException:
                self._audit_seq, self._audit_prev = seq, prev
                raise
            self._deferred_audit.clear()
            self._notify([(c, k) for c, k, _ in ops])

    def on_commit(self, listener: Callable[[list[tuple[str, str]]], None]) -> None:
        """Call ``listener(changes)`` with the (collection, key) pairs of every successful commit, under the
        store's mutex: it must be quick and must not touch the store (mark, then work later)."""
        with self._mutex:
            self._listeners.append(listener)

    def _notify(self, changes: list[tuple[str, str]]) -> None:
        for listener in self._listeners:
            try:
                listener(changes)
            except Exception:  # a broken listener must not fail a commit that is already durable
                log.exception("commit listener failed")

    def _deferred_ops(self) -> list[Op]:
        return [self._audit_op(**e) for e in self._deferred_audit]

    # ---- audit -------------------------------------------------------------------------------------------
    def _audit_op(
        self,
        *,
        actor: str,
        action: str,
        case: str | None = None,
        detail: dict[str, Any] | None = None,
        at: float | None = None,
    ) -> Op:
        entry = audit_mod.make_entry(
            self._audit_seq,
            self._audit_prev,
            at=self.clock() if at is None else at,
            actor=actor,
            action=action,
            case=case,
            detail=detail,
        )
        self._audit_seq += 1
        self._audit_prev = entry["hash"]
        return (audit_mod.AUDIT, audit_mod.entry_key(entry["seq"]), entry)

    def audit(
        self,
        action: str,
        *,
        actor: str,
        case: str | None = None,
        detail: dict[str, Any] | None = None,
        deferrable: bool = False,
    ) -> None:
        """Append one audit entry on its own (exports, prints, logins). Never put personal data in
        ``detail``. A ``deferrable`` entry (sign-in, unlock) that a full disk refuses is kept and written
        first with the next commit that succeeds, so a worker can still sign in and read on a full disk."""
        with self._mutex:
            seq, prev = self._audit_seq, self._audit_prev
            entry: dict[str, Any] = {
                "actor": actor,
                "action": action,
                "case": case,
                "detail": detail,
                "at": self.clock(),
            }
            try:
                self.docs.commit([*self._deferred_ops(), self._audit_op(**entry)])
            except DiskFull:
                self._audit_seq, self._audit_prev = seq, prev
                if not deferrable:
                    raise
                log.warning("disk full: audit entry %s kept for the next write", action)
                self._deferred_audit.append(entry)
                return
            except BaseException:
                self._audit_seq, self._audit_prev = seq, prev
                raise
            self._deferred_audit.clear()

    def audit_entries(self) -> list[dict[str, Any]]:
        with self._mutex:
            return [e for _, e in sorted(self.docs.items(audit_mod.AUDIT))]

    # ---- key management (the caller checks the actor is allowed) ------------------------------------------
    def _save_keys(self, actor: str, action: str, detail: dict[str, Any]) -> None:
        """keys.json change protocol: pin old+pending digests, replace keys.json, audit and pin the new one.
        A crash at any point leaves a store that opens with either the old or the new keys.json."""
        with self._mutex:
            docs = self.docs
            new = self.keys.slot_digest()
            try:
                docs.set_keys_digest(docs.head.keys_digest, new)
                self.keys.save()
            except BaseException:
                self.keys = KeyFile.load(self.keys.path)  # forget the change that did not reach the disk
                raise
            self.audit(action, actor=actor, detail=detail)
            docs.set_keys_digest(new, "")

    def _need_device(self) -> bytes:
        if self._device is None:
            raise StationSecretRequired()
        return self._device

    def add_worker(self, worker_id: str, pin: str, *, actor: str) -> None:
        """Create or replace a worker's slot (also how an admin resets a forgotten PIN)."""
        with self._mutex:
            self.keys.set_worker(worker_id, pin, self.data_key, self._need_device())
            self._save_keys(actor, "key.worker_set", {"worker": worker_id})

    def remove_worker(self, worker_id: str, *, actor: str) -> None:
        """Delete a worker's slot. Hazard: someone who kept an old copy of keys.json and the station
        passphrase
        could still use the old slot offline; see docs/threat-model.md."""
        with self._mutex:
            self.data_key  # noqa: B018 - must be unlocked
            self.keys.remove_worker(worker_id)
            self._save_keys(actor, "key.worker_removed", {"worker": worker_id})

    def change_pin(self, worker_id: str, old_pin: str, new_pin: str) -> None:
        """A worker changes their own PIN (old PIN checked, with lockout)."""
        with self._mutex:
            self.keys.try_slot(worker_slot_id(worker_id), old_pin, self.clock(), self._need_device())
            self.keys.set_worker(worker_id, new_pin, self.data_key, self._need_device())
            self._save_keys(f"worker:{worker_id}", "key.pin_changed", {"worker": worker_id})

    def set_admin_secret(self, secret: str, *, actor: str) -> None:
        with self._mutex:
            self.keys.set_admin(secret, self.data_key)
            self._save_keys(actor, "key.admin_changed", {})

    def set_station_passphrase(self, passphrase: str, *, actor: str) -> None:
        with self._mutex:
            self.keys.set_passphrase(passphrase, self._need_device())
            self._save_keys(actor, "key.passphrase_changed", {})

    def set_recovery_key(
        self, public_key: bytes | str | X25519PublicKey, *, actor: str = "enrollment"
    ) -> None:
        """Seal the data key to the district's X25519 recovery public key (raw 32 bytes or base64)."""
        with self._mutex:
            self.keys.recovery = seal_recovery_slot(self.data_key, self.keys.store_id, public_key)
            self._save_keys(actor, "key.recovery_set", {"recipient": self.keys.recovery["recipient"]})

    def recovery_slot(self) -> dict[str, Any] | None:
        """The recovery slot dict (no secret in it) for :func:`storage.recovery.open_recovery_slot`."""
        return self.keys.recovery

    def workers(self) -> list[str]:
        return self.keys.workers()

    # ---- disk space --------------------------------------------------------------------------------------
    def disk_status(self) -> DiskStatus:
        o = self.options
        return disk_status(self.data_dir, warning_bytes=o.warning_bytes, critical_bytes=o.reserve_bytes)

    def check_free_space(self, needed: int) -> None:
        """Call before accepting a case with ``needed`` bytes of scans: raises :class:`DiskSpaceLow`."""
        st = self.disk_status()
        if st.free_bytes - needed < self.options.reserve_bytes:
            raise DiskSpaceLow(
                detail=f"free {st.free_bytes}, needed {needed}, reserve {self.options.reserve_bytes}"
            )


def _check_collection(collection: str) -> None:
    if collection.startswith("_"):
        raise StorageError(detail=f"collection {collection!r} is reserved")


class Transaction:
    """Buffered puts/deletes, committed as one durable journal record when the ``with`` block exits normally.
    An exception inside the block discards everything. Reads through ``tx.get`` see the buffered writes."""

    def __init__(self, store: StationStore, actor: str, action: str) -> None:
        self.store, self.actor, self.action = store, actor, action
        self._ops: dict[tuple[str, str], Doc | None] = {}
        self._extra: list[dict[str, Any]] = []
        self.committed = False

    def put(self, collection: str, key: str, doc: Doc) -> None:
        _check_collection(collection)
        # a JSON round trip freezes the document as of this call and rejects what JSON cannot hold
        self._ops[(collection, key)] = json.loads(json.dumps(doc, ensure_ascii=False))

    def delete(self, collection: str, key: str) -> None:
        _check_collection(collection)
        self._ops[(collection, key)] = None

    def get(self, collection: str, key: str) -> Doc | None:
        if (collection, key) in self._ops:
            doc = self._ops[(collection, key)]
            return None if doc is None else json.loads(json.dumps(doc))
        return self.store.get(collection, key)

    def audit(self, action: str, *, case: str | None = None, detail: dict[str, Any] | None = None) -> None:
        """An extra audit entry committed with this transaction (e.g. ``case.accepted``)."""
        self._extra.append({"action": action, "case": case, "detail": detail})

    def commit(self) -> None:
        if self.committed:
            raise StorageError(detail="transaction already committed")
        ops = [(c, k, d) for (c, k), d in self._ops.items()]
        if ops or self._extra:
            self.store._commit(ops, self.actor, self.action, self._extra)
        self.committed = True

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()


def recover_with_district_key(
    data_dir: str | Path,
    private_key: X25519PrivateKey | bytes,
    new_admin_secret: str,
    *,
    options: StoreOptions | None = None,
) -> None:
    """District recovery (区中心恢复): open the recovery slot with the district private key and rewrite the
    admin slot with ``new_admin_secret``. Workers' slots and the station passphrase are unchanged.
    Raises :class:`RecoveryFailed` if the key does not match; needs the directory lock (station closed)."""
    store = StationStore.open(data_dir, options=options)
    try:
        slot = store.recovery_slot()
        if slot is None:
            from storage.errors import RecoveryFailed

            raise RecoveryFailed("storage.recovery_not_registered", detail="no recovery slot")
        data_key = open_recovery_slot(slot, private_key)
        store.unlock_with_data_key(data_key, "district-recovery")
        store.set_admin_secret(new_admin_secret, actor="district-recovery")
    finally:
        store.close()
