"""The station's encrypted, crash-safe local store: key slots, documents, blobs, audit log.

Public API (see :mod:`storage.store` for a worked example and docs/storage.md for the design)::

    from storage import StationStore, KdfParams, BlobRef, open_recovery_slot, recover_with_district_key
"""

from casework.blobref import BlobRef, blob_refs
from storage.blobs import BlobStore
from storage.crypto import KdfParams
from storage.docstore import Summarizer
from storage.errors import (
    AttachmentRejected,
    BlobNotFound,
    DiskFull,
    DiskSpaceLow,
    RecoveryFailed,
    SlotLockedOut,
    StationSecretRequired,
    StorageError,
    StoreBusy,
    StoreCorrupted,
    StoreExists,
    StoreLocked,
    StoreNotFound,
    UnknownSlot,
    WeakSecret,
    WrongKey,
    WrongSecret,
)
from storage.fsutil import DiskStatus
from storage.recovery import open_recovery_slot, seal_recovery_slot
from storage.store import StationStore, StoreOptions, Transaction, recover_with_district_key

__all__ = [
    "AttachmentRejected",
    "BlobNotFound",
    "BlobRef",
    "BlobStore",
    "DiskFull",
    "DiskSpaceLow",
    "DiskStatus",
    "KdfParams",
    "RecoveryFailed",
    "SlotLockedOut",
    "StationSecretRequired",
    "StationStore",
    "StorageError",
    "StoreBusy",
    "StoreCorrupted",
    "StoreExists",
    "StoreLocked",
    "StoreNotFound",
    "StoreOptions",
    "Summarizer",
    "Transaction",
    "UnknownSlot",
    "WeakSecret",
    "WrongKey",
    "WrongSecret",
    "blob_refs",
    "open_recovery_slot",
    "recover_with_district_key",
    "seal_recovery_slot",
]
