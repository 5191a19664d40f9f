"""The failed-query log and the synonym table through a real district center on loopback.

Failed searches leave the station with the next sync (``push_search_log``) exactly once, a malformed record is
refused alone, a center that predates the endpoint keeps them waiting, and the station's log is capped; the
district's synonym table and keywords reach the station inside the signed catalog (snapshot and delta) and
the station's guide search uses them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from casework import clock
from casework.catalog import Catalog
from casework.guide_search import GuideIndex
from casework.search_log import NUMBER_PLACEHOLDER, SearchMiss, new_miss
from district_center.db.models import SearchMissRecord
from sync import search_log
from sync.engine_core import STAGES
from tests.sync.harness import CenterHandle, Station, station_for


def _miss(query: str, seconds: int = 0, source: str = "kiosk") -> SearchMiss:
    at = clock.now().replace(microsecond=0) + dt.timedelta(seconds=seconds)
    miss = new_miss(query, "none", source=source, catalog_version=1, at=at)
    assert miss is not None
    return miss


def _center_rows(center: CenterHandle) -> list[tuple[str, str, str, str]]:
    """(query, source, result, record id) of what the center stored, oldest first."""
    with center.center.db.read_session() as s:
        rows = s.scalars(select(SearchMissRecord).order_by(SearchMissRecord.miss_id))
        return [(r.query, r.source, r.result, r.miss_id) for r in rows]


def test_failed_searches_reach_the_center_once(center: CenterHandle, station: Station) -> None:
    assert STAGES.index("push_search_log") == STAGES.index("push") + 1
    misses = [_miss("给家里的狗办证"), _miss("办个狗证 13800138000", 1, "desk")]
    for m in misses:
        search_log.record(station.store, m, actor="kiosk")
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.search_misses_sent == 2 and report.warnings == []
    assert station.store.count(search_log.SEARCH_LOG) == 0
    rows = _center_rows(center)
    assert [r[:3] for r in rows] == [
        ("给家里的狗办证", "kiosk", "none"),
        (f"办个狗证 {NUMBER_PLACEHOLDER}", "desk", "none"),
    ]
    assert {r[3] for r in rows} == {m.id for m in misses}
    # the same records sent again (a lost answer, a resumed sync): nothing stored twice
    for m in misses:
        search_log.record(station.store, m, actor="kiosk")
    again = station.service.run_once(raise_errors=True)
    assert again is not None and again.search_misses_sent == 2 and len(_center_rows(center)) == 2


def test_a_malformed_record_is_refused_alone(center: CenterHandle, station: Station) -> None:
    good = _miss("老人坐车卡")
    search_log.record(station.store, good, actor="kiosk")
    bad = {**_miss("坏记录", 1).to_dict(), "source": "phone"}
    with station.store.transaction() as tx:
        tx.put(search_log.SEARCH_LOG, bad["id"], bad)
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.search_misses_sent == 1
    assert station.store.count(search_log.SEARCH_LOG) == 0  # refused for good: resending cannot help
    assert [r[0] for r in _center_rows(center)] == ["老人坐车卡"]


class NoSearchLog(httpx.BaseTransport):
    """A center that predates the failed-query log: the endpoint answers 404."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/search-misses":
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        return self.inner.handle_request(request)


def test_an_older_center_leaves_them_waiting_and_sync_goes_on(center: CenterHandle, station: Station) -> None:
    old = station_for(center, station.store, station.data_dir, transport=NoSearchLog())
    search_log.record(station.store, _miss("狗证"), actor="kiosk")
    station.accept()
    try:
        report = old.service.run_once(raise_errors=True)
    finally:
        old.service.close()
    assert report is not None and report.cases_delivered == 1 and report.search_misses_sent == 0
    assert report.warnings == [] and station.store.count(search_log.SEARCH_LOG) == 1
    assert station.service.run_once(raise_errors=True).search_misses_sent == 1  # type: ignore[union-attr]


