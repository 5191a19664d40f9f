"""The station ↔ center messages, defined once: typed pydantic dataclasses that both sides build and parse,
and whose JSON Schemas are the center's OpenAPI document and the message tables of ``docs/protocol.md``.

Every message has ``to_dict()`` (the JSON-ready wire form) and ``from_dict(data)`` (validate untrusted JSON);
``from_dict`` raises :class:`ProtocolError` — ``bad_message`` naming the field, or ``too_large`` for a list
over its limit — never ``KeyError`` / ``ValidationError``. Values are strict: ``"3"`` is not an integer and
``true`` is not ``1``. Unknown fields are ignored, so a newer peer's additions parse.

    receipts = CaseBatchResult.from_dict(response.json()).receipts
    body = CaseBatch([BatchCase(case_id, 3, case_dict)]).to_dict()
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass

from sync.protocol.canonical import JSONObject, b64decode, load_public_key
from sync.protocol.errors import ProtocolError

__all__ = [
    "MAX_BATCH_CASES",
    "MAX_BATCH_NOTICES",
    "MAX_BATCH_SEARCH_MISSES",
    "MAX_FEED_EVENTS",
    "MESSAGES",
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
    "Message",
    "NoticeBatch",
    "NoticeHeld",
    "NoticeResult",
    "Problem",
    "ReceiptStatus",
    "SearchMissBatch",
    "SearchMissResult",
    "StationCase",
    "json_schema",
]

MAX_BATCH_CASES = 500
MAX_BATCH_SEARCH_MISSES = 500
MAX_BATCH_NOTICES = 200
MAX_FEED_EVENTS = 10_000
#: Receipt ``code`` of a case whose final or station-side terminal status (撤回, 已送达 …) the center's merge
#: would not take because the center has moved on (e.g. the department already decided): the station undoes
#: that local status change so the center's events apply (``sync.local``).
STATUS_OVERRULED = "status_overruled"

_LIMIT = 2**62


Text20 = Annotated[StrictStr, Field(min_length=1, max_length=20)]
Text40 = Annotated[StrictStr, Field(min_length=1, max_length=40)]
Text50 = Annotated[StrictStr, Field(min_length=1, max_length=50)]
Text64 = Annotated[StrictStr, Field(min_length=1, max_length=64)]
Text100 = Annotated[StrictStr, Field(min_length=1, max_length=100)]
Text200 = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Text10k = Annotated[StrictStr, Field(min_length=1, max_length=10_000)]
Code50 = Annotated[StrictStr, Field(max_length=50)]  # may be empty
Name1k = Annotated[StrictStr, Field(max_length=1000)]  # may be empty
Count = Annotated[StrictInt, Field(ge=0, le=_LIMIT)]
Positive = Annotated[StrictInt, Field(ge=1, le=_LIMIT)]
#: case and document versions count edits and publications: 32 bits (the center stores them so)
Version = Annotated[StrictInt, Field(ge=0, le=2**31 - 1)]
FirstVersion = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]


Sha256 = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$", min_length=64, max_length=64)]
_CONFIG = ConfigDict(extra="ignore", frozen=True)

M = TypeVar("M", bound="Message")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def json_schema(cls: type[Message]) -> dict[str, Any]:
    """The JSON Schema of one message (OpenAPI and docs are made from it)."""
    return _adapter(cls).json_schema()


def _refusal(exc: ValidationError, message: str) -> ProtocolError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "(body)"
    if first.get("type") == "too_long" and isinstance(first.get("input"), list):
        limit = (first.get("ctx") or {}).get("max_length", "")
        return ProtocolError("too_large", message=message, field=field, limit=limit, detail=first["msg"])
    if isinstance(first.get("ctx", {}).get("error"), ProtocolError):
        return first["ctx"]["error"]  # type: ignore[no-any-return]  # raised by a validator of ours
    return ProtocolError(
        "bad_message", message=message, field=field, detail=f"{first['type']}: {first['msg']}"
    )


class Message:
    """What every message offers (mixed into the pydantic dataclasses below)."""

    NAME: ClassVar[str] = "message"

    @classmethod
    def from_dict(cls: type[M], data: Any) -> M:
        if not isinstance(data, dict):
            raise ProtocolError("bad_message", message=cls.NAME, field="(body)", detail="not a JSON object")
        try:
            parsed: M = _adapter(cls).validate_python(data)
        except ValidationError as exc:
            raise _refusal(exc, cls.NAME) from None
        return parsed

    def to_dict(self) -> JSONObject:
        out: JSONObject = _adapter(type(self)).dump_python(self, mode="json")
        return out


# --------------------------------------------------------------------------------------------- enrollment


@dataclass(config=_CONFIG)
class EnrollRequest(Message):
    """``POST /api/v1/enroll``: the one-time code and the station's Ed25519 public key (base64 raw)."""

    NAME: ClassVar[str] = "enroll_request"
    code: Text100
    public_key: Annotated[Text100, Field(description="base64 of the raw 32-byte Ed25519 public key")]
    station_name: Text200
    app_version: Text50

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        load_public_key(value)
        return value


