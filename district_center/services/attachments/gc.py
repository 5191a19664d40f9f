"""Blob GC of verified blobs no case references any more (run by the ``blob_gc`` job, ``services.jobs``).

A shared blob (``attachments`` row, blob ``<sha256>``) is *referenced* while a ``case_attachments`` row of a
stored case names it. Ingest keeps those rows equal to the references of each case's latest accepted
version, so a scan replaced in a case, or a case row that is gone (a purge, a restore of an older backup),
leaves its old blob unreferenced. Deleting it is **mark then sweep, with a grace period**:

1. **Mark** (one statement each): every unreferenced row gets ``unreferenced_since = now`` if it has none;
   every referenced row that has one loses it (the scan came back).
2. **Sweep**: a row marked at least ``grace`` ago, still unreferenced, and for which no station completed or
   touched an upload within ``grace`` (a station uploads scans *before* it pushes the case that names them;
   the grace is the time a finished upload may wait for its case), is deleted — one short transaction per
   blob that locks the blob's upload sessions and its row (``FOR UPDATE``; on SQLite the write lock),
   checks the three conditions again, deletes the blob from the store, the complete sessions of that
   digest (a station's proof that it holds the file: it must upload again) and the row, then commits.

Why a concurrent upload or ingest is safe: ingest takes a verified blob as proven only through its row,
read ``FOR SHARE`` (``ingest._read``); an upload that reaches the last byte shares its bytes under the same
row lock (``uploads._share``). Either gets the lock first — then the sweep's re-check sees its new
reference or its fresh session and keeps the blob — or waits for the sweep's commit and finds no row: the
ingest rejects that case as missing its attachment (the station's session is gone, so it uploads again),
the upload writes the blob anew under a new row. Lock order is sessions, then the attachment row, in the
sweep and in uploads alike (ingest locks no session), so the three never deadlock.

Limit: the blob is deleted while the row lock is held, just before the commit. If that commit fails (the
database connection lost at that instant), the row stays without its blob until the next run deletes it;
an upload of the same digest in between writes the blob again (``uploads._share`` checks it exists).

Cases stored before migration 0006 have no ``case_attachments`` rows: the first run fills them from the
stored documents (:func:`backfill_links`, recorded as the ``job_runs`` row ``case_links_backfill`` with
the instance that did it) and sweeps nothing before that is done.

    counts = collect(db, blobs, now=clock.now(), grace=timedelta(days=7))
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from casework.blobref import blob_refs
from district_center.db.engine import Database
from district_center.db.models import Attachment, CaseAttachment, CaseRecord, JobRun, UploadSession
from district_center.db.sealing import open_document
from district_center.services.attachments.blobstore import BlobStore

__all__ = ["BACKFILL_JOB", "backfill_links", "collect"]

log = logging.getLogger("district_center.blob_gc")

BACKFILL_JOB = "case_links_backfill"
_PAGE = 500


def _referenced() -> Any:
    """A stored case names the attachment (correlated to the ``attachments`` row)."""
    return exists().where(CaseAttachment.sha256 == Attachment.sha256, CaseAttachment.case_id == CaseRecord.id)


def _recent_upload(cutoff: datetime) -> Any:
    """Some station completed or touched its upload of the digest since ``cutoff``."""
    return exists().where(
        UploadSession.sha256 == Attachment.sha256,
        or_(UploadSession.updated_at >= cutoff, UploadSession.completed_at >= cutoff),
    )


def backfill_links(db: Database, now: datetime, instance: str = "") -> int | None:
    """Fill ``case_attachments`` from the stored documents once (cases pushed before migration 0006);
    ``None`` when it was done before, else the number of cases read."""
    with db.read_session() as s:
        if s.get(JobRun, BACKFILL_JOB) is not None:
            return None
    links = _insert_ignoring_duplicates(db)
    after, read = "", 0
    while True:
        with db.session() as s:
            rows = s.execute(
                select(CaseRecord.id, CaseRecord.sealed, CaseRecord.plain_document)
                .where(CaseRecord.id > after)
                .order_by(CaseRecord.id)
                .limit(_PAGE)
            ).all()
            if not rows:
                s.add(
                    JobRun(
                        name=BACKFILL_JOB,
                        started_at=now,
                        finished_at=now,
                        instance=instance,
                        runs=1,
                        result={"cases": read},
                    )
                )
                return read
            pairs = [
                {"case_id": r.id, "sha256": sha}
                for r in rows
                for sha in sorted(blob_refs(open_document(db.vault, r.id, r.sealed, r.plain_document)))
            ]
            if pairs:
                s.execute(links, pairs)
            after, read = rows[-1].id, read + len(rows)


def _insert_ignoring_duplicates(db: Database) -> Any:
    dialect = postgresql if db.is_postgres else sqlite
    table: Table = CaseAttachment.__table__  # type: ignore[assignment]
    return dialect.insert(table).on_conflict_do_nothing()


def _count(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _mark(db: Database, now: datetime) -> tuple[int, int]:
    with db.session() as s:
        marked = _count(
            s.execute(
                update(Attachment)
                .where(Attachment.unreferenced_since.is_(None), ~_referenced())
                .values(unreferenced_since=now)
            )
        )
        revived = _count(
            s.execute(
                update(Attachment)
                .where(Attachment.unreferenced_since.is_not(None), _referenced())
                .values(unreferenced_since=None)
            )
        )
    return marked, revived


def _sweepable(cutoff: datetime) -> Any:
    return and_(Attachment.unreferenced_since <= cutoff, ~_referenced(), ~_recent_upload(cutoff))


def _sweep_one(db: Database, blobs: BlobStore, sha256: str, cutoff: datetime) -> bool:
    with db.session() as s:
        # lock order: the digest's sessions, then its row (as an upload does), so neither waits in a cycle
        sessions = select(UploadSession).where(UploadSession.sha256 == sha256)
        held = s.scalars(sessions.with_for_update() if db.is_postgres else sessions).all()
        row = s.scalar(select(Attachment).where(Attachment.sha256 == sha256).with_for_update())
        # checked again in a statement of its own, after the lock: on PostgreSQL (read committed) it sees
        # what a batch or an upload that held the row committed meanwhile — the locking read alone would
        # judge by its own earlier snapshot
        still = select(Attachment.sha256).where(Attachment.sha256 == sha256, _sweepable(cutoff))
        if row is None or s.scalar(still) is None:  # referenced again, just uploaded, or already gone
            return False
        blobs.delete(sha256)  # under the row lock: no upload shares it, no ingest takes it, until commit
        for session in held:
            if session.complete:
                s.delete(session)
        s.delete(row)
    return True


def collect(
    db: Database, blobs: BlobStore, *, now: datetime, grace: timedelta, instance: str = ""
) -> dict[str, Any]:
    """Mark unreferenced verified blobs and sweep those past ``grace``; counts for the job's audit entry.
    ``instance`` names the center instance in the backfill's ``job_runs`` row."""
    backfilled = backfill_links(db, now, instance)
    marked, revived = _mark(db, now)
    cutoff = now - grace
    with db.read_session() as s:
        candidates = list(s.scalars(select(Attachment.sha256).where(_sweepable(cutoff))))
    swept = failed = 0
    for sha in candidates:
        try:
            swept += _sweep_one(db, blobs, sha, cutoff)
        except SQLAlchemyError:  # tried again next run (the row is still marked)
            log.exception("blob gc could not sweep one blob")
            failed += 1
    counts: dict[str, Any] = {"marked": marked, "revived": revived, "swept": swept}
    if failed:
        counts["sweep_failed"] = failed
    if backfilled is not None:
        counts["links_backfilled_cases"] = backfilled
    return counts
