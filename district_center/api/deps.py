"""Dependencies routers share: the center, the signed station, the logged-in back-office user."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from casework import clock
from district_center.api.problems import Refused
from district_center.context import Center, get_center
from district_center.services.stations.auth import AuthedStation, authenticate
from district_center.services.users.accounts import user_for_token
from sync.protocol import HEADER_SIGNATURE

__all__ = [
    "AuthedStation",
    "Center",
    "CurrentUser",
    "get_center",
    "read_body",
    "request_target",
    "require_user",
    "signed_station",
]

_signature_scheme = APIKeyHeader(
    name=HEADER_SIGNATURE,
    auto_error=False,
    scheme_name="stationSignature",
    description="Ed25519 request signature (docs/protocol.md)",
)
_bearer = HTTPBearer(auto_error=False, scheme_name="bearerToken")


def _too_large(limit: int) -> Refused:
    return Refused("center.request.too_large", limit_mb=f"{limit / (1024 * 1024):g}", limit=limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # later request.body() calls return the same bytes
    return body


def request_target(request: Request) -> str:
    """Path and query exactly as sent on the wire (what the station signed)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes | bytearray) else request.url.path
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


async def signed_station(
    request: Request,
    _sig: Annotated[str | None, Depends(_signature_scheme)],
    center: Annotated[Center, Depends(get_center)],
) -> AuthedStation:
    return await _authenticate(request, center, record=True)


async def signed_station_unrecorded(
    request: Request,
    _sig: Annotated[str | None, Depends(_signature_scheme)],
    center: Annotated[Center, Depends(get_center)],
) -> AuthedStation:
    """:func:`signed_station` without the nonce write: the handler records it in its own transaction
    (``services.stations.auth.record_nonce``)."""
    return await _authenticate(request, center, record=False)


async def _authenticate(request: Request, center: Center, *, record: bool) -> AuthedStation:
    body = await read_body(request, center.settings.max_request_bytes)
    headers = {k.lower(): v for k, v in request.headers.items()}
    station = await run_in_threadpool(
        authenticate,
        center.db,
        request.method,
        request_target(request),
        headers,
        body,
        now=center.clock(),
        skew_seconds=center.settings.skew_seconds,
        record=record,
    )
    request.state.station_id = station.id
    return station


CenterDep = Annotated[Center, Depends(get_center)]
StationDep = Annotated[AuthedStation, Depends(signed_station)]
UnrecordedStationDep = Annotated[AuthedStation, Depends(signed_station_unrecorded)]


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    roles: tuple[str, ...]
    department: str | None

    def has(self, role: str) -> bool:
        return role in self.roles


def require_user(*roles: str) -> Callable[..., Coroutine[Any, Any, CurrentUser]]:
    """Dependency: a valid bearer token whose user has one of ``roles`` (any role when none given).

    @router.post("/api/v1/admin/…")
    def publish(user: CurrentUser = Depends(require_user("catalog_admin"))): …
    """

    async def dependency(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        center: Annotated[Center, Depends(get_center)],
    ) -> CurrentUser:
        if creds is None or creds.scheme.lower() != "bearer":
            raise Refused("center.users.login_required")

        def lookup() -> CurrentUser | None:
            with center.db.read_session() as s:
                user = user_for_token(s, creds.credentials, clock.now())
                if user is None:
                    return None
                return CurrentUser(user.id, user.username, tuple(user.roles), user.department)

        user = await run_in_threadpool(lookup)
        if user is None:
            raise Refused("center.users.login_expired")
        if roles and not any(user.has(r) for r in roles):
            raise Refused("center.users.forbidden")
        return user

    return dependency
