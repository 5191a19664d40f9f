#!/usr/bin/env python3
"""Guide search (智能导办): hit rates on resident phrasings, latency and index build time at catalog scale.

Usage::

    .venv/bin/python bench/guide_search.py [--items 10000] [--rounds 5] [--builds 3]

Prints one JSON object:

* ``quality`` — top-1 / top-3 hit rate and MRR of the development set (``tests/casework/guide_eval.json``)
  and the held-out set (``guide_eval_holdout.json``) on the sample catalog, and again with the sample
  catalog inside the synthetic one (``--items`` entries in all: do thousands of other items crowd the
  answers out?), measured by :mod:`casework.guide_eval` exactly as the test does;
* ``latency_ms`` — p50 / p95 / p99 / max per query at ``--items`` entries, over both sets' queries plus a
  worker mix (names, pinyin, initials, single letters, departments, types, life events, misses, filters),
  ``rounds`` times each, timed with ``time.perf_counter_ns`` (kiosk search: best 20, cancelled left out;
  desk search: best 200); the slowest queries are listed;
* ``build_s`` — index build time at ``--items`` entries (median and max of ``--builds`` builds), and
  ``build_cpu_s`` / ``latency_cpu_ms`` the same in CPU time: on a shared machine (``load_average`` says how
  busy it was) wall time swings with the other processes, CPU time much less.

The synthetic catalog (``scripts/build_sample_catalog.py``) is deterministic; synthetic items get 0–3
keywords from the same vocabulary as their names, so the keyword tables are as full as a real district's.
The machine is shared: compare figures from one run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_sample_catalog import _SUBJECTS, synthetic_catalog  # noqa: E402

from casework.catalog import Catalog, LifeEvent  # noqa: E402
from casework.guide_eval import evaluate, load_queries  # noqa: E402
from casework.guide_search import GuideIndex  # noqa: E402
from casework.samples import sample_catalog_dict  # noqa: E402

EVAL = ROOT / "tests" / "casework"
WORKER_MIX: list[tuple[str, dict[str, Any]]] = [
    ("高龄", {}),
    ("高龄津贴", {}),
    ("残疾人补贴", {}),
    ("登记", {}),
    ("证", {}),
    ("gaoling", {}),
    ("gljt", {}),
    ("gl", {}),
    ("g", {}),
    ("s", {}),
    ("shen", {}),
    ("canjiren", {}),
    ("minzheng", {}),
    ("民政", {}),
    ("许可", {}),
    ("出生", {}),
    ("xyz", {}),
    ("不存在的事项名称", {}),
    ("", {}),
    ("", {"life_event": LifeEvent.BIRTH}),
    ("登记", {"item_type": "20", "include_cancelled": False}),
    ("j", {"station_only": True}),
    ("养老", {"department": "西安市阎良区民政局"}),
]
_ACTIONS = ("补贴", "证", "登记", "申请", "变更", "注销", "备案", "年审")


def big_catalog(n: int) -> Catalog:
    """The sample catalog inside a synthetic one of ``n`` entries in all, synthetic items with keywords."""
    rng = random.Random(7)
    data = synthetic_catalog(n)
    for it in data["items"]:
        words = {rng.choice(_SUBJECTS) + rng.choice(_ACTIONS) for _ in range(rng.choice((0, 1, 2, 3)))}
        it["keywords"] = sorted(words)
    sample = sample_catalog_dict()
    areas = {j["area"] for j in sample["jurisdictions"]}
    data["items"] = sample["items"] + data["items"][: max(0, n - len(sample["items"]) - len(data["bundles"]))]
    data["bundles"] = sample["bundles"] + data["bundles"]
    data["jurisdictions"] = sample["jurisdictions"] + [
        j for j in data["jurisdictions"] if j["area"] not in areas
    ]
    data["synonyms"] = sample["synonyms"]
    return Catalog.from_dict(data)


def quality(index: GuideIndex) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, file in (("dev", "guide_eval.json"), ("holdout", "guide_eval_holdout.json")):
        queries = load_queries(json.loads((EVAL / file).read_text(encoding="utf-8")))
        report = evaluate(index, queries)
        out[name] = {
            **report.to_dict(),
            "by_tag": {
                tag: report.by_tag(tag).to_dict()
                for tag in ("event:", "common", "typo", "pinyin", "english")
                if report.by_tag(tag).results
            },
            "missed_top3": [r.query.query for r in report.misses()],
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--builds", type=int, default=3)
    args = parser.parse_args()

    sample = Catalog.from_dict(sample_catalog_dict())
    sample_index = GuideIndex(sample)
    catalog = big_catalog(args.items)
    builds: list[float] = []
    build_cpu: list[float] = []
    index = None
    for _ in range(max(1, args.builds)):
        index = None  # the previous index is garbage before the next build, as in a station's update
        t0, c0 = time.perf_counter(), time.process_time()
        index = GuideIndex(catalog)
        builds.append(time.perf_counter() - t0)
        build_cpu.append(time.process_time() - c0)
    assert index is not None

    queries = [
        (q.query, {})
        for f in ("guide_eval.json", "guide_eval_holdout.json")
        for q in load_queries(json.loads((EVAL / f).read_text(encoding="utf-8")))
    ]
    mix: list[tuple[str, dict[str, Any]]] = [*queries, *WORKER_MIX]
    for q, kw in mix:  # warm-up
        index.search(q, **kw)
    samples: list[float] = []
    cpu: list[float] = []
    worst: dict[str, float] = {}
    for _ in range(args.rounds):
        for q, kw in mix:
            for kiosk in (True, False):
                options = dict(kw, include_cancelled=False, limit=20) if kiosk else dict(kw, limit=200)
                t, c = time.perf_counter_ns(), time.process_time_ns()
                index.search(q, **options)
                ms = (time.perf_counter_ns() - t) / 1e6
                cpu.append((time.process_time_ns() - c) / 1e6)
                samples.append(ms)
                key = f"{q!r} {kw}" if kw else repr(q)
                worst[key] = max(worst.get(key, 0.0), ms)
    samples.sort()
    pct = statistics.quantiles(samples, n=100)
    cpu_pct = statistics.quantiles(sorted(cpu), n=100)
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "entries": len(index),
        "items": len(catalog.items),
        "bundles": len(catalog.bundles),
        "quality": {"sample_catalog": quality(sample_index), f"inside_{len(index)}": quality(index)},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "build_s": {"median": round(statistics.median(builds), 3), "max": round(max(builds), 3)},
        "build_cpu_s": {"median": round(statistics.median(build_cpu), 3), "max": round(max(build_cpu), 3)},
        "latency_ms": {
            "queries": len(samples),
            "p50": round(pct[49], 3),
            "p95": round(pct[94], 3),
            "p99": round(pct[98], 3),
            "max": round(samples[-1], 3),
        },
        "latency_cpu_ms": {
            "p50": round(cpu_pct[49], 3),
            "p95": round(cpu_pct[94], 3),
            "p99": round(cpu_pct[98], 3),
        },
        "slowest": [
            {"query": k, "ms": round(v, 3)} for k, v in sorted(worst.items(), key=lambda kv: -kv[1])[:8]
        ],
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
