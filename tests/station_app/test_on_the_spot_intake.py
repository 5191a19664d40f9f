"""当场办结 at the window over a real encrypted store: accept, decide and print the 证明 in one visit, then
送达; the case is queued for the district as decided, with the printed PDF as its result."""

from __future__ import annotations

import hashlib

import pytest

from casework.cases import CaseStatus, Side
from casework.catalog import Necessity
from station_app.viewmodels.case_detail import CaseActions
from station_app.viewmodels.guide import qr_png
from station_app.viewmodels.intake import IntakeError, document_kind, document_name
from sync.outbox import OUTBOX
from tests.station_app.test_intake import VALID_ID, fill_applicant, start

SPOT_ITEM = "11610114766834358F201020114000000"  # 城乡居民养老保险参保登记: 当场办结, 证明
PLAIN_ITEM = "11610114766834358F201020112000000"  # 就业失业登记: not flagged


def ready(vm):  # type: ignore[no-untyped-def]
    fill_applicant(vm)
    for r in vm.material_rows():
        if r.necessity is Necessity.REQUIRED:
            vm.attach(r.code, f"{r.code}.png", qr_png("scan of " + r.code))
    assert vm.review_problems() == []
    return vm


def test_a_flagged_item_is_accepted_decided_and_printed_in_one_visit(at_china_hour, station, cases):
    vm = ready(start(station, cases, SPOT_ITEM))
    assert vm.on_the_spot() is not None
    case = vm.accept_on_the_spot()
    assert case.status is CaseStatus.RESULT_READY and case.decided_on_the_spot
    assert [t.to_status for t in case.history] == [
        CaseStatus.ACCEPTED,
        CaseStatus.APPROVED,
        CaseStatus.RESULT_READY,
    ]
    assert all(t.side is Side.STATION for t in case.history)
    assert document_kind(case) == "result"
    pdf = vm.render_document()
    assert pdf.startswith(b"%PDF")
    # the printed A4 PDF is the case's result, stored encrypted like a scan and named by its sha256
    assert case.result is not None and case.result.documents == (hashlib.sha256(pdf).hexdigest(),)
    assert cases.result_pdf(case) == pdf
    store = station.unlocked_store
    queued = store.get(OUTBOX, case.id)
    assert queued is not None and queued["case"]["status"] == "result_ready"
    assert case.result.documents[0] in queued["attachments"]  # uploaded with the scans
    assert store.get("drafts", vm.draft["id"]) is None

    # 送达 at the window: the resident shows the ID card
    actions = CaseActions(cases, cases.get(case.id), "01")
    assert actions.can_hand_over()
    done = actions.hand_over("张三", "handover.self", collector_id=VALID_ID)
    assert done.status is CaseStatus.HANDED_OVER
    assert store.get(OUTBOX, case.id)["case"]["status"] == "handed_over"


def test_an_unflagged_item_offers_no_on_the_spot_decision(station, cases):
    vm = ready(start(station, cases, PLAIN_ITEM))
    assert vm.on_the_spot() is None
    with pytest.raises(IntakeError) as refused:
        vm.accept_on_the_spot()
    assert "不是当场办结事项" in refused.value.problems[0]
    assert vm.outcome is None
    assert vm.accept().status is CaseStatus.QUEUED  # the ordinary path goes on


def test_on_the_spot_still_needs_every_material(station, cases):
    vm = start(station, cases, SPOT_ITEM)
    fill_applicant(vm)
    with pytest.raises(IntakeError) as refused:
        vm.accept_on_the_spot()
    assert any("缺少材料" in p for p in refused.value.problems)
    assert vm.outcome is None


def test_buttons_name_the_result_the_catalog_gives(at_china_hour, station, cases):
    vm = ready(start(station, cases, SPOT_ITEM))
    case = vm.accept_on_the_spot()
    assert document_name(case, station.catalog()) == "证明"
    plain = ready(start(station, cases, PLAIN_ITEM)).accept()
    assert document_name(plain, station.catalog()) == "受理凭证"
