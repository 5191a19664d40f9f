"""What the sync page shows from the store: the queue (outbox, refused cases), the center's notices and the
last catalog and calendar changes, read in one place so the view-model only words them.

The notices come from the sync engine's inbox (``sync.inbox``): unread 补正 / decision / result notices first
(they are kept until a worker has seen them), then the latest of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: How many notices the sync page lists.
NOTICES_SHOWN = 20


@dataclass
class Notice:
    key: str
    doc: dict[str, Any]
    unread: bool
    case_number: str


@dataclass
class QueueSnapshot:
    """The store's side of the sync page (empty when the store is locked)."""

    unlocked: bool = False
    pending: int = 0
    catalog_version: int = 0
    catalog_change: dict[str, Any] = field(default_factory=dict)
    calendar_notice: dict[str, Any] = field(default_factory=dict)
    outbox: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    unread_notices: int = 0


def _unlocked_store(station: Any) -> Any:
    store = station.store
    return store if store is not None and store.is_unlocked else None


def snapshot(station: Any, *, with_queue: bool = False) -> QueueSnapshot:
    """The counts (always) and, ``with_queue``, the queued and refused cases and the notices."""
    store = _unlocked_store(station)
    if store is None:
        return QueueSnapshot()
    snap = QueueSnapshot(
        unlocked=True,
        pending=store.count("outbox"),
        catalog_version=station.catalog_version(),
        catalog_change=store.get("settings", "catalog_changes") or {},
        calendar_notice=store.get("sync_state", "calendar_notice") or {},
    )
    if not with_queue:
        return snap
    snap.outbox = list(store.items("outbox"))
    snap.rejected = list(store.items("outbox_rejected"))
    from sync.inbox import is_unread_notice

    inbox = sorted(store.items("sync_inbox"), reverse=True)
    unread = [(k, d) for k, d in inbox if is_unread_notice(d)]
    seen = [(k, d) for k, d in inbox if not is_unread_notice(d)]
    shown = [(k, d, True) for k, d in unread[:NOTICES_SHOWN]]
    shown += [(k, d, False) for k, d in seen[: max(0, NOTICES_SHOWN - len(unread))]]
    snap.unread_notices = len(unread)
    snap.notices = [Notice(k, d, flag, _case_number(store, d)) for k, d, flag in shown]
    return snap


def mark_notices_seen(station: Any, keys: list[str], actor: str) -> int:
    """Record that the worker has seen these notices, so the sync engine may prune them once they age.
    Returns how many changed."""
    from sync.inbox import mark_read

    store = _unlocked_store(station)
    if not keys or store is None:
        return 0
    with store.transaction(actor=actor, action="inbox.read") as tx:
        return mark_read(tx, keys)


def _case_number(store: Any, event: dict[str, Any]) -> str:
    """The case number a worker recognises (the event carries the case id)."""
    case_id = str(event.get("case_id", ""))
    case = store.get("cases", case_id) if case_id else None
    return str(case.get("number")) if case else case_id[:13]
