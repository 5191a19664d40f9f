"""Search the service guide (办事指南) the way workers and residents type: names, codes, pinyin and initials
first, then what residents actually say (智能导办).

Workers type "gljt", "gaoling" or "高龄" and expect 高龄津贴申领 on top; residents say "低保", "孩子上户口",
"开个小超市要办什么", "dibao" or "底保". The index answers both (build once per catalog, pinyin precomputed;
``bench/guide_search.py`` measures it at 10,000 items)::

    index = GuideIndex(catalog)                      # build once; 1–2 s for 10,000 items
    result = index.search("gljt")                    # items and bundles, best first
    for hit in result.hits:
        print(hit.name, hit.match.label, hit.matched, "已取消" if hit.cancelled else "")
    index.search("", life_event=LifeEvent.BIRTH)     # browse by 全生命周期
    index.search("民政", item_type="05", include_cancelled=False, limit=None)
    miss = index.search("我想养只狗")                 # miss.total == 0: miss.suggestions, miss.life_events

Ranking (best first):

1. the paths workers rely on, in this order: exact name, full pinyin or code > name or full-pinyin prefix >
   pinyin-initials prefix (within one: active before cancelled, then shorter names, then name and code);
2. everything else by relevance (:mod:`casework.guide_rank`: BM25 over name, 俗称/关键词, life event,
   department, type and material names; keywords and names found whole in the query; the district's
   同义词表; same-sounding characters and typed pinyin; a 一件事 for a life-event query; typo matching when
   nothing scores well). Entries the worker paths of old found — a name containing the query (or its
   pinyin from a syllable start), a department, type or life event containing it — are always among the
   hits, after the scored ones when their score is low.

``SearchHit.match`` says how an entry matched (:class:`MatchKind`); ``SearchHit.matched`` names the keyword
or word that explains a relevance hit ("低保" for 最低生活保障申请), for the screen to show.

Hazards:

* The index is a snapshot of one catalog; build a new one when the catalog is updated.
* Whitespace is ignored by the worker paths ("gao ling" == "gaoling"); relevance reads words.
* Pinyin comes from pypinyin's phrase-aware reading; a rarely used reading of a 多音字 is not indexed.
* Cancelled items (清单之外无审批) are found and flagged (``SearchHit.cancelled``) so a worker can tell a
  resident the item no longer exists; pass ``include_cancelled=False`` when offering items to apply for.
* A miss (``total == 0``) is what the station logs for the district (:mod:`casework.search_log`); log the
  query only after the person stopped typing, not every keystroke.
"""

from __future__ import annotations

import gc
import heapq
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from casework.catalog import Bundle, Catalog, Item, ItemStatus, LifeEvent
from casework.guide_rank import PHRASE_NAME, RelevanceIndex, Scored
from casework.guide_text import pinyin_syllables

__all__ = ["GuideIndex", "HitKind", "MatchKind", "SearchHit", "SearchResult", "pinyin_syllables"]

_ASCII_QUERY = re.compile(r"^[a-z0-9]+$")
_MAX_CHAR = "\U0010ffff"


class MatchKind(IntEnum):
    """How a hit matched. EXACT, PREFIX and INITIALS rank first in that order; the others are ordered by
    relevance, and their value only says which label wins when several apply (lower first)."""

    EXACT = 0  # name, full pinyin or code equals the query
    PREFIX = 1  # name or full pinyin starts with the query
    INITIALS = 2  # pinyin initials start with the query ("gljt", "glj")
    SUBSTRING = 3  # name contains the query (or its pinyin / initials from a syllable start), or the reverse
    DEPARTMENT = 4  # 实施主体 contains it
    ITEM_TYPE = 5  # 事项类型 name contains it
    LIFE_EVENT = 6  # a 全生命周期 tag contains it
    BROWSE = 7  # empty query: everything that passes the filters
    KEYWORD = 8  # a 俗称 / 关键词 (or a synonym or the pinyin of one) occurs in the query
    RELATED = 9  # shares words with the query (BM25 relevance)
    SIMILAR = 10  # sounds alike (同音字) or is one typo away; also the kind of every suggestion

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
    "俗称",
    "相关",
    "相近",
)
_STRUCTURAL = (MatchKind.EXACT, MatchKind.PREFIX, MatchKind.INITIALS)
# The whole query inside a name / department / type / life event (what the worker paths matched) outranks
# entries that only share some words with it.
_WHOLE_QUERY_BONUS = {
    MatchKind.SUBSTRING: 8.0,
    MatchKind.DEPARTMENT: 6.0,
    MatchKind.ITEM_TYPE: 6.0,
    MatchKind.LIFE_EVENT: 6.0,
}
_LABELLED_CANDIDATES = 300  # larger label matches ("证" in half the names) follow in id order


