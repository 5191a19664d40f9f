"""送达: the collector's ID number against the applicant, the registered agent, or a 授权委托书."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.cases import Case
from casework.handover import CollectorMatch, HandoverRefused, handover_record, match_collector
from casework.identity import Agent, Applicant, ApplicantKind

APPLICANT_ID, AGENT_ID, OTHER_ID = "610114194001010012", "11010519491231002X", "110105198001010016"


def case(agent: bool) -> Case:
    return Case.new(
        number="261203-001-00001",
        station_id="s",
        catalog_version=1,
        applicant=Applicant(ApplicantKind.PERSON, "赵大爷", "111", APPLICANT_ID, "13800138000"),
        at=dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC),
        item_code="1" * 33,
        agent=Agent("赵小", "111", AGENT_ID, "13900139000", relation="子女") if agent else None,
    )


def test_applicant_agent_and_letter_are_told_apart() -> None:
    assert match_collector(case(True), APPLICANT_ID, letter=False) is CollectorMatch.APPLICANT
    assert match_collector(case(True), AGENT_ID.lower(), letter=False) is CollectorMatch.AGENT
    assert match_collector(case(False), OTHER_ID, letter=True) is CollectorMatch.POWER_OF_ATTORNEY


def test_anyone_else_or_a_bad_number_is_refused_with_a_code() -> None:
    with pytest.raises(HandoverRefused) as err:
        match_collector(case(False), AGENT_ID, letter=False)
    assert err.value.code == "handover.collector_mismatch" and "委托书" in err.value.text("zh_CN")
    with pytest.raises(HandoverRefused) as err:
        match_collector(case(False), APPLICANT_ID[:-1] + "3", letter=True)
    assert err.value.code == "identity.resident_id.check"


def test_the_record_keeps_the_number_masked_and_round_trips() -> None:
    c = case(False)
    c.handover = handover_record(
        CollectorMatch.APPLICANT, collector="赵大爷", id_number=APPLICANT_ID, method="handover.self", by="w"
    )
    assert c.handover["id_number"] == "6101**********0012"
    assert Case.from_dict(c.to_dict()).handover == c.handover
