"""Import a station's offline bundle (离线同步包) and write the signed answer bundle.

::

    center = open_center(settings)
    keys = load_key_file(key_file, passphrase)          # recovery key decrypts, signing key signs the answer
    summary = import_bundle(center, keys, Path("station-7.bmzz"), Path("answer.bmzz"))

The bundle format and its cryptography are :mod:`sync.bundle_format` (see :mod:`sync.bundle` for the
station side). Order of work:

1. read the header, find the station, refuse a revoked or unknown one, and **verify the station's signature
   over the whole file** before decrypting anything;
2. stream scans into the center's attachment service chunk by chunk (``attachments.put_chunk_checked``:
   the same offset, size and sha256 checks as ``PUT /attachments``; complete ones are skipped, partial ones
   resume at the byte held), so a bundle with many scans never sits in memory;
3. ingest cases in batches through :class:`district_center.services.cases.ingest.Ingest` — the network path's
   idempotent upsert, so importing the same bundle twice gives the same receipts and changes nothing;
4. store the failed-query records (``search_miss``, :func:`~district_center.services.catalog.search_misses.
   record_misses`, as ``POST /search-misses`` does: idempotent per record, a malformed one refused alone);
5. record the station's feed cursor from the header as acknowledged (it applied those events), and write
   the answer: receipts, which failed-query records were stored or refused, the feed after that cursor, the
   newest catalog (delta when one is pre-signed) and the holiday calendar, encrypted to the bundle's reply
   key and signed with the district signing key. Its header lists ``accepts: ["search_miss"]``: a station
   puts its failed-query log into a bundle only after an answer said so (an older center would refuse the
   whole bundle for a record kind it does not know).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import select

from casework import clock
from casework.clock import iso_z
from district_center.context import Center
from district_center.db.models import Station
from district_center.keys import DistrictKeys
from district_center.services.attachments import uploads as attachments
from district_center.services.cases.feed import ack_feed, read_feed
from district_center.services.cases.ingest import Ingest
from district_center.services.catalog.current import (
    calendar_document,
    catalog_document,
    delta_document,
    latest_catalog_version,
)
from district_center.services.catalog.search_misses import record_misses
from district_center.services.stations.auth import AuthedStation
from sync.bundle_format import BundleError, BundleWriter, read_bundle, read_header, verify_bundle
from sync.protocol import (
    MAX_BATCH_CASES,
    MAX_BATCH_SEARCH_MISSES,
    CaseReceipt,
    ReceiptStatus,
    SearchMissResult,
    b64decode,
    load_public_key,
)
from sync.search_log import MAX_PENDING as MAX_SEARCH_MISSES

__all__ = ["BundleError", "import_bundle"]

KIND_OUTBOX = "station-outbox"
KIND_ANSWER = "district-answer"
FEED_PAGE = 500
ACCEPTS = ["search_miss"]  # record kinds beyond cases and scans this center takes (answer header)


class _BlobSink:
    """Feeds one announced scan into the attachment service as its bytes stream past."""

    def __init__(self, center: Center, station_id: str, sha256: str, size: int) -> None:
        self.center, self.station_id, self.sha256, self.size = center, station_id, sha256, size
        held = attachments.status(center.db, center.blobs, sha256, station_id=station_id)
        self.complete = held is not None and held.complete
        self.skip = 0 if held is None else held.received  # bytes the center already holds
        self.seen = 0
        self.rejected: str | None = None

    def feed(self, chunk: bytes) -> None:
        start, self.seen = self.seen, self.seen + len(chunk)
        if self.complete or self.rejected is not None or self.seen <= self.skip:
            return
        part = chunk[max(0, self.skip - start) :]
        offset = max(start, self.skip)
        try:
            status = attachments.put_chunk_checked(
                self.center.db,
                self.center.blobs,
                self.sha256,
                offset,
                self.size,
                part,
                station_id=self.station_id,
                max_bytes=self.center.settings.max_attachment_bytes,
            )
        except attachments.UploadRefused as exc:
            self.rejected = exc.text("zh_CN")
            return
        self.skip = status.received
        self.complete = status.complete


def _station(center: Center, station_id: str) -> tuple[AuthedStation, str]:
    with center.db.read_session() as s:
        row = s.scalar(select(Station).where(Station.id == station_id))
        if row is None or row.public_key is None:
            raise BundleError("区中心没有这个服务站的注册信息，不能导入它的同步包")
        if row.status == "revoked":
            raise BundleError("该服务站已被停用，不能导入它的同步包")
        return AuthedStation(row.id, row.station_no, row.jurisdiction or "", b""), row.public_key


def import_bundle(center: Center, keys: DistrictKeys, bundle: Path, answer: Path) -> dict[str, Any]:
    """Import ``bundle`` and write the answer to ``answer``; returns a summary (counts only)."""
    with open(bundle, "rb") as f:
        header = read_header(f).data
        if header.get("kind") != KIND_OUTBOX:
            raise BundleError("这不是服务站导出的同步包")
        station, public_key = _station(center, str(header.get("station_id")))
        verify_bundle(f, load_public_key(public_key))
        _, items = read_bundle(f, keys.recovery)
        receipts: list[CaseReceipt] = []
        batch: list[Any] = []
        sink: _BlobSink | None = None
        blobs_in = 0
        blob_problems: dict[str, str] = {}
        misses: list[Any] = []

        def flush() -> None:
            if batch:
                receipts.extend(Ingest(center.db, station).run(list(batch)).receipts)
                batch.clear()

        for kind, value in items:
            if kind == "bytes":
                if sink is None:
                    raise BundleError("同步包格式错误：扫描件数据前没有说明")
                sink.feed(value)
                continue
            t = value.get("t") if isinstance(value, dict) else None
            if sink is not None and sink.rejected and t in ("blob", "case"):
                blob_problems[sink.sha256] = sink.rejected
            if t == "blob":
                sink = _BlobSink(center, station.id, str(value["sha256"]), int(value["size"]))
                blobs_in += 1
            elif t == "case":
                sink = None
                batch.append({k: value.get(k) for k in ("id", "version", "case")})
                if len(batch) >= MAX_BATCH_CASES:
                    flush()
            elif t == "search_miss":
                if len(misses) >= MAX_SEARCH_MISSES:
                    raise BundleError("同步包中未找到的搜索记录过多")
                misses.append(value.get("miss"))
            elif t == "end":
                flush()
            else:
                raise BundleError("同步包含有未知记录")
    logged = _record_misses(center, station.id, misses) if misses else None
    cursor = int(header.get("feed_cursor") or 0)
    _write_answer(center, keys, header, station, receipts, logged, cursor, answer)
    return {
        "station_no": station.station_no,
        "cases": len(receipts),
        "blobs": blobs_in,
        "accepted": sum(r.status is ReceiptStatus.ACCEPTED for r in receipts),
        "rejected": sum(r.status is ReceiptStatus.REJECTED for r in receipts),
        "blob_problems": len(blob_problems),
        "search_misses": sum(len(r.accepted) for r in logged) if logged else 0,
        "answer": str(answer),
    }


def _record_misses(center: Center, station_id: str, misses: list[Any]) -> list[SearchMissResult]:
    """Store the bundle's failed-query records in the network path's batches (one answer record each)."""
    now = clock.now()
    return [
        record_misses(center.db, station_id, misses[i : i + MAX_BATCH_SEARCH_MISSES], now=now)
        for i in range(0, len(misses), MAX_BATCH_SEARCH_MISSES)
    ]


def _write_answer(
    center: Center,
    keys: DistrictKeys,
    header: dict[str, Any],
    station: AuthedStation,
    receipts: list[CaseReceipt],
    logged: list[SearchMissResult] | None,
    cursor: int,
    answer: Path,
) -> None:
    reply_key = X25519PublicKey.from_public_bytes(b64decode(str(header.get("reply_key"))))
    tmp = answer.with_name(answer.name + ".part")
    with open(tmp, "wb") as out:
        writer = BundleWriter(
            out,
            header={
                "kind": KIND_ANSWER,
                "in_reply_to": header.get("bundle_id"),
                "station_id": station.id,
                "created_at": iso_z(clock.now()),
                "accepts": ACCEPTS,
            },
            recipient=reply_key,
            signer=keys.signing,
        )
        for i in range(0, len(receipts), MAX_BATCH_CASES):
            part = receipts[i : i + MAX_BATCH_CASES]
            writer.record({"t": "receipts", "receipts": [r.to_dict() for r in part]})
        for logged_part in logged or ():
            writer.record(
                {"t": "search_log", "accepted": logged_part.accepted, "rejected": logged_part.rejected}
            )
        with center.db.session() as s:
            if cursor:
                # a cursor beyond the feed is ignored: the station gets everything after it anyway
                with contextlib.suppress(ValueError):
                    ack_feed(s, station.id, cursor)
        after = cursor
        events = 0
        while True:
            with center.db.read_session() as s:
                page, after_next = read_feed(s, station.id, after, FEED_PAGE)
            if not page:
                break
            writer.record({"t": "feed", "events": [e.to_dict() for e in page], "next": after_next})
            events += len(page)
            after = after_next
        with center.db.read_session() as s:
            latest = latest_catalog_version(s)
            since = int(header.get("catalog_version") or 0)
            if latest is not None and latest > since:
                raw = (since and delta_document(s, latest, since)) or catalog_document(s, latest)
                if raw:
                    writer.record({"t": "catalog", "envelope": json.loads(raw)})
            calendar = calendar_document(s)
            held_calendar = int(header.get("calendar_version") or 0)
            if calendar is not None and int(calendar.get("version", 0)) > held_calendar:
                writer.record({"t": "calendar", "envelope": calendar})
        writer.finish({"receipts": len(receipts), "events": events})
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, answer)
