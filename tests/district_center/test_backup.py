"""Backup and restore, run as the commands an operator runs: a center on PostgreSQL + S3 (SeaweedFS) and one
on the embedded SQLite + local blobs are backed up, restored into a new database and a new bucket (or
directory), and the restored center serves the same case and scan. A damaged backup restores nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from district_center.db.engine import Database
from district_center.devtools.seaweed import S3Server
from district_center.devtools.server import center_process
from district_center.devtools.station_client import enroll_station, station_http
from district_center.keys import generate_keys, write_public_file
from district_center.services.stations.registry import create_station
from sync.protocol import HEADER_TOTAL_SIZE

from .conftest import make_case, push


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "district_center.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _fill(base: str, url: str) -> tuple[object, dict, bytes]:  # type: ignore[type-arg]
    db = Database(url, pool_size=1)
    with db.session() as s:
        code = create_station(s, "备份站").code
    db.dispose()
    station = enroll_station(base, code, name="备份站")
    http = station_http(base, station)
    scan = os.urandom(300_000)
    sha = hashlib.sha256(scan).hexdigest()
    assert http.put(
        f"/api/v1/attachments/{sha}?offset=0", content=scan, headers={HEADER_TOTAL_SIZE: str(len(scan))}
    ).json()["complete"]
    doc = make_case(station, attachments=(sha,))
    assert push(http, doc)[0]["status"] == "accepted"
    http.close()
    return station, doc, scan


@pytest.mark.postgres
def test_backup_and_restore_postgres_and_s3(postgres_server, s3_server: S3Server, tmp_path: Path) -> None:
    kek = base64.b64encode(os.urandom(32)).decode()
    keys = generate_keys()
    env = {
        "CENTER_KEK": kek,
        "CENTER_JOBS_TICK_SECONDS": "0",
        **{
            f"CENTER_{k.upper()}": str(v)
            for k, v in s3_server.settings(bucket=f"bk-{uuid.uuid4().hex[:8]}").items()
        },
    }
    live = {
        **env,
        "CENTER_DATABASE_URL": postgres_server.create_database("live"),
        "CENTER_DATA_DIR": str(tmp_path / "live"),
    }
    (tmp_path / "live").mkdir()
    write_public_file(tmp_path / "live", keys)
    with center_process(tmp_path / "live", live) as base:
        station, doc, scan = _fill(base, live["CENTER_DATABASE_URL"])
        made = _cli(live, "backup", "create", str(tmp_path / "backup"))  # while it runs
    assert made.returncode == 0, made.stderr
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert "KEK" in manifest["keys"] and not any("kek" in n.lower() for n in manifest["files"])

    restored = {
        **env,
        "CENTER_DATABASE_URL": postgres_server.create_database("restored"),
        "CENTER_S3_BUCKET": f"rs-{uuid.uuid4().hex[:8]}",
        "CENTER_DATA_DIR": str(tmp_path / "restored"),
    }
    (tmp_path / "restored").mkdir()
    write_public_file(tmp_path / "restored", keys)
    done = _cli(restored, "backup", "restore", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    with center_process(tmp_path / "restored", restored) as base:
        http = station_http(base, station)  # type: ignore[arg-type]
        copy = http.get(f"/api/v1/cases/{doc['id']}").json()
        assert copy["case"]["applicant"]["name"] == "张三"
        sha = hashlib.sha256(scan).hexdigest()
        assert http.get(f"/api/v1/attachments/{sha}").json()["complete"] is True
        http.close()
    # the scan itself, read back from the restored bucket through the restored database's keys
    from district_center.app import open_blob_store
    from district_center.services.vault import open_vault
    from district_center.settings import load_settings

    settings = load_settings(env=restored)
    db = Database(settings.database_url, pool_size=1)
    db.vault = open_vault(settings, db)
    assert b"".join(open_blob_store(settings, db.vault).read(sha)) == scan
    db.dispose()


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
def test_backup_and_restore_sqlite_and_local_blobs_refuses_a_damaged_copy(tmp_path: Path) -> None:
    keys = generate_keys()
    live_dir = tmp_path / "live"
    live_dir.mkdir()
    write_public_file(live_dir, keys)
    env = {"CENTER_DATA_DIR": str(live_dir), "CENTER_JOBS_TICK_SECONDS": "0"}
    with center_process(live_dir, env) as base:
        station, doc, scan = _fill(base, f"sqlite:///{live_dir / 'center.sqlite3'}")
        made = _cli(env, "backup", "create", str(tmp_path / "backup"))
    assert made.returncode == 0, made.stderr

    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "backup", damaged)
    victim = next(p for p in (damaged / "blobs").rglob("*") if p.is_file())
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    new_dir = tmp_path / "restored"
    new_dir.mkdir()
    write_public_file(new_dir, keys)
    for key_file in ("center-kek.key", "center-blob.key"):  # kept apart from backups, restored from escrow
        shutil.copy2(live_dir / key_file, new_dir / key_file)
    renv = {"CENTER_DATA_DIR": str(new_dir), "CENTER_JOBS_TICK_SECONDS": "0"}
    refused = _cli(renv, "backup", "restore", str(damaged))
    assert refused.returncode == 1 and "已损坏" in refused.stderr
    assert not (new_dir / "center.sqlite3").exists()
    done = _cli(renv, "backup", "restore", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    with center_process(new_dir, renv) as base:
        http = station_http(base, station)  # type: ignore[arg-type]
        assert (
            http.get(f"/api/v1/cases/{doc['id']}").json()["case"]["applicant"]["id_number"]
            == "11010519491231002X"
        )
        assert http.get(f"/api/v1/attachments/{hashlib.sha256(scan).hexdigest()}").json()["complete"] is True
        http.close()
