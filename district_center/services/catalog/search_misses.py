"""The failed-query list (未找到的搜索): what stations searched the guide for and did not find.

Stations send their records with sync (``POST /api/v1/search-misses``, ``sync.protocol.SearchMissBatch``);
:func:`record_misses` stores them idempotently (key: station + record id) after scrubbing each query again —
the center never trusts a station to have removed ID or phone numbers. The console lists them grouped by
query, most asked first (:func:`miss_groups`); a district adds keywords or synonyms for the queries it
should answer, and :func:`current_answers` shows what the staged or published catalog finds for each one
now. Records older than :data:`RETAIN_DAYS` are dropped as new ones arrive::

    result = record_misses(db, station_id, entries, now=clock.now())   # SearchMissResult
    with db.read_session() as s:
        groups = miss_groups(s, since=clock.now() - timedelta(days=90))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from casework.catalog import Catalog
from casework.guide_search import GuideIndex, SearchHit
from casework.search_log import SearchLogError, SearchMiss
from district_center.db.engine import Database
from district_center.db.models import SearchMissRecord
from sync.protocol import SearchMissResult

__all__ = ["RETAIN_DAYS", "MissGroup", "current_answers", "miss_groups", "record_misses"]

RETAIN_DAYS = 365


@dataclass(frozen=True, slots=True)
class MissGroup:
    """One query as stations searched it: how often, from how many stations, first and last time, and how
    many of the searches found nothing at all (``none``) rather than only loose matches."""

    query: str
    count: int
    stations: int
    none: int
    kiosk: int
    first_at: datetime
    last_at: datetime


def record_misses(
    db: Database, station_id: str, entries: Sequence[Any], *, now: datetime
) -> SearchMissResult:
    """Store the well-formed records not stored before; refuse the malformed ones (by id, when they have one
    a station could recognise)."""
    accepted: list[str] = []
    rejected: list[str] = []
    parsed: dict[str, SearchMiss] = {}
    for entry in entries:
        try:
            miss = SearchMiss.from_dict(entry)
        except SearchLogError:
            raw = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(raw, str) and 0 < len(raw) <= 64:
                rejected.append(raw)
            continue
        parsed.setdefault(miss.id, miss)
        accepted.append(miss.id)
    with db.session() as s:
        if parsed:
            held = set(
                s.scalars(
                    select(SearchMissRecord.miss_id).where(
                        SearchMissRecord.station_id == station_id, SearchMissRecord.miss_id.in_(list(parsed))
                    )
                )
            )
            for miss in parsed.values():
                if miss.id in held:
                    continue
                s.add(
                    SearchMissRecord(
                        station_id=station_id,
                        miss_id=miss.id,
                        at=miss.at,
                        query=miss.query,
                        source=miss.source,
                        result=miss.result,
                        catalog_version=miss.catalog_version,
                        received_at=now,
                    )
                )
        s.execute(delete(SearchMissRecord).where(SearchMissRecord.at < now - timedelta(days=RETAIN_DAYS)))
    return SearchMissResult(accepted, rejected)


def miss_groups(
    session: Session, *, since: datetime, limit: int = 500, only_none: bool = False
) -> list[MissGroup]:
    """Queries searched since ``since``, most often first (then most recent)."""
    count = func.count()
    stmt = (
        select(
            SearchMissRecord.query,
            count,
            func.count(func.distinct(SearchMissRecord.station_id)),
            func.sum(case((SearchMissRecord.result == "none", 1), else_=0)),
            func.sum(case((SearchMissRecord.source == "kiosk", 1), else_=0)),
            func.min(SearchMissRecord.at),
            func.max(SearchMissRecord.at),
        )
        .where(SearchMissRecord.at >= since)
        .group_by(SearchMissRecord.query)
        .order_by(count.desc(), func.max(SearchMissRecord.at).desc(), SearchMissRecord.query)
        .limit(limit)
    )
    if only_none:
        stmt = stmt.where(SearchMissRecord.result == "none")
    return [
        MissGroup(q, int(n), int(st), int(none or 0), int(kiosk or 0), _utc(first), _utc(last))
        for q, n, st, none, kiosk, first, last in session.execute(stmt)
    ]


def _utc(value: Any) -> datetime:
    """Aggregates bypass the column type on SQLite (a naive or text value comes back): make it aware UTC."""
    from casework.clock import UTC, parse_instant

    if isinstance(value, str):
        return parse_instant(value if value.endswith("Z") or "+" in value else value + "Z")
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def current_answers(index: GuideIndex, queries: Sequence[str]) -> dict[str, tuple[str, SearchHit | None]]:
    """What ``index`` (the staged or published catalog) finds for each query now: (outcome, best hit)."""
    out: dict[str, tuple[str, SearchHit | None]] = {}
    for q in queries:
        result = index.search(q, include_cancelled=False, limit=1)
        out[q] = (result.outcome, result.hits[0] if result.hits else None)
    return out


_INDEXES: dict[tuple[str, int, str], GuideIndex] = {}


def guide_index(catalog: Catalog, key: str) -> GuideIndex:
    """A cached guide index for a catalog (``key`` names the working copy, e.g. its staged time)."""
    cache_key = (key, catalog.version, catalog.issued_at.isoformat())
    found = _INDEXES.get(cache_key)
    if found is None:
        if len(_INDEXES) > 4:
            _INDEXES.clear()
        found = _INDEXES[cache_key] = GuideIndex(catalog)
    return found
