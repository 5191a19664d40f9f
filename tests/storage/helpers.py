"""Shared test helpers: sample scans, a store factory with cheap KDF parameters."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from storage import KdfParams, StationStore, StoreOptions

ADMIN = "admin-secret-for-tests"
PASSPHRASE = "station-passphrase-tests"
FAST = KdfParams.insecure_fast()


def jpeg(size: int = 4096, seed: bytes | None = None) -> bytes:
    body = (seed or os.urandom(16)) * (size // 16 + 1)
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + body[:size] + b"\xff\xd9"


def png(size: int = 4096) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", os.urandom(size)) + chunk(b"IEND", b"")
    )


def pdf(size: int = 4096) -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(size).hex().encode()[:size] + b"\n%%EOF\n"


def new_store(path: Path, **kw: object) -> StationStore:
    opts = kw.pop("options", None) or StoreOptions(reserve_bytes=0, warning_bytes=0)
    return StationStore.create(
        path,
        station_name="测试站",
        admin_secret=ADMIN,
        station_passphrase=PASSPHRASE,
        kdf=FAST,
        options=opts,
        **kw,
    )  # type: ignore[arg-type]


def open_admin(path: Path, **kw: object) -> StationStore:
    s = StationStore.open(path, **kw)  # type: ignore[arg-type]
    try:
        s.unlock_admin(ADMIN)
    except BaseException:
        s.close()
        raise
    return s
