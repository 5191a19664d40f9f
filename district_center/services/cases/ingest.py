"""Case ingest (``POST /api/v1/cases/batch``): idempotent upsert by ``(case id, version)``.

Each case is handled on its own, in its own savepoint, so one bad case is rejected alone and never fails
the batch. The accepted ``(id, version)`` pairs live in ``case_receipts`` under a unique constraint: when two
connections send the same case at once, one insert wins and the other hits the constraint, rolls back its
savepoint and answers with the stored receipt — one case, the same receipt. Rejections are not stored (the
same input is rejected the same way again, and a case rejected for a missing attachment is accepted once
the attachment is uploaded).

Rules, in order: the entry is well formed; the case belongs to this station (or was routed to it); a
replayed ``(id, version)`` gets its stored receipt; an older version than the center holds is stale; the
document parses as a ``casework.cases.Case`` whose id and version match; a new case's item (or bundle) is
in the published catalog and in force on the China day the station accepted it
(``casework.acceptance.not_in_force``, the rule the station's intake applies); every attachment it
references is held complete. A case the center already holds is merged into the center's copy
(``services.merge.merge_station_push``): the center keeps its back-office status and history unless the
station moves the status forward along a station-side transition; the station's own data is taken. A
final or station-side terminal status the merge does not take (撤回 after the decision …) is rejected with
``code`` ``status_overruled`` and a reason naming the center's status; nothing of that version is stored. A
new ``queued`` case is recorded ``delivered`` (center side) as it is stored: the receipt is the delivery. A
case whose promised dates were computed under an older calendar than the district's newest is brought to it
(``casework.deadlines.recompute_deadlines``, as on publication).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import clock
from casework.acceptance import acceptance_day, not_in_force
from casework.cases import DECIDED, Case, CaseError, CaseStatus, Side
from casework.catalog import Catalog, ItemStatus
from casework.deadlines import recompute_deadlines
from casework.workdays import WorkCalendar
from district_center.db.engine import Database
from district_center.db.models import Attachment, CaseReceiptRecord, CaseRecord
from district_center.services.audit import audit
from district_center.services.cases.deadlines import due_date
from district_center.services.cases.merge import merge_station_push
from district_center.services.catalog.calendar import district_calendar
from district_center.services.catalog.current import current_catalog
from district_center.services.stations.auth import AuthedStation
from district_center.services.supervision.ratings import record_rating
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

_SHA = re.compile(r"^[0-9a-f]{64}$")

# Statements built once and run with bound parameters: building them per case (with the document as a
# literal value) cost more than the database work.
_CASES = cast(Table, CaseRecord.__table__)
_RECEIPTS = cast(Table, CaseReceiptRecord.__table__)
_SELECT_CASE = select(_CASES.c.station_id, _CASES.c.routed_to, _CASES.c.version, _CASES.c.document).where(
    _CASES.c.id == bindparam("cid")
)
_SELECT_RECEIPT = select(_RECEIPTS.c.seq, _RECEIPTS.c.digest, _RECEIPTS.c.station_id).where(
    _RECEIPTS.c.case_id == bindparam("cid"), _RECEIPTS.c.version == bindparam("ver")
)
_INSERT_RECEIPT = insert(_RECEIPTS).returning(_RECEIPTS.c.seq)
_INSERT_CASE = insert(_CASES)
_UPDATE_CASE = update(_CASES).where(
    _CASES.c.id == bindparam("b_id"), _CASES.c.version < bindparam("b_version")
)
RETRIES = 3


class Rejected(Exception):
    """This case is refused; ``str(exc)`` is the Chinese reason on the receipt, ``code`` its receipt code."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.code = code


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


def _attachment_refs(value: Any) -> Iterator[str]:
    """Every sha256 the case document references (materials' scans, results' documents)."""
    if isinstance(value, dict):
        for key, v in value.items():
            if key in ("attachments", "documents") and isinstance(v, list):
                yield from (x for x in v if isinstance(x, str) and _SHA.match(x))
            elif key == "sha256" and isinstance(v, str) and _SHA.match(v):
                yield v
            else:
                yield from _attachment_refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _attachment_refs(v)


