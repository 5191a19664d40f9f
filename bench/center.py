"""District center benchmark: case ingest rate and feed-poll latency, on SQLite and PostgreSQL.

    .venv/bin/python bench/center.py [--batches 60] [--stations 500] [--rounds 3] [--quick]

For each backend it starts a real center as a separate process (``district-center serve``, so the load
generator does not share its GIL) on a fresh database — SQLite in a temporary data directory, PostgreSQL in
a private cluster started here with fsync on — and measures:

* ``ingest_cases_per_s``: signed ``POST /api/v1/cases/batch`` of 50 valid cases (~2 KB JSON each) from 4
  stations in parallel, wall-clock over all batches;
* ``bare_insert_rows_per_s``: the very case rows the center wrote (sealed documents and blind indexes,
  read back from its database) and their receipt rows, written again by a bare SQLAlchemy Core insert loop
  (50 cases + 50 receipts per transaction, one connection) into the same tables of a fresh database on the
  same backend and server, and ``ingest_vs_bare`` = ingest / bare (P6: what HTTP, signatures, validation,
  sealing, idempotency and receipts cost). Ingest and floor alternate for ``--p6-rounds`` rounds after an
  uncounted warm-up, so each ratio compares two halves measured under the same machine load; the JSON has
  the median and the range;
* ``feed_poll_p50_ms`` / ``feed_poll_p99_ms``: ``GET /api/v1/feed`` latency with ``--stations`` enrolled
  stations (each with a few events) polled round-robin by 32 concurrent clients for ``--rounds`` rounds.

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, cast

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, insert, select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.append(str(REPO / "bench"))

from casework import clock  # noqa: E402
from casework.cases import Case, CaseStatus  # noqa: E402
from casework.identity import Applicant, ApplicantKind  # noqa: E402
from district_center.db.engine import Database  # noqa: E402
from district_center.db.models import CaseReceiptRecord, CaseRecord, Station  # noqa: E402
from district_center.devtools.pg import private_postgres  # noqa: E402
from district_center.devtools.server import free_port  # noqa: E402
from district_center.devtools.station_client import StationAuth  # noqa: E402
from district_center.keys import generate_keys, write_public_file  # noqa: E402
from district_center.services.cases.feed import append_event  # noqa: E402
from district_center.services.stations import registry as station_service  # noqa: E402
from sync.protocol import canonical_json, public_key_b64  # noqa: E402

BATCH = 50
ITEM = "11610100100933345H200010001000000"


def make_case(station_id: str, n: int, station_no: int = 1) -> dict[str, Any]:
    at = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    applicant = Applicant(
        ApplicantKind.PERSON,
        "张三",
        "111",
        "11010519491231002X",
        "13800138000",
        address="陕西省西安市雁塔区某某街道某某社区" + "某某小区" * 95,
    )
    case = Case.new(
        number=f"261120-{station_no:03d}-{n % 100000:05d}",
        station_id=station_id,
        catalog_version=1,
        applicant=applicant,
        at=at,
        item_code=ITEM,
        jurisdiction="雁塔区",
    )
    case.transition(CaseStatus.ACCEPTED, actor="w-01", at=at)
    doc = case.to_dict()
    doc["version"] = 1
    return doc


def enroll_direct(db: Database, name: str) -> tuple[str, Ed25519PrivateKey]:
    sid, key, _no = enroll_numbered(db, name)
    return sid, key


def enroll_numbered(db: Database, name: str) -> tuple[str, Ed25519PrivateKey, int]:
    key = Ed25519PrivateKey.generate()
    with db.session() as s:
        new = station_service.create_station(s, name)
        station_service.enroll(s, new.code, public_key_b64(key), "bench")
    return new.station_id, key, new.station_no


def start_center(data_dir: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "CENTER_DATABASE_URL": url,
        "CENTER_LOG_LEVEL": "WARNING",
        "CENTER_DB_POOL_SIZE": "20",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "district_center.cli",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("center did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def ingest_bodies(db: Database, batches: int, start: int = 0) -> tuple[list[Any], list[tuple[int, bytes]]]:
    """Four enrolled stations and ``batches`` signed-body payloads of ``BATCH`` new cases, round-robin."""
    numbered = [enroll_numbered(db, f"入件站{start}-{i}") for i in range(4)]
    bodies: list[tuple[int, bytes]] = []
    for b in range(batches):
        sender = b % len(numbered)
        sid, _key, no = numbered[sender]
        docs = [make_case(sid, start + b * BATCH + i, no) for i in range(BATCH)]
        body = canonical_json({"cases": [{"id": d["id"], "version": 1, "case": d} for d in docs]})
        bodies.append((sender, body))
    return numbered, bodies


def bench_ingest(base: str, numbered: list[Any], bodies: list[tuple[int, bytes]]) -> tuple[float, list[str]]:
    """Signed batches from 4 stations in parallel: cases per second, and the ids written."""
    senders = [(sid, key) for sid, key, _no in numbered]
    clients = [httpx.Client(base_url=base, auth=StationAuth(sid, key), timeout=120) for sid, key in senders]
    lock = threading.Lock()
    queue = list(bodies)
    ids: list[str] = []

    def worker(idx: int) -> None:
        while True:
            with lock:
                mine = next((q for q in queue if q[0] == idx), None)
                if mine is None:
                    return
                queue.remove(mine)
            resp = clients[idx].post("/api/v1/cases/batch", content=mine[1])
            resp.raise_for_status()
            receipts = resp.json()["receipts"]
            assert all(r["status"] == "accepted" for r in receipts), resp.text[:300]
            with lock:
                ids.extend(r["id"] for r in receipts)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(len(senders)) as pool:
        list(pool.map(worker, range(len(senders))))
    elapsed = time.perf_counter() - start
    for c in clients:
        c.close()
    return len(ids) / elapsed, ids


def copy_stations(source: Database, target: Database) -> None:
    """The center's station rows into the floor's database (the case rows reference them)."""
    stations = cast(Table, Station.__table__)
    with source.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(stations))]
    with target.engine.begin() as conn:
        held = set(conn.scalars(select(stations.c.id)))
        new = [r for r in rows if r["id"] not in held]
        if new:
            conn.execute(insert(stations), new)


def bench_bare(source: Database, target: Database, ids: list[str]) -> float:
    """The floor: **the very rows** the center just wrote for ``ids`` (sealed documents, blind indexes, due
    dates — read back from the center's database) and their receipt rows, written again by a bare SQLAlchemy
    Core loop into a fresh database of the same backend (same server): per batch of 50, one transaction with
    one multi-row insert into each table, no checks."""
    cases, receipts = cast(Table, CaseRecord.__table__), cast(Table, CaseReceiptRecord.__table__)
    with source.engine.connect() as conn:
        case_rows = [dict(r._mapping) for r in conn.execute(select(cases).where(cases.c.id.in_(ids)))]
        receipt_rows = [
            {k: v for k, v in r._mapping.items() if k != "seq"}
            for r in conn.execute(select(receipts).where(receipts.c.case_id.in_(ids)))
        ]
    assert len(case_rows) == len(receipt_rows) == len(ids)
    start = time.perf_counter()
    for i in range(0, len(case_rows), BATCH):
        with target.engine.begin() as conn:
            conn.execute(insert(receipts), receipt_rows[i : i + BATCH])
            conn.execute(insert(cases), case_rows[i : i + BATCH])
    return len(case_rows) / (time.perf_counter() - start)


def bench_feed(base: str, db: Database, n_stations: int, rounds: int) -> dict[str, float]:
    stations = [enroll_direct(db, f"轮询站{i}") for i in range(n_stations)]
    with db.session() as s:
        for sid, _ in stations:
            for k in range(3):
                append_event(s, sid, "status_changed", None, {"k": k})
    local = threading.local()

    def poll(i: int) -> float:
        sid, key = stations[i % n_stations]
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=base, timeout=60)
        after = (i // n_stations) % 3
        path = f"/api/v1/feed?after={after}&limit=100"
        request = local.http.build_request("GET", path)
        auth = StationAuth(sid, key)
        signed = next(auth.auth_flow(request))
        t0 = time.perf_counter()
        resp = local.http.send(signed)
        took = time.perf_counter() - t0
        resp.raise_for_status()
        assert len(resp.json()["events"]) == 3 - after
        return took

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(poll, range(min(200, n_stations))))  # warm-up: connections, caches
        start = time.perf_counter()
        lat = sorted(pool.map(poll, range(n_stations * rounds)))
        elapsed = time.perf_counter() - start
    q = statistics.quantiles(lat, n=100)
    return {
        "feed_poll_p50_ms": round(q[49] * 1000, 1),
        "feed_poll_p99_ms": round(q[98] * 1000, 1),
        "feed_polls": len(lat),
        "feed_polls_per_s": round(len(lat) / elapsed, 1),
        "stations": n_stations,
        "concurrent_pollers": 32,
    }


def run_backend(name: str, url: str, bare_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """P6 in ``args.p6_rounds`` alternating rounds on one backend: each round pushes ``args.batches`` new
    batches through the center, then writes the same rows with the bare loop; the ratio is per round (both
    halves under the same machine load), reported as the median and the range."""
    print(f"== {name}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix=f"center-bench-{name}-") as tmp:
        data = Path(tmp)
        write_public_file(data, generate_keys())
        db, bare = Database(url), Database(bare_url)
        db.upgrade()
        bare.upgrade()
        proc, base = start_center(data, url)
        rounds: list[dict[str, float]] = []
        try:
            # warm-up, not counted: connections, the center's first requests, the floor's first inserts
            numbered, bodies = ingest_bodies(db, 4, start=90000)
            _rate, warm = bench_ingest(base, numbered, bodies)
            copy_stations(db, bare)
            bench_bare(db, bare, warm)
            for r in range(args.p6_rounds):
                numbered, bodies = ingest_bodies(db, args.batches, start=r * args.batches * BATCH)
                rate, ids = bench_ingest(base, numbered, bodies)
                copy_stations(db, bare)
                floor = bench_bare(db, bare, ids)
                rounds.append({"ingest": rate, "bare": floor, "ratio": rate / floor})
                print(
                    f"  round {r}: ingest {rate:.0f}/s, bare {floor:.0f}/s, {rate / floor:.3f}",
                    file=sys.stderr,
                )
            feed = bench_feed(base, db, args.stations, args.rounds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            db.dispose()
            bare.dispose()
    ratios = sorted(r["ratio"] for r in rounds)
    return {
        "ingest_cases_per_s": round(statistics.median(r["ingest"] for r in rounds), 1),
        "ingest_batch_size": BATCH,
        "case_json_bytes": len(canonical_json(make_case("x" * 36, 1))),
        "bare_insert_rows_per_s": round(statistics.median(r["bare"] for r in rounds), 1),
        "ingest_vs_bare": round(statistics.median(ratios), 3),
        "ingest_vs_bare_range": [round(ratios[0], 3), round(ratios[-1], 3)],
        "p6_rounds": len(rounds),
        **feed,
    }


def bench_blobs(s3: Any, megabytes: int) -> dict[str, Any]:
    """Blob store throughput, local encrypted files vs S3 (SeaweedFS), and ``blobs migrate`` MB/s: scans of
    1.5 MB appended in 1 MiB chunks, promoted to their content address (as an upload does), read back."""
    import hashlib
    import uuid

    from district_center.app import open_blob_store
    from district_center.services.attachments.blobstore import promote, upload_key
    from district_center.services.attachments.migrate import migrate_blobs
    from district_center.services.vault import open_vault
    from district_center.settings import Settings

    out: dict[str, Any] = {}
    scans = [os.urandom(1_500_000) for _ in range(max(1, megabytes * 2 // 3))]
    total_mb = sum(map(len, scans)) / 2**20
    with tempfile.TemporaryDirectory(prefix="blob-bench-") as tmp:
        settings = Settings(
            data_dir=Path(tmp), **s3.settings(bucket=f"bench-{uuid.uuid4().hex[:8]}")
        ).resolved()
        db = Database(settings.database_url, pool_size=2)
        db.upgrade()
        db.vault = open_vault(settings, db)
        for kind in ("local", "s3"):
            store = open_blob_store(settings, db.vault, kind=kind)
            t0 = time.perf_counter()
            for scan in scans:
                sha = hashlib.sha256(scan).hexdigest()
                staged = upload_key("bench", sha)
                for i in range(0, len(scan), 1 << 20):
                    store.append(staged, scan[i : i + (1 << 20)])
                promote(store, staged, sha)
            write = time.perf_counter() - t0
            t0 = time.perf_counter()
            for scan in scans:
                assert sum(len(p) for p in store.read(hashlib.sha256(scan).hexdigest())) == len(scan)
            read = time.perf_counter() - t0
            out[kind] = {
                "upload_mb_per_s": round(total_mb / write, 1),
                "read_mb_per_s": round(total_mb / read, 1),
            }
        out["s3_vs_local_upload"] = round(out["s3"]["upload_mb_per_s"] / out["local"]["upload_mb_per_s"], 3)
        out["s3_vs_local_read"] = round(out["s3"]["read_mb_per_s"] / out["local"]["read_mb_per_s"], 3)
        # migrate: the local store's blobs (registered as attachments) to a fresh bucket
        from district_center.db.models import Attachment

        with db.session() as s:
            sid, _key = enroll_direct(db, "迁移基准站")
            for scan in scans:
                sha = hashlib.sha256(scan).hexdigest()
                s.add(
                    Attachment(
                        sha256=sha,
                        size=len(scan),
                        received=len(scan),
                        complete=True,
                        station_id=sid,
                        created_at=clock.now(),
                    )
                )
        target = open_blob_store(
            Settings(data_dir=Path(tmp), **s3.settings(bucket=f"mig-{uuid.uuid4().hex[:8]}")).resolved(),
            db.vault,
        )
        report = migrate_blobs(db, open_blob_store(settings, db.vault, kind="local"), target)
        out["migrate"] = {k: v for k, v in report.to_dict().items() if k != "failed"} | {
            "failed": len(report.failed)
        }
        out["scans"], out["megabytes"] = len(scans), round(total_mb, 1)
        db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--p6-rounds", type=int, default=5, help="alternating ingest / floor rounds")
    parser.add_argument("--only", default="p6,load,blobs", help="comma-separated parts: p6, load, blobs")
    parser.add_argument("--load-stations", type=int, default=2000)
    parser.add_argument("--load-seconds", type=float, default=600, help="the compressed day (one phase)")
    parser.add_argument("--load-period", type=float, default=0, help="seconds between a station's syncs")
    parser.add_argument("--saturate-seconds", type=float, default=90)
    parser.add_argument("--workers", type=int, default=48, help="closed-loop clients at saturation")
    parser.add_argument("--blob-mb", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="small run (smoke test)")
    args = parser.parse_args()
    # a SIGTERM (timeout, Ctrl-C in a CI runner) still runs the finally blocks that stop the center
    # processes, PostgreSQL and SeaweedFS
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.quick:
        args.batches, args.stations, args.rounds, args.p6_rounds = 8, 50, 1, 2
        args.load_stations, args.load_seconds, args.saturate_seconds, args.workers = 100, 30, 15, 16
        args.blob_mb = 10
    # 5 minutes between syncs in life; the compressed run keeps two syncs per station by default
    args.load_period = args.load_period or args.load_seconds / 2
    parts = set(args.only.split(","))
    results: dict[str, Any] = {
        "bench": "district_center",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    if "p6" in parts:
        with tempfile.TemporaryDirectory() as tmp:
            results["sqlite"] = run_backend(
                "sqlite", f"sqlite:///{tmp}/center.sqlite3", f"sqlite:///{tmp}/bare.sqlite3", args
            )
        with private_postgres() as pg:
            results["postgres"] = run_backend(
                "postgres", pg.create_database("bench"), pg.create_database("bare"), args
            )
        results["p6"] = {
            "sqlite": results["sqlite"]["ingest_vs_bare"],
            "postgres": results["postgres"]["ingest_vs_bare"],
            "target": 0.5,
        }
    if parts & {"load", "blobs"}:
        from center_load import run_load

        from district_center.devtools.seaweed import running_seaweed

        with (
            tempfile.TemporaryDirectory(prefix="center-load-") as tmp,
            running_seaweed(Path(tmp) / "s3") as s3,
        ):
            if "blobs" in parts:
                print("== blobs", file=sys.stderr)
                results["blobs"] = bench_blobs(s3, args.blob_mb)
            if "load" in parts:
                with private_postgres(max_connections=400) as pg:
                    load = {}
                    for n in (1, 3):
                        print(f"== load, {n} instance(s)", file=sys.stderr)
                        load[str(n)] = run_load(
                            pg,
                            s3,
                            Path(tmp) / "work",
                            instances=n,
                            stations=args.load_stations,
                            duration=args.load_seconds,
                            period=args.load_period,
                            saturate=args.saturate_seconds,
                            workers=args.workers,
                        )
                one, three = load["1"]["saturation"], load["3"]["saturation"]
                load["saturation_3_vs_1"] = round(
                    three["requests_per_s"] / max(one["requests_per_s"], 1e-9), 3
                )
                load["stations"], load["period_s"] = args.load_stations, args.load_period
                results["load"] = load
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
