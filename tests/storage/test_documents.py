"""Documents: transactions, reads, queries, compaction, the directory lock, torn tails."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from tinydb import Query

from casework.blobref import blob_refs
from storage import StationStore, StorageError, StoreBusy, StoreLocked

from .helpers import new_store, open_admin


def test_transaction_commits_case_and_outbox_together(tmp_path):
    s = new_store(tmp_path / "st")
    with s.transaction(actor="worker:w01") as tx:
        tx.put("cases", "c1", {"status": "accepted", "n": 1})
        tx.put("outbox", "c1", {"kind": "case", "case_id": "c1"})
        assert tx.get("cases", "c1") == {"status": "accepted", "n": 1}
    assert s.get("cases", "c1") == {"status": "accepted", "n": 1}
    assert s.get("outbox", "c1") == {"kind": "case", "case_id": "c1"}
    entry = s.audit_entries()[-1]
    assert entry["case"] == "c1" and entry["actor"] == "worker:w01"
    assert entry["detail"]["changes"] == ["cases/c1", "outbox/c1"]
    s.close()


def test_exception_inside_transaction_discards_everything(tmp_path):
    s = new_store(tmp_path / "st")
    with pytest.raises(RuntimeError), s.transaction() as tx:
        tx.put("cases", "c1", {"x": 1})
        raise RuntimeError("boom")
    assert s.get("cases", "c1") is None
    s.close()


def test_reads_queries_delete_and_reopen(tmp_path):
    s = new_store(tmp_path / "st")
    for i in range(30):
        with s.transaction() as tx:
            tx.put("cases", f"c{i:02d}", {"status": "closed" if i % 3 == 0 else "accepted", "i": i})
    with s.transaction() as tx:
        tx.delete("cases", "c03")
        tx.put("cases", "c04", {"status": "closed", "i": 400})
    q = Query()
    closed = s.find("cases", q.status == "closed")
    assert sorted(d["i"] for d in closed) == sorted([i for i in range(30) if i % 3 == 0 and i != 3] + [400])
    assert s.count("cases") == 29
    got = s.get("cases", "c05")
    assert got is not None
    got["i"] = -1  # a copy: mutating it changes nothing stored
    assert s.get("cases", "c05") == {"status": "accepted", "i": 5}
    s.close()
    s = open_admin(tmp_path / "st")
    assert s.count("cases") == 29 and s.get("cases", "c03") is None
    assert dict(s.items("cases"))["c04"] == {"status": "closed", "i": 400}
    s.close()


def test_compaction_keeps_live_documents_and_audit_chain(tmp_path):
    s = new_store(tmp_path / "st")
    for i in range(50):
        with s.transaction() as tx:
            tx.put("cases", "same", {"v": i})
            tx.put("cases", f"k{i}", {"v": i})
    size_before = sum(p.stat().st_size for p in (tmp_path / "st" / "docs").iterdir())
    entries = s.audit_entries()
    s.compact()
    size_after = sum(p.stat().st_size for p in (tmp_path / "st" / "docs").iterdir())
    assert s.get("cases", "same") == {"v": 49}
    assert s.audit_entries()[: len(entries)] == entries
    s.close()
    s = open_admin(tmp_path / "st")
    assert s.count("cases") == 51 and s.get("cases", "k7") == {"v": 7}
    from storage.verify import verify_store

    assert verify_store(s).ok
    s.close()
    assert size_after < size_before


def test_reserved_collections_and_non_json(tmp_path):
    s = new_store(tmp_path / "st")
    with pytest.raises(StorageError), s.transaction() as tx:
        tx.put("_audit", "x", {})
    with pytest.raises(TypeError), s.transaction() as tx:
        tx.put("cases", "x", {"bad": object()})
    s.close()


def test_locked_store_refuses_reads(tmp_path):
    new_store(tmp_path / "st").close()
    s = StationStore.open(tmp_path / "st")
    with pytest.raises(StoreLocked):
        s.get("cases", "x")
    s.close()


def test_second_opener_gets_clear_error(tmp_path):
    s = new_store(tmp_path / "st")
    with pytest.raises(StoreBusy) as info:
        StationStore.open(tmp_path / "st")
    assert "已被另一个站点程序打开" in str(info.value)
    code = textwrap.dedent(f"""
        from storage import StationStore, StoreBusy
        try:
            StationStore.open({str(tmp_path / "st")!r})
        except StoreBusy as e:
            print("BUSY", e)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "BUSY 该数据目录已被另一个站点程序打开" in out.stdout, out.stderr
    s.close()
    StationStore.open(tmp_path / "st").close()  # released on close


