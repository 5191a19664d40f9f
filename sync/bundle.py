"""Offline bundles (离线同步包) on the station: for a station that never gets a connection.

::

    summary = export_bundle(store, Path("/media/usb/station-7.bmzz"))      # outbox + scans, encrypted
    # … the USB stick goes to the district: district-center import-bundle FILE --out ANSWER …
    result = import_answer(store, Path("/media/usb/answer.bmzz"))          # receipts, feed, catalog, calendar

The export carries the same messages as the network push (every queued case version with its scans, and the
failed-query log once the district has said it takes it) plus the station's feed cursor and catalog/calendar
versions, in the container of :mod:`sync.bundle_format`:
encrypted to the district's **X25519 recovery public key** pinned at enrollment (the district already keeps
that key offline behind a passphrase; a separate transport key would be one more key to rotate and lose —
the HKDF label keeps the two uses apart), signed by the station's Ed25519 key. The export also carries a
fresh X25519 **reply key**; its private half stays in the station store (``sync_state/bundle_reply:<id>``) and
the district encrypts the answer to it, signed with the district signing key the station pinned.

The failed-query log (未找到的搜索, :mod:`sync.search_log`) travels as ``search_miss`` records only after an
answer's header listed ``"search_miss"`` in ``accepts`` (kept as ``sync_state/bundle_accepts``): a center
that predates the log refuses a bundle with a record it does not know, so a station never risks its cases for
it. The first answer from a current center turns it on; its ``search_log`` record names the ids stored or
refused, which the station then forgets, as after ``push_search_log``.

Idempotency: the district ingests through the same services as the network path (replayed ``(id, version)``
pairs get their stored receipts; complete attachments are skipped), and applying an answer twice changes
nothing (receipts for cases no longer queued are ignored, feed events at or below the cursor are skipped,
a catalog not newer than the station's is not applied). Memory stays at one frame (≤ 1 MiB) both ways.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from casework import clock
from sync.bundle_format import BundleError, BundleWriter, read_bundle, verify_bundle
from sync.engine_core import CATALOG_KINDS, verify_document
from sync.errors import DocumentRefused
from sync.local import SYNC_STATE, StationSyncStore, load_identity
from sync.outbox import OUTBOX
from sync.ports import OutboxItem
from sync.protocol import CaseReceipt, FeedEvent, JSONObject, ProtocolError, b64decode, b64encode
from sync.search_log import MAX_PENDING as MAX_PENDING_SEARCH_LOG
from sync.search_log import SEARCH_LOG

__all__ = ["KIND_ANSWER", "KIND_OUTBOX", "BundleError", "export_bundle", "import_answer"]

KIND_OUTBOX = "station-outbox"
KIND_ANSWER = "district-answer"
ACCEPTS_SEARCH_MISS = "search_miss"  # in an answer header's ``accepts``: the district takes the log by bundle
BLOB_READ = 1024 * 1024


def _now() -> str:
    return clock.iso_z(clock.now())


def export_bundle(store: Any, path: Path) -> JSONObject:
    """Write every queued case and its scans to ``path`` (atomically: a temp file renamed at the end)."""
    identity = load_identity(store)
    doc = store.get(SYNC_STATE, "identity")
    recovery = X25519PublicKey.from_public_bytes(b64decode(str(doc["recovery_public_key"])))
    sync_store = StationSyncStore(store)
    reply = X25519PrivateKey.generate()
    bundle_id = uuid.uuid4().hex
    with store.transaction(actor="sync", action="sync.bundle_export") as tx:
        tx.put(
            SYNC_STATE,
            f"bundle_reply:{bundle_id}",
            {"private_key": b64encode(reply.private_bytes_raw()), "created_at": _now()},
        )
    header = {
        "kind": KIND_OUTBOX,
        "bundle_id": bundle_id,
        "station_id": identity.station_id,
        "created_at": _now(),
        "feed_cursor": sync_store.feed_cursor(),
        "catalog_version": sync_store.catalog_version(),
        "calendar_version": sync_store.calendar_version(),
        "reply_key": b64encode(reply.public_key().public_bytes_raw()),
    }
    tmp = path.with_name(path.name + ".part")
    cases = blobs = blob_bytes = 0
    written: set[str] = set()
    with open(tmp, "wb") as out:
        writer = BundleWriter(out, header=header, recipient=recovery, signer=identity.key)
        for key in sorted(store.keys_of(OUTBOX)):
            entry = store.get(OUTBOX, key)
            if entry is None:
                continue
            for sha in entry.get("attachments", []):
                if sha in written or not store.blobs.has(sha):
                    continue
                size = int(store.blobs.size(sha))
                writer.blob(sha, size, store.blobs.iter_chunks(sha, 0, BLOB_READ))
                written.add(sha)
                blobs += 1
                blob_bytes += size
            writer.record(
                {"t": "case", "id": entry["case_id"], "version": entry["version"], "case": entry["case"]}
            )
            cases += 1
        misses = 0
        if ACCEPTS_SEARCH_MISS in _accepted_kinds(store):
            for miss in sync_store.pending_search_misses(MAX_PENDING_SEARCH_LOG):
                writer.record({"t": "search_miss", "miss": miss})
                misses += 1
        summary = {"cases": cases, "blobs": blobs, "blob_bytes": blob_bytes, "search_misses": misses}
        writer.finish(summary)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return {"bundle_id": bundle_id, "path": str(path), **summary}


def import_answer(store: Any, path: Path) -> JSONObject:
    """Verify the district's answer (signature first), then apply it; see the module docstring."""
    identity = load_identity(store)
    sync_store = StationSyncStore(store)
    with open(path, "rb") as f:
        header = verify_bundle(f, identity.district_signing_key)
        if header.get("kind") != KIND_ANSWER or header.get("station_id") != identity.station_id:
            raise BundleError("sync.bundle.answer_not_for_station")
        reply = store.get(SYNC_STATE, f"bundle_reply:{header.get('in_reply_to')}")
        if reply is None:
            raise BundleError("sync.bundle.answer_unknown_export")
        key = X25519PrivateKey.from_private_bytes(b64decode(str(reply["private_key"])))
        _, items = read_bundle(f, key)
        result = _apply_answer(sync_store, store, items, identity.district_signing_key)
    accepts = header.get("accepts")
    kinds = sorted({str(k) for k in accepts}) if isinstance(accepts, list) else []
    if kinds != _accepted_kinds(store):
        with store.transaction(actor="sync", action="sync.bundle_accepts") as tx:
            tx.put(SYNC_STATE, "bundle_accepts", {"kinds": kinds, "updated_at": _now()})
    return result


