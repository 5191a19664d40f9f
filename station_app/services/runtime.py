"""Process-wide state of a running station: configuration, the station service, the web directory.

Built once per process by ``station-app serve``/``demo`` and shared by every browser session.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station_app.config import AppConfig
from station_app.services.bundles import BundleService
from station_app.services.cases import CaseService
from station_app.services.documents import DocumentOutbox
from station_app.services.search_log import SearchLogService
from station_app.services.station import StationService
from station_app.services.webdir import prepare_web_dir
from sync.runtime import DEFAULT_INTERVAL, DEFAULT_PROBE_INTERVAL
from sync.status import StatusBoard

log = logging.getLogger(__name__)
RETENTION_INTERVAL = 6 * 3600.0


@dataclass
class StationRuntime:
    config: AppConfig
    station: StationService
    documents: DocumentOutbox = field(init=False)
    cases: CaseService = field(init=False)
    search_log: SearchLogService = field(init=False)
    bundles: BundleService = field(init=False)
    board: StatusBoard = field(init=False)
    background: Any = None  # sync.runtime.BackgroundSync once enrolled and unlocked
    sync_interval: float = DEFAULT_INTERVAL
    probe_interval: float = DEFAULT_PROBE_INTERVAL

    def __post_init__(self) -> None:
        self.documents = DocumentOutbox()
        self.cases = CaseService(self.station)
        self.search_log = SearchLogService(self.station)
        self.bundles = BundleService(self.station, self.config.data_dir / "tmp")
        self.board = StatusBoard()
        self._sync_lock = threading.Lock()
        self._catalog_version = -1
        self.board.subscribe(self._on_status)
        self._stop = threading.Event()
        self._retention: threading.Thread | None = None
        self.station.on_unlocked(self.start_sync)
        self.station.on_unlocked(self.start_retention)

    # -- sync ----------------------------------------------------------------------------------------------
    def start_sync(self) -> bool:
        """Start the background sync once the store is unlocked and the station is enrolled. Idempotent."""
        from sync.runtime import start_background_sync

        with self._sync_lock:
            if self.background is not None:
                return True
            store = self.station.store
            if store is None or not store.is_unlocked or self.station.identity() is None:
                return False
            self._catalog_version = self.station.catalog_version()
            self.background = start_background_sync(
                store, board=self.board, interval=self.sync_interval, probe_interval=self.probe_interval
            )
            log.info("sync scheduler started")
            return True

    # -- retention (到期清理) -------------------------------------------------------------------------------
    def start_retention(self, every_seconds: float = RETENTION_INTERVAL) -> None:
        """Purge closed cases the district confirmed, after the station's retention days (storage.retention),
        now and then every few hours, on a daemon thread (never the UI loop)."""
        if self._retention is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                self.purge_now()
                self._stop.wait(every_seconds)

        self._retention = threading.Thread(target=loop, name="retention", daemon=True)
        self._retention.start()

    def purge_now(self) -> Any:
        from storage.retention import purge_expired

        store = self.station.store
        if store is None or not store.is_unlocked:
            return None
        days = int(self.station.settings().get("retention_days") or 365)
        try:
            return purge_expired(store, days=days)
        except Exception:  # a failed purge is retried next time; it must never stop the station
            log.exception("retention purge failed")
            return None

    def sync_now(self) -> Any:
        if not self.start_sync():
            return None
        return self.background.sync_now()

    def enroll(self, center_url: str, code: str, *, actor: str) -> Any:
        """注册: bind this station to its district center (``sync.enrollment``), then start syncing."""
        from sync.enrollment import enroll_station, parse_enrollment

        url, code = parse_enrollment(center_url, code)
        result = enroll_station(
            self.station.unlocked_store, url, code, station_name=self.station.station_name()
        )
        self.station.save_settings({"center_url": url}, actor=actor)
        self.start_sync()
        return result

    def _on_status(self, status: Any) -> None:
        # Runs on the sync thread: only invalidate caches here; screens re-read on their own loop.
        if not status.running and self.station.store is not None and self.station.store.is_unlocked:
            version = self.station.catalog_version()
            if version != self._catalog_version:
                self._catalog_version = version
                old = self.station.cached_catalog()
                self.station.catalog_changed()
                self.record_catalog_change(old)

    def record_catalog_change(self, old: Any) -> None:
        """Keep "what changed" in the last catalog update for the sync page (settings/catalog_changes)."""
        from casework.catalog import diff

        new = self.station.catalog()
        if old is None or new is None or old.version == new.version:
            return
        change = diff(old, new)
        names = [c.name for c in change.changed_items][:20]
        cancelled = [new.item(c).name for c in change.cancelled_items if new.has_item(c)][:20]
        added = [new.item(c).name for c in change.added_items if new.has_item(c)][:20]
        doc = {
            "summary": change.summary(),
            "changed": names,
            "cancelled": cancelled,
            "added": added,
            "version": new.version,
        }
        with self.station.unlocked_store.transaction(actor="sync", action="catalog.change_noted") as tx:
            tx.put("settings", "catalog_changes", doc)

    @classmethod
    def open(cls, config: AppConfig) -> StationRuntime:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(config=config, station=StationService(config.data_dir))

    @property
    def upload_dir(self) -> Path:
        return self.config.data_dir / "uploads"

    def prepare_web_dir(self) -> None:
        """Create the served assets dir (:func:`station_app.services.webdir.prepare_web_dir`) and empty the
        uploads dir. Documents are served from memory; a document dir left by an older version (which wrote
        receipts there) goes with every other stray file of ``web/``."""
        prepare_web_dir(self.config.web_dir)
        # Uploads are plaintext scans in transit: nothing from a previous run may stay.
        shutil.rmtree(self.upload_dir, ignore_errors=True)
        self.upload_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        self._stop.set()
        if self.background is not None:
            self.background.stop()
        self.documents.clear()
        self.station.close()
