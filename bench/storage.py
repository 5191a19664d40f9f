"""Storage benchmark: commit latency as the store grows, versus a plain durable write; blob throughput;
open/unlock time. Prints one JSON object.

    .venv/bin/python bench/storage.py [--commits 200] [--dir /path/on/the/disk/to/measure]

Stores are populated with ``bulk_put`` (the fast import path) but every measured commit goes through the real
path: ``with store.transaction() as tx: tx.put("cases", ...); tx.put("outbox", ...)`` — a journal append +
fsync
and an atomic head replace, plus the audit entry.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage import KdfParams, StationStore, StoreOptions
from storage.fsutil import fsync_dir

ADMIN = "bench-admin-secret"
PASS = "bench-passphrase"


def case_doc(i: int) -> dict[str, object]:
    return {
        "id": f"case-{i:08d}",
        "number": f"610113-2026-{i:07d}-K",
        "version": 3,
        "status": "accepted",
        "station_id": "st-001",
        "item_code": "11610100MB2958320Y4000111007000",
        "bundle_code": None,
        "catalog_version": 12,
        "applicant": {
            "kind": "person",
            "name": f"居民{i}",
            "id_type": "111",
            "id_number": "610102199003071234",
            "phone": "13912345678",
            "address": "西安市雁塔区科技路88号3单元502室",
        },
        "materials": [
            {"code": f"m{k}", "name": "居民身份证", "how": "原件核验", "attachments": ["ab" * 32]}
            for k in range(4)
        ],
        "history": [
            {
                "from": "draft",
                "to": "accepted",
                "actor": "w01",
                "at": "2026-11-22T02:00:00Z",
                "side": "station",
                "reason": "",
            }
        ],
        "created_at": "2026-11-22T02:00:00Z",
        "updated_at": "2026-11-22T02:00:00Z",
        "promised_date": "2026-12-05",
        "jurisdiction": "610113",
    }


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def measure_commits(store: StationStore, start: int, n: int) -> list[float]:
    out = []
    for i in range(start, start + n):
        doc = case_doc(i)
        t = time.perf_counter()
        with store.transaction(actor="worker:w01") as tx:
            tx.put("cases", str(doc["id"]), doc)
            tx.put("outbox", str(doc["id"]), {"kind": "case", "case_id": doc["id"], "attempts": 0})
        out.append((time.perf_counter() - t) * 1000)
    return out


def fill_to(store: StationStore, target: int) -> None:
    have = store.count("cases")
    batch = 5000
    while have < target:
        n = min(batch, target - have)
        first = have + 10**7  # ids apart from the measured ones
        store.bulk_put("cases", [(f"case-{i:08d}", case_doc(i)) for i in range(first, first + n)])
        have += n


def floor_ms(d: Path, size: int, n: int) -> list[float]:
    """The cheapest correct durable write of the same bytes: temp file, fsync, rename, fsync dir."""
    payload = os.urandom(size)
    out = []
    for i in range(n):
        tmp, dst = d / f"floor-{i}.tmp", d / "floor.bin"
        t = time.perf_counter()
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
        fsync_dir(d)
        out.append((time.perf_counter() - t) * 1000)
    return out


def blob_throughput(store: StationStore, mb: int) -> dict[str, float]:
    data = bytearray(os.urandom(mb << 20))
    data[:4] = b"\xff\xd8\xff\xe0"
    data[-2:] = b"\xff\xd9"
    raw = bytes(data)
    aead = AESGCM(os.urandom(32))
    view = memoryview(raw)
    t = time.perf_counter()
    for off in range(0, len(raw), 1 << 20):
        aead.encrypt(os.urandom(12), view[off : off + (1 << 20)], b"aad")
    gcm = len(raw) / (time.perf_counter() - t) / 1e6
    import hashlib

    t = time.perf_counter()
    hashlib.sha256(raw).digest()
    sha = len(raw) / (time.perf_counter() - t) / 1e6
    t = time.perf_counter()
    store.blobs.put(io.BytesIO(raw))
    put = len(raw) / (time.perf_counter() - t) / 1e6
    sha256_hex = hashlib.sha256(raw).hexdigest()
    t = time.perf_counter()
    for _ in store.blobs.iter_chunks(sha256_hex):
        pass
    read = len(raw) / (time.perf_counter() - t) / 1e6
    # the content address needs sha256 of every byte; with AES-NI, sha256 (not AES-GCM) is the ceiling
    ceiling = 1 / (1 / gcm + 1 / sha)
    return {
        "blob_mb": mb,
        "raw_aes_gcm_mb_s": round(gcm),
        "sha256_mb_s": round(sha),
        "blob_put_mb_s": round(put),
        "blob_read_verify_mb_s": round(read),
        "blob_put_ratio_to_raw_gcm": round(put / gcm, 3),
        "blob_put_ratio_to_gcm_plus_sha256": round(put / ceiling, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--sizes", default="100,10000,50000")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-storage-", dir=args.dir))
    sizes = [int(x) for x in args.sizes.split(",")]
    kdf = KdfParams.default()
    stores = {}
    for n in sizes:
        stores[n] = StationStore.create(
            base / f"st{n}",
            station_name="bench",
            admin_secret=ADMIN,
            station_passphrase=PASS,
            kdf=kdf,
            options=StoreOptions(reserve_bytes=0, warning_bytes=0),
        )
        fill_to(stores[n], n)
    big = stores[sizes[-1]]
    before = big.docs.journal.end
    measure_commits(big, 0, 1)
    frame_bytes = big.docs.journal.end - before
    # Round-robin over the stores and the floor so that disk noise from other processes hits all alike.
    lat: dict[int, list[float]] = {n: [] for n in sizes}
    floor: list[float] = []
    floor_dir = base / "floor"
    floor_dir.mkdir()
    for i in range(args.commits):
        for n in sizes:
            lat[n] += measure_commits(stores[n], 1 + i, 1)
        floor += floor_ms(floor_dir, frame_bytes, 1)
    result: dict[str, object] = {"kdf": kdf.to_dict(), "commits_per_size": args.commits}
    commit = {
        str(n): {"p50_ms": round(statistics.median(v), 3), "p99_ms": round(pct(v, 99), 3)}
        for n, v in lat.items()
    }
    result["commit_latency"] = commit
    first, last = commit[str(sizes[0])], commit[str(sizes[-1])]
    result[f"ratio_p50_{sizes[-1]}_to_{sizes[0]}"] = round(last["p50_ms"] / first["p50_ms"], 2)
    result["floor_write_fsync_rename_fsyncdir"] = {
        "bytes": frame_bytes,
        "p50_ms": round(statistics.median(floor), 3),
        "p99_ms": round(pct(floor, 99), 3),
    }
    result[f"commit_p50_at_{sizes[-1]}_ratio_to_floor"] = round(last["p50_ms"] / statistics.median(floor), 2)
    result.update(blob_throughput(big, 50))
    for st in stores.values():
        st.close()
    t = time.perf_counter()
    s2 = StationStore.open(base / f"st{sizes[-1]}")
    t_open = time.perf_counter() - t
    s2.unlock_admin(ADMIN)
    t_unlock = time.perf_counter() - t
    t = time.perf_counter()
    KdfParams.from_dict(kdf.to_dict()).derive(ADMIN, b"0" * 16)
    t_kdf = time.perf_counter() - t
    result["open_unlock_at_cases"] = s2.count("cases")
    result["open_ms"] = round(t_open * 1000, 1)
    result["open_plus_unlock_ms"] = round(t_unlock * 1000, 1)
    result["of_which_kdf_ms"] = round(t_kdf * 1000, 1)
    s2.close()
    import shutil

    shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
