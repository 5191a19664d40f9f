"""The station's failed-query log on its way to the district (未找到的搜索 → 区中心).

The station app records a :class:`casework.search_log.SearchMiss` with :func:`record` (one durable commit in
the encrypted store, collection ``search_log``, key = the miss id); the sync engine sends what is waiting in
the ``push_search_log`` stage (``POST /api/v1/search-misses``) and :class:`sync.local.StationSyncStore`
forgets every record the center answered for — stored, already stored, or refused as malformed (resending
could not help)::

    record(store, miss, actor="worker:02")      # from a worker thread; never on the UI loop

At most :data:`MAX_PENDING` records wait: a station offline for months keeps the newest ones and drops the
oldest, so the log can never crowd out cases in the store.
"""

from __future__ import annotations

from typing import Any, Protocol

from casework.search_log import SearchMiss

__all__ = ["MAX_PENDING", "SEARCH_LOG", "record"]

SEARCH_LOG = "search_log"
MAX_PENDING = 2000


class _Store(Protocol):
    def transaction(self, actor: str = ..., action: str = ...) -> Any: ...

    def keys_of(self, collection: str) -> list[str]: ...


def record(store: _Store, miss: SearchMiss, *, actor: str) -> None:
    """Keep ``miss`` until the next sync delivers it (dropping the oldest beyond :data:`MAX_PENDING`)."""
    keys = sorted(store.keys_of(SEARCH_LOG))  # UUIDv7 ids: oldest first
    with store.transaction(actor=actor, action="search.miss") as tx:
        for old in keys[: max(0, len(keys) - MAX_PENDING + 1)]:
            tx.delete(SEARCH_LOG, old)
        tx.put(SEARCH_LOG, miss.id, miss.to_dict())
