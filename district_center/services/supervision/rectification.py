"""差评整改 and the revisit rating (回访评价), and the figures supervision watches: 参评率 and 整改率.

A rating of 基本满意 or below opens a follow-up (:func:`ratings.record_rating`). Then, as seed 003 describes
("分析原因、立查立改", "回访整改率100%"):

* the responsible department records the 整改 — what it changed — in the console
  (:func:`record_rectification`; a reviewer of that department, or a supervisor);
* a revisit (回访) records the resident's second rating, once: at the station when the resident comes back
  (it arrives with the case, :func:`record_station_revisit` in the ingest transaction) or by the center's
  follow-up call (:func:`record_call_revisit`, supervisors). The first rating never changes.

The follow-up closes itself once both are recorded. :func:`record_handover` keeps one row per case handed over
(送达) to the resident, for 参评率.

* **参评率** (rating rate) = cases handed over in the month that carry a rating ÷ cases handed over in the
  month (the hand-over month, China time; a rating given before the hand-over counts too).
* **整改率** (rectification rate) = 差评 of the month with the department's 整改 recorded ÷ 差评 of the month
  (the month the 差评 was given, China time; 差评 = 基本满意 and below, the levels that open a follow-up).

Both per station and per department (:func:`coverage_report`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import clock
from casework.cases import Case, CaseStatus, RatingLevel
from district_center.db.models import CaseRecord, FollowUp, HandoverRecord, RatingRecord
from district_center.services.audit import audit
from district_center.services.cases.backoffice import (
    BackofficeError,
    Reviewer,
    followup_dict,
    seal_comment,
    station_labels,
)

__all__ = [
    "BY",
    "coverage_report",
    "record_call_revisit",
    "record_handover",
    "record_rectification",
    "record_station_revisit",
]

BY = ("station", "department")
NO_DEPARTMENT = "（一件事）"


def _handed_over_at(case: Case) -> dt.datetime | None:
    for step in case.history:
        if step.to_status is CaseStatus.HANDED_OVER:
            return step.at
    return None


def record_handover(s: Session, case_id: str, case: Case) -> None:
    """送达 once per case (the first hand-over the station reported); idempotent, in the ingest
    transaction."""
    at = _handed_over_at(case)
    if at is None or s.get(HandoverRecord, case_id) is not None:
        return
    record = s.get(CaseRecord, case_id)
    if record is None:
        return
    s.add(
        HandoverRecord(
            case_id=case_id,
            station_id=record.station_id,
            department=record.department,
            item_code=case.item_code or case.bundle_code,
            handed_over_at=at,
            month=clock.china_date(at).strftime("%Y-%m"),
        )
    )


def _close_if_done(s: Session, f: FollowUp, actor: str) -> None:
    if f.status == "open" and f.rectified_at is not None and f.second_level is not None:
        f.status, f.closed_at, f.closed_by = "closed", clock.now(), actor[:100]
        f.resolution = (f.rectification or "")[:2000]
        audit(s, actor, "followup.close", f"case:{f.case_id}", followup=f.id, second=f.second_level)


def record_station_revisit(s: Session, case_id: str, case: Case, station_actor: str) -> bool:
    """The second rating the station recorded when the resident came back, stored once on the open
    follow-up. Ignored (audited) when there is no follow-up, one is already stored (the first stays, from
    the station or the call), or it is dated before the first rating. Returns whether it was stored."""
    revisit = case.revisit_rating
    if revisit is None:
        return False
    f = s.scalar(select(FollowUp).where(FollowUp.case_id == case_id).with_for_update())
    if f is None or f.second_level is not None:
        if f is not None and f.second_level != revisit.level.value:
            audit(s, station_actor, "followup.revisit_ignored", f"case:{case_id}", reason="already_recorded")
        return False
    if revisit.at < f.rated_at:
        audit(s, station_actor, "followup.revisit_ignored", f"case:{case_id}", reason="before_rating")
        return False
    f.second_level, f.second_at, f.second_channel = revisit.level.value, revisit.at, "station"
    f.second_by, f.second_comment = station_actor[:100], seal_comment(s, f.id, revisit.comment[:500])
    audit(s, station_actor, "followup.revisit", f"case:{case_id}", followup=f.id, channel="station")
    _close_if_done(s, f, station_actor)
    return True


def _followup_for(s: Session, user: Reviewer, followup_id: int) -> FollowUp:
    f = s.scalar(select(FollowUp).where(FollowUp.id == followup_id).with_for_update())
    if f is None:
        raise BackofficeError("center.ratings.followup_not_found")
    if not user.supervisor and not (user.reviewer and f.department == user.department):
        raise BackofficeError("center.ratings.other_department")
    return f


def record_rectification(s: Session, user: Reviewer, followup_id: int, text: str) -> dict[str, Any]:
    """整改: the responsible department (a reviewer of the follow-up's department, or a supervisor) records
    what it changed, once."""
    f = _followup_for(s, user, followup_id)
    if not text.strip():
        raise BackofficeError("center.ratings.rectification_required")
    if f.rectified_at is not None or f.status != "open":
        raise BackofficeError("center.ratings.already_rectified")
    f.rectified_at, f.rectified_by, f.rectification = clock.now(), user.actor[:100], text.strip()[:2000]
    audit(s, user.actor, "followup.rectify", f"case:{f.case_id}", followup=f.id)
    _close_if_done(s, f, user.actor)
    return followup_dict(f)


def record_call_revisit(
    s: Session, user: Reviewer, followup_id: int, level: str, comment: str = ""
) -> dict[str, Any]:
    """回访 by the center's follow-up call (supervisors): the resident's second rating, once."""
    if not user.supervisor:
        raise BackofficeError("center.ratings.call_supervisors_only")
    try:
        second = RatingLevel(level)
    except ValueError:
        raise BackofficeError("center.ratings.bad_level", level=level[:20]) from None
    f = _followup_for(s, user, followup_id)
    if f.second_level is not None:
        raise BackofficeError("center.ratings.second_rating_recorded")
    if f.status != "open":
        raise BackofficeError("center.ratings.followup_closed")
    f.second_level, f.second_at, f.second_channel = second.value, clock.now(), "call"
    f.second_by, f.second_comment = user.actor[:100], seal_comment(s, f.id, comment.strip()[:500])
    audit(s, user.actor, "followup.revisit", f"case:{f.case_id}", followup=f.id, channel="call")
    _close_if_done(s, f, user.actor)
    return followup_dict(f)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def coverage_report(s: Session, user: Reviewer, *, by: str) -> list[dict[str, Any]]:
    """参评率 and 整改率 by ``station`` or ``department`` and month (supervisors): rows sorted by group then
    month, each ``{group, label, month, delivered, rated, participation_rate, poor, rectified,
    rectification_rate}``; a rate is ``None`` where its denominator is 0."""
    if not user.supervisor:
        raise BackofficeError("center.ratings.stats_supervisors_only")
    if by not in BY:
        raise BackofficeError("center.ratings.bad_coverage_group")
    rows: dict[tuple[str, str], dict[str, int]] = {}

    def bump(key: str | None, month: str, field: str) -> None:
        counts = rows.setdefault((key or NO_DEPARTMENT, month), dict.fromkeys(("d", "r", "p", "x"), 0))
        counts[field] += 1

    handed = s.execute(
        select(
            HandoverRecord.station_id, HandoverRecord.department, HandoverRecord.month, RatingRecord.case_id
        ).outerjoin(RatingRecord, RatingRecord.case_id == HandoverRecord.case_id)
    ).all()
    for station_id, department, month, rated in handed:
        key = station_id if by == "station" else department
        bump(key, month, "d")
        if rated is not None:
            bump(key, month, "r")
    for f in s.scalars(select(FollowUp)).all():
        key = f.station_id if by == "station" else f.department
        month = clock.china_date(f.rated_at).strftime("%Y-%m")
        bump(key, month, "p")
        if f.rectified_at is not None:
            bump(key, month, "x")
    stations = station_labels(s) if by == "station" else {}
    out = []
    for (key, month), c in sorted(rows.items()):
        label = f"{stations[key][0]} {stations[key][1]}" if key in stations else key
        out.append(
            {
                "group": key,
                "label": label,
                "month": month,
                "delivered": c["d"],
                "rated": c["r"],
                "participation_rate": _rate(c["r"], c["d"]),
                "poor": c["p"],
                "rectified": c["x"],
                "rectification_rate": _rate(c["x"], c["p"]),
            }
        )
    return out
