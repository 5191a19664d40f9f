"""The outbox (待上传): case versions waiting for the district center, in the station's encrypted store.

The station's intake service calls :func:`enqueue` **inside the same transaction** that accepts (受理) or
edits the case, so the case and its outbox entry become durable together::

    with store.transaction(actor="worker:w01", action="case.accept") as tx:
        tx.put("cases", case.id, case.to_dict())
        enqueue(tx, case.to_dict())

Collections (documents keyed by case id):

``outbox``            ``{case_id, version, case, attachments, enqueued_at}`` — waiting to be sent
``outbox_rejected``   the same plus ``reason`` / ``rejected_at`` — refused by the center (or undeliverable,
                      e.g. a scan missing locally); shown to the worker, never blocks the queue
``sync_receipts``     ``{case_id, version, status, seq, digest, at}`` — the center's last receipt

Versions on the wire: each enqueue of a case takes ``max(case["version"], last wire version + 1)``, so a
case edited (or re-sent) after any send attempt is always a *new* version the center can tell apart from
the one it may already hold; an entry is replaced in place while waiting, so only the newest content goes.
A case leaves ``outbox`` only on the center's receipt (:class:`sync.local.StationSyncStore`).

Attachments are the blobs the case document references by the one rule of :mod:`casework.blobref` (the
same rule retention keeps scans by and the center's ingest links them by); they are uploaded before the
case. Keys starting with ``_`` are station-local bookkeeping and are not sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from casework import clock
from casework.blobref import blob_refs
from casework.errors import DomainError

if TYPE_CHECKING:  # the protocol's models (pydantic) load with the sync engine, not with the case list
    from sync.protocol import JSONObject

__all__ = [
    "OUTBOX",
    "RECEIPTS",
    "REJECTED",
    "DocReader",
    "DocTx",
    "NotRejected",
    "attachments_of",
    "enqueue",
    "last_wire_version",
    "rejected",
    "resend",
]

OUTBOX = "outbox"
REJECTED = "outbox_rejected"
RECEIPTS = "sync_receipts"


class NotRejected(DomainError, KeyError):
    """:func:`resend` of a case the center has not refused (a ``KeyError``, as before)."""

    code = "sync.outbox.not_rejected"


class DocTx(Protocol):
    """The part of ``storage.store.Transaction`` the outbox uses."""

    def get(self, collection: str, key: str) -> dict[str, Any] | None: ...

    def put(self, collection: str, key: str, doc: dict[str, Any]) -> None: ...

    def delete(self, collection: str, key: str) -> None: ...


class DocReader(Protocol):
    def get(self, collection: str, key: str) -> dict[str, Any] | None: ...

    def keys_of(self, collection: str) -> list[str]: ...


def _now() -> str:
    return clock.iso_z(clock.now())


def attachments_of(doc: Any) -> list[str]:
    """The digests ``doc`` references (:func:`casework.blobref.blob_refs`), sorted."""
    return sorted(blob_refs(doc))


def last_wire_version(tx: DocReader | DocTx, case_id: str) -> int:
    """The highest version of ``case_id`` ever queued, rejected or receipted (0 if never)."""
    best = 0
    for coll in (OUTBOX, REJECTED, RECEIPTS):
        doc = tx.get(coll, case_id)
        if doc is not None:
            best = max(best, int(doc.get("version", 0)))
    return best


def enqueue(tx: DocTx, case_dict: JSONObject, *, attachments: Iterable[str] | None = None) -> int:
    """Queue ``case_dict`` (``Case.to_dict()``) for the center in the caller's transaction; returns the
    version it will be sent as. A rejected entry of the same case is replaced (fixed and resent)."""
    case_id = case_dict.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise ValueError("the case document has no id")
    own = case_dict.get("version", 1)
    prior = last_wire_version(tx, case_id)
    version = max(own if isinstance(own, int) and own > 0 else 1, prior + 1)
    shas = sorted(set(attachments)) if attachments is not None else attachments_of(case_dict)
    # the center requires the document's own version to equal the wire version
    snapshot = {k: v for k, v in case_dict.items() if not k.startswith("_")} | {"version": version}
    tx.put(
        OUTBOX,
        case_id,
        {
            "case_id": case_id,
            "version": version,
            "case": snapshot,
            "attachments": shas,
            "enqueued_at": _now(),
            "prior_version": prior,
        },
    )
    if tx.get(REJECTED, case_id) is not None:
        tx.delete(REJECTED, case_id)
    return version


def resend(tx: DocTx, case_id: str) -> int:
    """Send a rejected case again unchanged (e.g. after the center fixed its side); a new version."""
    doc = tx.get(REJECTED, case_id)
    if doc is None:
        raise NotRejected(case_id=case_id)
    return enqueue(tx, doc["case"], attachments=doc.get("attachments"))


def rejected(store: DocReader) -> list[JSONObject]:
    """Cases the center refused, with ``reason`` (Chinese), for the worker's "退回待修改" list."""
    out = [store.get(REJECTED, key) for key in sorted(store.keys_of(REJECTED))]
    return [d for d in out if d is not None]