@dataclass(config=_CONFIG)
class EnrollResponse(Message):
    """What the station pins at enrollment: its identity and the district's public keys (base64 raw)."""

    NAME: ClassVar[str] = "enroll_response"
    station_id: Text100
    station_no: Positive
    district_code: Code50
    district_name: Name1k
    catalog_signing_key: Text100
    recovery_public_key: Text100
    server_time: Text40

    @field_validator("catalog_signing_key")
    @classmethod
    def _signing(cls, value: str) -> str:
        load_public_key(value)
        return value

    @field_validator("recovery_public_key")
    @classmethod
    def _recovery(cls, value: str) -> str:
        if len(b64decode(value, what="recovery_public_key")) != 32:
            raise ProtocolError("bad_message", variant="key", field="recovery_public_key", size=32)
        return value


# ---------------------------------------------------------------------------------------------- case push


@dataclass(config=_CONFIG)
class BatchCase(Message):
    """One case in a batch: the client id (UUIDv7 text), its version (≥ 1) and the case document."""

    NAME: ClassVar[str] = "batch_case"
    id: Text64
    version: FirstVersion
    case: JSONObject


@dataclass(config=_CONFIG)
class CaseBatch(Message):
    """``POST /api/v1/cases/batch``. The center checks only the envelope with :meth:`raw_entries` and
    parses each entry with :meth:`BatchCase.from_dict`, so one malformed case is rejected alone."""

    NAME: ClassVar[str] = "case_batch"
    cases: Annotated[list[BatchCase], Field(max_length=MAX_BATCH_CASES)]

    @classmethod
    def raw_entries(cls, data: Any) -> list[Any]:
        return _Entries.of(data, "cases", MAX_BATCH_CASES, cls.NAME)


class ReceiptStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(config=_CONFIG)
class CaseReceipt(Message):
    """The center's answer for one ``(id, version)``; replaying the same pair returns the same receipt."""

    NAME: ClassVar[str] = "receipt"
    id: Annotated[StrictStr, Field(max_length=64, description="empty for an entry that had no id")]
    version: Version
    status: ReceiptStatus
    seq: Count | None = None
    reason: StrictStr | None = None
    digest: StrictStr | None = None
    #: a rejection's kind when the station acts on it: :data:`STATUS_OVERRULED` (sent only when set)
    code: StrictStr | None = Field(
        default=None, description="status_overruled: the center refused a final move"
    )

    @property
    def accepted(self) -> bool:
        return self.status is ReceiptStatus.ACCEPTED

    def to_dict(self) -> JSONObject:
        out = super().to_dict()
        if out.get("code") is None:
            out.pop("code", None)
        return out


@dataclass(config=_CONFIG)
class CaseBatchResult(Message):
    NAME: ClassVar[str] = "batch_result"
    receipts: Annotated[list[CaseReceipt], Field(max_length=MAX_BATCH_CASES)]


@dataclass(config=_CONFIG)
class StationCase(Message):
    """``GET /api/v1/cases/{id}``: the center's copy of a case the asking station accepted (or was routed)."""

    NAME: ClassVar[str] = "station_case"
    id: Text64
    version: Version
    seq: Count
    status: Text40
    routed: StrictBool
    case: JSONObject


@dataclass(config=_CONFIG)
class SearchMissBatch(Message):
    """``POST /api/v1/search-misses``: guide searches that found nothing, each a
    ``casework.search_log.SearchMiss.to_dict()``; the center parses each entry on its own."""

    NAME: ClassVar[str] = "search_miss_batch"
    misses: Annotated[list[JSONObject], Field(max_length=MAX_BATCH_SEARCH_MISSES)]

    @classmethod
    def raw_entries(cls, data: Any) -> list[Any]:
        return _Entries.of(data, "misses", MAX_BATCH_SEARCH_MISSES, cls.NAME)


@dataclass(config=_CONFIG)
class SearchMissResult(Message):
    """The ids the center holds now (``accepted``: stored by this request or before) and the ids it refused
    as malformed (``rejected``: resending cannot help). The station forgets both."""

    NAME: ClassVar[str] = "search_miss_result"
    accepted: Annotated[list[Text64], Field(max_length=MAX_BATCH_SEARCH_MISSES)]
    rejected: Annotated[list[Text64], Field(max_length=MAX_BATCH_SEARCH_MISSES)] = dataclasses.field(
        default_factory=list
    )


@dataclass(config=_CONFIG)
class NoticeBatch(Message):
    """``POST /api/v1/notices``: 一次性告知 and 不予受理 records, each a
    ``casework.notices.NoticeReport.to_dict()`` (no scans); the center parses each entry on its own and keeps
    the newest version of each notice id per station."""

    NAME: ClassVar[str] = "notice_batch"
    notices: Annotated[list[JSONObject], Field(max_length=MAX_BATCH_NOTICES)]

    @classmethod
    def raw_entries(cls, data: Any) -> list[Any]:
        return _Entries.of(data, "notices", MAX_BATCH_NOTICES, cls.NAME)


@dataclass(config=_CONFIG)
class NoticeHeld(Message):
    """A notice the center holds now, at ``version`` (this request's or a newer one it had before)."""

    NAME: ClassVar[str] = "notice_held"
    id: Text64
    version: Positive