def test_torn_tail_is_cut_and_store_keeps_working(tmp_path):
    s = new_store(tmp_path / "st")
    with s.transaction() as tx:
        tx.put("cases", "c1", {"v": 1})
    s.close()
    journal = next((tmp_path / "st" / "docs").glob("journal-*"))
    good = journal.stat().st_size
    with open(journal, "ab") as f:
        f.write(b"\x00\x00\x01\x00\xff\xff\xfe\xffpartial frame")  # header + part of a payload
    s = open_admin(tmp_path / "st")
    assert s.get("cases", "c1") == {"v": 1}
    assert journal.stat().st_size > good - 1  # the unlock added its own audit record after cutting the tail
    with s.transaction() as tx:
        tx.put("cases", "c2", {"v": 2})
    s.close()
    s = open_admin(tmp_path / "st")
    assert s.get("cases", "c2") == {"v": 2}
    s.close()


def test_blob_refs_convention():
    sha = "ab" * 32
    doc = {
        "scan": {"sha256": sha, "size": 1, "mime": "image/png"},
        "materials": [{"attachments": ["cd" * 32, "not-a-hash"]}],
        "result": {"documents": ["ef" * 32]},
        "photo_sha256": "01" * 32,
        "other": "23" * 32,
    }
    assert blob_refs(doc) == {sha, "cd" * 32, "ef" * 32, "01" * 32}


def test_bulk_put_and_thread_safety(tmp_path):
    import threading

    s = new_store(tmp_path / "st")
    items = [(f"item{i}", {"name": f"事项{i}", "pad": "x" * 200}) for i in range(5000)]
    assert s.bulk_put("catalog", items) == 5000
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(50):
                with s.transaction() as tx:
                    tx.put("cases", f"t{n}-{i}", {"i": i})
                s.get("catalog", f"item{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert s.count("cases") == 200 and s.count("catalog") == 5000
    s.close()
    s = open_admin(tmp_path / "st")
    assert s.count("cases") == 200 and s.get("catalog", "item4999") == {"name": "事项4999", "pad": "x" * 200}
    s.close()


def test_init_never_overwrites_data_files_without_keys(tmp_path):
    from storage import StoreExists

    new_store(tmp_path / "st").close()
    (tmp_path / "st" / "keys.json").unlink()
    with pytest.raises(StoreExists) as info:
        new_store(tmp_path / "st")
    assert "keys.json" in str(info.value)


def test_verify_flags_unknown_files(tmp_path):
    from storage.verify import verify_store

    new_store(tmp_path / "st").close()
    (tmp_path / "st" / "docs" / "journal-00000009.log").write_bytes(b"stray")
    (tmp_path / "st" / "notes.txt").write_text("x")
    s = StationStore.open(tmp_path / "st")
    s.unlock_admin("admin-secret-for-tests")
    # the stale journal generation is removed on unlock; the unknown top-level file is reported
    rep = verify_store(s)
    assert not rep.ok and any("notes.txt" in p for p in rep.problems)
    assert not (tmp_path / "st" / "docs" / "journal-00000009.log").exists()
    s.close()


def test_maybe_compact_runs_only_when_mostly_garbage(tmp_path):
    s = new_store(tmp_path / "st")
    s.bulk_put("catalog", [(f"i{n}", {"pad": "x" * 500}) for n in range(2000)])
    assert not s.maybe_compact(min_bytes=0)  # everything live
    for _ in range(3):
        s.bulk_put("catalog", [(f"i{n}", {"pad": "y" * 500}) for n in range(2000)])
    assert s.docs.garbage_ratio() > 0.6
    assert s.maybe_compact(min_bytes=0)
    assert s.docs.garbage_ratio() < 0.1 and s.get("catalog", "i1999") == {"pad": "y" * 500}
    s.close()
