"""After 受理: hand-over, rating once, withdrawal, supplements; the kiosk's pre-application and rating."""

from __future__ import annotations

import datetime as dt

import pytest

from casework import clock, messages
from casework.cases import (
    CaseStatus,
    MaterialRecord,
    MissingMaterial,
    RatingLevel,
    Satisfaction,
    Side,
    SupplementRequest,
)
from station_app.viewmodels.case_detail import ActionError, CaseActions, timeline
from station_app.viewmodels.cases import CaseFilter, Dashboard, apply
from station_app.viewmodels.guide import qr_png
from station_app.viewmodels.kiosk import KioskError, KioskViewModel
from sync.outbox import OUTBOX
from tests.station_app.test_intake import VALID_ID, fill_applicant, start


def accepted_single(station, cases):
    catalog = station.catalog()
    item = next(i for i in catalog.items if i.accepts_new_cases and i.station_acceptable and "高龄" in i.name)
    vm = start(station, cases, item.code)
    fill_applicant(vm)
    for r in vm.material_rows():
        if r.necessity.value != "非必要":  # 必要 and 容缺后补 alike: scanned at the window
            vm.attach(r.code, "scan.png", qr_png(r.code))
    return vm.accept(collected=False)


def center_moves(case, *steps):
    at = clock.now()
    for to in steps:
        # the feed replays what the center decided under its rules (as sync.apply does)
        case.transition(
            to, actor="center", at=at, side=Side.CENTER, reason="准予" if to else "", check_rules=False
        )


def test_hand_over_then_rate_once_and_the_rating_is_queued_for_the_district(station, cases):
    case = accepted_single(station, cases)
    center_moves(
        case, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW, CaseStatus.APPROVED, CaseStatus.RESULT_READY
    )
    actions = CaseActions(cases, case, "02")
    with pytest.raises(ActionError):
        actions.hand_over("", "handover.self")
    with pytest.raises(ActionError, match="身份证号码"):  # at the window the card is checked
        actions.hand_over("张三", "handover.self")
    with pytest.raises(ActionError, match="授权委托书"):  # someone else, without a letter
        actions.hand_over("李四", "handover.agent", collector_id="11010519491231002X")
    with pytest.raises(ActionError, match="最后一位应为"):  # a mistyped number says why
        actions.hand_over("张三", "handover.self", collector_id=VALID_ID[:-1] + "3")
    actions.hand_over("张三", "handover.self", collector_id=VALID_ID.lower())
    stored = cases.get(case.id)
    assert stored.status is CaseStatus.HANDED_OVER
    assert stored.handover == {
        "collector": "张三",
        "id_number": "6101**********0012",
        "match": "applicant",
        "method": "handover.self",
        "by": "worker:02",
    }
    assert "申请人本人领取" in stored.history[-1].reason
    actions.rate(RatingLevel.BASICALLY_SATISFIED, ["等太久"], "  窗口少  ")
    stored = cases.get(case.id)
    assert stored.rating.level is RatingLevel.BASICALLY_SATISFIED and stored.rating.comment == "窗口少"
    queued = station.unlocked_store.get(OUTBOX, case.id)
    assert queued["case"]["rating"]["level"] == "基本满意"
    with pytest.raises(ActionError, match="只能评价一次"):
        CaseActions(cases, cases.get(case.id), "02").rate(RatingLevel.VERY_SATISFIED, [], "")
    labels = [e.label for e in timeline(stored)]
    assert labels[-1] == "已送达" and "结果待领取" in labels
    assert {e.side for e in timeline(stored)} == {"本站", "区中心"}


def test_late_deferred_material_is_recorded_before_the_result_is_handed_over(at_china_hour, station, cases):
    case = accepted_single(station, cases)
    owed = case.materials[0]
    due = clock.china_today() - dt.timedelta(days=1)
    case.set_material(
        MaterialRecord(owed.code, owed.name, Satisfaction.DEFERRED, due_date=due), at=clock.now()
    )
    cases.save(case, actor="worker:02", action="test.accept")
    assert (
        Dashboard.from_rows(cases.rows(), clock.china_today(), cases.calendar).counts["deferred_overdue"] == 1
    )
    center_moves(
        case, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW, CaseStatus.APPROVED, CaseStatus.RESULT_READY
    )
    actions = CaseActions(cases, case, "02")
    assert [c for c, _n, _d in actions.owed_deferred()] == [owed.code]
    with pytest.raises(ActionError, match=owed.name):
        actions.hand_over("张三", "handover.self", collector_id=VALID_ID)  # 送达 waits for the 容缺 material
    assert case.status is CaseStatus.RESULT_READY
    actions.receive_deferred(owed.code, "late.png", qr_png("late original"))
    stored = cases.get(case.id)
    got = stored.material(owed.code)
    assert got.satisfaction is Satisfaction.ORIGINAL_VERIFIED and got.supplied_at is not None
    assert station.unlocked_store.get(OUTBOX, case.id)["case"]["materials"][0]["supplied_at"]  # queued
    assert (
        Dashboard.from_rows(cases.rows(), clock.china_today(), cases.calendar).counts["deferred_overdue"] == 0
    )
    CaseActions(cases, stored, "02").hand_over("张三", "handover.self", collector_id=VALID_ID)
    assert cases.get(case.id).status is CaseStatus.HANDED_OVER


