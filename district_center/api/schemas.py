"""OpenAPI helpers and the back-office API's own shapes.

The station protocol's messages are defined once, in :mod:`sync.protocol.messages` (typed pydantic
dataclasses); the routes use them as ``response_model`` and document request bodies with
:func:`request_body`, so the OpenAPI document is made from the same definitions the station and the center
parse with. What is here is only the back office's sign-in (``/api/v1/auth``), which stations never use.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, TypeAdapter


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with every ``#/$defs/X`` reference replaced by its definition (an inlined request body
    cannot refer to the schema's own ``$defs``)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def request_body(model: type[Any], media_type: str = "application/json") -> dict[str, Any]:
    """An OpenAPI ``requestBody`` for a pydantic model or a protocol message, with its schema inlined."""
    schema = TypeAdapter(model).json_schema()
    schema = _inline(schema, schema.get("$defs", {}))
    schema.pop("title", None)
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


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
