"""Child process for test_crash: accepts cases with a 1 MB scan in a loop until it is killed.

Usage: python -m tests.storage.crash_child DATA_DIR SEED KILL_PROBABILITY [POINT], or :func:`run` in a
forked child.
Prints ``BEGIN <id>`` before writing a case, ``OK <id>`` after its commit returned, ``DEL <id>`` before
deleting an old case, ``GONE <id>`` after. A second thread compacts the journal again and again meanwhile
(the copy runs beside the commits; what they wrote is caught up under the mutex) and writes index
checkpoints. With KILL_PROBABILITY > 0 it SIGKILLs itself at a random fault point inside a write (mid-frame,
before the head update, mid-blob, before the blob rename, mid-copy, mid-catch-up, before the compaction's
head switch, before a checkpoint is pinned).
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable

from storage import StationStore, _faults

from .helpers import ADMIN

KEEP = 6  # live cases kept; older ones are deleted (with their scans) so verify stays fast


def scan_bytes(case_id: str) -> bytes:
    body = random.Random(case_id).randbytes(1 << 20)
    return b"\xff\xd8\xff\xe0" + body + b"\xff\xd9"


def expected_doc(case_id: str) -> dict[str, object]:
    data = scan_bytes(case_id)
    return {
        "id": case_id,
        "status": "accepted",
        "applicant": {"name": f"测试居民{case_id}"},
        "pad": hashlib.sha256(case_id.encode()).hexdigest() * 40,
        "scan": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "mime": "image/jpeg"},
    }


def run(data_dir: str, seed: str, p_kill: float, emit: Callable[[str], None], target: str = "") -> None:
    """The loop; never returns normally (it runs until killed). ``target``: kill at the first pass through
    that fault point only (so every kind of write is sure to be hit), else at random points."""
    rng = random.Random(seed)
    if p_kill > 0:

        def hook(name: str) -> None:
            # the compaction thread passes its points often, the checkpoint's less: weigh them so every
            # kind of write gets killed
            weight = 0.5 if name.startswith("compact") else 3 if name.startswith("checkpoint") else 1
            hit = name == target if target else rng.random() < min(0.5, weight * p_kill)
            if hit:
                emit(f"KILL {name}")
                os.kill(os.getpid(), signal.SIGKILL)

        _faults.hook = hook
    store = StationStore.open(data_dir)
    store.unlock_admin(ADMIN)
    live = sorted(store.keys_of("cases"))
    threading.Thread(target=_compact_forever, args=(store, random.Random(seed + "c")), daemon=True).start()
    emit("READY")
    n = 0
    while True:
        case_id = f"{seed}-{n:04d}"
        n += 1
        emit(f"BEGIN {case_id}")
        ref = store.blobs.put(io.BytesIO(scan_bytes(case_id)))
        doc = expected_doc(case_id)
        assert doc["scan"] == ref.to_dict()
        with store.transaction(actor="worker:crash") as tx:
            tx.put("cases", case_id, doc)
            tx.put("outbox", case_id, {"kind": "case", "case_id": case_id})
        emit(f"OK {case_id}")
        live.append(case_id)
        while len(live) > KEEP:
            old = live.pop(0)
            emit(f"DEL {old}")
            sha = str(store.get("cases", old)["scan"]["sha256"])  # type: ignore[index]
            with store.transaction(actor="worker:crash") as tx:
                tx.delete("cases", old)
                tx.delete("outbox", old)
            store.blobs.delete(sha)
            emit(f"GONE {old}")


def _compact_forever(store: StationStore, rng: random.Random) -> None:
    while True:
        time.sleep(rng.uniform(0.0, 0.03))
        store.compact()  # also pins a checkpoint of the new generation


def main() -> None:
    def emit(line: str) -> None:
        print(line, flush=True)

    run(sys.argv[1], sys.argv[2], float(sys.argv[3]), emit, sys.argv[4] if len(sys.argv) > 4 else "")


if __name__ == "__main__":
    main()
