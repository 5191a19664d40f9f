"""Helpers for the 整改 / 参评率 / 帮办代办 tests: a case taken through the back office to 送达."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from casework import clock
from casework.cases import Case, CaseStatus, Side
from district_center.devtools.station_client import StationIdentity
from sync.apply import apply_event
from sync.protocol import FeedEvent

from .backoffice_helpers import case_doc, feed
from .conftest import push


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


@contextmanager
def china_day(day: dt.date, hour: int = 10) -> Iterator[dt.datetime]:
    """Run the block (center and station: one process) with the clock at ``day`` ``hour``:00 Beijing."""
    target = dt.datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=dt.UTC)
    with clock.use_clock(clock.offset((target - clock.system_clock()).total_seconds())):
        yield target


def applied_feed(http: httpx.Client, case: Case) -> Case:
    """What the station does with its feed: apply the case's status events to its local copy."""
    doc: dict[str, Any] = case.to_dict()
    for e in feed(http):
        if e["case_id"] == case.id:
            new, _ = apply_event(doc, FeedEvent(e["seq"], e["type"], e["case_id"], e["at"], e["payload"]))
            doc = new or doc
    return Case.from_dict({k: v for k, v in doc.items() if not k.startswith("_")})


def handed_over(
    http: httpx.Client, station: StationIdentity, reviewer: httpx.Client, item_code: str, **kw: Any
) -> Case:
    """A case accepted at ``station`` now, decided by ``reviewer``'s department and handed over (送达) at the
    window a minute later; pushed, and returned as the station holds it."""
    now = clock.now()
    case = case_doc(station, item_code, jurisdiction="新城区", at=now - dt.timedelta(hours=2), **kw)
    assert push(http, case.to_dict())[0]["status"] == "accepted"
    base = f"/api/v1/backoffice/cases/{case.id}"
    ok(reviewer.post(base + "/accept", json={}))
    ok(reviewer.post(base + "/decision", json={"approve": True}))
    ok(reviewer.post(base + "/result-ready"))
    local = applied_feed(http, case)
    at = clock.now() + dt.timedelta(minutes=1)
    local.transition(CaseStatus.HANDED_OVER, actor="w-01", at=at, side=Side.STATION)
    assert push(http, local.to_dict())[0]["status"] == "accepted"
    return local
