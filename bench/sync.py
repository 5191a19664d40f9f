"""Sync benchmark against a real district center on loopback (SQLite). Prints one JSON object.

    .venv/bin/python bench/sync.py [--cases 1000] [--scan-bytes 200000] [--backlog 5000]

* ``push``: ``--cases`` accepted cases (~2 KB documents) each with one scan of ``--scan-bytes``, pushed by the
  sync engine (outbox, chunked resumable uploads, batches, receipts committed durably) — compared with a bare
  httpx client uploading another station's same-sized cases and scans to the same server in the same run
  (one signed PUT per scan, signed batch POSTs of 50 cases; no store, no receipts, no resume logic).
  ``ratio`` = bare time / engine time (1.0 = as fast as a bare upload).
* ``wire``: bytes on the wire (HTTP requests + responses, measured by a loopback TCP proxy) per payload byte
  (scan bytes + case JSON bytes) for a 100-case push.
* ``backlog``: time to drain a one-week backlog of ``--backlog`` cases (documents only; their scans would
  add the push figure's per-byte cost) in one sync.
* ``resume``: bytes sent again after the link is cut at 15 MB into a 20 MB scan (chunk size 1 MiB).

Acceptance (受理) of the cases is set-up, not measured: it is the storage layer's cost (bench/storage.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from casework import clock
from sync.engine_core import CHUNK_SIZE
from sync.local import load_identity
from sync.outbox import OUTBOX
from sync.protocol import API_PREFIX, HEADER_TOTAL_SIZE, BatchCase, CaseBatch, canonical_json, sign_request
from tests.sync.faultproxy import FaultProxy
from tests.sync.harness import Station, create_station_store, new_station, start_center, station_for
from tests.sync.test_resume import CUT_AT, SIZE, Cut

PAD = 420  # applicant address padding that brings a case document to ~2 KB
ROUNDS = 4


def _accept_many(station: Station, n: int, scan_bytes: int) -> None:
    for _ in range(n):
        station.accept(scans=1 if scan_bytes else 0, size=scan_bytes, pad=PAD)


def _bare_upload(station: Station, url: str) -> tuple[float, int]:
    """Upload ``station``'s queued cases and scans with plain signed httpx calls; returns (seconds, bytes)."""
    identity = load_identity(station.store)
    entries = [station.store.get(OUTBOX, k) for k in sorted(station.store.keys_of(OUTBOX))]
    scans = {sha: station.store.blobs.read_bytes(sha) for e in entries if e for sha in e["attachments"]}
    payload = 0
    with httpx.Client(base_url=url, timeout=60) as http:

        def send(method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
            signed = sign_request(
                identity.key, identity.station_id, method, path, body, now=clock.timestamp()
            )
            http.request(method, path, content=body, headers={**headers, **signed}).raise_for_status()

        start = time.perf_counter()
        for sha, data in scans.items():
            send("PUT", f"{API_PREFIX}/attachments/{sha}?offset=0", data, {HEADER_TOTAL_SIZE: str(len(data))})
            payload += len(data)
        for i in range(0, len(entries), 50):
            part = [e for e in entries[i : i + 50] if e]
            batch = CaseBatch([BatchCase(e["case_id"], e["version"], e["case"]) for e in part])
            body = canonical_json(batch.to_dict())
            send("POST", f"{API_PREFIX}/cases/batch", body, {"Content-Type": "application/json"})
            payload += len(body)
        return time.perf_counter() - start, payload


def _payload_bytes(station: Station) -> int:
    total = 0
    for key in station.store.keys_of(OUTBOX):
        entry = station.store.get(OUTBOX, key)
        assert entry is not None
        scans = sum(station.store.blobs.size(s) for s in entry["attachments"])
        total += len(canonical_json(entry["case"])) + scans
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--scan-bytes", type=int, default=200_000)
    parser.add_argument("--backlog", type=int, default=5000)
    args = parser.parse_args()
    out: dict[str, Any] = {"chunk_size": CHUNK_SIZE}
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        center = start_center(root / "center")
        try:
            # Alternate rounds (bare, engine, bare, engine …) so that drift — the center's database growing,
            # other load on the machine — hits both sides alike.
            per_round = args.cases // ROUNDS
            engines = [new_station(center, root / f"e{r}") for r in range(ROUNDS)]
            bares = [new_station(center, root / f"b{r}") for r in range(ROUNDS)]
            for st in engines + bares:
                st.service.run_once(raise_errors=True)
                _accept_many(st, per_round, args.scan_bytes)
            first = engines[0].store.get(OUTBOX, engines[0].store.keys_of(OUTBOX)[0])
            assert first is not None
            doc_bytes = len(canonical_json(first["case"]))
            payload = sum(_payload_bytes(st) for st in engines)
            engine_seconds = bare_seconds = 0.0
            bare_payload = 0
            for engine, bare in zip(engines, bares, strict=True):
                seconds, sent = _bare_upload(bare, center.url)
                bare_seconds += seconds
                bare_payload += sent
                start = time.perf_counter()
                report = engine.service.run_once(raise_errors=True)
                engine_seconds += time.perf_counter() - start
                assert report is not None and report.cases_delivered == per_round
            out["push"] = {
                "cases": per_round * ROUNDS,
                "rounds": ROUNDS,
                "case_doc_bytes": doc_bytes,
                "scans": per_round * ROUNDS,
                "scan_bytes": args.scan_bytes,
                "payload_bytes": payload,
                "engine_seconds": round(engine_seconds, 2),
                "bare_httpx_seconds": round(bare_seconds, 2),
                "engine_MB_per_s": round(payload / engine_seconds / 1e6, 2),
                "bare_MB_per_s": round(bare_payload / bare_seconds / 1e6, 2),
                "ratio": round(bare_seconds / engine_seconds, 3),
                "target_ratio": 0.5,
            }
            for st in engines + bares:
                st.close()

            # bytes on the wire per payload byte, through a counting loopback proxy
            proxy = FaultProxy(center.port, fault_rate=0.0).start()
            wire = new_station(center, root / "w", url=proxy.url)
            wire.service.run_once(raise_errors=True)
            _accept_many(wire, 100, args.scan_bytes)
            wire_payload = _payload_bytes(wire)
            up0, down0 = proxy.upstream_bytes, proxy.downstream_bytes
            wire.service.run_once(raise_errors=True)
            up, down = proxy.upstream_bytes - up0, proxy.downstream_bytes - down0
            out["wire"] = {
                "cases": 100,
                "payload_bytes": wire_payload,
                "request_bytes": up,
                "response_bytes": down,
                "bytes_per_payload_byte": round((up + down) / wire_payload, 4),
            }
            wire.close()
            proxy.close()

            # one week's backlog
            backlog = new_station(center, root / "backlog")
            backlog.service.run_once(raise_errors=True)
            # set-up: commits of 5 cases (the intake commits one by one; 5 keeps set-up time sane while
            # records stay small — reading a document decrypts the whole record that holds it)
            for i in range(0, args.backlog, 5):
                with backlog.store.transaction(actor="bench") as tx:
                    for _ in range(min(5, args.backlog - i)):
                        backlog.accept(scans=0, pad=PAD, tx=tx)
            start = time.perf_counter()
            report = backlog.service.run_once(raise_errors=True)
            drain = time.perf_counter() - start
            assert report is not None and report.cases_delivered == args.backlog
            out["backlog"] = {
                "cases": args.backlog,
                "seconds": round(drain, 2),
                "cases_per_s": round(args.backlog / drain, 1),
                "batches": report.batches,
            }
            backlog.close()

            # resume after a cut at 15 MB of a 20 MB scan
            cut = Cut()
            store = create_station_store(root / "cut")
            from sync.enrollment import enroll_station

            enroll_station(store, center.url, center.new_code(), station_name="bench")
            st = station_for(center, store, root / "cut", transport=cut, retry_pauses=())
            st.accept(scans=1, size=SIZE)
            st.service.run_once()
            cut.cut = False
            st.service.run_once(raise_errors=True)
            out["resume"] = {
                "scan_bytes": SIZE,
                "cut_at": CUT_AT,
                "chunk_size": CHUNK_SIZE,
                "bytes_resent": cut.wire_bytes - SIZE,
            }
            st.close()
        finally:
            center.stop()
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
