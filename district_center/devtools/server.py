"""Run a real district center on loopback in a background thread (tests, benchmarks, station e2e tests).

with running_center(Settings(data_dir=tmp, database_url=url)) as center:
    httpx.get(center.url + "/healthz")
    with center.db.session() as s: ...          # the same Database the server uses
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from district_center.app import create_app
from district_center.context import Center
from district_center.db.engine import Database
from district_center.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningCenter:
    url: str
    app: FastAPI
    server: uvicorn.Server

    @property
    def center(self) -> Center:
        center: Center = self.app.state.center
        return center

    @property
    def settings(self) -> Settings:
        return self.center.settings

    @property
    def db(self) -> Database:
        return self.center.db


@contextmanager
def running_center(
    settings: Settings,
    *,
    port: int | None = None,
    log_level: str = "warning",
    limit_concurrency: int | None = None,
) -> Iterator[RunningCenter]:
    port = port or free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=30,
        backlog=2048,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"center-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("district center did not start")
        time.sleep(0.02)
    try:
        yield RunningCenter(f"http://127.0.0.1:{port}", app, server)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def center_process(data_dir: Path, env: dict[str, str], *, port: int | None = None) -> Iterator[str]:
    """``district-center serve`` as a separate process (its own GIL, as in production) on loopback; yields
    its base URL once ``/healthz`` answers, and terminates it on exit. ``env`` adds ``CENTER_*`` settings."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "district_center.cli",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        env={**os.environ, "CENTER_LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / "serve.log").open("ab"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    "center exited: " + (data_dir / "serve.log").read_text(errors="replace")[-3000:]
                )
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "center did not start: " + (data_dir / "serve.log").read_text(errors="replace")[-3000:]
                )
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
