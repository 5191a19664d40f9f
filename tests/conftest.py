"""Fixtures shared by every test package: artifact directory and a private PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from district_center.devtools.pg import PrivatePostgres, private_postgres

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"


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
