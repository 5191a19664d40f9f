"""Station <-> district center protocol v1: canonical encoding, signatures and message shapes.

Pure code, no I/O (randomness for nonces only). Both sides use it: the station's sync engine builds requests
and parses responses with it, the district center parses requests and builds responses with it. The wire
contract is ``docs/protocol.md``; this module is its reference.

Typical station-side use::

    body = canonical_json(CaseBatch([BatchCase(case_id, 3, case_dict)]).to_dict())
    path = "/api/v1/cases/batch"
    headers = sign_request(station_key, station_id, "POST", path, body, now=clock.timestamp())
    ...
    receipts = CaseBatchResult.from_dict(response.json()).receipts

Every ``from_dict`` raises :class:`ProtocolError` (with a Chinese ``detail``) on a malformed message, never
``KeyError`` / ``TypeError``. Hazard: ``canonical_json`` refuses floats, because their text form differs
between implementations and a signature over them would not verify on the other side.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "API_PREFIX",
    "HEADER_CONTENT_SHA256",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_STATION_ID",
    "HEADER_TIMESTAMP",
    "HEADER_TOTAL_SIZE",
    "MAX_BATCH_CASES",
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
    "JSONObject",
    "Problem",
    "ProtocolError",
    "ReceiptStatus",
    "SignedEnvelope",
    "SignedRequest",
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

JSONObject = dict[str, Any]

API_PREFIX = "/api/v1"
SIGNATURE_SCHEME = "STATION-SIG-V1"
MAX_SKEW_SECONDS = 300
MAX_BATCH_CASES = 500
PROBLEM_CONTENT_TYPE = "application/problem+json"

HEADER_STATION_ID = "X-Station-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_CONTENT_SHA256 = "X-Content-SHA256"
HEADER_SIGNATURE = "X-Signature"
HEADER_TOTAL_SIZE = "X-Total-Size"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")


class ProtocolError(ValueError):
    """A message or signature that does not follow the protocol.

    ``code`` is a stable machine code (``bad_signature``, ``clock_skew``, ``bad_message`` …) and ``detail``
    Chinese text a community worker can act on. The center turns it into a problem+json response.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


# --------------------------------------------------------------------------- encoding helpers


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ProtocolError("bad_message", "签名文档中不允许出现小数，请使用整数或字符串")
    if isinstance(value, Mapping):
        for v in value.values():
            _refuse_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _refuse_floats(v)


