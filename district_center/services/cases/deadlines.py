"""The stored due date (``cases.due_date``) that the back office sorts and filters on in SQL.

The 限时办结 due day is the promised date (承诺办结日期) pushed back by the working days the case spent
waiting for 补齐补正 (``casework.acceptance.overdue_status``). It is written on ingest and on every
back-office change (``services.feed.update_case``), so lists and supervision never parse case documents to
order or filter them. While a case waits for a supplement its due day keeps moving; the stored value is the
one of its last change, and the rows shown are recomputed from the document.
"""

from __future__ import annotations

import datetime as dt

from casework import clock
from casework.acceptance import overdue_status
from casework.cases import Case, CaseStatus
from casework.workdays import WorkCalendar

__all__ = ["due_date"]


def due_date(case: Case, calendar: WorkCalendar, today: dt.date | None = None) -> str | None:
    """ISO due day of ``case`` (None: no clock — no promised date yet, refused or withdrawn)."""
    if case.promised_date is None or case.status in (CaseStatus.REFUSED, CaseStatus.WITHDRAWN):
        return None
    if not any(t.to_status is CaseStatus.SUPPLEMENT_REQUESTED for t in case.history):
        return case.promised_date.isoformat()  # nothing paused the clock: no calendar work
    due = overdue_status(case, calendar, today or clock.china_today()).due
    return due.isoformat() if due else None
