"""Case ingest (``POST /api/v1/cases/batch``): idempotent upsert by ``(case id, version)``, set-based.

A batch is **one transaction** with a fixed handful of statements whatever its size: the request's nonce
(with the station's last-seen touch, one statement on PostgreSQL), the published catalog's version and the
district calendar's signature (one statement; both parsed once per publication), one read each of the
batch's stored cases (locked on PostgreSQL), receipts, the station's verified uploads and the digests the
stored cases reference; then one multi-row insert each of receipts, new cases and case-attachment links,
one executemany of updates, and one delete of the links an updated case no longer names (blob GC,
``services.attachments.gc``). Every decision about a case is made in Python between the reads and the
writes, so **a bad case is rejected alone** with its reason and writes nothing, while the others commit. The
accepted ``(id, version)`` pairs live in ``case_receipts`` under a unique constraint: when two transactions
send the same case at once, the loser's insert fails, its whole transaction is rolled back and run again,
and the second run finds the winner's receipts — one case, the same receipt (exactly once). Rejections are
not stored (the same input is rejected the same way again, and a case rejected for a missing attachment is
accepted once the attachment is uploaded).

Rules, in order: the entry is well formed; the case belongs to this station (or was routed to it); a
replayed ``(id, version)`` gets its stored receipt; an older version than the center holds is stale; the
document parses as a ``casework.cases.Case`` whose id and version match; every field that names a station
agrees with the authenticated one (a new case's ``station_id`` and the station number inside its 办件编号;
an existing case's ``station_id``, number and 业务属地 are those the center holds); a new case's item (or
bundle) is in the published catalog and in force on the China day the station accepted it
(``casework.acceptance.not_in_force``, the rule the station's intake applies), and its 业务属地 is one the
item offers (``Item.jurisdiction_choices``; the case is routed by it); a decision (准予/不予办理) the station
recorded is a 当场办结 (``casework.cases.ON_THE_SPOT``), taken only for an item the catalog flags
``on_the_spot`` and only while the center holds no later status than 受理 — and a new case carries no
decision on the center's side (the center never saw it); every attachment it
references is verified and this station proved it holds it (its own complete upload) or the stored case
already referenced it. A case the center already holds is merged into the center's copy
(``services.merge.merge_station_push``): the center keeps its back-office status and history unless the
station moves the status forward along a station-side transition; the station's own data is taken. A
final or station-side terminal status the merge does not take (撤回 after the decision …) is rejected with
``code`` ``status_overruled`` and a reason naming the center's status; nothing of that version is stored. A
new ``queued`` case is recorded ``delivered`` (center side) as it is stored: the receipt is the delivery. A
case whose promised dates were computed under an older calendar than the district's newest is brought to it
(``casework.deadlines.recompute_deadlines``, as on publication). Documents are stored sealed with the
applicant's blind indexes (``district_center.db.sealing``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import bindparam

from casework import clock
from casework.acceptance import acceptance_day, not_in_force
from casework.blobref import walk_refs
from casework.cases import DECIDED, Case, CaseError, CaseStatus, Side
from casework.catalog import Catalog, ItemStatus
from casework.deadlines import recompute_deadlines
from casework.errors import DomainError
from casework.workdays import WorkCalendar
from district_center.db.engine import Database
from district_center.db.models import (
    Attachment,
    CaseAttachment,
    CaseReceiptRecord,
    CaseRecord,
    CatalogVersion,
    HolidayCalendar,
    UploadSession,
)
from district_center.db.sealing import document_columns, open_document
from district_center.services.audit import audit
from district_center.services.cases.deadlines import due_date
from district_center.services.cases.merge import merge_station_push
from district_center.services.cases.register import record_assisted_filing
from district_center.services.catalog.calendar import calendar_signed
from district_center.services.catalog.current import catalog_at
from district_center.services.stations.auth import AuthedStation, record_nonce
from district_center.services.supervision.ratings import record_rating
from district_center.services.supervision.rectification import record_handover, record_station_revisit
from sync.protocol import (
    STATUS_OVERRULED,
    BatchCase,
    CaseBatch,
    CaseBatchResult,
    CaseReceipt,
    ProtocolError,
    ReceiptStatus,
    case_digest,
)

# YYMMDD-SSS-NNNNC (casework.casenumber); a 4-digit station segment is accepted for districts (or a city)
# with more than 999 stations, which the 3-digit numbers cannot name
_NUMBER = re.compile(r"^\d{6}-(\d{3,4})-\d{5}$")
_MAX_FIELD = 64  # the query columns' width

_CASES = cast(Table, CaseRecord.__table__)
_RECEIPTS = cast(Table, CaseReceiptRecord.__table__)
_LINKS = cast(Table, CaseAttachment.__table__)
_INSERT_RECEIPTS = insert(_RECEIPTS).returning(_RECEIPTS.c.seq, sort_by_parameter_order=True)
_INSERT_CASES = insert(_CASES)
_UPDATE_CASE = update(_CASES).where(
    _CASES.c.id == bindparam("b_id"), _CASES.c.version < bindparam("b_version")
)
#: What the district published last, in one statement of the batch's own transaction: the newest catalog
#: version and the newest calendar envelope's signature. Both parsed forms are cached per publication
#: (``catalog_at``, ``calendar_signed``), so a batch reads two small values, and a new publication is seen
#: by the first batch that starts after it commits.
_PUBLISHED = select(
    select(func.max(CatalogVersion.version)).scalar_subquery(),
    select(HolidayCalendar.document["signature"].as_string())
    .order_by(HolidayCalendar.published_at.desc(), HolidayCalendar.year.desc())
    .limit(1)
    .scalar_subquery(),
)
RETRIES = 3


class IngestRefused(DomainError):
    """One case of a batch refused (its receipt says why); the rest of the batch goes on."""

    code = "center.ingest.refused"


class Rejected(DomainError):
    """This case is refused (``center.ingest.*``): the receipt's reason is ``text("zh_CN")`` and its code is
    ``receipt_code`` (``None``, or ``STATUS_OVERRULED`` for a move the station must take back). ``reason``
    carries words already put together elsewhere (``not_in_force``, ``overruled_reason``)."""

    code = "center.ingest.refused"

    def __init__(
        self,
        code: str | None = None,
        /,
        *,
        reason: str = "",
        receipt_code: str | None = None,
        detail: str = "",
        **params: Any,
    ) -> None:
        super().__init__(code, detail=detail, **params)
        self.reason, self.receipt_code = reason, receipt_code

    def text(self, language: str | None = None) -> str:
        return self.reason or super().text(language)


#: Station moves a worker must hear about when the merge does not take them: the final statuses and 已送达
#: (the station-side terminal steps of ``TRANSITIONS``). Other ignored moves (a supplement handed in after
#: the department decided, a ``delivered`` the center already has) stay accepted.
_MUST_HEAR: dict[CaseStatus, str] = {
    CaseStatus.WITHDRAWN: "撤回",
    CaseStatus.HANDED_OVER: "登记送达",
    CaseStatus.CLOSED: "办结",
    CaseStatus.REFUSED: "不予受理",
}


def overruled_reason(center: Case, wanted: CaseStatus) -> str | None:
    """The rejection reason when the station's status ``wanted`` is a move the worker must hear about and
    the center (whose merged copy is ``center``) did not take it; None otherwise."""
    verb = _MUST_HEAR.get(wanted)
    if verb is None or center.status is wanted:
        return None
    decided = next((t.to_status for t in reversed(center.history) if t.to_status in DECIDED), None)
    now = center.status.label
    if decided is not None and center.status is not decided:
        now = f"{now}·{decided.label}"
    if decided is not None:
        return f"区中心已对该件作出决定（{now}），不能再{verb}；请刷新后按结果办理。"
    return f"区中心该件当前为“{now}”，不能再{verb}；请刷新后按区中心的状态办理。"


def parse_body(body: bytes) -> list[Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("bad_message", variant="json") from None
    return CaseBatch.raw_entries(data)


def _attachment_refs(value: Any) -> set[str]:
    """Every blob the case document references (:mod:`casework.blobref`: materials' scans, results'
    documents, any ``BlobRef``); refuses a float anywhere (signed documents carry none), in the same walk."""

    def refuse(key: str) -> None:
        raise IngestRefused("center.ingest.float_value", field=key)

    return walk_refs(value, on_float=refuse)


def _storable(text: str) -> bool:
    """Text a database column can hold: PostgreSQL refuses NUL characters and lone surrogates."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_catalog(
    case: Case, catalog: Catalog | None, worked_under: Catalog | None = None
) -> tuple[str | None, str | None]:
    """(department, jurisdiction) from the catalog; ``Rejected`` when the item may not take new cases, or
    when the case names a 业务属地 the item does not offer (``Item.jurisdiction_choices``): the chosen one
    is where the case is routed."""
    if catalog is None:
        return None, None
    accepted_on = acceptance_day(case)  # the China day of 受理 at the station, not the day it arrives here
    if case.bundle_code:
        try:
            bundle = catalog.bundle(case.bundle_code)
        except KeyError:
            raise Rejected("center.ingest.unknown_bundle", bundle_code=case.bundle_code) from None
        if bundle.status is ItemStatus.CANCELLED:
            raise Rejected("center.ingest.bundle_cancelled", name=bundle.name)
        refused = not_in_force(case, catalog, accepted_on)
        if refused:
            raise Rejected(reason=refused[0])
        offered = [
            a
            for c in (catalog, worked_under)
            if c is not None
            for code in bundle.item_codes
            if c.has_item(code)
            for a in c.item(code).jurisdiction_choices
        ]
        _check_jurisdiction(case, bundle.name, tuple(dict.fromkeys(offered)))
        return None, None
    code = case.item_code or ""
    try:
        item = catalog.item(code)
    except KeyError:
        raise Rejected("center.ingest.unknown_item", item_code=code) from None
    refused = not_in_force(case, catalog, accepted_on)
    if refused:
        raise Rejected(reason=refused[0])
    offered = list(item.jurisdiction_choices)
    if worked_under is not None and worked_under.has_item(code):
        offered += worked_under.item(code).jurisdiction_choices
    _check_jurisdiction(case, item.name, tuple(dict.fromkeys(offered)))
    return item.department, case.jurisdiction or item.jurisdiction


