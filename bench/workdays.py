#!/usr/bin/env python3
"""Working-day arithmetic at a year's volume: the case list's per-row deadline work, memoised vs day by day.

Usage::

    .venv/bin/python bench/workdays.py [--cases 20000] [--rounds 3]

A station's case list computes, for every row on every render, the 限时办结 state (``overdue_status``: the
paused working days, the due day, the working days left) and the "due soon" preset; the center does the same
for every listed row and the deadline report. This builds ``--cases`` accepted cases spread over a year
(2026-01 … 2026-12, 1–30 working days, some paused for 补正, promised dates into provisional 2027) and times
that work

* with ``casework.workdays.WorkCalendar`` as it is (each year computed once per calendar: lookups, a
  subtraction and a binary search), and
* with a day-by-day calendar (the arithmetic before the memo: every question steps one day at a time and
  asks ``chinesecalendar`` / the tables about each day),

both in the same run, so the ratio holds on a noisy machine. It also times recomputing every case under a
newer calendar (``casework.deadlines.recompute_deadlines``: what a station does when a calendar arrives and
the center on publication). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chinese_calendar  # noqa: E402

from casework.acceptance import overdue_status  # noqa: E402
from casework.cases import Case, CaseStatus, MissingMaterial, Side, SupplementRequest  # noqa: E402
from casework.deadlines import recompute_deadlines  # noqa: E402
from casework.identity import Applicant, ApplicantKind  # noqa: E402
from casework.timelimit import TimeLimit  # noqa: E402
from casework.workdays import CalendarSource, Deadline, HolidayTable, WorkCalendar, statutory_holidays  # noqa: E402

ONE = dt.timedelta(days=1)


class DayByDay(WorkCalendar):
    """The arithmetic before the memo: every answer recomputed one day at a time."""

    def is_working_day(self, day: dt.date) -> bool:
        source = self.source(day.year)
        if source is CalendarSource.PUBLISHED:
            return self.tables[day.year].is_working_day(day)
        if source is CalendarSource.BUILTIN:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def add_working_days(self, start: dt.date, days: int) -> Deadline:
        day, provisional, left = start, False, days
        while left:
            day += ONE
            provisional = provisional or self.is_provisional(day)
            if self.is_working_day(day):
                left -= 1
        return Deadline(day, provisional)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += ONE
            if self.is_working_day(day):
                count += 1
        return count


def moved_2026() -> HolidayTable:
    holidays = {d for d in chinese_calendar.holidays if d.year == 2026} | {dt.date(2026, 10, 10)}
    workdays = {d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5}
    return HolidayTable(
        2026, frozenset(holidays), frozenset((workdays - {dt.date(2026, 10, 10)}) | {dt.date(2026, 12, 26)})
    )


def build_cases(n: int, calendar: WorkCalendar, seed: int = 7) -> list[Case]:
    rng = random.Random(seed)
    applicant = Applicant(ApplicantKind.PERSON, "测试", "111", "11010519491231002X", "13800138000")
    out = []
    for i in range(n):
        at = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC) + dt.timedelta(
            minutes=rng.randrange(0, 360 * 24 * 60)
        )
        case = Case.new(
            number=f"B{i:06d}",
            station_id="st",
            catalog_version=1,
            applicant=applicant,
            at=at,
            item_code="X" * 33,
        )
        case.transition(CaseStatus.ACCEPTED, actor="w", at=at)
        start = at.date()
        limit = TimeLimit(rng.randint(1, 30))
        d = calendar.deadline_for(start, limit)
        case.set_promised_date(d.date, d.provisional, at=at)
        case.set_deadline_basis(start=start, limit=limit, calendar_version=calendar.version, at=at)
        case.transition(CaseStatus.QUEUED, actor="w", at=at)
        case.transition(CaseStatus.DELIVERED, actor="c", at=at, side=Side.CENTER)
        case.transition(CaseStatus.IN_REVIEW, actor="c", at=at)
        if rng.random() < 0.15:  # waited for 补正 for a while
            asked = at + dt.timedelta(days=1)
            case.request_supplement(
                SupplementRequest((MissingMaterial("M", "材料", "不清晰"),), asked, "c"), actor="c"
            )
            case.transition(
                CaseStatus.IN_REVIEW,
                actor="w",
                at=asked + dt.timedelta(days=rng.randint(1, 9)),
                side=Side.STATION,
            )
        out.append(case)
    return out


def list_work(cases: list[Case], calendar: WorkCalendar, today: dt.date) -> int:
    """What one render of the case list computes per row: the 限时办结 state and the due-soon check."""
    soon = calendar.add_working_days(today, 2).date
    hits = 0
    for case in cases:
        od = overdue_status(case, calendar, today)
        hits += od.due is not None and today <= od.due <= soon
    return hits


def timed(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tables = {2026: moved_2026()}
    memo, naive = WorkCalendar(tables, 1), DayByDay(tables, 1)
    cases = build_cases(args.cases, memo)
    today = dt.date(2026, 12, 21)
    assert list_work(cases, memo, today) == list_work(cases, naive, today), "both calendars must agree"
    memo_s = timed(lambda: list_work(cases, memo, today), args.rounds)
    naive_s = timed(lambda: list_work(cases, naive, today), max(1, args.rounds - 2))
    newer = WorkCalendar(
        {
            **tables,
            2027: HolidayTable(2027, frozenset({dt.date(2027, 1, 1)}), frozenset({dt.date(2027, 1, 9)})),
        },
        2,
    )
    copies = [Case.from_dict(c.to_dict()) for c in cases]
    t0 = time.perf_counter()
    moved = sum(
        1
        for c in copies
        if (
            r := recompute_deadlines(
                c, newer, at=dt.datetime(2026, 12, 21, 2, 0, tzinfo=dt.UTC), today=today, previous=memo
            )
        )
        and r.moved
    )
    recompute_s = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "bench": "workdays",
                "cases": args.cases,
                "list_render_memoised_ms": round(memo_s * 1000, 1),
                "list_render_day_by_day_ms": round(naive_s * 1000, 1),
                "speedup_memoised_vs_day_by_day": round(naive_s / memo_s, 1),
                "per_row_memoised_us": round(memo_s / args.cases * 1e6, 2),
                "recompute_all_open_cases_ms": round(recompute_s * 1000, 1),
                "recompute_per_case_us": round(recompute_s / args.cases * 1e6, 1),
                "cases_moved_by_new_calendar": moved,
                "python": platform.python_version(),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
