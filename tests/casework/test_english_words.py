"""In English, the words the station builds from codes are English: applicant and agent problems, the
catalog's code-table values (必要, 纸质 …), case statuses, the sync steps and the station's CLI prefixes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from enum import Enum

import pytest

from casework import caseparts, cases, catalog, messages
from casework.identity import Agent, Applicant, ApplicantKind, check_applicant_and_agent
from station_app import i18n
from sync.status import STEP_LABELS, SyncStatus

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def english() -> Iterator[None]:
    i18n.set_language("en")
    try:
        yield
    finally:
        i18n.set_language("zh_CN")


def test_applicant_and_agent_problems_are_worded_in_the_current_language(english: None) -> None:
    organisation = Applicant(
        ApplicantKind.ORGANIZATION, "", "111", "11010519491231002X", "123", legal_representative_id_number="1"
    )
    agent = Agent("", "001", "", "")
    person = Applicant(ApplicantKind.PERSON, "李梅", "111", "11010519491231002X", "13800138000")
    same = Agent("李梅", "111", "11010519491231002X", "13800138000", relation="")
    english_words = check_applicant_and_agent(organisation, agent, today=TODAY) + check_applicant_and_agent(
        person, same, today=TODAY
    )
    assert len(english_words) >= 8
    assert [w for w in english_words if CJK.search(w)] == []
    assert "The agent cannot be the applicant" in english_words
    assert any(w.startswith("Legal representative: ") for w in english_words)
    i18n.set_language("zh_CN")
    chinese = check_applicant_and_agent(person, same, today=TODAY)
    assert "代理人不能是申请人本人" in chinese and "请填写代理人与申请人的关系" in chinese


CODE_TABLES: tuple[type[Enum], ...] = (
    catalog.Level,
    catalog.CaseKind,
    catalog.TongbanScope,
    catalog.SpotResult,
    catalog.ServiceObject,
    catalog.LifeEvent,
    catalog.MaterialType,
    catalog.MaterialSource,
    catalog.MaterialForm,
    catalog.Necessity,
    caseparts.Satisfaction,
    caseparts.PickupMethod,
    caseparts.RatingLevel,
    cases.CaseStatus,
)


@pytest.mark.parametrize("table", CODE_TABLES, ids=lambda t: t.__name__)
def test_every_code_table_value_has_an_english_term(table: type[Enum]) -> None:
    english = {member.name: messages.term(member, "en") for member in table}
    assert {n: w for n, w in english.items() if CJK.search(w) or not w} == {}
    chinese = [messages.term(member, "zh_CN") for member in table]
    assert all(CJK.search(w) for w in chinese)
    assert len(set(english.values())) == len(english), "two values read alike in English"


def test_item_types_of_the_default_table_read_in_english_and_a_provinces_own_name_stays() -> None:
    issued = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    sample = catalog.Catalog(version=1, district_code="610114", district_name="阎良区", issued_at=issued)
    assert sample.item_type_name("01", "en") == "administrative licence"
    assert sample.item_type_name("01", "zh_CN") == "行政许可"
    own = catalog.Catalog(
        version=1,
        district_code="610114",
        district_name="阎良区",
        issued_at=issued,
        item_types={**catalog.DEFAULT_ITEM_TYPES, "20": "便民服务"},
    )
    assert own.item_type_name("20", "en") == "便民服务"


def test_sync_steps_read_in_the_current_language(english: None) -> None:
    labels = {step: SyncStatus(step=step).step_label for step in STEP_LABELS}
    assert [w for w in labels.values() if CJK.search(w)] == []
    assert labels["done"] == "Sync finished"
    assert SyncStatus(step="done").to_dict()["step_label"] == "Sync finished"


def test_the_station_cli_prints_its_prefixes_in_the_chosen_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from station_app.cli import main

    missing = "/nonexistent/station-data"
    try:
        assert main(["--language", "en", "verify", "--data-dir", missing]) != 0
        err = capsys.readouterr().err
        assert main(["sync", "--once", "--data-dir", missing]) != 0
        chinese = capsys.readouterr().err
    finally:
        i18n.set_language("zh_CN")
    assert err.startswith(("Error: ", "问题 PROBLEM")), err
    assert chinese.startswith("错误："), chinese
