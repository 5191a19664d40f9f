"""Attachments: streaming, content addressing, type checks, range reads, chunk integrity."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc

import pytest

from storage import AttachmentRejected, BlobNotFound, StoreCorrupted
from storage.blobs import CHUNK, HEADER_LEN, MAGIC

from .helpers import jpeg, new_store, pdf, png


class Generated(io.RawIOBase):
    """A 50 MB JPEG produced on the fly, so the test itself never holds it in memory."""

    def __init__(self, size: int) -> None:
        self.size, self.pos = size, 0
        self.sha = hashlib.sha256()
        self.block = os.urandom(65536)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        n = min(len(b), self.size - self.pos)
        if n <= 0:
            return 0
        k = len(self.block)
        first = self.pos % k
        reps = (first + n) // k + 1
        out = (
            bytearray((self.block * reps)[first : first + n])
            if reps < 4
            else bytearray(b"".join([self.block] * reps)[first : first + n])
        )
        marks = [*enumerate(b"\xff\xd8\xff\xe0"), (self.size - 2, 0xFF), (self.size - 1, 0xD9)]
        for p, byte in marks:
            if self.pos <= p < self.pos + n:
                out[p - self.pos] = byte
        b[:n] = out
        self.sha.update(out)
        self.pos += n
        return n


@pytest.fixture
def store(tmp_path):
    s = new_store(tmp_path / "st")
    yield s
    s.close()


@pytest.mark.parametrize("make,mime", [(jpeg, "image/jpeg"), (png, "image/png"), (pdf, "application/pdf")])
def test_round_trip_each_type(store, make, mime):
    data = make(3 * CHUNK + 123)
    ref = store.blobs.put(io.BytesIO(data))
    assert ref.mime == mime and ref.size == len(data) and ref.sha256 == hashlib.sha256(data).hexdigest()
    assert store.blobs.read_bytes(ref.sha256) == data
    assert store.blobs.has(ref.sha256) and store.blobs.size(ref.sha256) == len(data)
    with store.blobs.open(ref.sha256) as f:
        assert f.read(10) + f.read() == data


def test_fifty_megabytes_stream_without_holding_the_file(store):
    src = Generated(50 << 20)
    tracemalloc.start()
    ref = store.blobs.put(io.BufferedReader(src, 1 << 16))
    read_sha = hashlib.sha256()
    for piece in store.blobs.iter_chunks(ref.sha256):
        read_sha.update(piece)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert ref.sha256 == src.sha.hexdigest() == read_sha.hexdigest()
    assert ref.size == 50 << 20
    assert peak < 12 << 20, f"peak {peak >> 20} MiB"


def test_range_reads_and_resume_from_offset(store):
    data = jpeg(5 * CHUNK + 77)
    ref = store.blobs.put_bytes(data)
    for off, n in [(0, 10), (CHUNK - 3, 10), (2 * CHUNK, CHUNK), (len(data) - 5, 100), (len(data), 10)]:
        assert store.blobs.read_range(ref.sha256, off, n) == data[off : off + n]
    pieces = list(store.blobs.iter_chunks(ref.sha256, offset=CHUNK + 5, chunk_size=1 << 20))
    assert b"".join(pieces) == data[CHUNK + 5 :]
    assert all(len(p) == 1 << 20 for p in pieces[:-1])


def test_identical_scans_stored_once_and_names_hide_content(store):
    data = png(10_000)
    a = store.blobs.put_bytes(data)
    b = store.blobs.put_bytes(data)
    assert a == b
    files = store.blobs.list_files()
    assert len(files) == 1
    assert a.sha256 not in str(files[0]) and a.sha256[:16] not in files[0].read_bytes().hex()


@pytest.mark.parametrize(
    "data,word",
    [
        (b"MZ\x90\x00" + os.urandom(5000), "只能上传"),
        (b"GIF89a" + os.urandom(5000), "只能上传"),
        (b"\xff\xd8\xff\xe0" + os.urandom(5000), "不完整"),  # JPEG without end marker: truncated scan
        (png(5000)[:-12], "不完整"),
        (b"%PDF-1.7\n" + os.urandom(5000), "不完整"),
        (b"", "空"),
    ],
)
def test_other_files_are_refused_with_chinese_message(store, data, word):
    with pytest.raises(AttachmentRejected) as info:
        store.blobs.put_bytes(data)
    assert word in str(info.value)
    assert store.blobs.list_files() == []
    assert not list(store.blobs.dir.glob("*.tmp"))


def test_size_limit(store):
    with pytest.raises(AttachmentRejected) as info:
        store.blobs.put(io.BytesIO(jpeg(3 * CHUNK)), limit=2 * CHUNK)
    assert "MB" in str(info.value)


def _file(store, sha):
    return store.blobs.path_for(sha)


def test_chunk_reorder_truncation_and_flip_are_detected(store):
    data = jpeg(3 * CHUNK + 10)
    ref = store.blobs.put_bytes(data)
    path = _file(store, ref.sha256)
    raw = path.read_bytes()
    start = len(MAGIC) + HEADER_LEN
    step = CHUNK + 28
    c0, c1 = raw[start : start + step], raw[start + step : start + 2 * step]
    variants = {
        "swap": raw[:start] + c1 + c0 + raw[start + 2 * step :],
        "truncate_at_chunk": raw[: start + 3 * step],
        "truncate_mid": raw[:-7],
        "flip": raw[: start + 100] + bytes([raw[start + 100] ^ 1]) + raw[start + 101 :],
    }
    for _name, bad in variants.items():
        path.write_bytes(bad)
        with pytest.raises(StoreCorrupted):
            store.blobs.read_bytes(ref.sha256)
        path.write_bytes(raw)
    assert store.blobs.read_bytes(ref.sha256) == data


def test_missing_blob(store):
    with pytest.raises(BlobNotFound):
        store.blobs.read_bytes("00" * 32)
