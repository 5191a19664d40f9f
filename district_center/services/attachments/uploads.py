"""Content-addressed, chunked, resumable attachment upload (docs/protocol.md, "Push").

``PUT /api/v1/attachments/{sha256}?offset=N`` appends one chunk. ``N`` must equal the bytes the center
holds, which is the blob store's own count (so a crash between the blob write and the commit cannot make
the two disagree). Writers of one attachment are serialised by the ``attachments`` row lock
(``SELECT … FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite). When the last byte arrives the blob is read back,
hashed, and only then marked ``complete``; a mismatch discards it so the station starts over.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework import clock
from district_center.api.problems import ProblemError
from district_center.db.engine import Database
from district_center.db.models import Attachment
from district_center.services.attachments.blobstore import BlobStore
from sync.protocol import AttachmentStatus

MB = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / MB:g} MB"


def status(db: Database, blobs: BlobStore, sha256: str) -> AttachmentStatus | None:
    """What the center holds; ``received`` is the blob store's count (the resume point)."""
    with db.read_session() as s:
        row = s.get(Attachment, sha256)
        if row is None:
            return None
        received = row.size if row.complete else min(blobs.size(sha256), row.size)
        return AttachmentStatus(row.sha256, row.size, received, row.complete)


def _ensure_row(db: Database, sha256: str, size: int, station_id: str, now: datetime) -> None:
    try:
        with db.session() as s:
            if s.get(Attachment, sha256) is None:
                s.add(
                    Attachment(
                        sha256=sha256,
                        size=size,
                        received=0,
                        complete=False,
                        station_id=station_id,
                        created_at=now,
                    )
                )
    except IntegrityError:
        pass  # created by a concurrent first chunk


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
    if total > max_bytes:
        raise ProblemError(
            413,
            "too_large",
            f"附件大小 {_mb(total)} 超过区中心的上限 {_mb(max_bytes)}，请压缩或分成多个文件后再上传",
            limit=max_bytes,
        )
    if total <= 0:
        raise ProblemError(400, "bad_size", "附件总大小必须大于 0")
    now = clock.now()
    _ensure_row(db, sha256, total, station_id, now)
    with db.session() as s:
        row = s.scalar(select(Attachment).where(Attachment.sha256 == sha256).with_for_update())
        assert row is not None
        if row.complete:
            return AttachmentStatus(sha256, row.size, row.size, True)
        if row.size != total:
            raise ProblemError(
                409,
                "size_mismatch",
                f"附件总大小与之前上传时不一致（之前 {row.size} 字节，本次 {total} 字节）",
                received=row.received,
                size=row.size,
            )
        held = blobs.size(sha256)
        if offset != held:
            raise ProblemError(
                409,
                "offset_mismatch",
                f"上传位置不对：区中心已收到 {held} 字节，请从第 {held} 字节继续上传",
                received=held,
                size=row.size,
            )
        if offset + len(chunk) > total:
            raise ProblemError(400, "chunk_overflow", "上传的数据超过了声明的附件大小")
        if chunk:
            held = blobs.append(sha256, chunk)
        row.received = held
        if held == total:
            digest = hashlib.sha256()
            for part in blobs.read(sha256):
                digest.update(part)
            if digest.hexdigest() != sha256:
                blobs.delete(sha256)
                row.received = 0
                s.flush()
                raise _Mismatch()
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
    """:func:`put_chunk`, turning a failed hash check into 422 after the reset is committed."""
    try:
        return put_chunk(db, blobs, sha256, offset, total, chunk, station_id=station_id, max_bytes=max_bytes)
    except _Mismatch:
        with db.session() as s:
            row = s.get(Attachment, sha256)
            if row is not None and not row.complete:
                row.received = 0
        raise ProblemError(
            422,
            "hash_mismatch",
            "附件内容与其 sha256 摘要不符，已丢弃已收到的部分，请重新上传整个文件",
            received=0,
        ) from None
