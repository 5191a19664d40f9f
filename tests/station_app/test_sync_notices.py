"""The sync page lists the center's notices, unread ones first and marked, and records that they were seen."""

from __future__ import annotations


def _put_notice(store, seq: int, type_: str, read: bool = False) -> None:
    with store.transaction(actor="sync", action="feed.apply") as tx:
        tx.put(
            "sync_inbox",
            f"{seq:012d}",
            {
                "seq": seq,
                "type": type_,
                "case_id": f"case-{seq}",
                "at": "2026-11-20T02:00:00Z",
                "payload": {},
                "read": read,
            },
        )


def test_unread_notices_come_first_marked_and_are_marked_read_once_seen(station, tmp_path):
    from station_app.config import AppConfig
    from station_app.services.runtime import StationRuntime
    from station_app.viewmodels.sync import mark_notices_seen, sync_view

    runtime = StationRuntime(config=AppConfig(data_dir=tmp_path), station=station)
    store = station.unlocked_store
    for seq in range(1, 31):  # 30 plain status notices, then one supplement request nobody has seen
        _put_notice(store, seq, "status_changed", read=True)
    _put_notice(store, 31, "supplement_requested")
    _put_notice(store, 2, "decided")  # an old decision, still unread: must not fall off the 20 shown

    view = sync_view(runtime, with_queue=True)
    assert view.unread_notices == 2
    assert len(view.notices) == 20
    assert view.notices[0].startswith("● ") and view.notices[1].startswith("● ")
    assert not view.notices[2].startswith("● ")
    assert view.notice_keys[:2] == [f"{31:012d}", f"{2:012d}"]

    assert mark_notices_seen(runtime, view.notice_keys, "worker:01") == 2
    assert store.get("sync_inbox", f"{31:012d}")["read"] is True
    again = sync_view(runtime, with_queue=True)
    assert again.unread_notices == 0
    assert not any(n.startswith("● ") for n in again.notices)
    assert any(e["action"] == "inbox.read" for e in store.audit_entries())
    if runtime.background is not None:
        runtime.background.stop()


def test_a_held_case_shows_which_and_why_in_the_queue(station, tmp_path):
    """A case whose scan failed last sync stays queued and its line on the sync page says why."""
    from station_app.config import AppConfig
    from station_app.services.runtime import StationRuntime
    from station_app.viewmodels.sync import sync_view
    from sync.local import StationSyncStore
    from sync.outbox import enqueue
    from sync.ports import OutboxItem

    runtime = StationRuntime(config=AppConfig(data_dir=tmp_path), station=station)
    store = station.unlocked_store
    with store.transaction(actor="worker:01", action="case.accept") as tx:
        enqueue(tx, {"id": "c-held", "number": "261120-007-00011", "version": 1, "status": "queued"})
        enqueue(tx, {"id": "c-fine", "number": "261120-007-00022", "version": 1, "status": "queued"})
    StationSyncStore(store).hold([OutboxItem("c-held", 1, {})], "扫描件上传反复失败；本件暂缓上传")
    view = sync_view(runtime, with_queue=True)
    held = [line for line in view.pending if "261120-007-00011" in line]
    fine = [line for line in view.pending if "261120-007-00022" in line]
    assert view.held == 1 and len(view.pending) == 2
    assert "暂缓上传：扫描件上传反复失败" in held[0] and "暂缓" not in fine[0]
    if runtime.background is not None:
        runtime.background.stop()
