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
from sync.status import StatusBoard

log = logging.getLogger(__name__)
RETENTION_INTERVAL = 6 * 3600.0
RETENTION_FIRST_DELAY = 20.0
#: the start-up passphrase's KDF waits this long after the first screen is sent: the browser is still
#: painting it then and shares the CPUs (a sign-in before that starts the KDF at once)
BOOT_DELAY = 2.0
WARM_UP_DELAY = 5.0
#: what :meth:`StationRuntime.warm_up` loads after the first screen is shown
_WARM_MODULES = (
    "casework.guide_search",
    "sync.runtime",
    "sync.bundle",
    "station_app.pdf",
    "station_app.screens.home",
    "station_app.screens.cases",
    "station_app.screens.guide",
    "station_app.screens.intake",
    "station_app.screens.sync_page",
    "station_app.screens.settings",
    "station_app.screens.kiosk",
)


def prepare_runtime_dirs(config: AppConfig) -> None:
    """``web/`` as this version serves it, and an empty ``uploads/`` (uploads are plaintext scans in transit:
    nothing from a previous run may stay)."""
    prepare_web_dir(config.web_dir)
    uploads = config.data_dir / "uploads"
    shutil.rmtree(uploads, ignore_errors=True)
    uploads.mkdir(parents=True, exist_ok=True)


def prepare_runtime_dirs_in_background(config: AppConfig) -> threading.Thread:
    """The same on a thread (reading and comparing 20 MB of client and fonts overlaps the start-up imports);
    join it before serving."""
    thread = threading.Thread(target=prepare_runtime_dirs, args=(config,), name="web-dir", daemon=True)
    thread.start()
    return thread


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
    # None: sync.runtime's defaults (the sync engine and httpx load when sync starts, not at start-up)
    sync_interval: float | None = None
    probe_interval: float | None = None

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
        self._warmed = False
        self._retention: threading.Thread | None = None
        self.compactor: Any = None  # storage.compactor.BackgroundCompactor once unlocked
        self.station.on_unlocked(self.start_sync)
        self.station.on_unlocked(self.start_retention)
        self.station.on_unlocked(self.start_compactor)

    # -- sync ----------------------------------------------------------------------------------------------
    def start_sync(self) -> bool:
        """Start the background sync once the store is unlocked and the station is enrolled. Idempotent."""
        from sync.runtime import DEFAULT_INTERVAL, DEFAULT_PROBE_INTERVAL, start_background_sync

        with self._sync_lock:
            if self.background is not None:
                return True
            store = self.station.store
            if store is None or not store.is_unlocked or self.station.identity() is None:
                return False
            self._catalog_version = self.station.catalog_version()
            self.background = start_background_sync(
                store,
                board=self.board,
                interval=self.sync_interval or DEFAULT_INTERVAL,
                probe_interval=self.probe_interval or DEFAULT_PROBE_INTERVAL,
            )
            log.info("sync scheduler started")
            return True

    # -- retention (到期清理) -------------------------------------------------------------------------------
    def start_retention(self, every_seconds: float = RETENTION_INTERVAL) -> None:
        """Purge closed cases the district confirmed, after the station's retention days (storage.retention),
        soon after unlocking and then every few hours, on a daemon thread (never the UI loop)."""
        if self._retention is not None:
            return

        def loop() -> None:
            # not at the very moment of the sign-in: the home screen is being counted then
            self._stop.wait(RETENTION_FIRST_DELAY)
            while not self._stop.is_set():
                self.purge_now()
                self._stop.wait(every_seconds)

        self._retention = threading.Thread(target=loop, name="retention", daemon=True)
        self._retention.start()

    # -- compaction and index checkpoints (storage.compactor) ---------------------------------------------
    def start_compactor(self) -> None:
        """Keep the journal compact and the index checkpoint fresh on a daemon thread, off the UI's path;
        before a compaction, tombstones past their horizon are dropped. Idempotent."""
        from storage.compactor import BackgroundCompactor
        from storage.retention import drop_old_tombstones

        store = self.station.store
        if self.compactor is not None or store is None or not store.is_unlocked:
            return
        self.compactor = BackgroundCompactor(store, prepare=lambda: drop_old_tombstones(store))
        self.compactor.start()

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
    def open(cls, config: AppConfig, *, boot_in_background: bool = False) -> StationRuntime:
        """``boot_in_background``: the station passphrase from the environment opens the device secret on a
        thread once the first screen is up (the KDF takes a few hundred milliseconds of both CPUs), so
        serving and the browser's start need not wait for it; the first sign-in waits if it is not done."""
        config.data_dir.mkdir(parents=True, exist_ok=True)
        station = StationService(config.data_dir, boot_in_background=boot_in_background)
        if boot_in_background:  # no browser came within a few seconds: open it anyway
            timer = threading.Timer(10.0, station.start_boot)
            timer.name, timer.daemon = "boot-anyway", True
            timer.start()
        return cls(config=config, station=station)

    def first_screen_shown(self) -> None:
        """A browser has its first screen: open the device secret with the start-up passphrase shortly (the
        KDF takes the CPUs for a moment: not while that screen is being drawn), then :meth:`warm_up`."""
        timer = threading.Timer(BOOT_DELAY, self.station.start_boot)
        timer.name, timer.daemon = "boot-later", True
        timer.start()
        self.warm_up()

    def warm_up(self) -> None:
        """Once per process, off the event loop and after the first screen is up: load what the next
        screens need (the guide's pinyin index, the sync engine, PDF fonts, every screen's module), so the
        first worker who opens them does not wait for imports."""
        with self._sync_lock:
            if self._warmed:
                return
            self._warmed = True

        def work() -> None:
            import importlib

            for name in _WARM_MODULES:
                try:
                    importlib.import_module(name)
                except Exception:  # warming is an optimisation: never a failure
                    log.debug("warm-up import of %s failed", name, exc_info=True)

        # a few seconds later: the browser is still drawing the first screen, and it shares the CPUs
        timer = threading.Timer(WARM_UP_DELAY, work)
        timer.name, timer.daemon = "warm-up", True
        timer.start()

    @property
    def upload_dir(self) -> Path:
        return self.config.data_dir / "uploads"

    def prepare_web_dir(self, ready: threading.Thread | None = None) -> None:
        """Create the served assets dir (:func:`station_app.services.webdir.prepare_web_dir`) and empty the
        uploads dir. Documents are served from memory; a document dir left by an older version (which wrote
        receipts there) goes with every other stray file of ``web/``. ``ready``: a thread already doing it
        (:func:`prepare_runtime_dirs_in_background`), waited for instead."""
        if ready is not None:
            ready.join()
            return
        prepare_runtime_dirs(self.config)

    def close(self) -> None:
        self._stop.set()
        if self.compactor is not None:
            self.compactor.stop()
        if self.background is not None:
            self.background.stop()
        self.documents.clear()
        self.station.close()
