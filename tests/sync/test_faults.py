"""Fault injection: a TCP proxy between station and center drops, resets, stalls, 5xx-es, truncates and
duplicates requests at random (seeded). After the network heals, every case is at the center exactly once,
every attachment verifies, and the station's view equals the center's."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import httpx
import pytest

from sync.outbox import OUTBOX, RECEIPTS
from tests.sync.faultproxy import FaultProxy
from tests.sync.harness import Station, new_station, start_center

RUNS = int(__import__("os").environ.get("SYNC_FAULT_RUNS", "200"))
FAULT_RATE = 0.35
NEXT_STEP = {"delivered": "in_review", "in_review": "approved", "approved": "result_ready"}


def _check(center, station: Station, *, blobs: bool) -> None:  # type: ignore[no-untyped-def]
    assert station.store.count(OUTBOX) == 0
    held = center.cases()
    assert sorted(held) == sorted(station.accepted), "every case exactly once at the center"
    for case_id in station.accepted:
        receipt = station.store.get(RECEIPTS, case_id)
        assert receipt is not None and receipt["status"] == "accepted"
        assert held[case_id][0] == receipt["version"], "the center holds the version the station sent last"
        # both record the receipt as the delivery: the center on ingest, the station when the receipt arrives
        assert station.case(case_id)["status"] == held[case_id][1], "station and center agree on the status"
    attachments = center.attachments()
    shas = {
        sha
        for case_id in station.accepted
        for m in station.case(case_id)["materials"]
        for sha in m["attachments"]
    }
    for sha in shas:
        assert attachments[sha][1], f"attachment {sha[:12]} complete at the center"
        if blobs:
            assert hashlib.sha256(center.blob_bytes(sha)).hexdigest() == sha


@pytest.mark.slow
def test_randomized_faults_converge(tmp_path: Path) -> None:
    center = start_center(tmp_path / "center")
    proxy = FaultProxy(center.port, fault_rate=0.0, stall_seconds=0.8).start()
    station = new_station(
        center,
        tmp_path / "station",
        url=proxy.url,
        timeout=httpx.Timeout(2.0, read=0.5),
        retry_pauses=(0.01,),
    )
    try:
        assert station.service.run_once(raise_errors=True) is not None
        for seed in range(RUNS):
            rng = random.Random(seed)
            proxy.reseed(seed, FAULT_RATE)
            for _ in range(rng.randint(1, 2)):
                station.accept(scans=rng.randint(0, 2), size=rng.randint(300, 5000))
            if station.accepted and rng.random() < 0.3:  # the back office moves a case on
                case_id = rng.choice(station.accepted)
                status = center.cases().get(case_id, (0, "not yet sent"))[1]
                if status in NEXT_STEP:
                    center.transition(case_id, NEXT_STEP[status])
            for _ in range(rng.randint(1, 2)):
                station.service.run_once()  # may fail anywhere: that is the point
            proxy.heal()
            report = station.service.run_once(raise_errors=True)
            assert report is not None, f"seed {seed}: sync after healing failed"
            _check(center, station, blobs=seed % 50 == 49)
        injected = sum(proxy.stats.values())
        assert injected > RUNS, f"too few faults injected: {proxy.stats}"
        assert len(proxy.stats) == 10, f"every kind of fault happened: {proxy.stats}"
    finally:
        station.close()
        proxy.close()
        center.stop()
