"""The case summary: what it holds (and never holds), search terms, pinyin initials, and the 限时办结 state
computed from a summary being exactly the state of the whole case, on any day."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.acceptance import overdue_status
from casework.case_summary import (
    OverdueMemo,
    deadline_projection,
    name_initials,
    search_terms,
    summarise_case,
)
from casework.caseparts import MaterialRecord, Satisfaction
from casework.cases import Case, CaseStatus, MissingMaterial, Side, SupplementRequest
from casework.workdays import DEFAULT_CALENDAR

from .case_helpers import BUNDLE, NOW, new_case
from .test_cases import cases, later

KEY = b"k" * 32


def token(text: str) -> str:
    return hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()[:32]


def accepted_with_a_pause() -> Case:
    case = new_case()
    case.set_material(
        MaterialRecord("M1", "结婚证", Satisfaction.DEFERRED, due_date=dt.date(2026, 12, 10)), at=later(0)
    )
    case.transition(CaseStatus.ACCEPTED, actor="w", at=later(1))
    case.set_promised_date(dt.date(2026, 12, 8), False, at=later(1))
    case.transition(CaseStatus.QUEUED, actor="w", at=later(2))
    case.transition(CaseStatus.DELIVERED, actor="center", at=later(3), side=Side.CENTER)
    case.transition(CaseStatus.IN_REVIEW, actor="r", at=later(60 * 24))
    case.request_supplement(
        SupplementRequest((MissingMaterial("M1", "结婚证", "不清晰"),), later(60 * 48), "r"), actor="r"
    )
    return case


def test_what_a_summary_holds_and_what_it_does_not() -> None:
    case = accepted_with_a_pause()
    doc = case.to_dict()
    s = summarise_case(doc, token)
    assert (
        s["number"] == case.number and s["status"] == "supplement_requested" and s["item"] == case.item_code
    )
    assert s["name"] == case.applicant.name and s["initials"] == name_initials(case.applicant.name)
    assert s["promised"] == "2026-12-08" and s["provisional"] is False and s["deferred_due"] == "2026-12-10"
    assert s["steps"].split("|")[0].startswith("accepted ") and s["steps"].count("supplement_requested") == 1
    assert s["accepted_day"] and s["sent"] is True  # the center recorded a step
    ident, phone = case.applicant.id_number, case.applicant.phone
    flat = " ".join(str(v) for k, v in s.items() if k != "tokens")
    for secret in (ident, ident[-6:], ident[-4:], phone, phone[-4:]):
        assert secret not in flat
    assert set(search_terms(ident, token)) <= set(s["tokens"].split())
    assert set(search_terms(ident[-5:], token)) <= set(s["tokens"].split())
    assert set(search_terms(phone[-4:], token)) & set(s["tokens"].split())


def test_a_tombstone_summary_has_nothing_about_the_applicant() -> None:
    tomb = {"purged": True, "number": "N-1", "item_code": "X", "status": "closed"}
    s = summarise_case(
        tomb | {"final_at": "2026-01-01T00:00:00Z", "purged_at": "2026-02-01T00:00:00Z"}, token
    )
    assert s["purged"] is True and s["purged_at"] == "2026-02-01T00:00:00Z" and s["final_at"]
    assert "name" not in s and "tokens" not in s


def test_documents_the_station_did_not_write_still_get_a_summary() -> None:
    for doc in ({}, {"status": 3, "history": "x", "applicant": []}, {"history": [{"at": "bad"}, 5]}):
        assert isinstance(summarise_case(doc, token), dict)


def test_search_terms() -> None:
    assert len(search_terms("61010219900307123X", token)) == 1
    assert len(search_terms("123x", token)) == 1  # an ID tail may end in X
    assert len(search_terms("1234", token)) == 2  # ID tail or phone tail
    assert len(search_terms("01234", token)) == len(search_terms("301234", token)) == 1
    assert search_terms("张三", token) == [] and search_terms("12", token) == []


def test_pinyin_initials() -> None:
    assert name_initials("欧阳明华") == "oymh"
    assert name_initials("Zhang Weiguo") == "zw"
    assert name_initials("张三 Li") == "zsl"


def test_a_bundle_projection_is_a_bundle_case() -> None:
    case = new_case(bundle=BUNDLE)
    projection = deadline_projection(summarise_case(case.to_dict(), token))
    assert projection is not None and projection.bundle_code == case.bundle_code


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(-30, 400))
def test_the_state_from_a_summary_is_the_state_of_the_case(case: Case, offset: int) -> None:
    """Whatever path a case took (补正 pauses, decisions, withdrawals), on any day: the same 限时办结."""
    today = NOW.date() + dt.timedelta(days=offset)
    projection = deadline_projection(summarise_case(case.to_dict(), token))
    assert projection is not None
    assert overdue_status(projection, DEFAULT_CALENDAR, today) == overdue_status(
        case, DEFAULT_CALENDAR, today
    )


def test_the_memo_computes_each_deadline_once() -> None:
    case = accepted_with_a_pause()
    summary = summarise_case(case.to_dict(), token)
    memo = OverdueMemo(DEFAULT_CALENDAR, dt.date(2026, 12, 20))
    first = memo.of(summary)
    assert first == overdue_status(case, DEFAULT_CALENDAR, dt.date(2026, 12, 20))
    assert memo.of(dict(summary, number="other")) is first  # same deadline, another case: not recomputed
    assert memo.fits(DEFAULT_CALENDAR, dt.date(2026, 12, 20)) and not memo.fits(DEFAULT_CALENDAR, NOW.date())
