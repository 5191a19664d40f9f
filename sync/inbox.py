"""The worker's notices from the center (``sync_inbox``): every applied feed event, pruned as it ages.

Each feed event is kept under its zero-padded ``seq`` with ``read: False``. Events the worker must act
on (:data:`NOTICE_TYPES`: 补齐补正, decisions, results, 通办 in/out, 差评回访, promised dates the center
moved) stay until the worker has seen them (:func:`mark_read`); everything else — and read notices — is
removed once older than :data:`KEEP_DAYS` days or beyond the newest :data:`CAP` entries (:func:`prune`, run
by the sync engine in the commit that applies a feed page). Times compared are the center's event times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sync.apply import utc_time

__all__ = ["CAP", "INBOX", "KEEP_DAYS", "NOTICE_TYPES", "is_unread_notice", "mark_read", "prune"]

INBOX = "sync_inbox"
KEEP_DAYS = 90
CAP = 2000
NOTICE_TYPES = frozenset(
    {
        "supplement_requested",
        "decided",
        "result_ready",
        "routed_in",
        "routed_out",
        "followup_opened",
        "deadline_changed",
    }
)


class _Tx(Protocol):
    def get(self, collection: str, key: str) -> dict[str, Any] | None: ...

    def put(self, collection: str, key: str, doc: dict[str, Any]) -> None: ...

    def delete(self, collection: str, key: str) -> None: ...


def is_unread_notice(doc: dict[str, Any]) -> bool:
    return doc.get("type") in NOTICE_TYPES and doc.get("read") is not True


def prune(
    tx: _Tx, keys: Sequence[str], now: dt.datetime, *, days: int = KEEP_DAYS, cap: int = CAP, adding: int = 0
) -> int:
    """Delete inbox entries (``keys``: the stored ones, oldest first) older than ``days`` or beyond the
    newest ``cap`` (counting ``adding`` entries about to be written), except unread notices. Reads from the
    oldest end and stops at the first entry that is young and within the cap. Returns how many went."""
    cutoff = now - dt.timedelta(days=days)
    excess = len(keys) + adding - cap
    removed = 0
    for index, key in enumerate(keys):
        doc = tx.get(INBOX, key)
        if doc is None:
            continue
        at = utc_time(doc.get("at"))
        old = at is None or at < cutoff
        if not old and index >= excess:
            break
        if is_unread_notice(doc):
            continue
        tx.delete(INBOX, key)
        removed += 1
    return removed


def mark_read(tx: _Tx, keys: Iterable[str]) -> int:
    """Mark notices as seen by the worker (the station UI, in its own transaction); returns how many
    changed. Read notices are pruned like any other entry."""
    changed = 0
    for key in keys:
        doc = tx.get(INBOX, key)
        if doc is not None and doc.get("read") is not True:
            tx.put(INBOX, key, {**doc, "read": True})
            changed += 1
    return changed
