"""casework.guide_search: pinyin, initials, name, department, type and life-event search with ranking."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.catalog import Bundle, Catalog, Item, ItemStatus, Level, LifeEvent, TimeLimit
from casework.guide_search import GuideIndex, HitKind, MatchKind, pinyin_syllables

ROOT = Path(__file__).resolve().parents[2]
CREDIT = "11610114123456789A"


@pytest.fixture(scope="module")
def sample() -> GuideIndex:
    path = ROOT / "casework" / "data" / "sample-catalog.json"
    return GuideIndex(Catalog.from_dict(json.loads(path.read_text(encoding="utf-8"))))


def small_index(*names: str, departments: tuple[str, ...] = ()) -> GuideIndex:
    items = tuple(
        Item(
            code=f"{CREDIT}{i:012d}000",
            basic_code=f"{i:012d}",
            name=name,
            item_type="20",
            department=departments[i] if i < len(departments) else "某某局",
            department_credit_code=CREDIT,
            level=Level.COUNTY,
            jurisdiction="阎良区",
            promised_limit=TimeLimit(1),
        )
        for i, name in enumerate(names)
    )
    return GuideIndex(
        Catalog(
            version=1,
            district_code="610114",
            district_name="阎良区",
            issued_at=datetime(2023, 1, 1, tzinfo=UTC),
            items=items,
        )
    )


def names_and_matches(index: GuideIndex, query: str) -> list[tuple[str, MatchKind]]:
    return [(h.name, h.match) for h in index.search(query, limit=None).hits]


def test_pinyin_syllables() -> None:
    assert pinyin_syllables("高龄津贴") == ["gao", "ling", "jin", "tie"]
    assert pinyin_syllables("审批(有线)") == ["shen", "pi", "you", "xian"]
    assert pinyin_syllables("B超3号") == ["b", "chao", "3", "hao"]
    assert pinyin_syllables("女") == ["nv"]


def test_initials_find_gaoling_jintie(sample: GuideIndex) -> None:
    hit = sample.search("gljt").hits[0]
    assert (hit.name, hit.match, hit.kind) == ("高龄津贴申领", MatchKind.INITIALS, HitKind.ITEM)
    assert sample.search("GLJT").hits[0].name == "高龄津贴申领"


def test_full_pinyin_finds_gaoling_jintie(sample: GuideIndex) -> None:
    for q in ("gaoling", "gaolingjintie", "gao ling", "Gaoling"):
        hit = sample.search(q).hits[0]
        assert (hit.name, hit.match) == ("高龄津贴申领", MatchKind.PREFIX), q
    assert sample.search("gaolingjintieshenling").hits[0].match is MatchKind.EXACT


def test_chinese_name_exact_prefix_and_substring(sample: GuideIndex) -> None:
    assert sample.search("高龄津贴申领").hits[0].match is MatchKind.EXACT
    assert sample.search("高龄").hits[0].name == "高龄津贴申领"
    assert ("高龄津贴申领", MatchKind.SUBSTRING) in names_and_matches(sample, "津贴")


def test_code_lookup_is_exact(sample: GuideIndex) -> None:
    item = sample.catalog.items[80]
    assert sample.search(item.code).hits[0].entry is item
    assert sample.search(item.code.lower()).hits[0].match is MatchKind.EXACT


def test_ranking_exact_then_prefix_then_initials_then_substring() -> None:
    index = small_index("平安", "安全", "爱你", "安")
    assert names_and_matches(index, "an") == [
        ("安", MatchKind.EXACT),
        ("安全", MatchKind.PREFIX),
        ("爱你", MatchKind.INITIALS),
        ("平安", MatchKind.SUBSTRING),
    ]
    index = small_index("城乡低保", "低保申请", "低保", "民政业务", departments=("x", "x", "x", "低保中心"))
    assert names_and_matches(index, "低保") == [
        ("低保", MatchKind.EXACT),
        ("低保申请", MatchKind.PREFIX),
        ("城乡低保", MatchKind.SUBSTRING),
        ("民政业务", MatchKind.DEPARTMENT),
    ]


def test_pinyin_substrings_start_at_a_syllable() -> None:
    index = small_index("平安")
    assert names_and_matches(index, "an") == [("平安", MatchKind.SUBSTRING)]
    # inside "ping": not a syllable start, so no substring match — only typo matching (a dropped "p")
    assert names_and_matches(index, "ingan") == [("平安", MatchKind.SIMILAR)]
    assert names_and_matches(index, "pa") == [("平安", MatchKind.INITIALS)]


def test_department_search(sample: GuideIndex) -> None:
    hits = sample.search("民政", limit=None).hits
    assert hits and all(h.match is MatchKind.DEPARTMENT for h in hits)
    departments = {h.entry.department for h in hits if isinstance(h.entry, Item)}
    assert departments == {"市民政局", "西安市阎良区民政局"}
    assert "高龄津贴申领" in {h.name for h in hits}
    assert any(h.kind is HitKind.BUNDLE for h in hits)  # bundles with a 民政 item
    assert {h.name for h in sample.search("minzheng", limit=None).hits} == {h.name for h in hits}
    only = sample.search("", department="市民政局", limit=None)
    assert only.total == 11 and all(h.entry.department == "市民政局" for h in only.hits)  # type: ignore[union-attr]


def test_life_event_search_and_filter(sample: GuideIndex) -> None:
    birth = sample.search("", life_event=LifeEvent.BIRTH, limit=None)
    names = {h.name for h in birth.hits}
    assert {
        "出生一件事",
        "出生医学证明",
        "新生儿户口登记(出生登记)",
        "城乡居民医疗保险参保登记",
        "预防接种证办理",
    } <= names
    assert all(h.match is MatchKind.BROWSE for h in birth.hits)
    by_text = names_and_matches(sample, "身后")
    assert ("身后一件事", MatchKind.PREFIX) in by_text
    assert ("死亡人员户口注销", MatchKind.LIFE_EVENT) in by_text
    assert ("死亡人员户口注销", MatchKind.LIFE_EVENT) in names_and_matches(sample, "shenhou")


def test_type_search_and_filter(sample: GuideIndex) -> None:
    benefits = sample.search("", item_type="05", kind=HitKind.ITEM, limit=None)
    assert benefits.total >= 8
    assert all(isinstance(h.entry, Item) and h.entry.item_type == "05" for h in benefits.hits)
    by_name = names_and_matches(sample, "行政给付")
    assert ("高龄津贴申领", MatchKind.ITEM_TYPE) in by_name
    assert ("最低生活保障申请", MatchKind.ITEM_TYPE) in by_name
    # the five 行政奖励 items first; relevance may add related entries after them (独生子女奖励 …)
    rewards = sample.search("行政奖励", limit=None).hits
    assert {h.match for h in rewards[:5]} == {MatchKind.ITEM_TYPE}
    assert all(h.entry.item_type == "08" for h in rewards[:5])  # type: ignore[union-attr]
    assert all(h.match is not MatchKind.ITEM_TYPE for h in rewards[5:])


def test_cancelled_items_are_found_but_flagged(sample: GuideIndex) -> None:
    # "准生证" is the old name of the cancelled 生育服务证 and a keyword of 生育登记, which replaced it
    hits = sample.search("准生证").hits
    assert [(h.name, h.cancelled) for h in hits] == [("生育登记", False), ("生育服务证(准生证)办理", True)]
    assert (hits[0].match, hits[0].matched) == (MatchKind.KEYWORD, "准生证")
    assert [h.name for h in sample.search("准生证", include_cancelled=False).hits] == ["生育登记"]
    # Active entries rank before cancelled ones of the same match kind.
    names = [(h.name, h.cancelled) for h in sample.search("生育").hits]
    assert names == [("生育登记", False), ("生育服务证(准生证)办理", True)]


def test_station_only_and_kind_filters(sample: GuideIndex) -> None:
    station = sample.search("", station_only=True, limit=None).hits
    assert station and all(isinstance(h.entry, Bundle) or h.entry.station_acceptable for h in station)
    assert "教师资格认定" not in {h.name for h in station}
    bundles = sample.search("", kind=HitKind.BUNDLE, limit=None)
    assert bundles.total == len(sample.catalog.bundles)


def test_limit_and_total(sample: GuideIndex) -> None:
    result = sample.search("", limit=7)
    assert len(result.hits) == 7 and result.total == len(sample)
    assert sample.search("zzzzzz").total == 0


def test_large_synthetic_catalog_answers_correctly() -> None:
    script = ROOT / "scripts" / "build_sample_catalog.py"
    spec = importlib.util.spec_from_file_location("build_sample_catalog", script)
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    catalog = Catalog.from_dict(build.synthetic_catalog(3_000))
    index = GuideIndex(catalog)
    assert len(index) == 3_060
    target = catalog.items[2345]
    initials = "".join(s[0] for s in pinyin_syllables(target.name))
    result = index.search(initials, limit=None)
    assert target.code in {h.code for h in result.hits}
    assert all(h.match <= MatchKind.SUBSTRING for h in result.hits)
    ranks = [h.match for h in result.hits]
    assert ranks == sorted(ranks)
    cancelled = [it for it in catalog.items if it.status is ItemStatus.CANCELLED]
    assert cancelled and index.search(cancelled[0].code).hits[0].cancelled
    assert date.fromisoformat("2023-01-01") == cancelled[0].effective_to


# ------------------------------------------------------------------------ property: index == brute force

_CHARS = "高龄津贴申领民政低保安全平爱你出生登记证"
_DEPTS = ("西安市阎良区民政局", "西安市阎良区卫生健康局", "市住建局")


def _reference(index: GuideIndex, query: str) -> list[tuple[str, MatchKind]]:
    """The worker paths' tiers, entry by entry: (code, match) in tier order, then secondary order."""
    q = "".join(query.split()).lower()
    ascii_q = q.isascii() and q.isalnum()
    catalog = index.catalog
    rows = []
    entries: list[Item | Bundle] = [*catalog.items, *catalog.bundles]
    for e in entries:
        name = e.name.lower()
        syl = pinyin_syllables(e.name)
        full, ini = "".join(syl), "".join(s[0] for s in syl)
        starts = [len("".join(syl[:k])) for k in range(1, len(syl))]
        items = [e] if isinstance(e, Item) else [catalog.item(c) for c in e.item_codes]

        def label_hit(texts: list[str]) -> bool:
            for text in texts:
                ts = pinyin_syllables(text)
                tfull = "".join(ts)
                suffixes = [tfull[len("".join(ts[:k])) :] for k in range(len(ts))]
                if (
                    (q in text)
                    if not ascii_q
                    else ("".join(s[0] for s in ts).startswith(q) or any(s.startswith(q) for s in suffixes))
                ):
                    return True
            return False

        if q in (name, e.code.lower(), full):
            m = MatchKind.EXACT
        elif name.startswith(q) or (ascii_q and full.startswith(q)):
            m = MatchKind.PREFIX
        elif ascii_q and ini.startswith(q):
            m = MatchKind.INITIALS
        elif q in name[1:] or (ascii_q and (any(full[s:].startswith(q) for s in starts) or q in ini[1:])):
            m = MatchKind.SUBSTRING
        elif label_hit([it.department for it in items]):
            m = MatchKind.DEPARTMENT
        elif label_hit([catalog.item_type_name(it.item_type) for it in items]):
            m = MatchKind.ITEM_TYPE
        elif label_hit([ev.value for ev in e.life_events]):
            m = MatchKind.LIFE_EVENT
        else:
            continue
        rows.append(((m, e.status is ItemStatus.CANCELLED, len(e.name), e.name, e.code), (e.code, m)))
    return [row for _, row in sorted(rows)]


