"""TinyDB as the station's query layer over the encrypted store — and exactly what it does and does not do.

TinyDB is not on the durable path: its storages rewrite a whole file per write (torn by a crash, lost on a
full disk) and its tables copy every document per write (``Table._update_table``), so a growing table on the
commit path grows the commit's cost with the store. The encrypted journal (:mod:`storage.docstore`) is the
durable layer; TinyDB sits on top of it in two places:

* :class:`JournalStorage` — a TinyDB ``Storage`` whose tables are store collections. Every TinyDB write
  becomes **one** store transaction with only the documents that changed (encrypted, fsynced, audited,
  atomic), every read decrypts the collections' current documents. Use it for small collections (the
  station's settings and workers): TinyDB's whole-database read/write costs grow with them.
  :func:`station_tables` opens one with :class:`KeyedTable`, whose document ids are the store keys.
* :class:`SummaryIndex` — the in-memory TinyDB table of a summarized collection (the cases' list summaries,
  :meth:`StationStore.register_summarizer`), queried with TinyDB ``Query``:
  ``index.search(Query().status.one_of(["queued", "delivered"]))``, or copy-free with
  ``index.select(cond)``. It is filled once from the summaries the store read while opening (no document
  decrypted; the rows *are* the store's summary dicts) and follows commits by applying the changed keys in
  place at the next query, so a commit never pays TinyDB's per-write copy of the table.

What TinyDB does **not** do here: store anything on disk, hold the only copy of anything, lock, or see a
plaintext file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import MemoryStorage, Storage
from tinydb.table import Document, Table

from storage.store import StationStore

__all__ = ["JournalStorage", "KeyedTable", "StationTables", "SummaryIndex", "station_tables"]


class KeyedTable(Table):
    """A TinyDB table whose document ids are the store's string keys (``"01"``, ``"station"``): insert with
    ``Document(doc, doc_id=key)``; ``table.get(doc_id="01")``."""

    document_id_class = str  # type: ignore[assignment]  # TinyDB types document ids as int; KeyedTable's are the store's str keys


class JournalStorage(Storage):
    """TinyDB ``Storage`` over store collections (see the module docstring): ``read`` gives
    ``{collection: {key: document}}``, ``write`` commits the difference in one transaction."""

    def __init__(self, store: StationStore, collections: Iterable[str], *, actor: str = "system") -> None:
        self.store = store
        self.collections = tuple(collections)
        self.actor, self.action = actor, "tinydb.write"
        self._acting = threading.RLock()

    @contextmanager
    def acting(self, actor: str, action: str) -> Iterator[None]:
        """Writes inside the block are audited as ``action`` by ``actor`` (one writer at a time)."""
        with self._acting:
            before = self.actor, self.action
            self.actor, self.action = actor, action
            try:
                yield
            finally:
                self.actor, self.action = before

    def read(self) -> dict[str, dict[str, Any]]:
        return {c: dict(self.store.items(c)) for c in self.collections}

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        unknown = set(data) - set(self.collections)
        if unknown:
            raise ValueError(f"tables not backed by this storage: {sorted(unknown)}")
        current = self.read()
        with self.store.transaction(actor=self.actor, action=self.action) as tx:
            for coll in self.collections:
                new, old = data.get(coll, {}), current.get(coll, {})
                for key, doc in new.items():
                    if old.get(key) != doc:
                        tx.put(coll, str(key), dict(doc))
                for key in old.keys() - new.keys():
                    tx.delete(coll, key)

    def close(self) -> None:
        pass


def station_tables(store: StationStore, collections: Iterable[str], *, actor: str = "system") -> TinyDB:
    """A TinyDB database over small store collections, keyed by the store keys (:class:`KeyedTable`)."""
    db = TinyDB(storage=JournalStorage, store=store, collections=collections, actor=actor)
    db.table_class = KeyedTable
    return db


_IDS = "TinyDB types document ids as int; KeyedTable's are the store's str keys"


class StationTables:
    """Small store collections as TinyDB tables, by store key: what the station's settings and workers go
    through. Every write is one store transaction audited as the ``acting`` block says."""

    def __init__(self, store: StationStore, collections: Iterable[str]) -> None:
        self.db = station_tables(store, collections)
        storage = self.db.storage
        assert isinstance(storage, JournalStorage)
        self._storage = storage

    def acting(self, actor: str, action: str) -> AbstractContextManager[None]:
        return self._storage.acting(actor, action)

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        row = self.db.table(table).get(doc_id=key)  # type: ignore[call-overload]  # see _IDS
        return dict(row) if row is not None else None

    def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        self.db.table(table).upsert(Document(dict(doc), doc_id=key))  # type: ignore[arg-type]  # see _IDS

    def delete(self, table: str, key: str) -> None:
        self.db.table(table).remove(doc_ids=[key])  # type: ignore[list-item]  # see _IDS

    def all(self, table: str) -> dict[str, dict[str, Any]]:
        return {str(row.doc_id): dict(row) for row in self.db.table(table).all()}

    def search(self, table: str, cond: QueryLike) -> dict[str, dict[str, Any]]:
        return {str(row.doc_id): dict(row) for row in self.db.table(table).search(cond)}


class SummaryIndex:
    """The summaries of one collection as an in-memory TinyDB table, following the store's commits.

    Rows are the store's own summary dicts, not copies (one copy of 100,000 summaries in memory, not two):
    :meth:`select` hands them out read-only by contract — never change one. :meth:`search` returns TinyDB
    ``Document`` copies with ``_key`` (the store key) added, for callers that want to keep or change them.
    TinyDB's query cache is off: a cached answer would be a copy of up to every row.

    Thread-safe: queries and the store's commit notifications may come from any thread (a commit only marks
    keys, under a lock of its own, so the store's mutex and the table's lock are never taken in opposite
    orders). Changed rows are applied in place at the next query, so a batch of commits costs what it
    changed, not a copy of the table.
    """

    def __init__(self, store: StationStore, collection: str) -> None:
        self.store = store
        self.collection = collection
        self._lock = threading.Lock()  # the TinyDB table (held while syncing and querying)
        self._dirty_lock = threading.Lock()  # only the set of changed keys: taken inside the store's commit
        self._db = TinyDB(storage=MemoryStorage)
        self._db.table_class = KeyedTable
        self._table: Table = self._db.table(collection, cache_size=0)
        self._dirty: set[str] = set()
        self._loaded = False
        self._version = 0
        store.on_commit(self._changed)

    def _changed(self, changes: Iterable[tuple[str, str]]) -> None:
        keys = {k for c, k in changes if c == self.collection}
        if keys:
            with self._dirty_lock:
                self._dirty |= keys

    def reload(self) -> None:
        """Read every summary again at the next query (after the store was locked and unlocked)."""
        with self._lock:
            self._loaded = False

    def _rows(self) -> dict[str, Mapping[str, Any]]:
        tables = self._db.storage.read() or {}
        rows: dict[str, Mapping[str, Any]] = tables.setdefault(self.collection, {})
        return rows

    def _sync(self) -> None:
        """(Under the lock.) Load everything once, then apply the keys changed since, in place."""
        if not self._loaded:
            with self._dirty_lock:
                self._dirty = set()  # everything is read now, and later commits mark again
            self._db.storage.write({self.collection: self.store.summaries(self.collection)})
            self._table.clear_cache()
            self._loaded = True
            self._version += 1
            return
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
        if not dirty:
            return
        rows = self._rows()
        for key in dirty:
            meta = self.store.summary(self.collection, key)
            if meta is None:
                rows.pop(key, None)
            else:
                rows[key] = meta
        self._table.clear_cache()
        self._version += 1

    def version(self) -> int:
        """A number that changes whenever a row does (after applying the commits made since the last
        query): what a caller keys a derived structure by (a sorted order, a count)."""
        with self._lock:
            self._sync()
            return self._version

    def select(
        self, cond: QueryLike | None = None, keys: Iterable[str] | None = None
    ) -> list[tuple[str, Mapping[str, Any]]]:
        """(key, row) of the rows matching a TinyDB ``Query`` (or any ``row -> bool``; ``None``: all), among
        ``keys`` when given. No copies: the rows are the store's summaries, read-only."""
        with self._lock:
            self._sync()
            rows = self._rows()
            pairs: Iterable[tuple[str, Mapping[str, Any]]] = (
                rows.items() if keys is None else [(k, rows[k]) for k in keys if k in rows]
            )
            if cond is None:
                return list(pairs)
            return [(k, r) for k, r in pairs if cond(r)]

    def count(self, cond: QueryLike | None = None) -> int:
        with self._lock:
            self._sync()
            return len(self._rows()) if cond is None else sum(1 for r in self._rows().values() if cond(r))

    def search(self, cond: QueryLike) -> list[Document]:
        """Rows matching a TinyDB ``Query`` (or any ``row -> bool``), as copies with ``_key`` added."""
        return [Document({**r, "_key": k}, doc_id=k) for k, r in self.select(cond)]  # type: ignore[arg-type]  # see _IDS

    def all(self) -> list[Document]:
        return [Document({**r, "_key": k}, doc_id=k) for k, r in self.select()]  # type: ignore[arg-type]  # see _IDS

    def get(self, key: str) -> Document | None:
        found = self.select(keys=[key])
        if not found:
            return None
        k, r = found[0]
        return Document({**r, "_key": k}, doc_id=k)  # type: ignore[arg-type]  # see _IDS

    def __len__(self) -> int:
        return self.count()
