"""Index checkpoints: opening reads the pinned checkpoint and only the records after it; a damaged, missing
or foreign one is not used (the whole journal is read, the store works) and verify says so."""

from __future__ import annotations

import shutil
import threading
import time
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


def test_summaries_are_parsed_on_first_use_over_the_commits_made_before(tmp_path: Path) -> None:
    """Opening leaves the checkpoint's summaries unparsed (a sign-in does not wait for them); commits made
    before the first use — and the records after the checkpoint — are applied over them, and the result is
    what reading the whole journal gives."""
    _build(tmp_path / "s").close()
    again = open_admin(tmp_path / "s")
    again.register_summarizer(CASES)
    assert again.docs.checkpoint_problem is None and again.docs.summaries_pending
    assert again.get("cases", "late2") == _doc(10_002), "documents read without the summaries"
    with again.transaction() as tx:
        tx.put("cases", "c7", _doc(7, "closed"))
        tx.delete("cases", "c8")
        tx.put("cases", "new", _doc(20_000))
    assert again.docs.summaries_pending
    rows = again.summaries("cases")
    assert not again.docs.summaries_pending
    assert rows["c7"]["status"] == "closed" and "c8" not in rows and rows["new"]["number"] == "N20000"
    assert "c101" not in rows and rows["late4"]["number"] == "N10004" and rows["c1"]["status"] == "closed"
    expected = _state(again)
    again.close()

    for p in (tmp_path / "s" / "docs").glob("index-*.bin"):
        p.unlink()
    whole = open_admin(tmp_path / "s")  # no checkpoint: every record read
    whole.register_summarizer(CASES)
    assert not whole.docs.summaries_pending
    assert _state(whole)[2]["cases"] == expected[2]["cases"]
    whole.close()


def test_parsing_the_summaries_on_a_thread_while_others_commit(tmp_path: Path) -> None:
    """The station parses them on a thread after a sign-in, without the store's mutex: commits made
    meanwhile are neither lost nor overwritten by the checkpoint's older rows."""
    _build(tmp_path / "s").close()
    again = open_admin(tmp_path / "s")
    again.register_summarizer(CASES)
    assert again.docs.summaries_pending
    stop = threading.Event()
    written: list[int] = []

    def commit() -> None:
        i = 0
        while not stop.is_set() and i < 400:
            with again.transaction() as tx:
                tx.put("cases", f"c{i % 50}", _doc(i, "closed"))
            written.append(i)
            i += 1

    worker = threading.Thread(target=commit)
    worker.start()
    while not written:
        time.sleep(0.001)
    again.load_summaries()
    stop.set()
    worker.join()
    rows = again.summaries("cases")
    for i in written[-50:]:
        assert rows[f"c{i % 50}"] == again.docs.summary_of("cases", _doc(i, "closed"))
    again.close()


def test_a_commit_does_not_wait_for_the_first_parse_of_the_summaries(tmp_path: Path) -> None:
    """The parse after a sign-in takes a while on a big store (about a second at 100,000 cases on a loaded
    laptop); a worker's 受理 in that second commits at once, and its summary is there after the parse."""
    _build(tmp_path / "s").close()
    again = open_admin(tmp_path / "s")
    again.register_summarizer(CASES)
    pending = again.docs._pending
    assert pending is not None
    decoding, release = threading.Event(), threading.Event()
    real = pending.decode

    def slow_decode() -> Any:
        decoding.set()
        release.wait(10)
        return real()

    pending.decode = slow_decode  # type: ignore[method-assign]
    parser = threading.Thread(target=again.load_summaries)
    parser.start()
    assert decoding.wait(10)
    committed = threading.Event()

    def commit() -> None:
        with again.transaction() as tx:
            tx.put("cases", "during", _doc(30_000))
        committed.set()

    writer = threading.Thread(target=commit)
    writer.start()
    try:
        assert committed.wait(5), "the commit waited for the parse"
    finally:
        release.set()
        parser.join()
        writer.join()
    assert again.summaries("cases")["during"]["number"] == "N30000"
    again.close()
