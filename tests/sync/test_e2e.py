"""End to end with a real district center on loopback: a week offline, then the center appears."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from casework import clock, messages
from sync.outbox import OUTBOX, RECEIPTS
from tests.sync.harness import CenterHandle, new_station, start_center

N_CASES = 200


def _offline_then_online(tmp_path: Path, database_url: str = "") -> None:
    center = start_center(tmp_path / "center", database_url=database_url)
    port, keys = center.port, center.keys
    station = new_station(center, tmp_path / "station")
    try:
        assert station.service.run_once(raise_errors=True) is not None  # catalog v1 comes down
        center.stop()  # the district center disappears (weak 4G gone)

        cases = [station.accept(scans=1 + i % 2, size=4096 + i) for i in range(N_CASES)]
        assert station.sync_store.pending_count() == N_CASES
        assert station.service.run_once() is None
        status = station.service.board.current
        assert status.center_reachable is False
        assert status.last_error == messages.text("sync.client.connection_lost", {}, "zh_CN")
        assert status.last_error_action == messages.text("sync.action.check_network", {}, "zh_CN")

        center = start_center(
            tmp_path / "center", database_url=database_url, port=port, keys=keys, publish=False
        )
        report = station.service.run_once(raise_errors=True)
        assert report is not None
        assert report.cases_delivered == N_CASES and report.cases_rejected == 0
        assert station.sync_store.pending_count() == 0

        held = center.cases()
        assert sorted(held) == sorted(c.id for c in cases)  # every case once, nothing else
        for case in cases:
            receipt = station.store.get(RECEIPTS, case.id)
            assert receipt is not None and receipt["status"] == "accepted"
            version, status, _digest = held[case.id]  # the stored digest is of the center's (delivered) copy
            assert version == receipt["version"]
            assert station.case(case.id)["status"] == status == "delivered"
        attachments = center.attachments()
        shas = {sha for c in cases for m in c.materials for sha in m.attachments}
        assert all(attachments[sha][1] for sha in shas)
        for sha in list(shas)[:5]:  # bytes really arrived, verified end to end
            assert hashlib.sha256(center.blob_bytes(sha)).hexdigest() == sha

        # a second sync sends nothing again
        again = station.service.run_once(raise_errors=True)
        assert again is not None and again.cases_delivered == 0 and again.attachment_bytes_sent == 0

        # back-office decisions come down as feed events and move the station's cases
        from casework.caseparts import CaseResult

        approved, rejected = cases[0], cases[1]
        center.review(approved.id, approve=True, result=CaseResult("出生医学证明", "Y610102-0001"))
        center.review(rejected.id, approve=False, reason="材料不符合要求")
        report = station.service.run_once(raise_errors=True)
        assert report is not None and report.feed_events_applied >= 4
        assert station.case(approved.id)["status"] == "approved"
        assert station.case(approved.id)["result"]["number"] == "Y610102-0001"
        assert station.case(rejected.id)["status"] == "rejected"
        assert station.case(rejected.id)["history"][-1]["reason"] == "材料不符合要求"
        assert center.cases()[approved.id][1] == "approved"
        assert station.store.count(OUTBOX) == 0  # feed changes are never pushed back
        cursor = station.sync_store.feed_cursor()
        assert station.service.run_once(raise_errors=True) is not None
        assert station.sync_store.feed_cursor() == cursor  # nothing replayed
    finally:
        station.close()
        center.stop()


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
def test_week_offline_then_center_appears_sqlite(tmp_path: Path) -> None:
    _offline_then_online(tmp_path)


@pytest.mark.postgres
def test_week_offline_then_center_appears_postgres(tmp_path: Path, postgres_server) -> None:  # type: ignore[no-untyped-def]
    _offline_then_online(tmp_path, postgres_server.create_database("sync"))


def test_rejected_case_does_not_block_and_can_be_fixed(center: CenterHandle, station) -> None:  # type: ignore[no-untyped-def]
    from casework.cases import Case
    from sync.outbox import enqueue, rejected, resend

    station.service.run_once(raise_errors=True)
    good1 = station.accept()
    bad = station.accept(item_code="9" * 33)  # not in the district's catalog
    good2 = station.accept()
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 2 and report.cases_rejected == 1
    listed = rejected(station.store)
    assert [d["case_id"] for d in listed] == [bad.id]
    assert listed[0]["reason"] == messages.text(
        "center.ingest.unknown_item", {"item_code": "9" * 33}, "zh_CN"
    )
    assert station.service.board.current.rejected == 1
    assert set(center.cases()) == {good1.id, good2.id}

    # resending unchanged is refused the same way; fixing it (the right item) gets it accepted
    with station.store.transaction() as tx:
        resend(tx, bad.id)
    station.service.run_once(raise_errors=True)
    assert [d["case_id"] for d in rejected(station.store)] == [bad.id]
    fixed = Case.from_dict(station.case(bad.id))
    fixed.item_code = station.item_code
    with station.store.transaction() as tx:
        tx.put("cases", fixed.id, fixed.to_dict())
        version = enqueue(tx, fixed.to_dict())
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1
    assert rejected(station.store) == []
    assert center.cases()[bad.id][0] == version


def test_edit_after_send_is_a_new_version(center: CenterHandle, station) -> None:  # type: ignore[no-untyped-def]
    from casework.caseparts import MaterialRecord, Satisfaction
    from casework.cases import Case
    from sync.outbox import enqueue

    station.service.run_once(raise_errors=True)
    case = station.accept()
    station.service.run_once(raise_errors=True)
    first = center.cases()[case.id]
    edited = Case.from_dict(station.case(case.id))
    sha = station.store.blobs.put_bytes(b"\xff\xd8\xff\xe0" + b"x" * 500 + b"\xff\xd9").sha256

    edited.set_material(
        MaterialRecord("M-EXTRA", "补充材料", Satisfaction.ORIGINAL_VERIFIED, (sha,), verified_by="w01"),
        at=clock.now(),
    )
    with station.store.transaction() as tx:
        tx.put("cases", edited.id, edited.to_dict())
        version = enqueue(tx, edited.to_dict())
    assert version > first[0]
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1
    now = center.cases()[case.id]
    assert now[0] == version and now[2] != first[2]
    # the receipt carries the digest of what was sent; the center stores its merged copy (with its own
    # queued → delivered entry), which has the new material and the station's status
    from district_center.db.models import CaseRecord
    from sync.protocol import case_digest

    assert station.store.get(RECEIPTS, case.id)["digest"] == case_digest(
        edited.to_dict() | {"version": version}
    )
    with center.center.db.read_session() as s:
        held = s.get(CaseRecord, case.id)
        assert held is not None and now[2] == case_digest(held.document)
        assert any(m["code"] == "M-EXTRA" for m in held.document["materials"])
        assert held.document["status"] == station.case(case.id)["status"] == "delivered"


def test_a_station_clock_an_hour_wrong_still_syncs(center: CenterHandle, station) -> None:  # type: ignore[no-untyped-def]

    station.service.client._clock = lambda: clock.timestamp() - 3600  # a laptop an hour behind
    case = station.accept()
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1 and case.id in center.cases()
    assert 3500 < station.service.client.clock_offset < 3700  # learnt from the center's Date header
