"""The station side of sync on the encrypted station store (``storage.store.StationStore``).

:class:`StationSyncStore` implements :class:`sync.ports.SyncStore`; every state change is one
``store.transaction`` (one durable commit). Collections it owns, besides the outbox ones of
:mod:`sync.outbox`:

``sync_state``  ``identity`` (station id/no, Ed25519 private key, pinned district keys, center URL),
                ``run`` (the persisted stage of the current sync run), ``feed`` (cursor),
                ``calendar`` (version), ``bundle_reply`` (key for the answer to an exported bundle)
``catalog``     ``current``: ``{version, catalog, envelope, applied_at}`` — the verified catalog the station
                works on (``Catalog.to_dict()``) and the signed envelope it came from
``calendar``    one published :class:`casework.workdays.HolidayTable` per year (key: the year); the signed
                envelope itself is ``sync_state/calendar`` (:func:`sync.deadlines.stored_calendar` reads it)
``sync_inbox``  every feed event, for the worker's notices (key: zero-padded ``seq``; pruned by
                :mod:`sync.inbox`, unread notices kept)
``cases``       the station's cases (``Case.to_dict()``, key: case id): feed events move them through the
                casework state machine (and set the center's promised dates); a receipt moves
                ``queued -> delivered``; ``_result_files`` lists the downloaded result documents
                (``[{sha256, name, size, mime, item_code, downloaded_at}]``, blobs in the encrypted store)
``result_downloads``  result documents (结果文书) a ``decided`` / ``result_ready`` event listed, queued in the
                commit that applies the event (key ``<case id>:<sha256>``) until downloaded and verified
``center_confirmations``  written through ``storage.retention.mark_center_confirmed`` when the center is
                known to hold a case's final version (its copy shows the final status the station sent, or
                a feed event makes the case final): retention may purge it after the retention days
``drafts``      drafts flagged when a new catalog changes or cancels their item
``search_log``  failed guide searches waiting for the center (:mod:`sync.search_log`); deleted when the
                center answers for them
``notice_outbox``  一次性告知 / 不予受理 records waiting for the center (:mod:`sync.notices`); deleted
                when the center holds that version, which is then marked confirmed for retention, or
                refuses it (marked the same, ``report_refused``: its retention runs from the refusal)

Personal data never goes to logs: log lines name case ids and counts only.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework import clock, messages
from casework.cases import Case, CaseError, CaseResult, CaseStatus, PickupMethod, Side, format_utc
from casework.catalog import Catalog, CatalogError, diff
from casework.workdays import WorkCalendar
from storage.errors import StorageError
from storage.retention import mark_center_confirmed
from sync import apply as apply_mod
from sync import inbox
from sync.deadlines import recompute_cases, stored_calendar
from sync.engine_core import FINAL_STATUSES
from sync.errors import NotEnrolled
from sync.notices import NOTICE_OUTBOX
from sync.outbox import OUTBOX, RECEIPTS, REJECTED
from sync.ports import AppliedFeed, OutboxItem, ReceiptOutcome, ResultFile
from sync.protocol import (
    STATUS_OVERRULED,
    CaseReceipt,
    EventType,
    FeedEvent,
    JSONObject,
    SignedEnvelope,
    b64decode,
    b64encode,
    case_digest,
    load_public_key,
)
from sync.search_log import SEARCH_LOG
from sync.service import StationIdentity

#: Station moves the center answers with a ``status_overruled`` rejection when it has moved on.
OVERRULABLE = frozenset({CaseStatus.WITHDRAWN, CaseStatus.HANDED_OVER, CaseStatus.CLOSED, CaseStatus.REFUSED})

__all__ = [
    "CASES",
    "CATALOG",
    "RESULT_DOWNLOADS",
    "SYNC_STATE",
    "StationSyncStore",
    "load_identity",
    "save_identity",
]

log = logging.getLogger("sync")

SYNC_STATE = "sync_state"
CATALOG = "catalog"
CALENDAR = "calendar"
INBOX = inbox.INBOX
CASES = "cases"
DRAFTS = "drafts"
RESULT_DOWNLOADS = "result_downloads"
RESULT_EVENTS = ("decided", "result_ready")
_HEX64 = frozenset("0123456789abcdef")


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
    return clock.iso_z(clock.now())


def _with_result_document(doc: JSONObject, sha256: str, item_code: Any) -> JSONObject:
    """``doc`` whose result (of the case, or of sub-case ``item_code``) names ``sha256`` among its
    documents; unchanged when it already does or there is no result to add it to."""
    holder: Any = doc
    if isinstance(item_code, str):
        holder = next(
            (s for s in doc.get("sub_cases", []) if isinstance(s, dict) and s.get("item_code") == item_code),
            None,
        )
    result = holder.get("result") if isinstance(holder, dict) else None
    if not isinstance(result, dict):
        return doc
    try:
        parsed = CaseResult.from_dict(result)
    except (KeyError, TypeError, ValueError):
        return doc
    if sha256 in parsed.documents:
        return doc
    holder["result"] = {**result, "documents": [*parsed.documents, sha256]}
    return doc


# --------------------------------------------------------------------------- identity


def save_identity(
    tx: Any,
    *,
    center_url: str,
    station_id: str,
    station_no: int,
    key: Ed25519PrivateKey,
    district_code: str,
    district_name: str,
    signing_key: str,
    recovery_key: str,
    station_name: str = "",
) -> None:
    """Store what enrollment established (the private key only ever inside the encrypted store)."""
    key_id = "district-" + hashlib.sha256(b64decode(signing_key)).hexdigest()[:16]
    tx.put(
        SYNC_STATE,
        "identity",
        {
            "center_url": center_url.rstrip("/"),
            "station_id": station_id,
            "station_no": station_no,
            "station_key": b64encode(key.private_bytes_raw()),
            "district_code": district_code,
            "district_name": district_name,
            "catalog_signing_key": signing_key,
            "district_key_id": key_id,
            "recovery_public_key": recovery_key,
            "station_name": station_name,
            "enrolled_at": _now(),
        },
    )


def load_identity(store: Store) -> StationIdentity:
    doc = store.get(SYNC_STATE, "identity")
    if doc is None:
        raise NotEnrolled("sync.local.not_enrolled")
    return StationIdentity(
        center_url=str(doc["center_url"]),
        station_id=str(doc["station_id"]),
        station_no=int(doc["station_no"]),
        key=Ed25519PrivateKey.from_private_bytes(b64decode(str(doc["station_key"]))),
        district_signing_key=load_public_key(str(doc["catalog_signing_key"])),
        district_code=str(doc.get("district_code", "")),
    )


# --------------------------------------------------------------------------- the SyncStore


class StationSyncStore:
    """:class:`sync.ports.SyncStore` over a station store (unlocked). Thread-safe as the store is."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], str] = _now,
        actor: str = "sync",
        inbox_days: int = inbox.KEEP_DAYS,
        inbox_cap: int = inbox.CAP,
    ) -> None:
        self.store = store
        self._clock = clock
        self._actor = actor
        self._inbox_days = inbox_days
        self._inbox_cap = inbox_cap

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
                out.append(
                    OutboxItem(
                        str(doc["case_id"]),
                        int(doc["version"]),
                        dict(doc["case"]),
                        tuple(doc.get("attachments", ())),
                        int(doc.get("prior_version", 0)),
                    )
                )
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
                record = {
                    "case_id": item.case_id,
                    "version": receipt.version,
                    "status": receipt.status.value,
                    "seq": receipt.seq,
                    "digest": receipt.digest,
                    "reason": receipt.reason,
                    "at": at,
                }
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
                    reason = receipt.reason or messages.text("sync.warning.returned_no_reason")
                    tx.put(REJECTED, item.case_id, {**current, "reason": reason, "rejected_at": at})
                    tx.put(RECEIPTS, item.case_id, record)
                    outcome.rejected.append(item.case_id)
                    if receipt.code == STATUS_OVERRULED:
                        self._undo_overruled(tx, item.case_id, item.case)
        if outcome.rejected:
            log.info("center rejected %d case(s): %s", len(outcome.rejected), ", ".join(outcome.rejected))
        return outcome

    def _undo_overruled(self, tx: Any, case_id: str, sent: Mapping[str, Any]) -> None:
        """The center refused the final or terminal status the station sent (撤回 after the department
        decided …): take the trailing station-side moves to such statuses off the local case (and its
        sub-cases) so it stands where the center's events apply again. Only while the local case still has
        the status that was sent; the refused version stays in the rejected list with its reason."""
        doc = tx.get(CASES, case_id)
        if doc is None or doc.get("status") != sent.get("status"):
            return
        try:
            case = Case.from_dict(doc)
            undone = []
            while (
                case.history
                and case.history[-1].side is Side.STATION
                and case.history[-1].to_status in OVERRULABLE
            ):
                undone.append(case.history.pop())
            if not undone:
                return
            case.status = undone[-1].from_status
            moves = {(t.to_status, t.at) for t in undone}
            for sub in case.sub_cases:
                popped = []
                while (
                    sub.history
                    and sub.history[-1].side is Side.STATION
                    and (sub.history[-1].to_status, sub.history[-1].at) in moves
                ):
                    popped.append(sub.history.pop())
                if popped:
                    sub.status = popped[-1].from_status
            restored = Case.from_dict(case.to_dict()).to_dict()  # it must still read as a case
            out = {**{k: v for k, v in doc.items() if k.startswith("_")}, **restored}
        except (CaseError, ValueError, KeyError, TypeError):
            log.warning("case %s: could not undo the status the center refused", case_id)
            return
        tx.put(CASES, case_id, out)
        log.info("case %s: the center refused %s; back to %s", case_id, sent.get("status"), case.status.value)

    def _mark_delivered(self, tx: Any, case_id: str, at: str) -> None:
        doc = tx.get(CASES, case_id)
        if doc is None or doc.get("status") != CaseStatus.QUEUED.value:
            return
        try:
            case = Case.from_dict(doc)
            when = max(apply_mod.utc_time(at) or case.updated_at, case.updated_at)
            case.transition(CaseStatus.DELIVERED, actor="sync", at=when, side=Side.STATION)
        except (CaseError, ValueError, KeyError, TypeError):
            log.warning("case %s: could not record delivery locally", case_id)
            return
        # the fields the sync layer keeps on the stored document (_feed_seq, _deadline_corrections …) stay
        out = {**{k: v for k, v in doc.items() if k.startswith("_")}, **case.to_dict()}
        tx.put(CASES, case_id, out)

    def confirm_final(self, case_id: str) -> None:
        with self._tx("sync.center_confirmed") as tx:
            mark_center_confirmed(tx, case_id, self._clock())

    def hold(self, items: Sequence[OutboxItem], reason: str) -> None:
        """Mark these queued versions held (``held: {reason, at}`` on the outbox entry, shown on the sync
        page); they stay queued and are tried again next sync. The mark goes with the entry on receipt."""
        at = self._clock()
        with self._tx("sync.held") as tx:
            for item in items:
                current = tx.get(OUTBOX, item.case_id)
                if current is not None and int(current["version"]) == item.version:
                    tx.put(OUTBOX, item.case_id, {**current, "held": {"reason": reason, "at": at}})

    def fail_locally(self, items: Sequence[OutboxItem], reason: str) -> None:
        at = self._clock()
        with self._tx("sync.undeliverable") as tx:
            for item in items:
                current = tx.get(OUTBOX, item.case_id)
                if current is not None and int(current["version"]) == item.version:
                    tx.delete(OUTBOX, item.case_id)
                    tx.put(
                        REJECTED,
                        item.case_id,
                        {**current, "reason": reason, "rejected_at": at, "local": True},
                    )

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

    # -- failed guide searches

    def pending_search_misses(self, limit: int) -> list[JSONObject]:
        out: list[JSONObject] = []
        for key in sorted(self.store.keys_of(SEARCH_LOG))[:limit]:  # UUIDv7 ids: oldest first
            doc = self.store.get(SEARCH_LOG, key)
            if doc is not None:
                out.append(dict(doc))
        return out

    def search_misses_delivered(self, ids: Sequence[str]) -> None:
        with self._tx("sync.search_log") as tx:
            for key in ids:
                tx.delete(SEARCH_LOG, key)

    # -- 一次性告知 and 不予受理 records

    def pending_notices(self, limit: int) -> list[JSONObject]:
        out: list[JSONObject] = []
        for key in sorted(self.store.keys_of(NOTICE_OUTBOX))[:limit]:  # UUIDv7 case ids: oldest first
            doc = self.store.get(NOTICE_OUTBOX, key)
            if doc is not None:
                out.append(dict(doc))
        return out

    def notices_delivered(self, held: Mapping[str, int], rejected: Sequence[str]) -> None:
        now = format_utc(clock.now())
        with self._tx("sync.notices") as tx:
            for key, version in held.items():
                doc = tx.get(NOTICE_OUTBOX, key)
                if doc is None or int(doc.get("version", 0)) > version:
                    continue  # a newer version was queued meanwhile: it still goes
                tx.delete(NOTICE_OUTBOX, key)
                case = tx.get(CASES, key)
                if case is not None and case.get("status") in FINAL_STATUSES:
                    mark_center_confirmed(tx, key, now)
                elif case is not None and case.get("status") == CaseStatus.NOTICE_ISSUED.value:
                    mark_center_confirmed(tx, key, now)  # retention: storage.retention (notice rules)
            for key in rejected:  # refused for good (the worker is told): kept only as long as retention says
                tx.delete(NOTICE_OUTBOX, key)
                case = tx.get(CASES, key)
                status = case.get("status") if case is not None else None
                if status in FINAL_STATUSES or status == CaseStatus.NOTICE_ISSUED.value:
                    mark_center_confirmed(tx, key, now, report_refused=True)

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
            tx.put(
                CATALOG,
                "current",
                {
                    "version": new.version,
                    "applied_at": self._clock(),
                    "catalog": new.to_dict(),
                    "envelope": envelope.to_dict(),
                },
            )
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

    def work_calendar(self) -> WorkCalendar:
        """The calendar the station counts with (:func:`sync.deadlines.stored_calendar`)."""
        return stored_calendar(self.store)

    def apply_calendar(self, envelope: SignedEnvelope) -> None:
        """Store a newer verified calendar and, in the same commit, recompute the promised dates of every
        open case the station accepted (:func:`sync.deadlines.recompute_cases`: one audit entry per moved
        case and the worker's notice)."""
        tables = apply_mod.calendar_tables(envelope)
        previous = self.work_calendar()
        calendar = WorkCalendar.of(tables, envelope.version)
        catalog = self.current_catalog()
        keys = self.store.keys_of(CASES)
        with self._tx("sync.calendar") as tx:
            for table in tables:
                tx.put(CALENDAR, str(table.year), {**table.to_dict(), "version": envelope.version})
            tx.put(SYNC_STATE, "calendar", {"version": envelope.version, "envelope": envelope.to_dict()})
            recompute_cases(
                tx,
                keys,
                previous=previous,
                calendar=calendar,
                catalog=catalog,
                years=sorted(t.year for t in tables),
            )

    # -- feed

    def feed_cursor(self) -> int:
        doc = self.store.get(SYNC_STATE, "feed")
        return int(doc["cursor"]) if doc else 0

    def apply_feed(
        self,
        events: Sequence[FeedEvent],
        next_cursor: int,
        center_cases: Mapping[str, JSONObject] | None = None,
    ) -> AppliedFeed:
        result = AppliedFeed()
        stored = sorted(self.store.keys_of(INBOX))
        with self._tx("sync.feed") as tx:
            now = apply_mod.utc_time(self._clock()) or clock.now()
            result.pruned = inbox.prune(
                tx, stored, now, days=self._inbox_days, cap=self._inbox_cap, adding=len(events)
            )
            for event in events:
                tx.put(INBOX, f"{event.seq:012d}", {**event.to_dict(), "read": False})
                if event.type in RESULT_EVENTS and event.case_id:
                    result.results_queued += self._queue_results(tx, event)
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
                new, note = apply_mod.apply_event(doc, event, (center_cases or {}).get(event.case_id))
                if new is None and event.type == EventType.DEADLINE_CHANGED.value:
                    # the station recomputed these dates itself when the calendar arrived: nothing new for
                    # the worker (the calendar notice lists the case), so the entry needs no attention
                    tx.put(INBOX, f"{event.seq:012d}", {**event.to_dict(), "read": True})
                if new is None:
                    result.skipped += 1
                    if note != "already applied" and note != "not a status event":
                        log.warning(
                            "feed event %d for case %s not applied: %s", event.seq, event.case_id, note
                        )
                    continue
                tx.put(CASES, event.case_id, new)
                if new.get("status") in FINAL_STATUSES:  # the center recorded the final state itself
                    mark_center_confirmed(tx, event.case_id, self._clock())
                result.applied += 1
            tx.put(SYNC_STATE, "feed", {"cursor": next_cursor, "at": self._clock()})
        return result

    # -- result documents (结果文书)

    def _queue_results(self, tx: Any, event: FeedEvent) -> int:
        """Queue the files a ``decided`` / ``result_ready`` payload lists (``result_documents``:
        ``[{sha256, name, size, mime}]``) for a case the station holds, unless already downloaded."""
        listed = event.payload.get("result_documents")
        doc = tx.get(CASES, str(event.case_id)) if isinstance(listed, list) else None
        if doc is None or not isinstance(listed, list):
            return 0
        pickup = doc.get("pickup")
        if doc.get("_routed_in") and not (
            isinstance(pickup, dict) and pickup.get("method") == PickupMethod.JURISDICTION_WINDOW.value
        ):
            return 0  # 通办 routed here, collected elsewhere: the center gives the files only there
        have = {f.get("sha256") for f in doc.get("_result_files", []) if isinstance(f, dict)}
        item_code = event.payload.get("item_code")
        queued = 0
        for entry in listed:
            sha = entry.get("sha256") if isinstance(entry, dict) else None
            if not isinstance(sha, str) or len(sha) != 64 or not set(sha) <= _HEX64 or sha in have:
                continue
            key = f"{event.case_id}:{sha}"
            if tx.get(RESULT_DOWNLOADS, key) is not None:
                continue
            size = entry.get("size")
            tx.put(
                RESULT_DOWNLOADS,
                key,
                {
                    "case_id": event.case_id,
                    "digest": sha,
                    "name": str(entry.get("name") or ""),
                    "size": size if isinstance(size, int) and not isinstance(size, bool) else 0,
                    "mime": str(entry.get("mime") or ""),
                    "attempts": 0,
                    "queued_at": self._clock(),
                    "feed_seq": event.seq,
                    "item_code": item_code if isinstance(item_code, str) else None,
                },
            )
            queued += 1
        return queued

    def pending_results(self) -> list[ResultFile]:
        out: list[ResultFile] = []
        for key in sorted(self.store.keys_of(RESULT_DOWNLOADS)):
            doc = self.store.get(RESULT_DOWNLOADS, key)
            if doc is not None:
                out.append(
                    ResultFile(
                        str(doc["case_id"]),
                        str(doc["digest"]),
                        str(doc.get("name", "")),
                        int(doc.get("size", 0)),
                        str(doc.get("mime", "")),
                        int(doc.get("attempts", 0)),
                    )
                )
        return out

    def save_result(self, item: ResultFile, data: bytes) -> str | None:
        try:
            ref = self.store.blobs.put_bytes(data)  # durable (fsynced, renamed) before the commit below
        except StorageError as exc:  # a type the encrypted store does not keep (JPG/PNG/PDF only), disk full
            reason = str(getattr(exc, "detail", None) or exc) or messages.text("sync.warning.result_unsaved")
            self.result_failed(item, reason)
            return reason
        key = f"{item.case_id}:{item.sha256}"
        at = self._clock()
        with self._tx("sync.result_document") as tx:
            queued = tx.get(RESULT_DOWNLOADS, key) or {}
            tx.delete(RESULT_DOWNLOADS, key)
            doc = tx.get(CASES, item.case_id)
            if doc is None:  # the case went meanwhile (purged): nothing to attach the file to
                return None
            files = [f for f in doc.get("_result_files", []) if isinstance(f, dict)]
            if all(f.get("sha256") != ref.sha256 for f in files):
                files.append(
                    {
                        "sha256": ref.sha256,
                        "name": item.name,
                        "size": ref.size,
                        "mime": ref.mime,
                        "item_code": queued.get("item_code"),
                        "downloaded_at": at,
                    }
                )
            tx.put(
                CASES,
                item.case_id,
                _with_result_document({**doc, "_result_files": files}, ref.sha256, queued.get("item_code")),
            )
        return None

    def result_failed(self, item: ResultFile, reason: str) -> None:
        key = f"{item.case_id}:{item.sha256}"
        with self._tx("sync.result_document_failed") as tx:
            doc = tx.get(RESULT_DOWNLOADS, key)
            if doc is not None:
                tx.put(
                    RESULT_DOWNLOADS,
                    key,
                    {
                        **doc,
                        "attempts": int(doc.get("attempts", 0)) + 1,
                        "last_error": reason,
                        "failed_at": self._clock(),
                    },
                )

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
