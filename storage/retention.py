"""Retention (到期清理): purge personal data and scans of cases that are over and confirmed by the district.

A case is purged when **all** hold:

- ``doc["status"]`` is one of :data:`FINAL_STATUSES` (``casework.cases.FINAL``: closed / refused / withdrawn);
- the district has confirmed it: a document ``center_confirmations/<case id>`` exists, written by the sync
  engine with :func:`mark_center_confirmed` in the transaction that applies the center's confirmation;
- ``days`` (default ``StoreOptions.retention_days`` = 30) have passed since the later of the time the case
  entered its final status (from ``history``, else ``updated_at``) and the confirmation.

The case document is replaced by a **tombstone** (``doc["purged"] is True``; see :data:`TOMBSTONE_FIELDS`):
case number, item / bundle code, dates and final status, nothing about the applicant. Code that loads cases
must check :func:`is_tombstone` before ``Case.from_dict``. Blobs that no remaining document references are
deleted after the tombstones are committed, and the journal is compacted so no older record still holds the
purged data; quarantined orphan blobs older than ``days`` are deleted too. (Freed disk blocks are not wiped:
they hold only ciphertext.)
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from casework.blobref import blob_refs
from storage.audit import utc_now_iso
from storage.docstore import Doc
from storage.store import StationStore, Transaction

log = logging.getLogger("storage.retention")

CASES = "cases"
CONFIRMATIONS = "center_confirmations"
FINAL_STATUSES = frozenset({"closed", "refused", "withdrawn"})
TOMBSTONE_FIELDS = (
    "id",
    "number",
    "item_code",
    "bundle_code",
    "station_id",
    "catalog_version",
    "status",
    "jurisdiction",
    "promised_date",
    "created_at",
    "updated_at",
)
BATCH = 200


def is_tombstone(doc: Doc) -> bool:
    return doc.get("purged") is True


def mark_center_confirmed(tx: Transaction, case_id: str, confirmed_at: str) -> None:
    """Record that the district confirmed the final state of ``case_id`` (UTC ISO-8601 ``...Z``)."""
    tx.put(CONFIRMATIONS, case_id, {"case_id": case_id, "confirmed_at": confirmed_at})


def _parse(ts: str | None) -> dt.datetime | None:
    if not ts:
        return None
    try:
        t = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def entered(doc: Doc, status: str) -> str | None:
    """When the case last entered ``status`` according to its history."""
    for t in reversed(doc.get("history") or []):
        if isinstance(t, dict) and t.get("to") == status:
            return str(t.get("at"))
    return None


def tombstone(doc: Doc, *, confirmed_at: str, purged_at: str) -> Doc:
    out: Doc = {k: doc.get(k) for k in TOMBSTONE_FIELDS}
    out.update(
        {
            "purged": True,
            "purged_at": purged_at,
            "confirmed_at": confirmed_at,
            "accepted_at": entered(doc, "accepted"),
            "final_at": entered(doc, str(doc.get("status"))) or doc.get("updated_at"),
            "sub_cases": [
                {"item_code": s.get("item_code"), "status": s.get("status")}
                for s in doc.get("sub_cases") or []
                if isinstance(s, dict)
            ],
        }
    )
    return out


def due(doc: Doc, confirmation: Doc | None, now: dt.datetime, days: int) -> bool:
    if is_tombstone(doc) or doc.get("status") not in FINAL_STATUSES or confirmation is None:
        return False
    final_at = _parse(entered(doc, str(doc["status"])) or doc.get("updated_at"))
    confirmed = _parse(str(confirmation.get("confirmed_at")))
    if final_at is None or confirmed is None:
        return False
    return now - max(final_at, confirmed) >= dt.timedelta(days=days)


@dataclass
class PurgeReport:
    purged_cases: list[str] = field(default_factory=list)
    deleted_blobs: int = 0
    deleted_quarantine: int = 0


def purge_expired(
    store: StationStore, *, now: dt.datetime | None = None, days: int | None = None, actor: str = "retention"
) -> PurgeReport:
    """Purge every due case (see module docstring). Safe to run at any time; a crash part-way leaves some
    cases purged and the rest untouched, and unreferenced blobs are collected by the next run."""
    now = now or dt.datetime.fromtimestamp(store.clock(), dt.UTC)
    days = store.options.retention_days if days is None else days
    purged_at = utc_now_iso(now.timestamp())
    report = PurgeReport()
    confirmations = dict(store.iter_items(CONFIRMATIONS))
    # streamed: one journal record at a time, only the ids of due cases are kept (bounded memory at any size)
    due_ids = [k for k, d in store.iter_items(CASES) if due(d, confirmations.get(k), now, days)]
    candidate_blobs: set[str] = set()
    for i in range(0, len(due_ids), BATCH):
        with store.transaction(actor=actor, action="retention.purge") as tx:
            for case_id in due_ids[i : i + BATCH]:
                doc = store.get(CASES, case_id)
                assert doc is not None
                candidate_blobs |= blob_refs(doc)
                confirmed_at = str(confirmations[case_id]["confirmed_at"])
                tx.put(CASES, case_id, tombstone(doc, confirmed_at=confirmed_at, purged_at=purged_at))
        report.purged_cases.extend(due_ids[i : i + BATCH])
    still: set[str] = set()
    for refs in store.docs.refs.values():
        still |= refs
    for sha in sorted(candidate_blobs - still - store.blobs.recent):  # recent: a new scan may reuse it
        if store.blobs.delete(sha):
            report.deleted_blobs += 1
    if report.purged_cases:
        # old journal records still hold the purged personal data (encrypted); rewrite them away
        store.compact(actor=actor)
    report.deleted_quarantine = _clean_quarantine(store, now, days)
    if report.purged_cases or report.deleted_blobs or report.deleted_quarantine:
        store.audit(
            "retention.done",
            actor=actor,
            detail={
                "cases": len(report.purged_cases),
                "blobs": report.deleted_blobs,
                "quarantine": report.deleted_quarantine,
            },
        )
    log.info("retention purged %d cases, %d blobs", len(report.purged_cases), report.deleted_blobs)
    return report


def _clean_quarantine(store: StationStore, now: dt.datetime, days: int) -> int:
    q = store.data_dir / "quarantine"
    if not q.exists():
        return 0
    n = 0
    limit = now.timestamp() - days * 86400
    for p in q.iterdir():
        if p.stat().st_mtime < limit:
            p.unlink()
            n += 1
    return n


__all__ = [
    "CONFIRMATIONS",
    "FINAL_STATUSES",
    "PurgeReport",
    "is_tombstone",
    "mark_center_confirmed",
    "purge_expired",
    "tombstone",
]
