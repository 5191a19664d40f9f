"""Blobs on a real S3 server (SeaweedFS on loopback, SigV4): the store's contract, a center serving uploads
from S3, and ``district-center blobs migrate --to s3`` (resumable, verified). No mock of S3."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from district_center.app import open_blob_store
from district_center.cli import main
from district_center.db.engine import Database
from district_center.devtools.seaweed import S3Server
from district_center.devtools.server import running_center
from district_center.devtools.station_client import enroll_station, station_http
from district_center.keys import generate_keys, write_public_file
from district_center.services.attachments.blobstore import RECORD_BYTES, BlobError, promote, upload_key
from district_center.services.attachments.s3store import PART_BYTES, S3BlobStore, s3_client
from district_center.services.stations.registry import create_station
from district_center.services.vault import open_vault
from district_center.settings import Settings
from sync.protocol import HEADER_TOTAL_SIZE

from .conftest import make_case, push


@pytest.fixture
def store(s3_server: S3Server, tmp_path: Path) -> Iterator[S3BlobStore]:
    settings = Settings(
        data_dir=tmp_path, **s3_server.settings(bucket=f"t-{uuid.uuid4().hex[:10]}")
    ).resolved()
    db = Database(settings.database_url, pool_size=2)
    db.upgrade()
    db.vault = open_vault(settings, db)
    blobs = open_blob_store(settings, db.vault)
    assert isinstance(blobs, S3BlobStore)
    yield blobs
    db.dispose()


def _objects(store: S3BlobStore) -> dict[str, bytes]:
    listing = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    return {
        o["Key"]: store.client.get_object(Bucket=store.bucket, Key=o["Key"])["Body"].read() for o in listing
    }


def test_append_resume_promote_and_read_back(store: S3BlobStore) -> None:
    data = os.urandom(2 * RECORD_BYTES + 12345)
    sha = hashlib.sha256(data).hexdigest()
    staged = upload_key("station-1", sha)
    assert store.size(staged) == 0 and not store.exists(staged)
    held = 0
    for start in range(0, len(data), 700_000):
        held = store.append(staged, data[start : start + 700_000])
        assert store.size(staged) == held  # the resume point comes from the store itself
    assert held == len(data)
    promote(store, staged, sha)
    assert not store.exists(staged) and store.size(sha) == len(data)
    assert b"".join(store.read(sha)) == data
    # encrypted before it leaves the center: no window of the plaintext, no digest or station in any name
    objects = _objects(store)
    assert objects and all(data[5000:5032] not in body for body in objects.values())
    assert all(sha not in key and "station-1" not in key for key in objects)
    store.delete(sha)
    assert not store.exists(sha) and _objects(store) == {}
    with pytest.raises(BlobError):
        b"".join(store.read(sha))


def test_a_large_blob_goes_up_in_multipart_parts(store: S3BlobStore) -> None:
    data = os.urandom(PART_BYTES * 2 + RECORD_BYTES // 3)
    assert store.put_stream(
        "big", iter([data[i : i + 300_000] for i in range(0, len(data), 300_000)])
    ) == len(data)
    assert store.size("big") == len(data)
    head = store.client.head_object(Bucket=store.bucket, Key=store._whole("big"))
    assert "-" in head["ETag"]  # a multipart ETag (<md5>-<parts>)
    assert hashlib.sha256(b"".join(store.read("big"))).digest() == hashlib.sha256(data).digest()


def test_a_tampered_object_is_refused(store: S3BlobStore) -> None:
    store.put("k", b"scan bytes" * 1000)
    key = store._whole("k")
    body = bytearray(store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read())
    body[-5] ^= 1
    store.client.put_object(Bucket=store.bucket, Key=key, Body=bytes(body))
    with pytest.raises(BlobError):
        b"".join(store.read("k"))


def test_wrong_credentials_are_refused(s3_server: S3Server) -> None:
    client = s3_client(s3_server.url, s3_server.access_key, "not-the-secret")
    with pytest.raises(ClientError):
        client.list_buckets()


def test_a_center_on_s3_takes_uploads_and_serves_cases(s3_server: S3Server, tmp_path: Path) -> None:
    data_dir = tmp_path / "center"
    data_dir.mkdir()
    write_public_file(data_dir, generate_keys())
    settings = Settings(data_dir=data_dir, **s3_server.settings(bucket=f"c-{uuid.uuid4().hex[:10]}"))
    with running_center(settings) as center:
        with center.db.session() as s:
            code = create_station(s, "S3站").code
        station = enroll_station(center.url, code, name="S3站")
        http = station_http(center.url, station)
        scan = os.urandom(1_500_000)
        sha = hashlib.sha256(scan).hexdigest()
        for offset in (0, 1_000_000):
            chunk = scan[offset : offset + 1_000_000]
            resp = http.put(
                f"/api/v1/attachments/{sha}?offset={offset}",
                content=chunk,
                headers={HEADER_TOTAL_SIZE: str(len(scan))},
            )
            assert resp.status_code == 200, resp.text
        assert resp.json()["complete"] is True
        assert push(http, make_case(station, attachments=(sha,)))[0]["status"] == "accepted"
        assert isinstance(center.center.blobs, S3BlobStore)
        assert b"".join(center.center.blobs.read(sha)) == scan
        http.close()


def test_blobs_migrate_to_s3_is_verified_and_resumable(
    s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "center"
    data_dir.mkdir()
    write_public_file(data_dir, generate_keys())
    scans = [os.urandom(n) for n in (5000, 1_200_000, 300)]
    with running_center(Settings(data_dir=data_dir)) as center:  # the embedded default: local blobs
        with center.db.session() as s:
            code = create_station(s, "迁移站").code
        station = enroll_station(center.url, code, name="迁移站")
        http = station_http(center.url, station)
        for scan in scans:
            sha = hashlib.sha256(scan).hexdigest()
            assert (
                http.put(
                    f"/api/v1/attachments/{sha}?offset=0",
                    content=scan,
                    headers={HEADER_TOTAL_SIZE: str(len(scan))},
                ).status_code
                == 200
            )
        partial = os.urandom(4000)
        psha = hashlib.sha256(partial).hexdigest()
        http.put(
            f"/api/v1/attachments/{psha}?offset=0",
            content=partial[:1000],
            headers={HEADER_TOTAL_SIZE: "4000"},
        )
        http.close()
    bucket = f"m-{uuid.uuid4().hex[:10]}"
    for key, value in s3_server.settings(bucket=bucket).items():
        if key != "blob_store":
            monkeypatch.setenv(f"CENTER_{key.upper()}", str(value))
    monkeypatch.setenv("CENTER_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CENTER_CONFIG", raising=False)
    assert main(["blobs", "migrate", "--to", "s3"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["copied"], first["skipped"], first["failed"]) == (4, 0, [])
    assert first["bytes"] == sum(map(len, scans)) + 1000 and first["mb_per_s"] > 0
    assert main(["blobs", "migrate", "--to", "s3"]) == 0  # resumed: everything already there and verified
    again = json.loads(capsys.readouterr().out)
    assert (again["copied"], again["skipped"]) == (0, 4)
    # switch the center to S3: the migrated blobs serve, and the half-done upload resumes at its byte
    monkeypatch.setenv("CENTER_BLOB_STORE", "s3")
    from district_center.settings import load_settings

    with running_center(load_settings()) as center:
        for scan in scans:
            assert b"".join(center.center.blobs.read(hashlib.sha256(scan).hexdigest())) == scan
        http = station_http(center.url, station)
        held = http.get(f"/api/v1/attachments/{psha}").json()
        assert held["received"] == 1000
        done = http.put(
            f"/api/v1/attachments/{psha}?offset=1000",
            content=partial[1000:],
            headers={HEADER_TOTAL_SIZE: "4000"},
        )
        assert done.json()["complete"] is True
        http.close()
