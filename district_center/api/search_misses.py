"""Failed guide searches from stations: ``POST /api/v1/search-misses`` (signed), see ``docs/protocol.md``.

Each entry is parsed on its own (``casework.search_log.SearchMiss``); a malformed one is refused by id and
never fails the batch. Replaying a batch stores nothing twice and answers the same ids.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter

from casework import clock
from district_center.api.deps import CenterDep, StationDep
from district_center.api.problems import problem_responses
from district_center.api.schemas import request_body
from district_center.services.catalog.search_misses import record_misses
from sync.protocol import API_PREFIX, ProtocolError, SearchMissBatch, SearchMissResult

router = APIRouter(prefix=API_PREFIX, tags=["search log"])


@router.post(
    "/search-misses",
    response_model=SearchMissResult,
    openapi_extra=request_body(SearchMissBatch),
    responses=problem_responses(400, 401, 403, 413),
)
def push_search_misses(station: StationDep, center: CenterDep) -> dict[str, Any]:
    try:
        entries = SearchMissBatch.raw_entries(json.loads(station.body))
    except ValueError as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError("bad_message", variant="json") from None
    return record_misses(center.db, station.id, entries, now=clock.now()).to_dict()
