"""智能导办 in the district console, in a real browser against a real center and a real station (conftest):
keywords in the item and bundle editors, the synonym table, the failed-query list with its one-step "add as
keyword", and the signed publication that takes all of it to the station's guide search."""

from __future__ import annotations

import re
from typing import Any

from casework import clock
from casework.catalog import Catalog
from casework.guide_search import GuideIndex
from casework.search_log import new_miss
from sync import search_log

from .conftest import PASSPHRASE, World, sign_in

ITEM = "居住证申领"
QUERY = "外地人暂住登记手续在哪办"


def _item_code(world: World, name: str) -> str:
    return next(i.code for i in world.center.catalog.items if i.name == name)


def test_keywords_synonyms_and_failed_searches_end_to_end(page: Any, world: World, shoot: Any) -> None:
    # a station's failed search reaches the district with sync
    miss = new_miss(QUERY, "none", source="kiosk", catalog_version=1, at=clock.now())
    assert miss is not None
    search_log.record(world.station.store, miss, actor="kiosk")
    report = world.station.service.run_once(raise_errors=True)
    assert report is not None and report.search_misses_sent == 1

    sign_in(page, world, "admin")
    page.get_by_role("link", name="未找到的搜索").click()
    table = page.get_by_test_id("search-misses")
    row = table.locator(f'tr[data-query="{QUERY}"]')
    assert "仍找不到" in row.inner_text() and "1" in row.inner_text()
    shoot(page, "20-search-misses")
    row.get_by_label(re.compile("加给哪个事项")).fill(ITEM)
    row.get_by_role("button", name="添加").click()
    assert "已加为关键词" in page.get_by_role("status").inner_text()
    assert ITEM in page.locator(f'tr[data-query="{QUERY}"]').inner_text()  # the staged catalog finds it now
    shoot(page, "21-search-misses-after-keyword")

    # the item editor shows it, and takes more keywords
    page.goto(world.url + f"/console/catalog/items/{_item_code(world, ITEM)}")
    keywords = page.get_by_test_id("keywords")
    assert QUERY in keywords.input_value()
    keywords.fill(keywords.input_value() + "；外来人口登记")
    page.get_by_role("button", name="保存到待发布目录").click()
    assert "关键词" in page.get_by_test_id("diff-changed").inner_text()

    # a bundle's keywords
    page.get_by_test_id("bundles").locator("tr", has_text="出生一件事").get_by_role(
        "link", name="编辑"
    ).click()
    bundle_keywords = page.get_by_test_id("keywords")
    bundle_keywords.fill(bundle_keywords.input_value() + "；添了个娃")
    page.get_by_role("button", name="保存到待发布目录").click()
    assert "事项已保存到待发布目录" in page.get_by_role("status").inner_text()

    # the synonym table: a bad line is refused with its number, nothing saved; a good one is staged
    page.goto(world.url + "/console/catalog/synonyms")
    text = page.get_by_test_id("synonyms")
    assert "孩子：" in text.input_value()  # the defaults, ready to edit
    text.fill(text.input_value() + "娃娃落户 新生儿户口登记\n")
    page.get_by_role("button", name="保存到待发布目录").click()
    problems = page.get_by_test_id("synonym-problems").inner_text()
    assert re.search(r"第 \d+ 行", problems) and "：" in problems
    shoot(page, "22-synonyms-refused")
    text = page.get_by_test_id("synonyms")
    text.fill(text.input_value().replace("娃娃落户 新生儿户口登记", "娃娃落户：新生儿户口登记"))
    page.get_by_role("button", name="保存到待发布目录").click()
    assert "同义词表已保存" in page.get_by_role("status").inner_text()
    assert "同义词表已更新" in page.get_by_test_id("diff-summary").inner_text()

    # signed publication; the station verifies it and its guide search answers with it
    page.get_by_label("签名密钥口令").fill(PASSPHRASE)
    page.get_by_role("button", name=re.compile("签名并发布")).click()
    assert "目录已发布" in page.get_by_role("status").inner_text()
    assert world.station.service.run_once(raise_errors=True) is not None
    stored = world.station.store.get("catalog", "current")
    assert stored is not None
    index = GuideIndex(Catalog.from_dict(stored["catalog"]))
    assert index.search(QUERY).hits[0].name == ITEM
    assert index.search("外来人口登记").hits[0].name == ITEM
    assert index.search("娃娃落户").hits[0].name == "新生儿户口登记(出生登记)"
    assert index.search("添了个娃").hits[0].name == "出生一件事"
