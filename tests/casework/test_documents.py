"""受理凭证, 代收件通知书, 一次性告知书, 不予受理通知书 as data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from casework.acceptance import accept, issue_notice
from casework.cases import Case, CaseStatus, MaterialRecord, Satisfaction
from casework.documents import (
    CaseDocument,
    DocumentKind,
    StationInfo,
    acceptance_receipt,
    collection_notice,
    document_number,
    one_time_notice,
    refusal_notice,
)
from casework.workdays import WorkCalendar

from .case_helpers import AGENT, APPLICANT, BUNDLE, CATALOG, FORM, HOUSEHOLD, ID_CARD, INCOME, NOW, new_case

STATION = StationInfo("大雁塔街道某社区便民服务站（样例）", "雁塔区", "雁塔区某路1号", "029-88888888")
SHA = "ef" * 32
CAL = WorkCalendar()


def verified(code: str, name: str) -> MaterialRecord:
    return MaterialRecord(code, name, Satisfaction.ORIGINAL_VERIFIED, (SHA, SHA[::-1]), "w-01")


def filled_case(at: dt.datetime = NOW) -> Case:
    case = new_case(at=at)
    case.agent = AGENT
    case.set_material(verified(ID_CARD.code, ID_CARD.name), at=at)
    case.set_material(verified(FORM.code, FORM.name), at=at)
    case.set_material(
        MaterialRecord(HOUSEHOLD.code, HOUSEHOLD.name, Satisfaction.DEFERRED, due_date=dt.date(2026, 10, 9)),
        at=at,
    )
    case.set_material(
        MaterialRecord(
            INCOME.code, INCOME.name, Satisfaction.COMMITMENT, commitment_text=INCOME.commitment_text
        ),
        at=at,
    )
    return case


def text(doc: CaseDocument) -> str:
    return "\n".join(doc.lines())


def common_checks(doc: CaseDocument, case: Case, kind: DocumentKind) -> None:
    body = text(doc)
    assert doc.kind is kind and doc.title == kind.value and body.startswith(kind.value)
    assert doc.number == document_number(kind, case.number) and doc.case_number == case.number
    assert case.number in body and STATION.name in body and "经办人：王芳" in body
    assert APPLICANT.id_number not in body and AGENT.id_number not in body  # never the full number
    assert "6101**********1231" in body
    assert "城乡居民最低生活保障申请（样例）" in body
    assert json.loads(json.dumps(doc.to_dict(), ensure_ascii=False)) == doc.to_dict()


def test_acceptance_receipt() -> None:
    case = filled_case()
    accept(case, CATALOG, CAL, actor="w-01", at=NOW)
    doc = acceptance_receipt(case, CATALOG, station=STATION, worker="王芳", issued_at=NOW)
    common_checks(doc, case, DocumentKind.RECEIPT)
    body = text(doc)
    assert doc.number == "SL260930-007-00018"
    assert "承诺办结日期：2026年10月10日" in body and "暂定" not in body and not doc.provisional_date
    assert "原件已核验，扫描件2份" in body
    assert "容缺后补（2026年10月09日前补交）" in body and "户口簿（2026年10月09日前补交）" in body
    assert "告知承诺" in body and "记入信用记录" in body
    assert "王芳（帮办代办员）" in body and "与申请人关系：帮办代办" in body
    assert doc.issued_on == dt.date(2026, 9, 30)
    sections = [s.title for s in doc.sections]
    assert sections[:5] == ["申请事项", "申请人信息", "已收材料", "办理时限", "结果领取"]


def test_receipt_marks_a_provisional_date() -> None:
    at = dt.datetime(2027, 2, 4, 2, 0, tzinfo=dt.UTC)
    case = filled_case(at)
    case.set_material(
        MaterialRecord(HOUSEHOLD.code, HOUSEHOLD.name, Satisfaction.DEFERRED, due_date=dt.date(2027, 2, 10)),
        at=at,
    )
    accept(case, CATALOG, CAL, actor="w-01", at=at)
    doc = acceptance_receipt(case, CATALOG, station=STATION, worker="王芳", issued_at=at)
    assert doc.provisional_date
    assert "2027年02月11日（暂定，以当年节假日安排为准）" in text(doc)


def test_receipt_only_for_accepted_cases() -> None:
    with pytest.raises(ValueError, match="尚未受理"):
        acceptance_receipt(new_case(), CATALOG, station=STATION, worker="王芳", issued_at=NOW)


def test_collection_notice() -> None:
    case = filled_case()
    accept(case, CATALOG, CAL, actor="w-01", at=NOW, collected=True)
    window = CATALOG.jurisdiction("雁塔区")
    doc = collection_notice(case, CATALOG, station=STATION, worker="王芳", issued_at=NOW, jurisdiction=window)
    common_checks(doc, case, DocumentKind.COLLECTION_NOTICE)
    body = text(doc)
    assert "属地通办窗口：雁塔区政务服务中心2层B43号窗口" in body and "029-81160083" in body
    assert "收到申请材料之日起计为受理开始" in body and "邮政快递" in body
    assert "代收日期：2026年09月30日" in body
    assert "按承诺时限办结（城乡居民最低生活保障申请（样例）3个工作日）" in body
    with pytest.raises(ValueError, match="不是代收件"):
        collection_notice(new_case(), CATALOG, station=STATION, worker="王芳", issued_at=NOW)


def test_one_time_notice_lists_every_missing_material() -> None:
    case = new_case()
    case.agent = AGENT
    case.set_material(verified(ID_CARD.code, ID_CARD.name), at=NOW)
    issue_notice(case, CATALOG, actor="w-01", at=NOW)
    doc = one_time_notice(case, CATALOG, station=STATION, worker="王芳", issued_at=NOW)
    common_checks(doc, case, DocumentKind.ONE_TIME_NOTICE)
    table = next(s for s in doc.sections if s.title == "需补齐补正的材料").table
    assert table[0] == ("序号", "材料名称", "原因", "补正方式")
    assert [row[1] for row in table[1:]] == ["申请表", "户口簿", "收入证明"]
    assert table[1][2] == "缺少材料“申请表”" and "填写完整并签字" in table[1][3]
    assert "一次性告知" in text(doc)
    assert case.status is CaseStatus.NOTICE_ISSUED


def test_one_time_notice_needs_something_missing() -> None:
    case = filled_case()
    with pytest.raises(ValueError, match="无需出具一次性告知书"):
        one_time_notice(case, CATALOG, station=STATION, worker="王芳", issued_at=NOW)


def test_refusal_notice_with_reason_and_remedies() -> None:
    case = filled_case()
    case.transition(CaseStatus.REFUSED, actor="w-01", at=NOW, reason="申请事项不属于本机关职权范围")
    doc = refusal_notice(case, CATALOG, station=STATION, worker="王芳", issued_at=NOW)
    common_checks(doc, case, DocumentKind.REFUSAL_NOTICE)
    body = text(doc)
    assert "理由：申请事项不属于本机关职权范围" in body
    assert "六十日内向雁塔区人民政府申请行政复议" in body
    assert "六个月内依法向有管辖权的人民法院提起行政诉讼" in body
    with pytest.raises(ValueError, match="未作不予受理处理"):
        refusal_notice(new_case(), CATALOG, station=STATION, worker="王芳", issued_at=NOW)


def test_bundle_documents_list_every_item() -> None:
    case = new_case(bundle=BUNDLE)
    for m in (ID_CARD, HOUSEHOLD):
        case.set_material(verified(m.code, m.name), at=NOW)
    accept(case, CATALOG, CAL, actor="w-01", at=NOW)
    body = text(acceptance_receipt(case, CATALOG, station=STATION, worker="王芳", issued_at=NOW))
    assert "一件事：出生一件事（样例）" in body
    assert "新生儿户口登记（样例）" in body and "预防接种证办理（样例）" in body