def _check_jurisdiction(case: Case, name: str, offered: tuple[str, ...]) -> None:
    """The case's 业务属地 is one its item (a bundle: one of its items) offers; empty means the item's own."""
    if case.jurisdiction and offered and case.jurisdiction not in offered:
        raise IngestRefused(
            "center.ingest.jurisdiction_not_offered",
            name=name,
            jurisdiction=case.jurisdiction,
            choices=list(offered),
        )


def _worked_under(s: Session, case: Case, catalog: Catalog | None) -> Catalog | None:
    """The published catalog version the station accepted the case under, when it is older than the
    current one (a station offline across a publication): its 当场办结 flags and 业务属地 choices were the
    district's signed rules at the window. ``None`` when it is the current one or was never published."""
    if catalog is None or case.catalog_version >= catalog.version or case.catalog_version < 1:
        return None
    return catalog_at(s, case.catalog_version)


def _spot_flagged(case: Case, catalog: Catalog | None) -> bool:
    """The case's item is one the published catalog lets a station decide (当场办结)."""
    if catalog is None or not case.item_code or not catalog.has_item(case.item_code):
        return False
    return catalog.item(case.item_code).on_the_spot is not None


def _check_decisions(
    case: Case, held: Case | None, catalog: Catalog | None, worked_under: Catalog | None = None
) -> bool:
    """Who decided the case: a station may record a decision only as 当场办结 of an item the catalog flags
    (``casework.cases.ON_THE_SPOT``), only before it sent the case for review; a decision the station's copy
    puts on the center side is one the center recorded itself, so a new case cannot carry one. Returns
    whether the item is flagged (the merge then admits the station's decision). ``worked_under``: the
    published version the station worked under (``case.catalog_version``), when older than ``catalog``: a
    decision that version allowed stands, though a later version dropped the flag."""
    flagged = _spot_flagged(case, catalog) or _spot_flagged(case, worked_under)
    held_tracks = [] if held is None else [held.history, *(sub.history for sub in held.sub_cases)]
    known = {(t.to_status, t.at, t.actor) for track in held_tracks for t in track}
    tracks = [case.history, *(sub.history for sub in case.sub_cases)]
    new = [t for track in tracks for t in track if (t.to_status, t.at, t.actor) not in known]
    if held is None and any(t.side is Side.CENTER and t.to_status in DECIDED for t in new):
        raise IngestRefused("center.ingest.decided_elsewhere")
    decided = [t for t in new if t.side is Side.STATION and t.to_status in DECIDED]
    if not decided:
        return flagged
    if not flagged:
        name = case.item_code or case.bundle_code or ""
        if catalog is not None and case.item_code and catalog.has_item(case.item_code):
            name = catalog.item(case.item_code).name
        raise IngestRefused("center.ingest.on_the_spot_not_allowed", name=name)
    if held is not None and held.status is not CaseStatus.ACCEPTED:
        raise IngestRefused("center.ingest.on_the_spot_after_delivery", status_code=held.status.code)
    return flagged


