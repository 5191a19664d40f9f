"""未找到的搜索 at the station: what the view-model hands to the log, and what the encrypted store keeps."""

from __future__ import annotations

from casework.catalog import LifeEvent
from station_app.services.search_log import SearchLogService
from station_app.viewmodels.guide import GuideSearch, hit_tags
from station_app.viewmodels.session import KIOSK_ROUTES
from sync import search_log


def test_a_miss_is_logged_once_per_screen_and_a_good_search_never(station) -> None:
    search = GuideSearch(station.guide_index())
    search.query = "低保"
    search.run()
    assert search.to_log() is None  # found: nothing to tell the district
    search.query = "我想给家里的狗办证"
    search.run()
    assert search.miss and search.life_events and "共 0 项" in search.summary()
    first = search.to_log()
    assert first is not None and first.outcome == "none"
    search.run()
    assert search.to_log() is None  # the same query again from this screen
    search.query = "家里的狗  办证"  # another query
    search.run()
    assert search.to_log() is not None


def test_browsing_by_life_event_is_not_a_miss(station) -> None:
    search = GuideSearch(station.guide_index())
    search.query = "我想给家里的狗办证"
    search.filters.life_event = LifeEvent.BIRTH
    search.run()
    assert search.to_log() is None


def test_the_store_keeps_the_scrubbed_query_only(station) -> None:
    log = SearchLogService(station)
    search = GuideSearch(station.guide_index())
    search.query = "狗证 13800138000"
    search.run()
    result = search.to_log()
    assert result is not None
    assert log.record(result, source="kiosk", actor="kiosk") and log.pending() == 1
    (key,) = station.unlocked_store.keys_of(search_log.SEARCH_LOG)
    doc = station.unlocked_store.get(search_log.SEARCH_LOG, key)
    assert doc is not None and doc["query"] == "狗证 [号码]" and doc["source"] == "kiosk"
    assert "13800138000" not in str(doc) and set(doc) == {
        "id",
        "at",
        "query",
        "source",
        "result",
        "catalog_version",
    }
    search.query = "低保"
    search.run()
    assert not log.record(search.result, source="desk", actor="w")  # type: ignore[arg-type]
    assert log.pending() == 1


def test_a_locked_store_loses_the_record_not_the_search(station) -> None:
    search = GuideSearch(station.guide_index())
    search.query = "狗证"
    search.run()
    result = search.to_log()
    assert result is not None
    station.store.lock()
    assert SearchLogService(station).record(result, source="desk", actor="w") is False


def test_hit_rows_say_why_they_matched(station) -> None:
    search = GuideSearch(station.guide_index())
    search.query = "低保"
    search.run()
    assert "俗称“低保”" in hit_tags(search.hits[0])
    search.query = "底保"
    search.run()
    assert "相近：“低保”" in hit_tags(search.hits[0])


def test_the_kiosk_may_open_its_search() -> None:
    assert "kiosk_search" in KIOSK_ROUTES
