"""District calendars for tests (test data, not State Council notices), and an oracle for working days.

* :func:`moved_2026` — the 2026 arrangement with one 调休 day moved: the working Saturday 2026-10-10 becomes
  a rest day and Saturday 2026-12-26 a working day, so a district calendar differs from the built-in one in
  the last weeks of 2026.
* :data:`TEST_2027` — a 2027 arrangement as a district might publish it (元旦 with a working Saturday
  2027-01-09, 春节 02-05…02-11 with Saturday 02-20 working, 国庆 10-01…10-07 with Saturday 10-09 working).
* :func:`oracle_working_day` / :func:`oracle_add` — working days computed day by day from
  ``chinesecalendar``, the tables and a hand-written list of 2027's statutory days, independently of
  ``casework.workdays.WorkCalendar``.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from casework.workdays import HolidayTable

D = dt.date


def _days(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}


def moved_2026() -> HolidayTable:
    holidays = {d for d in chinese_calendar.holidays if d.year == 2026} | {D(2026, 10, 10)}
    workdays = {d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5}
    workdays = (workdays - {D(2026, 10, 10)}) | {D(2026, 12, 26)}
    return HolidayTable(
        2026, frozenset(holidays), frozenset(workdays), "测试用：2026年调休日调整（非正式通知）"
    )


TEST_2027 = HolidayTable(
    2027,
    frozenset(
        _days(D(2027, 1, 1), D(2027, 1, 3))
        | _days(D(2027, 2, 5), D(2027, 2, 11))
        | {D(2027, 4, 5)}
        | _days(D(2027, 5, 1), D(2027, 5, 5))
        | {D(2027, 6, 9)}
        | _days(D(2027, 9, 15), D(2027, 9, 17))
        | _days(D(2027, 10, 1), D(2027, 10, 7))
    ),
    frozenset({D(2027, 1, 9), D(2027, 2, 20), D(2027, 10, 9)}),
    "测试用：2027年节假日安排（非国务院通知）",
)

#: 2027's statutory days under the 2025 rules (元旦; 春节 from lunar New Year's eve, 4 days; 清明; 劳动节 2;
#: 端午; 中秋; 国庆 3), written out by hand for the oracle.
STATUTORY_2027 = frozenset(
    {
        D(2027, 1, 1),
        D(2027, 2, 5),
        D(2027, 2, 6),
        D(2027, 2, 7),
        D(2027, 2, 8),
        D(2027, 4, 5),
        D(2027, 5, 1),
        D(2027, 5, 2),
        D(2027, 6, 9),
        D(2027, 9, 15),
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
    }
)


def oracle_working_day(day: dt.date, tables: dict[int, HolidayTable]) -> bool:
    table = tables.get(day.year)
    if table is not None:
        return day in table.workdays or (day.weekday() < 5 and day not in table.holidays)
    if day.year <= 2026:
        return bool(chinese_calendar.is_workday(day))
    assert day.year == 2027, "the oracle knows the provisional rules of 2027 only"
    return day.weekday() < 5 and day not in STATUTORY_2027


def oracle_add(start: dt.date, days: int, tables: dict[int, HolidayTable] | None = None) -> dt.date:
    """The ``days``-th working day after ``start`` (start not counted), stepping one day at a time."""
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if oracle_working_day(day, tables or {}):
            left -= 1
    return day
