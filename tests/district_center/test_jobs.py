"""The periodic jobs themselves (``services/jobs.py``): each does its work once per interval, on SQLite here
(the two-instance run on PostgreSQL is ``test_instances.py``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from sqlalchemy import func, select

from casework import clock
from district_center.app import open_center
from district_center.db.models import AuditLog, JobRun, StationNonce, UploadSession
from district_center.services.attachments import uploads
from district_center.services.attachments.blobstore import upload_key
from district_center.services.jobs import JOBS, run_due_jobs
from district_center.services.stations.registry import create_station
from district_center.settings import Settings


def test_jobs_run_once_per_interval_and_do_their_work(tmp_path: Path) -> None:
    center = open_center(Settings(data_dir=tmp_path, jobs_tick_seconds=0, upload_session_days=7))
    now = clock.now()
    with center.db.session() as s:
        station_id = create_station(s, "任务站").station_id
        s.add(StationNonce(station_id=station_id, nonce="a" * 32, expires_at=now - dt.timedelta(minutes=1)))
    data = os.urandom(3000)
    sha = hashlib.sha256(data).hexdigest()
    uploads.put_chunk(
        center.db, center.blobs, sha, 0, len(data), data[:1000], station_id=station_id, max_bytes=10**6
    )
    with center.db.session() as s:  # abandoned eight days ago
        s.get(UploadSession, (station_id, sha)).updated_at = now - dt.timedelta(days=8)
    assert center.blobs.size(upload_key(station_id, sha)) == 1000

    assert sorted(run_due_jobs(center, now=now)) == sorted(j.name for j in JOBS)
    assert run_due_jobs(center, now=now + dt.timedelta(minutes=5)) == []  # nothing due yet
    assert sorted(run_due_jobs(center, now=now + dt.timedelta(minutes=11))) == [
        "followup_check",
        "overdue_check",
    ]
    with center.db.read_session() as s:
        assert s.get(UploadSession, (station_id, sha)) is None
        assert s.scalar(select(func.count()).select_from(StationNonce)) == 0
        runs = {r.name: r.runs for r in s.scalars(select(JobRun))}
        gc = s.scalars(select(AuditLog.details).where(AuditLog.action == "job.blob_gc")).one()
    assert not center.blobs.exists(upload_key(station_id, sha))
    assert runs["overdue_check"] == 2 and runs["blob_gc"] == 1
    # the first run also fills case_attachments from stored cases (none here) once, then marks and sweeps
    assert gc == {"abandoned_uploads": 1, "marked": 0, "revived": 0, "swept": 0, "links_backfilled_cases": 0}
    center.db.dispose()
