"""Durable, cross-platform file primitives: atomic replace, directory fsync, the data-directory lock.

Hazards this module exists for:
- ``os.replace`` on Windows fails briefly with WinError 5/32/33 while antivirus or the indexer holds a file;
  :func:`replace` retries for a few seconds.
- A rename is durable only after the directory is fsynced (POSIX). Windows has no directory fsync; NTFS
  journals the rename metadata itself, so :func:`fsync_dir` is a no-op there.
- ENOSPC must never leave a half-written file in place of a good one: :func:`atomic_write` writes a temp file
  and only renames it over the target after a successful fsync; on error the temp file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import inspect
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from storage.errors import DiskFull, StoreBusy

IS_WINDOWS = sys.platform == "win32"
_WIN_RETRY = {5, 32, 33}  # access denied, sharing violation, lock violation


def is_enospc(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))


def disk_full(exc: OSError, what: str) -> DiskFull:
    return DiskFull(detail=f"{what}: {exc.strerror or exc}")


def fsync_dir(path: Path) -> None:
    """Make a rename/creation inside ``path`` durable (POSIX only; no-op on Windows)."""
    if IS_WINDOWS:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(src: Path, dst: Path, *, attempts: int = 50) -> None:
    """``os.replace`` with retries on Windows sharing violations (about 5 s in all)."""
    for i in range(attempts):
        try:
            os.replace(src, dst)
            return
        except PermissionError as exc:
            winerror = getattr(exc, "winerror", None)
            if not IS_WINDOWS or winerror not in _WIN_RETRY or i == attempts - 1:
                raise
            time.sleep(0.1)


def atomic_write(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Replace ``path`` with ``data`` so a crash leaves the old or the new content, never a mix.

    Raises :class:`DiskFull` on ENOSPC (the old file is untouched and the temp file removed).
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if is_enospc(exc):
            raise disk_full(exc, f"writing {path.name}") from exc
        raise
    if sync_dir:
        fsync_dir(path.parent)


class DirectoryLock:
    """Exclusive OS lock on a data directory, held for the life of the process (or until :meth:`release`).

    Uses ``filelock`` (fcntl ``flock`` on POSIX, ``msvcrt.locking`` on Windows); the OS drops the lock when
    the
    process dies, so a crash never leaves a stale lock. A second opener, in this or another process, gets
    :class:`StoreBusy` at once.
    """

    def __init__(self, data_dir: Path) -> None:
        kwargs: dict[str, Any] = {"timeout": 0, "thread_local": False}  # closed from any thread
        if "fallback_to_soft" in inspect.signature(FileLock.__init__).parameters:
            # a "soft" lock (a file that exists) would outlive a crash and lock the station out for good
            kwargs["fallback_to_soft"] = False
        self._lock: Any = FileLock(str(data_dir / ".station.lock"), **kwargs)

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout as exc:
            raise StoreBusy(detail="data directory lock is held") from exc

    def release(self) -> None:
        self._lock.release()


@dataclass(frozen=True)
class DiskStatus:
    """Free space of the data directory's volume. ``level`` is ``"ok"``, ``"warning"`` or ``"critical"``."""

    free_bytes: int
    total_bytes: int
    level: str
    message: str


def disk_status(path: Path, *, warning_bytes: int, critical_bytes: int) -> DiskStatus:
    usage = shutil.disk_usage(path)
    if usage.free < critical_bytes:
        level, msg = "critical", "磁盘空间严重不足，已停止受理新办件，请立即清理磁盘。"
    elif usage.free < warning_bytes:
        level, msg = "warning", f"磁盘剩余空间较少（约 {usage.free // (1 << 20)} MB），请尽快清理。"
    else:
        level, msg = "ok", ""
    return DiskStatus(usage.free, usage.total, level, msg)