def test_withdrawal_needs_a_reason(station, cases):
    case = accepted_single(station, cases)
    actions = CaseActions(cases, case, "02")
    assert actions.can_withdraw()
    with pytest.raises(ActionError):
        actions.withdraw(" ")
    actions.withdraw("申请人自愿撤回")
    assert cases.get(case.id).status is CaseStatus.WITHDRAWN


def test_supplement_attach_and_resend(station, cases):
    case = accepted_single(station, cases)
    center_moves(case, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW)
    m = case.materials[0]
    case.request_supplement(
        SupplementRequest((MissingMaterial(m.code, m.name, "扫描件不清晰"),), clock.now(), "reviewer"),
        actor="reviewer",
    )
    actions = CaseActions(cases, case, "02")
    assert [c for c, _n, _w in actions.open_supplement_items()] == [m.code]
    with pytest.raises(ActionError):
        actions.supply("M-NOT-ASKED", "x.png", qr_png("x"))
    actions.supply(m.code, "clear.png", qr_png("clearer scan"))
    actions.resend()
    stored = cases.get(case.id)
    assert stored.status is CaseStatus.IN_REVIEW and len(stored.material(m.code).attachments) == 2


def test_supplement_needs_a_new_scan_and_shows_on_the_home_tiles(at_china_hour, station, cases):
    case = accepted_single(station, cases)
    center_moves(case, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW)
    first, second = case.materials[0], case.materials[1]
    today = clock.china_today()
    asked = (
        MissingMaterial(first.code, first.name, "扫描件不清晰"),
        MissingMaterial(second.code, second.name, "缺页"),
    )
    case.request_supplement(
        SupplementRequest(asked, clock.now(), "reviewer", due_date=today - dt.timedelta(days=1)),
        actor="reviewer",
    )
    cases.save(case, actor="center", action="test.feed")
    board = Dashboard.from_rows(cases.rows(), today, cases.calendar)
    assert (board.counts["supplement"], board.counts["supplement_overdue"]) == (1, 1)
    actions = CaseActions(cases, cases.get(case.id), "02")
    with pytest.raises(ActionError, match=first.name):
        actions.resend()  # nothing handed in yet
    with pytest.raises(ActionError, match="已在办件中"):
        actions.supply(first.code, "same.png", qr_png(first.code))  # the scan taken at 受理, again
    actions.supply(first.code, "clear.png", qr_png("clearer scan"))
    with pytest.raises(ActionError, match=second.name):
        actions.resend()  # one material still has nothing new
    actions.supply(second.code, "page2.png", qr_png("page 2"))
    actions.resend()
    stored = cases.get(case.id)
    assert stored.status is CaseStatus.IN_REVIEW
    assert [x.code for x in stored.supplements[0].supplied_items] == [first.code, second.code]
    board = Dashboard.from_rows(cases.rows(), today, cases.calendar)
    assert (board.counts["supplement"], board.counts["supplement_overdue"]) == (0, 0)


def test_case_list_filters_and_dashboard(at_china_hour, station, cases):
    case = accepted_single(station, cases)
    rows = cases.rows()
    today, cal = clock.china_today(), cases.calendar
    board = Dashboard.from_rows(rows, today, cal)
    assert board.counts["sync_pending"] == 1 and board.counts["today"] == 1
    assert apply(rows, CaseFilter(text=case.number[-5:]), today, cal)[0].id == case.id
    assert apply(rows, CaseFilter(text="nobody"), today, cal) == []
    assert apply(rows, CaseFilter(status=CaseStatus.QUEUED, sync="pending"), today, cal)
    assert apply(rows, CaseFilter(preset="pickup"), today, cal) == []
    assert apply(rows, CaseFilter(since=today), today, cal)  # "since" counts China days, like 今日受理


