"""TinyDB over the encrypted store: a TinyDB database whose tables are store collections (each TinyDB write
one durable, audited store transaction), and a TinyDB Query index over a collection's summaries that follows
commits without putting TinyDB on the commit path."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Document

from storage import Summarizer
from storage.tinydb_layer import SummaryIndex, station_tables
from tests.storage.helpers import new_store, open_admin


def test_tinydb_tables_are_store_collections(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    db = station_tables(store, ["workers", "settings"], actor="admin")
    workers = db.table("workers")
    workers.insert(Document({"name": "王芳", "role": "admin"}, doc_id="01"))
    workers.insert(Document({"name": "李娜", "role": "worker"}, doc_id="02"))
    before = len(store.audit_entries())
    workers.update({"role": "admin"}, doc_ids=["02"])
    assert len(store.audit_entries()) == before + 1, "one TinyDB write, one store transaction"
    assert store.get("workers", "02") == {"name": "李娜", "role": "admin"}
    assert [w["name"] for w in workers.search(Query().role == "admin")] == ["王芳", "李娜"]
    workers.remove(doc_ids=["01"])
    db.table("settings").insert(Document({"language": "en"}, doc_id="station"))
    store.close()

    again = open_admin(tmp_path / "s")
    db = station_tables(again, ["workers", "settings"])
    assert db.table("workers").get(doc_id="02")["name"] == "李娜"  # type: ignore[call-overload,index]
    assert db.table("workers").get(doc_id="01") is None  # type: ignore[call-overload]
    assert again.get("settings", "station") == {"language": "en"}
    again.close()


def _summary(doc: dict[str, Any], token: Any) -> dict[str, Any]:
    return {"number": doc["number"], "status": doc["status"]}


def test_summary_index_queries_follow_commits(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    store.register_summarizer(Summarizer("cases", 1, _summary))
    store.bulk_put("cases", [(f"c{i}", {"number": f"N{i}", "status": "queued"}) for i in range(300)])
    index = SummaryIndex(store, "cases")
    q = Query()
    assert len(index.search(q.status == "queued")) == 300
    with store.transaction() as tx:
        tx.put("cases", "c5", {"number": "N5", "status": "closed"})
        tx.delete("cases", "c6")
        tx.put("cases", "new", {"number": "N-new", "status": "queued"})
    assert [r["_key"] for r in index.search(q.status == "closed")] == ["c5"]
    assert len(index) == 300 and index.get("c6") is None and index.get("new")["number"] == "N-new"  # type: ignore[index]
    store.close()


def test_summary_index_from_two_threads_while_committing(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    store.register_summarizer(Summarizer("cases", 1, _summary))
    index = SummaryIndex(store, "cases")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(200):
                with store.transaction() as tx:
                    tx.put("cases", f"c{i}", {"number": f"N{i}", "status": "queued"})
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(200):
                index.search(Query().status == "queued")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(index.search(Query().status == "queued")) == 200
    store.close()
