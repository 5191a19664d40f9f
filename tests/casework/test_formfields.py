"""Catalog-defined form fields: validation per kind, the bundle's one form, per-item values, eligibility."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.catalog import Catalog, CatalogFormatError
from casework.formfields import (
    Eligibility,
    FieldKind,
    FormField,
    eligibility_problems,
    union,
    validate,
    values_for,
)
from casework.identity import Sex, resident_id_check_char
from casework.samples import sample_catalog, sample_catalog_dict

TODAY = dt.date(2026, 12, 3)


def rid(area: str, born: str, seq: str = "002") -> str:
    body = area + born + seq
    return body + resident_id_check_char(body)


MOTHER = {"name": "李芳", "id_number": rid("610114", "19950302", "004")}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        (FormField("a", "姓名"), "", "form.field.required"),
        (FormField("a", "姓名", required=False), "  ", None),
        (FormField("a", "姓名"), "x" * 201, "form.field.too_long"),
        (FormField("d", "日期", FieldKind.DATE), "2026-02-30", "form.field.date"),
        (FormField("d", "日期", FieldKind.DATE, past_only=True), "2026-12-04", "form.field.date_future"),
        (FormField("d", "日期", FieldKind.DATE, past_only=True), "2026-12-03", None),
        (FormField("c", "性别", FieldKind.CHOICE, choices=("男", "女")), "未知", "form.field.choice"),
        (FormField("i", "证号", FieldKind.ID_NUMBER), "11010519491231002X", None),
        (FormField("i", "证号", FieldKind.ID_NUMBER), "110105194912310021", "identity.resident_id.check"),
        (FormField("p", "电话", FieldKind.PHONE), "1380013800", "identity.phone.format"),
        (
            FormField("m", "母亲", FieldKind.PERSON),
            {"name": "", "id_number": ""},
            "form.field.person_required",
        ),
        (
            FormField("m", "母亲", FieldKind.PERSON),
            {"name": "李芳", "id_number": "1"},
            "identity.resident_id.length",
        ),
        (FormField("m", "母亲", FieldKind.PERSON), MOTHER, None),
    ],
)
def test_each_kind_validates(field: FormField, value: object, code: str | None) -> None:
    p = field.problem(value, today=TODAY)
    assert (None if p is None else p.code) == code
    if p is not None:
        assert p.field == field.key
        assert p.text("en") and p.text("zh_CN")


def test_birth_bundle_asks_each_newborn_fact_once_and_each_item_keeps_its_own() -> None:
    catalog = sample_catalog()
    bundle = next(b for b in catalog.bundles if b.name == "出生一件事")
    form = catalog.form_fields(bundle.code)
    keys = [f.key for f in form]
    assert len(keys) == len(set(keys))
    assert {"newborn_name", "newborn_sex", "newborn_birth_date", "birth_certificate_no", "mother"} <= set(
        keys
    )
    values = {
        "newborn_name": "王小明",
        "newborn_sex": "男",
        "newborn_birth_date": "2026-11-20",
        "newborn_birth_place": "阎良区人民医院",
        "birth_certificate_no": "Q610000123",
        "mother": MOTHER,
        "father": {"name": "", "id_number": ""},
        "hukou_address": "阎良区凤凰路街道1号",
        "insurance_choice": "一档",
    }
    assert validate(form, values, today=TODAY) == []
    per_item = {it.name: values_for(it.fields, values) for it in catalog.bundle_items(bundle.code)}
    assert "birth_certificate_no" not in per_item["出生医学证明"]  # issued by that very item
    assert per_item["新生儿户口登记(出生登记)"]["birth_certificate_no"] == "Q610000123"
    assert per_item["城乡居民医疗保险参保登记"]["insurance_choice"] == "一档"
    assert "father" not in per_item["出生医学证明"]  # left blank: optional


def test_missing_required_values_are_reported_per_field() -> None:
    catalog = sample_catalog()
    bundle = next(b for b in catalog.bundles if b.name == "出生一件事")
    problems = validate(catalog.form_fields(bundle.code), {"newborn_name": "王小明"}, today=TODAY)
    assert {p.field for p in problems} >= {"newborn_sex", "newborn_birth_date", "mother"}
    assert "newborn_name" not in {p.field for p in problems}
    assert "father" not in {p.field for p in problems}


def test_union_keeps_the_first_field_and_requires_what_any_form_requires() -> None:
    a = FormField("x", "甲", required=False)
    b = FormField("x", "乙")
    merged = union([[a], [b, FormField("y", "丙")]])
    assert [f.key for f in merged] == ["x", "y"]
    assert merged[0].label == "甲" and merged[0].required


def test_high_age_allowance_warns_under_80_and_outside_the_district() -> None:
    rule = sample_catalog().item("116101148271606872051010115000000").eligibility
    assert rule == Eligibility(min_age=80, area_prefixes=("610114",))
    sixty = rid("610114", "19661203")
    assert [p.code for p in eligibility_problems(rule, sixty, today=TODAY)] == ["eligibility.age_below"]
    assert eligibility_problems(rule, sixty, today=TODAY)[0].params == {"age": 60, "min_age": 80}
    eighty = rid("610114", "19461203")
    assert eligibility_problems(rule, eighty, today=TODAY) == []
    # one day short of 80 is 79
    assert eligibility_problems(rule, rid("610114", "19461204"), today=TODAY)[0].params["age"] == 79
    elsewhere = rid("610102", "19400101")
    assert [p.code for p in eligibility_problems(rule, elsewhere, today=TODAY)] == ["eligibility.area"]
    assert [p.code for p in eligibility_problems(rule, "123", today=TODAY)] == ["eligibility.unknown"]


def test_sex_condition_names_the_sex_in_each_language() -> None:
    rule = Eligibility(sex=Sex.FEMALE)
    male = rid("610114", "19800101", "001")
    (p,) = eligibility_problems(rule, male, today=TODAY)
    assert p.text("zh_CN") == "本事项仅限女性申请" and "female" in p.text("en")


def test_fields_and_eligibility_round_trip_through_catalog_json() -> None:
    data = sample_catalog_dict()
    assert Catalog.from_dict(data).to_dict() == data


def test_catalog_refuses_a_key_with_two_kinds_and_a_malformed_field() -> None:
    data = sample_catalog_dict()
    item = next(i for i in data["items"] if i["name"] == "高龄津贴申领")
    item["fields"] = [
        {"key": "newborn_name", "label": "姓名", "kind": "date"},
        {"key": "Bad Key", "label": "x", "kind": "choice", "choices": ["a"]},
    ]
    kinds = {p.kind for p in Catalog.from_dict(data).problems()}
    assert {"field_kind_conflict", "field_key", "field_choices"} <= kinds
    item["fields"] = [{"key": "k", "label": "x", "kind": "colour"}]
    with pytest.raises(CatalogFormatError) as err:
        Catalog.from_dict(data)
    assert "表单字段" in str(err.value)
