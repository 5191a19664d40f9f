"""``GET /healthz`` (unsigned): stations probe reachability with it."""

from __future__ import annotations

from fastapi import APIRouter

from casework import clock
from casework.clock import iso_z
from sync.protocol import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok", time=iso_z(clock.now()))
