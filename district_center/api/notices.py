"""一次性告知 and 不予受理 records from stations: ``POST /api/v1/notices`` (signed), see ``docs/protocol.md``.

Each entry is parsed and checked on its own (``services/supervision/notices.py``); a malformed one, or one
naming another station, is refused by id and never fails the batch. Replaying a batch stores nothing twice
and answers the same versions.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter

from casework import clock
from district_center.api.deps import CenterDep, StationDep
from district_center.api.problems import problem_responses
from district_center.api.schemas import request_body
from district_center.services.supervision.notices import record_notices
from sync.protocol import API_PREFIX, NoticeBatch, NoticeResult, ProtocolError

router = APIRouter(prefix=API_PREFIX, tags=["notices"])


@router.post(
    "/notices",
    response_model=NoticeResult,
    openapi_extra=request_body(NoticeBatch),
    responses=problem_responses(400, 401, 403, 413),
)
def push_notices(station: StationDep, center: CenterDep) -> dict[str, Any]:
    try:
        entries = NoticeBatch.raw_entries(json.loads(station.body))
    except ValueError as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError("bad_message", variant="json") from None
    return record_notices(center.db, station, entries, now=clock.now()).to_dict()
