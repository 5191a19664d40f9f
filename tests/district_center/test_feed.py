"""Per-station feeds: exactly-once delivery by cursor under concurrent back-office transitions."""

from __future__ import annotations

import threading
import time

import pytest

from casework.errors import DomainError
from district_center.services.cases.feed import (
    FeedError,
    append_event,
    open_followup,
    route_case,
    transition_case,
)
from sync.protocol import FeedPage, canonical_json

from .conftest import make_case, push
from .test_enrollment import _problem

# pushed as queued, the cases are delivered on ingest (no event: the station records it from its receipt)
PATH = ["in_review", "supplement_requested", "in_review", "approved", "result_ready"]
TYPES = ["status_changed", "supplement_requested", "status_changed", "decided", "result_ready"]


def _poll(http, after, limit=50):
    resp = http.get(f"/api/v1/feed?after={after}&limit={limit}")
    assert resp.status_code == 200, resp.text
    return FeedPage.from_dict(resp.json())


def test_feed_exactly_once_under_concurrent_transitions(center, new_station, client):
    st, other = new_station(), new_station()
    http = client(st)
    docs = [make_case(st, queued=True) for _ in range(16)]
    assert all(r["status"] == "accepted" for r in push(http, *docs))
    other_doc = make_case(other, queued=True)
    push(client(other), other_doc)
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def writer(case_ids: list[str]) -> None:
        try:
            for step in PATH:
                for case_id in case_ids:
                    with center.db.session() as s:
                        transition_case(
                            s,
                            case_id,
                            step,
                            actor="user:reviewer",
                            reason="材料不齐" if step == "supplement_requested" else "",
                        )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def noise() -> None:  # another station's feed grows at the same time and must not leak in
        with center.db.session() as s:
            transition_case(s, other_doc["id"], "in_review", actor="user:x")

    threads = [threading.Thread(target=writer, args=([d["id"] for d in docs[i::4]],)) for i in range(4)]
    threads.append(threading.Thread(target=noise))
    received = []
    cursor = 0
    for t in threads:
        t.start()
    closer = threading.Thread(target=lambda: ([t.join() for t in threads], writers_done.set()))
    closer.start()
    while True:
        done = writers_done.is_set()
        page = _poll(http, cursor, limit=7)
        seqs = [e.seq for e in page.events]
        assert seqs == list(range(cursor + 1, cursor + 1 + len(seqs))), "a page skipped or repeated a seq"
        received.extend(page.events)
        if page.events:
            cursor = page.next
            assert http.post("/api/v1/feed/ack", content=canonical_json({"cursor": cursor})).json() == {
                "cursor": cursor
            }
        elif done:
            break
        else:
            time.sleep(0.01)
    closer.join()
    assert not errors, errors
    assert [e.seq for e in received] == list(range(1, len(PATH) * len(docs) + 1))
    by_case: dict[str, list] = {}
    for e in received:
        by_case.setdefault(e.case_id, []).append(e)
    assert set(by_case) == {d["id"] for d in docs}
    for events in by_case.values():
        assert [e.payload["status"] for e in events] == PATH
        assert [e.type for e in events] == TYPES
    assert by_case[docs[0]["id"]][1].payload["reason"] == "材料不齐"
    # nothing more, and the other station saw only its own event
    assert _poll(http, cursor).events == []
    assert [e.case_id for e in _poll(client(other), 0).events] == [other_doc["id"]]


def test_append_event_rolls_back_with_its_transaction(center, new_station, client):
    st = new_station()
    with pytest.raises(RuntimeError), center.db.session() as s:
        append_event(s, st.station_id, "status_changed", None, {"n": 1})
        raise RuntimeError("case change failed")
    with center.db.session() as s:
        assert append_event(s, st.station_id, "status_changed", None, {"n": 2}) == 1
    assert [e.payload for e in _poll(client(st), 0).events] == [{"n": 2}]


def test_illegal_transition_is_refused_without_event(center, new_station, client):
    st = new_station()
    doc = make_case(st)  # accepted, not yet queued: the center cannot review it
    push(client(st), doc)
    with pytest.raises(FeedError) as refused, center.db.session() as s:
        transition_case(s, doc["id"], "approved", actor="user:r")
    assert isinstance(refused.value.cause, DomainError)
    assert refused.value.cause.code.startswith("case.transition.")
    assert _poll(client(st), 0).events == []


def test_routing_and_followup_events(center, new_station, client):
    a, b = new_station(), new_station()
    doc = make_case(a, queued=True)
    push(client(a), doc)
    with center.db.session() as s:
        route_case(s, doc["id"], b.station_id, actor="user:sup", reason="属地办理")
        transition_case(s, doc["id"], "in_review", actor="user:r")
        open_followup(s, doc["id"], actor="user:sup", rating="不满意", working_days=3)
    a_events = _poll(client(a), 0).events
    b_events = _poll(client(b), 0).events
    assert [e.type for e in a_events] == ["routed_out", "status_changed", "followup_opened"]
    assert [e.type for e in b_events] == ["routed_in", "status_changed"]
    assert b_events[0].payload["case"]["id"] == doc["id"]
    assert a_events[2].payload["due"] > "2026"


def test_ack_moves_forward_only_and_not_past_the_end(center, new_station, client):
    st = new_station()
    http = client(st)
    with center.db.session() as s:
        for _ in range(3):
            append_event(s, st.station_id, "status_changed", None, {})
    assert http.post("/api/v1/feed/ack", content=b'{"cursor": 2}').json() == {"cursor": 2}
    assert http.post("/api/v1/feed/ack", content=b'{"cursor": 1}').json() == {"cursor": 2}
    _problem(http.post("/api/v1/feed/ack", content=b'{"cursor": 9}'), 409, "bad_cursor")
    _problem(http.post("/api/v1/feed/ack", content=b'{"cursor": -1}'), 400, "bad_message")
    page = _poll(http, 1, limit=1)
    assert [e.seq for e in page.events] == [2] and page.next == 2
