"""Two center instances (separate ``district-center serve`` processes) on one PostgreSQL and one S3 server
(SeaweedFS) serve the same stations: an upload started on one resumes on the other, a case pushed to one
is read from the other (sealed with the shared key-encryption key), and each periodic job runs once although
both instances tick every second."""

from __future__ import annotations

import base64
import hashlib
import os
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import func, select

from district_center.db.engine import Database
from district_center.db.models import AuditLog, JobRun
from district_center.devtools.seaweed import S3Server
from district_center.devtools.server import center_process
from district_center.devtools.station_client import enroll_station, station_http
from district_center.keys import generate_keys, write_public_file
from district_center.services.attachments.gc import BACKFILL_JOB
from district_center.services.jobs import JOBS
from district_center.services.stations.registry import create_station
from district_center.services.vault import Keyring, Vault
from district_center.services.vault.kek import LocalKek
from sync.protocol import HEADER_TOTAL_SIZE

from .conftest import make_case, push

pytestmark = pytest.mark.postgres


def test_two_instances_share_uploads_cases_and_run_each_job_once(
    postgres_server, s3_server: S3Server, tmp_path: Path
) -> None:
    url = postgres_server.create_database("multi")
    kek = os.urandom(32)
    env = {
        "CENTER_DATABASE_URL": url,
        "CENTER_KEK": base64.b64encode(kek).decode(),
        "CENTER_JOBS_TICK_SECONDS": "1",
        **{
            f"CENTER_{k.upper()}": str(v)
            for k, v in s3_server.settings(bucket=f"multi-{uuid.uuid4().hex[:8]}").items()
        },
    }
    keys = generate_keys()
    dirs = [tmp_path / name for name in ("a", "b")]
    for d in dirs:
        d.mkdir()
        write_public_file(d, keys)
    with ExitStack() as stack:
        a, b = (stack.enter_context(center_process(d, {**env, "CENTER_INSTANCE_NAME": d.name})) for d in dirs)
        db = Database(url, pool_size=2)
        stack.callback(db.dispose)
        with db.session() as s:
            code = create_station(s, "多实例站").code
        station = enroll_station(b, code, name="多实例站")
        at_a, at_b = station_http(a, station), station_http(b, station)
        stack.callback(at_a.close)
        stack.callback(at_b.close)

        scan = os.urandom(2_500_000)
        sha = hashlib.sha256(scan).hexdigest()
        headers = {HEADER_TOTAL_SIZE: str(len(scan))}
        first = at_a.put(f"/api/v1/attachments/{sha}?offset=0", content=scan[:1_048_576], headers=headers)
        assert first.status_code == 200 and first.json()["received"] == 1_048_576
        held = at_b.get(f"/api/v1/attachments/{sha}").json()  # the other instance knows where it stopped
        assert held == {"sha256": sha, "size": len(scan), "received": 1_048_576, "complete": False}
        rest = at_b.put(
            f"/api/v1/attachments/{sha}?offset=1048576", content=scan[1_048_576:], headers=headers
        )
        assert rest.status_code == 200 and rest.json()["complete"] is True
        doc = make_case(station, attachments=(sha,))
        assert push(at_a, doc)[0]["status"] == "accepted"
        copy = at_b.get(f"/api/v1/cases/{doc['id']}").json()["case"]
        assert copy["applicant"]["name"] == "张三"

        time.sleep(5)  # both instances ticked about five times
        with db.read_session() as s:
            runs = {
                r.name: (r.runs, r.instance, r.finished_at is not None) for r in s.scalars(select(JobRun))
            }
            audited = dict(
                s.execute(
                    select(AuditLog.action, func.count())
                    .where(AuditLog.action.like("job.%"))
                    .group_by(AuditLog.action)
                ).all()
            )
        # the blob GC's one-time fill of case_attachments is recorded beside the jobs, done once too
        assert set(runs) == {j.name for j in JOBS} | {BACKFILL_JOB}
        assert all(n == 1 and done for n, _who, done in runs.values()), runs
        assert {who for _n, who, _d in runs.values()} <= {"a", "b"}
        assert audited == {f"job.{j.name}": 1 for j in JOBS}

    # the blob is in the shared bucket, readable with the shared KEK from outside both instances
    from district_center.services.attachments.s3store import open_s3_store

    reader = Database(url, pool_size=1)
    reader.vault = Vault(Keyring(reader, LocalKek(kek))).prepare()
    store = open_s3_store(
        reader.vault,
        endpoint=s3_server.url,
        bucket=env["CENTER_S3_BUCKET"],
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
    )
    assert b"".join(store.read(sha)) == scan
    reader.dispose()
