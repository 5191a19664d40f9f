"""Search the service guide (办事指南) by name, pinyin, initials, department, type and life event.

Workers and residents at a kiosk type "gljt", "gaoling" or "高龄" and expect 高龄津贴申领 on top. The
index is built once per catalog (pinyin precomputed with pypinyin) and answers queries from sorted
tables with binary search, with document sets held as bitmasks; at 10,000 items a query takes a
fraction of a millisecond (p95 about 0.3 ms; measure with ``bench/guide_search.py``).

Use::

    index = GuideIndex(catalog)                      # build once; 1–2 s for 10,000 items
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


_MATCH_LABELS = (
    "名称完全匹配",
    "名称开头匹配",
    "拼音首字母",
    "名称包含",
    "实施部门",
    "事项类型",
    "生命周期",
    "浏览",
)


class HitKind(StrEnum):
    """What a search hit is: a single 事项 or a 一件事 bundle."""

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


def _mask_of(ids: Iterable[int], nbytes: int) -> int:
    """A bitmask (Python int) with bit ``i`` set for every id; built through a bytearray so the cost is
    linear in the number of ids rather than quadratic in the mask size."""
    buf = bytearray(nbytes)
    for i in ids:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def _lowest_ids(mask: int, limit: int | None) -> list[int]:
    """The positions of the lowest ``limit`` set bits of ``mask`` (all when ``limit`` is None), ascending."""
    out: list[int] = []
    if limit is not None and limit <= 32:
        while mask and len(out) < limit:
            low = mask & -mask
            out.append(low.bit_length() - 1)
            mask ^= low
        return out
    data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    for index, byte in enumerate(data):
        if not byte:
            continue
        base = index << 3
        for bit in range(8):
            if byte >> bit & 1:
                out.append(base + bit)
                if limit is not None and len(out) >= limit:
                    return out
    return out


class _PrefixTable:
    """Sorted keys with the document id of each. ``mask(prefix)`` is a binary search plus a slice turned
    into a bitmask; the large groups (prefixes of up to four characters shared by many keys) are
    precomputed so that the first keystrokes, which match the most, cost the least."""

    __slots__ = ("_ids", "_keys", "_nbytes", "_short")

    _SHORT_MIN_IDS = 256
    _SHORT_MAX_LEN = 4

    def __init__(self, pairs: Iterable[tuple[str, int]], nbytes: int) -> None:
        ordered = sorted(pairs)
        self._keys = [k for k, _ in ordered]
        self._ids = [i for _, i in ordered]
        self._nbytes = nbytes
        groups: dict[str, list[int]] = {}
        for k, i in ordered:
            for length in range(1, min(len(k), self._SHORT_MAX_LEN) + 1):
                groups.setdefault(k[:length], []).append(i)
        self._short = {
            p: _mask_of(ids, nbytes) for p, ids in groups.items() if len(ids) >= self._SHORT_MIN_IDS
        }

    def mask(self, prefix: str) -> int:
        found = self._short.get(prefix)
        if found is not None:
            return found
        lo = bisect_left(self._keys, prefix)
        hi = bisect_left(self._keys, prefix + _MAX_CHAR, lo)
        return _mask_of(self._ids[lo:hi], self._nbytes) if hi > lo else 0

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True, slots=True)
class _Label:
    """A department, type or life-event name with its pinyin, and the documents carrying it (bitmask)."""

    text: str
    pinyin_suffixes: tuple[str, ...]
    initials: str
    mask: int

    def matches(self, q: str, ascii_query: bool) -> bool:
        if not ascii_query:
            return q in self.text
        return self.initials.startswith(q) or any(s.startswith(q) for s in self.pinyin_suffixes)


def _label_table(groups: dict[str, set[int]], memo: dict[str, list[str]], nbytes: int) -> tuple[_Label, ...]:
    out = []
    for text, ids in groups.items():
        syl = _cached_syllables(text, memo)
        suffixes = tuple("".join(syl[k:]) for k in range(len(syl)))
        out.append(_Label(text, suffixes, "".join(s[0] for s in syl), _mask_of(ids, nbytes)))
    return tuple(out)


def _cached_syllables(text: str, memo: dict[str, list[str]]) -> list[str]:
    found = memo.get(text)
    if found is None:
        found = memo[text] = pinyin_syllables(text)
    return found


def _normalize(query: str) -> str:
    return "".join(query.split()).lower().replace("ü", "v")


class GuideIndex:
    """A read-only search index over one catalog's items and bundles (see the module docstring).

    Internally every entry gets a document id equal to its position in the secondary order (active
    first, shorter names first, …), and every set of documents is a bitmask (a Python int): union,
    intersection and counting are single C-level operations, and "the best N of a rank" are simply
    the lowest N set bits.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

        def secondary(e: Item | Bundle) -> tuple[bool, int, str, str]:
            return (e.status is ItemStatus.CANCELLED, len(e.name), e.name, e.code)

        entries: list[Item | Bundle] = sorted([*catalog.items, *catalog.bundles], key=secondary)
        self._entries: tuple[Item | Bundle, ...] = tuple(entries)
        self._kinds = tuple(HitKind.ITEM if isinstance(e, Item) else HitKind.BUNDLE for e in entries)
        n = self._nbytes = (len(entries) + 7) // 8 or 1
        self._all = (1 << len(entries)) - 1
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
        by_type: dict[str, set[int]] = {}
        by_event: dict[LifeEvent, set[int]] = {}
        by_department: dict[str, set[int]] = {}
        by_kind: dict[HitKind, set[int]] = {k: set() for k in HitKind}
        station: set[int] = set()
        cancelled: set[int] = set()

        for i, e in enumerate(entries):
            by_kind[self._kinds[i]].add(i)
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

            members: Sequence[Item] = (
                (e,)
                if isinstance(e, Item)
                else [catalog.item(c) for c in e.item_codes if catalog.has_item(c)]
            )
            for it in members:
                departments.setdefault(it.department, set()).add(i)
                by_department.setdefault(it.department, set()).add(i)
                types.setdefault(catalog.item_type_name(it.item_type), set()).add(i)
                by_type.setdefault(it.item_type, set()).add(i)
            for ev in e.life_events:
                events.setdefault(ev.value, set()).add(i)
                by_event.setdefault(ev, set()).add(i)
            if e.status is ItemStatus.CANCELLED:
                cancelled.add(i)
            # A bundle can be taken at a station only if every one of its items can.
            if members and all(m.station_acceptable for m in members):
                station.add(i)

        self._exact = {k: _mask_of(v, n) for k, v in exact.items()}
        self._names = _PrefixTable(names, n)
        self._name_suffixes = _PrefixTable(name_suffixes, n)
        self._pinyin = _PrefixTable(pinyin_full, n)
        self._pinyin_suffixes = _PrefixTable(pinyin_suffixes, n)
        self._initials = _PrefixTable(initials, n)
        self._initials_suffixes = _PrefixTable(initials_suffixes, n)
        self._departments = _label_table(departments, memo, n)
        self._types = _label_table(types, memo, n)
        self._events = _label_table(events, memo, n)
        self._by_type = {k: _mask_of(v, n) for k, v in by_type.items()}
        self._by_event = {k: _mask_of(v, n) for k, v in by_event.items()}
        self._by_department = {k: _mask_of(v, n) for k, v in by_department.items()}
        self._by_kind = {k: _mask_of(v, n) for k, v in by_kind.items()}
        self._station = _mask_of(station, n)
        self._cancelled = _mask_of(cancelled, n)

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
        tiers = self._tiers(q) if q else [(MatchKind.BROWSE, self._all)]
        seen = 0
        ranked: list[tuple[MatchKind, int]] = []
        for match, mask in tiers:
            fresh = mask & allowed & ~seen
            if not fresh:
                continue
            seen |= fresh
            room = None if limit is None else limit - len(ranked)
            if room is None or room > 0:
                ranked.extend((match, i) for i in _lowest_ids(fresh, room))
        hits = tuple(self._hit(i, match) for match, i in ranked)
        return SearchResult(hits, seen.bit_count())

    # ------------------------------------------------------------------ internals

    def _tiers(self, q: str) -> list[tuple[MatchKind, int]]:
        ascii_query = bool(_ASCII_QUERY.match(q))
        exact = self._exact.get(q, 0)  # names, full pinyin and codes, all lower-cased
        if ascii_query:
            prefix = self._names.mask(q) | self._pinyin.mask(q)
            initials = self._initials.mask(q)
            substring = (
                self._name_suffixes.mask(q) | self._pinyin_suffixes.mask(q) | self._initials_suffixes.mask(q)
            )
        else:
            prefix = self._names.mask(q)
            initials = 0
            substring = self._name_suffixes.mask(q)
        return [
            (MatchKind.EXACT, exact),
            (MatchKind.PREFIX, prefix),
            (MatchKind.INITIALS, initials),
            (MatchKind.SUBSTRING, substring),
            (MatchKind.DEPARTMENT, self._label_mask(self._departments, q, ascii_query)),
            (MatchKind.ITEM_TYPE, self._label_mask(self._types, q, ascii_query)),
            (MatchKind.LIFE_EVENT, self._label_mask(self._events, q, ascii_query)),
        ]

    @staticmethod
    def _label_mask(labels: Sequence[_Label], q: str, ascii_query: bool) -> int:
        out = 0
        for label in labels:
            if label.matches(q, ascii_query):
                out |= label.mask
        return out

    def _allowed(
        self,
        item_type: str | None,
        life_event: LifeEvent | None,
        department: str | None,
        kind: HitKind | None,
        station_only: bool,
        include_cancelled: bool,
    ) -> int:
        allowed = self._all
        if item_type is not None:
            allowed &= self._by_type.get(item_type, 0)
        if life_event is not None:
            allowed &= self._by_event.get(LifeEvent(life_event), 0)
        if department is not None:
            allowed &= self._by_department.get(department, 0)
        if kind is not None:
            allowed &= self._by_kind[kind]
        if station_only:
            allowed &= self._station
        if not include_cancelled:
            allowed &= ~self._cancelled
        return allowed

    def _hit(self, i: int, match: MatchKind) -> SearchHit:
        e = self._entries[i]
        return SearchHit(self._kinds[i], e.code, e.name, match, bool(self._cancelled >> i & 1), e)
