"""The one exception hierarchy of ``storage``.

Every error a caller can act on derives from :class:`StorageError`. ``str(err)`` is a Chinese message a
community worker can read; ``err.detail`` (English, no personal data) is for logs and ``station-app verify``.
Low-level ``OSError`` / ``InvalidTag`` are translated at the boundary of this package.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class. ``str(err)`` is the worker-facing Chinese message, ``err.detail`` the technical one."""

    default_message = "本地数据存储出错"

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        super().__init__(message or self.default_message)
        self.detail = detail


class StoreBusy(StorageError):
    """Another process holds the data directory lock."""

    default_message = "该数据目录已被另一个站点程序打开，请先关闭另一个窗口或程序后再试。"


class StoreNotFound(StorageError):
    default_message = "数据目录中没有站点数据，请先运行 station-app init 初始化。"


class StoreExists(StorageError):
    default_message = "该数据目录已经初始化过，不能重复初始化。"


class StoreLocked(StorageError):
    """The data key is not in memory yet: call ``unlock_*`` first."""

    default_message = "数据尚未解锁，请先登录。"


class StoreCorrupted(StorageError):
    """A file failed authentication, is truncated, swapped, rolled back or malformed. Refuse to continue."""

    default_message = "本地数据文件已损坏或被改动，程序已停止使用该数据。请联系区中心技术人员。"


class WrongKey(StoreCorrupted):
    """The data key does not open this store (e.g. key file from another station)."""

    default_message = "密钥与本地数据不匹配，无法打开数据。请联系区中心技术人员。"


class WrongSecret(StorageError):
    """A PIN, password or station passphrase did not open its key slot."""

    default_message = "密码错误。"


class SlotLockedOut(StorageError):
    """Too many wrong PINs: the slot waits until ``retry_at`` (epoch seconds)."""

    def __init__(self, retry_at: float, wait_seconds: float) -> None:
        minutes = max(1, round(wait_seconds / 60))
        super().__init__(
            f"密码错误次数过多，请约 {minutes} 分钟后再试，或请站点管理员处理。",
            detail=f"locked out for {wait_seconds:.0f}s",
        )
        self.retry_at = retry_at
        self.wait_seconds = wait_seconds


class UnknownSlot(StorageError):
    default_message = "没有这个工作人员账号。"


class StationSecretRequired(StorageError):
    """Worker PINs need the station device secret: the station passphrase has not been entered this boot."""

    default_message = "站点尚未启动解锁：请站点管理员先输入站点口令。"


class WeakSecret(StorageError):
    default_message = "密码太短。"


class DiskSpaceLow(StorageError):
    default_message = "磁盘剩余空间不足，暂不能受理新的办件。请清理磁盘或联系技术人员。"


class DiskFull(StorageError):
    """ENOSPC during a write. Every earlier commit is intact; the failed one left no trace."""

    default_message = "磁盘已满，本次保存没有成功（之前保存的数据完好）。请清理磁盘空间后重试。"


class AttachmentRejected(StorageError):
    """A scan that is not a well-formed JPEG, PNG or PDF, or is too large."""

    default_message = "只能上传 JPG、PNG 图片或 PDF 文件，且文件须完整。"


class BlobNotFound(StorageError):
    default_message = "找不到该附件。"


class RecoveryFailed(StorageError):
    default_message = "无法用区中心恢复密钥打开本站数据。"
