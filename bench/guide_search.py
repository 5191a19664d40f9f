#!/usr/bin/env python3
"""Guide-search latency at catalog scale: build time and per-query p50/p95/p99.

Usage::

    .venv/bin/python bench/guide_search.py [--items 10000] [--rounds 20]

Builds the synthetic catalog of ``scripts/build_sample_catalog.py`` (deterministic), indexes it once
and times a fixed mix of queries (Chinese names, full pinyin, initials, one letter, department, type,
life event, misses, filtered and unfiltered, limit 20) with ``time.perf_counter_ns``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_sample_catalog import synthetic_catalog  # noqa: E402

from casework.catalog import Catalog, LifeEvent  # noqa: E402
from casework.guide_search import GuideIndex  # noqa: E402

QUERIES: list[tuple[str, dict[str, object]]] = [
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    catalog = Catalog.from_dict(synthetic_catalog(args.items))
    t0 = time.perf_counter()
    index = GuideIndex(catalog)
    build_s = time.perf_counter() - t0

    for q, kw in QUERIES:  # warm-up
        index.search(q, **kw)  # type: ignore[arg-type]
    samples: list[float] = []
    worst: dict[str, float] = {}
    for _ in range(args.rounds):
        for q, kw in QUERIES:
            t = time.perf_counter_ns()
            index.search(q, **kw)  # type: ignore[arg-type]
            ms = (time.perf_counter_ns() - t) / 1e6
            samples.append(ms)
            key = f"{q!r} {kw}" if kw else repr(q)
            worst[key] = max(worst.get(key, 0.0), ms)
    samples.sort()
    q = statistics.quantiles(samples, n=100)
    print(
        f"python {platform.python_version()} on {platform.machine()}; {len(index)} entries "
        f"({len(catalog.items)} items, {len(catalog.bundles)} bundles)"
    )
    print(f"index build: {build_s:.2f} s")
    print(
        f"{len(samples)} queries: p50 {q[49]:.3f} ms, p95 {q[94]:.3f} ms, p99 {q[98]:.3f} ms, "
        f"max {samples[-1]:.3f} ms"
    )
    print("slowest query kinds:")
    for key, ms in sorted(worst.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {ms:7.3f} ms  {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
