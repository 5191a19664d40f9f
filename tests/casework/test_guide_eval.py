"""The guide search on resident phrasings (智能导办): the evaluation set holds its thresholds, and the
held-out set written before any tuning is measured the same way (``casework.guide_eval``).

Thresholds (the issue's targets): on the development set top-3 ≥ 90 % and top-1 ≥ 70 %; on the held-out set
top-3 ≥ 90 %. Failures print the queries that missed with what came first instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casework.catalog import LifeEvent
from casework.guide_eval import EvalQuery, EvalReport, evaluate, load_queries, unknown_answers
from casework.guide_search import GuideIndex
from casework.samples import sample_catalog

HERE = Path(__file__).parent
DEV = HERE / "guide_eval.json"
HOLDOUT = HERE / "guide_eval_holdout.json"
PERSON_EVENTS = [e for e in LifeEvent if e is not LifeEvent.OTHER]


def _queries(path: Path) -> list[EvalQuery]:
    return load_queries(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    return GuideIndex(sample_catalog())


def _explain(report: EvalReport) -> str:
    return "\n".join(f"  {r.query.query!r}: rank {r.rank}, top {r.top}" for r in report.misses())


@pytest.mark.parametrize("path", [DEV, HOLDOUT], ids=["dev", "holdout"])
def test_every_answer_names_a_catalog_entry(index: GuideIndex, path: Path) -> None:
    assert unknown_answers(index, _queries(path)) == []


def test_the_development_set_covers_what_the_issue_asks_for() -> None:
    queries = _queries(DEV)
    assert len(queries) >= 100
    tags = [t for q in queries for t in q.tags]
    events = {t.removeprefix("event:") for t in tags if t.startswith("event:")}
    assert events >= {e.value for e in PERSON_EVENTS}, "every life event"
    common = {q.accept[0] for q in queries if "common" in q.tags}
    assert len(common) >= 10, "the ten most common community items"
    for tag, at_least in (("typo", 8), ("pinyin", 8), ("english", 8), ("initials", 2)):
        assert tags.count(tag) >= at_least, tag
    # the issue's own examples are in the set
    asked = {q.query for q in queries}
    assert {"低保", "孩子上户口", "开个小超市要办什么", "老人补贴", "dibao", "生孩子要办哪些手续"} <= asked


def test_the_held_out_set_stays_apart_from_the_development_set() -> None:
    dev = {q.query for q in _queries(DEV)}
    held = _queries(HOLDOUT)
    assert len(held) >= 50 and not dev & {q.query for q in held}


def test_development_set_meets_the_thresholds(index: GuideIndex) -> None:
    report = evaluate(index, _queries(DEV))
    assert report.top3 >= 0.90, f"top-3 {report.top3:.3f}\n{_explain(report)}"
    assert report.top1 >= 0.70, f"top-1 {report.top1:.3f}\n{_explain(report)}"
    for tag in ("typo", "pinyin", "english", "event:"):
        part = report.by_tag(tag)
        assert part.top3 >= 0.85, f"{tag}: top-3 {part.top3:.3f}\n{_explain(part)}"


def test_held_out_set_meets_the_top3_threshold(index: GuideIndex) -> None:
    report = evaluate(index, _queries(HOLDOUT))
    assert report.top3 >= 0.90, f"top-3 {report.top3:.3f}\n{_explain(report)}"


def test_the_measure_counts_ranks_as_documented(index: GuideIndex) -> None:
    queries = [
        EvalQuery("gljt", ("高龄津贴申领",)),
        EvalQuery("gljt", ("no such entry",)),
    ]
    report = evaluate(index, queries)
    assert [r.rank for r in report.results] == [1, None]
    assert (report.top1, report.top3, report.mrr) == (0.5, 0.5, 0.5)
    assert [r.query.accept for r in report.misses()] == [("no such entry",)]
