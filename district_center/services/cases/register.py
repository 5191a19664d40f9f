"""帮办代办登记 (assisted and proxy filings): who helped whom, when, where and with what authority.

:func:`record_assisted_filing` runs in the ingest transaction: a case that arrives with an agent (代理人, or a
station worker acting as 帮办员) gets one register row, once — station, department, item, the kind of
helper, the authority (授权委托书 scan, kinship stated, or in person at the window), the worker number and the
filing time. What the station sent is checked, never trusted: an unknown authority is kept as
``unstated``; the 委托书 scan is a ``BlobRef`` the station must have uploaded, like every scan. Who the
helper and the applicant are stays in the sealed case document; :func:`list_register` opens it for the
rows a user may see (a department reviewer only their department's, supervisors all) and masks ID numbers.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import clock
from casework.cases import Case, CaseStatus
from casework.clock import iso_z
from casework.identity import AUTHORITIES, mask_id_number
from district_center.db.models import AssistedFiling, CaseRecord
from district_center.services.cases.backoffice import BackofficeError, Reviewer, station_labels

__all__ = ["UNSTATED", "list_register", "record_assisted_filing"]

UNSTATED = "unstated"
_MONTH = re.compile(r"\d{4}-\d{2}")
LIMIT = 1000


def _filed_at(case: Case) -> Any:
    for step in case.history:
        if step.from_status is CaseStatus.DRAFT:
            return step.at
    return case.created_at


def record_assisted_filing(s: Session, case_id: str, case: Case) -> None:
    """One register row per case filed with an agent or a 帮办员; idempotent."""
    agent = case.agent
    if agent is None or case.status is CaseStatus.DRAFT or s.get(AssistedFiling, case_id) is not None:
        return
    record = s.get(CaseRecord, case_id)
    if record is None:
        return
    authority = agent.authority_kind if agent.authority_kind in AUTHORITIES else UNSTATED
    scan = agent.authority_scan.sha256 if agent.authority_scan is not None else None
    at = _filed_at(case)
    s.add(
        AssistedFiling(
            case_id=case_id,
            station_id=record.station_id,
            department=record.department,
            item_code=case.item_code or case.bundle_code,
            helper_kind="worker" if agent.is_station_worker else "agent",
            authority=authority,
            worker_id=(agent.worker_id.strip()[:64] or None) if agent.is_station_worker else None,
            authority_sha256=scan,
            filed_at=at,
            month=clock.china_date(at).strftime("%Y-%m"),
        )
    )


def list_register(
    s: Session,
    user: Reviewer,
    *,
    station_id: str = "",
    month: str = "",
    kind: str = "",
    number: str = "",
) -> list[dict[str, Any]]:
    """Register rows, newest first (at most :data:`LIMIT`), filtered by station, month (YYYY-MM), helper kind
    (``worker`` | ``agent``) and 办件编号 (a part of it)."""
    if not user.supervisor and not user.reviewer:
        raise BackofficeError("center.register.forbidden")
    if (month and not _MONTH.fullmatch(month)) or kind not in ("", "worker", "agent"):
        raise BackofficeError("center.register.bad_filter")
    query = (
        select(AssistedFiling, CaseRecord)
        .join(CaseRecord, CaseRecord.id == AssistedFiling.case_id)
        .order_by(AssistedFiling.filed_at.desc(), AssistedFiling.case_id)
        .limit(LIMIT)
    )
    if not user.supervisor:
        query = query.where(AssistedFiling.department == user.department)
    if station_id:
        query = query.where(AssistedFiling.station_id == station_id)
    if month:
        query = query.where(AssistedFiling.month == month)
    if kind:
        query = query.where(AssistedFiling.helper_kind == kind)
    if number:
        query = query.where(CaseRecord.number.contains(number.strip()[:64], autoescape=True))
    stations = station_labels(s)
    out = []
    for row, record in s.execute(query).all():
        doc = record.document
        agent: dict[str, Any] = doc.get("agent") or {}
        applicant: dict[str, Any] = doc.get("applicant") or {}
        station = stations.get(row.station_id)
        out.append(
            {
                "case_id": row.case_id,
                "number": record.number,
                "station_id": row.station_id,
                "station": f"{station[0]} {station[1]}" if station else row.station_id,
                "department": row.department,
                "item_code": row.item_code,
                "helper_kind": row.helper_kind,
                "helper_name": str(agent.get("name") or ""),
                "helper_id": mask_id_number(str(agent.get("id_number") or "")),
                "relation": str(agent.get("relation") or ""),
                "worker_id": row.worker_id or "",
                "authority": row.authority,
                "authority_sha256": row.authority_sha256,
                "applicant_name": str(applicant.get("name") or ""),
                "filed_at": iso_z(row.filed_at),
                "month": row.month,
            }
        )
    return out
