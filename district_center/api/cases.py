"""Case push and read for stations: ``POST /api/v1/cases/batch``, ``GET /api/v1/cases/{id}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from district_center.api.deps import CenterDep, StationDep
from district_center.api.schemas import BatchIn, BatchOut, CaseOut, request_body
from district_center.models import CaseRecord
from district_center.problems import ProblemError, problem_responses
from district_center.services.ingest import Ingest, parse_body
from sync.protocol import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["cases"])


@router.post("/cases/batch", response_model=BatchOut, openapi_extra=request_body(BatchIn),
             responses=problem_responses(400, 401, 403, 413))
def push_cases(station: StationDep, center: CenterDep) -> dict[str, Any]:
    entries = parse_body(station.body)
    return Ingest(center.db, station,
                  followup_working_days=center.settings.followup_working_days).run(entries).to_dict()


@router.get("/cases/{case_id}", response_model=CaseOut, responses=problem_responses(401, 403, 404))
def get_case(case_id: str, station: StationDep, center: CenterDep) -> dict[str, Any]:
    """The center's copy of a case this station accepted or that was routed to it (通办)."""
    with center.db.read_session() as s:
        row = s.scalar(select(CaseRecord).where(CaseRecord.id == case_id))
        if row is None or station.id not in (row.station_id, row.routed_to):
            # Same answer for "absent" and "another station's": ids of other stations' cases stay hidden.
            raise ProblemError(404, "case_not_found", "区中心没有本站可查看的这个办件")
        return {"id": row.id, "version": row.version, "seq": row.seq, "status": row.status,
                "routed": row.routed_to == station.id, "case": row.document}
