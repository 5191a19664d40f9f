"""Accepted at any instant ⇒ the promised date is the oracle's working-day sum from the China date of 受理.

The oracle (``calendar_samples.oracle_add``) steps one day at a time over chinesecalendar, the district's
tables and a hand-written list of 2027's statutory days; it shares no code with ``WorkCalendar``. Instants
cover every hour (the UTC date differs from the China date from 16:00 to 24:00 UTC), a 调休 Saturday, the
Spring Festival of 2026 and 2027, the turn of 2026→2027, and a provisional 2027 replaced by a published one.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casework import clock
from casework.acceptance import accept
from casework.deadlines import recompute_deadlines
from casework.timelimit import TimeLimit
from casework.workdays import WorkCalendar

from .calendar_samples import TEST_2027, moved_2026, oracle_add, oracle_working_day
from .case_helpers import CATALOG, FORM, HOUSEHOLD, ID_CARD, INCOME, ITEM_A, new_case

UTC = dt.UTC
instants = st.datetimes(
    min_value=dt.datetime(2025, 12, 20), max_value=dt.datetime(2027, 6, 30), timezones=st.just(UTC)
)
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _accepted(at: dt.datetime, days: int, calendar: WorkCalendar):  # type: ignore[no-untyped-def]
    """An ITEM_A case whose item promises ``days`` working days, accepted (受理) at ``at``."""
    from dataclasses import replace

    from casework.cases import MaterialRecord, Satisfaction

    item = replace(ITEM_A, promised_limit=TimeLimit(days))
    catalog = replace(CATALOG, items=tuple(item if i.code == item.code else i for i in CATALOG.items))
    case = new_case(at=at)
    for m in (ID_CARD, FORM, HOUSEHOLD, INCOME):
        case.set_material(
            MaterialRecord(m.code, m.name, Satisfaction.ORIGINAL_VERIFIED, ("ab" * 32,), "w"), at=at
        )
    accept(case, catalog, calendar, actor="w-01", at=at)
    return case, catalog


@SETTINGS
@given(at=instants, days=st.integers(min_value=0, max_value=25))
@example(at=dt.datetime(2026, 2, 12, 16, 30, tzinfo=UTC), days=1)  # 00:30 on Fri 02-13: due Sat 02-14 (调休)
@example(at=dt.datetime(2026, 2, 13, 15, 59, tzinfo=UTC), days=2)  # 23:59 on 02-13: across 春节 to 02-24
@example(at=dt.datetime(2026, 12, 30, 16, 0, tzinfo=UTC), days=3)  # 00:00 on 12-31: into 2027
@example(at=dt.datetime(2027, 2, 3, 17, 0, tzinfo=UTC), days=2)  # 春节 2027, provisional
@example(at=dt.datetime(2026, 11, 22, 23, 59, tzinfo=UTC), days=0)  # 即办 on 11-23 (Mon)
def test_builtin_calendar_matches_the_oracle(at: dt.datetime, days: int) -> None:
    case, _ = _accepted(at, days, WorkCalendar())
    start = clock.china_date(at)
    assert case.clock_start == start
    assert case.promised_date == oracle_add(start, days)
    assert case.promised_date_provisional == (case.promised_date.year >= 2027 and days > 0)


@SETTINGS
@given(at=instants, days=st.integers(min_value=0, max_value=25))
@example(at=dt.datetime(2026, 12, 20, 16, 30, tzinfo=UTC), days=5)  # Mon 12-21: Sat 12-26 works here
@example(at=dt.datetime(2026, 10, 8, 17, 0, tzinfo=UTC), days=2)  # Sat 10-10 rests here
@example(at=dt.datetime(2027, 1, 7, 16, 0, tzinfo=UTC), days=1)  # Fri 01-08 → the working Sat 01-09
def test_district_tables_match_the_oracle(at: dt.datetime, days: int) -> None:
    tables = {2026: moved_2026(), 2027: TEST_2027}
    case, _ = _accepted(at, days, WorkCalendar(tables, 3))
    assert case.promised_date == oracle_add(clock.china_date(at), days, tables)
    assert not case.promised_date_provisional and case.calendar_version == 3


@SETTINGS
@given(
    at=st.datetimes(
        min_value=dt.datetime(2026, 11, 1), max_value=dt.datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=40),
)
@example(at=dt.datetime(2026, 12, 20, 16, 30, tzinfo=UTC), days=15)  # 高龄津贴 on 12-21: 01-12 → 01-09
def test_provisional_2027_is_replaced_by_the_published_one(at: dt.datetime, days: int) -> None:
    before = WorkCalendar({2026: moved_2026()}, 1)
    case, catalog = _accepted(at, days, before)
    start = clock.china_date(at)
    assert case.promised_date == oracle_add(start, days, {2026: moved_2026()})
    after = WorkCalendar({2026: moved_2026(), 2027: TEST_2027}, 2)
    change = recompute_deadlines(case, after, at=at, today=start, previous=before, catalog=catalog)
    assert change is not None and case.calendar_version == 2
    expected = oracle_add(start, days, {2026: moved_2026(), 2027: TEST_2027})
    assert case.promised_date == expected and not case.promised_date_provisional
    moved = change.promised
    if expected.year >= 2027:  # a provisional date always changes (at least its 暂定 flag)
        assert moved is not None and moved.old_provisional and moved.new == expected
    else:
        assert moved is None and not change.moved


@pytest.mark.parametrize("start", [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(0, 546, 7)])
def test_memoised_arithmetic_equals_day_by_day_counting(start: dt.date) -> None:
    """The per-year index of WorkCalendar gives what stepping one day at a time gives, across years."""
    tables = {2026: moved_2026(), 2027: TEST_2027}
    cal = WorkCalendar(tables)
    for days in (0, 1, 5, 23, 60, 120):
        due = cal.add_working_days(start, days).date
        assert due == oracle_add(start, days, tables)
        assert cal.working_days_between(start, due) == days
        assert cal.working_days_between(due, start) == -days
    for offset in range(0, 40):
        day = start + dt.timedelta(days=offset)
        assert cal.is_working_day(day) == oracle_working_day(day, tables)
