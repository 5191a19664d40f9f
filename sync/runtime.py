"""Wiring for the station process: from an unlocked store to a running background sync.

The station app (UI) does, once the store is unlocked::

    from sync.runtime import start_background_sync
    sync = start_background_sync(store)          # SyncService + SyncScheduler, already started
    sync.board.subscribe(on_status)              # SyncStatus snapshots, on the sync thread
    sync.sync_now()                              # the "立即同步" button (returns a Future)
    ...
    sync.stop()                                  # at shutdown / lock

and the intake service enqueues accepted cases with :func:`sync.outbox.enqueue` inside its own transaction.
A station that is not enrolled yet gets :class:`sync.errors.NotEnrolled` from ``start_background_sync``.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync.engine_core import SyncReport
from sync.local import StationSyncStore, load_identity
from sync.service import SyncService
from sync.status import StatusBoard

if TYPE_CHECKING:  # APScheduler is imported only by processes that schedule (not by `sync --once`)
    from sync.scheduler import SyncScheduler

DEFAULT_INTERVAL = 300.0
DEFAULT_PROBE_INTERVAL = 20.0

__all__ = ["BackgroundSync", "build_service", "open_unlocked", "start_background_sync"]


@dataclass
class BackgroundSync:
    service: SyncService
    scheduler: SyncScheduler

    @property
    def board(self) -> StatusBoard:
        return self.service.board

    def sync_now(self) -> Future[SyncReport | None]:
        return self.scheduler.sync_now()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)
        self.service.close()


def build_service(store: Any, *, board: StatusBoard | None = None, **kwargs: Any) -> SyncService:
    """A :class:`SyncService` for an unlocked, enrolled station store."""
    return SyncService(StationSyncStore(store), load_identity(store), board=board, **kwargs)


def start_background_sync(
    store: Any,
    *,
    board: StatusBoard | None = None,
    interval: float = DEFAULT_INTERVAL,
    probe_interval: float = DEFAULT_PROBE_INTERVAL,
    **kwargs: Any,
) -> BackgroundSync:
    from sync.scheduler import SyncScheduler

    service = build_service(store, board=board, **kwargs)
    scheduler = SyncScheduler(service, interval=interval, probe_interval=probe_interval)
    scheduler.start()
    return BackgroundSync(service, scheduler)


def open_unlocked(data_dir: str | Path, admin_secret_file: str | None = None) -> Any:
    """Open the station store in ``data_dir`` and unlock it as admin (headless commands). The admin password
    comes from ``admin_secret_file``, ``$STATION_ADMIN_SECRET_FILE``, ``$STATION_ADMIN_SECRET`` or a
    prompt — the same sources as ``station-app init``."""
    from storage import StationStore
    from storage.station_secret import admin_secret

    store = StationStore.open(data_dir)
    try:
        store.unlock_admin(admin_secret(admin_secret_file))
    except BaseException:
        store.close()
        raise
    return store
