"""Moving every blob from one store to another (``district-center blobs migrate --to s3``): resumable and
verified.

The keys come from the database (the file store's names are HMACs and cannot be listed): verified
attachments (``<sha256>``), result documents (``result:<sha256>``) and uploads in progress
(``upload/<station>/<sha256>``). For each key: when the target already holds it with the same plaintext
size it is skipped (a resumed run starts where the last one stopped); otherwise it is copied — a whole
blob with ``put_stream`` (atomic on the target), an upload in progress chunk by chunk so it can go on —
and read back from the target: a content-addressed blob must hash to its digest, an upload in progress to
the source's bytes, before it counts. Nothing is deleted from the source: switch ``blob_store`` once the
run reports no failures, then remove the old directory.

    report = migrate_blobs(db, source, target)   # MigrationReport: copied, skipped, failed, bytes, seconds
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from district_center.db.engine import Database
from district_center.db.models import Attachment, ResultDocument, UploadSession
from district_center.services.attachments.blobstore import BlobError, BlobStore, upload_key

__all__ = ["MigrationReport", "blob_keys", "migrate_blobs"]


@dataclass
class MigrationReport:
    copied: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["mb_per_s"] = round(self.bytes / 2**20 / self.seconds, 1) if self.seconds else 0.0
        return out


def blob_keys(db: Database) -> Iterator[tuple[str, str | None]]:
    """(blob key, the sha256 its plaintext must have — None for an upload in progress)."""
    with db.read_session() as s:
        shas = list(s.scalars(select(Attachment.sha256).order_by(Attachment.sha256)))
        results = list(s.scalars(select(ResultDocument.sha256).distinct().order_by(ResultDocument.sha256)))
        uploads = s.execute(
            select(UploadSession.station_id, UploadSession.sha256).where(UploadSession.complete.is_(False))
        ).all()
    yield from ((sha, sha) for sha in shas)
    yield from ((f"result:{sha}", sha) for sha in results)
    yield from ((upload_key(station, sha), None) for station, sha in uploads)


def _digest(store: BlobStore, key: str) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    for part in store.read(key):
        h.update(part)
        n += len(part)
    return h.hexdigest(), n


def migrate_blobs(db: Database, source: BlobStore, target: BlobStore) -> MigrationReport:
    report = MigrationReport()
    start = time.perf_counter()
    for key, expected in blob_keys(db):
        if not source.exists(key):
            continue  # e.g. a session that never received a byte
        size = source.size(key)
        if target.exists(key) and target.size(key) == size:
            report.skipped += 1
            continue
        try:
            want = expected or _digest(source, key)[0]
            if expected is None:  # an upload in progress stays appendable on the target: chunk by chunk
                target.delete(key)
                for part in source.read(key):
                    target.append(key, part)
            else:
                target.put_stream(key, source.read(key))
            got, n = _digest(target, key)
        except BlobError:
            report.failed.append(key)
            continue
        if got != want or n != size:
            target.delete(key)
            report.failed.append(key)
            continue
        report.copied += 1
        report.bytes += n
    report.seconds = round(time.perf_counter() - start, 3)
    return report
