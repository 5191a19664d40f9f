"""Back office (后台分类审批): the rules behind ``district_center.api.backoffice``.

Who sees what: a ``reviewer`` works for one department (实施主体) and sees and acts only on cases of that
department's items (for a 一件事 bundle: the sub-cases of its items); a ``supervisor`` sees every case, the
deadlines, the ratings and the follow-ups, and closes follow-ups, but does not decide cases.

Every change goes through ``services.feed.update_case`` / ``transition_case`` (the core's), so the case row is
locked, the feed events for the station(s) are appended and the change audited **in the same transaction**::

    with db.session() as s:
        case = load_case(s, user, case_id)                       # 404 / 403 as data (BackofficeError)
        request_supplement(s, user, case_id, missing, due=None)  # supplement_requested on the feeds
        decide(s, user, case_id, approve=True, reason="", result=CaseResult("许可证", "X-1"))

通办 (全市通办 / 异地代收): a case whose 业务属地 differs from the accepting station's jurisdiction is routed
to the station of that jurisdiction when a reviewer accepts it (``routed_in`` there, ``routed_out`` at the
accepting station); later events go to both, and ``result_ready`` names the pickup station the resident chose
(``Pickup.method``: the accepting window, or the jurisdiction's window).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, object_session

from casework import clock
from casework.acceptance import CLOCK_RUNNING, OverdueState, overdue_status, set_promised_dates
from casework.cases import (
    Case,
    CaseError,
    CaseResult,
    CaseStatus,
    MaterialRecord,
    MissingMaterial,
    PickupMethod,
    Side,
    SupplementRequest,
)
from casework.catalog import Catalog
from casework.clock import iso_z
from casework.deadlines import deadline_payload
from casework.errors import DomainError
from casework.workdays import WorkCalendar
from district_center.db.models import CaseRecord, FollowUp, ResultDocument, Station, User
from district_center.db.sealing import vault_of
from district_center.services.audit import audit
from district_center.services.cases.feed import (
    FeedError,
    event_for,
    route_case,
    transition_case,
    update_case,
)
from district_center.services.cases.forms import form_sections
from district_center.services.cases.lookup import ApplicantQuery, applicant_clause
from district_center.services.cases.merge import is_collected
from district_center.services.catalog.calendar import district_calendar
from district_center.services.catalog.current import current_catalog
from sync.protocol import EventType

__all__ = [
    "BACKOFFICE_REFUSALS",
    "BackofficeError",
    "IllegalTransition",
    "Reviewer",
    "accept_for_review",
    "add_result_document",
    "case_blob_key",
    "case_detail",
    "case_summary",
    "decide",
    "followup_dict",
    "list_cases",
    "load_case",
    "mark_result_ready",
    "mark_supplied",
    "pickup_station_no",
    "request_supplement",
    "result_files",
    "route_tongban",
    "station_labels",
    "station_result_file",
    "visible_filter",
    "waive_deferred",
    "work_calendar",
]


#: Each refusal's HTTP status and the wire ``code`` clients read, by message code. The API's
#: ``DOMAIN_PROBLEMS`` includes this table; the console shows ``status`` on its error page.
BACKOFFICE_REFUSALS: dict[str, tuple[int, str]] = {
    "center.backoffice.refused": (400, "refused"),
    "center.backoffice.no_view_role": (403, "forbidden"),
    "center.backoffice.reviewers_only": (403, "forbidden"),
    "center.backoffice.case_not_found": (404, "case_not_found"),
    "center.backoffice.other_department": (403, "other_department"),
    "center.backoffice.other_department_act": (403, "other_department"),
    "center.backoffice.item_other_department": (403, "other_department"),
    "center.backoffice.own_department_only": (403, "other_department"),
    "center.backoffice.item_required": (400, "item_required"),
    "center.backoffice.not_a_bundle": (400, "not_a_bundle"),
    "center.backoffice.illegal_transition": (409, "illegal_transition"),
    "center.backoffice.file_not_found": (404, "file_not_found"),
    "center.backoffice.file_not_received": (404, "file_not_found"),
    "center.backoffice.bad_station": (400, "bad_station"),
    "center.backoffice.no_route": (409, "no_route"),
    "center.backoffice.not_delivered": (409, "not_delivered"),
    "center.backoffice.nothing_missing": (400, "nothing_missing"),
    "center.backoffice.nothing_ticked": (400, "nothing_missing"),
    "center.backoffice.bad_status_filter": (400, "bad_status"),
    "center.backoffice.bad_lookup": (400, "bad_lookup"),
    "center.backoffice.reason_required": (400, "reason_required"),
    "center.backoffice.unknown_document": (400, "unknown_document"),
    "center.backoffice.result_too_large": (413, "too_large"),
    "center.backoffice.empty_file": (400, "empty_file"),
    "center.deadlines.supervisors_only": (403, "forbidden"),
    "center.ratings.followups_supervisors_only": (403, "forbidden"),
    "center.ratings.close_supervisors_only": (403, "forbidden"),
    "center.ratings.stats_supervisors_only": (403, "forbidden"),
    "center.ratings.resolution_required": (400, "resolution_required"),
    "center.ratings.followup_not_found": (404, "followup_not_found"),
    "center.ratings.followup_closed": (409, "followup_closed"),
    "center.ratings.bad_group": (400, "bad_group"),
    "center.ratings.other_department": (403, "other_department"),
    "center.ratings.call_supervisors_only": (403, "forbidden"),
    "center.ratings.bad_coverage_group": (400, "bad_group"),
    "center.ratings.already_rectified": (409, "already_rectified"),
    "center.ratings.rectification_required": (400, "rectification_required"),
    "center.ratings.second_rating_recorded": (409, "second_rating_recorded"),
    "center.ratings.bad_level": (400, "bad_level"),
    "center.register.forbidden": (403, "forbidden"),
    "center.register.bad_filter": (400, "bad_filter"),
}


class BackofficeError(DomainError):
    """Refused (``center.backoffice.*``; supervision's ``center.deadlines.*``, ``center.ratings.*``):
    ``status`` (403/404/409/400) and ``wire_code`` from :data:`BACKOFFICE_REFUSALS`; the words are the
    catalog's (``exc.text("zh_CN")``)."""

    code = "center.backoffice.refused"

    @property
    def status(self) -> int:
        return BACKOFFICE_REFUSALS.get(self.code, (400, ""))[0]

    @property
    def wire_code(self) -> str:
        return BACKOFFICE_REFUSALS.get(self.code, (400, self.code))[1]


class IllegalTransition(BackofficeError):
    """The case cannot take this step now; worded as the case's own refusal when it is a coded one."""

    code = "center.backoffice.illegal_transition"

    def __init__(self, cause: Exception) -> None:
        super().__init__(detail=type(cause).__name__)
        self.cause = cause

    def text(self, language: str | None = None) -> str:
        if isinstance(self.cause, DomainError):
            return self.cause.text(language)
        return super().text(language)


@dataclass(frozen=True, slots=True)
class Reviewer:
    """The acting back-office user: ``actor`` for audit (``user:<id>``), roles, and the department."""

    actor: str
    roles: tuple[str, ...]
    department: str | None

    @property
    def supervisor(self) -> bool:
        return "supervisor" in self.roles

    @property
    def reviewer(self) -> bool:
        return "reviewer" in self.roles and bool(self.department)


# --------------------------------------------------------------------------------------------- visibility


def _department_bundles(catalog: Catalog | None, department: str) -> list[str]:
    if catalog is None:
        return []
    return [
        b.code
        for b in catalog.bundles
        if any(catalog.has_item(c) and catalog.item(c).department == department for c in b.item_codes)
    ]


def _department_items(catalog: Catalog | None, case: Case, department: str) -> list[str]:
    """The bundle sub-case items of ``department`` (none when no catalog is published)."""
    codes = [sub.item_code for sub in case.sub_cases]
    if catalog is None:
        return []
    return [c for c in codes if catalog.has_item(c) and catalog.item(c).department == department]


def visible_filter(user: Reviewer, catalog: Catalog | None) -> Any:
    """The SQL condition on ``cases`` selecting what ``user`` may see (None: everything, a supervisor);
    ``BackofficeError`` 403 for a user with neither role."""
    if user.supervisor:
        return None
    if not user.reviewer:
        raise BackofficeError("center.backoffice.no_view_role")
    assert user.department is not None
    bundles = _department_bundles(catalog, user.department)
    if bundles:
        return or_(CaseRecord.department == user.department, CaseRecord.bundle_code.in_(bundles))
    return CaseRecord.department == user.department


@dataclass(frozen=True, slots=True)
class _BundleScope:
    """What a department reviewer sees of a 一件事 case: its own sub-items, the materials they need
    (the bundle asks each material once, but not every department needs every material), and the result
    files of its sub-items or uploaded by its department. Supervisors and single-item cases: no scope."""

    items: frozenset[str]
    materials: frozenset[str]


def _bundle_scope(s: Session, user: Reviewer, case: Case) -> _BundleScope | None:
    if user.supervisor or not case.is_bundle:
        return None
    catalog = current_catalog(s)
    mine = frozenset(_department_items(catalog, case, user.department or ""))
    materials: set[str] = set()
    if catalog is not None and case.bundle_code:
        try:
            merged = catalog.materials_for(case.bundle_code)
        except KeyError:  # the bundle left the catalog: show no material rather than all
            merged = ()
        materials = {mm.material.code for mm in merged if mine.intersection(mm.item_codes)}
    return _BundleScope(mine, frozenset(materials))


def _scoped_document(document: dict[str, Any], scope: _BundleScope | None) -> dict[str, Any]:
    """The case document as ``scope`` may see it (other departments' sub-cases, supplement requests and
    materials removed)."""
    if scope is None:
        return document
    out = dict(document)
    out["sub_cases"] = [sc for sc in document.get("sub_cases", []) if sc.get("item_code") in scope.items]
    out["supplements"] = [sp for sp in document.get("supplements", []) if sp.get("item_code") in scope.items]
    out["materials"] = [m for m in document.get("materials", []) if m.get("code") in scope.materials]
    return out


def _result_documents(
    s: Session, user: Reviewer, case_id: str, case: Case, scope: _BundleScope | None
) -> list[ResultDocument]:
    docs = list(
        s.scalars(
            select(ResultDocument)
            .where(ResultDocument.case_id == case_id)
            .order_by(ResultDocument.uploaded_at, ResultDocument.sha256)
        ).all()
    )
    if scope is None:
        return docs
    referenced = {
        d
        for sub in case.sub_cases
        if sub.item_code in scope.items and sub.result
        for d in sub.result.documents
    }
    colleagues = {f"user:{i}" for i in s.scalars(select(User.id).where(User.department == user.department))}
    return [d for d in docs if d.sha256 in referenced or d.uploaded_by in colleagues]


def _in_department(user: Reviewer, record: CaseRecord, catalog: Catalog | None) -> bool:
    """The case is the reviewer's department's (for a bundle: one of its items is), whatever other roles
    the user also holds — acting on a case never follows from ``supervisor``."""
    if not user.reviewer:
        return False
    if record.department is not None:
        return record.department == user.department
    bundles = _department_bundles(catalog, user.department or "")
    return bool(record.bundle_code) and record.bundle_code in bundles


def _may_see(user: Reviewer, record: CaseRecord, catalog: Catalog | None) -> bool:
    return user.supervisor or _in_department(user, record, catalog)


def load_case(s: Session, user: Reviewer, case_id: str) -> tuple[CaseRecord, Case]:
    """The case if ``user`` may see it: 404 when absent, 403 when another department's."""
    record = s.get(CaseRecord, case_id)
    if record is None:
        raise BackofficeError("center.backoffice.case_not_found")
    if not _may_see(user, record, current_catalog(s)):
        raise BackofficeError("center.backoffice.other_department")
    return record, Case.from_dict(record.document)


def _acting_case(s: Session, user: Reviewer, case_id: str, item_code: str | None) -> tuple[CaseRecord, Case]:
    """Like :func:`load_case` for a change: only reviewers act, and on a bundle only on their own items."""
    record, case = _department_case(s, user, case_id)
    if case.is_bundle:
        mine = _department_items(current_catalog(s), case, user.department or "")
        if item_code is None:
            raise BackofficeError("center.backoffice.item_required")
        if item_code not in mine:
            raise BackofficeError("center.backoffice.item_other_department")
    elif item_code is not None:
        raise BackofficeError("center.backoffice.not_a_bundle")
    return record, case


def _department_case(s: Session, user: Reviewer, case_id: str) -> tuple[CaseRecord, Case]:
    """The case if it is the reviewer's department's (a bundle: any of its items); 403 otherwise, also
    for a user who holds ``supervisor`` beside ``reviewer``."""
    if not user.reviewer:
        raise BackofficeError("center.backoffice.reviewers_only")
    record, case = load_case(s, user, case_id)
    if not _in_department(user, record, current_catalog(s)):
        raise BackofficeError("center.backoffice.other_department_act")
    return record, case


def _run(action: Callable[[], CaseRecord]) -> CaseRecord:
    try:
        return action()
    except FeedError as exc:
        raise IllegalTransition(exc) from None


# --------------------------------------------------------------------------------------------- listing


def work_calendar(s: Session) -> WorkCalendar:
    """The district's working-day calendar (its newest published holiday tables, with their version):
    lists and reports count working days for every row, which ``WorkCalendar`` memoises per calendar and
    per day."""
    return district_calendar(s)


def station_labels(s: Session) -> dict[str, tuple[int, str, str]]:
    """``{station id: (station_no, name, jurisdiction)}`` of every station."""
    return {st.id: (st.station_no, st.name, st.jurisdiction) for st in s.scalars(select(Station)).all()}


def case_summary(
    record: CaseRecord,
    case: Case,
    catalog: Catalog | None,
    calendar: WorkCalendar,
    today: dt.date,
    stations: dict[str, tuple[int, str, str]],
) -> dict[str, Any]:
    """One list row: numbers, names, stations and the 限时办结 deadline of ``case`` on ``today``."""
    od = overdue_status(case, calendar, today)
    name = ""
    if catalog is not None:
        try:
            name = (
                catalog.item(case.item_code).name
                if case.item_code
                else catalog.bundle(case.bundle_code or "").name
            )
        except KeyError:
            name = ""
    origin = stations.get(record.station_id, (0, "", ""))
    routed = stations.get(record.routed_to or "")
    return {
        "id": record.id,
        "number": record.number,
        "status": record.status,
        "status_label": CaseStatus(record.status).label,
        "item_code": case.item_code,
        "bundle_code": case.bundle_code,
        "name": name,
        "department": record.department,
        "jurisdiction": record.jurisdiction,
        "station_no": origin[0],
        "station_name": origin[1],
        "routed_to_station_no": routed[0] if routed else None,
        "promised_date": record.promised_date,
        "deadline": {
            "state": od.state.value,
            "due": od.due.isoformat() if od.due else None,
            "working_days": od.working_days,
            "text": od.text,
            "provisional": od.provisional,
        },
        # past the due day even when no working day has passed since (a Saturday after a Friday deadline)
        "overdue": od.state is OverdueState.OVERDUE,
        "rating": case.rating.level.value if case.rating else None,
        "on_the_spot": case.decided_on_the_spot,  # 当场办结: decided and issued at the station
        "updated_at": iso_z(record.updated_at),
    }


def _sort_key(row: dict[str, Any]) -> tuple[int, int, str]:
    """Overdue first (most overdue first), then by remaining working days, then number."""
    deadline = row["deadline"]
    running = deadline["due"] is not None and deadline["state"] in ("已超期", "今日到期", "办理中")
    return (0 if row["overdue"] else 1 if running else 2, row["deadline"]["working_days"], row["number"])


def _clock_first() -> Any:
    """0 for a case whose 限时办结 clock runs (it can be due or overdue), else 1: the first sort key."""
    running = [st.value for st in CaseStatus if st in CLOCK_RUNNING]
    return sql_case((and_(CaseRecord.status.in_(running), CaseRecord.due_date.is_not(None)), 0), else_=1)


def list_cases(
    s: Session,
    user: Reviewer,
    *,
    department: str | None = None,
    status: Sequence[str] = (),
    station_no: int | None = None,
    due_before: str | None = None,
    applicant: ApplicantQuery | None = None,
    today: dt.date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Cases the user may see, filtered; overdue first, with remaining working days (casework.workdays).

    The database sorts and filters on the stored due day (``cases.due_date``, kept by ingest and every
    back-office change): running clocks first by due day, then the rest by due day, then number. Only the
    ``limit`` rows returned are parsed (for their deadline text). ``applicant`` finds a person by exact
    name, ID number or phone through the blind indexes (``services.cases.lookup``)."""
    today = today or clock.china_today()
    catalog = current_catalog(s)
    query = select(CaseRecord)
    visible = visible_filter(user, catalog)
    if visible is not None:
        query = query.where(visible)
    if department:
        if not user.supervisor and department != user.department:
            raise BackofficeError("center.backoffice.own_department_only")
        query = query.where(CaseRecord.department == department)
    if status:
        query = query.where(CaseRecord.status.in_(list(status)))
    if station_no is not None:
        station_id = s.scalar(select(Station.id).where(Station.station_no == station_no))
        query = query.where(or_(CaseRecord.station_id == station_id, CaseRecord.routed_to == station_id))
    if due_before:
        query = query.where(CaseRecord.due_date <= due_before)
    if applicant:
        query = query.where(applicant_clause(vault_of(s), applicant))
    query = query.order_by(
        _clock_first(), CaseRecord.due_date.is_(None), CaseRecord.due_date, CaseRecord.number, CaseRecord.id
    )
    records = s.scalars(query.limit(limit)).all()
    calendar, stations = work_calendar(s), station_labels(s)
    rows = [case_summary(r, Case.from_dict(r.document), catalog, calendar, today, stations) for r in records]
    rows.sort(key=_sort_key)
    return rows


def case_detail(s: Session, user: Reviewer, case_id: str, today: dt.date | None = None) -> dict[str, Any]:
    """The list row plus the case document, materials, result files and follow-up, as ``user`` may see
    them (a department reviewer on a 一件事: its own sub-items only, with ``my_items``)."""
    record, case = load_case(s, user, case_id)
    today = today or clock.china_today()
    scope = _bundle_scope(s, user, case)
    out = case_summary(record, case, current_catalog(s), work_calendar(s), today, station_labels(s))
    out["case"] = _scoped_document(record.document, scope)
    out["forms"] = form_sections(current_catalog(s), out["case"])
    out["materials"] = [
        dict(m.to_dict(), attachments=list(m.attachments), views=_scan_views(m))
        for m in case.materials
        if scope is None or m.code in scope.materials
    ]
    out["result_documents"] = [
        {
            "sha256": d.sha256,
            "filename": d.filename,
            "content_type": d.content_type,
            "size": d.size,
            "uploaded_by": d.uploaded_by,
            "uploaded_at": iso_z(d.uploaded_at),
        }
        for d in _result_documents(s, user, case_id, case, scope)
    ]
    out["station_result"] = _station_result(case)
    fu = s.scalar(select(FollowUp).where(FollowUp.case_id == case_id))
    out["followup"] = None if fu is None else followup_dict(fu)
    if not user.supervisor:
        out["my_items"] = _department_items(current_catalog(s), case, user.department or "")
    return out


def _scan_views(m: MaterialRecord) -> list[dict[str, Any]]:
    """What the department opens for each scan of a material: the station's marked copy (核验件, “此件经与
    原件核对无误，仅供办理…使用”) where the scan was verified against its original, else the scan."""
    out = []
    for sha in m.attachments:
        copy = m.copy_of(sha)
        out.append({"sha256": copy.sha256 if copy else sha, "marked": copy is not None, "original": sha})
    return out


def _station_result(case: Case) -> dict[str, Any] | None:
    """当场办结: the station's decision and the result document it printed (a station upload, stored like a
    scan under its sha256); None for a case the back office decides."""
    decisions = case.station_decisions()
    if not decisions:
        return None
    decided = decisions[-1]
    result = case.result
    return {
        "decided_at": iso_z(decided.at),
        "actor": decided.actor,
        "reason": decided.reason,
        "name": result.name if result else "",
        "number": result.number if result else "",
        "issued_by": result.issued_by if result else "",
        "documents": list(result.documents) if result else [],
    }


def case_blob_key(s: Session, user: Reviewer, case_id: str, sha256: str) -> tuple[str, str, str]:
    """(blob key, download file name, content type) of an attachment, a marked copy of one (核验件) or a
    result file of a visible case; the result a station printed for a 当场办结 is its upload (stored as a
    scan is)."""
    _, case = load_case(s, user, case_id)
    scope = _bundle_scope(s, user, case)
    for m in case.materials:
        if scope is not None and m.code not in scope.materials:
            continue
        if sha256 in m.attachments:
            return sha256, f"{m.name}-{sha256[:8]}", "application/octet-stream"
        copy = next((c for c in m.copies if c.sha256 == sha256), None)
        if copy is not None:
            return (
                sha256,
                f"{m.name}-核验件-{copy.original_sha256[:8]}",
                copy.blob.mime if copy.blob.mime in COPY_TYPES else "application/octet-stream",
            )
    spot = _station_result(case)
    if spot is not None and sha256 in spot["documents"]:
        return sha256, f"{spot['name'] or '办结结果'}-{case.number}.pdf", "application/pdf"
    for doc in _result_documents(s, user, case_id, case, scope):
        if doc.sha256 == sha256:
            return f"result:{sha256}", doc.filename, doc.content_type
    raise BackofficeError("center.backoffice.file_not_found")


# --------------------------------------------------------------------------------------------- actions


def _origin_jurisdiction(s: Session, record: CaseRecord) -> str:
    station = s.get(Station, record.station_id)
    return station.jurisdiction if station else ""


def route_tongban(
    s: Session, user: Reviewer, case_id: str, *, to_station_no: int | None = None, reason: str = ""
) -> CaseRecord | None:
    """通办: route a case to the station of its 业务属地 (or ``to_station_no``). None when no routing is
    needed (same jurisdiction, or already routed). Only a reviewer of the case's department (a bundle:
    of one of its items) may route it."""
    record, _ = _department_case(s, user, case_id)
    if to_station_no is None:
        same = record.jurisdiction == _origin_jurisdiction(s, record)
        if record.routed_to or not record.jurisdiction or same:
            return None
        target = s.scalar(
            select(Station)
            .where(
                Station.jurisdiction == record.jurisdiction,
                Station.status == "active",
                Station.id != record.station_id,
            )
            .order_by(Station.station_no)
            .limit(1)
        )
        if target is None:
            return None  # no station of that jurisdiction is enrolled: the department handles it alone
    else:
        target = s.scalar(select(Station).where(Station.station_no == to_station_no))
        if target is None or target.status != "active":
            raise BackofficeError("center.backoffice.bad_station", station_no=to_station_no)
    return _run(
        lambda: route_case(
            s, case_id, target.id, actor=user.actor, reason=reason or f"全市通办：转{record.jurisdiction}办理"
        )
    )


def accept_for_review(
    s: Session, user: Reviewer, case_id: str, *, item_code: str | None = None, at: dt.datetime | None = None
) -> CaseRecord:
    """受理 (审查中): the case arrives at the department. A queued case is first recorded as delivered;
    a 通办 case is routed to its jurisdiction's station.

    代收 (a case collected at a station for another jurisdiction) has no promised date until now: seed 004
    §五(二) counts 受理 from the moment the jurisdiction receives the file
    (“业务属地通办窗口收到申请材料后计为受理开始”), so the first 受理 of a 代收 case starts its clock —
    ``casework.acceptance.set_promised_dates``
    from today's China date on the district's work calendar — and the event carries ``promised_date``,
    ``promised_date_provisional`` (and ``promised_dates`` per item of a 一件事)."""
    _, case = _acting_case(s, user, case_id, item_code)
    at = at or clock.now()
    if case.status is CaseStatus.QUEUED:
        _run(lambda: transition_case(s, case_id, CaseStatus.DELIVERED, actor=user.actor, at=at))
    if case.status in (CaseStatus.ACCEPTED, CaseStatus.COLLECTED):
        raise BackofficeError("center.backoffice.not_delivered")
    route_tongban(s, user, case_id)
    catalog = current_catalog(s)
    if not (is_collected(case) and case.entered_at(CaseStatus.IN_REVIEW) is None and catalog is not None):
        return _run(
            lambda: transition_case(
                s, case_id, CaseStatus.IN_REVIEW, actor=user.actor, at=at, item_code=item_code
            )
        )
    calendar, start = work_calendar(s), clock.china_date(at)

    def change(c: Case) -> None:
        if item_code is not None:
            c.transition_sub(item_code, CaseStatus.IN_REVIEW, actor=user.actor, at=at, side=Side.CENTER)
        else:
            c.transition(CaseStatus.IN_REVIEW, actor=user.actor, at=at, side=Side.CENTER)
        set_promised_dates(c, catalog, calendar, start=start, at=at)

    current = s.get(CaseRecord, case_id)
    assert current is not None  # _acting_case found it, and the row is never deleted
    preview = Case.from_dict(current.document)
    try:
        change(preview)
    except (CaseError, KeyError, ValueError) as exc:
        raise IllegalTransition(exc) from None
    payload: dict[str, Any] = {
        "reason": "",
        "clock_started": "代收件属地收件，开始计算办结时限",
        **deadline_payload(preview),  # the dates, what they count and the calendar version (the center's)
        **({"item_code": item_code} if item_code else {}),
    }
    if not preview.sub_cases:
        payload.pop("promised_dates")
    return _run(
        lambda: update_case(
            s, case_id, change, actor=user.actor, event_type=EventType.STATUS_CHANGED, payload=payload, at=at
        )
    )


def request_supplement(
    s: Session,
    user: Reviewer,
    case_id: str,
    missing: Sequence[MissingMaterial],
    *,
    due_date: dt.date | None = None,
    item_code: str | None = None,
    at: dt.datetime | None = None,
) -> CaseRecord:
    """补齐补正: one request listing everything missing (一次性告知), to the station(s)."""
    if not missing:
        raise BackofficeError("center.backoffice.nothing_missing")
    _acting_case(s, user, case_id, item_code)
    at = at or clock.now()
    request = SupplementRequest(tuple(missing), at, user.actor, item_code or "", due_date)

    def change(case: Case) -> None:
        case.request_supplement(request, actor=user.actor, side=Side.CENTER)

    payload = {
        "missing": [m.to_dict() for m in missing],
        "due_date": due_date.isoformat() if due_date else None,
        **({"item_code": item_code} if item_code else {}),
    }
    return _run(
        lambda: update_case(
            s,
            case_id,
            change,
            actor=user.actor,
            event_type=EventType.SUPPLEMENT_REQUESTED,
            payload=payload,
            at=at,
        )
    )


def mark_supplied(
    s: Session,
    user: Reviewer,
    case_id: str,
    *,
    item_code: str | None = None,
    received: str = "",
    at: dt.datetime | None = None,
) -> CaseRecord:
    """补正材料已收到 (at the center's window): ``received`` says what was handed in (e.g. “申请人到窗口补交
    户口簿原件，已核验”), recorded for every requested material that has nothing yet; then back to 审查中 and
    the open request is marked supplied. Without ``received``, every material must already have something
    new from the station (409 ``illegal_transition`` naming what is missing)."""
    _acting_case(s, user, case_id, item_code)
    at = at or clock.now()
    note = received.strip()

    def change(case: Case) -> None:
        request = case.open_supplement(item_code)
        if request is not None and note:
            for m in request.unsupplied():
                case.supply(m.code, by=user.actor, at=at, note=note, item_code=item_code)
        if item_code is not None:
            case.transition_sub(item_code, CaseStatus.IN_REVIEW, actor=user.actor, at=at, side=Side.CENTER)
        else:
            case.transition(CaseStatus.IN_REVIEW, actor=user.actor, at=at, side=Side.CENTER)

    payload = {
        "reason": "",
        "supplied": True,
        "received": note,
        **({"item_code": item_code} if item_code else {}),
    }
    return _run(
        lambda: update_case(
            s,
            case_id,
            change,
            actor=user.actor,
            event_type=event_for(CaseStatus.IN_REVIEW.value),
            payload=payload,
            at=at,
        )
    )


def waive_deferred(
    s: Session,
    user: Reviewer,
    case_id: str,
    code: str,
    *,
    reason: str,
    item_code: str | None = None,
    at: dt.datetime | None = None,
) -> CaseRecord:
    """免于补交: the department waives an owed 容缺 material with a reason (in the audit log and on the
    case), so 办结 and 送达 may go on; the stations holding the case get a ``deferred_waived`` event."""
    _acting_case(s, user, case_id, item_code)
    at = at or clock.now()
    text = reason.strip()

    def change(case: Case) -> None:
        case.waive_deferred(code, by=user.actor, reason=text, at=at)

    payload = {"code": code, "by": user.actor, "reason": text}
    record = _run(
        lambda: update_case(
            s, case_id, change, actor=user.actor, event_type=EventType.DEFERRED_WAIVED, payload=payload, at=at
        )
    )
    audit(s, user.actor, "case.deferred_waived", f"case:{case_id}", material=code, reason=text)
    return record


def decide(
    s: Session,
    user: Reviewer,
    case_id: str,
    *,
    approve: bool,
    reason: str = "",
    result: CaseResult | None = None,
    item_code: str | None = None,
    at: dt.datetime | None = None,
) -> CaseRecord:
    """办结: 准予 (approve) or 不予 (reject, reason required) with the result; its files must have been
    uploaded for this case (:func:`add_result_document`)."""
    _, case = _acting_case(s, user, case_id, item_code)
    at = at or clock.now()
    if not approve and not reason.strip():
        raise BackofficeError("center.backoffice.reason_required")
    if result is not None:
        scope = _bundle_scope(s, user, case)
        held = {d.sha256 for d in _result_documents(s, user, case_id, case, scope)}
        unknown = [d for d in result.documents if d not in held]
        if unknown:
            raise BackofficeError("center.backoffice.unknown_document", count=len(unknown))
    target = CaseStatus.APPROVED if approve else CaseStatus.REJECTED

    def change(case: Case) -> None:
        if item_code is not None:
            case.transition_sub(item_code, target, actor=user.actor, at=at, reason=reason, side=Side.CENTER)
        else:
            case.transition(target, actor=user.actor, at=at, reason=reason, side=Side.CENTER)
        if result is not None:
            case.set_result(result, at=at, item_code=item_code)

    payload: dict[str, Any] = {
        "decision": target.value,
        "reason": reason,
        "result": result.to_dict() if result else None,
        "result_documents": result_files(s, case_id, result.documents if result else ()),
        **({"item_code": item_code} if item_code else {}),
    }
    return _run(
        lambda: update_case(
            s, case_id, change, actor=user.actor, event_type=EventType.DECIDED, payload=payload, at=at
        )
    )


def pickup_station_no(s: Session, record: CaseRecord, case: Case) -> int | None:
    """The station where the resident collects the result: the jurisdiction's for 属地窗口领取 of a routed
    case, else the accepting station."""
    station = s.get(Station, _pickup_station_id(record, case))
    return station.station_no if station else None


def _pickup_station_id(record: CaseRecord, case: Case) -> str:
    if case.pickup.method is PickupMethod.JURISDICTION_WINDOW and record.routed_to:
        return record.routed_to
    return record.station_id


def mark_result_ready(
    s: Session, user: Reviewer, case_id: str, *, at: dt.datetime | None = None
) -> CaseRecord:
    """结果待领取: tells both stations and names the pickup station the resident chose."""
    if _is_bundle(s, case_id):
        record, case = _bundle_result_case(s, user, case_id)
    else:
        record, case = _acting_case(s, user, case_id, None)
    payload = {
        "pickup_method": case.pickup.method.value,
        "pickup_station_no": pickup_station_no(s, record, case),
        "result_documents": result_files(s, case_id, _result_shas(case)),
    }
    return _run(
        lambda: transition_case(s, case_id, CaseStatus.RESULT_READY, actor=user.actor, at=at, payload=payload)
    )


def _result_shas(case: Case) -> list[str]:
    """The result files (结果文书) the case's result and its sub-cases' results name, in order, once each."""
    shas: list[str] = []
    for result in (case.result, *(sub.result for sub in case.sub_cases)):
        for sha in result.documents if result is not None else ():
            if sha not in shas:
                shas.append(sha)
    return shas


def result_files(s: Session, case_id: str, shas: Sequence[str]) -> list[dict[str, Any]]:
    """``[{sha256, name, size, mime}]`` of the uploaded result files ``shas`` of a case (feed payloads of
    ``decided`` / ``result_ready``: what a station may download from ``/api/v1/cases/{id}/results/{sha}``)."""
    if not shas:
        return []
    rows = {
        d.sha256: d
        for d in s.scalars(
            select(ResultDocument).where(
                ResultDocument.case_id == case_id, ResultDocument.sha256.in_(list(shas))
            )
        )
    }
    return [
        {"sha256": sha, "name": rows[sha].filename, "size": rows[sha].size, "mime": rows[sha].content_type}
        for sha in shas
        if sha in rows
    ]


def station_result_file(s: Session, station_id: str, case_id: str, sha256: str) -> ResultDocument | None:
    """A result file a station may download: the case's accepting station, or the station it was routed to
    (通办) when that is where the resident collects the result; only files the result names. None otherwise
    (the API answers 404 alike for every refusal)."""
    record = s.get(CaseRecord, case_id)
    if record is None:
        return None
    case = Case.from_dict(record.document)
    if station_id not in (record.station_id, _pickup_station_id(record, case)):
        return None
    if sha256 not in _result_shas(case):
        return None
    return s.get(ResultDocument, (case_id, sha256))


def _is_bundle(s: Session, case_id: str) -> bool:
    record = s.get(CaseRecord, case_id)
    return record is not None and record.bundle_code is not None


def _bundle_result_case(s: Session, user: Reviewer, case_id: str) -> tuple[CaseRecord, Case]:
    """A decided bundle's result may be released by a reviewer of any of its items."""
    return _department_case(s, user, case_id)


