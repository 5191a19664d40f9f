"""Promised dates and a newer calendar (casework.deadlines), 即办件, 容缺 dates, effective dates, 更正."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from casework import clock
from casework.acceptance import (
    OverdueState,
    accept,
    acceptance_problems,
    default_deferral_due,
    deferral_window,
    not_in_force,
    overdue_status,
)
from casework.cases import (
    Case,
    CaseStatus,
    MaterialRecord,
    MissingMaterial,
    Satisfaction,
    Side,
    SupplementRequest,
)
from casework.catalog import Catalog, ItemStatus
from casework.deadlines import adopt_deadlines, basis_of, deadline_payload, due_day, recompute_deadlines
from casework.documents import DocumentKind, StationInfo, correction_receipt
from casework.timelimit import TimeLimit
from casework.workdays import WorkCalendar

from .calendar_samples import TEST_2027, moved_2026
from .case_helpers import BUNDLE, CATALOG, FORM, HOUSEHOLD, ID_CARD, INCOME, ITEM_A, ITEM_B, ITEM_C, new_case

UTC = dt.UTC
MON_1221 = dt.datetime(2026, 12, 21, 15, 30, tzinfo=UTC)  # 23:30 Beijing, Mon 2026-12-21
BUILTIN = WorkCalendar()
DISTRICT_V1 = WorkCalendar({2026: moved_2026()}, 1)
DISTRICT_V2 = WorkCalendar({2026: moved_2026(), 2027: TEST_2027}, 2)
SHA = "ab" * 32


def with_limit(catalog: Catalog, code: str, days: int) -> Catalog:
    items = tuple(replace(i, promised_limit=TimeLimit(days)) if i.code == code else i for i in catalog.items)
    return replace(catalog, items=items)


def complete(case: Case, at: dt.datetime, *, deferred_due: dt.date | None = None) -> Case:
    for m in (ID_CARD, FORM, INCOME):
        case.set_material(MaterialRecord(m.code, m.name, Satisfaction.ORIGINAL_VERIFIED, (SHA,), "w"), at=at)
    if deferred_due is None:
        record = MaterialRecord(HOUSEHOLD.code, HOUSEHOLD.name, Satisfaction.ORIGINAL_VERIFIED, (SHA,), "w")
    else:
        record = MaterialRecord(HOUSEHOLD.code, HOUSEHOLD.name, Satisfaction.DEFERRED, due_date=deferred_due)
    case.set_material(record, at=at)
    return case


def accepted(
    days: int = 15, at: dt.datetime = MON_1221, calendar: WorkCalendar = DISTRICT_V1
) -> tuple[Case, Catalog]:
    catalog = with_limit(CATALOG, ITEM_A.code, days)
    case = complete(new_case(at=at), at)
    accept(case, catalog, calendar, actor="w-01", at=at)
    return case, catalog


# --------------------------------------------------------------------------------------- basis, recompute


def test_accept_keeps_what_the_date_counts_and_old_documents_still_load() -> None:
    case, _ = accepted()
    assert case.clock_start == dt.date(2026, 12, 21) and case.promised_limit == TimeLimit(15)
    assert case.calendar_version == 1
    assert case.promised_date == dt.date(2027, 1, 11) and case.promised_date_provisional
    assert Case.from_dict(case.to_dict()) == case
    old = case.to_dict()
    for key in ("clock_start", "promised_limit", "calendar_version"):
        del old[key]
    legacy = Case.from_dict(old)  # a document written before the fields existed
    assert legacy.clock_start is None and legacy.promised_limit is None and legacy.calendar_version == 0
    with pytest.raises(ValueError):
        Case.from_dict({**case.to_dict(), "calendar_version": "2"})


def test_a_newer_calendar_moves_an_open_case_once() -> None:
    case, _ = accepted()
    version = case.version
    change = recompute_deadlines(
        case, DISTRICT_V2, at=MON_1221, today=dt.date(2026, 12, 22), previous=DISTRICT_V1
    )
    assert change is not None and change.moved and change.from_version == 1 and change.to_version == 2
    assert change.promised is not None
    assert (change.promised.old, change.promised.old_provisional) == (dt.date(2027, 1, 11), True)
    assert (change.promised.new, change.promised.new_provisional) == (dt.date(2027, 1, 9), False)  # 调休 Sat
    assert change.due_before == dt.date(2027, 1, 11) and change.due_after == dt.date(2027, 1, 9)
    assert case.promised_date == dt.date(2027, 1, 9) and case.calendar_version == 2 and case.version > version
    # the same calendar again, or an older one: nothing happens
    assert recompute_deadlines(case, DISTRICT_V2, at=MON_1221, today=dt.date(2026, 12, 22)) is None
    assert recompute_deadlines(case, DISTRICT_V1, at=MON_1221, today=dt.date(2026, 12, 22)) is None
    # what is sent to a station, and what it takes
    other, _ = accepted()
    changes = adopt_deadlines(other, deadline_payload(case), at=MON_1221)
    assert changes is not None and [c.new for c in changes] == [dt.date(2027, 1, 9)]
    assert other.calendar_version == 2 and other.clock_start == case.clock_start
    assert adopt_deadlines(other, {**deadline_payload(other), "calendar_version": 1}, at=MON_1221) is None


def test_a_calendar_that_changes_nothing_still_records_its_version() -> None:
    case, _ = accepted(days=3)  # due 12-24, inside 2026: the 2027 table does not touch it
    change = recompute_deadlines(
        case, DISTRICT_V2, at=MON_1221, today=dt.date(2026, 12, 21), previous=DISTRICT_V1
    )
    assert change is not None and not change.moved and change.dates == ()
    assert case.calendar_version == 2 and case.promised_date == dt.date(2026, 12, 24)


@pytest.mark.parametrize(
    "status", [CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.RESULT_READY, CaseStatus.WITHDRAWN]
)
def test_decided_and_final_cases_keep_their_dates(status: CaseStatus) -> None:
    case, _ = accepted()
    case.transition(CaseStatus.QUEUED, actor="w", at=MON_1221)
    case.transition(CaseStatus.DELIVERED, actor="c", at=MON_1221, side=Side.CENTER)
    if status is CaseStatus.WITHDRAWN:
        case.transition(status, actor="w", at=MON_1221, reason="申请人撤回", side=Side.STATION)
    else:
        case.transition(CaseStatus.IN_REVIEW, actor="c", at=MON_1221)
        decision = CaseStatus.APPROVED if status is CaseStatus.RESULT_READY else status
        case.transition(decision, actor="c", at=MON_1221, reason="理由")
        if status is CaseStatus.RESULT_READY:
            case.transition(status, actor="c", at=MON_1221, side=Side.CENTER)
    assert recompute_deadlines(case, DISTRICT_V2, at=MON_1221, today=dt.date(2026, 12, 22)) is None
    assert case.promised_date == dt.date(2027, 1, 11) and case.calendar_version == 1


def test_a_bundle_moves_its_undecided_items_and_the_latest_of_them() -> None:
    catalog = with_limit(with_limit(CATALOG, ITEM_B.code, 15), ITEM_C.code, 14)
    case = new_case(bundle=BUNDLE, at=MON_1221)
    for m in (ID_CARD, HOUSEHOLD):
        case.set_material(
            MaterialRecord(m.code, m.name, Satisfaction.ORIGINAL_VERIFIED, (SHA,), "w"), at=MON_1221
        )
    accept(case, catalog, DISTRICT_V1, actor="w-01", at=MON_1221)
    assert case.promised_limit is None  # the sample bundle has no promise of its own: the latest item's
    assert {s.item_code: s.promised_date for s in case.sub_cases} == {
        ITEM_B.code: dt.date(2027, 1, 11),
        ITEM_C.code: dt.date(2027, 1, 8),
    }
    change = recompute_deadlines(case, DISTRICT_V2, at=MON_1221, today=dt.date(2026, 12, 22))
    assert change is not None
    assert {(c.item_code, c.new, c.new_provisional) for c in change.dates} == {
        (ITEM_B.code, dt.date(2027, 1, 9), False),
        (ITEM_C.code, dt.date(2027, 1, 8), False),  # the same day, no longer 暂定
        (None, dt.date(2027, 1, 9), False),
    }
    assert case.sub_case(ITEM_C.code).promised_date == dt.date(2027, 1, 8)
    assert not case.sub_case(ITEM_C.code).promised_date_provisional  # same day, now published
    assert case.promised_date == dt.date(2027, 1, 9)


def test_the_paused_due_day_moves_with_the_calendar() -> None:
    case, _ = accepted()
    case.transition(CaseStatus.QUEUED, actor="w", at=MON_1221)
    case.transition(CaseStatus.DELIVERED, actor="c", at=MON_1221, side=Side.CENTER)
    case.transition(CaseStatus.IN_REVIEW, actor="c", at=MON_1221)
    asked = dt.datetime(2026, 12, 23, 2, 0, tzinfo=UTC)
    request = SupplementRequest((MissingMaterial("M-X", "补充材料", "不清晰"),), asked, "c")
    case.request_supplement(request, actor="c")
    case.supply("M-X", by="w", at=dt.datetime(2026, 12, 29, 2, 0, tzinfo=UTC), attachments=("d" * 64,))
    case.transition(
        CaseStatus.IN_REVIEW, actor="w", at=dt.datetime(2026, 12, 29, 2, 0, tzinfo=UTC), side=Side.STATION
    )
    today = dt.date(2026, 12, 30)
    before = due_day(case, DISTRICT_V1, today)
    # paused from Wed 12-23 to Tue 12-29: 24, 25, 26 (the moved 调休 Saturday), 28, 29 — 5 working days
    assert before is not None and before.date == dt.date(2027, 1, 18)
    change = recompute_deadlines(case, DISTRICT_V2, at=MON_1221, today=today, previous=DISTRICT_V1)
    assert change is not None and change.due_before == dt.date(2027, 1, 18)
    assert change.due_after == dt.date(2027, 1, 15)  # 01-09 (Sat, working) + 5 working days
    assert overdue_status(case, DISTRICT_V2, today).due == dt.date(2027, 1, 15)


def test_a_case_written_before_the_basis_gets_it_from_history_and_catalog() -> None:
    case, catalog = accepted()
    old = case.to_dict()
    for key in ("clock_start", "promised_limit", "calendar_version"):
        del old[key]
    legacy = Case.from_dict(old)
    assert basis_of(legacy) is None  # no catalog, no basis
    basis = basis_of(legacy, catalog)
    assert basis is not None and basis.start == dt.date(2026, 12, 21) and basis.limit == TimeLimit(15)
    change = recompute_deadlines(
        legacy, DISTRICT_V2, at=MON_1221, today=dt.date(2026, 12, 22), catalog=catalog
    )
    assert change is not None and legacy.promised_date == dt.date(2027, 1, 9)
    assert legacy.clock_start == dt.date(2026, 12, 21) and legacy.promised_limit == TimeLimit(15)


def test_a_collected_case_starts_counting_at_the_jurisdiction() -> None:
    case = complete(new_case(at=MON_1221), MON_1221)
    catalog = with_limit(CATALOG, ITEM_A.code, 5)
    assert accept(case, catalog, DISTRICT_V1, actor="w", at=MON_1221, collected=True) is None
    assert basis_of(case, catalog) is None  # the jurisdiction has not received it yet
    case.transition(CaseStatus.QUEUED, actor="w", at=MON_1221)
    case.transition(CaseStatus.DELIVERED, actor="c", at=MON_1221, side=Side.CENTER)
    received = dt.datetime(2026, 12, 22, 17, 0, tzinfo=UTC)  # 01:00 on 12-23 in Beijing
    case.transition(CaseStatus.IN_REVIEW, actor="c", at=received)
    basis = basis_of(case, catalog)
    assert basis is not None and basis.start == dt.date(2026, 12, 23)


# --------------------------------------------------------------------------------------------- 即办件


def test_an_immediate_item_is_due_the_day_of_acceptance_at_any_hour(at_china_hour: dt.datetime) -> None:
    at = clock.now()
    today = clock.china_today()
    case, _ = accepted(days=0, at=at, calendar=BUILTIN)
    assert case.promised_date == today and not case.promised_date_provisional
    assert overdue_status(case, BUILTIN, today).state is OverdueState.DUE_TODAY
    late = overdue_status(case, BUILTIN, today + dt.timedelta(days=1))
    assert late.state is OverdueState.OVERDUE  # still open the next day, even a Saturday
    case.transition(CaseStatus.QUEUED, actor="w", at=at)
    assert overdue_status(case, BUILTIN, today).state is OverdueState.DUE_TODAY


# --------------------------------------------------------------------------------------------- 容缺


def test_deferral_dates_run_from_today_to_the_promised_date(at_china_hour: dt.datetime) -> None:
    today, at = clock.china_today(), clock.now()
    catalog = with_limit(CATALOG, ITEM_A.code, 3)
    case = new_case(at=at)
    earliest, latest = deferral_window(case, catalog, BUILTIN, today)
    assert earliest == today and latest == BUILTIN.add_working_days(today, 3).date
    assert default_deferral_due(case, catalog, BUILTIN, today) == latest  # 3 < 5 days
    long = with_limit(CATALOG, ITEM_A.code, 20)
    assert default_deferral_due(case, long, BUILTIN, today) == BUILTIN.add_working_days(today, 5).date
    instant = with_limit(CATALOG, ITEM_A.code, 0)
    assert default_deferral_due(case, instant, BUILTIN, today) == today  # 即办件

    def problems(due: dt.date) -> list[str]:
        c = complete(new_case(at=at), at, deferred_due=due)
        return acceptance_problems(c, catalog, today=today, calendar=BUILTIN)

    assert problems(today) == [] and problems(latest) == []
    past = problems(today - dt.timedelta(days=1))
    assert past and "已过" in past[0] and "户口簿" in past[0]
    after = problems(latest + dt.timedelta(days=1))
    assert after and "晚于承诺办结日期" in after[0] and latest.isoformat() in after[0]


def test_deferral_problems_come_in_the_station_language() -> None:
    from casework import messages

    case = complete(new_case(at=MON_1221), MON_1221, deferred_due=dt.date(2026, 12, 1))
    try:
        messages.set_language("en")
        got = acceptance_problems(case, CATALOG, today=dt.date(2026, 12, 21), calendar=BUILTIN)
    finally:
        messages.set_language("zh_CN")
    assert got == [
        "The due date 2026-12-01 for the deferred material “户口簿” has passed: "
        "it must be today (2026-12-21) or later"
    ]


# --------------------------------------------------------------------------------------------- 生效日期


def test_effective_dates_on_china_days(at_china_hour: dt.datetime) -> None:
    today = clock.china_today()
    tomorrow = today + dt.timedelta(days=1)
    future = replace(ITEM_A, effective_from=tomorrow)
    leaving = replace(ITEM_A, status=ItemStatus.CANCELLED, effective_to=tomorrow)
    gone = replace(ITEM_A, status=ItemStatus.CANCELLED, effective_to=today)
    case = new_case(at=clock.now())
    for item, ok in ((future, False), (leaving, True), (gone, False)):
        catalog = replace(CATALOG, items=(item, *CATALOG.items[1:]))
        assert (not_in_force(case, catalog, today) == []) is ok, item
    assert not_in_force(case, replace(CATALOG, items=(future, *CATALOG.items[1:])), tomorrow) == []
    refused = not_in_force(case, replace(CATALOG, items=(leaving, *CATALOG.items[1:])), tomorrow)
    assert refused == [
        f"事项“{ITEM_A.name}”已于 {tomorrow.isoformat()} 起取消（清单之外无审批），不能受理新的申请"
    ]
    not_yet = not_in_force(case, replace(CATALOG, items=(future, *CATALOG.items[1:])), today)
    assert not_yet == [f"事项“{ITEM_A.name}”将于 {tomorrow.isoformat()} 起施行，在此之前不能受理"]


# --------------------------------------------------------------------------------------------- 更正


def test_correction_receipt_names_the_receipt_and_both_dates() -> None:
    case, _ = accepted()
    change = recompute_deadlines(
        case, DISTRICT_V2, at=MON_1221, today=dt.date(2026, 12, 22), previous=DISTRICT_V1
    )
    assert change is not None
    station = StationInfo("某社区便民服务站（样例）", "雁塔区", "某路1号", "029-88888888")
    doc = correction_receipt(
        case, CATALOG, station=station, worker="王芳", issued_at=MON_1221, correction=change
    )
    assert doc.kind is DocumentKind.CORRECTION and doc.title == "受理凭证（更正）"
    assert doc.number == f"SG{case.number}" and not doc.provisional_date
    lines = doc.lines()
    assert f"原受理凭证编号：SL{case.number}" in lines
    assert any("2027年01月11日（暂定）" in line and "2027年01月09日" in line for line in lines), lines
    assert any("节假日安排（第2版）" in line for line in lines)
    second = correction_receipt(
        case, CATALOG, station=station, worker="王芳", issued_at=MON_1221, correction=change, sequence=2
    )
    assert second.number == f"SG{case.number}-2"
    unchanged = replace(change, dates=())
    with pytest.raises(ValueError):
        correction_receipt(
            case, CATALOG, station=station, worker="王芳", issued_at=MON_1221, correction=unchanged
        )
