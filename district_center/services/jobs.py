"""Periodic work that runs **once** across every center instance sharing the database.

Each instance ticks (``Settings.jobs_tick_seconds``) and calls :func:`run_due_jobs`. A job is *claimed* in
one short transaction: on PostgreSQL ``pg_try_advisory_xact_lock`` for the job (another instance holding it
skips, never waits), then the ``job_runs`` row is read and, when the job's interval has passed since its
last start, stamped with this start and this instance; only then does the job run (outside the claim).
Instances with clocks a little apart still run a job once per interval; an instance that dies mid-job
leaves it to the next interval. On SQLite (one instance by definition) ``BEGIN IMMEDIATE`` serialises the
claim the same way.

Jobs (each writes an ``audit_log`` entry ``job.<name>`` with its counts; no personal data):

* ``overdue_check`` — open cases whose 限时办结 due day passed since the last run: one ``case.overdue``
  audit entry each (supervision reads them), every 10 minutes;
* ``followup_check`` — 差评回访 follow-ups past their due day, still open: ``followup.overdue``;
* ``blob_gc`` — upload sessions abandoned for ``upload_session_days`` (never completed): their bytes and
  the session go; verified blobs no case references any more (a replaced scan, a case row gone) go after
  ``blob_grace_days`` unreferenced, mark then sweep (``services.attachments.gc``), hourly;
* ``retention`` — expired request nonces, bearer tokens and enrollment codes, hourly;
* ``rewrap`` — data keys still wrapped by a retired key-encryption key get the current one, hourly.

    ran = run_due_jobs(center)          # names of the jobs this instance ran now
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from casework import clock
from casework.acceptance import CLOCK_RUNNING
from casework.cases import CaseStatus
from district_center.context import Center
from district_center.db.models import (
    AuthToken,
    CaseRecord,
    EnrollmentCode,
    FollowUp,
    JobRun,
    StationNonce,
    UploadSession,
)
from district_center.services.attachments import gc
from district_center.services.attachments.blobstore import upload_key
from district_center.services.audit import audit

__all__ = ["JOBS", "Job", "instance_name", "run_due_jobs"]

log = logging.getLogger("district_center.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Center, datetime, datetime | None], dict[str, Any]]
    """``run(center, now, last_start)`` → counts for the audit entry."""


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(b"bmzz-job\x00" + name.encode()).digest()[:8], "big", signed=True)


def _claim(center: Center, job: Job, now: datetime, instance: str) -> tuple[bool, datetime | None]:
    """(claimed, the previous start)."""
    db = center.db
    try:
        with db.session() as s:
            if db.is_postgres and not s.scalar(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _lock_id(job.name)}
            ):
                return False, None
            row = s.scalar(select(JobRun).where(JobRun.name == job.name).with_for_update())
            if row is None:
                s.add(JobRun(name=job.name, started_at=now, instance=instance, runs=1, result={}))
                return True, None
            if now - row.started_at < job.every:
                return False, None
            previous = row.started_at
            row.started_at, row.finished_at, row.instance, row.runs = now, None, instance, row.runs + 1
            return True, previous
    except IntegrityError:  # another instance inserted the first row at the same moment
        return False, None


def run_due_jobs(center: Center, *, now: datetime | None = None, jobs: list[Job] | None = None) -> list[str]:
    """Run every job whose interval has passed and that no other instance claimed first."""
    now = now or clock.now()
    instance = center.settings.instance_name or instance_name()
    ran: list[str] = []
    for job in jobs or JOBS:
        claimed, previous = _claim(center, job, now, instance)
        if not claimed:
            continue
        try:
            result = job.run(center, now, previous)
        except Exception as exc:  # a failing job must not stop the others; it is tried next interval
            log.exception("job %s failed", job.name)
            result = {"error": type(exc).__name__}
        with center.db.session() as s:
            row = s.get(JobRun, job.name)
            if row is not None and row.instance == instance and row.started_at == now:
                row.finished_at, row.result = clock.now(), result
            audit(s, f"job:{instance}", f"job.{job.name}", job.name, **result)
        ran.append(job.name)
    return ran


# --------------------------------------------------------------------------- the jobs


def _overdue_check(center: Center, now: datetime, previous: datetime | None) -> dict[str, Any]:
    today = clock.china_date(now).isoformat()
    since = clock.china_date(previous).isoformat() if previous else "0000-00-00"
    running = [st.value for st in CaseStatus if st in CLOCK_RUNNING]
    with center.db.session() as s:
        ids = s.scalars(
            select(CaseRecord.id).where(
                CaseRecord.status.in_(running), CaseRecord.due_date < today, CaseRecord.due_date >= since
            )
        ).all()
        for case_id in ids:
            audit(s, "job:overdue_check", "case.overdue", f"case:{case_id}")
    return {"newly_overdue": len(ids)}


def _followup_check(center: Center, now: datetime, previous: datetime | None) -> dict[str, Any]:
    today = clock.china_date(now).isoformat()
    since = clock.china_date(previous).isoformat() if previous else "0000-00-00"
    with center.db.session() as s:
        rows = s.execute(
            select(FollowUp.id, FollowUp.case_id).where(
                FollowUp.status == "open", FollowUp.due_date < today, FollowUp.due_date >= since
            )
        ).all()
        for followup_id, case_id in rows:
            audit(s, "job:followup_check", "followup.overdue", f"case:{case_id}", followup=followup_id)
    return {"newly_overdue_followups": len(rows)}


def _blob_gc(center: Center, now: datetime, previous: datetime | None) -> dict[str, Any]:
    cutoff = now - timedelta(days=center.settings.upload_session_days)
    with center.db.read_session() as s:
        stale = s.execute(
            select(UploadSession.station_id, UploadSession.sha256).where(
                UploadSession.complete.is_(False), UploadSession.updated_at < cutoff
            )
        ).all()
    for station_id, sha in stale:
        center.blobs.delete(upload_key(station_id, sha))
        with center.db.session() as s:
            s.execute(
                delete(UploadSession).where(
                    UploadSession.station_id == station_id,
                    UploadSession.sha256 == sha,
                    UploadSession.complete.is_(False),
                    UploadSession.updated_at < cutoff,
                )
            )
    grace = timedelta(days=center.settings.blob_grace_days)
    instance = center.settings.instance_name or instance_name()
    swept = gc.collect(center.db, center.blobs, now=now, grace=grace, instance=instance)
    return {"abandoned_uploads": len(stale), **swept}


def _retention(center: Center, now: datetime, previous: datetime | None) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    with center.db.session() as s:
        conn = s.connection()
        for name, statement in (
            ("nonces", delete(StationNonce).where(StationNonce.expires_at < now)),
            ("tokens", delete(AuthToken).where(AuthToken.expires_at < now)),
            (
                "enrollment_codes",
                delete(EnrollmentCode).where(EnrollmentCode.expires_at < now - timedelta(days=30)),
            ),
        ):
            counts[name] = conn.execute(statement).rowcount
    return counts


def _rewrap(center: Center, now: datetime, previous: datetime | None) -> dict[str, Any]:
    vault = center.db.vault
    return {"rewrapped": vault.keyring.rewrap() if vault is not None else 0}


JOBS: list[Job] = [
    Job("overdue_check", timedelta(minutes=10), _overdue_check),
    Job("followup_check", timedelta(minutes=10), _followup_check),
    Job("blob_gc", timedelta(hours=1), _blob_gc),
    Job("retention", timedelta(hours=1), _retention),
    Job("rewrap", timedelta(hours=1), _rewrap),
]
