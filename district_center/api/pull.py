"""Signed documents stations pull: ``GET /api/v1/catalog[?since=V]`` and ``GET /api/v1/calendar``.

The envelopes are stored signed by the publishing side and served byte for byte. ``since=V`` answers 204
when V is the newest version; otherwise the stored signed delta from V when there is one (``catalog_deltas``),
else the full current envelope (stations accept ``catalog`` as well as ``catalog_delta``).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from district_center.api.deps import CenterDep, StationDep
from district_center.api.problems import Refused, problem_responses
from district_center.services.audit import audit
from district_center.services.catalog.current import (
    calendar_document,
    catalog_document,
    delta_document,
    latest_catalog_version,
)
from sync.protocol import API_PREFIX, SignedEnvelope, canonical_json

router = APIRouter(prefix=API_PREFIX, tags=["documents"])


@router.get(
    "/catalog",
    response_model=SignedEnvelope,
    responses={
        204: {"description": "the station already has the newest version"},
        **problem_responses(400, 401, 403, 404),
    },
)
def catalog(
    station: StationDep, center: CenterDep, since: Annotated[int | None, Query(ge=0, le=2**31)] = None
) -> Response:
    with center.db.read_session() as s:
        latest = latest_catalog_version(s)
        if latest is None:
            raise Refused("center.publish.not_published")
        if since is not None and since >= latest:
            return Response(status_code=204)
        delta = delta_document(s, latest, since) if since is not None else None
        document = delta or catalog_document(s, latest) or b""
    with center.db.session() as s:  # which station was handed which version (the console's station health)
        audit(s, f"station:{station.id}", "catalog.served", station.id, version=latest, since=since)
    return Response(document, media_type="application/json")


@router.get("/calendar", response_model=SignedEnvelope, responses=problem_responses(401, 403, 404))
def calendar(station: StationDep, center: CenterDep) -> Response:
    with center.db.read_session() as s:
        document = calendar_document(s)
    if document is None:
        raise Refused("center.calendar.not_published")
    return Response(
        canonical_json(document) if isinstance(document, dict) else json.dumps(document),
        media_type="application/json",
    )
