"""Station <-> district center protocol (message shapes, canonical encoding, signatures) and the sync engine.

The public API for the station app (see docs/sync.md)::

    from sync import start_background_sync, enqueue, StatusBoard, SyncStatus
    background = start_background_sync(store)      # after unlock; NotEnrolled before enrollment
    background.board.subscribe(on_status)          # SyncStatus snapshots (called on the sync thread)
    background.sync_now()                          # "立即同步"
    with store.transaction(actor=...) as tx:       # the intake service's own commit
        tx.put("cases", case.id, case.to_dict())
        enqueue(tx, case.to_dict())

Names are loaded lazily, so ``import sync.protocol`` (all the district center needs) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "BackgroundSync",
    "NotEnrolled",
    "StatusBoard",
    "SyncError",
    "SyncReport",
    "SyncScheduler",
    "SyncService",
    "SyncStatus",
    "enqueue",
    "enroll_station",
    "export_bundle",
    "import_answer",
    "parse_enrollment",
    "rejected",
    "resend",
    "start_background_sync",
]

_WHERE = {
    "BackgroundSync": "sync.runtime",
    "start_background_sync": "sync.runtime",
    "NotEnrolled": "sync.errors",
    "SyncError": "sync.errors",
    "StatusBoard": "sync.status",
    "SyncStatus": "sync.status",
    "SyncReport": "sync.engine_core",
    "SyncScheduler": "sync.scheduler",
    "SyncService": "sync.service",
    "enqueue": "sync.outbox",
    "rejected": "sync.outbox",
    "resend": "sync.outbox",
    "enroll_station": "sync.enrollment",
    "parse_enrollment": "sync.enrollment",
    "export_bundle": "sync.bundle",
    "import_answer": "sync.bundle",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'sync' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
