"""Kill test: the station's sync process is SIGKILLed (>= 100 times) in every stage; after a restart the
station converges with no loss and no duplicate.

The center runs in its own process; each station sync runs in a process forked from the test (the same
code path as ``station-app sync --once``: ``cmd_sync``), so a kill costs no interpreter start-up and lands
anywhere: opening the store, uploading chunks, between a receipt and its commit, mid-commit, applying the
catalog or the feed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select as io_select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from district_center.db.engine import Database
from district_center.db.models import Attachment, CaseRecord
from district_center.services.stations.registry import create_station
from sync.enrollment import enroll_station
from sync.outbox import OUTBOX, RECEIPTS
from tests.sync.harness import (
    ADMIN_SECRET,
    REPO,
    create_station_store,
    open_station_store,
    sample_catalog,
    station_for,
)

RUNS = int(os.environ.get("SYNC_KILL_RUNS", "150"))
# the stage after which a targeted kill comes (push twice: uploads take the longest)
TARGETS = ("push", "push", "pull_catalog", "pull_calendar", "pull_feed", "pull_results")


def _sync_in_child(data_dir: Path, progress_fd: int) -> int:
    pid = os.fork()
    if pid == 0:  # the station's sync process
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            from station_app.commands.sync import cmd_sync
            from sync.local import StationSyncStore

            real_save = StationSyncStore.save_run

            def save_run(self: StationSyncStore, run: dict[str, object] | None) -> None:
                real_save(self, run)  # durable first: the parent may kill the moment it reads the stage
                os.write(progress_fd, f"{(run or {}).get('stage', 'none')}\n".encode())

            StationSyncStore.save_run = save_run  # type: ignore[method-assign]  # this child only
            code = cmd_sync(
                argparse.Namespace(once=True, data_dir=str(data_dir), admin_secret_file=None, interval=300.0)
            )
        finally:
            os._exit(code)
    return pid


def _wait_for_stage(read_fd: int, pid: int, stage: str, timeout: float = 60.0) -> bool:
    """Read the child's stage reports until it records ``stage`` (True) or exits / times out (False)."""
    buffer, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = io_select.select([read_fd], [], [], 0.05)
        if ready:
            chunk = os.read(read_fd, 4096)
            if not chunk:
                return False
            buffer += chunk
            if stage.encode() in buffer.split(b"\n"):
                return True
        elif os.waitpid(pid, os.WNOHANG)[0]:
            return False
    return False


def _center_state(db: Database) -> tuple[dict[str, int], dict[str, bool]]:
    with db.read_session() as s:
        cases = {r.id: r.version for r in s.scalars(select(CaseRecord))}
        blobs = {a.sha256: a.complete for a in s.scalars(select(Attachment))}
    return cases, blobs


@pytest.mark.slow
def test_sigkill_during_sync_converges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_ADMIN_SECRET", ADMIN_SECRET)
    center = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.center_proc", str(tmp_path / "center")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert center.stdout is not None
        info = json.loads(center.stdout.readline())
        db = Database(info["database_url"])
        with db.session() as s:
            code = create_station(s, "测试社区便民服务站").code
        data_dir = tmp_path / "station"
        store = create_station_store(data_dir)
        enroll_station(store, info["url"], code, station_name="测试社区便民服务站")
        catalog = sample_catalog()
        rng = random.Random(20261122)
        accepted: list[str] = []
        kills = 0
        # the kill comes at a random time in (0, span); span follows where the previous kills landed, so most
        # runs are killed, spread over the stages
        span = 0.5
        stages: Counter[str] = Counter()
        for run in range(RUNS):
            station = station_for(catalog, store, data_dir)
            for _ in range(rng.randint(1, 2)):
                accepted.append(station.accept(scans=rng.randint(1, 3), size=rng.randint(20_000, 250_000)).id)
            station.service.close()
            before = (store.get("sync_state", "run") or {}).get("id")
            store.close()
            read_fd, write_fd = os.pipe()
            pid = _sync_in_child(data_dir, write_fd)
            os.close(write_fd)
            # two kinds of kill: after the child records a chosen stage (plus a few ms: mid-upload,
            # mid-commit …), so every stage gets kills however loaded the machine is; or at a random time,
            # which also lands while it opens and unlocks the store
            if run % 3:
                target = rng.choice(TARGETS)
                if _wait_for_stage(read_fd, pid, target):
                    time.sleep(rng.uniform(0.0, 0.02))
            else:
                time.sleep(rng.uniform(0.0, span))
            os.close(read_fd)
            done, _ = os.waitpid(pid, os.WNOHANG)
            if not done:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                kills += 1
            store = open_station_store(data_dir)  # a restart: the store must open after any kill
            run_doc = store.get("sync_state", "run")
            if done:
                stage = "finished"
            elif run_doc is None or (run_doc.get("id") == before and run_doc.get("stage") == "done"):
                stage = "before_start"  # still opening the store and unlocking: the previous run's record
            else:
                stage = str(run_doc["stage"])
            stages[stage] += 1
            # steer the random window (every third run) by where its kills landed: after the work → sooner;
            # before → later
            random_kill = run % 3 == 0
            if random_kill and stage in ("finished", "done"):
                span = max(0.02, span * 0.85)
            elif random_kill and stage == "before_start":
                span *= 1.15
            if run % 10 == 9 or run == RUNS - 1:
                station = station_for(catalog, store, data_dir)
                report = station.service.run_once(raise_errors=True)
                assert report is not None
                station.service.close()
                cases, blobs = _center_state(db)
                assert sorted(cases) == sorted(accepted), f"run {run}: no loss, no duplicate"
                assert store.count(OUTBOX) == 0
                for case_id in accepted:
                    receipt = store.get(RECEIPTS, case_id)
                    assert receipt is not None and receipt["version"] == cases[case_id]
                    for material in store.get("cases", case_id)["materials"]:
                        assert all(blobs[sha] for sha in material["attachments"])
        print(f"kills={kills} stages at kill time={dict(stages)}")
        assert kills >= min(100, RUNS * 0.7), f"kills: {kills}, stages: {dict(stages)}"
        mid_sync = set(stages) - {"finished", "before_start"}
        assert len(mid_sync) >= 2, f"kills in several stages: {dict(stages)}"
        store.close()
    finally:
        center.send_signal(signal.SIGTERM)
        try:
            center.wait(10)
        except subprocess.TimeoutExpired:
            center.kill()
