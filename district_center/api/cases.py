"""Case push and read for stations: ``POST /api/v1/cases/batch``, ``GET /api/v1/cases/{id}``,
``GET /api/v1/cases/{id}/results/{sha256}`` (result documents)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select

from district_center.api.deps import CenterDep, StationDep, UnrecordedStationDep
from district_center.api.problems import Refused, problem_responses
from district_center.api.schemas import request_body
from district_center.db.models import CaseRecord
from district_center.services.cases.backoffice import station_result_file
from district_center.services.cases.ingest import Ingest, parse_body
from sync.protocol import API_PREFIX, CaseBatch, CaseBatchResult, StationCase

router = APIRouter(prefix=API_PREFIX, tags=["cases"])


@router.post(
    "/cases/batch",
    response_model=CaseBatchResult,
    openapi_extra=request_body(CaseBatch),
    responses=problem_responses(400, 401, 403, 413),
)
def push_cases(station: UnrecordedStationDep, center: CenterDep) -> Response | dict[str, Any]:
    """One batch in one transaction, the request's nonce included (``services.cases.ingest``)."""
    entries = parse_body(station.body)
    ingest = Ingest(
        center.db,
        station,
        followup_working_days=center.settings.followup_working_days,
        skew_seconds=center.settings.skew_seconds,
    )
    # encoded here, once: the receipts are values the ingest just built, so validating them again against
    # CaseBatchResult (the documented response model) and encoding through it would only cost time
    result = ingest.run(entries).to_dict()
    try:
        body = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a reason quoting text no UTF-8 can carry: the framework's encoder
        return result
    return Response(body, media_type="application/json")


@router.get("/cases/{case_id}", response_model=StationCase, responses=problem_responses(401, 403, 404))
def get_case(case_id: str, station: StationDep, center: CenterDep) -> dict[str, Any]:
    """The center's copy of a case this station accepted or that was routed to it (通办)."""
    with center.db.read_session() as s:
        row = s.scalar(select(CaseRecord).where(CaseRecord.id == case_id))
        if row is None or station.id not in (row.station_id, row.routed_to):
            # Same answer for "absent" and "another station's": ids of other stations' cases stay hidden.
            raise Refused("center.cases.not_visible")
        return {
            "id": row.id,
            "version": row.version,
            "seq": row.seq,
            "status": row.status,
            "routed": row.routed_to == station.id,
            "case": row.document,
        }


@router.get(
    "/cases/{case_id}/results/{sha256}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **problem_responses(400, 401, 403, 404)},
)
def get_result_document(
    case_id: str,
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
    station: StationDep,
    center: CenterDep,
) -> StreamingResponse:
    """A result document (结果文书) the department attached, for the case's accepting station or the station
    it was routed to when the result is collected there; streamed from the blob store. 404 for anything
    else (another station's case, a file the result does not name, a file not stored)."""
    with center.db.read_session() as s:
        doc = station_result_file(s, station.id, case_id, sha256)
        found = None if doc is None else (doc.filename, doc.content_type, doc.size)
    key = f"result:{sha256}"
    if found is None or not center.blobs.exists(key):
        raise Refused("center.cases.result_not_visible")
    filename, content_type, size = found
    return StreamingResponse(
        center.blobs.read(key),
        media_type=content_type or "application/octet-stream",
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "content-length": str(size),
        },
    )
