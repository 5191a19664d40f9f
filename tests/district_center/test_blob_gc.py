"""Blob GC of verified blobs no case references (``services/attachments/gc.py``): a replaced scan goes after
the grace period, a scan a case names again or a station just uploaded stays, a swept scan is uploaded
again. On SQLite with the local store, and on PostgreSQL with a real S3 server (SeaweedFS)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from casework import clock
from district_center.db.models import Attachment, CaseAttachment, UploadSession
from district_center.devtools.server import RunningCenter, running_center
from district_center.devtools.station_client import StationIdentity, enroll_station, station_http
from district_center.keys import generate_keys, write_public_file
from district_center.services.attachments import gc
from district_center.services.attachments.s3store import S3BlobStore
from district_center.services.stations.registry import create_station
from district_center.settings import Settings
from sync.protocol import HEADER_TOTAL_SIZE

from .conftest import make_case, push

GRACE = dt.timedelta(days=7)


@pytest.fixture(params=["sqlite-local", "postgres-s3"])
def gc_center(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningCenter]:
    data_dir = tmp_path / "center"
    data_dir.mkdir()
    write_public_file(data_dir, generate_keys())
    extra: dict[str, Any] = {}
    if request.param == "postgres-s3":
        extra["database_url"] = request.getfixturevalue("postgres_server").create_database("gc")
        extra.update(request.getfixturevalue("s3_server").settings(bucket=f"gc-{uuid.uuid4().hex[:10]}"))
    settings = Settings(data_dir=data_dir, jobs_tick_seconds=0, blob_grace_days=7, **extra)
    with running_center(settings) as center:
        assert isinstance(center.center.blobs, S3BlobStore) == (request.param == "postgres-s3")
        yield center


def _station(center: RunningCenter, name: str) -> tuple[StationIdentity, httpx.Client]:
    with center.db.session() as s:
        code = create_station(s, name).code
    station = enroll_station(center.url, code, name=name)
    return station, station_http(center.url, station)


def _upload(http: httpx.Client, scan: bytes) -> str:
    sha = hashlib.sha256(scan).hexdigest()
    resp = http.put(
        f"/api/v1/attachments/{sha}?offset=0", content=scan, headers={HEADER_TOTAL_SIZE: str(len(scan))}
    )
    assert resp.status_code == 200 and resp.json()["complete"] is True, resp.text
    return sha


def _collect(center: RunningCenter, now: dt.datetime) -> dict[str, Any]:
    return gc.collect(center.db, center.center.blobs, now=now, grace=GRACE)


def _held(center: RunningCenter, sha: str) -> bool:
    with center.db.read_session() as s:
        row = s.get(Attachment, sha)
    exists = center.center.blobs.exists(sha)
    assert exists == (row is not None), "the row and its blob go together"
    return exists


def test_a_replaced_scan_goes_after_the_grace_period_and_comes_back_by_upload(
    gc_center: RunningCenter,
) -> None:
    station, http = _station(gc_center, "换件站")
    old_scan = os.urandom(40_000)
    old, new = _upload(http, old_scan), _upload(http, os.urandom(40_000))
    first = make_case(station, attachments=(old,))
    assert push(http, first)[0]["status"] == "accepted"
    replaced = make_case(station, attachments=(new,), case_id=first["id"], version=2)
    assert push(http, replaced)[0]["status"] == "accepted"
    with gc_center.db.read_session() as s:  # the case's links are its latest version's references
        assert set(s.scalars(select(CaseAttachment.sha256))) == {new}

    now = clock.now()
    first_run = _collect(gc_center, now)
    assert first_run["marked"] == 1 and first_run["swept"] == 0
    assert _held(gc_center, old)  # marked only: within the grace period nothing goes
    assert _collect(gc_center, now + dt.timedelta(days=3))["swept"] == 0

    later = _collect(gc_center, now + GRACE + dt.timedelta(hours=1))
    assert later["swept"] == 1
    assert not _held(gc_center, old) and _held(gc_center, new)
    assert http.get(f"/api/v1/attachments/{old}").status_code == 404  # its session went with it
    assert http.get(f"/api/v1/attachments/{new}").json()["complete"] is True

    back = make_case(station, attachments=(old,), case_id=first["id"], version=3)
    refused = push(http, back)[0]
    assert refused["status"] == "rejected" and "尚未收到 1 个附件" in refused["reason"]
    assert _upload(http, old_scan) == old  # the station uploads it again (status said 404)
    assert push(http, back)[0]["status"] == "accepted"
    assert b"".join(gc_center.center.blobs.read(old)) == old_scan
    http.close()


def test_a_scan_named_again_or_just_uploaded_stays(gc_center: RunningCenter) -> None:
    first, http1 = _station(gc_center, "甲站")
    second, http2 = _station(gc_center, "乙站")
    scan = os.urandom(30_000)
    sha = _upload(http1, scan)
    now = clock.now()
    assert _collect(gc_center, now)["marked"] == 1  # uploaded, no case names it yet

    assert push(http1, make_case(first, attachments=(sha,)))[0]["status"] == "accepted"
    revived = _collect(gc_center, now + GRACE * 2)
    assert revived["revived"] == 1 and revived["swept"] == 0 and _held(gc_center, sha)

    # a scan unreferenced for a month that another station has just uploaded: its case is on the way
    lonely = os.urandom(20_000)
    lonely_sha = _upload(http1, lonely)
    month_ago = now - dt.timedelta(days=30)
    with gc_center.db.session() as s:
        s.execute(
            update(Attachment).where(Attachment.sha256 == lonely_sha).values(unreferenced_since=month_ago)
        )
        s.execute(
            update(UploadSession)
            .where(UploadSession.sha256 == lonely_sha)
            .values(updated_at=month_ago, completed_at=month_ago)
        )
    assert _upload(http2, lonely) == lonely_sha
    assert _collect(gc_center, clock.now())["swept"] == 0
    assert push(http2, make_case(second, attachments=(lonely_sha,)))[0]["status"] == "accepted"
    assert b"".join(gc_center.center.blobs.read(lonely_sha)) == lonely
    http1.close()
    http2.close()


def test_the_sweep_waits_for_a_batch_that_is_taking_the_scan(
    postgres_server: Any, s3_server: Any, tmp_path: Path
) -> None:
    """PostgreSQL + S3: a batch that read the scan's row FOR SHARE (as ingest does to take an upload as
    proven) holds the sweep until it commits; the sweep then sees the new reference and keeps the blob."""
    data_dir = tmp_path / "center"
    data_dir.mkdir()
    write_public_file(data_dir, generate_keys())
    settings = Settings(
        data_dir=data_dir,
        jobs_tick_seconds=0,
        database_url=postgres_server.create_database("gcrace"),
        **s3_server.settings(bucket=f"gcr-{uuid.uuid4().hex[:10]}"),
    )
    with running_center(settings) as center:
        station, http = _station(center, "竞争站")
        case = make_case(station)
        assert push(http, case)[0]["status"] == "accepted"
        sha = _upload(http, os.urandom(25_000))
        month_ago = clock.now() - dt.timedelta(days=30)
        with center.db.session() as s:  # unreferenced for a month, its upload as old: due for the sweep
            s.execute(update(Attachment).where(Attachment.sha256 == sha).values(unreferenced_since=month_ago))
            s.execute(
                update(UploadSession)
                .where(UploadSession.sha256 == sha)
                .values(updated_at=month_ago, completed_at=month_ago)
            )
        result: list[dict[str, Any]] = []
        sweeper = threading.Thread(target=lambda: result.append(_collect(center, clock.now())))
        with center.db.session() as batch:
            shared = select(Attachment.sha256).where(Attachment.sha256 == sha).with_for_update(read=True)
            assert batch.scalars(shared).all() == [sha]
            sweeper.start()
            sweeper.join(timeout=3)
            assert sweeper.is_alive(), "the sweep waits for the batch's lock"
            batch.add(CaseAttachment(case_id=case["id"], sha256=sha))  # the batch links it, then commits
        sweeper.join(timeout=60)
        assert result and result[0]["swept"] == 0
        assert _held(center, sha)
        assert http.get(f"/api/v1/attachments/{sha}").json()["complete"] is True
        http.close()
