"""The station as the UI sees it: set-up, boot unlock, workers, settings, catalog and guide index.

Plain Python over :class:`storage.store.StationStore`; every method may block (Argon2id, fsync), so screens
call them through ``asyncio.to_thread``. Collections the station app owns in the store:

``settings/station``  name, area, language, font scale, idle lock, retention, center URL
``workers/<id>``      name and role (``admin``/``worker``) of each PIN slot
``drafts/<id>``       intake drafts (受理 in progress), encrypted like everything else

Unlock model: the store's data key stays in process memory once a worker or the admin has unlocked it
(the sync scheduler needs it too); each browser session still asks its worker for a PIN, verified against
that worker's key slot, and forgets the worker on idle lock.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework import clock
from casework.catalog import Catalog
from casework.samples import sample_catalog_dict
from station_app import i18n
from station_app.config import DEFAULT_IDLE_LOCK_SECONDS, DEFAULT_KIOSK_RESET_SECONDS
from station_app.services.workers import Worker
from storage.crypto import KdfParams
from storage.errors import StationSecretRequired, StorageError, UnknownSlot
from storage.fsutil import DirectoryLock
from storage.store import KEYS_FILE, StationStore
from storage.tinydb_layer import StationTables, SummaryIndex

if TYPE_CHECKING:  # pypinyin (a quarter of a second to load) comes with it: loaded when the guide is used
    from casework.guide_search import GuideIndex

DEFAULT_SETTINGS: dict[str, Any] = {
    "language": "zh_CN",
    "font_scale": 1.0,
    "idle_lock_seconds": DEFAULT_IDLE_LOCK_SECONDS,
    "retention_days": 365,
    "center_url": "",
    "station_name": "",
    "area": "",
}
CATALOG_COLLECTION = "catalog"
CATALOG_KEY = "current"
SMALL_COLLECTIONS = ("settings", "workers")


class StationService:
    def __init__(
        self, data_dir: Path, store: StationStore | None = None, *, boot_in_background: bool = False
    ) -> None:
        self.data_dir = data_dir
        self._lock = threading.RLock()
        self._settings: dict[str, Any] = dict(DEFAULT_SETTINGS)
        self._names: dict[str, Worker] = {}
        self._catalog: Catalog | None = None
        self._index: GuideIndex | None = None
        self.store: StationStore | None = store
        self._unlock_hooks: list[Callable[[], Any]] = []
        self._tables_: StationTables | None = None  # settings and workers through TinyDB, from unlock on
        self._summaries: SummaryIndex | None = None  # the cases' summaries as a TinyDB table, from unlock on
        # One process owns the data directory from start-up, set up or not: a second one is refused at once
        # (StoreBusy), never a second set-up of the same directory.
        self._dir_lock: DirectoryLock | None = None
        if store is None and not (data_dir / KEYS_FILE).exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            self._dir_lock = DirectoryLock(data_dir)
            self._dir_lock.acquire()
        self._boot: threading.Thread | None = None
        if store is None and (data_dir / KEYS_FILE).exists():
            self.store = StationStore.open(data_dir)
            _register_summarizers(self.store)  # before unlocking: every commit from here on stores them
            passphrase = _env_passphrase()
            if passphrase and boot_in_background:
                # started by start_boot() once the first screen is up (the KDF would take the CPUs from
                # the browser drawing it), or by the first sign-in, whichever comes first
                self._boot = threading.Thread(
                    target=self._boot_with, args=(self.store, passphrase), name="station-boot", daemon=True
                )
            elif passphrase:
                self.store.unlock_station(passphrase)
        if self.store is not None and self.store.is_unlocked:
            self._after_unlock()

    @property
    def _tables(self) -> StationTables:
        if self._tables_ is None:
            raise StationSecretRequired()
        return self._tables_

    # -- state ---------------------------------------------------------------------------------------------
    def is_set_up(self) -> bool:
        return self.store is not None

    def _boot_with(self, store: StationStore, passphrase: str) -> None:
        try:
            store.unlock_station(passphrase)
        except Exception:  # a wrong or stale passphrase file: the admin types it at the unlock screen
            logging.getLogger(__name__).warning("the station passphrase from the environment did not open")

    def start_boot(self) -> None:
        """Start opening the device secret with the passphrase given at start-up (``boot_in_background``).
        Idempotent; a no-op without one."""
        with self._lock:
            boot = self._boot
            if boot is not None and boot.ident is None:
                boot.start()

    def wait_booted(self) -> None:
        """Open the device secret with the passphrase given at start-up, if that has not happened yet, and
        wait for it (blocking: call from a thread)."""
        self.start_boot()
        boot = self._boot
        if boot is not None:
            boot.join()

    def needs_station_passphrase(self) -> bool:
        """True after a restart until the admin types the station passphrase (or signs in as admin). While
        the passphrase given at start-up is still being checked (``boot_in_background``) the answer is
        no: the unlock screen shows the PIN form at once, and a sign-in waits for the check."""
        boot = self._boot
        if boot is not None and (boot.ident is None or boot.is_alive()):
            return False
        return self.store is not None and not self.store.has_station_secret

    @property
    def unlocked_store(self) -> StationStore:
        if self.store is None or not self.store.is_unlocked:
            raise StationSecretRequired()
        return self.store

    # -- set-up and unlock -----------------------------------------------------------------------------------
    def set_up(
        self,
        *,
        station_name: str,
        area: str,
        admin_name: str,
        admin_secret: str,
        station_passphrase: str,
        admin_pin: str,
        admin_id: str = "01",
        kdf: KdfParams | None = None,
    ) -> Worker:
        """Create the encrypted store, the admin's key slots and worker record; returns the admin worker.
        ``kdf`` is for tests (``KdfParams.insecure_fast()``); stations use the default
        (~200 ms per unlock)."""
        with self._lock:
            store = StationStore.create(
                self.data_dir,
                station_name=station_name,
                admin_secret=admin_secret,
                station_passphrase=station_passphrase,
                kdf=kdf,
                lock=self._dir_lock,
            )
            self._dir_lock = None  # the store holds it now
            _register_summarizers(store)
            store.add_worker(admin_id, admin_pin, actor="admin")
            worker = Worker(admin_id, admin_name, "admin")
            settings = dict(DEFAULT_SETTINGS, station_name=station_name, area=area)
            with store.transaction(actor="admin", action="station.setup") as tx:
                tx.put("settings", "station", settings)
                tx.put("workers", admin_id, {"id": admin_id, "name": admin_name, "role": "admin"})
            self.store = store
            self._after_unlock()
            return worker

    def unlock_station(self, secret: str) -> None:
        """Boot unlock: the station passphrase, or the admin password (which also
        yields the device secret)."""
        assert self.store is not None
        self.wait_booted()
        try:
            self.store.unlock_station(secret)
        except StorageError:
            self.store.unlock_admin(secret)
        if self.store.is_unlocked:
            self._after_unlock()

    def unlock(self, worker_id: str, pin: str) -> Worker:
        """Check a worker's PIN against their key slot; unlocks the store on the first sign-in of a boot."""
        assert self.store is not None
        self.wait_booted()
        worker_id = worker_id.strip()
        if worker_id not in self.store.workers():
            raise UnknownSlot()
        self.store.unlock_worker(worker_id, pin)
        if not self._names:
            self._after_unlock()
        return self._names.get(worker_id) or Worker(worker_id, worker_id)

    def _after_unlock(self) -> None:
        store = self.unlocked_store
        _register_summarizers(store)
        with self._lock:
            if self._summaries is None or self._summaries.store is not store:
                self._summaries = SummaryIndex(store, "cases")
            else:
                self._summaries.reload()  # locked and unlocked again: read the summaries afresh
            # settings and workers are small collections: read and written through TinyDB tables
            self._tables_ = StationTables(store, SMALL_COLLECTIONS)
            saved = self._tables.get("settings", "station") or {}
            self._settings = dict(DEFAULT_SETTINGS) | saved
            self._names = {
                k: Worker(k, str(d.get("name", k)), str(d.get("role", "worker")))
                for k, d in self._tables.all("workers").items()
            }
            i18n.set_language(str(self._settings.get("language", "zh_CN")))
            self._catalog, self._index = None, None
        for hook in list(self._unlock_hooks):
            try:
                hook()
            except Exception:  # sync failing to start must not stop a worker from signing in
                logging.getLogger(__name__).exception("unlock hook failed")

    def case_summaries(self) -> SummaryIndex:
        """The cases' summaries as an in-memory TinyDB table (what lists, tiles and search read)."""
        self.unlocked_store  # noqa: B018  # refuses while locked
        assert self._summaries is not None
        return self._summaries

    def on_unlocked(self, hook: Callable[[], Any]) -> None:
        """Call ``hook`` after every unlock (and now, if already unlocked): starts the sync scheduler."""
        self._unlock_hooks.append(hook)
        if self.store is not None and self.store.is_unlocked:
            hook()

    # -- workers ---------------------------------------------------------------------------------------------
    def workers(self) -> list[Worker]:
        assert self.store is not None
        ids = self.store.workers()
        return [self._names.get(i) or Worker(i, i) for i in sorted(ids)]

    def add_worker(self, worker_id: str, name: str, pin: str, role: str, *, actor: str) -> Worker:
        store = self.unlocked_store
        store.add_worker(worker_id, pin, actor=actor)
        with self._tables.acting(actor, "worker.save"):
            self._tables.put("workers", worker_id, {"id": worker_id, "name": name, "role": role})
        worker = Worker(worker_id, name, role)
        self._names[worker_id] = worker
        return worker

    def remove_worker(self, worker_id: str, *, actor: str) -> None:
        store = self.unlocked_store
        store.remove_worker(worker_id, actor=actor)
        with self._tables.acting(actor, "worker.remove"):
            self._tables.delete("workers", worker_id)
        self._names.pop(worker_id, None)

    def next_worker_id(self) -> str:
        ids = {w.id for w in self.workers()}
        n = 1
        while f"{n:02d}" in ids:
            n += 1
        return f"{n:02d}"

    # -- settings --------------------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._settings)

    def save_settings(self, changes: dict[str, Any], *, actor: str) -> None:
        self.unlocked_store  # noqa: B018  # refuses before anything changes when the store is locked
        with self._lock:
            new = self._settings | changes
            with self._tables.acting(actor, "settings.save"):
                self._tables.put("settings", "station", new)
            self._settings = new
            i18n.set_language(str(new.get("language", "zh_CN")))

    def station_name(self) -> str:
        return str(self._settings.get("station_name", ""))

    def font_scale(self) -> float:
        return float(self._settings.get("font_scale", 1.0))

    def idle_lock_seconds(self) -> int:
        """Idle lock delay: the station setting, unless ``STATION_IDLE_LOCK_SECONDS`` overrides it (tests,
        or a kiosk-heavy station that wants a shorter one than the settings screen offers)."""
        override = os.environ.get("STATION_IDLE_LOCK_SECONDS")
        if override:
            return max(5, int(override))
        return int(self._settings.get("idle_lock_seconds", DEFAULT_IDLE_LOCK_SECONDS))

    def kiosk_reset_seconds(self) -> int:
        """How long a kiosk waits, untouched, before wiping what a resident typed (and 大字): 90 s, unless
        ``STATION_KIOSK_RESET_SECONDS`` overrides it (tests)."""
        override = os.environ.get("STATION_KIOSK_RESET_SECONDS")
        return max(5, int(override)) if override else DEFAULT_KIOSK_RESET_SECONDS

    # -- catalog ---------------------------------------------------------------------------------------------
    def catalog(self) -> Catalog | None:
        """The station's current catalog (as the sync layer or ``demo`` stored it), parsed once."""
        with self._lock:
            if self._catalog is None and self.store is not None and self.store.is_unlocked:
                doc = self.store.get(CATALOG_COLLECTION, CATALOG_KEY)
                if doc is not None:
                    self._catalog = Catalog.from_dict(doc["catalog"])
            return self._catalog

    def guide_index(self) -> GuideIndex | None:
        from casework.guide_search import GuideIndex

        with self._lock:
            if self._index is None:
                catalog = self.catalog()
                if catalog is not None:
                    self._index = GuideIndex(catalog)
            return self._index

    def install_catalog(self, data: dict[str, Any], *, actor: str) -> Catalog:
        """Store a catalog document (used by ``demo`` for the sample catalog; the sync
        layer does the same)."""
        catalog = Catalog.from_dict(data)
        catalog.validate()
        # Same document shape as ``sync.local.StationSyncStore.apply_catalog`` (without an envelope: a sample
        # catalog installed locally is not signed; the first sync replaces it with the district's).
        doc = {"version": catalog.version, "catalog": data, "applied_at": _now(), "source": "local"}
        with self.unlocked_store.transaction(actor=actor, action="catalog.install") as tx:
            tx.put(CATALOG_COLLECTION, CATALOG_KEY, doc)
        self.catalog_changed()
        return catalog

    def identity(self) -> dict[str, Any] | None:
        """What enrollment stored (``sync_state/identity``): station id/no, district, center URL;
        None before."""
        if self.store is None or not self.store.is_unlocked:
            return None
        doc = self.store.get("sync_state", "identity")
        if doc is None:
            return None
        return {k: v for k, v in doc.items() if k != "station_key"}

    def catalog_version(self) -> int:
        doc = (
            self.store.get(CATALOG_COLLECTION, CATALOG_KEY) if self.store and self.store.is_unlocked else None
        )
        return int(doc["version"]) if doc else 0

    def cached_catalog(self) -> Catalog | None:
        """The catalog parsed before the latest invalidation (to diff against the new one)."""
        return self._catalog

    def catalog_changed(self) -> None:
        with self._lock:
            self._catalog, self._index = None, None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        if self._dir_lock is not None:
            self._dir_lock.release()
            self._dir_lock = None


def _now() -> str:

    return clock.iso_z(clock.now())


def _register_summarizers(store: StationStore) -> None:
    from station_app.services.case_index import register_summarizers

    register_summarizers(store)


def _env_passphrase() -> str:
    value = os.environ.get("STATION_PASSPHRASE", "")
    path = os.environ.get("STATION_PASSPHRASE_FILE", "")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    return value


def load_sample_catalog() -> dict[str, Any]:
    return sample_catalog_dict()
