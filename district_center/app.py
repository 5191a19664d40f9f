"""The district center's FastAPI app factory.

    app = create_app(load_settings())          # production: settings from file + CENTER_* env
    app = create_app(Settings(data_dir=tmp))   # tests

``create_app`` opens the database (migrating it to head unless ``settings.auto_migrate`` is off), the
encrypted blob store, and includes every router listed in ``district_center.api.ROUTER_MODULES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from casework import clock
from district_center.api import ROUTER_MODULES
from district_center.api.problems import install_handlers
from district_center.context import Center
from district_center.db.engine import Database
from district_center.logs import install_request_logging
from district_center.services.attachments.blobstore import (
    BlobStore,
    EncryptedFileBlobStore,
    load_or_create_key,
)
from district_center.services.attachments.s3store import open_s3_store
from district_center.services.vault import Vault, open_vault
from district_center.services.vault.legacy import seal_legacy_rows
from district_center.settings import Settings, SettingsError

BLOB_KEY_FILE = "center-blob.key"


def open_center(settings: Settings, clock: Callable[[], float] = clock.timestamp) -> Center:
    settings = settings.resolved()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = Database(settings.database_url, pool_size=settings.db_pool_size)
    if settings.auto_migrate:
        db.upgrade()
    db.vault = open_vault(settings, db)
    seal_legacy_rows(db)
    return Center(settings=settings, db=db, blobs=open_blob_store(settings, db.vault), clock=clock)


def open_blob_store(settings: Settings, vault: Vault, *, kind: str | None = None) -> BlobStore:
    """The blob store the settings name (``blob_store``: ``local`` or ``s3``; ``kind`` overrides)."""
    kind = kind or settings.blob_store
    if kind == "s3":
        return open_s3_store(
            vault,
            endpoint=settings.s3_endpoint,
            bucket=settings.s3_bucket,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
            prefix=settings.s3_prefix,
        )
    if kind != "local":
        raise SettingsError(f"setting blob_store: cannot use {kind!r} (local or s3)")
    assert settings.blob_dir is not None
    return EncryptedFileBlobStore(settings.blob_dir, load_or_create_key(settings.data_dir / BLOB_KEY_FILE))


async def _tick_jobs(center: Center) -> None:
    """Every ``jobs_tick_seconds``: the periodic jobs due now, in a worker thread (``services.jobs``)."""
    from district_center.services.jobs import run_due_jobs

    while True:
        await asyncio.sleep(center.settings.jobs_tick_seconds)
        try:
            await asyncio.to_thread(run_due_jobs, center)
        except Exception:  # the database may be briefly unavailable: try again next tick
            logging.getLogger("district_center.jobs").exception("periodic jobs failed")


def create_app(settings: Settings, *, clock: Callable[[], float] = clock.timestamp) -> FastAPI:
    center = open_center(settings, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ticker = asyncio.create_task(_tick_jobs(center)) if settings.jobs_tick_seconds > 0 else None
        yield
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        center.db.dispose()

    app = FastAPI(
        title="District center (区政务服务中心) API",
        version="1",
        description="Station ↔ district center protocol v1 (docs/protocol.md) and the back-office API.",
        lifespan=lifespan,
    )
    app.state.center = center
    install_handlers(app)
    install_request_logging(app)
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"district_center.api.{name}")
        app.include_router(module.router)
    from district_center.console import create_console

    app.mount("/console", create_console(center))
    return app
