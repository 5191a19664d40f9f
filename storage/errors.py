"""The one exception hierarchy of ``storage``.

Every error a caller can act on derives from :class:`StorageError`, a :class:`casework.errors.DomainError`:
a stable ``code`` (``storage.*``) whose words are in ``casework/data/messages/*.json``; ``str(err)`` is the
message for a community worker in the current UI language, ``err.detail`` (English, no personal data) is for
logs and ``station-app verify``. Low-level ``OSError`` / ``InvalidTag`` are translated at the boundary of
this package.
"""

from __future__ import annotations

from casework.errors import DomainError


class StorageError(DomainError):
    """Base class: ``code`` for the worker-facing message, ``detail`` for the technical one."""

    code = "storage.error"


class StoreBusy(StorageError):
    """Another process holds the data directory lock."""

    code = "storage.busy"


class StoreNotFound(StorageError):
    code = "storage.not_found"


class StoreExists(StorageError):
    code = "storage.exists"


class StoreLocked(StorageError):
    """The data key is not in memory yet: call ``unlock_*`` first."""

    code = "storage.locked"


class StoreCorrupted(StorageError):
    """A file failed authentication, is truncated, swapped, rolled back or malformed. Refuse to continue."""

    code = "storage.corrupted"


class WrongKey(StoreCorrupted):
    """The data key does not open this store (e.g. key file from another station)."""

    code = "storage.wrong_key"


class WrongSecret(StorageError):
    """A PIN, password or station passphrase did not open its key slot."""

    code = "storage.wrong_secret"


class SlotLockedOut(StorageError):
    """Too many wrong PINs: the slot waits until ``retry_at`` (epoch seconds)."""

    code = "storage.locked_out"

    def __init__(self, retry_at: float, wait_seconds: float) -> None:
        minutes = max(1, round(wait_seconds / 60))
        super().__init__(minutes=minutes, detail=f"locked out for {wait_seconds:.0f}s")
        self.retry_at = retry_at
        self.wait_seconds = wait_seconds


class UnknownSlot(StorageError):
    code = "storage.unknown_worker"


class StationSecretRequired(StorageError):
    """Worker PINs need the station device secret: the station passphrase has not been entered this boot."""

    code = "storage.station_passphrase_required"


class WeakSecret(StorageError):
    code = "storage.weak_secret"


class DiskSpaceLow(StorageError):
    code = "storage.disk_space_low"


class DiskFull(StorageError):
    """ENOSPC during a write. Every earlier commit is intact; the failed one left no trace."""

    code = "storage.disk_full"


class AttachmentRejected(StorageError):
    """A scan that is not a well-formed JPEG, PNG or PDF, or is too large."""

    code = "storage.attachment_rejected"


class BlobNotFound(StorageError):
    code = "storage.attachment_not_found"


class RecoveryFailed(StorageError):
    code = "storage.recovery_failed"
