"""Reading from any thread while others commit, purge and compact: no false "store corrupted", no lost write.

The station reads its store from several threads at once — the case list and home tiles (``iter_items``),
retention right after unlock (``items``), sync, the UI's single-case reads — while workers commit. They once
shared one journal file position (seek + read), so one thread read at another's offset and reported damage
that was not there. Reads are position-independent now (``os.pread``); this test hammers a real store from
four threads and then checks every committed document.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import threading
import time
from pathlib import Path

import pytest

from storage.retention import mark_center_confirmed, purge_expired
from storage.verify import verify_store
from tests.storage.helpers import jpeg, new_store, open_admin

SECONDS = float(os.environ.get("STORE_STRESS_SECONDS", "30"))
CASES = 600


def _case(i: int, sha: str, status: str = "queued") -> dict[str, object]:
    return {
        "id": f"c{i:05d}",
        "number": f"261203-001-{i:04d}",
        "status": status,
        "applicant": {"name": f"申请人{i}", "id_number": "110105194912310021"},
        "materials": [{"code": "M1", "attachments": [sha]}],
        "history": [{"to": status, "at": "2026-01-01T00:00:00Z"}],
        "updated_at": "2026-01-01T00:00:00Z",
        "version": 1,
    }


@pytest.mark.slow
def test_four_threads_read_commit_purge_and_compact_without_errors(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    sha = store.blobs.put_bytes(jpeg()).sha256
    store.bulk_put("cases", [(f"c{i:05d}", _case(i, sha)) for i in range(CASES)])
    errors: list[BaseException] = []
    written: dict[str, int] = {}
    stop = time.monotonic() + SECONDS
    counts = {"iter": 0, "items": 0, "get": 0, "commit": 0, "purge": 0, "compact": 0}
    lock = threading.Lock()

    def run(name: str, step: object) -> None:
        try:
            while time.monotonic() < stop and not errors:
                step()  # type: ignore[operator]
                with lock:
                    counts[name] += 1
        except BaseException as exc:
            errors.append(exc)

    def iterate() -> None:
        n = sum(1 for _k, d in store.iter_items("cases") if d["id"])
        assert n >= CASES // 2

    def items() -> None:
        assert len(store.items("cases")) >= CASES // 2
        key = f"c{random.randrange(CASES):05d}"
        store.get("cases", key)
        with lock:
            counts["get"] += 1

    def commit() -> None:
        i = random.randrange(CASES, CASES * 3)
        doc = _case(i, sha, random.choice(["queued", "closed"]))
        with store.transaction(actor="worker:01") as tx:
            tx.put("cases", doc["id"], doc)  # type: ignore[arg-type]
            if doc["status"] == "closed":
                mark_center_confirmed(tx, str(doc["id"]), "2026-01-01T00:00:00Z")
        with lock:
            written[str(doc["id"])] = i

    def purge_and_compact() -> None:
        purge_expired(store, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC), days=30)
        with lock:
            counts["purge"] += 1
        if random.random() < 0.5:
            store.compact()
            with lock:
                counts["compact"] += 1
        time.sleep(0.05)

    threads = [
        threading.Thread(target=run, args=("iter", iterate)),
        threading.Thread(target=run, args=("items", items)),
        threading.Thread(target=run, args=("commit", commit)),
        threading.Thread(target=run, args=("purge", purge_and_compact)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 120)
    assert not errors, repr(errors[0])
    assert all(counts[k] > 0 for k in ("iter", "items", "commit", "purge")), counts

    # every document committed is there, purged (tombstone) or intact; the store reopens and verifies
    for key in written:
        doc = store.get("cases", key)
        assert doc is not None and (doc.get("purged") or doc["id"] == key)
    store.close()
    reopened = open_admin(tmp_path / "s")
    try:
        assert reopened.count("cases") == CASES + len(written)
        report = verify_store(reopened)
        assert report.ok, report.problems
    finally:
        reopened.close()
