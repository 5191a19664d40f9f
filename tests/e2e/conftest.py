"""Real-browser fixtures: Debian's Chromium driven by Playwright against a station-app process.

Every request the page makes is routed through :func:`guard_origin`, which aborts and records any request to a
host other than the station's own; tests assert the list stays empty (stations are offline).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


@dataclass
class StationProcess:
    proc: subprocess.Popen[str]
    url: str
    data_dir: Path
    log: Path
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_line(self, pattern: str, timeout: float = 120.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            m = rx.search(self.output())
            if m:
                return m
            if self.proc.poll() is not None:
                raise RuntimeError(f"station-app exited {self.proc.returncode}:\n{self.output()}")
            time.sleep(0.2)
        raise TimeoutError(f"no line matching {pattern!r}:\n{self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_station(
    args: list[str], data_dir: Path, port: int, *, ready_timeout: float = 180.0
) -> StationProcess:
    log = data_dir.parent / f"{data_dir.name}.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("DISPLAY", None)
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [
                str(BIN / "station-app"),
                *args,
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--no-browser",
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
            env=env,
            start_new_session=True,
        )
    sp = StationProcess(proc=proc, url=f"http://127.0.0.1:{port}/", data_dir=data_dir, log=log)
    try:
        wait_http(sp.url, ready_timeout)
    except Exception:
        sp.stop()
        raise
    return sp


@contextmanager
def running_demo(base: Path, *, start_env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """``station-app demo`` under ``base``, ready to sign in: the station process, its URL, the worker's and
    the admin's PINs, the center's URL, data dir and passphrase file. ``start_env`` is set while the demo
    starts (its processes keep it), then the environment is put back."""
    saved = {k: os.environ.get(k) for k in start_env or {}}
    os.environ.update(start_env or {})
    try:
        station = start_station(["demo"], base / "data", free_port(), ready_timeout=240)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        out = station.wait_for_line(r"PIN (\d+); station admin is 01 with PIN (\d+)")
        center = re.search(r"district center (http://127\.0\.0\.1:\d+)", station.output())
        assert center, station.output()
        console = re.search(r"district console (\S+) .* password (\S+)", station.output())
        assert console, station.output()
        yield {
            "station": station,
            "url": station.url,
            "worker_pin": out.group(1),
            "admin_pin": out.group(2),
            "center_url": center.group(1),
            "console_url": console.group(1),
            "console_password": console.group(2),
            "center_dir": base / "data" / "center",
            "passphrase_file": base / "data" / "center-passphrase",
            "base": base,
        }
    finally:
        station.stop()


@pytest.fixture(scope="session")
def browser(chromium: object) -> object:
    return chromium


class OriginGuard:
    """Aborts every request to another host and remembers it."""

    def __init__(self, origin: str) -> None:
        self.netloc = urlparse(origin).netloc
        self.foreign: list[str] = []

    def __call__(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        parsed = urlparse(url)
        # data:/blob: URLs and the browser's own PDF viewer (chrome://, chrome-extension://) never leave the
        # machine; everything on http(s) must be the station itself.
        if parsed.scheme in ("data", "blob", "chrome", "chrome-extension") or parsed.netloc == self.netloc:
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.foreign.append(url)
            route.abort()  # type: ignore[attr-defined]


def new_page(
    browser: object, origin: str, *, width: int = 1280, height: int = 860
) -> tuple[object, OriginGuard]:
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")  # type: ignore[attr-defined]
    guard = OriginGuard(origin)
    ctx.route("**/*", guard)
    page = ctx.new_page()
    return page, guard


def enable_semantics(page: object, timeout: float = 60_000) -> None:
    """Flutter builds its accessibility DOM only after the placeholder is activated."""
    ph = page.locator("flt-semantics-placeholder")  # type: ignore[attr-defined]
    ph.wait_for(state="attached", timeout=timeout)
    ph.dispatch_event("click")


def ident(page: object, name: str) -> object:
    return page.locator(f'[flt-semantics-identifier="{name}"]')  # type: ignore[attr-defined]


def shot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(1200)  # type: ignore[attr-defined]
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path
