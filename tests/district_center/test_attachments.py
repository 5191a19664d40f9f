"""Attachments: chunked upload cut at random offsets and resumed to a verified, encrypted blob."""

from __future__ import annotations

import hashlib
import os
import random
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from casework import clock, messages
from district_center.services.attachments.blobstore import MAGIC, BlobError, EncryptedFileBlobStore
from sync.protocol import HEADER_TOTAL_SIZE, sign_request

from .conftest import make_case, push
from .test_enrollment import _problem


def _put(http, sha, offset, chunk, total):
    return http.put(
        f"/api/v1/attachments/{sha}?offset={offset}",
        content=chunk,
        headers={HEADER_TOTAL_SIZE: str(total), "content-type": "application/octet-stream"},
    )


def _cut_connection(center, station, sha, offset, chunk, total):
    """Send the headers and only part of the body, then drop the connection (a network cut)."""
    path = f"/api/v1/attachments/{sha}?offset={offset}"
    headers = sign_request(station.key, station.station_id, "PUT", path, chunk, now=clock.timestamp())
    u = urlparse(center.url)
    head = [
        f"PUT {path} HTTP/1.1",
        f"Host: {u.netloc}",
        f"Content-Length: {len(chunk)}",
        f"{HEADER_TOTAL_SIZE}: {total}",
        *[f"{k}: {v}" for k, v in headers.items()],
        "",
        "",
    ]
    with socket.create_connection((u.hostname, u.port)) as sock:
        sock.sendall("\r\n".join(head).encode() + chunk[: len(chunk) // 2])
    time.sleep(0.05)


def test_upload_cut_at_random_offsets_resumes_to_verified_blob(center, new_station, client):
    st = new_station()
    http = client(st)
    rng = random.Random(7)
    data = rng.randbytes(700_000)
    sha = hashlib.sha256(data).hexdigest()
    _problem(http.get(f"/api/v1/attachments/{sha}"), 404, "attachment_unknown")
    received, cuts = 0, 0
    while True:
        size = rng.randint(1, 120_000)
        chunk = data[received : received + size]
        fate = rng.random()
        if fate < 0.25:
            _cut_connection(center, st, sha, received, chunk, len(data))
            cuts += 1
        elif fate < 0.4:
            resp = _put(http, sha, received, chunk, len(data))  # applied, but the reply is "lost"
            assert resp.status_code == 200, resp.text
            cuts += 1
        else:
            resp = _put(http, sha, received, chunk, len(data))
            assert resp.status_code == 200, resp.text
        # the station resumes from whatever the center says it holds
        status = http.get(f"/api/v1/attachments/{sha}")
        if status.status_code == 404:
            received = 0
            continue
        body = status.json()
        received = body["received"]
        if body["complete"]:
            break
        assert received <= len(data)
    assert cuts > 0 and body == {"sha256": sha, "size": len(data), "received": len(data), "complete": True}
    # a stale resend is answered with the complete status, and the case may now reference it
    assert _put(http, sha, 0, data[:10], len(data)).json()["complete"] is True
    assert push(http, make_case(st, attachments=(sha,)))[0]["status"] == "accepted"
    blob = b"".join(center.center.blobs.read(sha))
    assert hashlib.sha256(blob).hexdigest() == sha
    # encrypted at rest: no plaintext window appears in any blob file, and names reveal nothing
    files = [p for p in Path(center.settings.blob_dir).rglob("*") if p.is_file()]
    assert files and all(data[1000:1032] not in p.read_bytes() and sha not in p.name for p in files)


def test_wrong_offset_is_409_with_held_count(center, new_station, client):
    st = new_station()
    http = client(st)
    data = os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    assert _put(http, sha, 0, data[:2000], len(data)).json()["received"] == 2000
    resp = _put(http, sha, 1000, data[1000:3000], len(data))
    _problem(resp, 409, "offset_mismatch")
    assert resp.json()["received"] == 2000
    assert _put(http, sha, 2000, data[2000:], len(data)).json()["complete"] is True


def test_hash_mismatch_discards_and_restarts(center, new_station, client):
    st = new_station()
    http = client(st)
    data = os.urandom(3000)
    sha = hashlib.sha256(b"something else" + data).hexdigest()
    assert _put(http, sha, 0, data[:1000], len(data)).status_code == 200
    _problem(_put(http, sha, 1000, data[1000:], len(data)), 422, "hash_mismatch")
    assert http.get(f"/api/v1/attachments/{sha}").json()["received"] == 0
    receipt = push(http, make_case(st, attachments=(sha,)))[0]
    assert receipt["status"] == "rejected"


def test_too_large_refused_up_front_naming_the_limit(center, new_station, client):
    http = client(new_station())
    sha = "ab" * 32
    resp = _put(http, sha, 0, b"x", 3 * 1024 * 1024)
    _problem(resp, 413, "too_large")
    worded = messages.text("center.upload.declared_too_large", {"size_mb": "3.0", "limit_mb": "2"}, "zh_CN")
    assert resp.json()["detail"] == worded and resp.json()["limit"] == 2 * 1024 * 1024
    # refused from the header alone, before the body is read (even before the signature is looked at)
    early = httpx.put(
        f"{center.url}/api/v1/attachments/{sha}?offset=0",
        content=b"x" * 1000,
        headers={HEADER_TOTAL_SIZE: str(60 * 1024 * 1024)},
    )
    _problem(early, 413, "too_large")
    _problem(http.put(f"/api/v1/attachments/{sha}?offset=0", content=b"x"), 400, "bad_size")
    _problem(_put(http, sha, 0, b"xx", 1), 400, "chunk_overflow")
    _problem(http.get("/api/v1/attachments/NOTAHASH"), 400, "bad_request")


# ---------------------------------------------------------------- the blob store on its own


def test_blobstore_roundtrip_torn_tail_and_tamper(tmp_path):
    store = EncryptedFileBlobStore(tmp_path, os.urandom(32))
    assert store.size("k") == 0 and not store.exists("k")
    assert store.append("k", b"hello ") == 6
    assert store.append("k", b"world") == 11
    path = next(p for p in tmp_path.rglob("*") if p.is_file())
    with path.open("ab") as f:
        f.write(b"\x00\x00\x10\x00torn")  # a crash mid-append
    assert store.size("k") == 11
    assert store.append("k", b"!") == 12
    assert b"".join(store.read("k")) == b"hello world!"
    raw = bytearray(path.read_bytes())
    raw[len(MAGIC) + 20] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(BlobError):
        b"".join(store.read("k"))
    other = EncryptedFileBlobStore(tmp_path, os.urandom(32))
    store.put("p", b"data")
    assert not other.exists("p")  # another key maps names elsewhere and cannot read
    store.delete("p")
    assert not store.exists("p")


def test_center_key_file_is_private(center):
    key = center.settings.data_dir / "center-blob.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
