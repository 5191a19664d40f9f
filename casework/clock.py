"""The one clock: what time it is, which day it is in China, and how times are written.

Stations and the district center work in Beijing time (``Asia/Shanghai``, UTC+8 all year). Every "now" and
every "today" in all five packages comes from here; nothing else reads the host clock or its time zone, so
a host set to UTC, to ``America/Los_Angeles`` or to ``Asia/Shanghai`` gives the same answers::

    now()                   # aware UTC datetime, from the injected clock
    timestamp()             # the same as seconds since the epoch (request signatures)
    china_today()           # the China calendar day of now(): the day 受理, deadlines and tiles count from
    china_date(at)          # the China day of any instant
    to_china(at)            # the instant in Beijing time (for display)
    iso_z(at)               # "2026-11-22T17:00:00Z": how the protocol and the stores write instants
    parse_instant(text)     # the inverse (also takes "+08:00" offsets); naive text is refused
    china_day_bounds(day)   # [start, end) of a China day as UTC instants: "accepted today" queries
    format_datetime(at)     # "2026-11-23 01:00" (Beijing time) for the UI and the PDFs
    format_date(day)        # "2026年11月23日" for documents; format_date(day, "en") -> "23 Nov 2026"

Tests and tools move the clock with :func:`use_clock` (a context manager) or :func:`set_clock`::

    with use_clock(fixed(dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.UTC))):   # 23:30 Beijing
        assert china_today() == dt.date(2026, 11, 22)

A clock is any callable returning an aware datetime; :func:`fixed` and :func:`offset` build the common ones.
The environment variable ``BIANMIN_CLOCK_OFFSET_SECONDS`` (read once, at import) shifts the system clock for
a whole process and its children — how the test suite runs real station and center processes at 23:30
Beijing time. It is a test hook: a real station has no reason to set it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

__all__ = [
    "CHINA",
    "OFFSET_ENV",
    "UTC",
    "Clock",
    "china_date",
    "china_day_bounds",
    "china_today",
    "fixed",
    "format_date",
    "format_datetime",
    "iso_z",
    "now",
    "offset",
    "parse_instant",
    "set_clock",
    "system_clock",
    "timestamp",
    "to_china",
    "use_clock",
]

UTC = dt.UTC
#: Beijing time. ``tzdata`` is a dependency so Windows, which ships no zone database, has it too.
CHINA = ZoneInfo("Asia/Shanghai")
OFFSET_ENV = "BIANMIN_CLOCK_OFFSET_SECONDS"

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """The host's clock, as an aware UTC datetime (the only place that reads it)."""
    return dt.datetime.now(UTC)


def offset(seconds: float, base: Clock = system_clock) -> Clock:
    """A clock running ``seconds`` ahead of ``base`` (behind if negative)."""
    delta = dt.timedelta(seconds=seconds)
    return lambda: base() + delta


def fixed(at: dt.datetime) -> Clock:
    """A clock that always says ``at`` (which must be aware)."""
    _require_aware(at)
    frozen = at.astimezone(UTC)
    return lambda: frozen


def _initial() -> Clock:
    raw = os.environ.get(OFFSET_ENV, "").strip()
    if not raw:
        return system_clock
    try:
        return offset(float(raw))
    except ValueError:
        raise ValueError(f"{OFFSET_ENV} must be a number of seconds, got {raw!r}") from None


_clock: Clock = _initial()


def set_clock(clock: Clock) -> Clock:
    """Make ``clock`` the process's clock; returns the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Run a block under ``clock``, then put the previous clock back."""
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def now() -> dt.datetime:
    """The current instant: aware, in UTC."""
    at = _clock()
    _require_aware(at)
    return at.astimezone(UTC)


def timestamp() -> float:
    """Seconds since the epoch on the injected clock (request signatures, skew checks)."""
    return now().timestamp()


def to_china(at: dt.datetime) -> dt.datetime:
    """``at`` in Beijing time. Naive datetimes are refused: a time without a zone is a bug here."""
    _require_aware(at)
    return at.astimezone(CHINA)


def china_date(at: dt.datetime) -> dt.date:
    """The China calendar day of an instant: 2026-11-22T16:30Z is 2026-11-23."""
    return to_china(at).date()


def china_today() -> dt.date:
    """Today in China: the day a case accepted now is accepted on."""
    return china_date(now())


def china_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants ``[start, end)`` of the China day ``day`` (00:00 to 24:00 Beijing time)."""
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=CHINA)
    return start.astimezone(UTC), (start + dt.timedelta(days=1)).astimezone(UTC)


def iso_z(at: dt.datetime) -> str:
    """UTC ISO-8601 with whole seconds and ``Z``, as the protocol and the stores write instants."""
    _require_aware(at)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str) -> dt.datetime:
    """An ISO-8601 instant (``Z`` or an offset) as an aware UTC datetime. Raises ``ValueError`` for text
    without a zone: it cannot say which instant it means."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time without a time zone: {text!r}")
    return value.astimezone(UTC)


def format_datetime(at: dt.datetime, *, seconds: bool = False) -> str:
    """Beijing wall time for people: ``"2026-11-23 01:00"`` (with ``:SS`` when ``seconds``)."""
    return to_china(at).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: dt.date, language: str = "zh_CN") -> str:
    """A date on a document: ``"2026年11月23日"`` (``zh_CN``) or ``"23 Nov 2026"`` (``en``)."""
    if language == "en":
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: every time here carries its zone (use casework.clock)")
