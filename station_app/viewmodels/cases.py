"""办件 list filters and the home dashboard counts, computed from :class:`CaseRow` s (no store access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from casework import clock
from casework.acceptance import OverdueState
from casework.cases import CaseStatus
from casework.workdays import DEFAULT_CALENDAR, WorkCalendar
from station_app.services.cases import CaseRow

ACCEPTED_LIKE = frozenset({CaseStatus.ACCEPTED, CaseStatus.COLLECTED})
OPEN_STATES = frozenset(
    {
        CaseStatus.ACCEPTED,
        CaseStatus.COLLECTED,
        CaseStatus.QUEUED,
        CaseStatus.DELIVERED,
        CaseStatus.IN_REVIEW,
        CaseStatus.SUPPLEMENT_REQUESTED,
    }
)

# Named filters the home tiles open.
PRESETS = ("today", "sync_pending", "overdue", "due_soon", "pickup", "deferred_overdue", "rejected")


@dataclass
class CaseFilter:
    text: str = ""
    status: CaseStatus | None = None
    preset: str = ""
    sync: str = ""  # "pending", "rejected", "synced", "local"
    item: str = ""
    since: dt.date | None = None

    def matches(self, r: CaseRow, today: dt.date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> bool:
        if self.text:
            q = self.text.strip().lower()
            if q not in r.number.lower() and q not in r.applicant.lower() and q not in r.name.lower():
                return False
        if self.status is not None and r.status is not self.status:
            return False
        if self.sync and r.sync != self.sync:
            return False
        if self.item and self.item not in r.name:
            return False
        if self.since and r.created_at.date() < self.since:
            return False
        return not self.preset or preset_matches(self.preset, r, today, calendar)


def due_soon(r: CaseRow, today: dt.date, calendar: WorkCalendar, days: int = 2) -> bool:
    if r.promised_date is None or r.status not in OPEN_STATES or r.promised_date < today:
        return False
    limit = calendar.add_working_days(today, days).date
    return r.promised_date <= limit


def preset_matches(
    preset: str, r: CaseRow, today: dt.date, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> bool:
    if preset == "today":
        return clock.china_date(r.created_at) == today and r.status in (ACCEPTED_LIKE | OPEN_STATES)
    if preset == "sync_pending":
        return r.sync == "pending"
    if preset == "rejected":
        return r.sync == "rejected"
    if preset == "overdue":
        return r.overdue == OverdueState.OVERDUE.value or (
            r.promised_date is not None and r.promised_date < today and r.status in OPEN_STATES
        )
    if preset == "due_soon":
        return due_soon(r, today, calendar)
    if preset == "pickup":
        return r.status is CaseStatus.RESULT_READY
    if preset == "deferred_overdue":
        return r.deferred_overdue
    raise ValueError(f"unknown preset {preset!r}")


@dataclass
class Dashboard:
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls, rows: list[CaseRow], today: dt.date, calendar: WorkCalendar = DEFAULT_CALENDAR
    ) -> Dashboard:
        return cls({p: sum(preset_matches(p, r, today, calendar) for r in rows) for p in PRESETS})


def apply(
    rows: list[CaseRow], f: CaseFilter, today: dt.date, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> list[CaseRow]:
    return [r for r in rows if f.matches(r, today, calendar)]
