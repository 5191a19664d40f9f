"""当场办结: a flagged item is accepted, decided and handed over at the window; nothing else may be."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from casework.acceptance import accept
from casework.cases import (
    ON_THE_SPOT,
    TRANSITIONS,
    Case,
    CaseError,
    CaseStatus,
    IllegalTransition,
    MaterialRecord,
    Satisfaction,
    Side,
)
from casework.catalog import SpotResult
from casework.documents import DocumentKind, DocumentNotIssuable, StationInfo, on_the_spot_result
from casework.on_the_spot import SPOT_REASON, decide_on_the_spot, issue_on_the_spot
from casework.workdays import WorkCalendar

from .case_helpers import CATALOG, ID_CARD, ITEM_A, ITEM_C, NOW, new_case

SPOT = dataclasses.replace(
    ITEM_C, case_kind=ITEM_C.case_kind.IMMEDIATE, on_the_spot=SpotResult.CERTIFICATE, result_name="参保证明"
)
SPOT_CATALOG = dataclasses.replace(CATALOG, items=(ITEM_A, SPOT))
STATION = StationInfo("凤凰路街道便民服务站", "雁塔区", "凤凰路1号", "029-86000000")
SHA = "ab" * 32


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


def accepted() -> Case:
    """A case of the 当场办结 item (the same code is unflagged in ``CATALOG``), accepted at the window."""
    case = new_case(SPOT.code)
    scan = MaterialRecord(
        ID_CARD.code, ID_CARD.name, Satisfaction.ORIGINAL_VERIFIED, (SHA,), verified_by="02"
    )
    case.set_material(scan, at=NOW)
    accept(case, SPOT_CATALOG, WorkCalendar(), actor="worker:02", at=later(1))
    return case


def test_the_table_says_only_the_station_decides_on_the_spot_and_only_from_accepted() -> None:
    assert dict(ON_THE_SPOT) == {CaseStatus.ACCEPTED: {CaseStatus.APPROVED: frozenset({Side.STATION})}}
    # the ordinary table never lets a station decide, nor anyone decide an accepted case
    assert all(
        Side.STATION not in sides
        for frm, tos in TRANSITIONS.items()
        for to, sides in tos.items()
        if to in (CaseStatus.APPROVED, CaseStatus.REJECTED)
    )
    assert CaseStatus.APPROVED not in TRANSITIONS[CaseStatus.ACCEPTED]


def test_a_flagged_item_is_decided_issued_and_handed_over_at_the_window() -> None:
    case = accepted()
    decide_on_the_spot(case, SPOT_CATALOG, actor="worker:02", at=later(2))
    assert case.status is CaseStatus.APPROVED and case.decided_on_the_spot
    assert case.history[-1].side is Side.STATION and case.history[-1].reason == SPOT_REASON
    doc = on_the_spot_result(case, SPOT_CATALOG, station=STATION, worker="王芳", issued_at=later(2))
    assert doc.kind is DocumentKind.SPOT_CERTIFICATE and doc.title == "证明"
    assert doc.number == f"ZM{case.number}" and doc.case_number == case.number
    text = "\n".join(doc.lines())
    for expected in (
        "兹证明",
        SPOT.name,
        "张三",
        "准予办理（当场办结）",
        "参保证明",
        "2026年09月30日",
        STATION.name,
    ):
        assert expected in text, expected
    assert "610102199001011231" not in text  # the ID number is masked on paper
    result = issue_on_the_spot(
        case, SPOT_CATALOG, documents=(SHA,), issued_by=STATION.name, actor="worker:02", at=later(3)
    )
    assert case.status is CaseStatus.RESULT_READY and case.result == result
    assert result.documents == (SHA,) and result.name == "参保证明" and result.number == case.number
    case.transition(
        CaseStatus.HANDED_OVER, actor="worker:02", at=later(4), side=Side.STATION, reason="本人领取"
    )
    assert Case.from_dict(case.to_dict()) == case
    assert [t.to_status for t in case.history] == [
        CaseStatus.ACCEPTED,
        CaseStatus.APPROVED,
        CaseStatus.RESULT_READY,
        CaseStatus.HANDED_OVER,
    ]
    assert all(t.side is Side.STATION for t in case.history)


def test_an_unflagged_item_cannot_be_decided_at_the_window() -> None:
    case = accepted()  # the catalog in force says the item is not one a station decides
    with pytest.raises(CaseError) as refused:
        decide_on_the_spot(case, CATALOG, actor="worker:02", at=later(2))
    assert refused.value.code == "case.on_the_spot.not_flagged" and ITEM_C.name in str(refused.value)
    # nor by calling the case directly without saying it is on the spot
    with pytest.raises(IllegalTransition):
        case.transition(CaseStatus.APPROVED, actor="worker:02", at=later(2), side=Side.STATION)
    # the center never records this move either
    with pytest.raises(IllegalTransition):
        case.transition(CaseStatus.APPROVED, actor="u", at=later(2), side=Side.CENTER, on_the_spot=True)
    assert case.status is CaseStatus.ACCEPTED


def test_on_the_spot_only_from_accepted_and_not_while_a_deferred_material_is_owed() -> None:
    case = accepted()
    case.transition(CaseStatus.QUEUED, actor="worker:02", at=later(2), side=Side.STATION)
    with pytest.raises(IllegalTransition):
        decide_on_the_spot(case, SPOT_CATALOG, actor="worker:02", at=later(3))
    owed = accepted()
    owed.materials.append(
        MaterialRecord("M-LATE", "户口簿", Satisfaction.DEFERRED, due_date=dt.date(2026, 10, 9))
    )
    with pytest.raises(CaseError) as held:
        decide_on_the_spot(owed, SPOT_CATALOG, actor="worker:02", at=later(3))
    assert held.value.code == "case.deferred_outstanding"


def test_no_result_without_the_stations_decision() -> None:
    case = accepted()
    with pytest.raises(CaseError):
        issue_on_the_spot(case, SPOT_CATALOG, documents=(SHA,), issued_by="x", actor="worker:02", at=later(2))
    with pytest.raises(DocumentNotIssuable):
        on_the_spot_result(case, SPOT_CATALOG, station=STATION, worker="王芳", issued_at=later(2))


@pytest.mark.parametrize(
    ("kind", "title", "prefix"),
    [(SpotResult.RECEIPT, "办结回执", "HZ"), (SpotResult.CARD, "办结通知书", "BJ")],
)
def test_the_result_type_names_the_document(kind: SpotResult, title: str, prefix: str) -> None:
    catalog = dataclasses.replace(SPOT_CATALOG, items=(ITEM_A, dataclasses.replace(SPOT, on_the_spot=kind)))
    case = accepted()
    decide_on_the_spot(case, catalog, actor="worker:02", at=later(2))
    doc = on_the_spot_result(case, catalog, station=STATION, worker="王芳", issued_at=later(2))
    assert doc.title == title and doc.number.startswith(prefix)