def canonical_json(obj: Any) -> bytes:
    """``sort_keys``, no whitespace, UTF-8 (not ASCII-escaped). Floats are refused (``ProtocolError``)."""
    _refuse_floats(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def case_digest(case: Mapping[str, Any]) -> str:
    """The digest a receipt carries: sha256 hex of the canonical JSON of the case document."""
    return sha256_hex(canonical_json(case))


def b64encode(data: bytes) -> str:
    """Standard, padded base64 (as the protocol uses for keys and signatures)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, what: str = "数据") -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ProtocolError("bad_message", f"{what}不是有效的 base64 编码") from None


def public_key_b64(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Base64 of the raw 32-byte Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64encode(public.public_bytes_raw())


def load_public_key(text: str) -> Ed25519PublicKey:
    """Parse a base64 raw Ed25519 public key; ``ProtocolError`` when it is not one."""
    raw = b64decode(text, what="公钥")
    if len(raw) != 32:
        raise ProtocolError("bad_message", "公钥长度不正确（应为 32 字节的 Ed25519 公钥）")
    return Ed25519PublicKey.from_public_bytes(raw)


def new_nonce() -> str:
    """32 random hex characters (128 bits)."""
    return secrets.token_hex(16)


# --------------------------------------------------------------------------- request signatures


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
        raise ProtocolError(
            "clock_skew",
            f"服务站电脑的时间与区中心相差超过 {window} 秒，请校准电脑时间后重试",
        )


def parse_auth_headers(headers: Mapping[str, str]) -> tuple[str, int, str, str, bytes]:
    """Station id, timestamp, nonce, body digest and signature from the headers (case-insensitive)."""
    lower = {k.lower(): v for k, v in headers.items()}

    def need(name: str) -> str:
        value = lower.get(name.lower())
        if not value:
            raise ProtocolError("missing_signature", f"请求缺少签名头 {name}，请用已注册的服务站软件发送")
        return value

    station_id = need(HEADER_STATION_ID)
    ts_text = need(HEADER_TIMESTAMP)
    nonce = need(HEADER_NONCE)
    digest = need(HEADER_CONTENT_SHA256).lower()
    signature = b64decode(need(HEADER_SIGNATURE), what="签名")
    if not ts_text.isdigit() or len(ts_text) > 12:
        raise ProtocolError("bad_signature", "请求时间戳格式不正确")
    if not _NONCE.match(nonce):
        raise ProtocolError("bad_signature", "请求随机数格式不正确（应为 32 位十六进制）")
    if not _HEX64.match(digest):
        raise ProtocolError("bad_signature", "请求内容摘要格式不正确")
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
        raise ProtocolError("bad_digest", "请求内容与摘要不符，可能在传输中损坏，请重试")
    try:
        public_key.verify(signature, signature_input(method, path, timestamp, nonce, digest))
    except InvalidSignature:
        raise ProtocolError("bad_signature", "请求签名无效，请确认本站已在区中心注册且密钥未更换") from None
    check_skew(timestamp, now, window)
    return SignedRequest(station_id, timestamp, nonce)


# --------------------------------------------------------------------------- parsing helpers


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ProtocolError("bad_message", f"{what}应为 JSON 对象")
    return data


def _str(data: Mapping[str, Any], key: str, *, max_len: int = 1000, empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not empty and not value) or len(value) > max_len:
        raise ProtocolError("bad_message", f"字段 {key} 应为非空文本（最长 {max_len} 字）")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError("bad_message", f"字段 {key} 应为文本")
    return value


def _int(data: Mapping[str, Any], key: str, *, minimum: int = 0) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum or value > 2**62:
        raise ProtocolError("bad_message", f"字段 {key} 应为不小于 {minimum} 的整数")
    return value


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else _int(data, key)


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ProtocolError("bad_message", f"字段 {key} 应为 true 或 false")
    return value


def _dict(data: Mapping[str, Any], key: str) -> JSONObject:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise ProtocolError("bad_message", f"字段 {key} 应为 JSON 对象")
    return dict(value)


def _sha(data: Mapping[str, Any], key: str) -> str:
    value = _str(data, key, max_len=64)
    if not _HEX64.match(value):
        raise ProtocolError("bad_message", f"字段 {key} 应为 64 位小写十六进制 sha256")
    return value


def _list(data: Mapping[str, Any], key: str, *, max_len: int) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ProtocolError("bad_message", f"字段 {key} 应为列表")
    if len(value) > max_len:
        raise ProtocolError("too_large", f"字段 {key} 最多 {max_len} 项，实际 {len(value)} 项，请分批发送")
    return value


# --------------------------------------------------------------------------- enrollment


@dataclass(frozen=True, slots=True)
class EnrollRequest:
    """``POST /api/v1/enroll`` body: the one-time code and the station's Ed25519 public key (base64 raw)."""

    code: str
    public_key: str
    station_name: str
    app_version: str

    def to_dict(self) -> JSONObject:
        return {
            "code": self.code,
            "public_key": self.public_key,
            "station_name": self.station_name,
            "app_version": self.app_version,
        }

    @classmethod
    def from_dict(cls, data: Any) -> EnrollRequest:
        d = _obj(data, "注册请求")
        public_key = _str(d, "public_key", max_len=100)
        load_public_key(public_key)
        return cls(
            _str(d, "code", max_len=100),
            public_key,
            _str(d, "station_name", max_len=200),
            _str(d, "app_version", max_len=50),
        )


@dataclass(frozen=True, slots=True)
class EnrollResponse:
    """What the station pins at enrollment: its identity and the district's public keys (base64 raw)."""

    station_id: str
    station_no: int
    district_code: str
    district_name: str
    catalog_signing_key: str
    recovery_public_key: str
    server_time: str

    def to_dict(self) -> JSONObject:
        return {
            "station_id": self.station_id,
            "station_no": self.station_no,
            "district_code": self.district_code,
            "district_name": self.district_name,
            "catalog_signing_key": self.catalog_signing_key,
            "recovery_public_key": self.recovery_public_key,
            "server_time": self.server_time,
        }

    @classmethod
    def from_dict(cls, data: Any) -> EnrollResponse:
        d = _obj(data, "注册响应")
        signing = _str(d, "catalog_signing_key", max_len=100)
        load_public_key(signing)
        recovery = _str(d, "recovery_public_key", max_len=100)
        if len(b64decode(recovery, what="恢复公钥")) != 32:
            raise ProtocolError("bad_message", "恢复公钥长度不正确（应为 32 字节的 X25519 公钥）")
        return cls(
            _str(d, "station_id", max_len=100),
            _int(d, "station_no", minimum=1),
            _str(d, "district_code", max_len=50, empty=True),
            _str(d, "district_name", empty=True),
            signing,
            recovery,
            _str(d, "server_time", max_len=40),
        )


# --------------------------------------------------------------------------- case push


@dataclass(frozen=True, slots=True)
class BatchCase:
    """One case in a batch: the client id (UUIDv7 text), its version (≥ 1) and the case document."""

    id: str
    version: int
    case: JSONObject

    def to_dict(self) -> JSONObject:
        return {"id": self.id, "version": self.version, "case": self.case}

    @classmethod
    def from_dict(cls, data: Any) -> BatchCase:
        d = _obj(data, "办件")
        return cls(_str(d, "id", max_len=64), _int(d, "version", minimum=1), _dict(d, "case"))


@dataclass(frozen=True, slots=True)
class CaseBatch:
    """``POST /api/v1/cases/batch`` body.

    ``from_dict`` checks only the envelope; each entry is parsed on its own by the center so that one
    malformed case is rejected alone (use :meth:`raw_entries` + :meth:`BatchCase.from_dict`).
    """

    cases: list[BatchCase]

    def to_dict(self) -> JSONObject:
        return {"cases": [c.to_dict() for c in self.cases]}

    @staticmethod
    def raw_entries(data: Any) -> list[Any]:
        return _list(_obj(data, "批量请求"), "cases", max_len=MAX_BATCH_CASES)

    @classmethod
    def from_dict(cls, data: Any) -> CaseBatch:
        return cls([BatchCase.from_dict(c) for c in cls.raw_entries(data)])


class ReceiptStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


#: Receipt ``code`` of a case whose final or station-side terminal status (撤回, 已送达 …) the center's merge
#: would not take because the center has moved on (e.g. the department already decided): the station undoes
#: that local status change so the center's events apply (``sync.local``).
STATUS_OVERRULED = "status_overruled"


@dataclass(frozen=True, slots=True)
class CaseReceipt:
    """The center's answer for one ``(id, version)``; replaying the same pair returns the same receipt."""

    id: str
    version: int
    status: ReceiptStatus
    seq: int | None = None
    reason: str | None = None
    digest: str | None = None
    #: a rejection's kind when the station acts on it: :data:`STATUS_OVERRULED` (sent only when set)
    code: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is ReceiptStatus.ACCEPTED

    def to_dict(self) -> JSONObject:
        out: JSONObject = {
            "id": self.id,
            "version": self.version,
            "status": self.status.value,
            "seq": self.seq,
            "reason": self.reason,
            "digest": self.digest,
        }
        if self.code is not None:
            out["code"] = self.code
        return out

    @classmethod
    def from_dict(cls, data: Any) -> CaseReceipt:
        d = _obj(data, "回执")
        try:
            status = ReceiptStatus(str(d.get("status")))
        except ValueError:
            raise ProtocolError("bad_message", "回执状态应为 accepted 或 rejected") from None
        return cls(
            _str(d, "id", max_len=64),
            _int(d, "version", minimum=0),
            status,
            _opt_int(d, "seq"),
            _opt_str(d, "reason"),
            _opt_str(d, "digest"),
            _opt_str(d, "code"),
        )


@dataclass(frozen=True, slots=True)
class CaseBatchResult:
    receipts: list[CaseReceipt]

    def to_dict(self) -> JSONObject:
        return {"receipts": [r.to_dict() for r in self.receipts]}

    @classmethod
    def from_dict(cls, data: Any) -> CaseBatchResult:
        d = _obj(data, "批量响应")
        return cls([CaseReceipt.from_dict(r) for r in _list(d, "receipts", max_len=MAX_BATCH_CASES)])


@dataclass(frozen=True, slots=True)
class AttachmentStatus:
    """``GET/PUT /api/v1/attachments/{sha256}``: how many bytes the center holds and whether it verified."""

    sha256: str
    size: int
    received: int
    complete: bool

    def to_dict(self) -> JSONObject:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "received": self.received,
            "complete": self.complete,
        }

    @classmethod
    def from_dict(cls, data: Any) -> AttachmentStatus:
        d = _obj(data, "附件状态")
        return cls(_sha(d, "sha256"), _int(d, "size"), _int(d, "received"), _bool(d, "complete"))


