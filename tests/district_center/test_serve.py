"""``district-center serve`` runs from an empty directory on the embedded database and logs JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx

from district_center.devtools.server import free_port


def test_serve_from_empty_directory(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTER_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "district_center.cli",
            "serve",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
                time.sleep(0.2)
        assert resp.status_code == 200 and resp.json()["status"] == "ok"
        missing = httpx.get(f"http://127.0.0.1:{port}/api/v1/feed?after=0", timeout=5)
        assert missing.status_code == 401
        assert missing.headers["content-type"] == "application/problem+json"
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert (tmp_path / "data" / "center.sqlite3").exists()
    assert (tmp_path / "data" / "center-blob.key").stat().st_mode & 0o777 == 0o600
    lines = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("msg") == "request"]
    assert {r["route"] for r in requests} >= {"/healthz", "/api/v1/feed"}
    assert all("after=0" not in json.dumps(r) for r in requests)  # route templates, not raw URLs
