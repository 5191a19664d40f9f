"""Run a real district center on loopback in a background thread (tests, benchmarks, station e2e tests).

with running_center(Settings(data_dir=tmp, database_url=url)) as center:
    httpx.get(center.url + "/healthz")
    with center.db.session() as s: ...          # the same Database the server uses
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
