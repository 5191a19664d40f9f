"""限时办结 supervision: the overdue and soon-due open cases, by department and by station."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from sqlalchemy.orm import Session

from casework import clock
from casework.acceptance import CLOCK_RUNNING
from casework.cases import CaseStatus
from district_center.services.cases.backoffice import BackofficeError, Reviewer, list_cases, work_calendar

__all__ = ["deadline_report"]


def deadline_report(
    s: Session, user: Reviewer, *, soon_days: int = 3, today: dt.date | None = None
) -> dict[str, Any]:
    """限时办结: overdue and soon-due (≤ ``soon_days`` working days left) open cases, by department and
    by station, plus the cases themselves (overdue first)."""
    if not user.supervisor:
        raise BackofficeError("center.deadlines.supervisors_only")
    # only a running clock can be overdue or soon due, and only with a due day at most ``soon_days`` working
    # days away: both are filtered in SQL on the stored due day, so only those cases are parsed
    today = today or clock.china_today()
    running = [st.value for st in CaseStatus if st in CLOCK_RUNNING]
    horizon = work_calendar(s).add_working_days(today, soon_days).date.isoformat()
    rows = list_cases(s, user, status=running, due_before=horizon, today=today, limit=sys.maxsize)
    watched = [
        r
        for r in rows
        if r["overdue"]
        or (r["deadline"]["state"] in ("办理中", "今日到期") and r["deadline"]["working_days"] <= soon_days)
    ]
    by_dept: dict[str, dict[str, int]] = {}
    by_station: dict[str, dict[str, int]] = {}
    for r in watched:
        key = "overdue" if r["overdue"] else "soon_due"
        for table, name in ((by_dept, r["department"] or "（一件事）"), (by_station, str(r["station_no"]))):
            bucket = table.setdefault(name, {"overdue": 0, "soon_due": 0})
            bucket[key] += 1
    return {"by_department": by_dept, "by_station": by_station, "cases": watched}
