"""The failed-query log (未找到的搜索): what residents and workers searched for and did not find.

A station records a :class:`SearchMiss` when a guide search found nothing (``result="none"``) or only loose
matches (``"weak"``: every hit merely related or similar), keeps it in its encrypted store and sends it to
the district with the next sync; the district console lists them, most asked first, and that list is how
keywords (俗称) and synonyms get better (``docs/catalog.md``).

No personal data: :func:`new_miss` and :meth:`SearchMiss.from_dict` pass the query through
:func:`scrub_query` (ID-like and phone-like digit runs removed, 60 characters at most),
and nothing else about the person is recorded — not the worker, not the case, only where it was typed
(``desk`` / ``kiosk``) and the catalog version searched. The center scrubs again on receipt::

    miss = new_miss(result.query, result.outcome, source="kiosk", catalog_version=7, at=clock.now())
    # None: nothing to log (a good search, or nothing left once scrubbed)
    doc = miss.to_dict()                                                         # what the station stores
    SearchMiss.from_dict(doc)                                                    # SearchLogError if malformed

Hazard: a resident may still type a name ("张三低保"); names cannot be told from words, so the console shows
queries to district staff only (role ``catalog_admin``) and keeps them for a limited time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casework.caseparts import format_utc, parse_utc, uuid7
from casework.errors import DomainError

__all__ = [
    "MAX_LOGGED_QUERY",
    "NUMBER_PLACEHOLDER",
    "RESULTS",
    "SOURCES",
    "SearchLogError",
    "SearchMiss",
    "new_miss",
    "scrub_query",
]

SOURCES = ("desk", "kiosk")
MAX_VERSION = 2**31 - 1  # catalog versions are 32-bit where the center stores them
RESULTS = ("none", "weak")  # nothing found / only related or similar entries (``SearchResult.outcome``)
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class SearchLogError(DomainError):
    """A failed-query record that is not shaped as :class:`SearchMiss` says (``search_log.malformed``)."""

    code = "search_log.malformed"


@dataclass(frozen=True, slots=True)
class SearchMiss:
    id: str  # UUIDv7 made by the station: idempotent delivery, time order
    at: datetime  # aware UTC
    query: str  # scrubbed
    source: str  # "desk" | "kiosk"
    result: str  # "none" | "weak"
    catalog_version: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": format_utc(self.at),
            "query": self.query,
            "source": self.source,
            "result": self.result,
            "catalog_version": self.catalog_version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchMiss:
        """Parse (and re-scrub) a record; :class:`SearchLogError` names the first bad field."""
        try:
            miss_id, at, query = data["id"], data["at"], data["query"]
            source, result, version = data["source"], data["result"], data["catalog_version"]
        except (KeyError, TypeError):
            raise SearchLogError(field="record") from None
        if not isinstance(miss_id, str) or not _ID.match(miss_id):
            raise SearchLogError(field="id")
        try:
            when = parse_utc(at) if isinstance(at, str) else None
        except ValueError:
            when = None
        if when is None:
            raise SearchLogError(field="at")
        if not isinstance(query, str) or not scrub_query(query):
            raise SearchLogError(field="query")
        if source not in SOURCES:
            raise SearchLogError(field="source")
        if result not in RESULTS:
            raise SearchLogError(field="result")
        if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version <= MAX_VERSION:
            raise SearchLogError(field="catalog_version")
        return cls(miss_id, when, scrub_query(query), source, result, version)


def new_miss(
    query: str, outcome: str, *, source: str, catalog_version: int, at: datetime
) -> SearchMiss | None:
    """The record to log for a search with ``outcome`` (``SearchResult.outcome``), or None when there is
    nothing to log: a search that found something it was sure of, or a query that is nothing once
    scrubbed (e.g. only an ID number)."""
    if outcome not in RESULTS:
        return None
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    scrubbed = scrub_query(query)
    if not scrubbed.replace(NUMBER_PLACEHOLDER, "").strip():
        return None
    return SearchMiss(uuid7(int(at.timestamp() * 1000)), at, scrubbed, source, outcome, catalog_version)


# Runs of five or more digits (ID card, phone, bank card and case numbers), possibly broken by spaces or
# dashes and ending in the ID check character X: personal data that must not reach the failed-query log.
_DIGIT_RUN = re.compile(r"\d(?:[\s\-]*\d){4,}(?:[\s\-]*[xX])?")
MAX_LOGGED_QUERY = 60
#: What a removed number becomes; NFKC leaves it alone, so scrubbing twice (station, then center) changes
#: nothing more.
NUMBER_PLACEHOLDER = "[号码]"


def scrub_query(text: str) -> str:
    """``text`` as it may be logged: NFKC, ID-like and phone-like digit runs (five digits or more) replaced by
    :data:`NUMBER_PLACEHOLDER`, control characters dropped, whitespace collapsed, cut to 60 characters. Short
    numbers ("80岁") stay: they help find the item. Idempotent."""
    folded = "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in unicodedata.normalize("NFKC", text)
    )  # control and format characters (NUL, zero-width …) are not text a person typed; PostgreSQL refuses NUL
    scrubbed = _DIGIT_RUN.sub(NUMBER_PLACEHOLDER, folded)
    return " ".join(scrubbed.split())[:MAX_LOGGED_QUERY]
