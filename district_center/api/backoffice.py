"""Back office (后台审批, roles ``reviewer`` / ``supervisor``) over
``district_center.services.cases.backoffice``.

    GET  /api/v1/backoffice/cases                       ?department&status&station_no&due_before&limit
                                                         overdue first, remaining working days per case
    GET  /api/v1/backoffice/cases/{id}                  detail: document, materials, result files, follow-up
    GET  /api/v1/backoffice/cases/{id}/files/{sha256}   an attachment or result file (download)
    POST /api/v1/backoffice/cases/{id}/accept           受理 → in_review  {item_code?}  (routes 通办 cases)
    POST /api/v1/backoffice/cases/{id}/supplement       补齐补正 {missing: [{code, name, reason,
                                                         how_to_supply}], due_date?, item_code?}
    POST /api/v1/backoffice/cases/{id}/supplied         补正材料已收到 → in_review {item_code?, received}
    POST /api/v1/backoffice/cases/{id}/deferred/{code}/waive  容缺免于补交 {reason, item_code?}
    POST /api/v1/backoffice/cases/{id}/results          multipart ``file``: a result document → {sha256, size}
    POST /api/v1/backoffice/cases/{id}/decision         办结 {approve, reason, result?, item_code?}
    POST /api/v1/backoffice/cases/{id}/result-ready     结果待领取 (names the pickup station)
    POST /api/v1/backoffice/cases/{id}/route            通办 {station_no?, reason}
    GET  /api/v1/backoffice/followups                   ?status=open|closed|  (supervisor)
    POST /api/v1/backoffice/followups/{id}/close        {resolution} (supervisor)
    POST /api/v1/backoffice/followups/{id}/rectify      整改 {rectification} (its department's reviewer)
    POST /api/v1/backoffice/followups/{id}/revisit      回访评价 by phone {level, comment} (supervisor)
    GET  /api/v1/backoffice/supervision/coverage        ?by=station|department 参评率 and 整改率 per month
    GET  /api/v1/backoffice/register                    帮办代办登记 ?station_id&month&kind&number
    GET  /api/v1/backoffice/supervision/deadlines       ?soon_days=3 overdue / soon due by department, station
    GET  /api/v1/backoffice/supervision/ratings         ?group=item|station|month satisfaction rates

A reviewer sees and acts only on their department's cases (403 otherwise); supervisors read everything and
close follow-ups. Every change appends feed events for the station(s) and an audit record in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import BaseModel, Field
from starlette.responses import Response, StreamingResponse

from casework.cases import CaseResult, MissingMaterial
from district_center.api.deps import Center, CenterDep, CurrentUser, require_user
from district_center.api.problems import from_domain_error, problem_responses
from district_center.db.models import CaseRecord
from district_center.services.cases.backoffice import (
    BackofficeError,
    Reviewer,
    accept_for_review,
    add_result_document,
    case_blob_key,
    case_detail,
    decide,
    list_cases,
    mark_result_ready,
    mark_supplied,
    request_supplement,
    route_tongban,
    waive_deferred,
)
from district_center.services.cases.lookup import ApplicantQuery
from district_center.services.cases.register import list_register
from district_center.services.supervision.deadlines import deadline_report
from district_center.services.supervision.ratings import close_followup, list_followups, rating_statistics
from district_center.services.supervision.rectification import (
    coverage_report,
    record_call_revisit,
    record_rectification,
)

router = APIRouter(prefix="/api/v1/backoffice", tags=["back office"])
staff = require_user("reviewer", "supervisor")
StaffUser = Annotated[CurrentUser, Depends(staff)]
reviewer_only = require_user("reviewer")
ReviewerUser = Annotated[CurrentUser, Depends(reviewer_only)]
supervisor_only = require_user("supervisor")
SupervisorUser = Annotated[CurrentUser, Depends(supervisor_only)]
T = TypeVar("T")
ERRORS = problem_responses(400, 401, 403, 404, 409)


class ItemIn(BaseModel):
    item_code: str | None = Field(None, max_length=64)


class SuppliedIn(ItemIn):
    received: str = Field("", max_length=1000)  # what was handed in at the center's window


class WaiverIn(ItemIn):
    reason: str = Field(min_length=1, max_length=1000)  # why the department waives the material


class MissingIn(BaseModel):
    code: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=1000)
    how_to_supply: str = Field("", max_length=1000)


class SupplementIn(ItemIn):
    missing: list[MissingIn] = Field(min_length=1, max_length=100)
    due_date: dt.date | None = None


class ResultIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    number: str = Field("", max_length=100)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    documents: list[str] = Field([], max_length=50)


class DecisionIn(ItemIn):
    approve: bool
    reason: str = Field("", max_length=2000)
    result: ResultIn | None = None


class RouteIn(BaseModel):
    station_no: int | None = None
    reason: str = Field("", max_length=500)


class CloseIn(BaseModel):
    resolution: str = Field(min_length=1, max_length=2000)


class RectifyIn(BaseModel):
    rectification: str = Field(min_length=1, max_length=2000)


class RevisitIn(BaseModel):
    level: str = Field(min_length=1, max_length=16)
    comment: str = Field(default="", max_length=500)


def _reviewer(user: CurrentUser) -> Reviewer:
    return Reviewer(f"user:{user.id}", user.roles, user.department)


@contextmanager
def _problems() -> Iterator[None]:
    try:
        yield
    except BackofficeError as exc:
        raise from_domain_error(exc) from None


def _write(center: Center, fn: Callable[..., T]) -> T:
    with _problems(), center.db.session() as s:
        return fn(s)


def _read(center: Center, fn: Callable[..., T]) -> T:
    with _problems(), center.db.read_session() as s:
        return fn(s)


def _state(record: CaseRecord) -> dict[str, Any]:
    return {"id": record.id, "status": record.status, "routed_to": record.routed_to}


@router.get("/cases", responses=ERRORS)
def cases(
    *,
    department: str | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    station_no: int | None = None,
    due_before: dt.date | None = None,
    applicant_name: Annotated[str, Query(max_length=100)] = "",
    applicant_id_number: Annotated[str, Query(max_length=40)] = "",
    applicant_phone: Annotated[str, Query(max_length=40)] = "",
    limit: Annotated[int, Query(ge=1, le=2000)] = 200,
    user: StaffUser,
    center: CenterDep,
) -> dict[str, Any]:
    """Cases the user may see; ``applicant_*`` find a person exactly (blind indexes: the values are
    sealed in the database)."""
    applicant = ApplicantQuery(applicant_name, applicant_id_number, applicant_phone)
    rows = _read(
        center,
        lambda s: list_cases(
            s,
            _reviewer(user),
            department=department,
            status=status or (),
            station_no=station_no,
            due_before=due_before.isoformat() if due_before else None,
            applicant=applicant,
            limit=limit,
        ),
    )
    return {"cases": rows}


@router.get("/cases/{case_id}", responses=ERRORS)
def case(case_id: str, user: StaffUser, center: CenterDep) -> dict[str, Any]:
    return _read(center, lambda s: case_detail(s, _reviewer(user), case_id))


@router.get("/cases/{case_id}/files/{sha256}", responses=ERRORS)
def download(case_id: str, sha256: str, user: StaffUser, center: CenterDep) -> Response:
    key, filename, content_type = _read(center, lambda s: case_blob_key(s, _reviewer(user), case_id, sha256))
    if not center.blobs.exists(key):
        raise BackofficeError("center.backoffice.file_not_received")
    from urllib.parse import quote

    return StreamingResponse(
        center.blobs.read(key),
        media_type=content_type,
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.post("/cases/{case_id}/accept", responses=ERRORS)
def accept(case_id: str, body: ItemIn, user: ReviewerUser, center: CenterDep) -> dict[str, Any]:
    return _state(
        _write(center, lambda s: accept_for_review(s, _reviewer(user), case_id, item_code=body.item_code))
    )


@router.post("/cases/{case_id}/supplement", responses=ERRORS)
def supplement(case_id: str, body: SupplementIn, user: ReviewerUser, center: CenterDep) -> dict[str, Any]:
    missing = [MissingMaterial(m.code, m.name, m.reason, m.how_to_supply) for m in body.missing]
    return _state(
        _write(
            center,
            lambda s: request_supplement(
                s, _reviewer(user), case_id, missing, due_date=body.due_date, item_code=body.item_code
            ),
        )
    )


@router.post("/cases/{case_id}/supplied", responses=ERRORS)
def supplied(case_id: str, body: SuppliedIn, user: ReviewerUser, center: CenterDep) -> dict[str, Any]:
    return _state(
        _write(
            center,
            lambda s: mark_supplied(
                s, _reviewer(user), case_id, item_code=body.item_code, received=body.received
            ),
        )
    )


@router.post("/cases/{case_id}/deferred/{code}/waive", responses=ERRORS)
def waive(case_id: str, code: str, body: WaiverIn, user: ReviewerUser, center: CenterDep) -> dict[str, Any]:
    """免于补交: waive an owed 容缺 material with a reason; 办结 and 送达 may then go on."""
    return _state(
        _write(
            center,
            lambda s: waive_deferred(
                s, _reviewer(user), case_id, code[:64], reason=body.reason, item_code=body.item_code
            ),
        )
    )


@router.post("/cases/{case_id}/results", responses=problem_responses(400, 401, 403, 404, 413))
async def upload_result(
    case_id: str, file: Annotated[UploadFile, File()], user: ReviewerUser, center: CenterDep
) -> dict[str, Any]:
    from fastapi.concurrency import run_in_threadpool

    limit = center.settings.max_attachment_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise BackofficeError(
            "center.backoffice.result_too_large", limit_mb=limit // (1024 * 1024), limit=limit
        )
    if not data:
        raise BackofficeError("center.backoffice.empty_file")
    digest = hashlib.sha256(data).hexdigest()

    def store() -> None:
        with _problems(), center.db.session() as s:
            add_result_document(
                s,
                _reviewer(user),
                case_id,
                sha256=digest,
                filename=file.filename or f"{digest[:12]}.pdf",
                content_type=file.content_type or "application/octet-stream",
                size=len(data),
            )
            key = f"result:{digest}"
            if not center.blobs.exists(key):
                center.blobs.put(key, data)

    await run_in_threadpool(store)
    return {"sha256": digest, "size": len(data)}


@router.post("/cases/{case_id}/decision", responses=ERRORS)
def decision(case_id: str, body: DecisionIn, user: ReviewerUser, center: CenterDep) -> dict[str, Any]:
    result = None
    if body.result is not None:
        r = body.result
        result = CaseResult(
            r.name, r.number, r.valid_from, r.valid_until, tuple(r.documents), issued_by=user.department or ""
        )
    return _state(
        _write(
            center,
            lambda s: decide(
                s,
                _reviewer(user),
                case_id,
                approve=body.approve,
                reason=body.reason,
                result=result,
                item_code=body.item_code,
            ),
        )
    )


@router.post("/cases/{case_id}/result-ready", responses=ERRORS)
def result_ready(case_id: str, user: ReviewerUser, center: CenterDep) -> dict[str, Any]:
    return _state(_write(center, lambda s: mark_result_ready(s, _reviewer(user), case_id)))


@router.post("/cases/{case_id}/route", responses=ERRORS)
def route(case_id: str, body: RouteIn, user: ReviewerUser, center: CenterDep) -> dict[str, Any]:
    def run(s: Any) -> dict[str, Any]:
        record = route_tongban(s, _reviewer(user), case_id, to_station_no=body.station_no, reason=body.reason)
        if record is None:
            raise BackofficeError("center.backoffice.no_route")
        return _state(record)

    return _write(center, run)


@router.get("/followups", responses=ERRORS)
def followups(
    *,
    status: Annotated[str | None, Query(pattern="^(open|closed|)$")] = "open",
    user: SupervisorUser,
    center: CenterDep,
) -> dict[str, Any]:
    return {"followups": _read(center, lambda s: list_followups(s, _reviewer(user), status=status or None))}


@router.post("/followups/{followup_id}/close", responses=ERRORS)
def close(followup_id: int, body: CloseIn, user: SupervisorUser, center: CenterDep) -> dict[str, Any]:
    return _write(center, lambda s: close_followup(s, _reviewer(user), followup_id, body.resolution))


@router.post("/followups/{followup_id}/rectify", responses=ERRORS)
def rectify(followup_id: int, body: RectifyIn, user: StaffUser, center: CenterDep) -> dict[str, Any]:
    return _write(center, lambda s: record_rectification(s, _reviewer(user), followup_id, body.rectification))


@router.post("/followups/{followup_id}/revisit", responses=ERRORS)
def revisit(followup_id: int, body: RevisitIn, user: SupervisorUser, center: CenterDep) -> dict[str, Any]:
    return _write(
        center, lambda s: record_call_revisit(s, _reviewer(user), followup_id, body.level, body.comment)
    )


@router.get("/supervision/coverage", responses=ERRORS)
def coverage(
    *,
    by: Annotated[str, Query(pattern="^(station|department)$")] = "station",
    user: SupervisorUser,
    center: CenterDep,
) -> dict[str, Any]:
    return {"by": by, "rows": _read(center, lambda s: coverage_report(s, _reviewer(user), by=by))}


@router.get("/register", responses=ERRORS)
def register(
    *,
    station_id: Annotated[str, Query(max_length=36)] = "",
    month: Annotated[str, Query(max_length=7)] = "",
    kind: Annotated[str, Query(pattern="^(worker|agent|)$")] = "",
    number: Annotated[str, Query(max_length=64)] = "",
    user: StaffUser,
    center: CenterDep,
) -> dict[str, Any]:
    rows = _read(
        center,
        lambda s: list_register(
            s, _reviewer(user), station_id=station_id, month=month, kind=kind, number=number
        ),
    )
    return {"rows": rows}


@router.get("/supervision/deadlines", responses=ERRORS)
def deadlines(
    *, soon_days: Annotated[int, Query(ge=0, le=60)] = 3, user: SupervisorUser, center: CenterDep
) -> dict[str, Any]:
    return _read(center, lambda s: deadline_report(s, _reviewer(user), soon_days=soon_days))


@router.get("/supervision/ratings", responses=ERRORS)
def ratings(
    *,
    group: Annotated[str, Query(pattern="^(item|station|month)$")] = "item",
    user: SupervisorUser,
    center: CenterDep,
) -> dict[str, Any]:
    rows = _read(center, lambda s: rating_statistics(s, _reviewer(user), group=group))
    return {"group": group, "rows": rows}
