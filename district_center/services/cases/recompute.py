"""Promised dates after a holiday calendar publication: every open case brought to the new calendar.

The center runs :func:`casework.deadlines.recompute_deadlines` — the function a station runs when the same
calendar reaches it — on each open case (a promised date, not decided, not final), in the publishing
transaction::

    moved = recompute_open_cases(s, calendar, previous=old_calendar, actor="user:3", at=now)

For each case it stores the new document, ``promised_date`` and the 限时办结 due day (``cases.due_date``,
which lists and supervision filter on). Each case whose dates moved gets one audit entry
(``case.deadline_recomputed``) and one ``deadline_changed`` event on the feed of every station holding it
(payload: ``casework.deadlines.deadline_payload`` plus ``due_date`` and ``status``), so a station learns the
center's dates — those of a 代收 case, which the center owns, in particular. Ingest brings a case a station
sent under an older calendar to the center's current one with the same function (``services.cases.ingest``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import clock
from casework.cases import Case, CaseError, CaseStatus
from casework.deadlines import SETTLED, Recomputed, deadline_payload, recompute_deadlines
from casework.workdays import WorkCalendar
from district_center.db.models import CaseRecord
from district_center.services.audit import audit
from district_center.services.cases.deadlines import due_date
from district_center.services.cases.feed import append_event
from district_center.services.catalog.current import current_catalog
from sync.protocol import EventType, case_digest

__all__ = ["OPEN_STATUSES", "recompute_open_cases"]

#: Statuses whose promised dates may still move (their rows are the ones a publication reads).
OPEN_STATUSES = tuple(s.value for s in CaseStatus if s not in SETTLED)


def recompute_open_cases(
    s: Session, calendar: WorkCalendar, *, previous: WorkCalendar, actor: str, at: dt.datetime
) -> list[Recomputed]:
    """Recompute every open case under ``calendar`` (version and tables of the new publication) in the
    caller's transaction; returns the changes of the cases whose dates moved."""
    today = clock.china_date(at)
    catalog = current_catalog(s)
    rows = s.scalars(
        select(CaseRecord)
        .where(CaseRecord.status.in_(OPEN_STATUSES), CaseRecord.promised_date.is_not(None))
        .order_by(CaseRecord.id)
        .with_for_update()
    ).all()
    moved: list[Recomputed] = []
    for record in rows:
        try:
            case = Case.from_dict(record.document)
            change = recompute_deadlines(
                case, calendar, at=at, today=today, previous=previous, catalog=catalog
            )
        except (CaseError, KeyError, TypeError, ValueError):
            continue  # an unreadable document is reported by the lists that show it; dates stay
        if change is None:
            continue
        record.document = case.to_dict()
        record.promised_date = case.promised_date.isoformat() if case.promised_date else None
        record.due_date = due_date(case, calendar, today)
        record.digest = case_digest(record.document)
        record.updated_at = at
        if not change.moved:
            continue
        moved.append(change)
        audit(
            s,
            actor,
            "case.deadline_recomputed",
            f"case:{record.id}",
            calendar_version=calendar.version,
            **{k: v for k, v in change.to_dict().items() if k not in ("case_id", "number")},
        )
        payload = {
            **deadline_payload(case),
            "status": record.status,
            "due_date": record.due_date,
            "reason": f"区政务服务中心发布节假日安排（第{calendar.version}版），承诺办结日期重新计算",
        }
        for station_id in sorted({record.station_id, *([record.routed_to] if record.routed_to else [])}):
            append_event(s, station_id, EventType.DEADLINE_CHANGED, record.id, payload, at=at)
    return moved
