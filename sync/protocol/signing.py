"""Request signatures: every station request is signed by the station's Ed25519 key over its method, path
(with the query), timestamp, nonce and body digest; the center checks them and the clock skew.

Nonce reuse and revocation are stateful and the center's (``district_center.services.stations.auth``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol.canonical import b64decode, b64encode, new_nonce, sha256_hex
from sync.protocol.errors import ProtocolError

__all__ = [
    "HEADER_CONTENT_SHA256",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_STATION_ID",
    "HEADER_TIMESTAMP",
    "MAX_SKEW_SECONDS",
    "SIGNATURE_SCHEME",
    "SignedRequest",
    "check_skew",
    "parse_auth_headers",
    "sign_request",
    "signature_input",
    "verify_request",
]

SIGNATURE_SCHEME = "STATION-SIG-V1"
MAX_SKEW_SECONDS = 300
HEADER_STATION_ID = "X-Station-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_CONTENT_SHA256 = "X-Content-SHA256"
HEADER_SIGNATURE = "X-Signature"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")


def signature_input(method: str, path: str, timestamp: int, nonce: str, body_sha256: str) -> bytes:
    """The exact bytes a station signs: ``STATION-SIG-V1\\nMETHOD\\npath?query\\nts\\nnonce\\nbodysha``."""
    return "\n".join(
        [SIGNATURE_SCHEME, method.upper(), path, str(int(timestamp)), nonce, body_sha256]
    ).encode("utf-8")


def sign_request(
    key: Ed25519PrivateKey,
    station_id: str,
    method: str,
    path: str,
    body: bytes,
    *,
    now: float,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers that authenticate one request. ``path`` includes the ``?query`` exactly as it will be sent."""
    timestamp = int(now)
    nonce = nonce or new_nonce()
    digest = sha256_hex(body)
    signature = key.sign(signature_input(method, path, timestamp, nonce, digest))
    return {
        HEADER_STATION_ID: station_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_CONTENT_SHA256: digest,
        HEADER_SIGNATURE: b64encode(signature),
    }


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The verified authentication headers of one request (returned by :func:`verify_request`)."""

    station_id: str
    timestamp: int
    nonce: str


def check_skew(timestamp: int, now: float, window: int = MAX_SKEW_SECONDS) -> None:
    """``ProtocolError('clock_skew')`` when ``timestamp`` is more than ``window`` seconds from ``now``."""
    if abs(timestamp - now) > window:
        raise ProtocolError("clock_skew", seconds=window, detail=f"skew {timestamp - now:.0f}s")


def parse_auth_headers(headers: Mapping[str, str]) -> tuple[str, int, str, str, bytes]:
    """Station id, timestamp, nonce, body digest and signature from the headers (case-insensitive)."""
    lower = {k.lower(): v for k, v in headers.items()}

    def need(name: str) -> str:
        value = lower.get(name.lower())
        if not value:
            raise ProtocolError("missing_signature", header=name)
        return value

    station_id = need(HEADER_STATION_ID)
    ts_text = need(HEADER_TIMESTAMP)
    nonce = need(HEADER_NONCE)
    digest = need(HEADER_CONTENT_SHA256).lower()
    signature = b64decode(need(HEADER_SIGNATURE), what=HEADER_SIGNATURE)
    if not ts_text.isdigit() or len(ts_text) > 12:
        raise ProtocolError("bad_signature", detail="timestamp header malformed")
    if not _NONCE.match(nonce):
        raise ProtocolError("bad_signature", detail="nonce header is not 32 hex digits")
    if not _HEX64.match(digest):
        raise ProtocolError("bad_signature", detail="body digest header malformed")
    return station_id, int(ts_text), nonce, digest, signature


def verify_request(
    public_key: Ed25519PublicKey,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    window: int = MAX_SKEW_SECONDS,
) -> SignedRequest:
    """Check digest, signature and clock skew. Nonce reuse and revocation are the caller's (stateful) job."""
    station_id, timestamp, nonce, digest, signature = parse_auth_headers(headers)
    if sha256_hex(body) != digest:
        raise ProtocolError("bad_digest")
    try:
        public_key.verify(signature, signature_input(method, path, timestamp, nonce, digest))
    except InvalidSignature:
        raise ProtocolError("bad_signature", detail="signature does not verify") from None
    check_skew(timestamp, now, window)
    return SignedRequest(station_id, timestamp, nonce)
