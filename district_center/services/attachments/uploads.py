"""Chunked, resumable attachment upload, one session per station (docs/protocol.md, "Push").

An upload session belongs to the station that opened it: ``(station id, sha256)`` with the size that
station declared. ``PUT /api/v1/attachments/{sha256}?offset=N`` appends one chunk to *that station's*
bytes (blob key :func:`~district_center.services.attachments.blobstore.upload_key`); ``N`` must equal the
bytes the blob store holds for the session (the store's own count, so a crash between the blob write and
the commit cannot make the two disagree). When the last byte arrives the session's bytes are read back and
hashed; only a match makes the session ``complete`` and, the first time any station gets there, moves the
bytes to the shared content address (``attachments`` row + blob ``<sha256>``). A mismatch discards that
station's bytes only. So one station's wrong size or bad bytes never touch another station's upload of the
same scan, and a complete session is the station's proof that it holds the file.

Status (:func:`status`) answers only for the asking station's own session, or for a digest one of the
cases it may see references (its own cases and those routed to it): nobody can probe whether a document
was ever filed elsewhere in the district.

Writers of one session are serialised by its row lock (``SELECT … FOR UPDATE``; ``BEGIN IMMEDIATE`` on
SQLite), across center instances too.

    put_chunk_checked(db, blobs, sha, 0, len(data), data, station_id=me, max_bytes=limit)
    status(db, blobs, sha, station_id=me)  # AttachmentStatus | None
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import clock
from casework.errors import DomainError
from district_center.db.engine import Database
from district_center.db.models import Attachment, CaseAttachment, CaseRecord, UploadSession
from district_center.services.attachments.blobstore import BlobStore, promote, upload_key
from sync.protocol import AttachmentStatus

__all__ = ["UploadRefused", "put_chunk", "put_chunk_checked", "status", "visible_to"]

MB = 1024 * 1024


class UploadRefused(DomainError):
    """An upload chunk the center does not take; ``code`` says why (mapped to HTTP in ``api.problems``)."""

    code = "center.upload.refused"


def _mb(n: int) -> str:
    return f"{n / MB:g}"


def visible_to(s: Session, station_id: str, sha256: str) -> bool:
    """Whether a case this station may see (its own, or routed to it) references ``sha256``."""
    query = select(
        exists()
        .where(CaseAttachment.sha256 == sha256, CaseAttachment.case_id == CaseRecord.id)
        .where(or_(CaseRecord.station_id == station_id, CaseRecord.routed_to == station_id))
    )
    return bool(s.scalar(query))


def status(db: Database, blobs: BlobStore, sha256: str, *, station_id: str) -> AttachmentStatus | None:
    """What the center holds *for this station*; ``received`` is the blob store's count (the resume
    point). ``None`` (answered 404) when the station has no session and none of its cases names it."""
    with db.read_session() as s:
        mine = s.get(UploadSession, (station_id, sha256))
        if mine is not None:
            if mine.complete:
                return AttachmentStatus(sha256, mine.size, mine.size, True)
            held = min(blobs.size(upload_key(station_id, sha256)), mine.size)
            return AttachmentStatus(sha256, mine.size, held, False)
        shared = s.get(Attachment, sha256)
        if shared is not None and visible_to(s, station_id, sha256):
            return AttachmentStatus(sha256, shared.size, shared.size, True)
        return None


def _ensure_session(s: Session, db: Database, station_id: str, sha256: str, size: int, now: datetime) -> None:
    """The station's session row, created by its first chunk (a concurrent first chunk of the same station
    finds it made: the insert ignores the duplicate), in the chunk's own transaction."""
    dialect = postgresql if db.is_postgres else sqlite
    s.execute(
        dialect.insert(UploadSession)
        .values(
            station_id=station_id,
            sha256=sha256,
            size=size,
            received=0,
            complete=False,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )


def _share(
    s: Session,
    db: Database,
    blobs: BlobStore,
    session: UploadSession,
    now: datetime,
    *,
    whole: bytes | None = None,
    written: bool = False,
) -> None:
    """The session's bytes hashed right: make them the shared blob (first time) or drop the copy.
    ``whole``: the file of a one-request upload (nothing was staged); ``written``: the caller already put
    it at the content address, before the transaction (only checked for here, a HEAD, not written again).

    The shared row is read ``FOR SHARE`` (SQLite: the write lock): the blob GC deletes a row under
    ``FOR UPDATE``, so this either sees the row and its blob, or (after the GC's commit) no row and writes
    the blob anew (``services.attachments.gc``)."""
    sha = session.sha256
    staged = upload_key(session.station_id, sha)
    query = select(Attachment).where(Attachment.sha256 == sha)
    shared = s.scalar(query.with_for_update(read=True) if db.is_postgres else query)
    if shared is None or not blobs.exists(sha):  # the row without its blob: a GC commit that failed
        if whole is not None:
            if not (written and blobs.exists(sha)):  # a sweep may have taken it since it was written
                blobs.put(sha, whole)
        else:
            promote(blobs, staged, sha)
        if shared is not None:
            shared.unreferenced_since = None
            return
        try:
            with s.begin_nested():
                s.add(
                    Attachment(
                        sha256=sha,
                        size=session.size,
                        received=session.size,
                        complete=True,
                        station_id=session.station_id,
                        created_at=now,
                        completed_at=now,
                    )
                )
        except IntegrityError:
            pass  # another station's session got there at the same time, with the same bytes
    elif whole is None:
        blobs.delete(staged)


def put_chunk(
    db: Database,
    blobs: BlobStore,
    sha256: str,
    offset: int,
    total: int,
    chunk: bytes,
    *,
    station_id: str,
    max_bytes: int,
) -> AttachmentStatus:
    """Append ``chunk`` at ``offset`` to this station's upload of ``sha256`` (declared size ``total``).

    Raises :class:`UploadRefused` (``center.upload.too_large`` / ``bad_size`` / ``size_mismatch`` /
    ``offset_mismatch`` / ``chunk_overflow``) and ``_Mismatch`` when the finished bytes do not hash to
    ``sha256`` (use :func:`put_chunk_checked`, which commits the reset first)."""
    if total > max_bytes:
        raise UploadRefused(
            "center.upload.too_large", size_mb=_mb(total), limit_mb=_mb(max_bytes), limit=max_bytes
        )
    if total <= 0:
        raise UploadRefused("center.upload.bad_size")
    now = clock.now()
    staged = upload_key(station_id, sha256)
    written = False
    if offset == 0 and len(chunk) == total:  # the whole file in one request: check it in memory
        if hashlib.sha256(chunk).hexdigest() != sha256:
            raise _Mismatch()
        with db.read_session() as s:
            shared = s.get(Attachment, sha256) is not None
        if not shared:  # a new scan: written before the transaction, which then holds no lock across it
            blobs.put(sha256, chunk)
            written = True
    # one transaction per chunk, committed without waiting for its WAL flush: a chunk's progress lost in a
    # crash is found again from the blob store's own count. The chunk that completes the file commits
    # durably: the station is told "complete" and may name the scan in a batch at once.
    with db.session(durable=offset + len(chunk) >= total) as s:
        _ensure_session(s, db, station_id, sha256, total, now)
        row = s.scalar(
            select(UploadSession)
            .where(UploadSession.station_id == station_id, UploadSession.sha256 == sha256)
            .with_for_update()
        )
        assert row is not None
        if row.complete:
            return AttachmentStatus(sha256, row.size, row.size, True)
        if row.size != total:
            if offset != 0:
                raise UploadRefused(
                    "center.upload.size_mismatch", before=row.size, now=total, received=row.received
                )
            blobs.delete(staged)  # a fresh start with another size: only this station's bytes go
            row.size, row.received = total, 0
        if offset == 0 and len(chunk) == total:  # checked above
            if row.received:  # bytes of an earlier partial try: the whole file replaces them
                blobs.delete(staged)
            _share(s, db, blobs, row, now, whole=chunk, written=written)
            row.received, row.complete, row.completed_at = total, True, clock.now()
            return AttachmentStatus(sha256, row.size, row.size, True)
        held = blobs.size(staged)
        if offset != held:
            raise UploadRefused("center.upload.offset_mismatch", received=held, size=row.size)
        if offset + len(chunk) > total:
            raise UploadRefused("center.upload.chunk_overflow")
        if chunk:
            held = blobs.append(staged, chunk)
        row.received = held
        row.updated_at = now
        if held == total:
            digest = hashlib.sha256()
            for part in blobs.read(staged):
                digest.update(part)
            if digest.hexdigest() != sha256:
                blobs.delete(staged)
                row.received = 0
                s.flush()
                raise _Mismatch()
            _share(s, db, blobs, row, now)
            row.complete = True
            row.completed_at = clock.now()
        return AttachmentStatus(sha256, row.size, row.received, row.complete)


class _Mismatch(Exception):
    pass


def put_chunk_checked(
    db: Database,
    blobs: BlobStore,
    sha256: str,
    offset: int,
    total: int,
    chunk: bytes,
    *,
    station_id: str,
    max_bytes: int,
) -> AttachmentStatus:
    """:func:`put_chunk`, turning a failed hash check into ``center.upload.hash_mismatch`` after this
    station's reset is committed."""
    try:
        return put_chunk(db, blobs, sha256, offset, total, chunk, station_id=station_id, max_bytes=max_bytes)
    except _Mismatch:
        with db.session() as s:
            row = s.get(UploadSession, (station_id, sha256))
            if row is not None and not row.complete:
                row.received = 0
        raise UploadRefused("center.upload.hash_mismatch", received=0) from None
