"""Ratings (好差评) and their follow-ups (回访整改).

:func:`record_rating` runs in the ingest transaction for every case version that carries a rating: it stores
the rating once (一事一评) and, for 基本满意 and below, opens a follow-up due in
``Settings.followup_working_days`` working days from the rating day (China date), computed with the district's
published holiday calendar, and appends ``followup_opened`` to the accepting station's feed. Supervisors list
and close follow-ups and read the satisfaction statistics.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import clock
from casework.cases import Case, RatingLevel
from district_center.db.models import CaseRecord, FollowUp, RatingRecord
from district_center.services.audit import audit
from district_center.services.cases.backoffice import BackofficeError, Reviewer, followup_dict, station_labels
from district_center.services.cases.feed import append_event
from district_center.services.catalog.calendar import district_calendar
from sync.protocol import EventType

__all__ = ["close_followup", "list_followups", "rating_statistics", "record_rating"]

SATISFIED = (RatingLevel.VERY_SATISFIED.value, RatingLevel.SATISFIED.value)
BAD = (RatingLevel.DISSATISFIED.value, RatingLevel.VERY_DISSATISFIED.value)


def record_rating(s: Session, case_id: str, case: Case, *, working_days: int) -> FollowUp | None:
    """Store the case's rating once (一事一评) and open a follow-up for 基本满意 and below.

    Called by the ingest in the transaction that stored the case version; idempotent."""
    if case.rating is None or s.get(RatingRecord, case_id) is not None:
        return None
    record = s.get(CaseRecord, case_id)
    if record is None:
        return None
    rated_on = clock.china_date(case.rating.at)
    s.add(
        RatingRecord(
            case_id=case_id,
            station_id=record.station_id,
            department=record.department,
            item_code=case.item_code or case.bundle_code,
            level=case.rating.level.value,
            rated_at=case.rating.at,
            month=rated_on.strftime("%Y-%m"),
        )
    )
    if not case.rating.level.needs_follow_up:
        return None
    deadline = district_calendar(s).add_working_days(rated_on, working_days)
    followup = FollowUp(
        case_id=case_id,
        station_id=record.station_id,
        department=record.department,
        item_code=case.item_code or case.bundle_code,
        rating=case.rating.level.value,
        rated_at=case.rating.at,
        due_date=deadline.date.isoformat(),
        status="open",
        opened_at=clock.now(),
        resolution="",
    )
    s.add(followup)
    s.flush()
    append_event(
        s,
        record.station_id,
        EventType.FOLLOWUP_OPENED,
        case_id,
        {
            "followup_id": followup.id,
            "rating": case.rating.level.value,
            "due": followup.due_date,
            "due_provisional": deadline.provisional,
            "reasons": list(case.rating.reasons),
        },
    )
    audit(s, "center", "followup.open", f"case:{case_id}", followup=followup.id, due=followup.due_date)
    return followup


def list_followups(
    s: Session, user: Reviewer, *, status: str | None = "open", today: dt.date | None = None
) -> list[dict[str, Any]]:
    """回访整改 records, earliest due first, each flagged ``overdue`` on ``today``: all for supervisors, their
    own department's for a reviewer (who records the 整改)."""
    if not user.supervisor and not user.reviewer:
        raise BackofficeError("center.ratings.followups_supervisors_only")
    query = select(FollowUp).order_by(FollowUp.due_date, FollowUp.id)
    if not user.supervisor:
        query = query.where(FollowUp.department == user.department)
    if status:
        query = query.where(FollowUp.status == status)
    today = today or clock.china_today()
    return [followup_dict(f, today) for f in s.scalars(query).all()]


def close_followup(s: Session, user: Reviewer, followup_id: int, resolution: str) -> dict[str, Any]:
    """回访整改完成: supervisors close a follow-up with what was done."""
    if not user.supervisor:
        raise BackofficeError("center.ratings.close_supervisors_only")
    if not resolution.strip():
        raise BackofficeError("center.ratings.resolution_required")
    f = s.scalar(select(FollowUp).where(FollowUp.id == followup_id).with_for_update())
    if f is None:
        raise BackofficeError("center.ratings.followup_not_found")
    if f.status != "open":
        raise BackofficeError("center.ratings.followup_closed")
    f.status, f.closed_at, f.closed_by, f.resolution = (
        "closed",
        clock.now(),
        user.actor[:100],
        resolution[:2000],
    )
    if f.rectified_at is None:  # "回访及整改情况": what was done counts as the 整改 (services.rectification)
        f.rectified_at, f.rectified_by, f.rectification = f.closed_at, f.closed_by, f.resolution
    audit(s, user.actor, "followup.close", f"case:{f.case_id}", followup=f.id)
    return followup_dict(f)


def rating_statistics(s: Session, user: Reviewer, *, group: str) -> list[dict[str, Any]]:
    """满意率 by ``item``, ``station`` or ``month``: counts per level, the satisfied rate (非常满意 + 满意)
    and the bad rate (不满意 + 非常不满意), as fractions of all ratings in the group."""
    if not user.supervisor:
        raise BackofficeError("center.ratings.stats_supervisors_only")
    column = {
        "item": RatingRecord.item_code,
        "station": RatingRecord.station_id,
        "month": RatingRecord.month,
    }.get(group)
    if column is None:
        raise BackofficeError("center.ratings.bad_group")
    rows = s.execute(
        select(column, RatingRecord.level, func.count()).group_by(column, RatingRecord.level)
    ).all()
    stations = station_labels(s) if group == "station" else {}
    groups: dict[str, dict[str, int]] = {}
    for key, level, count in rows:
        groups.setdefault(str(key), {})[level] = int(count)
    out = []
    for key in sorted(groups):
        counts = groups[key]
        total = sum(counts.values())
        label = key
        if group == "station" and key in stations:
            label = f"{stations[key][0]} {stations[key][1]}"
        out.append(
            {
                "group": key,
                "label": label,
                "total": total,
                "levels": {lv.value: counts.get(lv.value, 0) for lv in RatingLevel},
                "satisfied_rate": round(sum(counts.get(v, 0) for v in SATISFIED) / total, 4),
                "bad_rate": round(sum(counts.get(v, 0) for v in BAD) / total, 4),
            }
        )
    return out
