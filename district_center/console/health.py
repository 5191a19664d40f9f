"""Station health for the stations and supervision pages: status, contact, backlog, versions, errors.

What the center records and where it comes from:

* last contact — ``stations.last_seen_at``, written by ``services.station_auth`` on every signed request;
* backlog — feed events the station has not acknowledged yet (``feed_seq - feed_acked``);
* app version — sent at enrollment; catalog version — the last version the center handed the station
  (``catalog.served`` audit records written by ``GET /api/v1/catalog``; a station that answered 204 already
  had the newest);
* recent sync errors — ``sync.rejected`` audit records written by the ingest for refused case versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import clock
from district_center.db.models import AuditLog, CaseRecord, Station
from district_center.services.catalog.current import latest_catalog_version

QUIET_HOURS = 24
ERROR_DAYS = 7


def station_health(s: Session, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or clock.now()
    published = latest_catalog_version(s)
    errors_since = now - dt.timedelta(days=ERROR_DAYS)
    error_rows = s.execute(
        select(AuditLog.actor, AuditLog.at, AuditLog.details)
        .where(AuditLog.action == "sync.rejected", AuditLog.at >= errors_since)
        .order_by(AuditLog.at.desc())
        .limit(500)
    ).all()
    errors: dict[str, list[dict[str, Any]]] = {}
    for actor, at, details in error_rows:
        errors.setdefault(actor.removeprefix("station:"), []).append({"at": at, **(details or {})})
    served: dict[str, int] = {}
    for target, details in s.execute(
        select(AuditLog.target, AuditLog.details)
        .where(AuditLog.action == "catalog.served")
        .order_by(AuditLog.id)
    ).all():
        if target and isinstance(details, dict) and isinstance(details.get("version"), int):
            served[target] = details["version"]
    open_cases = dict(
        s.execute(
            select(CaseRecord.station_id, func.count())
            .where(CaseRecord.status.in_(("queued", "delivered", "in_review", "supplement_requested")))
            .group_by(CaseRecord.station_id)
        ).all()
    )
    out = []
    for st in s.scalars(select(Station).order_by(Station.station_no)):
        catalog_version = served.get(st.id)
        quiet = st.status == "active" and (
            st.last_seen_at is None or now - st.last_seen_at > dt.timedelta(hours=QUIET_HOURS)
        )
        out.append(
            {
                "id": st.id,
                "station_no": st.station_no,
                "name": st.name,
                "jurisdiction": st.jurisdiction,
                "status": st.status,
                "app_version": st.app_version or "—",
                "enrolled_at": st.enrolled_at,
                "last_seen_at": st.last_seen_at,
                "quiet": quiet,
                "backlog": max(0, st.feed_seq - st.feed_acked),
                "catalog_version": catalog_version,
                "catalog_behind": bool(catalog_version and published and catalog_version < published),
                "open_cases": int(open_cases.get(st.id, 0)),
                "errors": errors.get(st.id, [])[:5],
                "error_count": len(errors.get(st.id, [])),
            }
        )
    return out