def _validate(entry: BatchCase) -> Case:
    if entry.case.get("id") != entry.id:
        raise Rejected("center.ingest.id_mismatch")
    if entry.case.get("version") != entry.version:
        raise Rejected("center.ingest.version_mismatch")
    try:
        case = Case.from_dict(entry.case)
    except (CaseError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, CaseError | ValueError):
            raise Rejected("center.ingest.malformed", problem=str(exc)) from None
        raise Rejected("center.ingest.malformed_field", field=str(exc)) from None
    if not case.item_code and not case.bundle_code:
        raise Rejected("center.ingest.no_item")
    return case


def _check_station_fields(case: Case, station: AuthedStation, stored: Case | None) -> None:
    """Every field that names a station agrees with the one that signed the request (F2)."""
    if stored is not None:  # an existing case keeps who filed it, its number and its 业务属地
        if case.station_id != stored.station_id:
            raise IngestRefused("center.ingest.station_changed")
        if case.number != stored.number:
            raise IngestRefused("center.ingest.number_changed", number=stored.number)
        if (case.jurisdiction or "") != (stored.jurisdiction or ""):
            raise IngestRefused("center.ingest.jurisdiction_changed", jurisdiction=stored.jurisdiction or "")
        return
    if case.station_id != station.id:
        raise IngestRefused("center.ingest.station_mismatch")
    match = _NUMBER.match(case.number)
    if match is None:
        raise IngestRefused("center.ingest.bad_number", number=case.number[:_MAX_FIELD])
    if int(match.group(1)) != station.station_no:
        raise IngestRefused(
            "center.ingest.number_mismatch", number=case.number, station_no=f"{station.station_no:03d}"
        )


