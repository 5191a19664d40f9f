"""The background scheduler: reconnection, backoff, sync-now, one sync at a time, observable status."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

from sync.scheduler import BackoffPolicy, SyncScheduler
from sync.status import SyncStatus
from tests.sync.harness import new_station, start_center


def _wait(predicate, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_backoff_is_full_jitter_with_a_cap() -> None:
    policy = BackoffPolicy(base=10, cap=300, rng=random.Random(7))
    assert policy.delay(0) == 0
    for failures in range(1, 40):
        delays = [policy.delay(failures) for _ in range(200)]
        ceiling = min(300, 10 * 2**failures)
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not clustered at the ceiling
        assert min(delays) < ceiling * 0.2


def test_reconnect_sync_now_and_one_at_a_time(tmp_path: Path) -> None:
    center = start_center(tmp_path / "center")
    port, keys = center.port, center.keys
    station = new_station(center, tmp_path / "station", retry_pauses=())
    seen: list[SyncStatus] = []
    station.service.board.subscribe(seen.append)
    running = 0
    most = 0
    lock = threading.Lock()
    real_run = station.service.client.run

    def counting_run(flow):  # type: ignore[no-untyped-def]
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)
            return real_run(flow)
        finally:
            with lock:
                running -= 1

    station.service.client.run = counting_run  # type: ignore[method-assign]
    # a long backoff: only the /healthz probe can explain a quick recovery
    scheduler = SyncScheduler(
        station.service, interval=3600, probe_interval=0.2, backoff=BackoffPolicy(base=600, cap=3600)
    )
    try:
        center.stop()
        case = station.accept()
        scheduler.start()
        assert _wait(lambda: scheduler.failures >= 1)
        status = station.service.board.current
        assert status.center_reachable is False and status.last_error and status.last_error_action
        assert status.next_attempt is not None

        center = start_center(tmp_path / "center", port=port, keys=keys, publish=False)
        assert _wait(lambda: case.id in center.cases()), "synced soon after the center came back"
        assert _wait(lambda: station.service.board.current.last_success is not None)
        assert scheduler.failures == 0

        # sync now, while the next scheduled sync is an hour away; presses while one waits share it
        second = station.accept()
        futures = [scheduler.sync_now() for _ in range(4)]
        reports = [f.result(timeout=30) for f in futures]
        assert all(r is not None for r in reports)
        assert second.id in center.cases()
        assert most == 1, "never two syncs at once"
        steps = [s.step for s in seen]
        for step in ("push", "pull_catalog", "pull_feed", "done"):
            assert step in steps
        assert _wait(lambda: not station.service.board.current.running)
        final = station.service.board.current
        assert final.cases_done == final.cases_total and not final.running
        assert final.last_error is None
    finally:
        scheduler.shutdown()
        station.close()
        center.stop()
