"""The sync engine's one error hierarchy.

Every error is a :class:`casework.errors.DomainError`: a dotted ``code`` (``sync.engine.*``,
``sync.bundle.*``, ``sync.enrollment.*``, ``sync.apply.*``, ``sync.client.*``, ``sync.local.*``) with
``params`` — what happened, worded by the message catalogs in words a community worker understands —
and an ``action_code``, the catalog entry that says what to do about it (each class has a default).
``message`` and ``action`` are those two texts in the current language. Lower-level errors (``httpx``
transport errors, problem+json answers, :class:`sync.protocol.ProtocolError`) are translated into these at
the boundary, so the UI and the scheduler only ever see a :class:`SyncError`::

    raise CenterError("sync.engine.missing_receipts", wire_code="missing_receipts")
    # err.message == "区中心没有为已上传的办件返回回执" (zh_CN); err.wire_code == "missing_receipts"

``wire_code`` is the short machine code of the outcome (``network``, ``bad_catalog``, ``delta_base``, the
center's problem code …); callers branch on it and it is what the station reports. It is not the catalog
code.

``retryable`` tells the scheduler whether trying again later can help (a dropped connection) or not
(a revoked station, a refused catalog) — a refused catalog does not stop the rest of a sync either.
"""

from __future__ import annotations

from typing import Any, ClassVar

from casework import messages
from casework.errors import DomainError

__all__ = [
    "AuthError",
    "CenterError",
    "DocumentRefused",
    "NetworkError",
    "NotEnrolled",
    "SyncError",
]


class SyncError(DomainError):
    """Base of every sync failure."""

    code = "sync.error"
    retryable: bool = True
    default_action: ClassVar[str] = "sync.action.retry"

    def __init__(
        self,
        code: str | None = None,
        /,
        *,
        wire_code: str = "sync_error",
        action_code: str | None = None,
        detail: str = "",
        **params: Any,
    ) -> None:
        super().__init__(code, detail=detail, **params)
        self.wire_code = wire_code
        self.action_code = action_code or self.default_action

    @property
    def message(self) -> str:
        """What happened, in the current language."""
        return self.text()

    @property
    def action(self) -> str:
        """What to do about it, in the current language."""
        return messages.text(self.action_code, self.params)

    def worker_text(self, language: str | None = None) -> str:
        """One line for the sync screen: what happened and what to do."""
        return messages.text(
            "sync.worker_text",
            {
                "message": self.text(language),
                "action": messages.text(self.action_code, self.params, language),
            },
            language,
        )


class NetworkError(SyncError):
    """The center could not be reached or the connection broke (timeouts, resets, truncated answers)."""

    code = "sync.client.connection_lost"
    default_action = "sync.action.check_network"


class CenterError(SyncError):
    """The center answered with an error it may recover from (5xx) or an answer we cannot read."""

    code = "sync.engine.bad_response"
    default_action = "sync.action.center_busy"


class AuthError(SyncError):
    """The center refused who we are: unknown or revoked station, bad signature, clock skew."""

    code = "sync.engine.refused"
    retryable = False
    default_action = "sync.action.check_enrollment"


class DocumentRefused(SyncError):
    """A signed document (catalog, calendar) was refused; the station keeps its current one."""

    code = "sync.engine.document_refused"
    retryable = False
    default_action = "sync.action.keep_catalog"


class NotEnrolled(SyncError):
    """The station has not been enrolled with a district center yet."""

    code = "sync.local.not_enrolled"
    retryable = False
    default_action = "sync.action.enroll"
