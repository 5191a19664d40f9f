"""The station's cases as the lists see them: the summary index, never the cases themselves.

A station takes 25,000–50,000 cases a year. Listing them by decrypting and parsing every case took 15 s at
50,000; the lists, tiles, filters and search read only the summaries (:mod:`casework.case_summary`) the
store keeps in memory, through TinyDB (:class:`storage.tinydb_layer.SummaryIndex`)::

    index = CaseIndex(summary_index, lambda: store, station.catalog)
    pairs = index.select(Query().status == "queued")         # [(key, summary)], no case decrypted
    rows = [index.row(k, s, today, index.memo(calendar, today), sync) for k, s in pairs]
    key = index.find_number("261203-007-00017")

What this adds to the summaries: the sync state of each case, from the *keys* of the outbox, the center's
receipts and its refusals (no document decrypted either); the item's catalog name; and the 限时办结 state,
computed at read time from the summary with the station's calendar, once per distinct deadline per day and
calendar (:class:`casework.case_summary.OverdueMemo`). The filters themselves are the view-model's
(:mod:`station_app.viewmodels.case_query`). Case detail decrypts one case (:meth:`CaseService.get`).

Blocking (a scan of every summary is tens of milliseconds at 50,000): call from a thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tinydb import Query
from tinydb.queries import QueryLike

from casework import case_summary, clock
from casework.case_summary import OverdueMemo
from casework.cases import CaseStatus
from casework.catalog import Catalog
from casework.workdays import WorkCalendar
from station_app.services.cases import CaseRow
from storage.docstore import Summarizer
from storage.store import StationStore
from storage.tinydb_layer import SummaryIndex
from sync.outbox import OUTBOX, RECEIPTS, REJECTED

__all__ = [
    "CASE_SUMMARIZER",
    "LIVE",
    "SORTS",
    "CaseIndex",
    "Row",
    "SyncSets",
    "register_summarizers",
    "sort_pairs",
]

#: the cases' list summaries (:mod:`casework.case_summary`), stored with every case at commit
CASE_SUMMARIZER = Summarizer(case_summary.COLLECTION, case_summary.VERSION, case_summary.summarise_case)


def register_summarizers(store: StationStore) -> None:
    """What every station process registers before unlocking: the case summaries (lists, tiles, search,
    retention). ``verify`` then checks them against the documents."""
    store.register_summarizer(CASE_SUMMARIZER)


Row = Mapping[str, Any]
#: (pending, rejected, synced) case keys: the outbox, the center's refusals and its receipts
SyncSets = tuple[set[str], set[str], set[str]]
#: rows that are cases, not retention tombstones
LIVE = ~Query().purged.exists()
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=clock.UTC)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _instant_key(value: Any) -> tuple[str, str]:
    """Stored instants sort as text, except that a whole second is written without ``.ffffff``."""
    text = value if isinstance(value, str) else ""
    return text[:19], text[19:] if text[19:20] == "." else ".000000Z"


#: how the list can be sorted: name -> (key of a summary, descending?)
SORTS: dict[str, tuple[Callable[[Row], Any], bool]] = {
    "newest": (lambda s: _instant_key(s.get("created")), True),
    "oldest": (lambda s: _instant_key(s.get("created")), False),
    "updated": (lambda s: _instant_key(s.get("updated")), True),
    "promised": (lambda s: (s.get("promised") is None, s.get("promised") or ""), False),
    "number": (lambda s: s.get("number") or "", False),
}


def sort_pairs(pairs: list[tuple[str, Row]], sort: str = "newest") -> None:
    """Sort (key, summary) pairs in place by one of :data:`SORTS`."""
    key, descending = SORTS[sort]
    pairs.sort(key=lambda pair: key(pair[1]), reverse=descending)


class CaseIndex:
    def __init__(
        self,
        index: SummaryIndex,
        store: Callable[[], StationStore],
        catalog: Callable[[], Catalog | None],
    ) -> None:
        self.index = index
        self._store = store
        self._catalog = catalog
        self._memo: OverdueMemo | None = None
        self._lock = threading.Lock()
        self._names: dict[tuple[int, str | None, str | None], str] = {}
        self._orders: dict[str, tuple[int, list[tuple[str, Row]]]] = {}

    @property
    def store(self) -> StationStore:
        return self._store()

    def catalog(self) -> Catalog | None:
        return self._catalog()

    def select(
        self, cond: QueryLike | None = None, keys: Iterable[str] | None = None
    ) -> list[tuple[str, Row]]:
        """(key, summary) pairs matching a TinyDB query, among ``keys`` when given (read-only rows)."""
        return self.index.select(cond, keys)

    def ordered(self, sort: str = "newest") -> list[tuple[str, Row]]:
        """Every (key, summary) in the order ``sort`` names, sorted once per change of the index (a list's
        query then only filters: the first page of 50,000 needs no sort). Do not change the list."""
        version = self.index.version()
        with self._lock:
            cached = self._orders.get(sort)
            if cached is not None and cached[0] == version:
                return cached[1]
        pairs = self.index.select()
        sort_pairs(pairs, sort)
        with self._lock:
            self._orders[sort] = (version, pairs)
        return pairs

    def sync_sets(self) -> SyncSets:
        store = self.store
        return set(store.keys_of(OUTBOX)), set(store.keys_of(REJECTED)), set(store.keys_of(RECEIPTS))

    @staticmethod
    def sync_state(key: str, summary: Row, sets: SyncSets) -> str:
        """ "rejected", "pending", "synced" or "local" — what the old per-case scan said."""
        pending, rejected, synced = sets
        if key in rejected:
            return "rejected"
        if key in pending:
            return "pending"
        if key in synced or (summary.get("sent") and summary.get("status") != CaseStatus.DRAFT.value):
            return "synced"
        return "local"

    def memo(self, calendar: WorkCalendar, today: dt.date) -> OverdueMemo:
        """The 限时办结 memo for this day and calendar (a new one when either changed)."""
        with self._lock:
            memo = self._memo
            if (
                memo is None
                or memo.today != today
                or not (memo.calendar is calendar or memo.calendar == calendar)
            ):
                memo = self._memo = OverdueMemo(calendar, today)
            return memo

    def item_name(self, summary: Row) -> str:
        """The catalog name of the case's item or bundle (its code when the catalog no longer has it)."""
        item, bundle = summary.get("item"), summary.get("bundle")
        catalog = self.catalog()
        key = (id(catalog), item, bundle)
        name = self._names.get(key)
        if name is None:
            name = item or bundle or ""
            if catalog is not None:
                with contextlib.suppress(KeyError):  # an item since removed from the catalog keeps its code
                    name = (catalog.item(item) if item else catalog.bundle(str(bundle))).name
            with self._lock:
                if len(self._names) > 4096:
                    self._names.clear()
                self._names[key] = name
        return name

    def row(self, key: str, summary: Row, today: dt.date, memo: OverdueMemo, sync: str) -> CaseRow | None:
        """The list line of one summary (None for one that cannot be shown: an unknown status)."""
        try:
            status = CaseStatus(str(summary.get("status")))
        except ValueError:
            return None
        created = summary.get("created")
        try:
            created_at = clock.parse_instant(created) if isinstance(created, str) and created else _EPOCH
        except ValueError:
            created_at = _EPOCH
        promised = summary.get("promised")
        with self._lock:
            state = memo.of(summary)
        deferred = summary.get("deferred_due")
        return CaseRow(
            key,
            str(summary.get("number") or ""),
            self.item_name(summary),
            str(summary.get("name") or ""),
            status,
            created_at,
            _date(promised),
            state.state.value if state is not None else "",
            sync,
            isinstance(deferred, str) and deferred < today.isoformat(),
            _date(summary.get("accepted_day")),
            state.due if state is not None else None,
            summary.get("provisional") is True,
            summary.get("corrected") is True,
            _date(summary.get("supplement_due")),
        )

    def rows(
        self,
        pairs: Iterable[tuple[str, Row]],
        today: dt.date,
        calendar: WorkCalendar,
        sets: SyncSets | None = None,
    ) -> list[CaseRow]:
        memo, sets = self.memo(calendar, today), sets or self.sync_sets()
        out = []
        for key, s in pairs:
            row = self.row(key, s, today, memo, self.sync_state(key, s, sets))
            if row is not None:
                out.append(row)
        return out

    def find_number(self, number: str) -> str | None:
        """The key of the live case with this 办件编号, or None."""
        found = self.select(LIVE & (Query().number == number.strip()))
        return found[0][0] if found else None
