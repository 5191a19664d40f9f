"""The case state machine (every allowed transition, the illegal ones), bundles, rating, JSON round trips."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.cases import (
    DECIDED,
    FINAL,
    TRANSITIONS,
    AlreadyRated,
    Case,
    CaseError,
    CaseResult,
    CaseStatus,
    IllegalTransition,
    MaterialRecord,
    MissingMaterial,
    Pickup,
    PickupMethod,
    Rating,
    RatingLevel,
    Satisfaction,
    Side,
    SupplementRequest,
    uuid7,
)

from .case_helpers import AGENT, BUNDLE, ITEM_B, ITEM_C, NOW, drive, new_case

ALLOWED = [(frm, to, side) for frm, tos in TRANSITIONS.items() for to, sides in tos.items() for side in sides]
ILLEGAL = [(frm, to) for frm in CaseStatus for to in CaseStatus if to not in TRANSITIONS[frm]]
WRONG_SIDE = [
    (frm, to, other)
    for frm, tos in TRANSITIONS.items()
    for to, sides in tos.items()
    for other in Side
    if other not in sides
]
SHA = "ab" * 32


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(hours=1, minutes=minutes)


# --- the table


def test_every_status_has_a_chinese_label_and_a_row() -> None:
    for s in CaseStatus:
        assert s.label and all("\u4e00" <= ch <= "\u9fff" for ch in s.label)
        assert s in TRANSITIONS
    assert {s for s in CaseStatus if not TRANSITIONS[s]} == FINAL


def test_every_status_is_reachable_from_draft() -> None:
    for s in CaseStatus:
        if s is not CaseStatus.DRAFT:
            assert drive(new_case(), s).status is s


@pytest.mark.parametrize(("frm", "to", "side"), ALLOWED, ids=lambda v: str(v))
def test_allowed_transition(frm: CaseStatus, to: CaseStatus, side: Side) -> None:
    case = drive(new_case(), frm) if frm is not CaseStatus.DRAFT else new_case()
    version = case.version
    record = case.transition(to, actor="w-02", at=later(30), reason="申请人要求", side=side)
    assert case.status is to
    assert case.history[-1] == record
    assert (record.from_status, record.to_status, record.actor, record.side) == (frm, to, "w-02", side)
    assert record.at == later(30) and record.reason == "申请人要求"
    assert case.version == version + 1


@pytest.mark.parametrize(("frm", "to"), ILLEGAL, ids=lambda v: str(v))
def test_illegal_transition(frm: CaseStatus, to: CaseStatus) -> None:
    case = drive(new_case(), frm) if frm is not CaseStatus.DRAFT else new_case()
    before = case.to_dict()
    with pytest.raises(IllegalTransition) as err:
        case.transition(to, actor="w", at=later(30), reason="x", side=Side.STATION)
    assert f"“{frm.label}”" in str(err.value) and f"“{to.label}”" in str(err.value)
    assert f"{frm.value} → {to.value}" in str(err.value)
    assert case.to_dict() == before  # nothing changed


@pytest.mark.parametrize(("frm", "to", "side"), WRONG_SIDE, ids=lambda v: str(v))
def test_wrong_side_is_illegal(frm: CaseStatus, to: CaseStatus, side: Side) -> None:
    case = drive(new_case(), frm) if frm is not CaseStatus.DRAFT else new_case()
    with pytest.raises(IllegalTransition, match="不能将办件从"):
        case.transition(to, actor="w", at=later(30), reason="x", side=side)


@pytest.mark.parametrize(
    ("frm", "to"),
    [
        (CaseStatus.DRAFT, CaseStatus.CLOSED),
        (CaseStatus.ACCEPTED, CaseStatus.APPROVED),  # a station cannot decide
        (CaseStatus.REFUSED, CaseStatus.ACCEPTED),  # final
        (CaseStatus.APPROVED, CaseStatus.WITHDRAWN),  # no withdrawal after a decision
        (CaseStatus.CLOSED, CaseStatus.IN_REVIEW),
        (CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.APPROVED),  # must be reviewed again first
        (CaseStatus.NOTICE_ISSUED, CaseStatus.NOTICE_ISSUED),  # 一次性: no second notice
    ],
)
def test_hand_picked_illegal(frm: CaseStatus, to: CaseStatus) -> None:
    case = drive(new_case(), frm) if frm is not CaseStatus.DRAFT else new_case()
    with pytest.raises(IllegalTransition):
        case.transition(to, actor="w", at=later(30), reason="x", side=Side.CENTER)


def test_side_is_inferred_only_when_unambiguous() -> None:
    case = new_case()
    assert case.transition(CaseStatus.ACCEPTED, actor="w", at=later(1)).side is Side.STATION
    with pytest.raises(ValueError, match="side is required"):
        case.transition(CaseStatus.WITHDRAWN, actor="w", at=later(2), reason="申请人撤回")


@pytest.mark.parametrize("to", [CaseStatus.REFUSED, CaseStatus.WITHDRAWN])
def test_refusal_and_withdrawal_need_a_reason(to: CaseStatus) -> None:
    with pytest.raises(IllegalTransition, match="必须填写原因"):
        new_case().transition(to, actor="w", at=later(1), reason=" ")


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        new_case().transition(CaseStatus.ACCEPTED, actor="w", at=dt.datetime(2026, 9, 30, 10))


def test_allowed_transitions_for_buttons() -> None:
    case = drive(new_case(), CaseStatus.IN_REVIEW)
    assert case.allowed_transitions(Side.STATION) == [CaseStatus.WITHDRAWN]
    assert set(case.allowed_transitions(Side.CENTER)) == {
        CaseStatus.SUPPLEMENT_REQUESTED,
        CaseStatus.APPROVED,
        CaseStatus.REJECTED,
        CaseStatus.WITHDRAWN,
    }


# --- supplements, materials, results


def test_supplement_round_trip_and_supplied_time() -> None:
    case = drive(new_case(), CaseStatus.IN_REVIEW)
    request = SupplementRequest(
        (MissingMaterial("M-INC", "收入证明", "金额不清晰", "重新开具"),), later(1), "r-1"
    )
    case.request_supplement(request, actor="r-1")
    assert case.status is CaseStatus.SUPPLEMENT_REQUESTED and case.open_supplement() == request
    case.supply("M-INC", by="w-01", at=later(2), attachments=("e" * 64,))
    case.transition(CaseStatus.IN_REVIEW, actor="w", at=later(2), side=Side.STATION)
    assert case.open_supplement() is None and case.supplements[0].supplied_at == later(2)
    case.transition(CaseStatus.APPROVED, actor="r-1", at=later(3))
    assert Case.from_dict(case.to_dict()) == case


def test_material_records_and_their_problems() -> None:
    case = new_case()
    case.set_material(MaterialRecord("M-ID", "居民身份证", Satisfaction.ORIGINAL_VERIFIED), at=later(1))
    assert case.materials[0].problems() == [
        "材料“居民身份证”已核验原件，但没有扫描件",
        "材料“居民身份证”未记录核验人",
    ]
    case.set_material(
        MaterialRecord("M-ID", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, (SHA,), "w-01"), at=later(2)
    )
    assert len(case.materials) == 1 and case.materials[0].problems() == []
    assert MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED).problems() == [
        "材料“户口簿”容缺受理须约定补交日期"
    ]
    assert MaterialRecord("x", "x", attachments=("nothex",)).problems() == ["材料“x”的附件摘要格式不正确"]
    drive(case, CaseStatus.APPROVED)
    with pytest.raises(CaseError, match="不能再修改材料"):
        case.set_material(MaterialRecord("M-FORM", "申请表"), at=later(3))


def test_result_only_after_a_decision() -> None:
    case = drive(new_case(), CaseStatus.IN_REVIEW)
    result = CaseResult(
        "最低生活保障金领取证", "DB-2026-001", dt.date(2026, 10, 1), None, (SHA,), "某区民政局"
    )
    with pytest.raises(CaseError, match="尚未作出决定"):
        case.set_result(result, at=later(1))
    case.transition(CaseStatus.APPROVED, actor="r", at=later(2))
    case.set_result(result, at=later(3))
    assert Case.from_dict(case.to_dict()).result == result


# --- rating


def test_rating_once_only() -> None:
    case = drive(new_case(), CaseStatus.HANDED_OVER)
    case.rate(Rating(RatingLevel.BASICALLY_SATISFIED, later(1), ("等待时间长",), "希望加快"))
    assert case.rating is not None and case.rating.level.needs_follow_up
    with pytest.raises(AlreadyRated, match="只能评价一次"):
        case.rate(Rating(RatingLevel.VERY_SATISFIED, later(2)))
    assert case.rating.level is RatingLevel.BASICALLY_SATISFIED


def test_revisit_rating_after_a_poor_rating_once_and_first_rating_kept() -> None:
    """回访评价 (seed 003): only after 基本满意 or below, once, never before the first; the first stays."""
    good = drive(new_case(), CaseStatus.HANDED_OVER)
    good.rate(Rating(RatingLevel.SATISFIED, later(1)))
    with pytest.raises(CaseError, match="没有待回访的差评"):
        good.rate_revisit(Rating(RatingLevel.VERY_SATISFIED, later(2)))
    unrated = drive(new_case(), CaseStatus.HANDED_OVER)
    with pytest.raises(CaseError, match="没有待回访的差评"):
        unrated.rate_revisit(Rating(RatingLevel.VERY_SATISFIED, later(2)))
    case = drive(new_case(), CaseStatus.HANDED_OVER)
    case.rate(Rating(RatingLevel.DISSATISFIED, later(3), ("办理时间长",)))
    with pytest.raises(CaseError, match="不能早于首次评价"):
        case.rate_revisit(Rating(RatingLevel.SATISFIED, later(2)))
    version = case.version
    case.rate_revisit(Rating(RatingLevel.SATISFIED, later(4), (), "整改后很快"))
    assert case.version == version + 1
    with pytest.raises(CaseError, match="只能录入一次"):
        case.rate_revisit(Rating(RatingLevel.VERY_SATISFIED, later(5)))
    assert case.rating is not None and case.rating.level is RatingLevel.DISSATISFIED
    assert case.revisit_rating is not None and case.revisit_rating.level is RatingLevel.SATISFIED
    assert Case.from_dict(case.to_dict()) == case
    older = {k: v for k, v in case.to_dict().items() if k != "revisit_rating"}
    assert Case.from_dict(older).revisit_rating is None


def test_rating_levels_and_draft() -> None:
    assert [lvl.value for lvl in RatingLevel] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert not RatingLevel.SATISFIED.needs_follow_up and RatingLevel.VERY_DISSATISFIED.needs_follow_up
    with pytest.raises(CaseError, match="尚未提交"):
        new_case().rate(Rating(RatingLevel.SATISFIED, later(1)))


# --- bundles


def bundle_case_delivered() -> Case:
    case = new_case(bundle=BUNDLE)
    case.transition(CaseStatus.ACCEPTED, actor="w", at=later(1))
    case.transition(CaseStatus.QUEUED, actor="w", at=later(2))
    case.transition(CaseStatus.DELIVERED, actor="sync", at=later(3), side=Side.STATION)
    return case


def test_bundle_front_desk_cascades_to_sub_cases() -> None:
    case = bundle_case_delivered()
    assert [s.item_code for s in case.sub_cases] == [ITEM_B.code, ITEM_C.code]
    assert all(s.status is CaseStatus.DELIVERED and len(s.history) == 3 for s in case.sub_cases)


def test_bundle_parent_review_states_cannot_be_set_directly() -> None:
    case = bundle_case_delivered()
    with pytest.raises(IllegalTransition, match="由各子事项决定"):
        case.transition(CaseStatus.IN_REVIEW, actor="r", at=later(4))
    with pytest.raises(IllegalTransition, match="单一事项办件没有子办件"):
        new_case().transition_sub(ITEM_B.code, CaseStatus.IN_REVIEW, actor="r", at=later(4))
    with pytest.raises(IllegalTransition, match="子办件不能单独"):
        case.transition_sub(ITEM_B.code, CaseStatus.CLOSED, actor="r", at=later(4))


def test_bundle_parent_follows_sub_cases_and_is_decided_when_all_are() -> None:
    case = bundle_case_delivered()
    case.transition_sub(ITEM_B.code, CaseStatus.IN_REVIEW, actor="r", at=later(4))
    assert case.status is CaseStatus.IN_REVIEW
    request = SupplementRequest((MissingMaterial("M-HH", "户口簿", "页码不全"),), later(5), "r", ITEM_B.code)
    case.request_supplement(request, actor="r")
    assert case.status is CaseStatus.SUPPLEMENT_REQUESTED
    case.transition_sub(ITEM_C.code, CaseStatus.IN_REVIEW, actor="r2", at=later(6))
    assert case.status is CaseStatus.SUPPLEMENT_REQUESTED  # still waiting for B's supplement
    case.supply("M-HH", by="w-01", at=later(7), attachments=("d" * 64,), item_code=ITEM_B.code)
    case.transition_sub(ITEM_B.code, CaseStatus.IN_REVIEW, actor="w", at=later(7), side=Side.STATION)
    assert case.status is CaseStatus.IN_REVIEW and case.supplements[0].supplied_at == later(7)
    case.transition_sub(ITEM_C.code, CaseStatus.APPROVED, actor="r2", at=later(8))
    assert case.status is CaseStatus.IN_REVIEW  # not every item decided yet
    case.transition_sub(ITEM_B.code, CaseStatus.REJECTED, actor="r", at=later(9), reason="不符合条件")
    assert case.status is CaseStatus.APPROVED  # one approved item has a result to hand over
    case.set_result(CaseResult("预防接种证"), at=later(10), item_code=ITEM_C.code)
    case.transition(CaseStatus.RESULT_READY, actor="w", at=later(11), side=Side.STATION)
    assert Case.from_dict(case.to_dict()) == case


def test_bundle_all_rejected_means_rejected() -> None:
    case = bundle_case_delivered()
    for code in (ITEM_B.code, ITEM_C.code):
        case.transition_sub(code, CaseStatus.IN_REVIEW, actor="r", at=later(4))
        case.transition_sub(code, CaseStatus.REJECTED, actor="r", at=later(5), reason="材料不实")
    assert case.status is CaseStatus.REJECTED


def test_bundle_withdrawal() -> None:
    case = bundle_case_delivered()
    case.transition(CaseStatus.WITHDRAWN, actor="w", at=later(4), reason="申请人撤回", side=Side.STATION)
    assert all(s.status is CaseStatus.WITHDRAWN for s in case.sub_cases)
    partly = bundle_case_delivered()
    partly.transition_sub(ITEM_C.code, CaseStatus.IN_REVIEW, actor="r", at=later(4))
    partly.transition_sub(ITEM_C.code, CaseStatus.APPROVED, actor="r", at=later(5))
    with pytest.raises(IllegalTransition, match="部分子事项已作出决定"):
        partly.transition(CaseStatus.WITHDRAWN, actor="w", at=later(6), reason="撤回", side=Side.STATION)
    partly.transition_sub(
        ITEM_B.code, CaseStatus.WITHDRAWN, actor="r", at=later(6), reason="撤回", side=Side.CENTER
    )
    assert partly.status is CaseStatus.APPROVED
    every = bundle_case_delivered()
    for code in (ITEM_B.code, ITEM_C.code):
        every.transition_sub(
            code, CaseStatus.WITHDRAWN, actor="r", at=later(4), reason="撤回", side=Side.CENTER
        )
    assert every.status is CaseStatus.WITHDRAWN


def test_case_needs_exactly_one_of_item_or_bundle() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        new_case(item_code=None)
    with pytest.raises(ValueError, match="item codes"):
        Case.new(
            number="n",
            station_id="s",
            catalog_version=1,
            applicant=new_case().applicant,
            at=NOW,
            bundle_code="B",
        )


# --- ids and round trips


def test_uuid7_layout_and_order() -> None:
    a = uuid7(1_700_000_000_000, bytes(10))
    assert a == "018bcfe5-6800-7000-8000-000000000000"
    ids = [uuid7(ms) for ms in range(1_700_000_000_000, 1_700_000_000_050)]
    assert ids == sorted(ids) and len(set(ids)) == 50
    fresh = uuid7()
    assert fresh[14] == "7" and fresh[19] in "89ab"
    assert new_case().id[14] == "7"


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
times = st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC))
dates = st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31))
hashes = st.lists(st.from_regex(r"[0-9a-f]{64}", fullmatch=True), max_size=2).map(tuple)
records = st.builds(
    MaterialRecord,
    texts,
    texts,
    st.sampled_from(Satisfaction),
    hashes,
    texts,
    st.none() | dates,
    texts,
    texts,
    texts,
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    bundle = draw(st.booleans())
    case = new_case(bundle=BUNDLE) if bundle else new_case()
    case.agent = draw(st.none() | st.just(AGENT))
    case.pickup = Pickup(draw(st.sampled_from(PickupMethod)), draw(texts))
    for r in draw(st.lists(records, max_size=3)):
        case.set_material(r, at=draw(times))
    at = NOW
    for _ in range(draw(st.integers(0, 10))):
        options = case.allowed_transitions()
        if not options:
            break
        to = draw(st.sampled_from(options))
        side = draw(st.sampled_from(sorted(TRANSITIONS[case.status][to])))
        at = at + dt.timedelta(microseconds=draw(st.integers(1, 10**11)))
        try:
            case.transition(to, actor=draw(texts) or "a", at=at, reason="原因" + draw(texts), side=side)
        except CaseError:  # a rule beyond the table refused it (e.g. 准予 while 容缺 material is owed)
            break
    if bundle and case.status is CaseStatus.DELIVERED:
        for code in (ITEM_B.code, ITEM_C.code):
            case.transition_sub(code, CaseStatus.IN_REVIEW, actor="r", at=at)
            with contextlib.suppress(CaseError):  # 准予 refused while 容缺 material is owed
                case.transition_sub(
                    code, draw(st.sampled_from(sorted(DECIDED))), actor="r", at=at, reason="r"
                )
    if draw(st.booleans()) and case.status is not CaseStatus.DRAFT:
        case.rate(
            Rating(
                draw(st.sampled_from(RatingLevel)),
                draw(times),
                tuple(draw(st.lists(texts, max_size=2))),
                draw(texts),
            )
        )
    if case.status in DECIDED:
        case.set_result(
            CaseResult(
                draw(texts),
                draw(texts),
                draw(st.none() | dates),
                draw(st.none() | dates),
                draw(hashes),
                draw(texts),
            ),
            at=at,
        )
    if draw(st.booleans()):
        case.set_promised_date(draw(dates), draw(st.booleans()), at=at)
    return case


@settings(max_examples=150, deadline=None)
@given(cases())
def test_case_round_trips_exactly_through_json(case: Case) -> None:
    data = case.to_dict()
    assert Case.from_dict(data) == case
    assert Case.from_dict(json.loads(json.dumps(data, ensure_ascii=False))) == case
    assert json.loads(json.dumps(data)) == data
