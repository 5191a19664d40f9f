"""未找到的搜索: record the guide searches that found nothing (or only loose matches) for the district.

The record holds the scrubbed query only (``casework.search_log``: ID-like and phone-like digits removed),
where it was typed (desk / kiosk) and the catalog version, never the worker or a case; it is stored in the
encrypted store and leaves with the next sync (``sync.search_log``). Blocking (one durable commit): call
from a thread.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from casework import clock
from casework.search_log import new_miss
from station_app.services.station import StationService
from storage.errors import StorageError
from sync import search_log

if TYPE_CHECKING:  # the guide search loads pypinyin (a second): not before the first screen
    from casework.guide_search import SearchResult

log = logging.getLogger(__name__)


class SearchLogService:
    def __init__(self, station: StationService) -> None:
        self.station = station

    def record(self, result: SearchResult, *, source: str, actor: str) -> bool:
        """Keep ``result``'s query when it found nothing or only loose matches; True when recorded. A locked
        store or a failed write loses the record (logged without the query), never the search."""
        store = self.station.store
        if store is None or not store.is_unlocked:
            return False
        miss = new_miss(
            result.query,
            result.outcome,
            source=source,
            catalog_version=self.station.catalog_version(),
            at=clock.now(),
        )
        if miss is None:
            return False
        try:
            search_log.record(store, miss, actor=actor)
        except StorageError:
            log.exception("could not record a failed search (%s)", miss.result)
            return False
        return True

    def pending(self) -> int:
        """Records waiting for the next sync."""
        store = self.station.store
        if store is None or not store.is_unlocked:
            return 0
        return store.count(search_log.SEARCH_LOG)
