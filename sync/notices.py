"""一次性告知 and 不予受理 records on their way to the district (告知与不予受理记录 → 区中心).

The station writes a :class:`casework.notices.NoticeReport` with :func:`enqueue` in the same commit that
records the notice or refusal (collection ``notice_outbox``, key = the notice case id: a newer version of the
same notice, e.g. once the resident came back and the case was accepted, replaces the waiting one). The sync
engine sends what waits in the ``push_notices`` stage (``POST /api/v1/notices``); the center answers with the
``(id, version)`` pairs it holds, and :class:`sync.local.StationSyncStore` forgets each entry the center holds
at that version or newer, and records the center's confirmation of a refusal (final) for retention. No scan
travels with a report.

    enqueue(tx, report_of(case))       # inside the station's transaction
"""

from __future__ import annotations

from typing import Any, Protocol

from casework.notices import NoticeReport
from storage.retention import NOTICE_OUTBOX

__all__ = ["NOTICE_OUTBOX", "enqueue"]


class _Tx(Protocol):
    def get(self, collection: str, key: str) -> Any: ...

    def put(self, collection: str, key: str, doc: dict[str, Any]) -> None: ...


def enqueue(tx: _Tx, report: NoticeReport) -> None:
    """Queue ``report`` for the center (a newer version replaces a waiting older one, never the reverse)."""
    waiting = tx.get(NOTICE_OUTBOX, report.id)
    if isinstance(waiting, dict) and int(waiting.get("version", 0)) >= report.version:
        return
    tx.put(NOTICE_OUTBOX, report.id, report.to_dict())