def test_kiosk_preapplication_becomes_a_desk_draft_and_rating_needs_number_and_phone(station, cases):
    kiosk = KioskViewModel(cases)
    with pytest.raises(KioskError) as err:
        kiosk.preapply("YJS-CS", name="", id_type="111", id_number="110105194912310021", phone="1390013900")
    # plain words for a resident, by box: no "校验位"
    assert err.value.fields == {
        "name": "请填写姓名",
        "id_number": "身份证号码最后一位不对，请核对",
        "phone": "电话号码不对，请输入11位手机号，或带区号的座机号",
    }
    assert "校验位" not in str(err.value)
    ticket = kiosk.preapply("YJS-CS", name="李四", id_type="111", id_number=VALID_ID, phone="13900139000")
    assert ticket.isdigit() and len(ticket) == 6
    draft_id = kiosk.claim(ticket, "02")
    draft = cases.draft(draft_id)
    assert draft["applicant"]["name"] == "李四" and draft["worker"] == "02" and "ticket" not in draft
    assert kiosk.claim(ticket, "02") is None, "a ticket opens once"

    case = accepted_single(station, cases)
    with pytest.raises(KioskError):
        kiosk.find_for_rating(case.number, "0000")
    found, name = kiosk.find_for_rating(case.number, "8000")
    assert found.id == case.id and "高龄" in name
    kiosk.rate(found, RatingLevel.VERY_SATISFIED, [], "")
    with pytest.raises(KioskError):
        kiosk.find_for_rating(case.number, "8000")


def test_purged_cases_leave_the_lists_and_the_station_keeps_working(station, cases, tmp_path):
    from storage.retention import mark_center_confirmed, purge_expired

    case = accepted_single(station, cases)
    CaseActions(cases, case, "02").withdraw("申请人自愿撤回")
    store = station.unlocked_store
    with store.transaction(actor="sync", action="test.confirm") as tx:
        mark_center_confirmed(tx, case.id, clock.iso_z(clock.now()))
    report = purge_expired(store, days=0, now=clock.now() + dt.timedelta(days=1))
    assert report.purged_cases == [case.id]
    assert all(r.id != case.id for r in cases.rows())
    assert cases.find_by_number(case.number) is None


def test_bundle_timeline_shows_each_items_back_office_steps_by_name():
    from tests.casework.test_cases import ITEM_B, ITEM_C, bundle_case_delivered, later

    case = bundle_case_delivered()
    case.transition_sub(ITEM_B.code, CaseStatus.IN_REVIEW, actor="r1", at=later(4))
    case.transition_sub(ITEM_C.code, CaseStatus.IN_REVIEW, actor="r2", at=later(4))
    case.transition_sub(ITEM_B.code, CaseStatus.APPROVED, actor="r1", at=later(5), reason="材料齐全")
    case.transition_sub(ITEM_C.code, CaseStatus.REJECTED, actor="r2", at=later(6), reason="不符合条件")
    case.transition(CaseStatus.RESULT_READY, actor="r1", at=later(7), side=Side.CENTER)
    entries = timeline(case, {ITEM_B.code: "出生医学证明", ITEM_C.code: "预防接种证"})
    steps = [(e.label, e.reason) for e in entries if e.side == "区中心"]
    assert steps == [
        ("出生医学证明：审查中", ""),
        ("预防接种证：审查中", ""),
        ("审查中", "由子事项办理状态汇总"),
        ("出生医学证明：准予办理", "材料齐全"),
        ("预防接种证：不予办理", "不符合条件"),
        ("准予办理", "由子事项办理状态汇总"),
        ("结果待领取", ""),
    ], steps
    # front-desk steps cascaded to every item appear once, as the parent's
    assert [e.label for e in entries if e.side == "本站"] == ["已受理", "待上报", "已报送中心"]
    assert timeline(case)[3].label.startswith(ITEM_B.code)  # no catalog: the item code


def test_resend_names_what_is_still_missing(station, cases):
    case = accepted_single(station, cases)
    center_moves(case, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW)
    case.request_supplement(
        SupplementRequest((MissingMaterial("M-EXTRA", "补充证明", "未提交"),), clock.now(), "reviewer"),
        actor="reviewer",
    )
    with pytest.raises(ActionError) as missing:
        CaseActions(cases, case, "02").resend()
    assert missing.value.code == "station.case.still_missing" and missing.value.params == {
        "names": ["补充证明"]
    }
    shown = messages.catalog("zh_CN")["station.case.still_missing"].format(names="补充证明")
    assert missing.value.text("zh_CN") == shown and "补充证明" in missing.value.text("en")


def test_a_supplement_scan_is_kept_when_the_screen_reloads_the_case(station, cases):
    """The case screen reloads the case after each action: a scan handed in for a 补正 is saved at once."""
    case = accepted_single(station, cases)
    center_moves(case, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW)
    m = case.materials[0]
    case.request_supplement(
        SupplementRequest((MissingMaterial(m.code, m.name, "扫描件不清晰"),), clock.now(), "reviewer"),
        actor="reviewer",
    )
    cases.save(case, actor="center", action="test.feed")
    CaseActions(cases, cases.get(case.id), "02").supply(m.code, "clear.png", qr_png("clearer scan"))
    reloaded = CaseActions(cases, cases.get(case.id), "02")
    assert reloaded.supplied_count(m.code) == 1 and reloaded.unsupplied_names() == []
    reloaded.resend()
    assert cases.get(case.id).status is CaseStatus.IN_REVIEW