@dataclass(config=_CONFIG)
class NoticeResult(Message):
    """What the center holds after the request (``held``: stored now or before, at that version) and the ids
    it refused (``rejected``: malformed, or claiming another station; resending cannot help). The station
    forgets both."""

    NAME: ClassVar[str] = "notice_result"
    held: Annotated[list[NoticeHeld], Field(max_length=MAX_BATCH_NOTICES)]
    rejected: Annotated[list[Text64], Field(max_length=MAX_BATCH_NOTICES)] = dataclasses.field(
        default_factory=list
    )


@dataclass(config=_CONFIG)
class AttachmentStatus(Message):
    """``GET/PUT /api/v1/attachments/{sha256}``: how many bytes the center holds and whether it verified."""

    NAME: ClassVar[str] = "attachment_status"
    sha256: Sha256
    size: Count
    received: Count
    complete: StrictBool


# ---------------------------------------------------------------------------------------------------- feed


class EventType(StrEnum):
    STATUS_CHANGED = "status_changed"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    DECIDED = "decided"
    RESULT_READY = "result_ready"
    ROUTED_IN = "routed_in"
    ROUTED_OUT = "routed_out"
    FOLLOWUP_OPENED = "followup_opened"
    #: the center recomputed a case's promised dates under a newer holiday calendar (casework.deadlines)
    DEADLINE_CHANGED = "deadline_changed"
    #: the department waived an owed 容缺 material (免于补交) with a reason: ``code``, ``by``, ``reason``
    DEFERRED_WAIVED = "deferred_waived"


@dataclass(config=_CONFIG)
class FeedEvent(Message):
    """One event in a station's feed. ``type`` stays a plain string so a newer center's events parse."""

    NAME: ClassVar[str] = "feed_event"
    seq: Positive
    type: Text64
    case_id: StrictStr | None
    at: Text40
    payload: JSONObject = dataclasses.field(default_factory=dict)


@dataclass(config=_CONFIG)
class FeedPage(Message):
    """``GET /api/v1/feed?after=CURSOR&limit=N``: events in ``seq`` order; ``next`` is the cursor to use."""

    NAME: ClassVar[str] = "feed_page"
    events: Annotated[list[FeedEvent], Field(max_length=MAX_FEED_EVENTS)]
    next: Count

    @model_validator(mode="after")
    def _ordered(self) -> FeedPage:
        seqs = [e.seq for e in self.events]
        if seqs != sorted(set(seqs)):
            raise ProtocolError("bad_message", variant="feed_order")
        return self


@dataclass(config=_CONFIG)
class FeedAck(Message):
    """``POST /api/v1/feed/ack``: the station applied every event up to ``cursor``."""

    NAME: ClassVar[str] = "feed_ack"
    cursor: Count


@dataclass(config=_CONFIG)
class Health(Message):
    """``GET /healthz``: the center answers, with its clock (a station learns its own skew from it)."""

    NAME: ClassVar[str] = "health"
    status: Text20
    time: Text40


# ------------------------------------------------------------------------------------------- problem+json


@dataclass(config=_CONFIG)
class Problem(Message):
    """RFC 9457 problem details: ``code`` stable for machines, ``detail`` the words (Chinese, the district's
    language), ``params`` what a station needs to say it in its own UI language; further members are kept in
    ``extra`` and flattened on the wire."""

    NAME: ClassVar[str] = "problem"
    status: Count
    code: Text100
    detail: Text10k
    title: StrictStr = ""
    type: StrictStr = "about:blank"
    params: JSONObject = dataclasses.field(default_factory=dict)
    extra: JSONObject = dataclasses.field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: Any) -> Any:
        if isinstance(data, dict) and "extra" not in data:
            known = {"type", "title", "status", "detail", "code", "params"}
            data = {
                **{k: v for k, v in data.items() if k in known},
                "extra": {k: v for k, v in data.items() if k not in known},
            }
        return data

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
        if self.params:
            out["params"] = dict(self.params)
        return out


class _Entries:
    @staticmethod
    def of(data: Any, key: str, limit: int, message: str) -> list[Any]:
        if not isinstance(data, dict):
            raise ProtocolError("bad_message", message=message, field="(body)", detail="not a JSON object")
        value = data.get(key)
        if not isinstance(value, list):
            raise ProtocolError("bad_message", message=message, field=key, detail="not a list")
        if len(value) > limit:
            raise ProtocolError(
                "too_large", message=message, field=key, limit=limit, detail=f"{len(value)} items"
            )
        return value


#: Every message of the protocol, in the order ``docs/protocol.md`` lists them.
MESSAGES: tuple[type[Message], ...] = (
    EnrollRequest,
    EnrollResponse,
    BatchCase,
    CaseBatch,
    CaseReceipt,
    CaseBatchResult,
    StationCase,
    AttachmentStatus,
    SearchMissBatch,
    SearchMissResult,
    NoticeBatch,
    NoticeHeld,
    NoticeResult,
    FeedEvent,
    FeedPage,
    FeedAck,
    Health,
    Problem,
)
