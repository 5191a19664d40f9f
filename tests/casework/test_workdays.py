"""Working days across 春节 and 国庆 2026 (调休 from chinesecalendar), provisional 2027, district tables."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.timelimit import TimeLimit, TimeUnit
from casework.workdays import (
    CalendarSource,
    Deadline,
    HolidayTable,
    WorkCalendar,
    add_natural_days,
    add_working_days,
    deadline_for,
    describe_remaining,
    statutory_holidays,
    working_days_between,
)

D = dt.date
CAL = WorkCalendar()


def test_2026_adjusted_saturdays_are_what_chinesecalendar_says() -> None:
    weekend_workdays = sorted(d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5)
    assert weekend_workdays == [
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ]
    for d in weekend_workdays:
        assert CAL.is_working_day(d)


# --- Spring Festival 2026
# chinesecalendar: holidays 2026-02-15 … 02-23; Saturday 02-14 and Saturday 02-28 are working days.


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Fri → the 调休 Saturday
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # then nine days of holiday
        (D(2026, 2, 12), 5, D(2026, 2, 26)),  # 13, 14, 24, 25, 26
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # start on the 调休 Saturday, not counted
        (D(2026, 2, 27), 1, D(2026, 2, 28)),  # Fri → the second 调休 Saturday
        (D(2026, 2, 16), 1, D(2026, 2, 24)),  # started inside the holiday
        (D(2026, 2, 10), 0, D(2026, 2, 10)),  # 即办
    ],
)
def test_spring_festival_2026(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_working_days(start, days) == expected
    assert CAL.add_working_days(start, days) == Deadline(expected, provisional=False)


# --- National Day 2026
# chinesecalendar: 中秋 09-25, 国庆 10-01 … 10-07; Sunday 09-20 and Saturday 10-10 are working days.


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Fri → 调休 Sunday
        (D(2026, 9, 24), 2, D(2026, 9, 29)),  # 中秋 Friday + weekend skipped
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # 8, 9, and 调休 Saturday 10
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        (D(2026, 9, 28), 20, D(2026, 10, 30)),  # 29, 30, 8, 9, 10, then three full weeks
    ],
)
def test_national_day_2026(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_working_days(start, days) == expected


def test_negative_days_raise() -> None:
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        add_natural_days(D(2026, 1, 5), -1)


# --- provisional 2027


def test_statutory_days_2027_follow_the_2025_rules() -> None:
    assert sorted(statutory_holidays(2027)) == [
        D(2027, 1, 1),
        D(2027, 2, 5),
        D(2027, 2, 6),
        D(2027, 2, 7),
        D(2027, 2, 8),  # lunar New Year's eve + 3 days
        D(2027, 4, 5),  # 清明
        D(2027, 5, 1),
        D(2027, 5, 2),
        D(2027, 6, 9),  # 端午 (lunar 5-5)
        D(2027, 9, 15),  # 中秋 (lunar 8-15)
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
    ]


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_are_official_holidays_in_published_years(year: int) -> None:
    assert len(statutory_holidays(year)) == 13
    for d in statutory_holidays(year):
        assert chinese_calendar.is_holiday(d), d


def test_2027_is_provisional_and_flagged() -> None:
    assert CAL.source(2026) is CalendarSource.BUILTIN
    assert CAL.source(2027) is CalendarSource.PROVISIONAL
    assert CAL.add_working_days(D(2027, 2, 4), 1) == Deadline(D(2027, 2, 9), provisional=True)
    # the module-level function returns the provisional date without the flag
    assert add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 9)
    # crossing into 2027 flags the result; staying in 2026 does not
    assert CAL.add_working_days(D(2026, 12, 31), 1) == Deadline(D(2027, 1, 4), provisional=True)
    assert CAL.add_working_days(D(2026, 12, 30), 1) == Deadline(D(2026, 12, 31), provisional=False)
    assert "暂定" in CAL.add_working_days(D(2027, 2, 4), 1).label()


# A hypothetical district publication for 2027 (test data, not the real State Council notice): 春节 off
# Feb 5–11 with Saturday Feb 13 as a working day.
TABLE_2027 = HolidayTable(
    year=2027,
    holidays=frozenset({D(2027, 1, 1)} | {D(2027, 2, d) for d in range(5, 12)}),
    workdays=frozenset({D(2027, 2, 13)}),
    source="测试用区级节假日安排",
)


def test_published_2027_table_replaces_the_provisional_result() -> None:
    provisional = CAL.add_working_days(D(2027, 2, 4), 1)
    published = CAL.with_table(TABLE_2027)
    assert published.source(2027) is CalendarSource.PUBLISHED
    final = published.add_working_days(D(2027, 2, 4), 1)
    assert final == Deadline(D(2027, 2, 12), provisional=False)
    assert final != provisional
    assert published.add_working_days(D(2027, 2, 12), 1) == Deadline(D(2027, 2, 13), provisional=False)
    # the original calendar is unchanged (immutable)
    assert CAL.source(2027) is CalendarSource.PROVISIONAL


def test_published_table_overrides_chinesecalendar() -> None:
    local = HolidayTable(2026, frozenset({D(2026, 3, 2)}), source="测试：地方补充假日")
    cal = WorkCalendar.of([local])
    assert not cal.is_working_day(D(2026, 3, 2))
    assert not cal.is_working_day(D(2026, 2, 14))  # the table replaces the whole year, 调休 included


def test_holiday_table_round_trip_and_validation() -> None:
    assert HolidayTable.from_dict(TABLE_2027.to_dict()) == TABLE_2027
    with pytest.raises(ValueError, match="outside 2027"):
        HolidayTable(2027, frozenset({D(2026, 12, 31)}))
    with pytest.raises(ValueError, match="both"):
        HolidayTable(2027, frozenset({D(2027, 2, 13)}), frozenset({D(2027, 2, 13)}))
    with pytest.raises(ValueError, match="Saturdays or Sundays"):
        HolidayTable(2027, frozenset(), frozenset({D(2027, 2, 10)}))


# --- other arithmetic


def test_natural_days() -> None:
    assert add_natural_days(D(2026, 9, 30), 3) == D(2026, 10, 3)
    # as a legal deadline, a last day inside the holiday moves to the next working day
    assert CAL.add_natural_days(D(2026, 9, 30), 3) == Deadline(D(2026, 10, 8), False)
    assert CAL.add_natural_days(D(2026, 9, 30), 3, roll_forward=False) == Deadline(D(2026, 10, 3), False)


def test_deadline_for_time_limits() -> None:
    assert deadline_for(D(2026, 9, 30), TimeLimit(3)) == Deadline(D(2026, 10, 10), False)
    assert deadline_for(D(2026, 9, 30), TimeLimit(3, TimeUnit.NATURAL_DAY)) == Deadline(D(2026, 10, 8), False)
    assert deadline_for(D(2026, 12, 25), TimeLimit(10)).provisional


def test_working_days_between_and_texts() -> None:
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert describe_remaining(D(2026, 9, 30), D(2026, 10, 9)) == "还剩2个工作日"
    assert describe_remaining(D(2026, 10, 9), D(2026, 10, 9)) == "今天到期"
    assert describe_remaining(D(2026, 10, 14), D(2026, 10, 9)) == "已超期4个工作日"  # 10 (调休), 12, 13, 14


@given(st.dates(D(2025, 1, 1), D(2027, 10, 1)), st.integers(0, 40))
def test_between_inverts_add(start: dt.date, n: int) -> None:
    due = CAL.add_working_days(start, n).date
    assert CAL.working_days_between(start, due) == n
    assert n == 0 or CAL.is_working_day(due)
