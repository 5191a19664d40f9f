"""The protocol's one error: :class:`ProtocolError`, a message or signature that does not follow it."""

from __future__ import annotations

from typing import Any

from casework.errors import DomainError

__all__ = ["ProtocolError"]


class ProtocolError(DomainError):
    """A message or signature that does not follow the protocol.

    ``wire_code`` is the stable machine code the center answers with in problem+json (``bad_signature``,
    ``clock_skew``, ``bad_message``, ``too_large`` …); ``code`` is ``protocol.<wire_code>`` (or
    ``protocol.<wire_code>.<variant>`` when one wire code has several causes worth different words) for the
    message catalogs, which hold the words. Parameters say what was wrong (``field``, ``limit`` …).
    """

    code = "protocol.bad_message"

    def __init__(self, wire_code: str, /, *, variant: str = "", detail: str = "", **params: Any) -> None:
        text_code = f"protocol.{wire_code}" + (f".{variant}" if variant else "")
        super().__init__(text_code, detail=detail, **params)
        self.wire_code = wire_code
