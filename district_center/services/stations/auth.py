"""Authenticate a signed station request (docs/protocol.md, "Request signatures").

Checks, in order: headers well-formed; station known and enrolled; body digest and Ed25519 signature; clock
skew (±``Settings.skew_seconds``); station not revoked (403); nonce not seen from that station within the
window. Nonces live in ``station_nonces`` (primary key ``(station_id, nonce)``), so the check holds across
several center instances sharing one database: the second insert of a nonce fails on the key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from casework.errors import DomainError
from district_center.db.engine import Database
from district_center.db.models import Station, StationNonce
from sync.protocol import ProtocolError, load_public_key, parse_auth_headers, verify_request

PURGE_PROBABILITY = 0.02

# Every station request runs these: Core statements built once, no ORM session (this is the hot path).
_STATIONS = cast(Table, Station.__table__)
_SELECT_STATION = select(
    _STATIONS.c.id,
    _STATIONS.c.station_no,
    _STATIONS.c.jurisdiction,
    _STATIONS.c.public_key,
    _STATIONS.c.status,
).where(_STATIONS.c.id == bindparam("sid"))
_NONCES = cast(Table, StationNonce.__table__)
_INSERT_NONCE = insert(_NONCES)
_TOUCH_STATION = (
    update(_STATIONS)
    .where(
        _STATIONS.c.id == bindparam("sid"),
        or_(_STATIONS.c.last_seen_at.is_(None), _STATIONS.c.last_seen_at < bindparam("stale")),
    )
    .values(last_seen_at=bindparam("now"))
)
# PostgreSQL: the nonce insert and the touch in one statement (one round trip on every signed request);
# a reused nonce still fails the insert's key, and the whole statement with it.
_NONCE_CTE = (
    insert(_NONCES)
    .values(station_id=bindparam("sid"), nonce=bindparam("nonce"), expires_at=bindparam("expires_at"))
    .returning(_NONCES.c.nonce)
    .cte("recorded")
)
_RECORD_AND_TOUCH = _TOUCH_STATION.where(exists(select(_NONCE_CTE.c.nonce))).add_cte(_NONCE_CTE)


@dataclass(frozen=True)
class AuthedStation:
    """The station a request came from, and the exact body bytes it signed.

    ``nonce`` / ``seen_at`` are set when the nonce was *not* recorded yet (``authenticate(…,
    record=False)``): the handler must call :func:`record_nonce` in its own write transaction (case
    ingest does, so a batch costs one transaction)."""

    id: str
    station_no: int
    jurisdiction: str
    body: bytes
    nonce: str = ""
    seen_at: datetime | None = None


def authenticate(
    db: Database,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    *,
    now: float,
    skew_seconds: int,
    record: bool = True,
) -> AuthedStation:
    station_id = parse_auth_headers(headers)[0]
    with db.read_engine.connect() as conn:
        station = conn.execute(_SELECT_STATION, {"sid": station_id[:36]}).first()
        conn.rollback()
    if station is None or station.public_key is None:
        raise DomainError("center.auth.unknown_station")
    public_key, status = station.public_key, station.status
    info = AuthedStation(station.id, station.station_no, station.jurisdiction, body)
    signed = verify_request(
        load_public_key(public_key), method, target, headers, body, now=now, window=skew_seconds
    )
    if status == "revoked":
        raise DomainError("center.auth.station_revoked")
    when = datetime.fromtimestamp(now, UTC)
    info = replace(info, nonce=signed.nonce, seen_at=when)
    if not record:
        return info
    with db.write_connection() as conn:
        if db.is_postgres:
            # A nonce lost in a crash only reopens a replay window of seconds; not worth a WAL flush
            # per request (the case data itself is committed with synchronous_commit on).
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        record_nonce(conn, info, skew_seconds=skew_seconds)
    return replace(info, nonce="", seen_at=None)


def record_nonce(conn: Connection, station: AuthedStation, *, skew_seconds: int) -> None:
    """Insert the request's nonce (refused as ``nonce_reused`` when seen) and touch ``last_seen_at``, in the
    caller's transaction. A refusal leaves that transaction unusable (PostgreSQL aborts it): let the
    error end it."""
    when = station.seen_at
    assert when is not None and station.nonce, "authenticate(..., record=False) gives nonce and time"
    expires = when + timedelta(seconds=2 * skew_seconds + 60)
    touch = {"sid": station.id, "now": when, "stale": when - timedelta(seconds=60)}
    try:
        if conn.dialect.name == "postgresql":
            conn.execute(_RECORD_AND_TOUCH, {**touch, "nonce": station.nonce, "expires_at": expires})
        else:
            conn.execute(
                _INSERT_NONCE, {"station_id": station.id, "nonce": station.nonce, "expires_at": expires}
            )
    except IntegrityError:
        raise ProtocolError("nonce_reused") from None
    if conn.dialect.name != "postgresql":
        conn.execute(_TOUCH_STATION, touch)
    if random.random() < PURGE_PROBABILITY:
        conn.execute(delete(StationNonce).where(StationNonce.expires_at < when))
