"""The sans-I/O core driven by hand: each yielded request is answered by the test, no network at all.

The station side is real (an encrypted store); only the center's answers are scripted — the cases the real
center rarely produces on demand (409 with a held count, 413, missing receipts, a resumed stage)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework import messages
from sync.engine_core import Request, Response, SyncConfig, check_response, sync_flow
from sync.errors import AuthError, CenterError
from sync.local import StationSyncStore
from sync.outbox import REJECTED, enqueue
from sync.protocol import AttachmentStatus, CaseBatch, CaseReceipt, ReceiptStatus, case_digest
from tests.sync.harness import create_station_store, fake_jpeg

NOW = "2026-11-22T00:00:00Z"
KEY = Ed25519PrivateKey.generate().public_key()
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StationSyncStore]:
    st = create_station_store(tmp_path / "st")
    yield StationSyncStore(st)
    st.close()


def _queue(store: StationSyncStore, case_id: str, sha: str | None = None) -> dict:  # type: ignore[type-arg]
    case = {"id": case_id, "version": 1, "status": "queued"}
    if sha:
        case["materials"] = [{"attachments": [sha]}]
    with store.store.transaction() as tx:
        enqueue(tx, case)
    return case


def _problem(status: int, code: str, **extra: object) -> Response:
    return Response(
        status, json.dumps({"status": status, "code": code, "detail": f"说明 {code}", **extra}).encode()
    )


def _ok(obj: object, status: int = 200) -> Response:
    return Response(status, json.dumps(obj).encode())


def _drive(
    store: StationSyncStore, answer: Callable[[Request], Response], *, chunk: int = 1024
) -> list[Request]:
    flow = sync_flow(store, pinned_key=KEY, now_iso=lambda: NOW, config=SyncConfig(chunk_size=chunk))
    seen: list[Request] = []
    try:
        request = next(flow)
        while True:
            seen.append(request)
            request = flow.send(answer(request))
    except StopIteration:
        return seen


def _pulls(request: Request) -> Response | None:
    if request.path.startswith("/api/v1/catalog"):
        return Response(204)
    if request.path.startswith("/api/v1/calendar"):
        return _problem(404, "calendar_not_published")
    if request.path.startswith("/api/v1/feed?"):
        return _ok({"events": [], "next": 0})
    return None


def _receipts(request: Request) -> Response:
    batch = CaseBatch.from_dict(json.loads(request.body))
    return _ok(
        {
            "receipts": [
                CaseReceipt(c.id, c.version, ReceiptStatus.ACCEPTED, 1, None, case_digest(c.case)).to_dict()
                for c in batch.cases
            ]
        }
    )


def test_conflict_resumes_at_the_held_byte(store: StationSyncStore) -> None:
    sha = store.store.blobs.put_bytes(fake_jpeg(3000)).sha256
    _queue(store, "c1", sha)
    held = {"n": 0}
    puts: list[str] = []

    def answer(request: Request) -> Response:
        if request.method == "GET" and "/attachments/" in request.path:
            return _ok(AttachmentStatus(sha, 3000, 2048, False).to_dict())  # the center holds 2 chunks
        if request.method == "PUT":
            puts.append(request.path.split("?")[1])
            offset = int(request.path.split("offset=")[1])
            if offset != held["n"] + 2048:
                return _problem(409, "offset_mismatch", received=held["n"] + 2048)
            return _ok(AttachmentStatus(sha, 3000, offset + len(request.body), True).to_dict())
        return _pulls(request) or _receipts(request)

    _drive(store, answer)
    assert puts == ["offset=2048"]  # multi-chunk scan: asked first, sent only the missing tail
    assert store.pending_count() == 0


def test_a_409_with_the_held_count_moves_the_offset(store: StationSyncStore) -> None:
    sha = store.store.blobs.put_bytes(fake_jpeg(800)).sha256
    _queue(store, "c1", sha)
    offsets: list[int] = []

    def answer(request: Request) -> Response:
        if request.method == "PUT":
            offset = int(request.path.split("offset=")[1])
            offsets.append(offset)
            if offset == 0:
                return _problem(409, "offset_mismatch", received=500)  # a lost answer had landed
            return _ok(AttachmentStatus(sha, 800, 800, True).to_dict())
        return _pulls(request) or _receipts(request)

    _drive(store, answer)
    assert offsets == [0, 500]


def test_too_large_fails_that_case_only(store: StationSyncStore) -> None:
    big = store.store.blobs.put_bytes(fake_jpeg(900)).sha256
    _queue(store, "c1", big)
    _queue(store, "c2")

    def answer(request: Request) -> Response:
        if request.method == "PUT":
            return _problem(413, "too_large")
        return _pulls(request) or _receipts(request)

    _drive(store, answer)
    assert store.pending_count() == 0
    rejected = store.store.get(REJECTED, "c1")
    assert rejected is not None and rejected["reason"] == "说明 too_large" and rejected["local"]
    assert store.store.get(REJECTED, "c2") is None


def test_a_scan_the_center_never_confirms_holds_only_its_cases(store: StationSyncStore) -> None:
    """One poisoned scan (the center keeps answering 409 with a held count it never reaches) holds the two
    cases that reference it, marked with the reason on their outbox entries; the other case is delivered,
    and the held ones go again (and through) on the next sync."""
    stuck = store.store.blobs.put_bytes(fake_jpeg(3000)).sha256
    fine = store.store.blobs.put_bytes(fake_jpeg(500)).sha256
    _queue(store, "c1", stuck)
    _queue(store, "c2", fine)
    _queue(store, "c3", stuck)
    puts = {"stuck": 0}
    healed = {"on": False}

    def answer(request: Request) -> Response:
        if "/attachments/" in request.path:
            sha = request.path.split("/attachments/")[1].split("?")[0]
            size = 3000 if sha == stuck else 500
            if request.method == "GET":
                return _problem(404, "attachment_unknown")
            if sha == stuck and not healed["on"]:
                puts["stuck"] += 1
                return _problem(409, "offset_mismatch", received=0)
            return _ok(AttachmentStatus(sha, size, size, True).to_dict())
        return _pulls(request) or _receipts(request)

    _drive(store, answer)
    assert puts["stuck"] > 3  # tried, bounded, then gave up on that scan only (asked once, not per case)
    assert sorted(store.store.keys_of("outbox")) == ["c1", "c3"]
    for case_id in ("c1", "c3"):
        held = store.store.get("outbox", case_id)["held"]  # type: ignore[index]
        assert "暂缓上传" in held["reason"] and held["at"]
    assert store.store.get("sync_receipts", "c2") is not None
    tries = puts["stuck"]
    healed["on"] = True
    _drive(store, answer)
    assert store.pending_count() == 0 and puts["stuck"] == tries


def test_missing_receipts_stop_instead_of_looping(store: StationSyncStore) -> None:
    _queue(store, "c1")

    def answer(request: Request) -> Response:
        return _pulls(request) or _ok({"receipts": []})

    with pytest.raises(CenterError) as info:
        _drive(store, answer)
    assert info.value.code == "sync.engine.missing_receipts" and info.value.wire_code == "missing_receipts"
    assert store.pending_count() == 1


def test_an_interrupted_run_resumes_at_its_stage_then_runs_once_more(store: StationSyncStore) -> None:
    store.save_run({"id": "r1", "stage": "pull_feed"})
    _queue(store, "c1")
    paths: list[str] = []

    def answer(request: Request) -> Response:
        paths.append(request.path.split("?")[0])
        return _pulls(request) or _receipts(request)

    _drive(store, answer)
    assert paths[0] == "/api/v1/feed"  # resumed where it stopped
    assert paths[1] == "/api/v1/cases/batch"  # then one fresh run pushes what is queued
    run = store.load_run()
    assert run is not None and run["stage"] == "done" and run["id"] != "r1"


def test_a_case_the_center_chokes_on_does_not_hold_back_the_others(store: StationSyncStore) -> None:
    for i in range(7):
        _queue(store, f"c{i}")
    batches: list[int] = []

    def answer(request: Request) -> Response:
        if request.path == "/api/v1/cases/batch":
            ids = [c["id"] for c in json.loads(request.body)["cases"]]
            batches.append(len(ids))
            if "c3" in ids:
                return _problem(500, "internal")
        return _pulls(request) or _receipts(request)

    flow = sync_flow(store, pinned_key=KEY, now_iso=lambda: NOW)
    request = next(flow)
    try:
        while True:
            request = flow.send(answer(request))
    except StopIteration as stop:
        report = stop.value
    assert report.cases_delivered == 6 and store.pending_count() == 1
    assert store.pending(10)[0].case_id == "c3"  # still queued for the next sync, not rejected
    assert any("暂时无法接收" in w for w in report.warnings)
    assert batches[0] == 7 and len(batches) <= 2 * 3 + 1  # bisected, not one request per case


def test_an_unavailable_center_stops_the_sync(store: StationSyncStore) -> None:
    _queue(store, "c1")

    def answer(request: Request) -> Response:
        return _pulls(request) or _problem(503, "unavailable")

    with pytest.raises(CenterError):
        _drive(store, answer)
    assert store.pending_count() == 1


def test_a_case_that_cannot_be_encoded_is_set_aside(store: StationSyncStore) -> None:
    with store.store.transaction() as tx:
        enqueue(tx, {"id": "c0", "version": 1, "fee": 1.5})  # floats are refused in signed documents
    _queue(store, "c1")

    def answer(request: Request) -> Response:
        return _pulls(request) or _receipts(request)

    _drive(store, answer)
    assert store.pending_count() == 0
    rejected = store.store.get(REJECTED, "c0")
    assert rejected is not None and "小数" in rejected["reason"]


def test_center_errors_carry_codes_and_speak_the_current_language() -> None:
    problem = json.dumps(
        {"type": "about:blank", "title": "x", "status": 400, "code": "bad_message", "detail": "d"}
    )
    with pytest.raises(CenterError) as failed:
        check_response(Response(400, problem.encode()), "sync.step.upload_cases")
    assert failed.value.code == "sync.engine.step_failed" and failed.value.wire_code == "bad_message"
    assert failed.value.params == {"step_code": "sync.step.upload_cases", "reason": "d"}
    step = messages.text("sync.step.upload_cases", {}, "zh_CN")
    assert failed.value.text("zh_CN") == messages.catalog("zh_CN")["sync.engine.step_failed"].format(
        step_code=step, reason="d"
    )
    with pytest.raises(CenterError) as busy:
        check_response(Response(503), "sync.step.download_catalog")
    assert busy.value.code == "sync.engine.center_unavailable" and busy.value.wire_code == "http_503"
    english = busy.value.worker_text("en")
    assert "downloading the service catalog" in english and "503" in english and not CJK.search(english)
    assert busy.value.worker_text("zh_CN") == (
        messages.text("sync.engine.center_unavailable", busy.value.params, "zh_CN")
        + "。"
        + messages.text("sync.action.center_busy", {}, "zh_CN")
    )


def test_every_step_and_document_the_engine_names_has_words() -> None:
    """The ``step_code``/``document_code`` literals the engine passes have words in both languages."""
    root = Path(__file__).resolve().parents[2] / "sync"
    named = {
        node.value
        for path in root.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith(("sync.step.", "sync.document.", "sync.action."))
    }
    assert {"sync.step.upload_cases", "sync.document.catalog", "sync.action.fix_clock"} <= named
    assert sorted(c for c in named if not (messages.has(c, "zh_CN") and messages.has(c, "en"))) == []


def test_a_refusal_the_center_coded_is_worded_in_the_station_language() -> None:
    problem = {
        "status": 401,
        "code": "clock_skew",
        "detail": "中心的话",
        "params": {"code": "protocol.clock_skew", "seconds": 300},
    }
    previous = messages.current_language()
    try:
        messages.set_language("en")
        with pytest.raises(AuthError) as refused:
            check_response(Response(401, json.dumps(problem).encode()), "sync.step.upload_cases")
    finally:
        messages.set_language(previous)
    assert refused.value.wire_code == "clock_skew" and refused.value.action_code == "sync.action.fix_clock"
    assert refused.value.params["reason"] == messages.text("protocol.clock_skew", {"seconds": 300}, "en")
    assert not CJK.search(refused.value.worker_text("en"))
