"""The back office's work reaching the station through a real center, and the station's answer going back:
补齐补正 resent with the requested materials, result documents (结果文书) downloaded into the encrypted store,
promised dates of 代收 cases set when the jurisdiction receives them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

import httpx

from casework import clock
from casework.caseparts import CaseResult, MissingMaterial
from casework.cases import Case, CaseStatus, Side
from district_center.services.cases import backoffice
from sync.enrollment import enroll_station
from sync.local import RESULT_DOWNLOADS
from tests.sync.harness import CenterHandle, Station, create_station_store, fake_jpeg, station_for


def _reviewer(center: CenterHandle, item_code: str) -> backoffice.Reviewer:
    return backoffice.Reviewer("user:reviewer", ("reviewer",), center.catalog.item(item_code).department)


def _center_case(center: CenterHandle, case_id: str) -> Case:
    from district_center.db.models import CaseRecord

    with center.center.db.read_session() as s:
        record = s.get(CaseRecord, case_id)
        assert record is not None
        return Case.from_dict(record.document)


def _save(station: Station, case: Case) -> None:
    """What the station app's ``CaseService.save`` does: the case (keeping sync's ``_`` fields) and a new
    outbox version, in one commit."""
    from sync.outbox import enqueue

    with station.store.transaction(actor="worker:w01", action="case.supplement") as tx:
        old = tx.get("cases", case.id) or {}
        tx.put("cases", case.id, {**{k: v for k, v in old.items() if k.startswith("_")}, **case.to_dict()})
        enqueue(tx, case.to_dict())


def test_supplement_list_comes_down_and_the_supplied_materials_reach_the_center(
    center: CenterHandle, station: Station
) -> None:
    station.service.run_once(raise_errors=True)
    case = station.accept()
    station.service.run_once(raise_errors=True)
    user = _reviewer(center, station.item_code)
    code, name = station.material
    with center.center.db.session() as s:
        backoffice.accept_for_review(s, user, case.id)
    with center.center.db.session() as s:
        missing = [
            MissingMaterial(code, name, "复印件不清晰", "请携带原件"),
            MissingMaterial("M-EXTRA", "户口簿", "缺少"),
        ]
        backoffice.request_supplement(s, user, case.id, missing)
    station.service.run_once(raise_errors=True)

    # the station shows what the department asked for
    local = Case.from_dict(station.case(case.id))
    request = local.open_supplement()
    assert local.status is CaseStatus.SUPPLEMENT_REQUESTED and request is not None
    assert [(m.code, m.name, m.reason) for m in request.items] == [
        (code, name, "复印件不清晰"),
        ("M-EXTRA", "户口簿", "缺少"),
    ]
    assert request.items[0].how_to_supply == "请携带原件"

    # the worker attaches the scans and resends: back to review, a new version
    now = clock.now()
    shas = {}
    for m in request.items:
        shas[m.code] = station.store.blobs.put_bytes(fake_jpeg(3000)).sha256
        local.supply(m.code, by="w01", at=now, attachments=(shas[m.code],))
    local.transition(
        CaseStatus.IN_REVIEW, actor="worker:w01", at=now, side=Side.STATION, reason="已补齐补正材料"
    )
    _save(station, local)
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1 and report.cases_rejected == 0

    held = _center_case(center, case.id)
    assert held.status is CaseStatus.IN_REVIEW  # the center took the station's move back to review
    assert all(sha in held.material(c).attachments for c, sha in shas.items())  # type: ignore[union-attr]
    assert held.open_supplement() is None  # the department's request is marked supplied
    handed = held.supplements[0].supplied_items  # and the department sees what arrived, scan by scan
    assert [(x.code, x.attachments, x.by) for x in handed] == [(c, (sha,), "w01") for c, sha in shas.items()]
    assert all(center.attachments()[sha][1] for sha in shas.values())


def _fake_pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(max(0, size - 15)) + b"\n%%EOF"


class FlakyResults(httpx.BaseTransport):
    """The real center, except that the first ``fail`` result-document downloads arrive corrupted."""

    def __init__(self, fail: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.fail = fail
        self.downloads = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if "/results/" in request.url.path:
            self.downloads += 1
            if self.fail > 0:
                self.fail -= 1
                response.read()
                return httpx.Response(200, content=response.content[:-10] + b"0" * 10)
        return response


def test_result_documents_are_downloaded_verified_and_retried(center: CenterHandle, tmp_path: Path) -> None:
    transport = FlakyResults(fail=1)
    store = create_station_store(tmp_path / "st")
    enroll_station(store, center.url, center.new_code(), station_name="测试站")
    station = station_for(center, store, tmp_path / "st", transport=transport)
    try:
        station.service.run_once(raise_errors=True)
        case, other = station.accept(), station.accept()
        station.service.run_once(raise_errors=True)
        user = _reviewer(center, station.item_code)
        files = {"决定书.pdf": _fake_pdf(40_000), "证照.pdf": _fake_pdf(5_000)}
        shas = []
        with center.center.db.session() as s:
            for filename, data in files.items():
                sha = hashlib.sha256(data).hexdigest()
                center.center.blobs.put(f"result:{sha}", data)
                backoffice.add_result_document(
                    s,
                    user,
                    case.id,
                    sha256=sha,
                    filename=filename,
                    content_type="application/pdf",
                    size=len(data),
                )
                shas.append(sha)
        with center.center.db.session() as s:
            backoffice.accept_for_review(s, user, case.id)
        with center.center.db.session() as s:
            backoffice.decide(
                s, user, case.id, approve=True, result=CaseResult("营业执照", "Y-0001", documents=tuple(shas))
            )
        center.review(other.id, approve=False, reason="材料不符合要求")

        # the first download arrives damaged: it stays queued, everything else is applied
        report = station.service.run_once(raise_errors=True)
        assert report is not None and report.result_files_downloaded == 1 and report.result_files_pending == 1
        assert report.warnings and "结果文书" in report.warnings[0]
        assert station.case(case.id)["status"] == "approved"
        assert station.case(other.id)["status"] == "rejected"
        cursor = station.sync_store.feed_cursor()
        assert cursor > 0 and len(station.store.keys_of(RESULT_DOWNLOADS)) == 1
        failed = station.store.get(RESULT_DOWNLOADS, station.store.keys_of(RESULT_DOWNLOADS)[0])
        assert failed is not None and failed["attempts"] == 1 and failed["last_error"]

        # the next sync fetches it again; result_ready lists the same files: nothing is fetched twice
        with center.center.db.session() as s:
            backoffice.mark_result_ready(s, user, case.id)
        report = station.service.run_once(raise_errors=True)
        assert report is not None and report.result_files_downloaded == 1 and report.result_files_pending == 0
        assert station.store.keys_of(RESULT_DOWNLOADS) == [] and transport.downloads == 3
        doc = station.case(case.id)
        assert doc["status"] == "result_ready"
        assert sorted((f["sha256"], f["name"], f["size"], f["mime"]) for f in doc["_result_files"]) == sorted(
            (hashlib.sha256(d).hexdigest(), n, len(d), "application/pdf") for n, d in files.items()
        )
        assert doc["result"]["documents"] == shas
        for (filename, data), sha in zip(files.items(), shas, strict=True):
            assert station.store.blobs.read_range(sha, 0, len(data)) == data, filename  # encrypted, intact
        again = station.service.run_once(raise_errors=True)
        assert again is not None and again.result_files_downloaded == 0 and transport.downloads == 3
    finally:
        station.close()


def test_a_collected_case_gets_its_promised_date_when_the_jurisdiction_receives_it(
    center: CenterHandle, station: Station
) -> None:
    station.service.run_once(raise_errors=True)
    case = station.accept(collected_for=center.catalog.item(station.item_code).jurisdiction)  # the item's
    assert case.promised_date is None
    station.service.run_once(raise_errors=True)
    with center.center.db.session() as s:
        backoffice.accept_for_review(s, _reviewer(center, station.item_code), case.id)
    held = _center_case(center, case.id)
    assert held.promised_date is not None
    station.service.run_once(raise_errors=True)
    local: dict[str, Any] = station.case(case.id)
    assert local["status"] == "in_review"
    assert (local["promised_date"], local["promised_date_provisional"]) == (
        held.promised_date.isoformat(),
        held.promised_date_provisional,
    )


def test_a_final_case_is_confirmed_only_when_the_center_holds_it(
    center: CenterHandle, station: Station
) -> None:
    """The worker withdraws two delivered cases; the department had already decided one of them, so the
    center refuses that withdrawal (rejected, ``status_overruled``, with a reason naming its decision). The
    station takes its withdrawal back, applies the decision from the feed, and a resend changes nothing:
    station and center agree. Only the taken withdrawal is confirmed, and only it is purged after the
    retention days."""
    from storage.retention import purge_expired
    from sync.outbox import REJECTED, rejected, resend

    station.service.run_once(raise_errors=True)
    kept, overruled = station.accept(), station.accept()
    station.service.run_once(raise_errors=True)
    center.review(overruled.id, approve=True)
    now = clock.now()
    for case in (kept, overruled):
        local = Case.from_dict(station.case(case.id))
        local.transition(
            CaseStatus.WITHDRAWN, actor="worker:w01", at=now, reason="申请人撤回", side=Side.STATION
        )
        _save(station, local)
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1 and report.cases_rejected == 1
    assert (center.cases()[kept.id][1], center.cases()[overruled.id][1]) == ("withdrawn", "approved")
    refused = rejected(station.store)
    assert [r["case_id"] for r in refused] == [overruled.id]
    assert refused[0]["reason"] == "区中心已对该件作出决定（准予办理），不能再撤回；请刷新后按结果办理。"
    assert station.store.get("sync_receipts", overruled.id)["status"] == "rejected"
    # the withdrawal is taken back locally and the decision from the feed applied
    assert station.case(kept.id)["status"] == "withdrawn"
    assert station.case(overruled.id)["status"] == "approved"
    assert _center_case(center, overruled.id).status is CaseStatus.APPROVED
    history = Case.from_dict(station.case(overruled.id)).history
    assert all(t.to_status is not CaseStatus.WITHDRAWN for t in history)

    with station.store.transaction(actor="worker:w01", action="case.resend") as tx:
        resend(tx, overruled.id)  # the worker resends it anyway: refused again, nothing moves
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_rejected == 1
    assert station.case(overruled.id)["status"] == center.cases()[overruled.id][1] == "approved"
    with station.store.transaction(actor="worker:w01", action="case.drop") as tx:
        tx.delete(REJECTED, overruled.id)  # or drops it from the rejected list
    assert station.service.run_once(raise_errors=True) is not None
    assert station.case(overruled.id)["status"] == center.cases()[overruled.id][1] == "approved"
    assert station.store.count(REJECTED) == 0

    assert station.store.get("center_confirmations", kept.id) is not None
    assert station.store.get("center_confirmations", overruled.id) is None
    purged = purge_expired(station.store, now=now + dt.timedelta(days=31), days=30)
    assert purged.purged_cases == [kept.id]