@dataclass
class _Prepared:
    """What can be worked out about one entry without the database."""

    case: Case | None
    error: str
    digest: str
    refs: list[str]
    canonical: bytes = b""  # the document as canonical JSON (digest input; sealed as is when unchanged)

    @classmethod
    def of(cls, entry: BatchCase) -> _Prepared:
        try:
            refs = _attachment_refs(entry.case)
            case = _validate(entry)
            for name in ("item_code", "bundle_code", "jurisdiction", "number"):
                if len(getattr(case, name) or "") > _MAX_FIELD:
                    raise IngestRefused("center.ingest.field_too_long", field=name, limit=_MAX_FIELD)
        except Rejected as exc:
            return cls(None, exc.text("zh_CN"), "", [])
        except IngestRefused as exc:
            return cls(None, exc.text("zh_CN"), "", [])
        # canonical_json without its float walk: _attachment_refs just refused floats
        canonical = json.dumps(entry.case, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        return cls(case, "", hashlib.sha256(canonical).hexdigest(), sorted(refs), canonical)


@dataclass
class _Write:
    """One accepted case version, waiting for its receipt's ``seq``."""

    index: int
    entry: BatchCase
    digest: str
    columns: dict[str, Any]
    new: bool
    refs: list[str]
    rated: Case | None = None
    #: the case when it carries a 送达, an agent (帮办代办登记) or a 回访评价 to record (rare)
    tracked: Case | None = None


@dataclass
class _Batch:
    """What the reads found for one batch."""

    rows: dict[str, Any] = field(default_factory=dict)
    receipts: dict[tuple[str, int], Any] = field(default_factory=dict)
    proven: set[str] = field(default_factory=set)  # digests this station's complete uploads hashed to
    linked: set[tuple[str, str]] = field(default_factory=set)  # (case id, digest) the stored cases name


def _insert_ignoring_duplicates(db: Database, table: Table) -> Any:
    dialect = postgresql if db.is_postgres else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


class Ingest:
    """Handles one batch for one station. ``now`` is the receive time written to new rows.

    When ``station.nonce`` is set (``authenticate(…, record=False)``) the request's nonce is recorded in
    the batch's transaction."""

    def __init__(
        self,
        db: Database,
        station: AuthedStation,
        now: datetime | None = None,
        followup_working_days: int = 3,
        skew_seconds: int = 300,
    ) -> None:
        self.db = db
        self.station = station
        self.now = now or clock.now()
        self.followup_working_days = followup_working_days
        self.skew_seconds = skew_seconds
        self.calendar: WorkCalendar = WorkCalendar()
        self.today = clock.china_date(self.now)

    def run(self, raw_entries: list[Any]) -> CaseBatchResult:
        receipts: list[CaseReceipt | None] = [None] * len(raw_entries)
        parsed: list[tuple[int, BatchCase]] = []
        for i, raw in enumerate(raw_entries):
            try:
                entry = BatchCase.from_dict(raw)
                if not _storable(entry.id):
                    raise ProtocolError("bad_message", message=BatchCase.NAME, field="id", detail="NUL")
                parsed.append((i, entry))
            except ProtocolError as exc:
                rid = raw.get("id") if isinstance(raw, dict) else None
                ver = raw.get("version") if isinstance(raw, dict) else None
                # the receipt echoes what it can of a malformed entry: a usable id and version, else blanks
                usable_ver = isinstance(ver, int) and not isinstance(ver, bool) and 0 <= ver < 2**31
                receipts[i] = CaseReceipt(
                    rid if isinstance(rid, str) and len(rid) <= 64 and _storable(rid) else "",
                    ver if usable_ver and isinstance(ver, int) else 0,
                    ReceiptStatus.REJECTED,
                    reason=exc.text("zh_CN"),
                )
        # A fixed lock order (by id, version) keeps concurrent overlapping batches free of deadlocks.
        parsed.sort(key=lambda p: (p[1].id, p[1].version))
        # The pure work (casework parsing, digests) happens before the write transaction: on SQLite every
        # signed request queues for the write lock, so it must be held briefly.
        prepared = {i: _Prepared.of(entry) for i, entry in parsed}
        for _attempt in range(RETRIES):
            try:
                with self.db.session() as s:
                    if self.station.nonce:
                        record_nonce(s.connection(), self.station, skew_seconds=self.skew_seconds)
                    version, signature = s.connection().execute(_PUBLISHED).one()
                    catalog = None if version is None else catalog_at(s, version)
                    self.calendar = calendar_signed(s, signature)
                    decided = self._batch(s, parsed, prepared, catalog)
                    self._audit_refusals(s, decided)
                break
            except IntegrityError:
                continue  # a concurrent send of the same case won: the next round reads its receipts
        else:
            decided = {
                i: CaseReceipt(
                    e.id, e.version, ReceiptStatus.REJECTED, reason="该办件正被同时重复提交，请稍后重新发送"
                )
                for i, e in parsed
            }
        for i, receipt in decided.items():
            receipts[i] = receipt
        return CaseBatchResult([r for r in receipts if r is not None])

    def _audit_refusals(self, s: Session, decided: dict[int, CaseReceipt]) -> None:
        refused = [r for r in decided.values() if r.status is ReceiptStatus.REJECTED]
        if refused:  # recent sync errors per station, for the console (reasons carry no personal data)
            audit(
                s,
                f"station:{self.station.id}",
                "sync.rejected",
                self.station.id,
                count=len(refused),
                reason=refused[0].reason,
                reasons=sorted({str(r.reason) for r in refused})[:3],
            )

    # ------------------------------------------------------------------ reads

    def _read(self, conn: Connection, parsed: list[tuple[int, BatchCase]], refs: set[str]) -> _Batch:
        ids = sorted({e.id for _, e in parsed})
        found = _Batch()
        if not ids:
            return found
        query = (
            select(
                _CASES.c.id,
                _CASES.c.station_id,
                _CASES.c.routed_to,
                _CASES.c.version,
                _CASES.c.sealed,
                _CASES.c.document,
            )
            .where(_CASES.c.id.in_(ids))
            .order_by(_CASES.c.id)
        )
        if self.db.is_postgres:
            query = query.with_for_update()
        found.rows = {r.id: r for r in conn.execute(query)}
        pairs = [(e.id, e.version) for _, e in parsed]
        stored = conn.execute(
            select(
                _RECEIPTS.c.case_id,
                _RECEIPTS.c.version,
                _RECEIPTS.c.seq,
                _RECEIPTS.c.digest,
                _RECEIPTS.c.station_id,
            )
            .where(_RECEIPTS.c.case_id.in_(ids))
            .where(tuple_(_RECEIPTS.c.case_id, _RECEIPTS.c.version).in_(pairs))
        )
        found.receipts = {(r.case_id, r.version): r for r in stored}
        if refs:
            # proven through the shared row, read FOR SHARE: the blob GC deletes a row under FOR UPDATE, so
            # a blob swept while this batch runs is not taken (services.attachments.gc)
            proven = (
                select(UploadSession.sha256)
                .join(Attachment, Attachment.sha256 == UploadSession.sha256)
                .where(
                    UploadSession.station_id == self.station.id,
                    UploadSession.complete.is_(True),
                    UploadSession.sha256.in_(sorted(refs)),
                )
            )
            if self.db.is_postgres:
                proven = proven.with_for_update(read=True, of=Attachment)
            found.proven = set(conn.scalars(proven))
            if found.rows:
                found.linked = {
                    (r.case_id, r.sha256)
                    for r in conn.execute(
                        select(_LINKS.c.case_id, _LINKS.c.sha256).where(
                            _LINKS.c.case_id.in_(sorted(found.rows))
                        )
                    )
                }
        return found

    # ------------------------------------------------------------------ the batch

    def _batch(
        self,
        s: Session,
        parsed: list[tuple[int, BatchCase]],
        prepared: dict[int, _Prepared],
        catalog: Catalog | None,
    ) -> dict[int, CaseReceipt]:
        conn = s.connection()
        refs = {r for p in prepared.values() for r in p.refs}
        found = self._read(conn, parsed, refs)
        decided: dict[int, CaseReceipt] = {}
        writes: list[_Write] = []
        seen: set[str] = set()
        for i, entry in parsed:
            try:
                if entry.id in seen:
                    raise IngestRefused("center.ingest.duplicate_in_batch")
                seen.add(entry.id)
                outcome = self._decide(s, entry, prepared[i], catalog, found)
            except Rejected as exc:
                outcome = CaseReceipt(
                    entry.id,
                    entry.version,
                    ReceiptStatus.REJECTED,
                    reason=exc.text("zh_CN"),
                    code=exc.receipt_code,
                )
            except IngestRefused as exc:
                outcome = CaseReceipt(
                    entry.id, entry.version, ReceiptStatus.REJECTED, reason=exc.text("zh_CN"), code=exc.code
                )
            if isinstance(outcome, CaseReceipt):
                decided[i] = outcome
            else:
                outcome.index = i
                writes.append(outcome)
        if writes:
            self._write(s, conn, writes, decided)
        return decided

    def _decide(
        self, s: Session, entry: BatchCase, prep: _Prepared, catalog: Catalog | None, found: _Batch
    ) -> CaseReceipt | _Write:
        me = self.station.id
        row = found.rows.get(entry.id)
        if row is not None and me not in (row.station_id, row.routed_to):
            raise Rejected("center.ingest.other_station")
        stored = found.receipts.get((entry.id, entry.version))
        if stored is not None:
            if row is None and stored.station_id != me:
                raise Rejected("center.ingest.other_station")
            return CaseReceipt(
                entry.id, entry.version, ReceiptStatus.ACCEPTED, stored.seq, None, stored.digest
            )
        if row is not None and row.version > entry.version:
            raise Rejected("center.ingest.newer_version_held", version=row.version)
        if prep.case is None:
            raise Rejected(reason=prep.error)
        case = prep.case
        held = (
            None
            if row is None
            else Case.from_dict(open_document(self.db.vault, row.id, row.sealed, row.document))
        )
        _check_station_fields(case, self.station, held)
        worked_under = _worked_under(s, case, catalog)
        department, jurisdiction = (
            (None, None) if row is not None else _check_catalog(case, catalog, worked_under)
        )
        on_the_spot = _check_decisions(case, held, catalog, worked_under)
        unproven = [r for r in prep.refs if r not in found.proven and (entry.id, r) not in found.linked]
        if unproven:
            raise Rejected("center.ingest.attachments_missing", count=len(unproven))
        document, stored_digest = entry.case, prep.digest
        if held is not None:  # the center may have moved the case since: merge, never roll it back
            case, ignored = merge_station_push(held, case, on_the_spot=on_the_spot)
            document = case.to_dict()
            stored_digest = case_digest(document)
            refusal = overruled_reason(case, prep.case.status) if ignored else None
            if refusal is not None:  # nothing of this version is stored
                raise Rejected(reason=refusal, receipt_code=STATUS_OVERRULED)
            if ignored:
                audit(
                    s,
                    f"station:{me}",
                    "case.status_ignored",
                    f"case:{entry.id}",
                    version=entry.version,
                    station_status=prep.case.status.value,
                    kept=case.status.value,
                )
        today = clock.china_date(self.now)
        if recompute_deadlines(case, self.calendar, at=self.now, today=today, catalog=catalog):
            case.version = (
                entry.version
            )  # dates computed under an older calendar: the district's newest counts
            document = case.to_dict()
            stored_digest = case_digest(document)
        if case.status is CaseStatus.QUEUED:  # the receipt is the delivery: record it as the station will
            case.transition(CaseStatus.DELIVERED, actor="district-center", at=self.now, side=Side.CENTER)
            case.version = entry.version  # the row (and its document) keep the station's version
            document = case.to_dict()
            stored_digest = case_digest(document)
        columns: dict[str, Any] = {
            "version": entry.version,
            "number": case.number,
            "item_code": case.item_code,
            "bundle_code": case.bundle_code,
            "status": case.status.value,
            **document_columns(
                self.db.vault, entry.id, document, raw=prep.canonical if document is entry.case else None
            ),
            "promised_date": case.promised_date.isoformat() if case.promised_date else None,
            "due_date": due_date(case, self.calendar, self.today),
            "jurisdiction": (case.jurisdiction or jurisdiction or None),
            "digest": stored_digest,
            "updated_at": self.now,
        }
        if row is None:
            columns.update(
                id=entry.id, station_id=me, routed_to=None, department=department, received_at=self.now
            )
        rated = case if case.rating is not None else None
        tracked = (
            case
            if case.agent is not None
            or case.revisit_rating is not None
            or case.status in (CaseStatus.HANDED_OVER, CaseStatus.CLOSED)
            else None
        )
        return _Write(0, entry, prep.digest, columns, row is None, prep.refs, rated, tracked)

    def _write(
        self, s: Session, conn: Connection, writes: list[_Write], decided: dict[int, CaseReceipt]
    ) -> None:
        seqs = (
            conn.execute(
                _INSERT_RECEIPTS,
                [
                    {
                        "case_id": w.entry.id,
                        "version": w.entry.version,
                        "station_id": self.station.id,
                        "digest": w.digest,
                        "received_at": self.now,
                    }
                    for w in writes
                ],
            )
            .scalars()
            .all()
        )
        for w, seq in zip(writes, seqs, strict=True):
            w.columns["seq"] = seq
            decided[w.index] = CaseReceipt(
                w.entry.id, w.entry.version, ReceiptStatus.ACCEPTED, seq, None, w.digest
            )
        new = [w.columns for w in writes if w.new]
        if new:
            conn.execute(_INSERT_CASES, new)
        updated = [
            {"b_id": w.entry.id, "b_version": w.entry.version, **w.columns} for w in writes if not w.new
        ]
        if updated:
            conn.execute(_UPDATE_CASE, updated)
        links = [{"case_id": w.entry.id, "sha256": r} for w in writes for r in w.refs]
        if links:
            conn.execute(_insert_ignoring_duplicates(self.db, _LINKS), links)
        replaced = [w for w in writes if not w.new]
        if replaced:  # a case's links are its latest version's references: a replaced scan's link goes
            kept = [(w.entry.id, r) for w in replaced for r in w.refs]
            stale = delete(_LINKS).where(_LINKS.c.case_id.in_([w.entry.id for w in replaced]))
            if kept:
                stale = stale.where(tuple_(_LINKS.c.case_id, _LINKS.c.sha256).not_in(kept))
            conn.execute(stale)
        for w in writes:  # 好差评: stored once; 基本满意 and below open a follow-up (回访整改) — rare
            if w.rated is not None:
                record_rating(s, w.entry.id, w.rated, working_days=self.followup_working_days)
        for w in writes:  # 送达 (参评率), 帮办代办登记, and the 回访评价 of a 差评 given at the window
            if w.tracked is not None:
                record_handover(s, w.entry.id, w.tracked)
                record_assisted_filing(s, w.entry.id, w.tracked)
                record_station_revisit(s, w.entry.id, w.tracked, f"station:{self.station.id}")
