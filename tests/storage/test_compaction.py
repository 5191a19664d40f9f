"""Compaction while the station works: the copy runs without the store's mutex, commits made meanwhile are
kept (copied again under the mutex), a lock during the copy aborts it cleanly, the garbage count is kept up
to date at every commit, and the background worker compacts and checkpoints on its own."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

from storage import _faults
from storage.compaction import Compaction, CompactionAborted
from storage.compactor import BackgroundCompactor
from storage.verify import verify_store
from tests.storage.helpers import new_store, open_admin


def _brute_garbage(docs: Any) -> float:
    live: dict[int, int] = {}
    for table in docs.index.values():
        for loc in table.values():
            live[loc.offset] = loc.size
    return 0.0 if not docs.journal.end else 1 - sum(live.values()) / docs.journal.end


def _fill(store: Any, n: int = 2000) -> None:
    store.bulk_put("cases", [(f"c{i}", {"n": i, "pad": "x" * 600}) for i in range(n)])


def test_garbage_ratio_is_kept_up_to_date_by_every_commit(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    _fill(store)
    rng = random.Random(3)
    for step in range(300):
        with store.transaction() as tx:
            for _ in range(rng.randrange(1, 4)):
                key = f"c{rng.randrange(2200)}"
                if rng.random() < 0.3:
                    tx.delete("cases", key)
                else:
                    tx.put("cases", key, {"n": -step})
        if step % 50 == 0:
            assert abs(store.docs.garbage_ratio() - _brute_garbage(store.docs)) < 1e-9
    assert abs(store.docs.garbage_ratio() - _brute_garbage(store.docs)) < 1e-9
    store.close()
    again = open_admin(tmp_path / "s")  # after open (journal scan) the same count
    assert abs(again.docs.garbage_ratio() - _brute_garbage(again.docs)) < 1e-9
    again.close()


def test_commits_made_during_the_copy_are_kept(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    _fill(store)
    with store._mutex:
        job = Compaction.begin(store.docs)
    for i in range(40):  # between the snapshot and the copy
        with store.transaction() as tx:
            tx.put("cases", f"c{i}", {"n": -i})
    job.copy()
    for i in range(40, 80):  # between the copy and the switch
        with store.transaction() as tx:
            tx.put("cases", f"c{i}", {"n": -i})
            tx.delete("cases", f"c{1000 + i}")
    with store._mutex:
        job.finish()
    assert store.docs.head.generation == 2
    assert all(store.get("cases", f"c{i}") == {"n": -i} for i in range(80))
    assert store.get("cases", "c1050") is None and store.get("cases", "c1999") == {
        "n": 1999,
        "pad": "x" * 600,
    }
    assert abs(store.docs.garbage_ratio() - _brute_garbage(store.docs)) < 1e-9
    assert verify_store(store).ok
    want = {k: store.get("cases", k) for k in store.keys_of("cases")}
    store.close()
    again = open_admin(tmp_path / "s")
    assert {k: again.get("cases", k) for k in again.keys_of("cases")} == want
    again.close()


def test_the_copy_does_not_hold_the_mutex(tmp_path: Path) -> None:
    """A commit from another thread goes through while the compaction is in the middle of copying."""
    store = new_store(tmp_path / "s")
    _fill(store, 3000)
    in_copy, release = threading.Event(), threading.Event()

    def hook(name: str) -> None:
        if name == "compact.copy" and not in_copy.is_set():
            in_copy.set()
            release.wait(30)

    _faults.hook = hook
    errors: list[BaseException] = []

    def compact() -> None:
        try:
            store.compact()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=compact)
    try:
        worker.start()
        assert in_copy.wait(30)
        started = time.monotonic()
        with store.transaction() as tx:  # would wait for the whole copy if it held the mutex
            tx.put("cases", "during", {"n": 1})
        assert store.get("cases", "c5") == {"n": 5, "pad": "x" * 600}
        assert time.monotonic() - started < 5
    finally:
        release.set()
        worker.join(60)
        _faults.hook = None
    assert not errors, errors
    assert store.docs.head.generation == 2 and store.get("cases", "during") == {"n": 1}
    assert verify_store(store).ok
    store.close()


def test_locking_the_store_during_the_copy_aborts_it_and_loses_nothing(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    _fill(store)
    with store._mutex:
        job = Compaction.begin(store.docs)
    new_path = job.new.path
    store.lock()
    try:
        job.copy()
        raise AssertionError("the copy should have stopped")
    except CompactionAborted:
        job.abort()
    assert not new_path.exists()
    store.unlock_admin("admin-secret-for-tests")
    assert store.docs.head.generation == 1 and store.count("cases") == 2000
    assert verify_store(store).ok
    store.close()


def test_background_worker_compacts_past_the_threshold_and_checkpoints(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    _fill(store)
    prepared: list[int] = []
    worker = BackgroundCompactor(store, min_bytes=0, quiet_seconds=0.05, prepare=lambda: prepared.append(1))
    worker.start()
    try:
        for _round in range(3):  # overwrite everything: most of the journal is dead
            store.bulk_put("cases", [(f"c{i}", {"n": -i, "pad": "y" * 600}) for i in range(2000)])
        deadline = time.monotonic() + 60
        while worker.compactions == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert worker.compactions >= 1 and prepared, "compacted, after the prepare step"
    assert store.docs.garbage_ratio() < 0.6 and store.docs.head.index, "and a checkpoint was pinned"
    assert store.get("cases", "c7") == {"n": -7, "pad": "y" * 600}
    assert verify_store(store).ok
    store.close()


def test_a_compaction_asked_for_while_one_copies_is_not_run_again(tmp_path: Path) -> None:
    """Retention and the background worker may both find the journal dead enough: the second waits for
    the first, asks again and finds nothing to do (instead of copying the whole journal a second time); no
    checkpoint is written beside a compaction either."""
    store = new_store(tmp_path / "s")
    _fill(store, 3000)
    with store.transaction() as tx:
        for i in range(2500):
            tx.delete("cases", f"c{i}")
    assert store.needs_compaction(min_bytes=1)
    in_copy, release = threading.Event(), threading.Event()

    def hook(name: str) -> None:
        if name == "compact.copy" and not in_copy.is_set():
            in_copy.set()
            release.wait(30)

    _faults.hook = hook
    ran: list[bool] = []
    first = threading.Thread(target=store.compact)
    second = threading.Thread(target=lambda: ran.append(store.maybe_compact(min_bytes=1)))
    try:
        first.start()
        assert in_copy.wait(30)
        second.start()
        assert not store.checkpoint(min_records=1, wait=False), "no checkpoint beside a compaction"
        time.sleep(0.2)
        assert second.is_alive(), "it waits for the compaction that runs"
    finally:
        release.set()
        first.join(60)
        second.join(60)
        _faults.hook = None
    assert ran == [False]
    assert store.docs.head.generation == 2
    compactions = [e for _k, e in store.items("_audit") if e["action"] == "docs.compact"]
    assert len(compactions) == 1
    assert verify_store(store).ok
    store.close()
