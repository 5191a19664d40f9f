"""``GET /healthz`` (unsigned): stations probe reachability with it."""

from __future__ import annotations

from fastapi import APIRouter

from district_center.api.schemas import HealthOut
from district_center.db.engine import iso_z, utcnow

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    return HealthOut(status="ok", time=iso_z(utcnow()))
