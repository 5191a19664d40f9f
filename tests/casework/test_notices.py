"""The district's record of a 一次性告知 / 不予受理 (``casework.notices``), the notice number residents hold,
the one definition of 一次告知率, and the notice ↔ case link on the case."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.cases import Case, CaseError, CaseStatus
from casework.identity import Applicant, ApplicantKind
from casework.notices import (
    NoticeKind,
    NoticeReport,
    NoticeReportError,
    notice_case_number,
    notice_share,
    report_of,
)

AT = dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)  # 11-23 in Beijing


def _case(status: CaseStatus, reason: str) -> Case:
    applicant = Applicant(ApplicantKind.PERSON, "张三", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number="261123-007-00421",
        station_id="st-7",
        catalog_version=1,
        applicant=applicant,
        at=AT,
        item_code="ITEM",
    )
    case.transition(status, actor="w-01", at=AT, reason=reason)
    return case


def test_a_notice_report_lists_each_missing_material_and_round_trips() -> None:
    report = report_of(_case(CaseStatus.NOTICE_ISSUED, "居民身份证；户口簿"))
    assert report.kind is NoticeKind.NOTICE and report.reasons == ("居民身份证", "户口簿")
    assert report.number == "GZ261123-007-00421" and report.issued_at == AT and report.subject == "ITEM"
    assert report.applicant["id_number"] == "11010519491231002X"
    assert NoticeReport.from_dict(report.to_dict()) == report


def test_a_notice_issued_in_english_lists_each_missing_material_too() -> None:
    report = report_of(_case(CaseStatus.NOTICE_ISSUED, "居民身份证; 户口簿"))  # joined with "; " in English
    assert report.reasons == ("居民身份证", "户口簿")


def test_a_refusal_report_keeps_the_reason_whole() -> None:
    report = report_of(_case(CaseStatus.REFUSED, "不属于受理范围；请到区政务大厅"))
    assert report.kind is NoticeKind.REFUSAL and report.reasons == ("不属于受理范围；请到区政务大厅",)
    assert report.number == "BY261123-007-00421"


def test_only_notices_and_refusals_are_reported() -> None:
    case = _case(CaseStatus.ACCEPTED, "")
    with pytest.raises(NoticeReportError) as err:
        report_of(case)
    assert err.value.code == "notice.report.malformed" and err.value.params == {"field": "status"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "accepted"),
        ("version", "1"),
        ("version", True),
        ("number", "SL261123-007-00421"),
        ("reasons", []),
        ("reasons", ["x" * 501]),
        ("reasons", ["户口\x00簿"]),  # PostgreSQL text cannot hold NUL
        ("case_number", "261123-007-\x0000421"),
        ("issued_at", "yesterday"),
        ("applicant", "张三"),
        ("id", ""),
        ("item_code", None),
    ],
)
def test_a_malformed_record_names_its_field(field: str, value: object) -> None:
    data = report_of(_case(CaseStatus.NOTICE_ISSUED, "居民身份证")).to_dict() | {field: value}
    with pytest.raises(NoticeReportError) as err:
        NoticeReport.from_dict(data)
    assert err.value.params["field"] == field


def test_the_notice_number_on_paper_or_qr_names_the_case() -> None:
    assert notice_case_number("GZ261123-007-00421") == "261123-007-00421"
    assert notice_case_number(" gz261123-007-00421\n") == "261123-007-00421"
    assert notice_case_number("261123-007-00421") == "261123-007-00421"


def test_notice_share_is_notices_over_first_visits() -> None:
    assert notice_share(3, 2) == 0.6
    assert notice_share(0, 4) == 0.0
    assert notice_share(0, 0) is None


def test_the_notice_and_the_case_name_each_other_once() -> None:
    notice = _case(CaseStatus.NOTICE_ISSUED, "居民身份证")
    version = notice.version
    notice.mark_resumed("261125-007-00430", at=AT + dt.timedelta(days=2))
    assert notice.resumed_as == "261125-007-00430" and notice.version == version + 1
    assert Case.from_dict(notice.to_dict()).resumed_as == "261125-007-00430"
    assert report_of(notice).resumed_as == "261125-007-00430"
    with pytest.raises(CaseError) as err:
        notice.mark_resumed("261125-007-00431", at=AT)
    assert err.value.code == "case.notice_already_resumed"
    with pytest.raises(CaseError):
        _case(CaseStatus.REFUSED, "x").mark_resumed("261125-007-00431", at=AT)
    plain = _case(CaseStatus.ACCEPTED, "")
    assert "prior_notice" not in plain.to_dict() and "resumed_as" not in plain.to_dict()
    plain.prior_notice = "GZ261123-007-00421"
    assert Case.from_dict(plain.to_dict()).prior_notice == "GZ261123-007-00421"