def test_the_station_keeps_only_the_newest_records(station: Station, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(search_log, "MAX_PENDING", 3)
    misses = [_miss(f"第{i}个", i) for i in range(5)]
    for m in misses:
        search_log.record(station.store, m, actor="kiosk")
    assert sorted(station.store.keys_of(search_log.SEARCH_LOG)) == sorted(m.id for m in misses[2:])


def test_synonyms_and_keywords_reach_the_station_signed(center: CenterHandle, station: Station) -> None:
    station.service.run_once(raise_errors=True)
    doc = center.catalog.to_dict()
    target = next(i for i in doc["items"] if i["name"] == "居住证申领")
    target["keywords"] = [*target["keywords"], "外来人口登记"]
    doc["synonyms"] = {**doc["synonyms"], "娃娃落户": ["新生儿户口登记"]}
    center.publish(Catalog.from_dict(doc))
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.catalog_updated
    stored = station.store.get("catalog", "current")
    assert stored is not None and stored["envelope"]["kind"] == "catalog_delta"
    assert stored["envelope"]["payload"]["changes"]["synonyms_changed"] is True
    local = Catalog.from_dict(stored["catalog"])
    assert local.synonyms["娃娃落户"] == ("新生儿户口登记",)
    index = GuideIndex(local)
    assert index.search("外来人口登记").hits[0].name == "居住证申领"
    assert index.search("娃娃落户").hits[0].name == "新生儿户口登记(出生登记)"


def test_failed_searches_travel_by_offline_bundle_once_the_district_says_it_takes_them(
    center: CenterHandle, station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from district_center.services.stations import bundle_import
    from district_center.services.stations.bundle_import import import_bundle
    from sync.bundle import export_bundle, import_answer

    def roundtrip(name: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        bundle, answer = tmp_path / f"{name}.bmzz", tmp_path / f"{name}-answer.bmzz"
        exported = export_bundle(station.store, bundle)
        district = import_bundle(center.center, center.keys, bundle, answer)
        return exported, district, import_answer(station.store, answer)

    misses = [_miss("给家里的狗办证"), _miss("办个狗证 13800138000", 1, "desk")]
    for m in misses:
        search_log.record(station.store, m, actor="kiosk")
    # the first bundle cannot know whether the district takes the log: an older one would refuse it whole
    exported, district, applied = roundtrip("first")
    assert exported["search_misses"] == 0 and district["search_misses"] == 0
    assert station.store.count(search_log.SEARCH_LOG) == 2 and _center_rows(center) == []
    # its answer said so; the next bundle carries them, with a malformed record refused alone
    bad_id = "ffffffff-0000-7000-8000-000000000000"
    with station.store.transaction(actor="test", action="test.bad_miss") as tx:
        tx.put(search_log.SEARCH_LOG, bad_id, {**misses[0].to_dict(), "id": bad_id, "source": "phone"})
    exported, district, applied = roundtrip("second")
    assert exported["search_misses"] == 3 and district["search_misses"] == 2
    assert applied["search_misses_delivered"] == 2 and station.store.count(search_log.SEARCH_LOG) == 0
    rows = _center_rows(center)
    assert [r[:2] for r in rows] == [("给家里的狗办证", "kiosk"), (f"办个狗证 {NUMBER_PLACEHOLDER}", "desk")]
    assert not any("13800138000" in r[0] for r in rows)
    # the same bundle imported twice stores nothing twice
    import_bundle(center.center, center.keys, tmp_path / "second.bmzz", tmp_path / "again-answer.bmzz")
    assert len(_center_rows(center)) == 2
    # an answer from a center that does not list the log turns it off again
    monkeypatch.setattr(bundle_import, "ACCEPTS", [])
    roundtrip("older")
    search_log.record(station.store, _miss("办狗证", 2), actor="kiosk")
    exported, district, _ = roundtrip("after-older")
    assert exported["search_misses"] == 0 and station.store.count(search_log.SEARCH_LOG) == 1
