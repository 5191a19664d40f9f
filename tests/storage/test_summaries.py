"""Document summaries: what a list needs of each document, stored with it at commit, read at open without
decrypting a single document, recomputed when the summarizer changes, checked by verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage import Summarizer
from storage.journal import Journal
from storage.verify import verify_store
from tests.storage.helpers import new_store, open_admin


def _summarise(doc: dict[str, Any], token: Any) -> dict[str, Any]:
    return {"number": doc["number"], "status": doc["status"], "id_tail": token(doc["id_number"][-4:])}


CASES = Summarizer("cases", 1, _summarise)


def _doc(i: int, status: str = "queued") -> dict[str, Any]:
    return {"number": f"N{i:05d}", "status": status, "id_number": f"11010519491231{i:04d}", "pad": "x" * 300}


def test_summaries_come_from_the_open_scan_without_decrypting_documents(tmp_path: Path, monkeypatch) -> None:
    store = new_store(tmp_path / "s")
    store.register_summarizer(CASES)
    store.bulk_put("cases", [(f"c{i}", _doc(i)) for i in range(500)])
    with store.transaction() as tx:
        tx.put("cases", "c7", _doc(7, "closed"))
        tx.delete("cases", "c8")
    token = store.search_token("0003")
    store.close()

    reopened = open_admin(tmp_path / "s")
    reopened.register_summarizer(CASES)
    reads: list[int] = []
    real = Journal.read
    monkeypatch.setattr(Journal, "read", lambda self, *a: reads.append(1) or real(self, *a))
    got = reopened.summaries("cases")
    assert reads == [], "no document decrypted to list them"
    assert len(got) == 499 and "c8" not in got
    assert got["c7"]["status"] == "closed" and got["c3"]["number"] == "N00003"
    assert got["c3"]["id_tail"] == reopened.search_token("0003") == token
    assert "0003" not in got["c3"]["id_tail"], "search terms are keyed tokens, not text"
    assert verify_store(reopened).ok
    reopened.close()


def test_a_new_summarizer_version_recomputes_then_compaction_stores_it(tmp_path: Path, monkeypatch) -> None:
    store = new_store(tmp_path / "s")
    store.register_summarizer(CASES)
    store.bulk_put("cases", [(f"c{i}", _doc(i)) for i in range(50)])
    store.close()

    def v2(doc: dict[str, Any], token: Any) -> dict[str, Any]:
        return {**_summarise(doc, token), "closed": doc["status"] == "closed"}

    store = open_admin(tmp_path / "s")
    store.register_summarizer(Summarizer("cases", 2, v2))
    report = verify_store(store)
    assert report.ok and any("older version" in i for i in report.info)
    assert all(m["v"] == 2 and m["closed"] is False for m in store.summaries("cases").values())
    store.compact()
    store.close()
    store = open_admin(tmp_path / "s")
    store.register_summarizer(Summarizer("cases", 2, v2))
    reads: list[int] = []
    real = Journal.read
    monkeypatch.setattr(Journal, "read", lambda self, *a: reads.append(1) or real(self, *a))
    assert len(store.summaries("cases")) == 50 and reads == []
    store.close()


def test_verify_finds_a_summary_that_disagrees_with_its_document(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    store.register_summarizer(CASES)
    with store.transaction() as tx:
        tx.put("cases", "c1", _doc(1))
    store.docs.meta["cases"]["c1"]["status"] = "closed"  # what a bug in maintaining summaries would do
    report = verify_store(store)
    assert not report.ok and any("summary of cases/c1" in p for p in report.problems)
    store.close()


def test_tokens_are_keyed_per_store(tmp_path: Path) -> None:
    a, b = new_store(tmp_path / "a"), new_store(tmp_path / "b")
    try:
        assert a.search_token("1234") == a.search_token("1234") != b.search_token("1234")
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("n", [0, 1])
def test_documents_without_a_summarizer_have_none(tmp_path: Path, n: int) -> None:
    store = new_store(tmp_path / "s")
    with store.transaction() as tx:
        for i in range(n):
            tx.put("settings", f"k{i}", {"x": i})
    assert store.docs.meta.get("settings", {}) == {}
    store.close()
