"""Applying what comes down, without a center: catalog deltas, promised dates, inbox pruning, retention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from casework import messages
from casework.cases import Case, CaseStatus, Side
from casework.identity import Applicant, ApplicantKind
from storage.retention import purge_expired
from sync.apply import apply_event, catalog_from_envelope
from sync.errors import DocumentRefused
from sync.inbox import INBOX, mark_read
from sync.local import StationSyncStore
from sync.outbox import enqueue
from sync.protocol import CaseReceipt, FeedEvent, ReceiptStatus, SignedEnvelope, case_digest
from tests.sync.harness import create_station_store, sample_catalog

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StationSyncStore]:
    st = create_station_store(tmp_path / "st")
    yield StationSyncStore(st, clock=lambda: "2026-11-02T02:00:00Z")
    st.close()


def _case(status: CaseStatus = CaseStatus.QUEUED, *, collected: bool = False) -> Case:
    applicant = Applicant(ApplicantKind.PERSON, "测试申请人", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number="T-1",
        station_id="st",
        item_code="X1",
        catalog_version=1,
        applicant=applicant,
        at=T0,
        jurisdiction="碑林区" if collected else "",
    )
    case.transition(CaseStatus.COLLECTED if collected else CaseStatus.ACCEPTED, actor="w01", at=T0)
    case.transition(CaseStatus.QUEUED, actor="w01", at=T0)
    if status is not CaseStatus.QUEUED:
        case.transition(CaseStatus.WITHDRAWN, actor="w01", at=T0, reason="申请人撤回", side=Side.STATION)
    return case


def _event(
    seq: int, type_: str, case_id: str | None, payload: dict[str, object], *, at: str = "2026-11-02T01:30:00Z"
) -> FeedEvent:
    return FeedEvent(seq, type_, case_id, at, payload)


_HEADER = ("2026-11-02T00:00:00Z", "2027-11-02T00:00:00Z", "district-test")


def test_a_delta_that_does_not_fit_asks_for_the_snapshot_not_refuses_the_catalog() -> None:
    """``DeltaError`` is a ValueError: it must come out as ``delta_base`` (fetch the full catalog), not
    ``bad_catalog`` (refuse and keep the old one)."""
    current = sample_catalog()
    env = SignedEnvelope(
        "catalog_delta",
        current.version + 1,
        *_HEADER,
        {
            "since": current.version,
            "version": current.version + 1,
            "items": [],
            "bundles": [],
            "item_order": [i.code for i in current.items],
            "bundle_order": [b.code for b in current.bundles],
        },
        "c2ln",
    )  # a delta whose items are missing: incomplete
    with pytest.raises(DocumentRefused) as info:
        catalog_from_envelope(env, current)
    assert info.value.wire_code == "delta_base" and info.value.code == "sync.apply.delta_misfit"
    assert info.value.message == messages.text("sync.apply.delta_misfit", info.value.params)
    wrong_base = SignedEnvelope("catalog_delta", 9, *_HEADER, {"since": current.version + 5}, "c2ln")
    with pytest.raises(DocumentRefused) as info:
        catalog_from_envelope(wrong_base, current)
    assert info.value.wire_code == "delta_base" and info.value.code == "sync.apply.delta_misfit"


def test_promised_dates_from_the_center_are_adopted() -> None:
    case = _case(collected=True)
    case.transition(CaseStatus.DELIVERED, actor="sync", at=T0, side=Side.STATION)
    assert case.promised_date is None  # 代收: no clock until the jurisdiction receives it
    doc = case.to_dict()
    new, note = apply_event(
        doc,
        _event(
            3,
            "status_changed",
            case.id,
            {
                "status": "in_review",
                "from": "delivered",
                "actor": "user:r",
                "promised_date": "2026-11-20",
                "promised_date_provisional": True,
                "clock_started": "代收件属地收件，开始计算办结时限",
            },
        ),
    )
    assert note == "applied" and new is not None
    local = Case.from_dict(new)
    assert local.status is CaseStatus.IN_REVIEW
    assert (local.promised_date, local.promised_date_provisional) == (dt.date(2026, 11, 20), True)
    # a later event without the keys keeps them; one with a final date replaces the provisional one
    again, _ = apply_event(new, _event(4, "status_changed", case.id, {"status": "in_review"}))
    assert again is not None and Case.from_dict(again).promised_date == dt.date(2026, 11, 20)
    final, _ = apply_event(
        again,
        _event(
            5,
            "status_changed",
            case.id,
            {"status": "in_review", "promised_date": "2026-11-23", "promised_date_provisional": False},
        ),
    )
    assert final is not None
    adopted = Case.from_dict(final)
    assert (adopted.promised_date, adopted.promised_date_provisional) == (dt.date(2026, 11, 23), False)


def test_inbox_is_pruned_but_unread_notices_stay(tmp_path: Path) -> None:
    st = create_station_store(tmp_path / "inbox")
    store = StationSyncStore(st, clock=lambda: "2026-11-02T02:00:00Z", inbox_days=30, inbox_cap=5)
    old = "2026-08-01T00:00:00Z"  # 93 days before the store's clock
    events = [
        _event(1, "status_changed", None, {}, at=old),
        _event(2, "decided", None, {}, at=old),
        _event(3, "result_ready", None, {}, at=old),
    ]
    store.apply_feed(events, 3)
    with store.store.transaction() as tx:
        mark_read(tx, [f"{3:012d}"])  # the worker saw the result notice
    recent = [_event(seq, "status_changed", None, {}) for seq in range(4, 12)]
    applied = store.apply_feed(recent, 11)
    keys = store.store.keys_of(INBOX)
    # the old status event and the read notice are gone; the unread decision stays; the cap keeps the
    # newest events (pruned before this page was written, so at most cap + page)
    assert f"{1:012d}" not in keys and f"{3:012d}" not in keys and f"{2:012d}" in keys
    assert applied.pruned == 2
    more = [_event(seq, "status_changed", None, {}) for seq in range(12, 14)]
    store.apply_feed(more, 13)
    keys = sorted(store.store.keys_of(INBOX))
    assert keys[0] == f"{2:012d}"  # still unread: kept beyond the cap
    assert len(keys) == 1 + 5 and keys[-1] == f"{13:012d}"
    st.close()


def test_a_final_case_is_purged_only_once_the_center_confirmed_it(store: StationSyncStore) -> None:
    """Retention purges a final case only with a confirmation: here the feed's (the center withdrew it); a
    case withdrawn on the station whose final state the center never confirmed stays. (Receipts of final
    versions: ``test_backoffice_flow.test_a_final_case_is_confirmed_only_when_the_center_holds_it``.)"""
    unconfirmed, by_feed = _case(CaseStatus.WITHDRAWN), _case()
    with store.store.transaction() as tx:
        for case in (unconfirmed, by_feed):
            tx.put("cases", case.id, case.to_dict())
            enqueue(tx, case.to_dict())
    for item in store.pending(10):  # both receipted: a receipt alone confirms nothing
        store.record_receipts(
            [item],
            [CaseReceipt(item.case_id, item.version, ReceiptStatus.ACCEPTED, 8, "", case_digest(item.case))],
        )
    store.apply_feed(
        [
            _event(
                1,
                "status_changed",
                by_feed.id,
                {"status": "withdrawn", "actor": "user:r", "reason": "申请人在区中心撤回"},
            )
        ],
        1,
    )
    assert store.store.get("cases", by_feed.id)["status"] == "withdrawn"  # type: ignore[index]
    assert store.store.get("center_confirmations", unconfirmed.id) is None
    early = purge_expired(store.store, now=dt.datetime(2026, 11, 20, tzinfo=dt.UTC), days=30)  # type: ignore[arg-type]
    assert early.purged_cases == []
    report = purge_expired(store.store, now=dt.datetime(2026, 12, 3, tzinfo=dt.UTC), days=30)  # type: ignore[arg-type]
    assert report.purged_cases == [by_feed.id]
    assert store.store.get("cases", by_feed.id)["purged"] is True  # type: ignore[index]
    assert "applicant" in store.store.get("cases", unconfirmed.id)  # type: ignore[operator]


def test_result_documents_are_queued_only_where_the_center_gives_them(store: StationSyncStore) -> None:
    from casework.caseparts import Pickup, PickupMethod
    from sync.local import RESULT_DOWNLOADS

    here, elsewhere, own = _case(), _case(), _case()
    here.pickup = Pickup(PickupMethod.JURISDICTION_WINDOW)
    with store.store.transaction() as tx:
        tx.put("cases", own.id, own.to_dict())
    files = [
        {"sha256": "ab" * 32, "name": "决定书.pdf", "size": 10, "mime": "application/pdf"},
        {"sha256": "not-a-digest"},
    ]
    store.apply_feed(
        [
            _event(1, "routed_in", here.id, {"case": here.to_dict(), "version": 1}),
            _event(2, "routed_in", elsewhere.id, {"case": elsewhere.to_dict(), "version": 1}),
            *(
                _event(3 + i, "result_ready", c.id, {"status": "result_ready", "result_documents": files})
                for i, c in enumerate((here, elsewhere, own))
            ),
            _event(6, "result_ready", own.id, {"status": "result_ready", "result_documents": files}),  # again
        ],
        6,
    )
    queued = [store.store.get(RESULT_DOWNLOADS, k) for k in store.store.keys_of(RESULT_DOWNLOADS)]
    assert sorted(str(q["case_id"]) for q in queued if q) == sorted([here.id, own.id])
    assert [p.name for p in store.pending_results()] == ["决定书.pdf", "决定书.pdf"]