def _accepted_kinds(store: Any) -> list[str]:
    """What the district said, in its last answer, it takes by bundle beyond cases and scans."""
    doc = store.get(SYNC_STATE, "bundle_accepts")
    kinds = doc.get("kinds") if isinstance(doc, dict) else None
    return sorted(str(k) for k in kinds) if isinstance(kinds, list) else []


def _apply_answer(
    sync_store: StationSyncStore, store: Any, items: Iterator[tuple[str, Any]], pinned: Any
) -> JSONObject:
    result: JSONObject = {
        "delivered": 0,
        "rejected": 0,
        "feed_events": 0,
        "catalog_updated": False,
        "calendar_updated": False,
        "search_misses_delivered": 0,
        "warnings": [],
    }
    events: list[FeedEvent] = []
    feed_next = sync_store.feed_cursor()
    ended = False
    for kind, value in items:
        if kind != "record" or not isinstance(value, dict):
            raise BundleError("sync.bundle.answer_malformed")
        t = value.get("t")
        try:
            if t == "receipts":
                receipts = [CaseReceipt.from_dict(r) for r in value.get("receipts", [])]
                sent = []
                for r in receipts:
                    entry = store.get(OUTBOX, r.id)
                    if entry is not None:
                        sent.append(
                            OutboxItem(r.id, r.version, dict(entry["case"]), tuple(entry["attachments"]))
                        )
                outcome = sync_store.record_receipts(sent, receipts)
                result["delivered"] += len(outcome.delivered)
                result["rejected"] += len(outcome.rejected)
            elif t == "feed":
                events.extend(FeedEvent.from_dict(e) for e in value.get("events", []))
                feed_next = max(feed_next, int(value.get("next", feed_next)))
            elif t in ("catalog", "calendar"):
                kinds = CATALOG_KINDS if t == "catalog" else ("calendar",)
                current = sync_store.catalog_version() if t == "catalog" else sync_store.calendar_version()
                env = verify_document(
                    value.get("envelope"), pinned, kinds=kinds, now_iso=_now(), current_version=current
                )
                if env is not None and t == "catalog":
                    sync_store.apply_catalog(env)
                    result["catalog_updated"] = True
                elif env is not None:
                    sync_store.apply_calendar(env)
                    result["calendar_updated"] = True
            elif t == "search_log":
                held = set(store.keys_of(SEARCH_LOG))
                stored = {str(i) for i in value["accepted"]}
                answered = held & (stored | {str(i) for i in value["rejected"]})
                if answered:
                    sync_store.search_misses_delivered(sorted(answered))
                result["search_misses_delivered"] += len(answered & stored)
            elif t == "end":
                ended = True
        except DocumentRefused as exc:
            result["warnings"].append(exc.worker_text())
        except (ProtocolError, KeyError, TypeError, ValueError) as exc:
            raise BundleError("sync.bundle.answer_malformed_because", reason=str(exc)) from None
    if not ended:
        raise BundleError("sync.bundle.answer_incomplete")
    cursor = sync_store.feed_cursor()
    fresh = [e for e in events if e.seq > cursor]
    if fresh or feed_next > cursor:
        applied = sync_store.apply_feed(fresh, max(feed_next, cursor))
        result["feed_events"] = applied.applied
    return result