def _check_catalog(case: Case, catalog: Catalog | None) -> tuple[str | None, str | None]:
    """(department, jurisdiction) from the catalog; ``Rejected`` when the item may not take new cases."""
    if catalog is None:
        return None, None
    accepted_on = acceptance_day(case)  # the China day of 受理 at the station, not the day it arrives here
    if case.bundle_code:
        try:
            bundle = catalog.bundle(case.bundle_code)
        except KeyError:
            raise Rejected(f"事项清单中没有编码为 {case.bundle_code} 的一件事，无法接收") from None
        if bundle.status is ItemStatus.CANCELLED:
            raise Rejected(f"一件事“{bundle.name}”已取消（清单之外无审批），不能受理新的办件")
        refused = not_in_force(case, catalog, accepted_on)
        if refused:
            raise Rejected(refused[0])
        return None, None
    code = case.item_code or ""
    try:
        item = catalog.item(code)
    except KeyError:
        raise Rejected(f"事项清单中没有实施编码为 {code} 的事项，请更新事项清单后核对") from None
    refused = not_in_force(case, catalog, accepted_on)
    if refused:
        raise Rejected(refused[0])
    return item.department, item.jurisdiction


def _validate(entry: BatchCase) -> Case:
    if entry.case.get("id") != entry.id:
        raise Rejected("办件内容中的编号与批量请求中的编号不一致")
    if entry.case.get("version") != entry.version:
        raise Rejected("办件内容中的版本号与批量请求中的版本号不一致")
    try:
        case = Case.from_dict(entry.case)
    except (CaseError, ValueError, KeyError, TypeError, AttributeError) as exc:
        text = str(exc) if isinstance(exc, CaseError | ValueError) else f"缺少或错误的字段 {exc}"
        raise Rejected(f"办件内容不完整或格式不正确：{text}") from None
    if not case.item_code and not case.bundle_code:
        raise Rejected("办件没有注明事项编码或一件事编码")
    return case


@dataclass
class _Prepared:
    """What can be worked out about one entry without the database."""

    case: Case | None
    error: str
    digest: str
    refs: list[str]

    @classmethod
    def of(cls, entry: BatchCase) -> _Prepared:
        try:
            case = _validate(entry)
        except Rejected as exc:
            return cls(None, str(exc), "", [])
        return cls(case, "", case_digest(entry.case), sorted(set(_attachment_refs(entry.case))))


