"""The catalog's form fields and eligibility at the desk, over a real encrypted store: 出生一件事's one form
feeds each item's sub-case, errors clear when corrected, 高龄津贴 warns under 80 and takes a reason."""

from __future__ import annotations

import pytest

from casework import clock
from casework.cases import Satisfaction
from casework.catalog import Necessity
from casework.identity import resident_id_check_char
from station_app.viewmodels.guide import qr_png
from station_app.viewmodels.intake import IntakeError, IntakeViewModel
from tests.station_app.test_intake import NEWBORN, fill_applicant, fill_newborn, start

HIGH_AGE = "116101148271606872051010115000000"


def satisfy(vm: IntakeViewModel) -> None:
    for r in vm.material_rows():
        if r.necessity is Necessity.DEFERRABLE:
            vm.set_satisfaction(r.code, Satisfaction.DEFERRED, due_date=vm.default_due_date())
        elif r.necessity is Necessity.REQUIRED:
            vm.attach(r.code, f"{r.code}.png", qr_png("scan of " + r.code))


def born_years_ago(years: int) -> str:
    today = clock.china_today()
    body = f"610114{today.year - years:04d}{today.month:02d}{min(today.day, 28):02d}002"
    return body + resident_id_check_char(body)


def test_birth_bundle_form_is_asked_once_and_each_sub_case_keeps_its_items_values(
    at_china_hour, station, cases
):
    vm = start(station, cases, "YJS-CS")
    fill_applicant(vm)
    keys = [f.key for f in vm.form.fields()]
    assert len(keys) == len(set(keys)) and "newborn_name" in keys
    assert set(vm.form.problems()) >= {"newborn_name", "newborn_sex", "mother"}
    assert any("新生儿姓名" in p for p in vm.review_problems())
    fill_newborn(vm)
    satisfy(vm)
    assert vm.review_problems() == []
    case = vm.accept(collected=False)
    stored = station.unlocked_store.get("cases", case.id)
    by_item = {s["item_code"]: s["form_values"] for s in stored["sub_cases"]}
    catalog = vm.catalog
    for item in catalog.bundle_items("YJS-CS"):
        values = by_item[item.code]
        assert set(values) == {f.key for f in item.fields if f.key in NEWBORN}, item.name
        assert values["newborn_name"] == "王小明"
    cert = next(i for i in catalog.bundle_items("YJS-CS") if i.name == "出生医学证明")
    assert "birth_certificate_no" not in by_item[cert.code]


def test_a_field_error_clears_as_soon_as_the_field_is_corrected(station, cases):
    vm = start(station, cases, "YJS-CS")
    vm.form.set("mother", {"name": "李芳", "id_number": "110105194912310021"})
    vm.form.set("newborn_birth_date", "2026-13-01")
    live = vm.form.live_problems()
    assert live["mother"].code == "identity.resident_id.check"
    assert live["newborn_birth_date"].code == "form.field.date"
    assert "newborn_name" not in live  # not typed yet: no error while typing
    vm.form.set("mother", {"name": "李芳", "id_number": "11010519491231002x"})
    vm.form.set("newborn_birth_date", "2026-11-20")
    assert vm.form.live_problems() == {}
    assert vm.form.values["mother"]["id_number"].endswith("X")


def test_high_age_allowance_warns_for_a_sixty_year_old_and_needs_a_reason(at_china_hour, station, cases):
    vm = start(station, cases, HIGH_AGE)
    vm.set_applicant(name="赵大爷", id_type="111", id_number=born_years_ago(60), phone="13800138000")
    (warning,) = vm.form.eligibility_warnings()
    assert warning.problem.code == "eligibility.age_below"
    assert warning.problem.params == {"age": 60, "min_age": 80}
    assert "年满80周岁" in warning.text()
    satisfy(vm)
    with pytest.raises(IntakeError) as err:
        vm.accept(collected=False)
    assert vm.form.reason_problem() in err.value.problems
    vm.form.set_override_reason("申请人持有户籍证明，出生日期以户口簿为准")
    case = vm.accept(collected=False)
    stored = station.unlocked_store.get("cases", case.id)
    assert stored["eligibility_override"] == {
        "reason": "申请人持有户籍证明，出生日期以户口簿为准",
        "codes": {HIGH_AGE: ["eligibility.age_below"]},
        "by": "01",
    }


def test_an_eighty_year_old_is_accepted_without_a_word(at_china_hour, station, cases):
    vm = start(station, cases, HIGH_AGE)
    vm.set_applicant(name="赵大爷", id_type="111", id_number=born_years_ago(81), phone="13800138000")
    assert vm.form.eligibility_warnings() == []
    satisfy(vm)
    assert vm.review_problems() == []
    assert vm.accept(collected=False).eligibility_override is None
