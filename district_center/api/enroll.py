"""``POST /api/v1/enroll``: a station binds its public key with a one-time code (unsigned request)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from casework import clock
from casework.clock import iso_z
from district_center.api.deps import CenterDep, read_body
from district_center.api.problems import Refused, problem_responses
from district_center.api.schemas import request_body
from district_center.keys import KeyFileError, load_public_file
from district_center.services.stations import registry as stations
from sync.protocol import API_PREFIX, EnrollRequest, EnrollResponse, ProtocolError

router = APIRouter(prefix=API_PREFIX, tags=["stations"])


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    openapi_extra=request_body(EnrollRequest),
    responses=problem_responses(400, 403, 413, 503),
)
async def enroll(request: Request, center: CenterDep) -> dict[str, Any]:
    body = await read_body(request, 64 * 1024)
    try:
        msg = EnrollRequest.from_dict(json.loads(body))
    except ValueError as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError("bad_message", variant="json") from None
    try:
        keys = load_public_file(center.settings.data_dir)
    except KeyFileError:
        raise Refused("center.enroll.keys_not_initialised") from None

    def run() -> EnrollResponse:
        with center.db.session() as s:
            station = stations.enroll(s, msg.code, msg.public_key, msg.app_version)
            return EnrollResponse(
                station_id=station.id,
                station_no=station.station_no,
                district_code=center.settings.district_code,
                district_name=center.settings.district_name,
                catalog_signing_key=keys["signing_key"],
                recovery_public_key=keys["recovery_key"],
                server_time=iso_z(clock.now()),
            )

    return (await run_in_threadpool(run)).to_dict()