class Ingest:
    """Handles one batch for one station. ``now`` is the receive time written to new rows."""

    def __init__(
        self,
        db: Database,
        station: AuthedStation,
        now: datetime | None = None,
        followup_working_days: int = 3,
    ) -> None:
        self.db = db
        self.station = station
        self.now = now or clock.now()
        self.followup_working_days = followup_working_days
        self.calendar: WorkCalendar = WorkCalendar()

    def run(self, raw_entries: list[Any]) -> CaseBatchResult:
        receipts: list[CaseReceipt | None] = [None] * len(raw_entries)
        parsed: list[tuple[int, BatchCase]] = []
        for i, raw in enumerate(raw_entries):
            try:
                parsed.append((i, BatchCase.from_dict(raw)))
            except ProtocolError as exc:
                rid = raw.get("id") if isinstance(raw, dict) else None
                ver = raw.get("version") if isinstance(raw, dict) else None
                # the receipt echoes what it can of a malformed entry: a usable id and version, else blanks
                usable_ver = isinstance(ver, int) and not isinstance(ver, bool) and 0 <= ver < 2**31
                receipts[i] = CaseReceipt(
                    rid if isinstance(rid, str) and len(rid) <= 64 else "",
                    ver if usable_ver and isinstance(ver, int) else 0,
                    ReceiptStatus.REJECTED,
                    reason=exc.text("zh_CN"),
                )
        # A fixed lock order (by id, version) keeps concurrent overlapping batches free of deadlocks.
        parsed.sort(key=lambda p: (p[1].id, p[1].version))
        # The pure work (casework parsing, digests) happens before the write transaction: on SQLite every
        # signed request queues for the write lock, so it must be held briefly.
        prepared = {i: _Prepared.of(entry) for i, entry in parsed}
        with self.db.read_session() as s:
            catalog = current_catalog(s)
            self.calendar = district_calendar(s)
        with self.db.session() as s:
            for i, entry in parsed:
                receipts[i] = self._one(s, entry, prepared[i], catalog)
            refused = [r for r in receipts if r is not None and r.status is ReceiptStatus.REJECTED]
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
        return CaseBatchResult([r for r in receipts if r is not None])

    def _one(self, s: Session, entry: BatchCase, prep: _Prepared, catalog: Catalog | None) -> CaseReceipt:
        for _attempt in range(RETRIES):
            try:
                with s.begin_nested():
                    return self._upsert(s, entry, prep, catalog)
            except Rejected as exc:
                return CaseReceipt(
                    entry.id, entry.version, ReceiptStatus.REJECTED, reason=str(exc), code=exc.code
                )
            except IntegrityError:
                continue  # a concurrent send of the same case won: read its receipt on the next round
        return CaseReceipt(
            entry.id, entry.version, ReceiptStatus.REJECTED, reason="该办件正被同时重复提交，请稍后重新发送"
        )

    def _upsert(self, s: Session, entry: BatchCase, prep: _Prepared, catalog: Catalog | None) -> CaseReceipt:
        me = self.station.id
        conn = s.connection()
        row = conn.execute(_SELECT_CASE, {"cid": entry.id}).first()
        if row is not None and me not in (row.station_id, row.routed_to):
            raise Rejected("该办件属于其他服务站，本站无权提交或修改")
        stored = conn.execute(_SELECT_RECEIPT, {"cid": entry.id, "ver": entry.version}).first()
        if stored is not None:
            if row is None and stored.station_id != me:
                raise Rejected("该办件属于其他服务站，本站无权提交或修改")
            return CaseReceipt(
                entry.id, entry.version, ReceiptStatus.ACCEPTED, stored.seq, None, stored.digest
            )
        if row is not None and row.version > entry.version:
            raise Rejected(f"区中心已有该办件更新的版本（第 {row.version} 版），此旧版本不再接收")
        if prep.case is None:
            raise Rejected(prep.error)
        case = prep.case
        department, jurisdiction = (None, None) if row is not None else _check_catalog(case, catalog)
        refs = prep.refs
        if refs:
            held = set(
                s.scalars(
                    select(Attachment.sha256).where(
                        Attachment.sha256.in_(refs), Attachment.complete.is_(True)
                    )
                )
            )
            missing = [r for r in refs if r not in held]
            if missing:
                raise Rejected(f"区中心尚未收到 {len(missing)} 个附件（扫描件），请先上传附件再提交办件")
        digest = prep.digest
        document, stored_digest = entry.case, digest
        if row is not None:  # the center may have moved the case since: merge, never roll it back
            case, ignored = merge_station_push(Case.from_dict(row.document), case)
            document = case.to_dict()
            stored_digest = case_digest(document)
            refusal = overruled_reason(case, prep.case.status) if ignored else None
            if refusal is not None:  # nothing of this version is stored (savepoint rolled back)
                raise Rejected(refusal, STATUS_OVERRULED)
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
        seq = conn.execute(
            _INSERT_RECEIPT,
            {
                "case_id": entry.id,
                "version": entry.version,
                "station_id": me,
                "digest": digest,
                "received_at": self.now,
            },
        ).scalar_one()
        columns: dict[str, Any] = {
            "version": entry.version,
            "number": case.number[:64],
            "item_code": case.item_code,
            "bundle_code": case.bundle_code,
            "status": case.status.value,
            "document": document,
            "promised_date": case.promised_date.isoformat() if case.promised_date else None,
            "due_date": due_date(case, self.calendar, clock.china_date(self.now)),
            "jurisdiction": (case.jurisdiction or jurisdiction or None),
            "digest": stored_digest,
            "seq": seq,
            "updated_at": self.now,
        }
        if row is None:
            conn.execute(
                _INSERT_CASE,
                {
                    "id": entry.id,
                    "station_id": me,
                    "routed_to": None,
                    "department": department,
                    "received_at": self.now,
                    **columns,
                },
            )
        else:
            conn.execute(_UPDATE_CASE, {"b_id": entry.id, "b_version": entry.version, **columns})
        if case.rating is not None:  # 好差评: stored once; 基本满意 and below open a follow-up (回访整改)
            record_rating(s, entry.id, case, working_days=self.followup_working_days)
        return CaseReceipt(entry.id, entry.version, ReceiptStatus.ACCEPTED, seq, None, digest)
