"""Holiday calendar publishing (节假日安排): the district signs the years stations compute deadlines with.

One signed ``calendar`` envelope carries every year the district has published; each publication bumps its
version; every ``holiday_calendars`` row then holds that newest envelope (``published_at`` / ``published_by``
say when each year was last (re)published). Payload::

    {"tables": [casework.workdays.HolidayTable.to_dict(), ...]}   # sorted by year

Input files for one year (``district-center calendar publish 2027 FILE``):

* JSON — ``HolidayTable.to_dict()``: ``{"year": 2027, "holidays": ["2027-01-01", …], "workdays": [...],
  "source": "国办发明电〔2026〕N号"}``;
* CSV — header ``date,kind`` (optionally ``,name``); ``kind`` is ``holiday``/``放假`` or ``workday``/``上班``
  (调休上班日).

:func:`builtin_tables` gives the years the ``chinesecalendar`` package knows (the State Council notices), for
the bootstrap publication.

:func:`district_calendar` is the calendar the center counts with everywhere (ingest's due days, the back
office lists, supervision, 差评回访 deadlines, 代收 clock starts): the newest publication, as a
``casework.workdays.WorkCalendar`` carrying its version, parsed once per publication (the working-day
arithmetic itself is memoised inside ``WorkCalendar``). Publishing recomputes the promised dates of every
open case in the same transaction (:mod:`district_center.services.cases.recompute`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import clock
from casework.clock import iso_z
from casework.errors import DomainError
from casework.workdays import HolidayTable, WorkCalendar
from district_center.db.engine import Database
from district_center.db.models import HolidayCalendar
from district_center.keys import DistrictKeys
from district_center.services.audit import audit
from sync.protocol import sign_envelope

__all__ = [
    "CalendarError",
    "builtin_tables",
    "calendar_signed",
    "district_calendar",
    "parse_holiday_file",
    "publish_tables",
    "published_tables",
]

DEFAULT_VALID_DAYS = 400
_HOLIDAY_WORDS = {"holiday", "放假", "休息", "假日"}
_WORKDAY_WORDS = {"workday", "上班", "调休上班", "工作日"}


class CalendarError(DomainError, ValueError):
    """A holiday file or publication refused (``center.calendar.*``)."""

    code = "center.calendar.refused"


def parse_holiday_file(year: int, filename: str, data: bytes, *, source: str = "") -> HolidayTable:
    """One year's table from a JSON (HolidayTable format) or CSV (``date,kind``) file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarError("center.calendar.not_utf8") from None
    try:
        if filename.lower().endswith(".json"):
            raw = json.loads(text)
            if not isinstance(raw, dict):
                raise CalendarError("center.calendar.json_not_object")
            raw.setdefault("year", year)
            if source:
                raw["source"] = source
            table = HolidayTable.from_dict(raw)
        else:
            holidays: set[dt.date] = set()
            workdays: set[dt.date] = set()
            reader = csv.DictReader(io.StringIO(text))
            if not reader.fieldnames or not {"date", "kind"} <= set(reader.fieldnames):
                raise CalendarError("center.calendar.csv_header")
            for line, row in enumerate(reader, start=2):
                kind = (row.get("kind") or "").strip()
                try:
                    day = dt.date.fromisoformat((row.get("date") or "").strip())
                except ValueError:
                    raise CalendarError(
                        "center.calendar.bad_date", line=line, value=str(row.get("date"))
                    ) from None
                if kind in _HOLIDAY_WORDS:
                    holidays.add(day)
                elif kind in _WORKDAY_WORDS:
                    workdays.add(day)
                else:
                    raise CalendarError("center.calendar.bad_kind", line=line, kind=kind)
            table = HolidayTable(year, frozenset(holidays), frozenset(workdays), source)
    except CalendarError:
        raise
    except ValueError as exc:
        raise CalendarError("center.calendar.invalid", problem=str(exc)) from None
    if table.year != year:
        raise CalendarError("center.calendar.year_mismatch", file_year=table.year, year=year)
    if not table.holidays:
        raise CalendarError("center.calendar.no_holidays", year=year)
    return table


