"""The sync engine's one error hierarchy.

Every error carries ``message`` (Chinese, what happened, in words a community worker understands) and
``action`` (Chinese, what to do about it). Lower-level errors (``httpx`` transport errors, problem+json
answers, :class:`sync.protocol.ProtocolError`) are translated into these at the boundary, so the UI and
the scheduler only ever see a :class:`SyncError`.

``retryable`` tells the scheduler whether trying again later can help (a dropped connection) or not
(a revoked station, a refused catalog) — a refused catalog does not stop the rest of a sync either.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CenterError",
    "DocumentRefused",
    "NetworkError",
    "NotEnrolled",
    "SyncError",
]


class SyncError(Exception):
    """Base of every sync failure."""

    retryable: bool = True
    default_action: str = "系统会自动重试；如果一直失败，请联系区中心技术人员"

    def __init__(self, message: str, action: str | None = None, *, code: str = "sync_error") -> None:
        super().__init__(message)
        self.message = message
        self.action = action or self.default_action
        self.code = code

    def worker_text(self) -> str:
        """One line for the sync screen: what happened and what to do."""
        return f"{self.message}。{self.action}"


class NetworkError(SyncError):
    """The center could not be reached or the connection broke (timeouts, resets, truncated answers)."""

    default_action = "请检查网络（4G 热点或宽带）是否连通；网络恢复后系统会自动继续同步，已完成的部分不会重传"


class CenterError(SyncError):
    """The center answered with an error it may recover from (5xx) or an answer we cannot read."""

    default_action = "区中心暂时无法处理，系统会自动重试；如持续一小时以上，请电话联系区中心"


class AuthError(SyncError):
    """The center refused who we are: unknown or revoked station, bad signature, clock skew."""

    retryable = False
    default_action = "请联系区中心管理员核对本站注册状态"


class DocumentRefused(SyncError):
    """A signed document (catalog, calendar) was refused; the station keeps its current one."""

    retryable = False
    default_action = "本站继续使用现有事项清单；请联系区中心重新发布"


class NotEnrolled(SyncError):
    """The station has not been enrolled with a district center yet."""

    retryable = False
    default_action = "请由管理员执行 station-app enroll 完成注册"
