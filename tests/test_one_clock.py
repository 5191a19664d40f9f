"""One clock: no module of ours reads the host clock or writes Beijing time by hand (casework.clock does).

ruff's banned-api rule (TID251, ``pyproject.toml``) refuses ``datetime.now``, ``date.today``, ``utcnow`` and
``time.time`` by their resolved names; this test also catches what no import reveals: hand-written UTC+8
offsets and naive clock calls in any spelling, in every package, the benchmarks and the scripts.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ("casework", "storage", "sync", "station_app", "district_center", "bench", "scripts", "tests")
ALLOWED = {ROOT / "casework" / "clock.py", Path(__file__).resolve()}

FORBIDDEN = {
    "a hand-written UTC+8 offset": re.compile(r"timedelta\(\s*hours\s*=\s*8\s*\)"),
    "a fixed-offset time zone": re.compile(r"\btimezone\(\s*(?:dt\.|datetime\.)?timedelta"),
    "the host clock (datetime.now)": re.compile(r"\bdatetime\.now\("),
    "the host calendar day (date.today)": re.compile(r"\bdate\.today\("),
    "a naive UTC clock (utcnow)": re.compile(r"\butcnow\("),
    "the host clock (time.time)": re.compile(r"\btime\.time\b"),
    "the host time zone (time.localtime)": re.compile(r"\btime\.localtime\b"),
}


def test_no_naive_clock_anywhere() -> None:
    found = []
    for tree in TREES:
        for path in sorted((ROOT / tree).rglob("*.py")):
            if path.resolve() in ALLOWED:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                for what, rx in FORBIDDEN.items():
                    if rx.search(line):
                        found.append(f"{path.relative_to(ROOT)}:{n}: {what}: {line.strip()}")
    assert found == [], "use casework.clock instead:\n" + "\n".join(found)
