"""Measure the guide search on resident phrasings: top-1 / top-3 hit rate and mean reciprocal rank.

An evaluation set is a list of queries, each with the names (or codes) of the entries that answer it::

    queries = load_queries(json.loads(path.read_text("utf-8")))    # {"queries": [{"q", "accept", "tags"}]}
    report = evaluate(GuideIndex(catalog), queries)
    report.top1, report.top3, report.mrr                          # fractions of the set, 0–1
    [m.query for m in report.misses()]                            # not in the top 3

Search runs as the kiosk does it (``include_cancelled=False``, best 10); the rank of a query is the position
of its first acceptable answer (MRR counts 0 beyond the tenth). ``tests/casework/test_guide_eval.py`` holds
the project's sets to their thresholds and ``bench/guide_search.py`` reports them. A district can measure
its own catalog the same way with its own phrasings.

Hazard: an accepted name that is not in the catalog makes that query unanswerable; :func:`unknown_answers`
lists them so a set and a catalog that drifted apart fail loudly instead of scoring low.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casework.catalog import Bundle, Item
from casework.guide_search import GuideIndex

__all__ = ["EvalQuery", "EvalReport", "QueryResult", "evaluate", "load_queries", "unknown_answers"]

DEPTH = 10


@dataclass(frozen=True, slots=True)
class EvalQuery:
    query: str
    accept: tuple[str, ...]  # entry names or codes; any of them answers the query
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QueryResult:
    query: EvalQuery
    rank: int | None  # 1-based position of the first acceptable answer in the best 10, None when absent
    top: tuple[str, ...]  # names of the best three hits


@dataclass(frozen=True, slots=True)
class EvalReport:
    results: tuple[QueryResult, ...]

    def _share(self, ok: Iterable[bool]) -> float:
        values = list(ok)
        return sum(values) / len(values) if values else 0.0

    @property
    def top1(self) -> float:
        return self._share(r.rank == 1 for r in self.results)

    @property
    def top3(self) -> float:
        return self._share(r.rank is not None and r.rank <= 3 for r in self.results)

    @property
    def mrr(self) -> float:
        if not self.results:
            return 0.0
        return sum(1 / r.rank for r in self.results if r.rank) / len(self.results)

    def misses(self, depth: int = 3) -> list[QueryResult]:
        """Queries whose answer is not in the best ``depth``."""
        return [r for r in self.results if r.rank is None or r.rank > depth]

    def by_tag(self, prefix: str) -> EvalReport:
        """The results of the queries with a tag starting with ``prefix`` ("typo", "event:")."""
        return EvalReport(tuple(r for r in self.results if any(t.startswith(prefix) for t in r.query.tags)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "queries": len(self.results),
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "mrr": round(self.mrr, 4),
        }


def load_queries(data: Mapping[str, Any]) -> list[EvalQuery]:
    """The queries of an evaluation file's dict (``{"queries": [{"q", "accept", "tags"}]}``)."""
    return [
        EvalQuery(str(q["q"]), tuple(str(a) for a in q["accept"]), tuple(str(t) for t in q.get("tags", ())))
        for q in data["queries"]
    ]


def unknown_answers(index: GuideIndex, queries: Sequence[EvalQuery]) -> list[tuple[str, str]]:
    """(query, answer) pairs whose answer names no entry of the index's catalog."""
    entries: list[Item | Bundle] = [*index.catalog.items, *index.catalog.bundles]
    known = {e.name for e in entries} | {e.code for e in entries}
    return [(q.query, a) for q in queries for a in q.accept if a not in known]


def evaluate(index: GuideIndex, queries: Sequence[EvalQuery]) -> EvalReport:
    """Search every query as the kiosk does and record where its first acceptable answer ranks."""
    results = []
    for q in queries:
        hits = index.search(q.query, include_cancelled=False, limit=DEPTH).hits
        accept = set(q.accept)
        rank = next((n for n, h in enumerate(hits, 1) if h.name in accept or h.code in accept), None)
        results.append(QueryResult(q, rank, tuple(h.name for h in hits[:3])))
    return EvalReport(tuple(results))
