"""Working days (工作日) for time limits (限时办结): official holidays, 调休 working weekends, and years
nobody has published yet.

Where a year's calendar comes from, best first:

1. a :class:`HolidayTable` the district published (区政务服务中心 publishes the State Council notice, or a
   local correction);
2. the ``chinesecalendar`` package (import ``chinese_calendar``), which holds the State Council
   arrangements, 调休 included, for the years it knows (2004–2026 in 1.11) and raises for later ones;
3. a **provisional** computation: Saturdays and Sundays plus the statutory days of the 2025 rules
   (元旦 1 day, 春节 4 days from lunar New Year's eve, 清明 1, 劳动节 May 1–2, 端午 1, 中秋 1, 国庆 Oct 1–3),
   the lunar dates coming from the ``holidays`` package. It knows no 调休, so it is flagged: every result
   that looked at a provisional day says ``provisional=True``, and the case and its receipt must show it
   (暂定) and recompute when the district publishes that year.

>>> cal = WorkCalendar()
>>> cal.add_working_days(dt.date(2026, 2, 13), 1)    # Fri before 春节; Sat 2-14 is a 调休 workday
Deadline(date=datetime.date(2026, 2, 14), provisional=False)
>>> add_working_days(dt.date(2026, 9, 30), 3)        # 国庆 Oct 1–7, Oct 10 (Sat) is a workday
datetime.date(2026, 10, 10)

The start day is never counted (民法典 §201: 开始的当日不计入; 行政许可法 §82: 期限以工作日计算，不含法定
节假日). Time excluded by law (检验/检测/鉴定/专家评审/听证) is the caller's to add. The module-level
:func:`add_working_days` uses the default calendar (no district tables) and **returns the provisional date**
for unknown years without saying so; code that stores or prints a deadline must use
:meth:`WorkCalendar.add_working_days` or :func:`deadline_for`, which carry the flag.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

import chinese_calendar
import holidays

from casework.timelimit import TimeLimit, TimeUnit

__all__ = [
    "DEFAULT_CALENDAR",
    "CalendarSource",
    "Deadline",
    "HolidayTable",
    "WorkCalendar",
    "add_natural_days",
    "add_working_days",
    "deadline_for",
    "describe_remaining",
    "statutory_holidays",
    "working_days_between",
]

_ONE_DAY = dt.timedelta(days=1)


class CalendarSource(StrEnum):
    """Where the calendar of a year came from."""

    PUBLISHED = "区级发布"  # a district HolidayTable
    BUILTIN = "国务院安排"  # the chinesecalendar package
    PROVISIONAL = "暂定"  # weekends + statutory days, no 调休


@lru_cache(maxsize=1)
def _builtin_years() -> frozenset[int]:
    known = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return frozenset(known)


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The statutory holidays (法定节假日) of ``year`` under the 2025 rules, without 调休 or substitute days.

    >>> sorted(d.isoformat() for d in statutory_holidays(2027))[:5]
    ['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08']
    """
    table = holidays.country_holidays("CN", years=year, observed=False)
    # `holidays` also lists the State Council's substitute days off for years it knows; those are not
    # statutory days and would make a "provisional" year look better informed than it is.
    return frozenset(d for d, name in table.items() if not str(name).startswith("Day off"))


