"""A full disk: writes fail with a clear error, earlier commits stay intact, the store works after freeing
space.

The main test fills a real 4 MiB tmpfs (needs root to mount; skipped with the reason otherwise). The second
test injects ENOSPC at each write step, so the rollback paths run on every machine.
"""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest

from storage import DiskFull, DiskSpaceLow, StoreOptions, journal
from storage.verify import verify_store

from .helpers import jpeg, new_store, open_admin


@pytest.fixture
def small_fs(small_filesystem):
    return small_filesystem(4)


def test_filling_a_real_small_filesystem(small_fs):
    d = small_fs / "st"
    filler = small_fs / "filler.bin"
    filler.write_bytes(b"\0" * (1 << 20))
    s = new_store(d)
    committed: dict[str, dict[str, object]] = {}
    failures = 0
    i = 0
    while failures < 8 and i < 500:
        i += 1
        cid = f"c{i:03d}"
        try:
            ref = s.blobs.put(io.BytesIO(jpeg(150_000)))
            doc = {"status": "accepted", "pad": "备注" * 2000, "scan": ref.to_dict()}
            with s.transaction() as tx:
                tx.put("cases", cid, doc)
                tx.put("outbox", cid, {"kind": "case"})
            committed[cid] = doc
        except DiskFull as exc:
            failures += 1
            assert "磁盘已满" in str(exc)
            assert s.get("cases", cid) is None  # the failed commit left nothing visible
            for k, v in list(committed.items())[-3:]:
                assert s.get("cases", k) == v
    assert failures == 8 and len(committed) > 5
    assert not list(d.rglob("*.tmp"))
    s.close()

    s = open_admin(d) if _has_room_for_unlock(d) else None
    if s is None:  # unlocking writes an audit entry; free the filler first
        filler.unlink()
        s = open_admin(d)
    for k, v in committed.items():
        assert s.get("cases", k) == v
    assert verify_store(s).ok
    if filler.exists():
        filler.unlink()
    with s.transaction() as tx:  # space freed: works again
        tx.put("cases", "after", {"status": "accepted"})
    s.blobs.put(io.BytesIO(jpeg(100_000)))
    s.close()
    s = open_admin(d)
    assert s.get("cases", "after") == {"status": "accepted"} and len(committed) + 1 == s.count("cases")
    s.close()


def _has_room_for_unlock(d: Path) -> bool:
    import shutil

    return shutil.disk_usage(d).free > 64 << 10


def test_check_free_space_and_disk_status(small_fs):
    d = small_fs / "st"
    s = new_store(d, options=StoreOptions(reserve_bytes=1 << 20, warning_bytes=8 << 20))
    st = s.disk_status()
    assert st.level == "warning" and "MB" in st.message
    s.check_free_space(100_000)
    with pytest.raises(DiskSpaceLow) as info:
        s.check_free_space(3 << 20)
    assert "磁盘剩余空间不足" in str(info.value)
    (small_fs / "big").write_bytes(b"\0" * (int(st.free_bytes) - (1 << 19)))
    assert s.disk_status().level == "critical"
    s.close()


@pytest.mark.parametrize("where", ["journal_write", "journal_fsync", "head_write", "blob_write"])
def test_injected_enospc_at_each_step(tmp_path, monkeypatch, where):
    s = new_store(tmp_path / "st")
    before_ref = s.blobs.put_bytes(jpeg(50_000))
    with s.transaction() as tx:
        tx.put("cases", "before", {"v": 1, "scan": before_ref.to_dict()})
    size_before = next((tmp_path / "st" / "docs").glob("journal-*")).stat().st_size

    def enospc(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    real_fsync, real_write_head = os.fsync, journal.write_head
    if where == "journal_write":
        real_file = s.docs.journal._f

        class HalfThenFull:
            """Writes half of each buffer, then fails like a full disk."""

            def __getattr__(self, name: str) -> object:
                return getattr(real_file, name)

            def write(self, data: bytes) -> int:
                real_file.write(data[: len(data) // 2])
                real_file.flush()
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(s.docs.journal, "_f", HalfThenFull())
    elif where == "journal_fsync":
        monkeypatch.setattr(journal.os, "fsync", enospc)
    elif where == "head_write":
        monkeypatch.setattr("storage.fsutil.replace", enospc)  # inside the head's atomic_write
    with pytest.raises(DiskFull):
        if where == "blob_write":
            monkeypatch.setattr("storage.blobs.os.fsync", enospc)
            s.blobs.put_bytes(jpeg(60_000))
        else:
            with s.transaction() as tx:
                tx.put("cases", "failed", {"v": 2})
    monkeypatch.undo()
    assert os.fsync is real_fsync and journal.write_head is real_write_head
    assert s.get("cases", "failed") is None
    assert next((tmp_path / "st" / "docs").glob("journal-*")).stat().st_size == size_before
    assert not list((tmp_path / "st").rglob("*.tmp"))
    with s.transaction() as tx:
        tx.put("cases", "after", {"v": 3})
    s.close()
    s = open_admin(tmp_path / "st")
    assert s.get("cases", "before") == {"v": 1, "scan": before_ref.to_dict()}
    assert s.get("cases", "after") == {"v": 3}
    assert s.get("cases", "failed") is None and s.blobs.has(before_ref.sha256)
    assert verify_store(s).ok
    s.close()


def test_key_change_on_a_full_disk_changes_nothing(tmp_path, monkeypatch):
    s = new_store(tmp_path / "st")

    def enospc(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("storage.fsutil.replace", enospc)
    with pytest.raises(DiskFull):
        s.add_worker("w05", "555555", actor="admin")
    monkeypatch.undo()
    assert s.workers() == []
    s.close()
    s = open_admin(tmp_path / "st")
    assert s.workers() == []
    s.add_worker("w05", "555555", actor="admin")
    s.close()
