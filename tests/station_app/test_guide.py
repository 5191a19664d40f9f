"""办事指南 view-model: pinyin search through the casework index, item and bundle pages, QR."""

from __future__ import annotations

from casework.catalog import LifeEvent
from station_app.viewmodels.guide import GuideSearch, page_for, qr_png


def test_initials_and_full_pinyin_find_gaoling(station):
    search = GuideSearch(station.guide_index())
    for q in ("gljt", "gaoling", "高龄"):
        search.query = q
        search.run()
        assert "高龄津贴" in search.hits[0].name, q


def test_life_event_browse_and_bundle_page(station):
    search = GuideSearch(station.guide_index())
    search.filters.life_event = LifeEvent.BIRTH
    search.run()
    assert any(h.code == "YJS-CS" for h in search.hits)
    page = page_for(station.catalog(), "YJS-CS")
    assert page.is_bundle and len(page.items) == 4
    assert any(m.deferrable for m in page.materials)
    assert page.qr_text.startswith("出生一件事") and "结婚证" in page.qr_text
    assert qr_png(page.qr_text).startswith(b"\x89PNG")


def test_item_page_has_the_guide_facts(station):
    catalog = station.catalog()
    item = next(i for i in catalog.items if "高龄" in i.name)
    page = page_for(catalog, item.code)
    labels = dict(page.facts)
    for key in ("实施部门", "承诺办结时限", "收费", "办理地点", "咨询电话", "通办范围"):
        assert labels[key], key
