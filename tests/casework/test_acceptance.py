"""受理 rules (容缺, 告知承诺, 数据共享), accepting with promised dates, one-time notice, overdue state."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from casework import clock
from casework.acceptance import (
    AcceptanceRefused,
    OverdueState,
    accept,
    acceptance_problems,
    can_accept,
    issue_notice,
    missing_materials,
    notice_items,
    overdue_status,
    pending_deferred,
    set_promised_dates,
)
from casework.cases import (
    Case,
    CaseError,
    CaseStatus,
    MaterialRecord,
    MissingMaterial,
    Satisfaction,
    Side,
    SupplementRequest,
)
from casework.workdays import Deadline, HolidayTable, WorkCalendar

from .case_helpers import (
    AGENT,
    BUNDLE,
    CATALOG,
    FORM,
    HOUSEHOLD,
    ID_CARD,
    INCOME,
    ITEM_B,
    ITEM_C,
    ITEM_CENTER,
    ITEM_OFF,
    NOW,
    new_case,
)

SHA = "cd" * 32
TODAY = clock.china_date(NOW)
CAL = WorkCalendar()


def verified(m_code: str, name: str) -> MaterialRecord:
    return MaterialRecord(m_code, name, Satisfaction.ORIGINAL_VERIFIED, (SHA,), "w-01")


def complete_case() -> Case:
    case = new_case()
    for m in (ID_CARD, FORM, HOUSEHOLD, INCOME):
        case.set_material(verified(m.code, m.name), at=NOW)
    return case


def test_local_date_is_china_time() -> None:
    assert clock.china_date(dt.datetime(2026, 9, 29, 17, 0, tzinfo=dt.UTC)) == dt.date(2026, 9, 30)
    assert dt.date(2026, 9, 30) == TODAY


def test_complete_case_can_be_accepted_and_optional_material_may_be_missing() -> None:
    case = complete_case()
    assert acceptance_problems(case, CATALOG, today=TODAY) == []
    assert can_accept(case, CATALOG, today=TODAY)
    assert missing_materials(case, CATALOG) == []


def test_missing_required_materials_are_listed() -> None:
    case = new_case()
    case.set_material(verified(ID_CARD.code, ID_CARD.name), at=NOW)
    assert [m.code for m in missing_materials(case, CATALOG)] == [FORM.code, HOUSEHOLD.code, INCOME.code]
    problems = acceptance_problems(case, CATALOG, today=TODAY)
    assert problems == ["缺少材料“申请表”", "缺少材料“户口簿”", "缺少材料“收入证明”"]


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        # 容缺 only where the catalog says 容缺后补
        (
            MaterialRecord("M-FORM", "申请表", Satisfaction.DEFERRED, due_date=dt.date(2026, 10, 9)),
            "材料“申请表”为必要材料，不能容缺受理",
        ),
        (MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED, due_date=dt.date(2026, 10, 9)), None),
        # a 容缺 due date may be today (hand it in before the window closes), never in the past
        (MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED, due_date=TODAY), None),
        (
            MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED, due_date=TODAY - dt.timedelta(days=1)),
            "材料“户口簿”的容缺补交日期 2026-09-29 已过",
        ),
        (MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED), "材料“户口簿”容缺受理须约定补交日期"),
        # 告知承诺 only where the material allows it and the item offers it
        (
            MaterialRecord(
                "M-INC", "收入证明", Satisfaction.COMMITMENT, commitment_text="本人承诺所报收入真实"
            ),
            None,
        ),
        (MaterialRecord("M-INC", "收入证明", Satisfaction.COMMITMENT), "告知承诺须记录申请人确认的承诺内容"),
        (
            MaterialRecord("M-FORM", "申请表", Satisfaction.COMMITMENT, commitment_text="承诺"),
            "材料“申请表”不适用告知承诺制",
        ),
        # 数据共享 only where the catalog says it can be obtained that way
        (MaterialRecord("M-INC", "收入证明", Satisfaction.DATA_SHARING, source="民政数据共享"), None),
        (MaterialRecord("M-FORM", "申请表", Satisfaction.DATA_SHARING), "不能通过数据共享获取"),
        (
            MaterialRecord("M-XX", "无关材料", Satisfaction.ORIGINAL_VERIFIED, (SHA,), "w"),
            "不在该事项的申请材料清单中",
        ),
    ],
)
def test_material_satisfaction_rules(record: MaterialRecord, problem: str | None) -> None:
    case = complete_case()
    case.set_material(record, at=NOW)
    problems = acceptance_problems(case, CATALOG, today=TODAY)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_commitment_needs_the_item_to_offer_it() -> None:
    case = new_case(item_code=ITEM_B.code)
    case.set_material(verified(ID_CARD.code, ID_CARD.name), at=NOW)
    case.set_material(MaterialRecord("M-HH", "户口簿", Satisfaction.COMMITMENT, commitment_text="x"), at=NOW)
    assert "材料“户口簿”不适用告知承诺制" in acceptance_problems(case, CATALOG, today=TODAY)


def test_item_and_applicant_problems() -> None:
    off = new_case(item_code=ITEM_OFF.code)
    off.set_material(verified(ID_CARD.code, ID_CARD.name), at=NOW)
    assert acceptance_problems(off, CATALOG, today=TODAY) == [
        "事项“已取消事项（样例）”已于 2026-06-01 起取消（清单之外无审批），不能受理新的申请"
    ]
    center = new_case(item_code=ITEM_CENTER.code)
    center.set_material(verified(ID_CARD.code, ID_CARD.name), at=NOW)
    assert "不在便民服务站可受理范围内" in acceptance_problems(center, CATALOG, today=TODAY)[0]
    assert acceptance_problems(center, CATALOG, today=TODAY, at_station=False) == []
    bad = complete_case()
    bad.applicant = dataclasses.replace(bad.applicant, phone="123")
    bad.agent = AGENT
    assert any("联系电话" in p for p in acceptance_problems(bad, CATALOG, today=TODAY))


def test_accept_sets_the_promised_date_across_national_day() -> None:
    case = complete_case()
    deadline = accept(case, CATALOG, CAL, actor="w-01", at=NOW)  # 3 working days from 2026-09-30
    assert deadline == Deadline(dt.date(2026, 10, 10), False)
    assert case.status is CaseStatus.ACCEPTED
    assert (case.promised_date, case.promised_date_provisional) == (dt.date(2026, 10, 10), False)


def test_accept_refuses_with_every_problem_and_changes_nothing() -> None:
    case = new_case()
    with pytest.raises(AcceptanceRefused) as err:
        accept(case, CATALOG, CAL, actor="w-01", at=NOW)
    assert len(err.value.problems) == 4 and case.status is CaseStatus.DRAFT


def test_collect_for_another_jurisdiction_starts_no_clock() -> None:
    case = complete_case()
    assert accept(case, CATALOG, CAL, actor="w-01", at=NOW, collected=True) is None
    assert case.status is CaseStatus.COLLECTED and case.promised_date is None
    assert overdue_status(case, CAL, TODAY).state is OverdueState.NOT_RUNNING


def test_provisional_promise_in_2027_and_recompute_after_publication() -> None:
    case = complete_case()
    at = dt.datetime(2027, 2, 4, 2, 0, tzinfo=dt.UTC)
    assert accept(case, CATALOG, CAL, actor="w", at=at) == Deadline(dt.date(2027, 2, 11), True)
    assert case.promised_date_provisional
    table = HolidayTable(
        2027, frozenset({dt.date(2027, 2, d) for d in range(5, 12)}), frozenset({dt.date(2027, 2, 13)})
    )
    published = CAL.with_table(table)
    assert set_promised_dates(case, CATALOG, published, start=dt.date(2027, 2, 4), at=at) == Deadline(
        dt.date(2027, 2, 15), False
    )
    assert not case.promised_date_provisional


def test_bundle_accept_sets_sub_case_dates_and_the_latest_on_the_parent() -> None:
    case = new_case(bundle=BUNDLE)
    for m in (ID_CARD, HOUSEHOLD):
        case.set_material(verified(m.code, m.name), at=NOW)
    assert accept(case, CATALOG, CAL, actor="w", at=NOW) == Deadline(dt.date(2026, 10, 13), False)
    assert case.sub_case(ITEM_B.code).promised_date == dt.date(2026, 10, 13)  # 5 working days
    assert case.sub_case(ITEM_C.code).promised_date == dt.date(2026, 10, 8)  # 1 working day


def test_one_time_notice_lists_everything_missing_with_how_to_supply() -> None:
    case = new_case()
    case.set_material(verified(ID_CARD.code, ID_CARD.name), at=NOW)
    items = notice_items(case, CATALOG, today=TODAY)
    assert [m.name for m in items] == ["申请表", "户口簿", "收入证明"]
    assert "要求：填写完整并签字" in items[0].how_to_supply
    assert "可申请容缺受理" in items[1].how_to_supply
    assert "可选择告知承诺方式办理" in items[2].how_to_supply
    assert issue_notice(case, CATALOG, actor="w", at=NOW) == items
    assert case.status is CaseStatus.NOTICE_ISSUED
    with pytest.raises(CaseError, match="无需一次性告知"):
        issue_notice(complete_case(), CATALOG, actor="w", at=NOW)


def test_pending_deferred_lists_owed_materials() -> None:
    case = complete_case()
    case.set_material(
        MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED, due_date=dt.date(2026, 10, 9)), at=NOW
    )
    assert pending_deferred(case) == [("户口簿", dt.date(2026, 10, 9))]


# --- overdue


def accepted_case() -> Case:
    case = complete_case()
    accept(case, CATALOG, CAL, actor="w", at=NOW)  # due 2026-10-10 (调休 Saturday)
    return case


@pytest.mark.parametrize(
    ("today", "state", "text"),
    [
        (dt.date(2026, 9, 30), OverdueState.RUNNING, "还剩3个工作日"),
        (dt.date(2026, 10, 9), OverdueState.RUNNING, "还剩1个工作日"),
        (dt.date(2026, 10, 10), OverdueState.DUE_TODAY, "今天到期"),
        (dt.date(2026, 10, 13), OverdueState.OVERDUE, "已超期2个工作日"),
    ],
)
def test_overdue_running(today: dt.date, state: OverdueState, text: str) -> None:
    status = overdue_status(accepted_case(), CAL, today)
    assert (status.state, status.text, status.due) == (state, text, dt.date(2026, 10, 10))


def test_supplement_pauses_the_clock() -> None:
    case = accepted_case()
    for to, minutes in ((CaseStatus.QUEUED, 1), (CaseStatus.DELIVERED, 2), (CaseStatus.IN_REVIEW, 3)):
        case.transition(
            to, actor="x", at=NOW + dt.timedelta(minutes=minutes), side=Side.CENTER if minutes > 1 else None
        )
    asked = dt.datetime(2026, 10, 8, 2, 0, tzinfo=dt.UTC)
    case.request_supplement(
        SupplementRequest((MissingMaterial("M-FORM", "申请表", "未签字"),), asked, "r"), actor="r"
    )
    # waiting (10-08, 10-13] = 9, 10 (调休 Saturday), 12, 13: four working days added to 10-10
    paused = overdue_status(case, CAL, dt.date(2026, 10, 13))
    assert (paused.state, paused.due) == (OverdueState.PAUSED, dt.date(2026, 10, 15))
    supplied = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)
    case.supply("M-FORM", by="w", at=supplied, attachments=("f" * 64,))
    case.transition(CaseStatus.IN_REVIEW, actor="w", at=supplied, side=Side.STATION)
    # waited 9, 10, 12: due moves three working days to 10-14
    resumed = overdue_status(case, CAL, dt.date(2026, 10, 12))
    assert (resumed.state, resumed.due, resumed.text) == (
        OverdueState.RUNNING,
        dt.date(2026, 10, 14),
        "还剩2个工作日",
    )
    case.transition(CaseStatus.APPROVED, actor="r", at=dt.datetime(2026, 10, 16, 2, 0, tzinfo=dt.UTC))
    done = overdue_status(case, CAL, dt.date(2026, 10, 20))
    assert (done.state, done.text) == (OverdueState.DONE_LATE, "超期2个工作日办结")


def test_done_on_time_stopped_and_provisional() -> None:
    case = accepted_case()
    for to in (CaseStatus.QUEUED, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW, CaseStatus.APPROVED):
        case.transition(
            to,
            actor="x",
            at=NOW + dt.timedelta(hours=1),
            side=Side.CENTER if to is not CaseStatus.QUEUED else None,
        )
    assert overdue_status(case, CAL, dt.date(2026, 12, 1)).state is OverdueState.DONE_ON_TIME
    refused = new_case()
    refused.transition(CaseStatus.REFUSED, actor="w", at=NOW, reason="不属于本事项受理范围")
    assert overdue_status(refused, CAL, TODAY).state is OverdueState.STOPPED
    late_year = complete_case()
    accept(late_year, CATALOG, CAL, actor="w", at=dt.datetime(2026, 12, 29, 2, 0, tzinfo=dt.UTC))
    assert overdue_status(late_year, CAL, dt.date(2026, 12, 29)).provisional
