"""casework.search_log: the failed-query record — what is logged, what never is, and its checks."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.guide_search import GuideIndex
from casework.samples import sample_catalog
from casework.search_log import NUMBER_PLACEHOLDER, SearchLogError, SearchMiss, new_miss

AT = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    return GuideIndex(sample_catalog())


def test_outcomes(index: GuideIndex) -> None:
    assert index.search("").outcome == "empty"
    assert index.search("低保").outcome == "found"
    assert index.search("我想给家里的狗办证").outcome == "none"
    weak = index.search("最底生活保障")  # only related entries: worth telling the district too
    assert weak.outcome == "weak" and weak.hits


def test_only_misses_and_loose_results_are_logged(index: GuideIndex) -> None:
    for query, expected in (("低保", None), ("我想给家里的狗办证", "none"), ("最底生活保障", "weak")):
        result = index.search(query)
        miss = new_miss(result.query, result.outcome, source="kiosk", catalog_version=3, at=AT)
        assert (miss.result if miss else None) == expected, query


def test_the_record_holds_the_scrubbed_query_only() -> None:
    miss = new_miss("身份证61011419900101123X丢了怎么补", "none", source="desk", catalog_version=2, at=AT)
    assert miss is not None
    doc = miss.to_dict()
    assert set(doc) == {"id", "at", "query", "source", "result", "catalog_version"}
    assert doc["query"] == f"身份证{NUMBER_PLACEHOLDER}丢了怎么补" and doc["at"] == "2026-12-01T02:30:00Z"
    assert SearchMiss.from_dict(doc) == miss
    # a query that is only a number is not worth a record
    assert new_miss("13800138000", "none", source="kiosk", catalog_version=2, at=AT) is None
    with pytest.raises(ValueError):
        new_miss("狗证", "none", source="phone", catalog_version=2, at=AT)


def test_ids_sort_by_time() -> None:
    a = new_miss("狗证", "none", source="kiosk", catalog_version=1, at=AT)
    b = new_miss("猫证", "none", source="kiosk", catalog_version=1, at=AT + dt.timedelta(seconds=1))
    assert a is not None and b is not None and a.id < b.id


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "not-a-uuid"),
        ("at", "2026-12-01 02:30"),
        ("query", "   "),
        ("source", "phone"),
        ("result", "found"),
        ("catalog_version", -1),
        ("catalog_version", 2**31),
        ("catalog_version", True),
    ],
)
def test_malformed_records_name_their_field(field: str, value: object) -> None:
    good = new_miss("狗证", "none", source="kiosk", catalog_version=1, at=AT)
    assert good is not None
    with pytest.raises(SearchLogError) as info:
        SearchMiss.from_dict({**good.to_dict(), field: value})
    assert info.value.code == "search_log.malformed" and info.value.params == {"field": field}


def test_a_record_from_outside_is_scrubbed_again() -> None:
    good = new_miss("狗证", "none", source="kiosk", catalog_version=1, at=AT)
    assert good is not None
    sent = {**good.to_dict(), "query": "狗证 13800138000"}  # a station that did not scrub
    assert SearchMiss.from_dict(sent).query == f"狗证 {NUMBER_PLACEHOLDER}"
    with pytest.raises(SearchLogError):
        SearchMiss.from_dict({"id": good.id})
