"""Stations (便民服务站): create with a one-time enrollment code, enroll, list, revoke.

Enrollment codes are 100 random bits written as five groups of four Crockford base-32 characters
(``7KQ2-M9XD-…``; no I, L, O, U, so a worker can read them over the phone). Only their sha256 is stored; a
code is single use and expires after ``Settings.enrollment_code_hours``. Typing ``O`` for ``0`` or ``I``/``L``
for ``1`` still works.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from casework import clock
from casework.errors import DomainError
from district_center.db.models import EnrollmentCode, Station
from district_center.services.audit import audit

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
_LOOKALIKES = str.maketrans("OIL", "011")
CODE_GROUPS = 5
GROUP_LEN = 4  # 5 x 4 x 5 bits = 100 bits


def new_enrollment_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_LEN))
    return "-".join(chars[i : i + GROUP_LEN] for i in range(0, len(chars), GROUP_LEN))


def normalize_code(code: str) -> str:
    text = "".join(ch for ch in code.upper() if ch not in "- \t")
    return text.translate(_LOOKALIKES)


def code_hash(code: str) -> str:
    return hashlib.sha256(("bmzz-enroll:" + normalize_code(code)).encode()).hexdigest()


def enrollment_uri(public_url: str, code: str) -> str:
    """What the QR code holds: ``bmzz-enroll:<center URL>#<code>`` (the station app parses it)."""
    return f"bmzz-enroll:{public_url}#{code}"


class StationError(DomainError, ValueError):
    """A station operation refused (``center.stations.*``); still a ``ValueError`` for callers."""

    code = "center.stations.refused"


@dataclass(frozen=True)
class NewStation:
    station_id: str
    station_no: int
    name: str
    code: str
    expires_at: datetime


def create_station(
    session: Session,
    name: str,
    *,
    jurisdiction: str = "",
    hours: int = 24,
    actor: str = "cli",
    now: datetime | None = None,
) -> NewStation:
    """A pending station and its one-time code (the only time the code is visible)."""
    now = now or clock.now()
    name = name.strip()
    if not name or len(name) > 200:
        raise StationError("center.stations.bad_name", limit=200)
    next_no = (session.scalar(select(func.max(Station.station_no))) or 0) + 1
    station = Station(
        id=str(uuid.uuid4()),
        station_no=next_no,
        name=name,
        jurisdiction=jurisdiction,
        status="pending",
        created_at=now,
        feed_seq=0,
        feed_acked=0,
    )
    session.add(station)
    session.flush()
    code = new_enrollment_code()
    expires = now + timedelta(hours=hours)
    session.add(
        EnrollmentCode(station_id=station.id, code_hash=code_hash(code), created_at=now, expires_at=expires)
    )
    audit(session, actor, "station.create", station.id, station_no=next_no)
    session.flush()
    return NewStation(station.id, next_no, name, code, expires)


def new_code_for(session: Session, station_id: str, *, hours: int = 24, actor: str = "cli") -> NewStation:
    """A fresh code for a station that has not enrolled yet (the old code was lost or expired)."""
    station = session.get(Station, station_id)
    if station is None or station.status != "pending":
        raise StationError("center.stations.not_pending")
    now = clock.now()
    code = new_enrollment_code()
    session.add(
        EnrollmentCode(
            station_id=station.id,
            code_hash=code_hash(code),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    audit(session, actor, "station.new_code", station.id)
    return NewStation(station.id, station.station_no, station.name, code, now + timedelta(hours=hours))


def list_stations(session: Session) -> list[Station]:
    return list(session.scalars(select(Station).order_by(Station.station_no)))


def find_station(session: Session, ref: str) -> Station | None:
    """By id or by station number."""
    if ref.isdigit():
        return session.scalar(select(Station).where(Station.station_no == int(ref)))
    return session.get(Station, ref)


def revoke_station(session: Session, ref: str, *, actor: str = "cli") -> Station:
    """Cut a station off at once: its next signed request is refused (403)."""
    station = find_station(session, ref)
    if station is None:
        raise StationError("center.stations.not_found", ref=ref)
    if station.status != "revoked":
        station.status = "revoked"
        station.revoked_at = clock.now()
        session.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.station_id == station.id, EnrollmentCode.used_at.is_(None))
            .values(used_at=station.revoked_at)
        )
        audit(session, actor, "station.revoke", station.id)
    return station


def enroll(
    session: Session, code: str, public_key: str, app_version: str, now: datetime | None = None
) -> Station:
    """Consume a code and bind the station's public key.

    ``DomainError`` (``center.enroll.*``) for a bad, used or expired code.
    """
    now = now or clock.now()
    row = session.scalar(
        select(EnrollmentCode).where(EnrollmentCode.code_hash == code_hash(code)).with_for_update()
    )
    if row is None:
        raise DomainError("center.enroll.bad_code")
    if row.used_at is not None:
        raise DomainError("center.enroll.code_used")
    if row.expires_at <= now:
        raise DomainError("center.enroll.code_expired", hours=24)
    # Single use even under concurrent enrollments: only one UPDATE can flip used_at from NULL.
    claim = (
        update(EnrollmentCode)
        .where(EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None))
        .values(used_at=now)
    )
    claimed = cast(CursorResult[Any], session.execute(claim)).rowcount
    if claimed != 1:
        raise DomainError("center.enroll.code_used")
    station = session.get(Station, row.station_id)
    if station is None or station.status != "pending":
        raise DomainError("center.enroll.station_not_pending")
    station.status = "active"
    station.public_key = public_key
    station.app_version = app_version
    station.enrolled_at = now
    audit(session, "station:" + station.id, "station.enroll", station.id, app_version=app_version)
    return station
