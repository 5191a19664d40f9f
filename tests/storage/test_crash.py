"""Crash test: a real child process is SIGKILLed at >= 200 moments while it accepts cases with 1 MB scans.

Half the kills come from the parent at a random time, half from the child itself at a random fault point
inside a write (mid journal frame, before the head update, mid-scan, before the scan's rename, mid-copy and
mid-catch-up of a compaction running beside the commits, before its head switch, before an index checkpoint
is pinned).
After every kill the store must open, ``verify_store`` must pass, every case whose commit returned must be
present and byte-identical (with its outbox entry), and nothing half-written may be visible.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from storage import StationStore
from storage.verify import verify_store

from .crash_child import expected_doc, run, scan_bytes
from .helpers import ADMIN, new_store

REPO = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("STORAGE_CRASH_KILLS", "220"))
SUBPROCESS_KILLS = 10
WATCHDOG_SECONDS = 60.0


#: Every kind of write a self-kill must land in; the first self-kills aim at each in turn (twice).
POINTS = (
    "journal.torn",
    "journal.before_head",
    "blob.mid",
    "blob.before_rename",
    "compact.copy",
    "compact.catch_up",
    "compact.before_head",
    "checkpoint.before_pin",
)


def run_child(
    data_dir: Path, seed: str, p_kill: float, kill_after: float | None, target: str = ""
) -> list[tuple[str, str]]:
    cmd = [sys.executable, "-m", "tests.storage.crash_child", str(data_dir), seed, str(p_kill), target]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    events: list[tuple[str, str]] = []
    started = time.monotonic()
    watchdog = threading.Timer(WATCHDOG_SECONDS, proc.kill)  # a hung child is killed too, and fails below
    watchdog.start()
    if kill_after is not None:
        ready = proc.stdout.readline()
        assert ready.strip() == "READY", (ready, proc.stderr.read() if proc.stderr else "")
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    # read through the same buffered stream as readline above (communicate() would skip its buffer)
    out = proc.stdout.read()
    err = proc.stderr.read() if proc.stderr else ""
    proc.wait(timeout=120)
    watchdog.cancel()
    watchdog.join()
    assert time.monotonic() - started < WATCHDOG_SECONDS, "child hung until the watchdog killed it"
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2:
            events.append((parts[0], parts[1]))
    assert proc.returncode == -signal.SIGKILL, f"child ended with {proc.returncode}: {err[-2000:]}"
    return events


def fork_child(
    data_dir: Path, seed: str, p_kill: float, kill_after: float | None, target: str = ""
) -> list[tuple[str, str]]:
    """Same as :func:`run_child` but the child is forked from this process (no interpreter start-up, so
    200 kills fit the time budget). The child is a separate process killed with SIGKILL all the same."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        try:
            os.close(r)
            run(
                str(data_dir), seed, p_kill, lambda line: os.write(w, (line + "\n").encode()) and None, target
            )
        finally:
            os._exit(3)
    os.close(w)
    started = time.monotonic()
    watchdog = threading.Timer(WATCHDOG_SECONDS, os.kill, (pid, signal.SIGKILL))
    watchdog.start()
    buf = b""
    with os.fdopen(r, "rb") as stream:
        if kill_after is not None:
            while b"READY" not in buf:
                piece = stream.read1(4096)
                assert piece, "child died before READY"
                buf += piece
            time.sleep(kill_after)
            os.kill(pid, signal.SIGKILL)
        buf += stream.read()
    _, status = os.waitpid(pid, 0)
    watchdog.cancel()
    watchdog.join()
    assert time.monotonic() - started < WATCHDOG_SECONDS, "child hung until the watchdog killed it"
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"child status {status}"
    return [(a, b) for a, b in (line.split() for line in buf.decode().splitlines() if " " in line)]


@pytest.mark.slow
def test_sigkill_at_random_moments(tmp_path):
    data_dir = tmp_path / "st"
    new_store(data_dir).close()
    rng = random.Random(20261122)
    committed: set[str] = set()  # commit returned, not being deleted
    maybe: set[str] = set()  # begun or being deleted: may or may not be present
    checked_blobs: set[str] = set()
    kill_points: dict[str, int] = {}
    total_ok = 0
    for k in range(KILLS):
        # the first kills use a fresh interpreter (the real entry path), the rest fork for speed
        # forking is only safe while this process has no other threads (they could hold locks)
        launch = run_child if k < SUBPROCESS_KILLS or threading.active_count() > 1 else fork_child
        if k % 2 == 0:
            events = launch(data_dir, f"s{k}", 0.0, rng.uniform(0.0, 0.12))
        else:
            aimed = k // 2
            target = POINTS[aimed % len(POINTS)] if aimed < 2 * len(POINTS) else ""
            events = launch(data_dir, f"s{k}", rng.choice([0.02, 0.05, 0.15]), None, target)
        for ev, cid in events:
            if ev == "BEGIN":
                maybe.add(cid)
            elif ev == "OK":
                maybe.discard(cid)
                committed.add(cid)
                total_ok += 1
            elif ev == "DEL":
                committed.discard(cid)
                maybe.add(cid)
            elif ev == "GONE":
                maybe.discard(cid)
            elif ev == "KILL":
                kill_points[cid] = kill_points.get(cid, 0) + 1

        s = StationStore.open(data_dir)
        try:
            s.unlock_admin(ADMIN)
            report = verify_store(s)
            assert report.ok, f"after kill {k}: {report.text()}"
            present = set(s.keys_of("cases"))
            assert committed <= present, f"after kill {k}: lost {sorted(committed - present)}"
            extra = present - committed - maybe
            assert not extra, f"after kill {k}: never-committed cases visible: {sorted(extra)}"
            assert set(s.keys_of("outbox")) == present, f"after kill {k}: case/outbox pair torn"
            for cid in present:
                assert s.get("cases", cid) == expected_doc(cid), f"after kill {k}: case {cid} differs"
                if cid not in checked_blobs:
                    data = scan_bytes(cid)
                    assert s.blobs.read_bytes(hashlib.sha256(data).hexdigest()) == data
                    checked_blobs.add(cid)
            # what is present now is the new baseline; undecided cases are settled
            committed, maybe = present, set()
        finally:
            s.close()
    assert total_ok >= KILLS // 2, f"only {total_ok} cases committed across {KILLS} kills"
    # the self-kills landed inside every kind of write
    if KILLS >= 100:
        for point in POINTS:
            assert kill_points.get(point, 0) >= 1, f"no kill at {point}: {kill_points}"
    print(f"kills inside writes: {kill_points}; cases committed: {total_ok}")