class HitKind(StrEnum):
    """What a search hit is: a single 事项 or a 一件事 bundle."""

    ITEM = "item"
    BUNDLE = "bundle"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result. ``entry`` is the catalog's :class:`Item` or :class:`Bundle` itself; ``matched`` the
    keyword or word that explains a KEYWORD / SIMILAR hit ("" otherwise)."""

    kind: HitKind
    code: str
    name: str
    match: MatchKind
    cancelled: bool
    entry: Item | Bundle
    matched: str = ""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The best ``hits`` (at most ``limit``) and how many entries matched in all (``total``).

    When nothing matched a non-empty query (:attr:`miss`), ``suggestions`` holds the closest entries (may be
    empty) and ``life_events`` the life events the catalog can be browsed by — what a screen offers instead
    of an empty list."""

    hits: tuple[SearchHit, ...]
    total: int
    suggestions: tuple[SearchHit, ...] = ()
    life_events: tuple[LifeEvent, ...] = ()
    query: str = ""

    @property
    def miss(self) -> bool:
        """A non-empty query that found nothing."""
        return self.total == 0 and bool(self.query.strip())

    @property
    def outcome(self) -> str:
        """``"empty"`` (no query), ``"none"`` (nothing found), ``"weak"`` (every hit only related or
        similar) or ``"found"``. The station logs ``none`` and ``weak`` (:mod:`casework.search_log`)."""
        if not self.query.strip():
            return "empty"
        if self.total == 0:
            return "none"
        if self.hits and all(h.match in (MatchKind.RELATED, MatchKind.SIMILAR) for h in self.hits):
            return "weak"
        return "found"


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


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while an index is built: it allocates millions of small acyclic objects
    (postings, masks), each of which would make the collector walk everything built so far again — about a
    third of the build time at 10,000 items. Reference counting still frees everything; the previous state
    is restored. Hazard: process-wide for the duration of the build (a second or two)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _take_tiers(
    tiers: Sequence[tuple[MatchKind, int]],
    allowed: int,
    ranked: list[tuple[MatchKind, int]],
    limit: int | None,
) -> int:
    """Append each tier's allowed entries not taken by an earlier tier to ``ranked`` (id order, up to
    ``limit`` in all); returns the set of every entry the tiers hold (bitmask)."""
    seen = 0
    for match, mask in tiers:
        fresh = mask & allowed & ~seen
        if not fresh:
            continue
        seen |= fresh
        room = None if limit is None else limit - len(ranked)
        if room is None or room > 0:
            ranked.extend((match, i) for i in _lowest_ids(fresh, room))
    return seen


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
        with _cyclic_gc_paused():
            self._build(catalog)

    def _build(self, catalog: Catalog) -> None:
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
        self._relevance = RelevanceIndex(entries, catalog, memo=memo)
        self._life_events = tuple(ev for ev in LifeEvent if ev in by_event)

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
        if not q:
            return self._collect([(MatchKind.BROWSE, self._all)], allowed, limit, query)
        tiers = self._tiers(q)
        structural = [(m, mask) for m, mask in tiers if m in _STRUCTURAL]
        labelled = [(m, mask) for m, mask in tiers if m not in _STRUCTURAL]
        if len(q) == 1 and _ASCII_QUERY.match(q):  # one letter: the worker is still typing initials
            return self._collect(tiers, allowed, limit, query)
        allowed_bytes = allowed.to_bytes(self._nbytes, "little")
        literal = any(mask & allowed for _, mask in tiers)
        scored = self._relevance.score(self._relevance.plan(query), allowed_bytes, literal=literal)
        return self._merge(structural, labelled, scored, allowed, limit, query)

    def _collect(
        self, tiers: Sequence[tuple[MatchKind, int]], allowed: int, limit: int | None, query: str
    ) -> SearchResult:
        """Hits tier by tier (each tier in id order), as the worker paths rank them."""
        ranked: list[tuple[MatchKind, int]] = []
        seen = _take_tiers(tiers, allowed, ranked, limit)
        hits = tuple(self._hit(i, match) for match, i in ranked)
        return self._result(hits, seen.bit_count(), query, allowed)

    def _merge(
        self,
        structural: Sequence[tuple[MatchKind, int]],
        labelled: Sequence[tuple[MatchKind, int]],
        scored: Scored,
        allowed: int,
        limit: int | None,
        query: str,
    ) -> SearchResult:
        ranked: list[tuple[MatchKind, int]] = []
        seen = _take_tiers(structural, allowed, ranked, limit)
        seen_bytes = seen.to_bytes(self._nbytes, "little")
        # the whole query inside a name / department / type / life event is stronger evidence than shared
        # words: those entries get a bonus on top of their relevance
        label_bytes = [(m.to_bytes(self._nbytes, "little"), _WHOLE_QUERY_BONUS[k]) for k, m in labelled if m]
        scores = dict(scored.scores)
        for _kind, mask in labelled if scores else ():  # a few entries with the whole query in a label
            fresh = mask & allowed & ~seen  # compete on relevance; more follow in id order below
            if fresh and fresh.bit_count() <= _LABELLED_CANDIDATES:
                for doc in _lowest_ids(fresh, None):
                    scores.setdefault(doc, 0.0)
        fresh_scores = [
            (score, doc) for doc, score in scores.items() if not seen_bytes[doc >> 3] >> (doc & 7) & 1
        ]
        scored_mask = _mask_of((doc for _, doc in fresh_scores), self._nbytes)
        room = None if limit is None else limit - len(ranked)
        top_bonus = max(_WHOLE_QUERY_BONUS.values())
        if room is not None and len(fresh_scores) > 4 * room + 50:
            # only entries within the largest bonus of the room-th best can still make the page
            kth = heapq.nlargest(max(room, 1), fresh_scores)[-1][0]
            fresh_scores = [c for c in fresh_scores if c[0] + top_bonus >= kth]
        candidates = []
        for score, doc in fresh_scores:
            byte, bit = doc >> 3, doc & 7
            extra = 0.0
            for data, bonus in label_bytes:
                if bonus > extra and data[byte] >> bit & 1:
                    extra = bonus
            candidates.append((score + extra, doc))
        ordered = [(-score, doc) for score, doc in candidates]  # best first, then id order
        best = sorted(ordered) if room is None else heapq.nsmallest(max(room, 0), ordered)
        label_masks = dict(labelled)
        ranked.extend((self._label(doc, label_masks, scored), doc) for _, doc in best)
        rest = 0
        for _match, mask in labelled:
            rest |= mask
        rest &= allowed & ~seen & ~scored_mask
        total = (seen | scored_mask | rest).bit_count()
        _take_tiers(labelled, rest, ranked, limit)
        hits = tuple(self._hit(i, match, self._explained(i, match, scored)) for match, i in ranked)
        result = self._result(hits, total, query, allowed)
        if total == 0 and scored.suggestions:
            suggestions = tuple(self._hit(i, MatchKind.SIMILAR) for i in scored.suggestions)
            result = SearchResult((), 0, suggestions, result.life_events, query)
        return result

    def _label(self, doc: int, masks: dict[MatchKind, int], scored: Scored) -> MatchKind:
        """Which :class:`MatchKind` describes a relevance hit (the first that applies)."""
        if masks.get(MatchKind.SUBSTRING, 0) >> doc & 1:
            return MatchKind.SUBSTRING
        found = scored.matched.get(doc)
        if found is not None and found[1] != "sound":
            return MatchKind.SUBSTRING if found[2] == PHRASE_NAME else MatchKind.KEYWORD
        for kind in (MatchKind.DEPARTMENT, MatchKind.ITEM_TYPE, MatchKind.LIFE_EVENT):
            if masks.get(kind, 0) >> doc & 1:
                return kind
        if found is not None or doc in scored.similar:
            return MatchKind.SIMILAR
        return MatchKind.RELATED

    @staticmethod
    def _explained(doc: int, match: MatchKind, scored: Scored) -> str:
        found = scored.matched.get(doc)
        if found is None or match not in (MatchKind.KEYWORD, MatchKind.SIMILAR):
            return ""
        return found[0]

    def _result(self, hits: tuple[SearchHit, ...], total: int, query: str, allowed: int) -> SearchResult:
        if total:
            return SearchResult(hits, total, query=query)
        events = tuple(ev for ev in self._life_events if self._by_event[ev] & allowed)
        return SearchResult((), 0, (), events, query)

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

    def _hit(self, i: int, match: MatchKind, matched: str = "") -> SearchHit:
        e = self._entries[i]
        return SearchHit(self._kinds[i], e.code, e.name, match, bool(self._cancelled >> i & 1), e, matched)