# --------------------------------------------------------------------------- feed


class EventType(StrEnum):
    STATUS_CHANGED = "status_changed"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    DECIDED = "decided"
    RESULT_READY = "result_ready"
    ROUTED_IN = "routed_in"
    ROUTED_OUT = "routed_out"
    FOLLOWUP_OPENED = "followup_opened"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One event in a station's feed. ``type`` stays a plain string so a newer center's events parse."""

    seq: int
    type: str
    case_id: str | None
    at: str
    payload: JSONObject = field(default_factory=dict)

    def to_dict(self) -> JSONObject:
        return {
            "seq": self.seq,
            "type": self.type,
            "case_id": self.case_id,
            "at": self.at,
            "payload": self.payload,
        }

    @classmethod
    def from_dict(cls, data: Any) -> FeedEvent:
        d = _obj(data, "事件")
        return cls(
            _int(d, "seq", minimum=1),
            _str(d, "type", max_len=64),
            _opt_str(d, "case_id"),
            _str(d, "at", max_len=40),
            _dict(d, "payload"),
        )


@dataclass(frozen=True, slots=True)
class FeedPage:
    """``GET /api/v1/feed?after=CURSOR&limit=N``: events in ``seq`` order; ``next`` is the cursor to use."""

    events: list[FeedEvent]
    next: int

    def to_dict(self) -> JSONObject:
        return {"events": [e.to_dict() for e in self.events], "next": self.next}

    @classmethod
    def from_dict(cls, data: Any) -> FeedPage:
        d = _obj(data, "事件列表")
        events = [FeedEvent.from_dict(e) for e in _list(d, "events", max_len=10_000)]
        seqs = [e.seq for e in events]
        if seqs != sorted(set(seqs)):
            raise ProtocolError("bad_message", "事件序号未按顺序排列")
        return cls(events, _int(d, "next"))


@dataclass(frozen=True, slots=True)
class FeedAck:
    """``POST /api/v1/feed/ack`` body: the station applied every event up to ``cursor``."""

    cursor: int

    def to_dict(self) -> JSONObject:
        return {"cursor": self.cursor}

    @classmethod
    def from_dict(cls, data: Any) -> FeedAck:
        return cls(_int(_obj(data, "确认请求"), "cursor"))


# --------------------------------------------------------------------------- problem+json


@dataclass(frozen=True, slots=True)
class Problem:
    """RFC 9457 problem details: ``detail`` in Chinese, ``code`` stable for machines."""

    status: int
    code: str
    detail: str
    title: str = ""
    type: str = "about:blank"
    extra: JSONObject = field(default_factory=dict)

    def to_dict(self) -> JSONObject:
        out: JSONObject = dict(self.extra)
        out.update(
            {
                "type": self.type,
                "title": self.title or self.code,
                "status": self.status,
                "detail": self.detail,
                "code": self.code,
            }
        )
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Problem:
        d = _obj(data, "错误响应")
        known = {"type", "title", "status", "detail", "code"}
        return cls(
            _int(d, "status"),
            _str(d, "code", max_len=100),
            _str(d, "detail", max_len=10_000),
            str(d.get("title") or ""),
            str(d.get("type") or "about:blank"),
            {k: v for k, v in d.items() if k not in known},
        )


# --------------------------------------------------------------------------- signed envelopes


@dataclass(frozen=True, slots=True)
class SignedEnvelope:
    """A district-signed document (``kind`` = ``catalog``, ``catalog_delta`` or ``calendar``)."""

    kind: str
    version: int
    issued_at: str
    expires_at: str
    key_id: str
    payload: JSONObject
    signature: str

    def unsigned_dict(self) -> JSONObject:
        return {
            "kind": self.kind,
            "version": self.version,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "key_id": self.key_id,
            "payload": self.payload,
        }

    def to_dict(self) -> JSONObject:
        out = self.unsigned_dict()
        out["signature"] = self.signature
        return out

    @classmethod
    def from_dict(cls, data: Any) -> SignedEnvelope:
        d = _obj(data, "签名文档")
        return cls(
            _str(d, "kind", max_len=50),
            _int(d, "version"),
            _str(d, "issued_at", max_len=40),
            _str(d, "expires_at", max_len=40),
            _str(d, "key_id", max_len=200),
            _dict(d, "payload"),
            _str(d, "signature", max_len=200),
        )


def sign_envelope(
    key: Ed25519PrivateKey,
    *,
    kind: str,
    version: int,
    payload: JSONObject,
    issued_at: str,
    expires_at: str,
    key_id: str,
) -> SignedEnvelope:
    """Sign ``canonical_json`` of the envelope without ``signature``. Times are UTC ISO-8601 with ``Z``."""
    unsigned = SignedEnvelope(kind, version, issued_at, expires_at, key_id, payload, "")
    signature = key.sign(canonical_json(unsigned.unsigned_dict()))
    return SignedEnvelope(kind, version, issued_at, expires_at, key_id, payload, b64encode(signature))


def verify_envelope(
    data: Any,
    public_key: Ed25519PublicKey,
    *,
    kind: str,
    now_iso: str,
    key_id: str | None = None,
    min_version: int | None = None,
) -> SignedEnvelope:
    """Parse and verify a signed document; refuse another kind or key, a bad signature, an expired document
    (``expires_at <= now_iso``; both UTC ``...Z`` strings compare as text) and a version not above
    ``min_version``."""
    env = SignedEnvelope.from_dict(data)
    if env.kind != kind:
        raise ProtocolError("bad_document", f"文档类型不符：期望 {kind}，收到 {env.kind}")
    if key_id is not None and env.key_id != key_id:
        raise ProtocolError("bad_document", "文档不是用注册时确认的区中心密钥签发的，已拒绝")
    try:
        public_key.verify(b64decode(env.signature, what="签名"), canonical_json(env.unsigned_dict()))
    except InvalidSignature:
        raise ProtocolError("bad_document", "文档签名无效，可能被篡改，已拒绝") from None
    if env.expires_at <= now_iso:
        raise ProtocolError("expired_document", f"文档已于 {env.expires_at} 过期，请联系区中心重新发布")
    if min_version is not None and env.version <= min_version:
        raise ProtocolError("stale_document", f"文档版本 {env.version} 不高于本站已有版本 {min_version}")
    return env
