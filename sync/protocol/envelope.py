"""District-signed documents: the catalog, its deltas and the holiday calendar travel as a
:class:`SignedEnvelope` — Ed25519 over the canonical JSON of everything but the signature, with a version
that only goes up and an expiry (as TUF does). The station refuses another kind, another key, a bad
signature, an expired document and a version not above the one it holds."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import Field, StrictStr
from pydantic.dataclasses import dataclass

from sync.protocol.canonical import JSONObject, b64decode, b64encode, canonical_json
from sync.protocol.errors import ProtocolError
from sync.protocol.messages import _CONFIG, Message, Text40, Text50, Version

__all__ = ["SignedEnvelope", "sign_envelope", "verify_envelope"]

Text200 = Annotated[StrictStr, Field(min_length=1, max_length=200)]


@dataclass(config=_CONFIG)
class SignedEnvelope(Message):
    """A district-signed document (``kind`` = ``catalog``, ``catalog_delta``, ``calendar`` …)."""

    NAME: ClassVar[str] = "signed_document"
    kind: Text50
    version: Version
    issued_at: Text40
    expires_at: Text40
    key_id: Text200
    payload: JSONObject
    signature: Text200

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
        return {**self.unsigned_dict(), "signature": self.signature}


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
    unsigned = {
        "kind": kind,
        "version": version,
        "issued_at": issued_at,
        "expires_at": expires_at,
        "key_id": key_id,
        "payload": payload,
    }
    signature = b64encode(key.sign(canonical_json(unsigned)))
    return SignedEnvelope(kind, version, issued_at, expires_at, key_id, payload, signature)


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
        raise ProtocolError("bad_document", variant="kind", expected=kind, got=env.kind)
    if key_id is not None and env.key_id != key_id:
        raise ProtocolError("bad_document", variant="foreign_key", detail=f"key {env.key_id}")
    try:
        public_key.verify(b64decode(env.signature, what="signature"), canonical_json(env.unsigned_dict()))
    except InvalidSignature:
        raise ProtocolError("bad_document", variant="signature") from None
    if env.expires_at <= now_iso:
        raise ProtocolError("expired_document", expires_at=env.expires_at)
    if min_version is not None and env.version <= min_version:
        raise ProtocolError("stale_document", version=env.version, held=min_version)
    return env