@st.composite
def _catalogs(draw: st.DrawFn) -> Catalog:
    names = draw(st.lists(st.text(alphabet=_CHARS, min_size=1, max_size=5), min_size=1, max_size=12))
    items = tuple(
        Item(
            code=f"{CREDIT}{i:012d}000",
            basic_code=f"{i:012d}",
            name=name,
            item_type=draw(st.sampled_from(["01", "05", "20"])),
            department=draw(st.sampled_from(_DEPTS)),
            department_credit_code=CREDIT,
            level=Level.COUNTY,
            jurisdiction="阎良区",
            promised_limit=TimeLimit(1),
            status=draw(st.sampled_from(list(ItemStatus))),
            life_events=tuple(draw(st.lists(st.sampled_from(list(LifeEvent)), max_size=2))),
        )
        for i, name in enumerate(names)
    )
    bundles: tuple[Bundle, ...] = ()
    if len(items) >= 2:
        name = draw(st.text(alphabet=_CHARS, min_size=1, max_size=4)) + "一件事"
        bundles = (
            Bundle(
                code="YJS-1",
                name=name,
                item_codes=(items[0].code, items[1].code),
                life_events=(LifeEvent.BIRTH,),
            ),
        )
    return Catalog(
        version=1,
        district_code="610114",
        district_name="阎良区",
        issued_at=datetime(2023, 1, 1, tzinfo=UTC),
        items=items,
        bundles=bundles,
    )


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_index_agrees_with_brute_force_ranking(data: st.DataObject) -> None:
    catalog = data.draw(_catalogs())
    index = GuideIndex(catalog)
    entries: list[Item | Bundle] = [*catalog.items, *catalog.bundles]
    some = data.draw(st.sampled_from(entries))
    syl = pinyin_syllables(some.name)
    full = "".join(syl)
    candidates = [
        some.name,
        some.name[1:],
        some.name[:2],
        full,
        full[:3],
        full[1:4],
        "".join(s[0] for s in syl),
        "".join(s[0] for s in syl)[1:],
        "minzheng",
        "wsjk",
        "zhujian",
        "出生",
        "许可",
        "给付",
        "gonggong",
        "",
    ]
    query = data.draw(st.sampled_from([c for c in candidates if c] or ["x"]))
    expected = _reference(index, query)
    full = index.search(query, limit=None)
    got = [(h.code, h.match) for h in full.hits]
    # the worker paths (exact, prefix, initials) come first, exactly as they always ranked
    worker = [row for row in expected if row[1] in (MatchKind.EXACT, MatchKind.PREFIX, MatchKind.INITIALS)]
    assert got[: len(worker)] == worker
    # every entry the old tiers found is still found, with the same label; relevance may add more
    labels = dict(got)
    assert all(labels.get(code) is match for code, match in expected), (expected, got)
    assert full.total == len(got) >= len(expected)
    top = index.search(query, limit=3)
    assert [(h.code, h.match) for h in top.hits] == got[:3] and top.total == full.total
