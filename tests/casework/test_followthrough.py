"""What happens after 受理: 容缺 materials handed in late or waived before 办结/送达, and 补齐补正 that
needs a new scan (or a record of what was received) for every requested material."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from casework.cases import (
    Case,
    CaseError,
    CaseStatus,
    DeferredOutstanding,
    MaterialRecord,
    MissingMaterial,
    Satisfaction,
    Side,
    SupplementIncomplete,
    SupplementRequest,
)

from .case_helpers import NOW, drive, new_case

DUE = dt.date(2026, 10, 9)
SCAN_OLD = "a" * 64
SCAN_NEW = "b" * 64


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(hours=1, minutes=minutes)


def case_owing_household() -> Case:
    """A case accepted with 户口簿 容缺 (due 10-09) and the ID card checked, now under review."""
    case = new_case()
    case.set_material(
        MaterialRecord("M-ID", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, (SCAN_OLD,), "w-01"), at=NOW
    )
    case.set_material(MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED, due_date=DUE), at=NOW)
    return drive(case, CaseStatus.IN_REVIEW)


def test_decision_waits_for_an_owed_deferred_material() -> None:
    case = case_owing_household()
    with pytest.raises(DeferredOutstanding) as err:
        case.transition(CaseStatus.APPROVED, actor="r-1", at=later(1))
    assert err.value.code == "case.deferred_outstanding"
    assert err.value.params["names"] == ["户口簿"]
    assert case.status is CaseStatus.IN_REVIEW  # nothing changed
    # a rejection is not held: the department may refuse whatever is missing
    refused = Case.from_dict(case.to_dict())
    refused.transition(CaseStatus.REJECTED, actor="r-1", at=later(1), reason="不符合条件")


def test_late_material_clears_the_hold_and_keeps_the_agreed_date() -> None:
    case = case_owing_household()
    with pytest.raises(CaseError) as no_scan:
        case.receive_deferred("M-HH", attachments=(), verified_by="w-01", at=later(1))
    assert no_scan.value.code == "case.deferred_needs_scan"
    case.receive_deferred("M-HH", attachments=(SCAN_NEW,), verified_by="w-01", at=later(2))
    got = case.material("M-HH")
    assert got is not None and not got.outstanding
    assert (got.satisfaction, got.attachments, got.due_date, got.supplied_at) == (
        Satisfaction.ORIGINAL_VERIFIED,
        (SCAN_NEW,),
        DUE,
        later(2),
    )
    assert case.outstanding_deferred() == []
    with pytest.raises(CaseError) as twice:
        case.receive_deferred("M-HH", attachments=(SCAN_NEW,), verified_by="w-01", at=later(3))
    assert twice.value.code == "case.deferred_not_owed"
    case.transition(CaseStatus.APPROVED, actor="r-1", at=later(4))
    assert Case.from_dict(case.to_dict()) == case


def test_department_waiver_needs_a_reason_and_lets_the_case_go_on() -> None:
    case = case_owing_household()
    with pytest.raises(CaseError) as no_reason:
        case.waive_deferred("M-HH", by="r-1", reason="  ", at=later(1))
    assert no_reason.value.code == "case.waiver_reason_required"
    case.waive_deferred("M-HH", by="r-1", reason="已通过数据共享核验户籍", at=later(2))
    got = case.material("M-HH")
    assert got is not None and (got.waived_by, got.waiver_reason, got.waived_at) == (
        "r-1",
        "已通过数据共享核验户籍",
        later(2),
    )
    case.transition(CaseStatus.APPROVED, actor="r-1", at=later(3))
    assert Case.from_dict(case.to_dict()) == case


def test_hand_over_of_an_approved_result_waits_too_and_replays_are_not_checked() -> None:
    case = case_owing_household()
    # the center approved under its rules (say it waived at its end) and this copy replays its feed
    case.transition(CaseStatus.APPROVED, actor="r-1", at=later(1), side=Side.CENTER, check_rules=False)
    case.transition(CaseStatus.RESULT_READY, actor="r-1", at=later(2), side=Side.CENTER)
    with pytest.raises(DeferredOutstanding):
        case.transition(CaseStatus.HANDED_OVER, actor="w", at=later(3), side=Side.STATION, reason="本人领取")
    case.receive_deferred("M-HH", attachments=(SCAN_NEW,), verified_by="w-01", at=later(4))
    case.transition(CaseStatus.HANDED_OVER, actor="w", at=later(5), side=Side.STATION, reason="本人领取")
    with pytest.raises(CaseError) as closed:
        case.receive_deferred("M-ID", attachments=(SCAN_NEW,), verified_by="w-01", at=later(6))
    assert closed.value.code == "case.deferred_not_owed"


def test_a_rejection_can_be_handed_over_with_deferred_materials_owed() -> None:
    case = case_owing_household()
    case.transition(CaseStatus.REJECTED, actor="r-1", at=later(1), reason="不符合条件")
    case.transition(CaseStatus.RESULT_READY, actor="r-1", at=later(2), side=Side.CENTER)
    case.transition(CaseStatus.HANDED_OVER, actor="w", at=later(3), side=Side.STATION, reason="本人领取")


# --- 补齐补正


def supplement_case() -> Case:
    case = case_owing_household()
    case.receive_deferred("M-HH", attachments=(SCAN_NEW,), verified_by="w-01", at=later(1))
    items = (
        MissingMaterial("M-ID", "居民身份证", "复印件不清晰"),
        MissingMaterial("M-FORM", "申请表", "未签字"),
    )
    case.request_supplement(SupplementRequest(items, later(2), "r-1"), actor="r-1")
    return case


def test_supplement_needs_something_new_for_every_requested_material() -> None:
    case = supplement_case()
    with pytest.raises(SupplementIncomplete) as none_yet:
        case.transition(CaseStatus.IN_REVIEW, actor="w", at=later(3), side=Side.STATION)
    assert none_yet.value.code == "case.supplement_incomplete"
    assert none_yet.value.params["names"] == ["居民身份证", "申请表"]
    # the scan already on the case does not count as new
    with pytest.raises(CaseError) as same_scan:
        case.supply("M-ID", by="w-01", at=later(4), attachments=(SCAN_OLD,))
    assert same_scan.value.code == "case.supplement_nothing_new"
    with pytest.raises(CaseError) as not_asked:
        case.supply("M-HH", by="w-01", at=later(4), attachments=("c" * 64,))
    assert not_asked.value.code == "case.supplement_not_requested"
    case.supply("M-ID", by="w-01", at=later(5), attachments=(SCAN_OLD, "c" * 64))
    with pytest.raises(SupplementIncomplete) as one_left:
        case.transition(CaseStatus.IN_REVIEW, actor="w", at=later(6), side=Side.STATION)
    assert one_left.value.params["names"] == ["申请表"]
    # a paper form handed in at the department is recorded by a note
    case.supply("M-FORM", by="r-1", at=later(7), note="申请人到区中心窗口补签申请表")
    case.transition(CaseStatus.IN_REVIEW, actor="w", at=later(8), side=Side.STATION)
    done = case.supplements[0]
    assert done.supplied_at == later(8) and done.unsupplied() == []
    assert [(s.code, s.attachments, s.note) for s in done.supplied_items] == [
        ("M-ID", ("c" * 64,), ""),
        ("M-FORM", (), "申请人到区中心窗口补签申请表"),
    ]
    id_card = case.material("M-ID")
    assert id_card is not None and id_card.attachments == (SCAN_OLD, "c" * 64)
    assert Case.from_dict(case.to_dict()) == case


def test_an_older_document_without_supplied_items_still_loads() -> None:
    case = supplement_case()
    doc = case.to_dict()
    for s in doc["supplements"]:
        del s["supplied_items"]
    for m in doc["materials"]:
        for key in ("supplied_at", "waived_at", "waived_by", "waiver_reason"):
            del m[key]
    back = Case.from_dict(doc)
    assert back.supplements[0].supplied_items == () and back.material("M-HH") is not None
    assert dataclasses.replace(back.supplements[0]) == back.supplements[0]
