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

A 一次性告知 (``notice_issued``, never final: the resident may come back) follows the same rule once it is
**over**: when the case accepted after it was recorded (``resumed_as``; the notice's ``updated_at``), or
:data:`PENDING_DAYS` after the notice if the resident never came back. It is purged ``days`` after the later
of that and the district's confirmation (written when the center holds the notice record, ``sync.notices``),
and only while no newer record of it waits to be sent (``notice_outbox``): the notice becomes a tombstone,
and its 待补齐 record (collection :data:`PENDING_INTAKE`: everything the worker entered, and the scans it
references) is deleted in the same commit.

A tombstone is kept ``StoreOptions.tombstone_days`` (3 years) after its purge, then dropped
(:func:`drop_old_tombstones`): deleted with its confirmation, its fields written into the audit log in the
same commit, and removed from disk by the compaction that follows.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from casework.blobref import blob_refs
from casework.case_summary import summarise_case
from storage.audit import utc_now_iso
from storage.docstore import Doc
from storage.store import StationStore, Transaction

log = logging.getLogger("storage.retention")

CASES = "cases"
CONFIRMATIONS = "center_confirmations"
#: 待补齐 records (``station_app.services.notices``): the draft a 一次性告知 keeps, key = the notice's case id
PENDING_INTAKE = "pending_intake"
#: notice records waiting for the district (``sync.notices.NOTICE_OUTBOX``)
NOTICE_OUTBOX = "notice_outbox"
#: how long a 待补齐 record waits for the resident after its 一次性告知 before the notice is over
PENDING_DAYS = 90
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
#: what the audit log keeps of a tombstone dropped after the horizon (no personal data)
DROPPED_FIELDS = ("id", "number", "item_code", "bundle_code", "status", "created_at", "final_at", "purged_at")
BATCH = 200


def is_tombstone(doc: Doc) -> bool:
    return doc.get("purged") is True


def mark_center_confirmed(
    tx: Transaction, case_id: str, confirmed_at: str, *, report_refused: bool = False
) -> None:
    """Record that the district confirmed the final state of ``case_id`` (UTC ISO-8601 ``...Z``).
    ``report_refused``: the district answered that it will never hold this record (a 一次性告知 or
    不予受理 report it refused); its retention then runs from that answer, as it would from a confirmation."""
    doc: dict[str, Any] = {"case_id": case_id, "confirmed_at": confirmed_at}
    if report_refused:
        doc["report_refused"] = True
    tx.put(CONFIRMATIONS, case_id, doc)


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


def notice_over_at(doc: Doc, pending_days: int = PENDING_DAYS) -> dt.datetime | None:
    """When a 一次性告知 is over: resumed as a case (its last change), else ``pending_days`` after it."""
    if doc.get("status") != "notice_issued" or is_tombstone(doc):
        return None
    if doc.get("resumed_as"):
        return _parse(doc.get("updated_at"))
    issued = _parse(entered(doc, "notice_issued"))
    return None if issued is None else issued + dt.timedelta(days=pending_days)


def _due_notices(store: StationStore, now: dt.datetime, days: int) -> list[tuple[str, str]]:
    """(case id, confirmed_at) of every 一次性告知 over and confirmed ``days`` ago, with nothing waiting."""
    limit = dt.timedelta(days=days)
    summaries = _case_summaries(store)
    confirmed = set(store.keys_of(CONFIRMATIONS))
    waiting = set(store.keys_of(NOTICE_OUTBOX))
    if summaries is not None:
        keys = [k for k, m in summaries.items() if m.get("status") == "notice_issued" and not m.get("purged")]
    else:
        keys = [k for k, d in store.iter_items(CASES) if d.get("status") == "notice_issued"]
    out: list[tuple[str, str]] = []
    for key in keys:
        if key not in confirmed or key in waiting:
            continue
        pending = store.get(PENDING_INTAKE, key)
        opened = str((pending or {}).get("resumed_draft") or "")
        if opened and store.get("drafts", opened) is not None:
            continue  # the resident came back and the worker is completing it now: not over yet
        doc = store.get(CASES, key)
        over = notice_over_at(doc) if doc is not None else None
        at = _confirmed_at(store, key)
        parsed = _parse(at)
        if over is not None and at is not None and parsed is not None and now - max(over, parsed) >= limit:
            out.append((key, at))
    return out


@dataclass
class PurgeReport:
    purged_cases: list[str] = field(default_factory=list)
    dropped_tombstones: list[str] = field(default_factory=list)
    deleted_blobs: int = 0
    deleted_quarantine: int = 0


def _confirmed_at(store: StationStore, key: str) -> str | None:
    doc = store.get(CONFIRMATIONS, key)
    at = doc.get("confirmed_at") if doc else None
    return at if isinstance(at, str) else None


def _case_summaries(store: StationStore) -> dict[str, dict[str, Any]] | None:
    """The cases' summaries when they are the station's case summaries (they say status, final time and
    tombstones without decrypting a case), else None: then the cases are read one record at a time."""
    sz = store.summarizer(CASES)
    if sz is None or sz.summarise is not summarise_case:
        return None
    return store.summaries(CASES)


def _due_ids(store: StationStore, now: dt.datetime, days: int) -> list[tuple[str, str]]:
    """(case id, confirmed_at) of every due case. Which cases have a confirmation is in the index (no
    decryption); a confirmation is read only for a case already final for ``days``."""
    limit = dt.timedelta(days=days)
    confirmed = set(store.keys_of(CONFIRMATIONS))
    out: list[tuple[str, str]] = []
    summaries = _case_summaries(store)
    if summaries is None:  # streamed: one journal record at a time, only the ids of due cases are kept
        for key, doc in store.iter_items(CASES):
            if key in confirmed and due(doc, {"confirmed_at": "0001-01-01T00:00:00Z"}, now, days):
                at = _confirmed_at(store, key)
                if at is not None and due(doc, {"confirmed_at": at}, now, days):
                    out.append((key, at))
        return out
    for key, m in summaries.items():
        if m.get("purged") or m.get("status") not in FINAL_STATUSES or key not in confirmed:
            continue
        final_at = _parse(m.get("final_at"))
        if final_at is None or now - final_at < limit:
            continue
        at = _confirmed_at(store, key)
        parsed = _parse(at)
        if at is not None and parsed is not None and now - parsed >= limit:
            out.append((key, at))
    return out


def _old_tombstones(store: StationStore, now: dt.datetime, days: int) -> list[str]:
    limit = dt.timedelta(days=days)

    def old(purged_at: Any) -> bool:
        at = _parse(purged_at if isinstance(purged_at, str) else None)
        return at is not None and now - at >= limit

    summaries = _case_summaries(store)
    if summaries is None:
        return [k for k, d in store.iter_items(CASES) if is_tombstone(d) and old(d.get("purged_at"))]
    return [k for k, m in summaries.items() if m.get("purged") and old(m.get("purged_at"))]


def drop_old_tombstones(
    store: StationStore, *, now: dt.datetime | None = None, days: int | None = None, actor: str = "retention"
) -> list[str]:
    """Delete tombstones purged more than ``days`` ago (default ``StoreOptions.tombstone_days``, 3 years)
    with their center confirmations. What each said (number, item, status, dates — never personal data)
    goes into the audit log in the same commit (``retention.tombstones_dropped``), so the chain still
    accounts for every case; the next compaction removes them from disk. Returns the dropped case ids."""
    now = now or dt.datetime.fromtimestamp(store.clock(), dt.UTC)
    days = store.options.tombstone_days if days is None else days
    ids = _old_tombstones(store, now, days)
    for i in range(0, len(ids), BATCH):
        with store.transaction(actor=actor, action="retention.drop_tombstones") as tx:
            kept = []
            for case_id in ids[i : i + BATCH]:
                doc = tx.get(CASES, case_id)
                if doc is None or not is_tombstone(doc):
                    continue
                kept.append({k: doc.get(k) for k in DROPPED_FIELDS})
                tx.delete(CASES, case_id)
                tx.delete(CONFIRMATIONS, case_id)
            tx.audit("retention.tombstones_dropped", detail={"tombstones": kept})
    return ids


def purge_expired(
    store: StationStore,
    *,
    now: dt.datetime | None = None,
    days: int | None = None,
    tombstone_days: int | None = None,
    actor: str = "retention",
) -> PurgeReport:
    """Purge every due case (see module docstring), drop tombstones older than ``tombstone_days`` and
    compact when either happened. Safe to run at any time, from any thread (the compaction holds the
    store's mutex only to begin and to finish); a crash part-way leaves some cases purged and the rest
    untouched, and unreferenced blobs are collected by the next run. Memory stays bounded at any store
    size: candidates come from the summaries (or, without them, one journal record at a time), and only
    their ids are kept; a center confirmation is read only for a case that has been final long enough."""
    now = now or dt.datetime.fromtimestamp(store.clock(), dt.UTC)
    days = store.options.retention_days if days is None else days
    purged_at = utc_now_iso(now.timestamp())
    report = PurgeReport()
    due_cases = _due_ids(store, now, days)
    candidate_blobs: set[str] = set()
    for i in range(0, len(due_cases), BATCH):
        done = []
        with store.transaction(actor=actor, action="retention.purge") as tx:
            for case_id, at in due_cases[i : i + BATCH]:
                doc = store.get(CASES, case_id)
                if doc is None or not due(doc, {"confirmed_at": at}, now, days):
                    continue  # changed since it was found
                candidate_blobs |= blob_refs(doc)
                tx.put(CASES, case_id, tombstone(doc, confirmed_at=at, purged_at=purged_at))
                done.append(case_id)
        report.purged_cases.extend(done)
    due_notices = _due_notices(store, now, days)
    for i in range(0, len(due_notices), BATCH):
        done = []
        with store.transaction(actor=actor, action="retention.purge_notices") as tx:
            for case_id, at in due_notices[i : i + BATCH]:
                doc = store.get(CASES, case_id)
                over = notice_over_at(doc) if doc is not None else None
                if doc is None or over is None or now - over < dt.timedelta(days=days):
                    continue  # changed since it was found
                pending = store.get(PENDING_INTAKE, case_id)
                candidate_blobs |= blob_refs(doc) | (blob_refs(pending) if pending else set())
                tx.put(CASES, case_id, tombstone(doc, confirmed_at=at, purged_at=purged_at))
                if pending is not None:
                    tx.delete(PENDING_INTAKE, case_id)
                done.append(case_id)
        report.purged_cases.extend(done)
    report.dropped_tombstones = drop_old_tombstones(store, now=now, days=tombstone_days, actor=actor)
    still: set[str] = set()
    for refs in store.docs.refs.values():
        still.update(refs)
    for sha in sorted(candidate_blobs - still - store.blobs.recent):  # recent: a new scan may reuse it
        if store.blobs.delete(sha):
            report.deleted_blobs += 1
    if report.purged_cases or report.dropped_tombstones:
        # old journal records still hold the purged personal data (encrypted); rewrite them away
        store.compact(actor=actor)
    report.deleted_quarantine = _clean_quarantine(store, now, days)
    if report.purged_cases or report.deleted_blobs or report.deleted_quarantine or report.dropped_tombstones:
        store.audit(
            "retention.done",
            actor=actor,
            detail={
                "cases": len(report.purged_cases),
                "tombstones_dropped": len(report.dropped_tombstones),
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
    "NOTICE_OUTBOX",
    "PENDING_DAYS",
    "PENDING_INTAKE",
    "PurgeReport",
    "drop_old_tombstones",
    "is_tombstone",
    "mark_center_confirmed",
    "notice_over_at",
    "purge_expired",
    "tombstone",
]
