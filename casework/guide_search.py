"""Search the service guide (办事指南) by name, pinyin, initials, department, type and life event.

Workers and residents at a kiosk type "gljt", "gaoling" or "高龄" and expect 高龄津贴申领 on top. The
index is built once per catalog (pinyin precomputed with pypinyin) and answers queries from sorted
tables with binary search and set operations, so a query stays well under a millisecond or two at
10,000 items (see ``bench/guide_search.py``).

Use::

    index = GuideIndex(catalog)                      # build once; ~1 s for 10,000 items
    result = index.search("gljt")                    # items and bundles, best first
    for hit in result.hits:
        print(hit.name, hit.match, "已取消" if hit.cancelled else "")
    index.search("", life_event=LifeEvent.BIRTH)     # browse by 全生命周期
    index.search("民政", item_type="05", include_cancelled=False, limit=None)

Ranking (best first): exact name or code > name prefix > pinyin initials prefix > substring (a name
substring, or pinyin / initials starting at a syllable) > department > 事项类型 > life event. Within a
rank: active before cancelled, then shorter names, then name and code order.

Hazards:

* The index is a snapshot of one catalog; build a new one when the catalog is updated.
* Whitespace in the query is ignored ("gao ling" == "gaoling"); there is no AND of several terms.
* Pinyin comes from pypinyin's phrase-aware reading; a rarely used reading of a 多音字 is not indexed.
* Cancelled items (清单之外无审批) are found and flagged (``SearchHit.cancelled``) so a worker can tell a
  resident the item no longer exists; pass ``include_cancelled=False`` when offering items to apply for.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from pypinyin import lazy_pinyin

from casework.catalog import Bundle, Catalog, Item, ItemStatus, LifeEvent

__all__ = ["GuideIndex", "HitKind", "MatchKind", "SearchHit", "SearchResult", "pinyin_syllables"]

_ALNUM = re.compile(r"[a-z0-9]+")
_ASCII_QUERY = re.compile(r"^[a-z0-9]+$")
_MAX_CHAR = "\U0010ffff"


class MatchKind(IntEnum):
    """How a hit matched; lower is better. The value is the rank."""

    EXACT = 0  # name, full pinyin or code equals the query
    PREFIX = 1  # name or full pinyin starts with the query
    INITIALS = 2  # pinyin initials start with the query ("gljt", "glj")
    SUBSTRING = 3  # name contains it, or pinyin / initials contain it from a syllable start
    DEPARTMENT = 4  # 实施主体 matches
    ITEM_TYPE = 5  # 事项类型 name matches
    LIFE_EVENT = 6  # a 全生命周期 tag matches
    BROWSE = 7  # empty query: everything that passes the filters

    @property
    def label(self) -> str:
        return _MATCH_LABELS[self.value]


_MATCH_LABELS = ("名称完全匹配", "名称开头匹配", "拼音首字母", "名称包含", "实施部门", "事项类型", "生命周期",
                 "浏览")


class HitKind(StrEnum):
    ITEM = "item"
    BUNDLE = "bundle"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result. ``entry`` is the catalog's :class:`Item` or :class:`Bundle` itself."""

    kind: HitKind
    code: str
    name: str
    match: MatchKind
    cancelled: bool
    entry: Item | Bundle


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The best ``hits`` (at most ``limit``) and how many entries matched in all (``total``)."""

    hits: tuple[SearchHit, ...]
    total: int


def pinyin_syllables(text: str) -> list[str]:
    """Lower-case toneless pinyin syllables of ``text``; runs of Latin letters/digits count as one
    syllable each, punctuation is dropped.

    ``pinyin_syllables("高龄津贴") == ["gao", "ling", "jin", "tie"]``."""
    out: list[str] = []
    for chunk in lazy_pinyin(text):
        out.extend(_ALNUM.findall(str(chunk).lower().replace("ü", "v")))
    return out


class _PrefixTable:
    """Sorted keys with the document id of each; ``ids_with_prefix(q)`` is a binary search plus a slice."""

    __slots__ = ("_ids", "_keys")

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        ordered = sorted(pairs)
        self._keys = [k for k, _ in ordered]
        self._ids = [i for _, i in ordered]

    def ids_with_prefix(self, prefix: str) -> list[int]:
        lo = bisect_left(self._keys, prefix)
        hi = bisect_left(self._keys, prefix + _MAX_CHAR, lo)
        return self._ids[lo:hi]

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True, slots=True)
class _Label:
    """A department, type or life-event name with its pinyin, and the documents carrying it."""

    text: str
    pinyin_suffixes: tuple[str, ...]
    initials: str
    ids: frozenset[int]

    def matches(self, q: str, ascii_query: bool) -> bool:
        if not ascii_query:
            return q in self.text
        return self.initials.startswith(q) or any(s.startswith(q) for s in self.pinyin_suffixes)


def _label_table(groups: dict[str, set[int]], memo: dict[str, list[str]]) -> tuple[_Label, ...]:
    out = []
    for text, ids in groups.items():
        syl = _cached_syllables(text, memo)
        suffixes = tuple("".join(syl[k:]) for k in range(len(syl)))
        out.append(_Label(text, suffixes, "".join(s[0] for s in syl), frozenset(ids)))
    return tuple(out)


def _cached_syllables(text: str, memo: dict[str, list[str]]) -> list[str]:
    found = memo.get(text)
    if found is None:
        found = memo[text] = pinyin_syllables(text)
    return found


def _normalize(query: str) -> str:
    return "".join(query.split()).lower().replace("ü", "v")


class GuideIndex:
    """A read-only search index over one catalog's items and bundles (see the module docstring)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        entries: list[Item | Bundle] = [*catalog.items, *catalog.bundles]
        self._entries: tuple[Item | Bundle, ...] = tuple(entries)
        self._kinds = tuple(HitKind.ITEM if isinstance(e, Item) else HitKind.BUNDLE for e in entries)
        memo: dict[str, list[str]] = {}

        exact: dict[str, set[int]] = {}
        names: list[tuple[str, int]] = []
        name_suffixes: list[tuple[str, int]] = []
        pinyin_full: list[tuple[str, int]] = []
        pinyin_suffixes: list[tuple[str, int]] = []
        initials: list[tuple[str, int]] = []
        initials_suffixes: list[tuple[str, int]] = []
        departments: dict[str, set[int]] = {}
        types: dict[str, set[int]] = {}
        events: dict[str, set[int]] = {}
        self._by_type: dict[str, set[int]] = {}
        self._by_event: dict[LifeEvent, set[int]] = {}
        self._by_department: dict[str, set[int]] = {}
        self._station: set[int] = set()
        self._by_kind: dict[HitKind, set[int]] = {k: set() for k in HitKind}
        self._cancelled: set[int] = set()

        for i, e in enumerate(entries):
            self._by_kind[self._kinds[i]].add(i)
            name = e.name.lower()
            exact.setdefault(name, set()).add(i)
            exact.setdefault(e.code.lower(), set()).add(i)
            names.append((name, i))
            name_suffixes.extend((name[k:], i) for k in range(1, len(name)))
            syl = _cached_syllables(e.name, memo)
            full = "".join(syl)
            exact.setdefault(full, set()).add(i)
            pinyin_full.append((full, i))
            offset = 0
            for s in syl[:-1]:
                offset += len(s)
                pinyin_suffixes.append((full[offset:], i))
            ini = "".join(s[0] for s in syl)
            initials.append((ini, i))
            initials_suffixes.extend((ini[k:], i) for k in range(1, len(ini)))

            members: Sequence[Item] = (e,) if isinstance(e, Item) else [
                self.catalog.item(c) for c in e.item_codes if self.catalog.has_item(c)
            ]
            for it in members:
                departments.setdefault(it.department, set()).add(i)
                self._by_department.setdefault(it.department, set()).add(i)
                types.setdefault(catalog.item_type_name(it.item_type), set()).add(i)
                self._by_type.setdefault(it.item_type, set()).add(i)
            for ev in e.life_events:
                events.setdefault(ev.value, set()).add(i)
                self._by_event.setdefault(ev, set()).add(i)
            if e.status is ItemStatus.CANCELLED:
                self._cancelled.add(i)
            # A bundle can be taken at a station only if every one of its items can.
            if members and all(m.station_acceptable for m in members):
                self._station.add(i)

        self._exact = {k: frozenset(v) for k, v in exact.items()}
        self._names = _PrefixTable(names)
        self._name_suffixes = _PrefixTable(name_suffixes)
        self._pinyin = _PrefixTable(pinyin_full)
        self._pinyin_suffixes = _PrefixTable(pinyin_suffixes)
        self._initials = _PrefixTable(initials)
        self._initials_suffixes = _PrefixTable(initials_suffixes)
        self._departments = _label_table(departments, memo)
        self._types = _label_table(types, memo)
        self._events = _label_table(events, memo)
        # Secondary order within a rank, as one integer per document so sorting runs in C.
        def secondary(i: int) -> tuple[bool, int, str, str]:
            e = entries[i]
            return (i in self._cancelled, len(e.name), e.name, e.code)

        order = sorted(range(len(entries)), key=secondary)
        self._order = [0] * len(entries)
        for pos, i in enumerate(order):
            self._order[i] = pos

    def __len__(self) -> int:
        return len(self._entries)

    def search(
        self,
        query: str = "",
        *,
        item_type: str | None = None,
        life_event: LifeEvent | None = None,
        department: str | None = None,
        kind: HitKind | None = None,
        station_only: bool = False,
        include_cancelled: bool = True,
        limit: int | None = 20,
    ) -> SearchResult:
        """Entries matching ``query`` and every given filter, best first (see the module docstring).

        ``item_type`` is a 事项类型 code ("05"); ``department`` an exact 实施主体 name; a bundle passes a
        type or department filter when one of its items does. ``station_only`` keeps entries that a
        community station may accept. ``limit=None`` returns every hit.
        """
        allowed = self._allowed(item_type, life_event, department, kind, station_only, include_cancelled)
        q = _normalize(query)
        tiers = self._tiers(q) if q else [(MatchKind.BROWSE, range(len(self._entries)))]
        seen: set[int] = set()
        ranked: list[tuple[MatchKind, int]] = []
        for match, ids in tiers:
            fresh = set(ids)
            fresh -= seen
            if allowed is not None:
                fresh &= allowed
            if not fresh:
                continue
            seen |= fresh
            room = None if limit is None else limit - len(ranked)
            if room is None:
                chosen = sorted(fresh, key=self._order.__getitem__)
            elif room > 0:
                chosen = heapq.nsmallest(room, fresh, key=self._order.__getitem__)
            else:
                continue
            ranked.extend((match, i) for i in chosen)
        hits = tuple(self._hit(i, match) for match, i in ranked)
        return SearchResult(hits, len(seen))

    # ------------------------------------------------------------------ internals

    def _tiers(self, q: str) -> list[tuple[MatchKind, Iterable[int]]]:
        ascii_query = bool(_ASCII_QUERY.match(q))
        exact = self._exact.get(q, frozenset())  # names, full pinyin and codes, all lower-cased
        if ascii_query:
            prefix = self._names.ids_with_prefix(q) + self._pinyin.ids_with_prefix(q)
            substring = (self._name_suffixes.ids_with_prefix(q) + self._pinyin_suffixes.ids_with_prefix(q)
                         + self._initials_suffixes.ids_with_prefix(q))
            initials: list[int] = self._initials.ids_with_prefix(q)
        else:
            prefix = self._names.ids_with_prefix(q)
            substring = self._name_suffixes.ids_with_prefix(q)
            initials = []
        return [
            (MatchKind.EXACT, exact),
            (MatchKind.PREFIX, prefix),
            (MatchKind.INITIALS, initials),
            (MatchKind.SUBSTRING, substring),
            (MatchKind.DEPARTMENT, self._label_ids(self._departments, q, ascii_query)),
            (MatchKind.ITEM_TYPE, self._label_ids(self._types, q, ascii_query)),
            (MatchKind.LIFE_EVENT, self._label_ids(self._events, q, ascii_query)),
        ]

    @staticmethod
    def _label_ids(labels: Sequence[_Label], q: str, ascii_query: bool) -> set[int]:
        out: set[int] = set()
        for label in labels:
            if label.matches(q, ascii_query):
                out |= label.ids
        return out

    def _allowed(
        self,
        item_type: str | None,
        life_event: LifeEvent | None,
        department: str | None,
        kind: HitKind | None,
        station_only: bool,
        include_cancelled: bool,
    ) -> set[int] | None:
        sets: list[set[int]] = []
        if item_type is not None:
            sets.append(self._by_type.get(item_type, set()))
        if life_event is not None:
            sets.append(self._by_event.get(LifeEvent(life_event), set()))
        if department is not None:
            sets.append(self._by_department.get(department, set()))
        if kind is not None:
            sets.append(self._by_kind[kind])
        if station_only:
            sets.append(self._station)
        if not sets and include_cancelled:
            return None
        allowed = set(range(len(self._entries)))
        for s in sorted(sets, key=len):
            allowed &= s
        if not include_cancelled:
            allowed -= self._cancelled
        return allowed

    def _hit(self, i: int, match: MatchKind) -> SearchHit:
        e = self._entries[i]
        return SearchHit(self._kinds[i], e.code, e.name, match, i in self._cancelled, e)
