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

from tinydb import Query
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
_OPEN = tuple(s.value for s in OPEN_STATES)
_TODAY = tuple(s.value for s in ACCEPTED_LIKE | OPEN_STATES)


def _test(field: str, fn: Callable[[Any], bool], name: str) -> QueryInstance:
    """``Query()[field].test(fn)`` (False for a row without the field), hashed by ``name``."""
    q: QueryInstance = Query()[field].test(lambda value, _name: fn(value), name)  # untyped in TinyDB
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
    def item_codes(self, text: str) -> list[str]:
        """Codes of the items and 一件事 whose catalog name contains ``text``."""
        catalog = self.index.catalog()
        if catalog is None or not text:
            return []
        return [i.code for i in catalog.items if text in i.name] + [
            b.code for b in catalog.bundles if text in b.name
        ]

    def text_condition(self, text: str) -> QueryInstance | None:
        """Case number, applicant name (汉字 or pinyin initials), item name, 身份证号 (full or last 4–6),
        phone (last 4); None for an empty text."""
        q = text.strip()
        if not q:
            return None
        low = q.lower()
        cond = _test("number", lambda v: low in v.lower(), f"number:{low}") | _test(
            "name", lambda v: low in v.lower(), f"name:{low}"
        )
        compact = low.replace(" ", "")
        if compact.isascii() and compact.isalpha():
            cond |= _test("initials", lambda v: v.startswith(compact), f"initials:{compact}")
        tokens = search_terms(q, self.index.store.search_token)
        if tokens:
            cond |= _test("tokens", lambda v: any(t in v for t in tokens), f"tokens:{','.join(tokens)}")
        codes = self.item_codes(q)
        if codes:
            cond |= Query().item.one_of(codes) | Query().bundle.one_of(codes)
        return cond

    @staticmethod
    def preset_condition(preset: str, today: dt.date) -> QueryInstance:
        """The index part of a home tile's rule (all of it, but for 已超期 / 即将到期)."""
        day = today.isoformat()
        q: QueryInstance
        if preset == "today":
            q = (Query().created_day == day) & Query().status.one_of(_TODAY)
        elif preset in CALENDAR_PRESETS:
            q = Query().status.one_of(_OPEN) & _test("promised", lambda v: v is not None, "promised")
        elif preset == "pickup":
            q = Query().status == CaseStatus.RESULT_READY.value
        elif preset == "deferred_overdue":
            q = _test("deferred_due", lambda v: v < day, f"deferred:{day}")
        elif preset in ("sync_pending", "rejected"):
            q = LIVE  # the outbox's and the refusals' key sets decide
        else:
            raise ValueError(f"unknown preset {preset!r}")
        return q

    def condition(self, f: CaseFilter, today: dt.date) -> QueryInstance:
        cond: QueryInstance = LIVE
        text = self.text_condition(f.text)
        if text is not None:
            cond &= text
        if f.status is not None:
            cond &= Query().status == f.status.value
        if f.item:
            codes = self.item_codes(f.item)
            cond &= Query().item.one_of(codes) | Query().bundle.one_of(codes)
        if f.since is not None:
            since = f.since.isoformat()
            cond &= _test("created_day", lambda v: v >= since, f"since:{since}")
        if f.preset:
            cond &= self.preset_condition(f.preset, today)
        return cond

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
        self, f: CaseFilter, today: dt.date, calendar: WorkCalendar
    ) -> tuple[list[tuple[str, Row]], SyncSets]:
        """Every (key, summary) the filter keeps, unsorted, and the sync sets it was judged with."""
        index = self.index
        sets = index.sync_sets()
        found = index.select(self.condition(f, today), self.bounding_keys(f, sets))
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
        found, sets = self.select(f, today, calendar)
        sort_pairs(found, sort)
        pages = max(1, math.ceil(len(found) / page_size))
        page = min(max(page, 0), pages - 1)
        part = found[page * page_size : (page + 1) * page_size]
        return CasePage(self.index.rows(part, today, calendar, sets), len(found), page, pages, page_size)

    def all_rows(self, today: dt.date, calendar: WorkCalendar, f: CaseFilter | None = None) -> list[CaseRow]:
        """Every row a filter keeps, newest first (small stations and tests; the screens page)."""
        found, sets = self.select(f or CaseFilter(), today, calendar)
        sort_pairs(found)
        return self.index.rows(found, today, calendar, sets)

    def dashboard(self, today: dt.date, calendar: WorkCalendar) -> dict[str, int]:
        """The home tiles' counts — each the number of rows its list shows — from one pass over the index."""
        index = self.index
        sets = index.sync_sets()
        busy = Query().status.one_of((*_TODAY, CaseStatus.RESULT_READY.value)) | Query().deferred_due.exists()
        candidates = index.select(LIVE & busy)
        counts: dict[str, int] = {}
        for preset in PRESETS:
            if preset in ("sync_pending", "rejected"):
                counts[preset] = len(index.select(LIVE, sets[0] if preset == "sync_pending" else sets[1]))
                continue
            cond = self.preset_condition(preset, today)
            hits = [(k, s) for k, s in candidates if cond(s)]
            if preset in CALENDAR_PRESETS:
                rows = index.rows(hits, today, calendar, sets)
                counts[preset] = sum(preset_matches(preset, r, today, calendar) for r in rows)
            else:
                counts[preset] = len(hits)
        return counts
