"""Enrollment (注册) from the station: bind this station to its district center once.

::

    url, code = parse_enrollment("bmzz-enroll:http://10.0.0.1:8700#7KQ2-M9XD-…")   # or (url, code) typed in
    result = enroll_station(store, url, code, station_name="某某社区便民服务站")

What it does, in order: generates the station's Ed25519 key (in memory), sends the public half with the
one-time code (``POST /api/v1/enroll``, unsigned), then in **one** store commit keeps the private key,
the station id/no and the district's keys (the catalog signing key is pinned from then on), and finally seals
the data key to the district's X25519 recovery key (``store.set_recovery_key``). A station that is already
enrolled refuses to enroll again (a second identity would orphan the first's cases at the center).

Hazard: if the process dies after the center consumed the code but before the commit, the code is spent
and the station is not enrolled; the district admin issues a new code (``stations.new_code_for`` only
works for a station that never enrolled, so that case needs a new station entry — the message says so).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client import unsigned_post
from sync.engine_core import check_response
from sync.errors import AuthError, CenterError, SyncError
from sync.local import SYNC_STATE, save_identity
from sync.protocol import (
    API_PREFIX,
    EnrollRequest,
    EnrollResponse,
    ProtocolError,
    canonical_json,
    public_key_b64,
)

__all__ = ["APP_VERSION", "EnrollResult", "enroll_station", "parse_enrollment"]

APP_VERSION = "bianmin-station/0.1.0"
QR_PREFIX = "bmzz-enroll:"


@dataclass(frozen=True, slots=True)
class EnrollResult:
    station_id: str
    station_no: int
    district_code: str
    district_name: str
    center_url: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_enrollment(url_or_qr: str, code: str | None = None) -> tuple[str, str]:
    """``(center URL, code)`` from a URL and a typed code, or from the QR payload
    ``bmzz-enroll:<center URL>#<code>`` printed by the center (then ``code`` may be omitted)."""
    text = url_or_qr.strip()
    if text.startswith(QR_PREFIX):
        rest = text[len(QR_PREFIX) :]
        url, _, qr_code = rest.partition("#")
        code = code or qr_code
        text = url
    if not code:
        raise SyncError("sync.enrollment.no_code", wire_code="no_code", action_code="sync.action.enter_code")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CenterError(
            "sync.enrollment.bad_url",
            wire_code="bad_url",
            action_code="sync.action.check_url",
            example_url="http://10.0.0.1:8700",
        )
    return text.rstrip("/"), code.strip()


def enroll_station(
    store: Any, center_url: str, code: str, *, station_name: str, transport: httpx.BaseTransport | None = None
) -> EnrollResult:
    """Enroll the unlocked ``store`` (admin) with the center; see the module docstring."""
    if store.get(SYNC_STATE, "identity") is not None:
        raise AuthError(
            "sync.enrollment.already_enrolled",
            wire_code="already_enrolled",
            action_code="sync.action.contact_for_reenrollment",
        )
    key = Ed25519PrivateKey.generate()
    body = canonical_json(
        EnrollRequest(
            code=code, public_key=public_key_b64(key), station_name=station_name, app_version=APP_VERSION
        ).to_dict()
    )
    resp = unsigned_post(center_url, f"{API_PREFIX}/enroll", body, transport=transport)
    check_response(resp, "sync.step.enroll")
    try:
        answer = EnrollResponse.from_dict(json.loads(resp.body))
    except (ValueError, ProtocolError) as exc:
        raise CenterError("sync.enrollment.bad_response", wire_code="bad_response") from exc
    with store.transaction(actor="admin", action="station.enroll") as tx:
        save_identity(
            tx,
            center_url=center_url,
            station_id=answer.station_id,
            station_no=answer.station_no,
            key=key,
            district_code=answer.district_code,
            district_name=answer.district_name,
            signing_key=answer.catalog_signing_key,
            recovery_key=answer.recovery_public_key,
            station_name=station_name,
        )
    store.set_recovery_key(answer.recovery_public_key, actor="enrollment")
    return EnrollResult(
        answer.station_id, answer.station_no, answer.district_code, answer.district_name, center_url
    )
