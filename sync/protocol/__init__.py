"""Station <-> district center protocol v1: canonical encoding, signatures, signed documents and the message
shapes — the one definition both sides import (pure code, no I/O; randomness for nonces only).

* :mod:`sync.protocol.canonical` — canonical JSON, digests, base64, keys, nonces;
* :mod:`sync.protocol.signing` — request signatures and the clock-skew check;
* :mod:`sync.protocol.messages` — every message as a typed pydantic dataclass: ``X.from_dict(json)``
  validates untrusted input (:class:`ProtocolError`), ``x.to_dict()`` is the wire form, and their JSON
  Schemas are the center's OpenAPI document and the message tables of ``docs/protocol.md`` (a test keeps
  the doc in step: ``scripts/protocol_doc.py`` regenerates it);
* :mod:`sync.protocol.envelope` — district-signed documents (catalog, deltas, calendar).

Typical station-side use::

    body = canonical_json(CaseBatch([BatchCase(case_id, 3, case_dict)]).to_dict())
    path = "/api/v1/cases/batch"
    headers = sign_request(station_key, station_id, "POST", path, body, now=clock.timestamp())
    ...
    receipts = CaseBatchResult.from_dict(response.json()).receipts
"""

from __future__ import annotations

from sync.protocol.canonical import (
    JSONObject,
    b64decode,
    b64encode,
    canonical_json,
    case_digest,
    load_public_key,
    new_nonce,
    public_key_b64,
    sha256_hex,
)
from sync.protocol.envelope import SignedEnvelope, sign_envelope, verify_envelope
from sync.protocol.errors import ProtocolError
from sync.protocol.messages import (
    MAX_BATCH_CASES,
    MAX_BATCH_NOTICES,
    MAX_BATCH_SEARCH_MISSES,
    STATUS_OVERRULED,
    AttachmentStatus,
    BatchCase,
    CaseBatch,
    CaseBatchResult,
    CaseReceipt,
    EnrollRequest,
    EnrollResponse,
    EventType,
    FeedAck,
    FeedEvent,
    FeedPage,
    Health,
    NoticeBatch,
    NoticeHeld,
    NoticeResult,
    Problem,
    ReceiptStatus,
    SearchMissBatch,
    SearchMissResult,
    StationCase,
)
from sync.protocol.signing import (
    HEADER_CONTENT_SHA256,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_STATION_ID,
    HEADER_TIMESTAMP,
    MAX_SKEW_SECONDS,
    SIGNATURE_SCHEME,
    SignedRequest,
    check_skew,
    parse_auth_headers,
    sign_request,
    signature_input,
    verify_request,
)

API_PREFIX = "/api/v1"
PROBLEM_CONTENT_TYPE = "application/problem+json"
HEADER_TOTAL_SIZE = "X-Total-Size"

__all__ = [
    "API_PREFIX",
    "HEADER_CONTENT_SHA256",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_STATION_ID",
    "HEADER_TIMESTAMP",
    "HEADER_TOTAL_SIZE",
    "MAX_BATCH_CASES",
    "MAX_BATCH_NOTICES",
    "MAX_BATCH_SEARCH_MISSES",
    "MAX_SKEW_SECONDS",
    "PROBLEM_CONTENT_TYPE",
    "SIGNATURE_SCHEME",
    "STATUS_OVERRULED",
    "AttachmentStatus",
    "BatchCase",
    "CaseBatch",
    "CaseBatchResult",
    "CaseReceipt",
    "EnrollRequest",
    "EnrollResponse",
    "EventType",
    "FeedAck",
    "FeedEvent",
    "FeedPage",
    "Health",
    "JSONObject",
    "NoticeBatch",
    "NoticeHeld",
    "NoticeResult",
    "Problem",
    "ProtocolError",
    "ReceiptStatus",
    "SearchMissBatch",
    "SearchMissResult",
    "SignedEnvelope",
    "SignedRequest",
    "StationCase",
    "b64decode",
    "b64encode",
    "canonical_json",
    "case_digest",
    "check_skew",
    "load_public_key",
    "new_nonce",
    "parse_auth_headers",
    "public_key_b64",
    "sha256_hex",
    "sign_envelope",
    "sign_request",
    "signature_input",
    "verify_envelope",
    "verify_request",
]
