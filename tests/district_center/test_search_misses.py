"""``POST /api/v1/search-misses`` and the failed-query list on SQLite and PostgreSQL: signed stations only,
idempotent per record, malformed entries refused alone, queries scrubbed again by the center, grouped by
query for the console."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from casework import clock
from casework.search_log import NUMBER_PLACEHOLDER, new_miss
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.services.catalog.search_misses import miss_groups
from sync.protocol import canonical_json

PATH = "/api/v1/search-misses"


def _misses(*queries: str, source: str = "kiosk") -> list[dict[str, object]]:
    base = clock.now().replace(microsecond=0)
    out = []
    for n, q in enumerate(queries):
        miss = new_miss(q, "none", source=source, catalog_version=1, at=base + dt.timedelta(seconds=n))
        assert miss is not None
        out.append(miss.to_dict())
    return out


def _post(http: httpx.Client, misses: list[dict[str, object]]) -> httpx.Response:
    return http.post(
        PATH, content=canonical_json({"misses": misses}), headers={"content-type": "application/json"}
    )


def test_records_are_stored_once_and_grouped(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    one, two = client(new_station("一站")), client(new_station("二站"))
    unique = "狗证" + uuid.uuid4().hex[:8].translate(
        str.maketrans("0123456789", "abcdefghij")
    )  # shared center
    first = _misses(unique, unique + "在哪办")
    resp = _post(one, first)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"accepted": [m["id"] for m in first], "rejected": []}
    assert _post(one, first).json()["accepted"] == [m["id"] for m in first]  # a replay stores nothing twice
    assert _post(two, _misses(unique, source="desk")).status_code == 200
    with center.db.read_session() as s:
        groups = {g.query: g for g in miss_groups(s, since=clock.now() - dt.timedelta(days=1))}
    mine = groups[unique]
    assert (mine.count, mine.stations, mine.none, mine.kiosk) == (2, 2, 2, 1)
    assert mine.first_at.tzinfo is not None and mine.first_at <= mine.last_at
    assert groups[unique + "在哪办"].count == 1
    assert list(groups).index(unique) < list(groups).index(unique + "在哪办")  # most asked first


def test_malformed_entries_are_refused_alone_and_queries_scrubbed_again(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    http = client(new_station())
    good, bad, nul = _misses("身份证丢了", "坏的", "狗证")
    good["query"] = "身份证110105194912310029丢了"  # a station that did not scrub
    bad["result"] = "found"
    nul["query"] = "狗\x00证"  # PostgreSQL text cannot hold NUL (the fuzzer found it)
    resp = _post(http, [good, bad, nul, {"no": "id"}])
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"accepted": [good["id"], nul["id"]], "rejected": [bad["id"]]}
    with center.db.read_session() as s:
        queries = {g.query for g in miss_groups(s, since=clock.now() - dt.timedelta(days=1))}
    assert f"身份证{NUMBER_PLACEHOLDER}丢了" in queries and "狗 证" in queries
    assert not any("110105194912310029" in q for q in queries)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (canonical_json({"misses": "x"}), 400),
        (canonical_json({"misses": [{}] * 501}), 413),
    ],
)
def test_bad_bodies_are_problems(
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
    body: bytes,
    status: int,
) -> None:
    resp = client(new_station()).post(PATH, content=body, headers={"content-type": "application/json"})
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_only_signed_stations_may_report(center: RunningCenter) -> None:
    resp = httpx.post(center.url + PATH, content=json.dumps({"misses": []}), timeout=30)
    assert resp.status_code == 401
