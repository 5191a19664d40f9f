"""办件 list filters and the home dashboard counts, computed from :class:`CaseRow` s (no store access).

Days are China days (``casework.clock``): 今日受理 counts cases accepted (受理/代收) on today's China date,
"since" filters on the China date of creation, and overdue / due soon look at the 限时办结 due day the row
was built with (the promised date pushed back by 补正 pauses, on the district's calendar). A 即办件 is due
the day it was accepted and is overdue only from the next day while still open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from casework import clock
from casework.acceptance import OverdueState
from casework.cases import CaseStatus
from casework.workdays import WorkCalendar
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
PRESETS = (
    "today",
    "sync_pending",
    "overdue",
    "due_soon",
    "pickup",
    "deferred_overdue",
    "supplement",
    "supplement_overdue",
    "rejected",
)


@dataclass
class CaseFilter:
    text: str = ""
    status: CaseStatus | None = None
    preset: str = ""
    sync: str = ""  # "pending", "rejected", "synced", "local"
    item: str = ""
    since: dt.date | None = None

    def matches(self, r: CaseRow, today: dt.date, calendar: WorkCalendar) -> bool:
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
        if self.since and clock.china_date(r.created_at) < self.since:
            return False
        return not self.preset or preset_matches(self.preset, r, today, calendar)


def _due(r: CaseRow) -> dt.date | None:
    return r.due or r.promised_date


def due_soon(r: CaseRow, today: dt.date, calendar: WorkCalendar, days: int = 2) -> bool:
    due = _due(r)
    if due is None or r.status not in OPEN_STATES or due < today:
        return False
    limit = calendar.add_working_days(today, days).date
    return due <= limit


def preset_matches(preset: str, r: CaseRow, today: dt.date, calendar: WorkCalendar) -> bool:
    if preset == "today":
        accepted = r.accepted_on or clock.china_date(r.created_at)
        return accepted == today and r.status in (ACCEPTED_LIKE | OPEN_STATES)
    if preset == "sync_pending":
        return r.sync == "pending"
    if preset == "rejected":
        return r.sync == "rejected"
    if preset == "overdue":
        due = _due(r)
        return r.overdue == OverdueState.OVERDUE.value or (
            due is not None and due < today and r.status in OPEN_STATES
        )
    if preset == "due_soon":
        return due_soon(r, today, calendar)
    if preset == "pickup":
        return r.status is CaseStatus.RESULT_READY
    if preset == "deferred_overdue":
        return r.deferred_overdue
    if preset == "supplement":  # 待补正: the back office asked for materials, not handed in yet
        return r.status is CaseStatus.SUPPLEMENT_REQUESTED
    if preset == "supplement_overdue":  # …and past the day the request gave
        due = r.supplement_due
        return r.status is CaseStatus.SUPPLEMENT_REQUESTED and due is not None and due < today
    raise ValueError(f"unknown preset {preset!r}")


@dataclass
class Dashboard:
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[CaseRow], today: dt.date, calendar: WorkCalendar) -> Dashboard:
        return cls({p: sum(preset_matches(p, r, today, calendar) for r in rows) for p in PRESETS})


def apply(rows: list[CaseRow], f: CaseFilter, today: dt.date, calendar: WorkCalendar) -> list[CaseRow]:
    return [r for r in rows if f.matches(r, today, calendar)]
