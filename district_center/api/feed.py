"""Per-station feed: ``GET /api/v1/feed?after=&limit=`` and ``POST /api/v1/feed/ack``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query

from district_center.api.deps import CenterDep, StationDep
from district_center.api.problems import ProblemError, problem_responses
from district_center.api.schemas import request_body
from district_center.services.cases.feed import FeedError, ack_feed, read_feed
from sync.protocol import API_PREFIX, FeedAck, FeedPage, ProtocolError

router = APIRouter(prefix=API_PREFIX, tags=["feed"])


@router.get("/feed", response_model=FeedPage, responses=problem_responses(400, 401, 403))
def feed(
    station: StationDep,
    center: CenterDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    limit = min(limit, center.settings.feed_page_limit)
    with center.db.read_session() as s:
        events, nxt = read_feed(s, station.id, after, limit)
    return FeedPage(events, nxt).to_dict()


@router.post(
    "/feed/ack",
    response_model=FeedAck,
    openapi_extra=request_body(FeedAck),
    responses=problem_responses(400, 401, 403, 409),
)
def ack(station: StationDep, center: CenterDep) -> dict[str, Any]:
    try:
        msg = FeedAck.from_dict(json.loads(station.body))
    except ValueError as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError("bad_message", variant="json") from None
    try:
        with center.db.session(durable=False) as s:  # a lost ack: the station reads those events again
            cursor = ack_feed(s, station.id, msg.cursor)
    except FeedError as exc:
        raise ProblemError(409, "bad_cursor", exc.text("zh_CN")) from None
    return {"cursor": cursor}
