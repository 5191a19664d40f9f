"""The station side of sync on the encrypted station store (``storage.store.StationStore``).

:class:`StationSyncStore` implements :class:`sync.ports.SyncStore`; every state change is one
``store.transaction`` (one durable commit). Collections it owns, besides the outbox ones of
:mod:`sync.outbox`:

``sync_state``  ``identity`` (station id/no, Ed25519 private key, pinned district keys, center URL),
                ``run`` (the persisted stage of the current sync run), ``feed`` (cursor),
                ``calendar`` (version), ``bundle_reply`` (key for the answer to an exported bundle)
``catalog``     ``current``: ``{version, catalog, envelope, applied_at}`` — the verified catalog the station
                works on (``Catalog.to_dict()``) and the signed envelope it came from
``calendar``    one published :class:`casework.workdays.HolidayTable` per year (key: the year)
``sync_inbox``  every feed event, for the worker's notices (key: zero-padded ``seq``)
``cases``       the station's cases (``Case.to_dict()``, key: case id): feed events move them through the
                casework state machine; a receipt moves ``queued -> delivered``
``drafts``      drafts flagged when a new catalog changes or cancels their item

Personal data never goes to logs: log lines name case ids and counts only.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.cases import Case, CaseError, CaseStatus, Side
from casework.catalog import Catalog, CatalogError, diff
from sync import apply as apply_mod
from sync.errors import NotEnrolled
from sync.outbox import OUTBOX, RECEIPTS, REJECTED
from sync.ports import AppliedFeed, OutboxItem, ReceiptOutcome
from sync.protocol import (
    CaseReceipt,
    FeedEvent,
    JSONObject,
    SignedEnvelope,
    b64decode,
    b64encode,
    case_digest,
    load_public_key,
)
from sync.service import StationIdentity

__all__ = ["CASES", "CATALOG", "SYNC_STATE", "StationSyncStore", "load_identity", "save_identity"]

log = logging.getLogger("sync")

SYNC_STATE = "sync_state"
CATALOG = "catalog"
CALENDAR = "calendar"
INBOX = "sync_inbox"
CASES = "cases"
DRAFTS = "drafts"


class _Tx(Protocol):
    def get(self, collection: str, key: str) -> dict[str, Any] | None: ...

    def put(self, collection: str, key: str, doc: dict[str, Any]) -> None: ...

    def delete(self, collection: str, key: str) -> None: ...

    def __enter__(self) -> _Tx: ...

    def __exit__(self, *exc: Any) -> None: ...


class _Blobs(Protocol):
    def has(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def read_range(self, sha256: str, offset: int, length: int) -> bytes: ...


class Store(Protocol):
    """The part of ``storage.store.StationStore`` sync uses."""

    def transaction(self, actor: str = ..., action: str = ...) -> Any: ...

    def get(self, collection: str, key: str) -> dict[str, Any] | None: ...

    def keys_of(self, collection: str) -> list[str]: ...

    def count(self, collection: str) -> int: ...

    @property
    def blobs(self) -> Any: ...


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- identity


def save_identity(tx: Any, *, center_url: str, station_id: str, station_no: int, key: Ed25519PrivateKey,
                  district_code: str, district_name: str, signing_key: str, recovery_key: str,
                  station_name: str = "") -> None:
    """Store what enrollment established (the private key only ever inside the encrypted store)."""
    key_id = "district-" + hashlib.sha256(b64decode(signing_key)).hexdigest()[:16]
    tx.put(SYNC_STATE, "identity", {
        "center_url": center_url.rstrip("/"), "station_id": station_id, "station_no": station_no,
        "station_key": b64encode(key.private_bytes_raw()), "district_code": district_code,
        "district_name": district_name, "catalog_signing_key": signing_key, "district_key_id": key_id,
        "recovery_public_key": recovery_key, "station_name": station_name, "enrolled_at": _now(),
    })


def load_identity(store: Store) -> StationIdentity:
    doc = store.get(SYNC_STATE, "identity")
    if doc is None:
        raise NotEnrolled("本站尚未在区中心注册")
    return StationIdentity(
        center_url=str(doc["center_url"]), station_id=str(doc["station_id"]),
        station_no=int(doc["station_no"]),
        key=Ed25519PrivateKey.from_private_bytes(b64decode(str(doc["station_key"]))),
        district_signing_key=load_public_key(str(doc["catalog_signing_key"])),
        district_code=str(doc.get("district_code", "")),
    )


# --------------------------------------------------------------------------- the SyncStore


class StationSyncStore:
    """:class:`sync.ports.SyncStore` over a station store (unlocked). Thread-safe as the store is."""

    def __init__(self, store: Store, *, clock: Callable[[], str] = _now, actor: str = "sync") -> None:
        self.store = store
        self._clock = clock
        self._actor = actor

    def _tx(self, action: str) -> Any:
        return self.store.transaction(actor=self._actor, action=action)

    # -- runs

    def load_run(self) -> JSONObject | None:
        return self.store.get(SYNC_STATE, "run")

    def save_run(self, run: JSONObject | None) -> None:
        with self._tx("sync.stage") as tx:
            if run is None:
                tx.delete(SYNC_STATE, "run")
            else:
                tx.put(SYNC_STATE, "run", run)

    # -- outbox

    def pending(self, limit: int, skip: Collection[str] = ()) -> list[OutboxItem]:
        out: list[OutboxItem] = []
        keys = [k for k in sorted(self.store.keys_of(OUTBOX)) if k not in skip]  # UUIDv7 ids: oldest first
        for key in keys[:limit]:
            doc = self.store.get(OUTBOX, key)
            if doc is not None:
                out.append(OutboxItem(str(doc["case_id"]), int(doc["version"]), dict(doc["case"]),
                                      tuple(doc.get("attachments", ())), int(doc.get("prior_version", 0))))
        return out

    def pending_count(self) -> int:
        return self.store.count(OUTBOX)

    def rejected_count(self) -> int:
        return self.store.count(REJECTED)

    def record_receipts(self, sent: Sequence[OutboxItem], receipts: Sequence[CaseReceipt]) -> ReceiptOutcome:
        outcome = ReceiptOutcome()
        by_key = {(i.case_id, i.version): i for i in sent}
        at = self._clock()
        with self._tx("sync.receipts") as tx:
            for receipt in receipts:
                item = by_key.get((receipt.id, receipt.version))
                if item is None:
                    continue  # not something we sent in this batch
                current = tx.get(OUTBOX, item.case_id)
                record = {"case_id": item.case_id, "version": receipt.version,
                          "status": receipt.status.value, "seq": receipt.seq, "digest": receipt.digest,
                          "reason": receipt.reason, "at": at}
                if current is None:
                    continue
                if int(current["version"]) != item.version:
                    outcome.superseded.append(item.case_id)  # edited meanwhile: the newer one stays
                    continue
                if receipt.accepted:
                    if receipt.digest and receipt.digest != case_digest(item.case):
                        # the center holds other content under this version (e.g. a restored station):
                        # re-send the current content as a new version rather than trust the old one
                        current["version"] = item.version + 1
                        tx.put(OUTBOX, item.case_id, current)
                        outcome.superseded.append(item.case_id)
                        continue
                    tx.delete(OUTBOX, item.case_id)
                    tx.put(RECEIPTS, item.case_id, record)
                    self._mark_delivered(tx, item.case_id, at)
                    outcome.delivered.append(item.case_id)
                else:
                    tx.delete(OUTBOX, item.case_id)
                    reason = receipt.reason or "区中心退回（未说明原因）"
                    tx.put(REJECTED, item.case_id, {**current, "reason": reason, "rejected_at": at})
                    tx.put(RECEIPTS, item.case_id, record)
                    outcome.rejected.append(item.case_id)
        if outcome.rejected:
            log.info("center rejected %d case(s): %s", len(outcome.rejected), ", ".join(outcome.rejected))
        return outcome

    def _mark_delivered(self, tx: Any, case_id: str, at: str) -> None:
        doc = tx.get(CASES, case_id)
        if doc is None or doc.get("status") != CaseStatus.QUEUED.value:
            return
        try:
            case = Case.from_dict(doc)
            when = max(datetime.fromisoformat(at.replace("Z", "+00:00")), case.updated_at)
            case.transition(CaseStatus.DELIVERED, actor="sync", at=when, side=Side.STATION)
        except (CaseError, ValueError, KeyError, TypeError):
            log.warning("case %s: could not record delivery locally", case_id)
            return
        out = case.to_dict()
        if "_feed_seq" in doc:
            out["_feed_seq"] = doc["_feed_seq"]
        tx.put(CASES, case_id, out)

    def fail_locally(self, items: Sequence[OutboxItem], reason: str) -> None:
        at = self._clock()
        with self._tx("sync.undeliverable") as tx:
            for item in items:
                current = tx.get(OUTBOX, item.case_id)
                if current is not None and int(current["version"]) == item.version:
                    tx.delete(OUTBOX, item.case_id)
                    tx.put(REJECTED, item.case_id, {**current, "reason": reason, "rejected_at": at,
                                                    "local": True})

    # -- blobs

    def blob_size(self, sha256: str) -> int | None:
        blobs = self.store.blobs
        if not blobs.has(sha256):
            return None
        return int(blobs.size(sha256))

    def read_blob(self, sha256: str, offset: int, length: int) -> bytes:
        if length == 0:
            return b""
        return bytes(self.store.blobs.read_range(sha256, offset, length))

    # -- catalog

    def catalog_version(self) -> int:
        """The version of the district-signed catalog the station holds; 0 when it holds none, or only a
        locally installed (unsigned, e.g. sample) catalog — the district's then replaces it."""
        doc = self.store.get(CATALOG, "current")
        return int(doc["version"]) if doc and doc.get("envelope") else 0

    def current_catalog(self) -> Catalog | None:
        doc = self.store.get(CATALOG, "current")
        if doc is None:
            return None
        try:
            return Catalog.from_dict(doc["catalog"])
        except (CatalogError, KeyError, TypeError, ValueError):
            log.warning("stored catalog unreadable; the next sync downloads a full copy")
            return None

    def apply_catalog(self, envelope: SignedEnvelope) -> JSONObject:
        """Validate and switch to the new catalog in one commit; flag drafts whose item changed."""
        old = self.current_catalog()
        new = apply_mod.catalog_from_envelope(envelope, old)
        flagged = 0
        with self._tx("sync.catalog") as tx:
            # ``catalog`` is what the station works on; ``envelope`` the signed document it came from
            # (for a delta, the delta) so that the provenance can be re-verified later
            tx.put(CATALOG, "current", {"version": new.version, "applied_at": self._clock(),
                                        "catalog": new.to_dict(), "envelope": envelope.to_dict()})
            if old is not None:
                change = diff(old, new)
                for key in self.store.keys_of(DRAFTS):
                    draft = tx.get(DRAFTS, key)
                    marked = apply_mod.flag_draft(draft, change) if draft else None
                    if marked is not None:
                        tx.put(DRAFTS, key, marked)
                        flagged += 1
        return {"version": new.version, "drafts_flagged": flagged}

    # -- calendar

    def calendar_version(self) -> int:
        doc = self.store.get(SYNC_STATE, "calendar")
        return int(doc["version"]) if doc else 0

    def apply_calendar(self, envelope: SignedEnvelope) -> None:
        tables = apply_mod.calendar_tables(envelope)
        with self._tx("sync.calendar") as tx:
            for table in tables:
                tx.put(CALENDAR, str(table.year), {**table.to_dict(), "version": envelope.version})
            tx.put(SYNC_STATE, "calendar", {"version": envelope.version, "envelope": envelope.to_dict()})

    # -- feed

    def feed_cursor(self) -> int:
        doc = self.store.get(SYNC_STATE, "feed")
        return int(doc["cursor"]) if doc else 0

    def apply_feed(self, events: Sequence[FeedEvent], next_cursor: int) -> AppliedFeed:
        result = AppliedFeed()
        with self._tx("sync.feed") as tx:
            for event in events:
                tx.put(INBOX, f"{event.seq:012d}", {**event.to_dict(), "read": False})
                if event.type == "routed_in":
                    self._routed_in(tx, event, result)
                    continue
                if not event.case_id:
                    result.skipped += 1
                    continue
                doc = tx.get(CASES, event.case_id)
                if doc is None:
                    result.skipped += 1
                    continue
                new, note = apply_mod.apply_event(doc, event)
                if new is None:
                    result.skipped += 1
                    if note != "already applied" and note != "not a status event":
                        log.warning("feed event %d for case %s not applied: %s", event.seq, event.case_id,
                                    note)
                    continue
                tx.put(CASES, event.case_id, new)
                result.applied += 1
            tx.put(SYNC_STATE, "feed", {"cursor": next_cursor, "at": self._clock()})
        return result

    def _routed_in(self, tx: Any, event: FeedEvent, result: AppliedFeed) -> None:
        case_doc = event.payload.get("case")
        if not event.case_id or not isinstance(case_doc, dict) or tx.get(CASES, event.case_id) is not None:
            result.skipped += 1
            return
        try:
            Case.from_dict(case_doc)
        except (ValueError, KeyError, TypeError, CaseError):
            result.skipped += 1
            return
        tx.put(CASES, event.case_id, {**case_doc, "_routed_in": True, "_feed_seq": event.seq})
        result.created += 1
        result.applied += 1
