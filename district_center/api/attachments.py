"""Attachment status and chunked upload (``/api/v1/attachments/{sha256}``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from district_center.api.deps import CenterDep, StationDep
from district_center.api.problems import Refused, problem_responses
from district_center.services.attachments import uploads as attachments
from sync.protocol import API_PREFIX, HEADER_TOTAL_SIZE, AttachmentStatus

router = APIRouter(prefix=API_PREFIX, tags=["attachments"])
Sha = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="sha256 hex of the whole file")]


def declared_total_size(request: Request, center: CenterDep) -> int:
    """``X-Total-Size``, checked against the limit before any byte of the body is read or stored."""
    total_text = request.headers.get(HEADER_TOTAL_SIZE, "")
    if not total_text.isdigit() or len(total_text) > 15:
        raise Refused("center.upload.bad_size_header", header=HEADER_TOTAL_SIZE)
    total = int(total_text)
    limit = center.settings.max_attachment_bytes
    if total > limit:
        raise Refused(
            "center.upload.declared_too_large",
            size_mb=f"{total / 2**20:.1f}",
            limit_mb=f"{limit / 2**20:g}",
            limit=limit,
        )
    return total


@router.get(
    "/attachments/{sha256}", response_model=AttachmentStatus, responses=problem_responses(400, 401, 403, 404)
)
def attachment_status(sha256: Sha, station: StationDep, center: CenterDep) -> dict[str, Any]:
    found = attachments.status(center.db, center.blobs, sha256, station_id=station.id)
    if found is None:  # the same answer for "never uploaded" and "another station's": nothing to probe
        raise attachments.UploadRefused("center.upload.unknown")
    return found.to_dict()


@router.put(
    "/attachments/{sha256}",
    response_model=AttachmentStatus,
    responses=problem_responses(400, 401, 403, 409, 413, 422),
    openapi_extra={
        "parameters": [
            {
                "name": HEADER_TOTAL_SIZE,
                "in": "header",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
async def upload_chunk(
    sha256: Sha,
    offset: Annotated[int, Query(ge=0, le=2**62)],
    total: Annotated[int, Depends(declared_total_size)],  # before StationDep: refused before the body is read
    station: StationDep,
    center: CenterDep,
) -> dict[str, Any]:
    if len(station.body) > center.settings.max_chunk_bytes:
        chunk_limit = center.settings.max_chunk_bytes
        raise Refused("center.upload.chunk_too_large", limit_mb=f"{chunk_limit / 2**20:g}", limit=chunk_limit)
    result = await run_in_threadpool(
        attachments.put_chunk_checked,
        center.db,
        center.blobs,
        sha256,
        offset,
        total,
        station.body,
        station_id=station.id,
        max_bytes=center.settings.max_attachment_bytes,
    )
    return result.to_dict()
