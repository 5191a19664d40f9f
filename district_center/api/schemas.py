"""Pydantic shapes of the protocol messages, for the OpenAPI document only.

Requests are parsed by ``sync.protocol`` (one source of truth, ``ProtocolError`` → problem+json); these
models describe them for clients and for the schemathesis fuzz test. Request models stay flat because
they are inlined into the OpenAPI ``requestBody``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


def request_body(model: type[BaseModel], media_type: str = "application/json") -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


class EnrollIn(BaseModel):
    code: str = Field(max_length=100)
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key", max_length=100)
    station_name: str = Field(max_length=200)
    app_version: str = Field(max_length=50)


class EnrollOut(BaseModel):
    station_id: str
    station_no: int
    district_code: str
    district_name: str
    catalog_signing_key: str
    recovery_public_key: str
    server_time: str


class BatchIn(BaseModel):
    cases: list[dict[str, Any]] = Field(max_length=500, description="[{id, version, case}]")


class ReceiptOut(BaseModel):
    id: str
    version: int
    status: str = Field(pattern="^(accepted|rejected)$")
    seq: int | None
    reason: str | None
    digest: str | None
    code: str | None = Field(default=None, description="status_overruled: the center refused a final move")


class BatchOut(BaseModel):
    receipts: list[ReceiptOut]


class AttachmentOut(BaseModel):
    sha256: str
    size: int
    received: int
    complete: bool


class FeedEventOut(BaseModel):
    seq: int
    type: str
    case_id: str | None
    at: str
    payload: dict[str, Any]


class FeedOut(BaseModel):
    events: list[FeedEventOut]
    next: int


class AckIn(BaseModel):
    cursor: int = Field(ge=0)


class AckOut(BaseModel):
    cursor: int


class CaseOut(BaseModel):
    id: str
    version: int
    seq: int
    status: str
    routed: bool
    case: dict[str, Any]


class EnvelopeOut(BaseModel):
    kind: str
    version: int
    issued_at: str
    expires_at: str
    key_id: str
    payload: dict[str, Any]
    signature: str


class HealthOut(BaseModel):
    status: str
    time: str


class TokenIn(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=500)


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_at: str
    username: str
    roles: list[str]
    department: str | None


class MeOut(BaseModel):
    username: str
    roles: list[str]
    department: str | None
