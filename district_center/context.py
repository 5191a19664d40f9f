"""The running center's shared objects (settings, database, blob store, clock), kept on
``app.state.center``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from casework import clock
from district_center.db.engine import Database
from district_center.services.attachments.blobstore import BlobStore
from district_center.settings import Settings


@dataclass
class Center:
    settings: Settings
    db: Database
    blobs: BlobStore
    clock: Callable[[], float] = field(default=clock.timestamp)


def get_center(request: Request) -> Center:
    center: Center = request.app.state.center
    return center