def add_result_document(
    s: Session, user: Reviewer, case_id: str, *, sha256: str, filename: str, content_type: str, size: int
) -> None:
    """Record an uploaded result file (the bytes are already in the blob store as ``result:<sha256>``)."""
    _department_case(s, user, case_id)
    if s.get(ResultDocument, (case_id, sha256)) is None:
        s.add(
            ResultDocument(
                case_id=case_id,
                sha256=sha256,
                filename=filename[:255],
                content_type=content_type[:100],
                size=size,
                uploaded_by=user.actor[:100],
                uploaded_at=clock.now(),
            )
        )
    audit(s, user.actor, "case.result_document", f"case:{case_id}", sha256=sha256, size=size)


#: what a marked copy may be served as (the station names the type; anything else goes out as bytes)
COPY_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def _comment_context(followup_id: int) -> bytes:
    return f"followup:{followup_id}".encode()


def seal_comment(s: Session, followup_id: int, comment: str) -> bytes | None:
    """A resident's free-text comment on a follow-up, sealed like the case fields (it may name people)."""
    if not comment:
        return None
    return vault_of(s).seal_json(comment, context=_comment_context(followup_id))


def open_comment(f: FollowUp) -> str:
    s = object_session(f)
    if not f.second_comment or s is None:
        return ""
    return str(vault_of(s).open_json(f.second_comment, context=_comment_context(f.id)))


def followup_dict(f: FollowUp, today: dt.date | None = None) -> dict[str, Any]:
    out = {
        "id": f.id,
        "case_id": f.case_id,
        "station_id": f.station_id,
        "department": f.department,
        "item_code": f.item_code,
        "rating": f.rating,
        "rated_at": iso_z(f.rated_at),
        "due_date": f.due_date,
        "status": f.status,
        "opened_at": iso_z(f.opened_at),
        "closed_at": iso_z(f.closed_at) if f.closed_at else None,
        "closed_by": f.closed_by,
        "resolution": f.resolution,
        "rectified_at": iso_z(f.rectified_at) if f.rectified_at else None,
        "rectified_by": f.rectified_by,
        "rectification": f.rectification,
        "second_level": f.second_level,
        "second_at": iso_z(f.second_at) if f.second_at else None,
        "second_channel": f.second_channel,
        "second_by": f.second_by,
        "second_comment": open_comment(f),
    }
    if today is not None:
        out["overdue"] = f.status == "open" and f.due_date < today.isoformat()
    return out
