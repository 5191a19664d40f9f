"""Tampering: every byte flip, truncation, swap and replay of a file is detected with a clear error.

``detect`` = open + admin unlock + full verify. It must raise a :class:`StorageError` (StoreCorrupted,
WrongKey,
or WrongSecret when the admin slot itself was damaged — a damaged slot is indistinguishable from a wrong
password) or return a failing report. What cannot be detected is listed in docs/storage.md.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from storage import StationStore, StorageError
from storage.verify import verify_store

from .helpers import ADMIN, jpeg, new_store, pdf


def detect(path: Path) -> str:
    try:
        s = StationStore.open(path)
    except StorageError as exc:
        return type(exc).__name__
    try:
        s.unlock_admin(ADMIN)
        report = verify_store(s)
        return "ok" if report.ok else "report:" + report.problems[0]
    except StorageError as exc:
        return type(exc).__name__
    finally:
        s.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("tamper")
    s = new_store(root / "st")
    s.add_worker("w01", "135790", actor="admin")
    refs = [s.blobs.put_bytes(jpeg(300_000)), s.blobs.put_bytes(pdf(5000))]
    for i in range(3):
        with s.transaction(actor="worker:w01") as tx:
            tx.put("cases", f"c{i}", {"status": "accepted", "scan": refs[i % 2].to_dict()})
            tx.put("outbox", f"c{i}", {"kind": "case"})
    s.close()
    assert detect(root / "st") == "ok"
    return root / "st"


def files_of(d: Path) -> list[Path]:
    return sorted(p for p in d.rglob("*") if p.is_file() and p.name != ".station.lock")


@pytest.fixture
def work(pristine, tmp_path):
    dst = tmp_path / "st"
    shutil.copytree(pristine, dst)
    return dst


def test_every_file_byte_flip_is_detected(work):
    rng = random.Random(7)
    checked = 0
    for path in files_of(work):
        raw = path.read_bytes()
        positions = {0, len(raw) - 1, len(raw) // 2, *(rng.randrange(len(raw)) for _ in range(12))}
        for pos in sorted(positions):
            for mask in (0x01, 0x80):
                bad = bytearray(raw)
                bad[pos] ^= mask
                path.write_bytes(bytes(bad))
                result = detect(work)
                assert result != "ok", f"flip of byte {pos} in {path.relative_to(work)} went unnoticed"
                checked += 1
        path.write_bytes(raw)
    assert detect(work) == "ok"
    assert checked > 100


def test_truncation_and_deletion_are_detected(work):
    for path in files_of(work):
        raw = path.read_bytes()
        for cut in (0, len(raw) // 2, len(raw) - 1):
            path.write_bytes(raw[:cut])
            assert detect(work) != "ok", f"{path.relative_to(work)} truncated to {cut}"
        path.unlink()
        assert detect(work) != "ok", f"{path.relative_to(work)} deleted"
        path.write_bytes(raw)
    assert detect(work) == "ok"


def test_swapping_two_files_is_detected(work):
    blobs = [p for p in files_of(work) if "blobs" in p.parts]
    a, b = blobs[0], blobs[1]
    ra, rb = a.read_bytes(), b.read_bytes()
    a.write_bytes(rb)
    b.write_bytes(ra)
    assert detect(work) != "ok"
    a.write_bytes(ra)
    b.write_bytes(rb)
    head, journal = work / "docs" / "head.bin", next((work / "docs").glob("journal-*"))
    rh, rj = head.read_bytes(), journal.read_bytes()
    head.write_bytes(rj)
    journal.write_bytes(rh)
    assert detect(work) != "ok"


def test_replaying_older_copies_is_detected(work, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(work, old)
    s = StationStore.open(work)
    s.unlock_admin(ADMIN)
    for i in range(3):
        with s.transaction() as tx:
            tx.put("cases", f"new{i}", {"status": "accepted"})
    s.add_worker("w02", "246802", actor="admin")
    s.close()
    assert detect(work) == "ok"
    for rel in ("docs/head.bin", "keys.json"):
        current = (work / rel).read_bytes()
        (work / rel).write_bytes((old / rel).read_bytes())
        assert detect(work) != "ok", f"older {rel} accepted"
        (work / rel).write_bytes(current)
    journal = next((work / "docs").glob("journal-*"))
    current = journal.read_bytes()
    journal.write_bytes((old / "docs" / journal.name).read_bytes())
    assert detect(work) != "ok", "older journal accepted"
    journal.write_bytes(current)
    assert detect(work) == "ok"


def test_rollback_of_the_whole_directory_is_not_detectable(work, tmp_path):
    """Documented limit: an older copy of the *whole* directory is a valid older store."""
    old = tmp_path / "old"
    shutil.copytree(work, old)
    s = StationStore.open(work)
    s.unlock_admin(ADMIN)
    with s.transaction() as tx:
        tx.put("cases", "late", {"status": "accepted"})
    s.close()
    assert detect(old) == "ok"
