"""Index checkpoints: opening reads the pinned checkpoint and only the records after it; a damaged, missing
or foreign one is not used (the whole journal is read, the store works) and verify says so."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from storage import Summarizer
from storage.journal import Journal
from storage.verify import verify_store
from tests.storage.helpers import new_store, open_admin


def _summary(doc: dict[str, Any], token: Any) -> dict[str, Any]:
    return {"number": doc["number"], "status": doc["status"], "tail": token(doc["id"][-4:])}


CASES = Summarizer("cases", 1, _summary)


def _doc(i: int, status: str = "queued") -> dict[str, Any]:
    return {"number": f"N{i:05d}", "status": status, "id": f"61010219900307{i:04d}", "pad": "x" * 200}


def _state(store: Any) -> tuple[Any, ...]:
    docs = store.docs
    index = {c: dict(t) for c, t in docs.index.items() if t}
    meta = {c: dict(m) for c, m in docs.meta.items() if m}
    return index, dict(docs.refs), meta, docs.garbage_ratio()


def _build(path: Path) -> Any:
    store = new_store(path)
    store.register_summarizer(CASES)
    sha = store.blobs.put_bytes(b"\xff\xd8\xff\xe0" + b"s" * 4000 + b"\xff\xd9").sha256
    store.bulk_put("cases", [(f"c{i}", _doc(i) | {"scans": [sha]}) for i in range(3000)])
    with store.transaction() as tx:
        tx.put("cases", "c1", _doc(1, "closed"))
        tx.delete("cases", "c2")
    assert store.checkpoint(min_records=1)
    for i in range(5):  # records after the checkpoint: scanned at open
        with store.transaction() as tx:
            tx.put("cases", f"late{i}", _doc(10_000 + i))
            tx.delete("cases", f"c{100 + i}")
    return store


def test_open_restores_the_checkpoint_and_scans_only_what_follows(tmp_path: Path, monkeypatch) -> None:
    store = _build(tmp_path / "s")
    expected = _state(store)
    pinned = store.docs.head.index
    records = store.docs.journal.records
    store.close()

    scanned: list[int] = []
    real = Journal.scan

    def counting(self: Journal, head: Any, start: tuple[int, int] = (0, 0)) -> Any:
        for rec in real(self, head, start):
            scanned.append(rec.seq)
            yield rec

    monkeypatch.setattr(Journal, "scan", counting)
    again = open_admin(tmp_path / "s")
    again.register_summarizer(CASES)
    assert again.docs.checkpoint_problem is None
    assert scanned and min(scanned) == pinned and len(scanned) == records - pinned
    state = _state(again)
    assert state[0]["cases"] == {k: v for k, v in expected[0]["cases"].items()}
    assert state[1] == expected[1] and state[2]["cases"] == expected[2]["cases"]
    assert abs(state[3] - expected[3]) < 0.01
    assert again.get("cases", "late3") == _doc(10_003) and again.get("cases", "c2") is None
    report = verify_store(again)
    assert report.ok, report.problems
    assert any("index checkpoint" in i and "matches" in i for i in report.info)
    again.close()


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete", "foreign"])
def test_a_bad_checkpoint_is_not_used_the_store_works_and_verify_reports_it(
    tmp_path: Path, damage: str
) -> None:
    store = _build(tmp_path / "s")
    expected = _state(store)
    name = next(p.name for p in (tmp_path / "s" / "docs").iterdir() if p.name.startswith("index-"))
    store.close()
    path = tmp_path / "s" / "docs" / name
    if damage == "flip":
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0x40
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "delete":
        path.unlink()
    else:  # a checkpoint of another store under this name
        other = _build(tmp_path / "o")
        other_name = next(p for p in (tmp_path / "o" / "docs").iterdir() if p.name.startswith("index-"))
        shutil.copyfile(other_name, path)
        other.close()

    again = open_admin(tmp_path / "s")
    again.register_summarizer(CASES)
    assert again.docs.checkpoint_problem, "the reason is kept for verify"
    state = _state(again)
    assert state[0]["cases"] == expected[0]["cases"] and state[2]["cases"] == expected[2]["cases"]
    report = verify_store(again)
    assert not report.ok and any("index checkpoint" in p for p in report.problems)
    assert again.checkpoint(min_records=1), "a fresh checkpoint replaces it"
    again.close()
    healed = open_admin(tmp_path / "s")
    assert healed.docs.checkpoint_problem is None and verify_store(healed).ok
    healed.close()


def test_unpinned_checkpoints_are_removed_on_open(tmp_path: Path) -> None:
    store = _build(tmp_path / "s")
    docs_dir = tmp_path / "s" / "docs"
    pinned = next(p for p in docs_dir.iterdir() if p.name.startswith("index-"))
    stray = docs_dir / pinned.name.replace(pinned.name[-14:-4], "0000000001")  # as a crash before pinning
    shutil.copyfile(pinned, stray)
    store.close()
    again = open_admin(tmp_path / "s")
    assert not stray.exists() and pinned.exists()
    assert verify_store(again).ok
    again.close()


def test_compaction_leaves_a_checkpoint_of_the_new_generation(tmp_path: Path) -> None:
    store = _build(tmp_path / "s")
    store.compact()
    names = sorted(p.name for p in (tmp_path / "s" / "docs").iterdir())
    assert names == ["head.bin", f"index-00000002-{store.docs.head.index:010d}.bin", "journal-00000002.log"]
    store.close()
    again = open_admin(tmp_path / "s")
    assert again.docs.checkpoint_problem is None and again.count("cases") == 3000 - 1 - 5 + 5
    assert verify_store(again).ok
    again.close()