def builtin_tables(first_year: int | None = None) -> list[HolidayTable]:
    """The State Council arrangements the ``chinesecalendar`` package holds (from ``first_year`` on)."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    out = []
    for year in years:
        if first_year is not None and year < first_year:
            continue
        out.append(
            HolidayTable(
                year,
                frozenset(d for d in chinese_calendar.holidays if d.year == year),
                frozenset(d for d in chinese_calendar.workdays if d.year == year),
                f"国务院办公厅关于{year}年部分节假日安排的通知"
                f"（chinesecalendar {chinese_calendar.__version__}）",
            )
        )
    return out


def published_tables(db: Database) -> tuple[int, dict[int, HolidayTable]]:
    """(newest calendar envelope version, the tables it holds by year); (0, {}) when none published."""
    with db.read_session() as s:
        return _published(s)


def _published(s: Session) -> tuple[int, dict[int, HolidayTable]]:
    calendar = district_calendar(s)
    return calendar.version, dict(calendar.tables)


# One parsed calendar per publication: keyed by the envelope's signature, which differs whenever the
# content does (several centers — tests, tools — may share one process).
_PARSED: dict[str, WorkCalendar] = {}
_PARSED_LOCK = threading.Lock()


def district_calendar(s: Session) -> WorkCalendar:
    """The working-day calendar the center counts with: the district's newest publication, with its
    ``version`` (chinesecalendar / provisional for the years it leaves out; version 0 and the built-in
    tables before any publication)."""
    # every row holds the newest envelope (publish_tables rewrites them all in one transaction), so one row
    # is enough — this runs on every back-office case list and rating, and each row holds every year
    newest = s.scalar(
        select(HolidayCalendar.document)
        .order_by(HolidayCalendar.published_at.desc(), HolidayCalendar.year.desc())
        .limit(1)
    )
    if newest is None:
        return WorkCalendar()
    key = str(newest.get("signature", ""))
    with _PARSED_LOCK:
        found = _PARSED.get(key)
    if found is None:
        tables = [HolidayTable.from_dict(t) for t in newest["payload"]["tables"]]
        found = WorkCalendar.of(tables, int(newest["version"]))
        with _PARSED_LOCK:
            if len(_PARSED) >= 16:
                _PARSED.clear()
            _PARSED[key] = found
    return found


def calendar_signed(s: Session, signature: str | None) -> WorkCalendar:
    """:func:`district_calendar` when the caller already read the newest envelope's ``signature`` in its
    own transaction (``services.cases.ingest`` does, with the catalog version, in one statement): the
    parsed calendar of that publication without reading the envelope again; a publication not parsed
    yet (or no signature read) goes the full way."""
    if signature is not None:
        with _PARSED_LOCK:
            found = _PARSED.get(signature)
        if found is not None:
            return found
    return district_calendar(s)


def publish_tables(
    db: Database,
    keys: DistrictKeys,
    tables: Sequence[HolidayTable],
    *,
    actor: str,
    now: datetime | None = None,
    valid_days: int = DEFAULT_VALID_DAYS,
    moved: list[Any] | None = None,
) -> dict[str, Any]:
    """Publish ``tables`` (replacing those years) together with every year published before; returns the
    signed envelope dict. In the same transaction every open case gets its promised dates recomputed under
    the new calendar (one audit entry and one ``deadline_changed`` feed event per case whose dates moved);
    ``moved``, when given, receives their ``casework.deadlines.Recomputed`` changes."""
    from district_center.services.cases.recompute import recompute_open_cases  # cases import this module

    if not tables:
        raise CalendarError("center.calendar.no_years")
    now = (now or clock.now()).replace(microsecond=0)
    with db.session() as s:
        previous = district_calendar(s)
        version, current = previous.version, dict(previous.tables)
        for t in tables:
            current[t.year] = t
        payload = {"tables": [current[y].to_dict() for y in sorted(current)]}
        envelope = sign_envelope(
            keys.signing,
            kind="calendar",
            version=version + 1,
            payload=payload,
            issued_at=iso_z(now),
            expires_at=iso_z(now + timedelta(days=valid_days)),
            key_id=keys.key_id,
        ).to_dict()
        for t in tables:
            row = s.get(HolidayCalendar, t.year)
            if row is None:
                s.add(
                    HolidayCalendar(
                        year=t.year, document=envelope, published_at=now, published_by=actor[:100]
                    )
                )
            else:
                row.published_at, row.published_by = now, actor[:100]
        # every row holds the newest envelope, so whichever row the center serves is current
        for row in s.scalars(select(HolidayCalendar)).all():
            row.document = envelope
        calendar = WorkCalendar.of(current.values(), version + 1)
        changes = recompute_open_cases(s, calendar, previous=previous, actor=actor, at=now)
        if moved is not None:
            moved.extend(changes)
        audit(
            s,
            actor,
            "calendar.publish",
            f"calendar:{version + 1}",
            years=sorted(t.year for t in tables),
            key_id=keys.key_id,
            cases_moved=len(changes),
        )
    return envelope