@dataclass(frozen=True, slots=True)
class HolidayTable:
    """One year's official arrangement as the district publishes it (放假安排).

    ``holidays``: every day off that would otherwise be a working day or is a holiday (weekends inside a
    holiday block may be listed or not — weekends are rest days anyway); ``workdays``: the 调休 Saturdays and
    Sundays that are working days. ``source`` names the notice, e.g. "国办发明电〔2026〕7号".

    Raises ``ValueError`` on dates outside ``year``, a day in both sets, or a "workday" that is not a weekend.
    """

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date] = frozenset()
    source: str = ""

    def __post_init__(self) -> None:
        stray = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if stray:
            raise ValueError(f"dates outside {self.year}: {', '.join(d.isoformat() for d in stray)}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"dates both holiday and workday: {', '.join(d.isoformat() for d in both)}")
        weekday_work = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekday_work:
            raise ValueError(
                "adjusted workdays must be Saturdays or Sundays: "
                + ", ".join(d.isoformat() for d in weekday_work)
            )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "workdays": sorted(d.isoformat() for d in self.workdays),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HolidayTable:
        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            raise ValueError(f"holiday table year must be an integer, got {year!r}")
        source = data.get("source", "")
        if not isinstance(source, str):
            raise ValueError("holiday table source must be a string")
        return cls(
            year=year,
            holidays=_dates(data.get("holidays", []), "holidays"),
            workdays=_dates(data.get("workdays", []), "workdays"),
            source=source,
        )


def _dates(values: object, name: str) -> frozenset[dt.date]:
    if not isinstance(values, list):
        raise ValueError(f"{name} must be a list of ISO dates")
    out: set[dt.date] = set()
    for v in values:
        if not isinstance(v, str):
            raise ValueError(f"{name}: {v!r} is not an ISO date string")
        out.add(dt.date.fromisoformat(v))
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed date and whether any day behind it came from a provisional (unpublished) year."""

    date: dt.date
    provisional: bool = False

    def label(self) -> str:
        """For receipts: ``"2027年02月10日（暂定，以当年节假日安排为准）"``."""
        text = f"{self.date.year}年{self.date.month:02d}月{self.date.day:02d}日"
        return text + "（暂定，以当年节假日安排为准）" if self.provisional else text


@dataclass(frozen=True, slots=True)
class _Year:
    """One year of a calendar, computed once: ``flags[i]`` whether day ``i`` (0 = 1 January) is a working
    day, ``cum[i]`` how many working days there are from 1 January to day ``i`` inclusive."""

    flags: bytes
    cum: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.cum[-1]


_MEMO_LOCK = threading.Lock()
_MEMOS: dict[frozenset[tuple[int, HolidayTable]], dict[int, _Year]] = {}
_MEMO_CAP = 16
_MAX_YEARS = 200  # add_working_days gives up rather than loop forever on a calendar with no working day


def _memo_for(tables: Mapping[int, HolidayTable]) -> dict[int, _Year]:
    """The process-wide per-year memo shared by every calendar with these tables (a new publication has
    other tables, so it starts a fresh memo; the oldest memo goes when more than a few are alive)."""
    key = frozenset(tables.items())
    with _MEMO_LOCK:
        memo = _MEMOS.get(key)
        if memo is None:
            if len(_MEMOS) >= _MEMO_CAP:
                del _MEMOS[next(iter(_MEMOS))]
            memo = _MEMOS[key] = {}
        return memo


def _day_index(day: dt.date) -> int:
    return day.toordinal() - dt.date(day.year, 1, 1).toordinal()


@dataclass(frozen=True)
class WorkCalendar:
    """Working-day arithmetic over published tables > chinesecalendar > provisional.

    Immutable: :meth:`with_table` returns a new calendar, so a deadline computed before a publication can be
    recomputed and compared after it. ``version`` is the district calendar version the tables came from
    (``0``: none published, the built-in tables only); cases record it with their promised dates.

    Memoised: the first question about a year computes that whole year once (which days work, and a running
    count), and every calendar built from the same tables shares it process-wide. After that
    :meth:`is_working_day` is a lookup, :meth:`working_days_between` a subtraction and
    :meth:`add_working_days` a binary search, so a list that counts working days for every row of a year's
    cases costs little more than reading them (``bench/workdays.py``).
    """

    tables: Mapping[int, HolidayTable] = field(default_factory=dict)
    version: int = 0
    _years: dict[int, _Year] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_years", _memo_for(self.tables))

    @classmethod
    def of(cls, tables: Iterable[HolidayTable], version: int = 0) -> WorkCalendar:
        """A calendar from published tables; a later table for the same year replaces an earlier one."""
        return cls({t.year: t for t in tables}, version)

    def with_table(self, table: HolidayTable, version: int | None = None) -> WorkCalendar:
        return WorkCalendar({**self.tables, table.year: table}, self.version if version is None else version)

    def source(self, year: int) -> CalendarSource:
        if year in self.tables:
            return CalendarSource.PUBLISHED
        if year in _builtin_years():
            return CalendarSource.BUILTIN
        return CalendarSource.PROVISIONAL

    def is_provisional(self, day: dt.date) -> bool:
        return self.source(day.year) is CalendarSource.PROVISIONAL

    def _compute_working_day(self, day: dt.date) -> bool:
        source = self.source(day.year)
        if source is CalendarSource.PUBLISHED:
            return self.tables[day.year].is_working_day(day)
        if source is CalendarSource.BUILTIN:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            first = dt.date(year, 1, 1)
            days = dt.date(year + 1, 1, 1).toordinal() - first.toordinal()
            flags = bytes(self._compute_working_day(first + dt.timedelta(days=i)) for i in range(days))
            found = self._years[year] = _Year(flags, tuple(itertools.accumulate(flags)))
        return found

    def is_working_day(self, day: dt.date) -> bool:
        """工作日: not a weekend or official holiday, or a 调休 working weekend."""
        return bool(self._year(day.year).flags[_day_index(day)])

    def add_working_days(self, start: dt.date, days: int) -> Deadline:
        """The ``days``-th working day after ``start`` (start not counted); ``days == 0`` gives ``start``
        (即办). Raises ``ValueError`` for negative ``days``."""
        if days < 0:
            raise ValueError(f"days must not be negative: {days}")
        if days == 0:
            return Deadline(start, False)
        year, info = start.year, self._year(start.year)
        target = info.cum[_day_index(start)] + days
        for _ in range(_MAX_YEARS):
            if target <= info.total:
                day = dt.date(year, 1, 1) + dt.timedelta(days=bisect.bisect_left(info.cum, target))
                break
            target -= info.total
            year += 1
            info = self._year(year)
        else:
            raise ValueError(f"no {days}th working day within {_MAX_YEARS} years of {start}")
        first = start + _ONE_DAY
        provisional = any(
            self.source(y) is CalendarSource.PROVISIONAL for y in range(first.year, day.year + 1)
        )
        return Deadline(day, provisional)

    def add_natural_days(self, start: dt.date, days: int, *, roll_forward: bool = True) -> Deadline:
        """``start + days`` calendar days. With ``roll_forward`` (the default, 民法典 §203: a period whose
        last day is a 法定休假日 ends on the day after the holiday) a last day that is not a working day
        moves to the next working day."""
        if days < 0:
            raise ValueError(f"days must not be negative: {days}")
        day = start + dt.timedelta(days=days)
        if not roll_forward:
            return Deadline(day, False)
        provisional = self.is_provisional(day)
        while not self.is_working_day(day):
            day += _ONE_DAY
            provisional = provisional or self.is_provisional(day)
        return Deadline(day, provisional)

    def deadline_for(self, start: dt.date, limit: TimeLimit) -> Deadline:
        """The deadline of a 办结时限 counted from ``start`` (the 受理 day, or for 代收 the day the
        jurisdiction received the file)."""
        if limit.unit is TimeUnit.WORKING_DAY:
            return self.add_working_days(start, limit.amount)
        return self.add_natural_days(start, limit.amount)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days ``d`` with ``a < d <= b``; negative (``-count(b < d <= a)``) when ``b < a``.

        So ``working_days_between(s, add_working_days(s, n).date) == n``, ``working_days_between(today, due)``
        is what is left, and its negation after the due date is how far overdue a case is.
        """
        if b < a:
            return -self.working_days_between(b, a)
        first = self._year(a.year)
        if a.year == b.year:
            return first.cum[_day_index(b)] - first.cum[_day_index(a)]
        count = first.total - first.cum[_day_index(a)]
        count += sum(self._year(y).total for y in range(a.year + 1, b.year))
        return count + self._year(b.year).cum[_day_index(b)]

    def span_is_provisional(self, a: dt.date, b: dt.date) -> bool:
        """Whether any day in ``[min(a,b), max(a,b)]`` lies in a provisional year."""
        lo, hi = min(a, b), max(a, b)
        return any(self.source(y) is CalendarSource.PROVISIONAL for y in range(lo.year, hi.year + 1))


DEFAULT_CALENDAR = WorkCalendar()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` on the default calendar (start day not counted).

    For years chinesecalendar does not know this returns the **provisional** date silently; use
    :meth:`WorkCalendar.add_working_days` to learn whether it is provisional.
    """
    return DEFAULT_CALENDAR.add_working_days(start, days).date


def add_natural_days(start: dt.date, days: int) -> dt.date:
    """Plain calendar arithmetic, ``start + days`` (no holiday roll-forward; see
    :meth:`WorkCalendar.add_natural_days` for the legal deadline)."""
    if days < 0:
        raise ValueError(f"days must not be negative: {days}")
    return start + dt.timedelta(days=days)


def deadline_for(start: dt.date, limit: TimeLimit, calendar: WorkCalendar = DEFAULT_CALENDAR) -> Deadline:
    """The flagged deadline of ``limit`` counted from ``start``: see :meth:`WorkCalendar.deadline_for`."""
    return calendar.deadline_for(start, limit)


def working_days_between(a: dt.date, b: dt.date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> int:
    """See :meth:`WorkCalendar.working_days_between`."""
    return calendar.working_days_between(a, b)


def describe_remaining(today: dt.date, due: dt.date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> str:
    """Chinese text for overdue displays: "还剩2个工作日", "今天到期", "已超期3个工作日".

    A due date on a rest day with no working day between today and it reads as "今天到期" until it passes.
    """
    left = calendar.working_days_between(today, due)
    if left > 0:
        return f"还剩{left}个工作日"
    if today <= due:
        return "今天到期"
    late = -left
    return f"已超期{late}个工作日" if late else "已超期（节假日内）"
