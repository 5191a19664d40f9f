"""``GET /healthz`` (unsigned): stations probe reachability with it."""

from __future__ import annotations

from fastapi import APIRouter

from casework import clock
from casework.clock import iso_z
from district_center.api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    return HealthOut(status="ok", time=iso_z(clock.now()))
