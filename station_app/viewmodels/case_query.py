"""The 办件 list's filters, sort, pages and the home tiles, as TinyDB queries over the case summaries.

Plain Python (no Flet): the cases screen and the home screen call it on a thread::

    query = CaseQuery(index)                                   # index: services.case_index.CaseIndex
    page = query.page(CaseFilter(text="张", preset="overdue"), today, calendar, sort="newest", page=0)
    page.rows, page.total, page.page, page.pages               # 50 rows at most
    counts = query.dashboard(today, calendar)                  # {"today": 3, "overdue": 1, ...}

A filter runs in three steps: (1) one TinyDB query over the summaries keeps the candidates — text (case
number, applicant name in 汉字 or pinyin initials, item name, 身份证号 full or last 4–6 and phone last 4 as
keyed tokens), status, sync state (bounded by the outbox's or the refusals' key set), item, date, and the
index part of a preset; (2) only 已超期 and 即将到期 then look at the 限时办结 state, with the same rules as
a single row (:func:`station_app.viewmodels.cases.preset_matches`), and only for the open cases step 1
left; (3) the matches are sorted on summary fields and one page of rows is built. Nothing is decrypted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinydb.queries import QueryInstance

from casework.case_summary import search_terms
from casework.cases import CaseStatus
from casework.workdays import WorkCalendar
from station_app.services.case_index import LIVE, SORTS, CaseIndex, Row, SyncSets, sort_pairs
from station_app.services.cases import CaseRow
from station_app.viewmodels.cases import ACCEPTED_LIKE, OPEN_STATES, PRESETS, CaseFilter, preset_matches

__all__ = ["PAGE_SIZE", "SORTS", "CasePage", "CaseQuery"]  # SORTS: the service's, for the screen

PAGE_SIZE = 50
#: presets whose rule looks at the 限时办结 state (the calendar), not only at the index
CALENDAR_PRESETS = frozenset({"overdue", "due_soon"})
_OPEN = frozenset(s.value for s in OPEN_STATES)
_TODAY = frozenset(s.value for s in ACCEPTED_LIKE | OPEN_STATES)
_READY = CaseStatus.RESULT_READY.value
_SUPPLEMENT = CaseStatus.SUPPLEMENT_REQUESTED.value
_BUSY = _TODAY | {_READY}  # the statuses any tile counts (besides an owed 容缺 material)


Test = Callable[[Row], bool]


def _query(test: Test, hashval: tuple[Any, ...]) -> QueryInstance:
    """A TinyDB query from one predicate. The conditions of a filter are compiled into a single function
    rather than composed from ``Query().field == value`` terms: each composed term costs about five nested
    calls per row, which made a search over 50,000 summaries take most of a second."""
    q: QueryInstance = QueryInstance(test, hashval)
    return q


@dataclass(frozen=True)
class CasePage:
    """One page of the filtered, sorted list: ``page`` (0-based) of ``pages``, ``total`` matches."""

    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    page_size: int = PAGE_SIZE


class CaseQuery:
    def __init__(self, index: CaseIndex) -> None:
        self.index = index

    # ---- conditions ----------------------------------------------------------------------------------------
    def item_codes(self, text: str) -> frozenset[str]:
        """Codes of the items and 一件事 whose catalog name contains ``text``."""
        catalog = self.index.catalog()
        if catalog is None or not text:
            return frozenset()
        return frozenset(i.code for i in catalog.items if text in i.name) | frozenset(
            b.code for b in catalog.bundles if text in b.name
        )

    def text_test(self, text: str) -> Test | None:
        """Case number, applicant name (汉字 or pinyin initials), item name, 身份证号 (full or last 4–6),
        phone (last 4); None for an empty text."""
        q = text.strip()
        if not q:
            return None
        low = q.lower()
        compact = low.replace(" ", "")
        initials = compact if compact.isascii() and compact.isalpha() else None
        tokens = tuple(search_terms(q, self.index.store.search_token))
        codes = self.item_codes(q)

        def test(row: Row) -> bool:
            if low in (row.get("number") or "") or low in (row.get("name") or "").lower():
                return True
            if initials is not None and (row.get("initials") or "").startswith(initials):
                return True
            if tokens:
                have = row.get("tokens") or ""
                if any(t in have for t in tokens):
                    return True
            return bool(codes) and (row.get("item") in codes or row.get("bundle") in codes)

        return test

    def text_condition(self, text: str) -> QueryInstance | None:
        test = self.text_test(text)
        return None if test is None else _query(test, ("text", text.strip()))

    @staticmethod
    def preset_test(preset: str, today: dt.date) -> Test:
        """The index part of a home tile's rule (all of it, but for 已超期 / 即将到期)."""
        day = today.isoformat()
        if preset == "today":
            # accepted (受理/代收) on today's China date; a case never accepted: created today
            return lambda r: (
                (r.get("accepted_day") or r.get("created_day")) == day and r.get("status") in _TODAY
            )
        if preset in CALENDAR_PRESETS:
            return lambda r: r.get("status") in _OPEN and r.get("promised") is not None
        if preset == "pickup":
            return lambda r: r.get("status") == _READY
        if preset == "deferred_overdue":
            return lambda r: (r.get("deferred_due") or "9") < day
        if preset == "supplement":  # 待补正
            return lambda r: r.get("status") == _SUPPLEMENT
        if preset == "supplement_overdue":  # 补正逾期: past the day the open request gave
            return lambda r: r.get("status") == _SUPPLEMENT and (r.get("supplement_due") or "9") < day
        if preset in ("sync_pending", "rejected"):
            return lambda r: True  # the outbox's and the refusals' key sets decide
        raise ValueError(f"unknown preset {preset!r}")

    def preset_condition(self, preset: str, today: dt.date) -> QueryInstance:
        return _query(self.preset_test(preset, today), ("preset", preset, today.isoformat()))

    def condition(self, f: CaseFilter, today: dt.date) -> QueryInstance:
        """The index part of a filter, compiled into one predicate over a summary."""
        status = f.status.value if f.status is not None else None
        since = f.since.isoformat() if f.since is not None else None
        items = self.item_codes(f.item) if f.item else None
        preset = self.preset_test(f.preset, today) if f.preset else None
        text = self.text_test(f.text)

        def test(r: Row) -> bool:
            if "purged" in r:  # a retention tombstone
                return False
            if status is not None and r.get("status") != status:
                return False
            if since is not None and (r.get("created_day") or "") < since:
                return False
            if items is not None and r.get("item") not in items and r.get("bundle") not in items:
                return False
            if preset is not None and not preset(r):
                return False
            return text is None or text(r)

        hashval = (f.text.strip(), status, since, f.item, f.preset, today.isoformat())
        return _query(test, ("case-filter", *hashval))

    @staticmethod
    def bounding_keys(f: CaseFilter, sets: SyncSets) -> set[str] | None:
        """The key set a sync filter or a sync preset limits the scan to, or None."""
        pending, rejected, _synced = sets
        bound: set[str] | None = None
        for state in (f.sync, {"sync_pending": "pending", "rejected": "rejected"}.get(f.preset, "")):
            if state in ("pending", "rejected"):
                keys = pending if state == "pending" else rejected
                bound = keys if bound is None else bound & keys
        return bound

    # ---- answers -----------------------------------------------------------------------------------------
    def select(
        self, f: CaseFilter, today: dt.date, calendar: WorkCalendar, sort: str | None = None
    ) -> tuple[list[tuple[str, Row]], SyncSets]:
        """Every (key, summary) the filter keeps — in ``sort`` order when given — and the sync sets it was
        judged with."""
        index = self.index
        sets = index.sync_sets()
        cond = self.condition(f, today)
        bound = self.bounding_keys(f, sets)
        if bound is None and sort is not None:  # filter the cached order: no sort per query
            found = [(k, s) for k, s in index.ordered(sort) if cond(s)]
        else:
            found = index.select(cond, bound)
            if sort is not None:
                sort_pairs(found, sort)
        if f.sync in ("synced", "local"):
            found = [(k, s) for k, s in found if index.sync_state(k, s, sets) == f.sync]
        if f.preset in CALENDAR_PRESETS:
            rows = index.rows(found, today, calendar, sets)
            keep = {r.id for r in rows if preset_matches(f.preset, r, today, calendar)}
            found = [(k, s) for k, s in found if k in keep]
        return found, sets

    def page(
        self,
        f: CaseFilter,
        today: dt.date,
        calendar: WorkCalendar,
        *,
        sort: str = "newest",
        page: int = 0,
        page_size: int = PAGE_SIZE,
    ) -> CasePage:
        """One page of the filtered list sorted by ``sort`` (:data:`SORTS`); ``page`` is clamped."""
        found, sets = self.select(f, today, calendar, sort)
        pages = max(1, math.ceil(len(found) / page_size))
        page = min(max(page, 0), pages - 1)
        part = found[page * page_size : (page + 1) * page_size]
        return CasePage(self.index.rows(part, today, calendar, sets), len(found), page, pages, page_size)

    def all_rows(self, today: dt.date, calendar: WorkCalendar, f: CaseFilter | None = None) -> list[CaseRow]:
        """Every row a filter keeps, newest first (small stations and tests; the screens page)."""
        found, sets = self.select(f or CaseFilter(), today, calendar, "newest")
        return self.index.rows(found, today, calendar, sets)

    def dashboard(self, today: dt.date, calendar: WorkCalendar) -> dict[str, int]:
        """The home tiles' counts — each the number of rows its list shows — from one pass over the index."""
        index = self.index
        sets = index.sync_sets()
        tests = {p: self.preset_test(p, today) for p in PRESETS if p not in ("sync_pending", "rejected")}
        hits: dict[str, list[tuple[str, Row]]] = {p: [] for p in tests}
        for key, s in index.select():
            if "purged" in s or (s.get("status") not in _BUSY and "deferred_due" not in s):
                continue
            for preset, test in tests.items():
                if test(s):
                    hits[preset].append((key, s))
        # 已超期 and 即将到期 judge the same candidates (open, with a promised date): rows built once
        judged = {p: hits[p] for p in CALENDAR_PRESETS}
        shared = dict(pair for pairs in judged.values() for pair in pairs)
        rows = {r.id: r for r in index.rows(shared.items(), today, calendar, sets)}
        counts: dict[str, int] = {}
        for preset in PRESETS:
            if preset in ("sync_pending", "rejected"):
                counts[preset] = len(index.select(LIVE, sets[0] if preset == "sync_pending" else sets[1]))
            elif preset in CALENDAR_PRESETS:
                candidates = [rows[k] for k, _s in judged[preset] if k in rows]
                counts[preset] = sum(preset_matches(preset, r, today, calendar) for r in candidates)
            else:
                counts[preset] = len(hits[preset])
        return counts
