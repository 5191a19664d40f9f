"""casework.catalog: the 实施清单 model, validation (a test per rule), round trip, bundle materials, diff."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import casework.catalog as catalog_module
from casework.catalog import (
    Bundle,
    CaseKind,
    Catalog,
    CatalogFormatError,
    CatalogValidationError,
    Item,
    ItemStatus,
    Jurisdiction,
    Level,
    LifeEvent,
    Material,
    MaterialForm,
    Necessity,
    TimeLimit,
    TimeUnit,
    TongbanScope,
    diff,
    item_type_code,
)

CREDIT = "11610114123456789A"  # shape only; check digits are not catalog rules


def code(n: int) -> str:
    return f"{CREDIT}{n:012d}000"


ID_CARD = Material(code="M-SFZ", name="居民身份证", copies=1)
HOUSEHOLD = Material(code="M-HKB", name="居民户口簿", necessity=Necessity.DEFERRABLE)


def make_item(n: int = 1, **kw: Any) -> Item:
    fields: dict[str, Any] = {
        "code": code(n),
        "basic_code": f"{n:012d}",
        "name": f"测试事项{n}",
        "item_type": "20",
        "department": "西安市阎良区民政局",
        "department_credit_code": CREDIT,
        "level": Level.COUNTY,
        "jurisdiction": "阎良区",
        "promised_limit": TimeLimit(5),
        "legal_limit": TimeLimit(20),
        "materials": (ID_CARD,),
        "life_events": (LifeEvent.SOCIAL_INSURANCE,),
    }
    fields.update(kw)
    return Item(**fields)


def make_catalog(items: tuple[Item, ...] = (), bundles: tuple[Bundle, ...] = (), **kw: Any) -> Catalog:
    fields: dict[str, Any] = {
        "version": 3,
        "district_code": "610114",
        "district_name": "阎良区",
        "issued_at": datetime(2023, 7, 1, 8, 30, tzinfo=UTC),
        "items": items or (make_item(1), make_item(2)),
        "bundles": bundles,
        "jurisdictions": (
            Jurisdiction(area="阎良区", area_code="610114", phone="029-86868920", window="D16", seq=8),
            Jurisdiction(area="西安市", area_code="610100", seq=1),
        ),
    }
    fields.update(kw)
    return Catalog(**fields)


def problem_kinds(c: Catalog) -> set[str]:
    with pytest.raises(CatalogValidationError) as info:
        c.validate()
    return info.value.kinds()


def test_valid_catalog_passes_and_lookups_work() -> None:
    cancelled = make_item(3, status=ItemStatus.CANCELLED, effective_to=date(2023, 1, 1))
    c = make_catalog(
        (make_item(1), make_item(2), cancelled),
        (Bundle(code="B1", name="一件事", item_codes=(code(1), code(2))),),
    )
    c.validate()
    assert c.item(code(2)).name == "测试事项2"
    assert c.bundle("B1").item_codes == (code(1), code(2))
    assert [it.code for it in c.active_items()] == [code(1), code(2)]
    assert not c.item(code(3)).accepts_new_cases
    assert c.jurisdiction("阎良区").phone == "029-86868920"
    with pytest.raises(KeyError) as missing:
        c.item(code(99))
    assert missing.value.code == "catalog.no_item" and missing.value.params == {"code": code(99)}  # type: ignore[attr-defined]
    with pytest.raises(KeyError) as missing:
        c.bundle("nope")
    assert missing.value.code == "catalog.no_bundle"  # type: ignore[attr-defined]


def test_in_force_honours_status_and_effective_dates() -> None:
    it = make_item(1, effective_from=date(2023, 1, 1), effective_to=date(2024, 1, 1))
    assert not it.in_force(date(2022, 12, 31))
    assert it.in_force(date(2023, 1, 1)) and it.in_force(date(2023, 12, 31))
    assert not it.in_force(date(2024, 1, 1))
    # a cancellation published ahead: cases are taken up to the day before it takes effect
    gone = make_item(2, status=ItemStatus.CANCELLED, effective_to=date(2030, 1, 1))
    assert gone.in_force(date(2023, 6, 1)) and gone.in_force(date(2029, 12, 31))
    assert not gone.in_force(date(2030, 1, 1))
    undated = dataclasses.replace(gone, effective_to=None)
    assert not undated.in_force(date(2023, 6, 1))


def test_item_type_names_map_to_codes() -> None:
    assert item_type_code("行政许可") == "01"
    assert item_type_code("许可") == "01"
    assert item_type_code("行政确认") == "07"
    assert item_type_code("公共服务") == "20"
    assert item_type_code("其他行政权力") == "10"
    assert item_type_code("行政给付") == "05"
    with pytest.raises(KeyError) as unknown:
        item_type_code("行政检查")
    assert unknown.value.code == "catalog.unknown_item_type"  # type: ignore[attr-defined]
    assert unknown.value.params == {"name": "行政检查"}  # type: ignore[attr-defined]


def test_a_province_can_carry_its_own_type_table() -> None:
    c = make_catalog((make_item(1, item_type="99"),), item_types={"99": "地方特色事项"})
    c.validate()
    assert c.item_type_name("99") == "地方特色事项"


# ------------------------------------------------------------------------ validation: one test per rule


def test_unknown_type_code() -> None:
    c = make_catalog((make_item(1, item_type="02"),))
    assert problem_kinds(c) == {"unknown_item_type"}


def test_duplicate_item_code() -> None:
    c = make_catalog((make_item(1), make_item(1, name="另一个事项")))
    assert problem_kinds(c) == {"duplicate_item_code"}


@pytest.mark.parametrize("bad", [code(1)[:-1], code(1) + "0", code(1).lower(), code(1)[:-1] + "-"])
def test_malformed_implementation_code(bad: str) -> None:
    assert problem_kinds(make_catalog((make_item(1, code=bad),))) == {"malformed_code"}


def test_malformed_basic_code() -> None:
    assert problem_kinds(make_catalog((make_item(1, basic_code="12345"),))) == {"malformed_basic_code"}


def test_malformed_credit_code() -> None:
    bad = make_item(1, department_credit_code="11610114I2345678OA")  # I and O are not in GB 32100
    assert problem_kinds(make_catalog((bad,))) == {"malformed_credit_code"}


def test_bundle_pointing_to_missing_item() -> None:
    c = make_catalog(bundles=(Bundle(code="B1", name="一件事", item_codes=(code(1), code(9))),))
    with pytest.raises(CatalogValidationError) as info:
        c.validate()
    assert info.value.kinds() == {"bundle_missing_item"}
    assert code(9) in str(info.value)


def test_bundle_pointing_to_cancelled_item() -> None:
    items = (make_item(1), make_item(2, status=ItemStatus.CANCELLED, effective_to=date(2023, 1, 1)))
    c = make_catalog(items, (Bundle(code="B1", name="一件事", item_codes=(code(1), code(2))),))
    assert problem_kinds(c) == {"bundle_cancelled_item"}
    # A cancelled bundle may keep pointing at cancelled items (history).
    dead = Bundle(code="B1", name="一件事", item_codes=(code(1), code(2)), status=ItemStatus.CANCELLED)
    make_catalog(items, (dead,)).validate()


def test_bundle_needs_two_distinct_items() -> None:
    c = make_catalog(bundles=(Bundle(code="B1", name="一件事", item_codes=(code(1), code(1))),))
    assert problem_kinds(c) == {"bundle_too_small", "bundle_duplicate_item"}


def test_bundle_needs_code_and_name() -> None:
    b = Bundle(code="", name=" ", item_codes=(code(1), code(2)))
    assert problem_kinds(make_catalog(bundles=(b,))) == {"bundle_unnamed"}


def test_duplicate_bundle_code() -> None:
    b = Bundle(code="B1", name="一件事", item_codes=(code(1), code(2)))
    assert problem_kinds(make_catalog(bundles=(b, b))) == {"duplicate_bundle_code"}


@pytest.mark.parametrize(
    ("promised", "legal", "bad"),
    [
        (TimeLimit(21), TimeLimit(20), True),
        (TimeLimit(20), TimeLimit(20), False),
        (TimeLimit(16), TimeLimit(15, TimeUnit.NATURAL_DAY), True),  # 16 工作日 > 15 自然日 always
        (TimeLimit(10), TimeLimit(15, TimeUnit.NATURAL_DAY), False),  # cannot tell without a calendar
        (TimeLimit(20, TimeUnit.NATURAL_DAY), TimeLimit(15), False),  # 20 自然日 may fit in 15 工作日
    ],
)
def test_promised_limit_longer_than_legal(promised: TimeLimit, legal: TimeLimit, bad: bool) -> None:
    c = make_catalog((make_item(1, promised_limit=promised, legal_limit=legal),))
    if bad:
        assert problem_kinds(c) == {"promised_exceeds_legal"}
    else:
        c.validate()


def test_negative_material_counts() -> None:
    bad = Material(code="M-X", name="某证明", originals=-1, copies=2)
    assert problem_kinds(make_catalog((make_item(1, materials=(bad,)),))) == {"negative_count"}
    bad = Material(code="M-X", name="某证明", copies=-1)
    assert problem_kinds(make_catalog((make_item(1, materials=(bad,)),))) == {"negative_count"}


def test_negative_visits() -> None:
    assert problem_kinds(make_catalog((make_item(1, visits=-1),))) == {"negative_visits"}


def test_duplicate_material_in_one_item() -> None:
    twice = make_item(1, materials=(ID_CARD, ID_CARD))
    assert problem_kinds(make_catalog((twice,))) == {"duplicate_material"}


def test_one_material_code_two_names() -> None:
    other = Material(code="M-SFZ", name="户口簿")
    c = make_catalog((make_item(1), make_item(2, materials=(other,))))
    assert problem_kinds(c) == {"material_name_conflict"}


def test_commitment_needs_text_and_an_item_offering_it() -> None:
    m = Material(code="M-CS", name="经营场所使用证明", commitment_allowed=True)
    c = make_catalog((make_item(1, materials=(m,), commitment_offered=True),))
    assert problem_kinds(c) == {"commitment_text_missing"}
    m = dataclasses.replace(m, commitment_text="本人承诺……")
    assert problem_kinds(make_catalog((make_item(1, materials=(m,)),))) == {"commitment_not_offered"}


def test_on_the_spot_only_on_a_station_immediate_item_and_chosen_jurisdictions_are_known() -> None:
    from casework.catalog import CaseKind, SpotResult

    spot = {"on_the_spot": SpotResult.CERTIFICATE, "station_acceptable": True}
    ok = make_item(1, case_kind=CaseKind.IMMEDIATE, promised_limit=TimeLimit(0), legal_limit=None, **spot)
    make_catalog((ok, make_item(2))).validate()
    promised = make_item(1, case_kind=CaseKind.PROMISED, **spot)
    assert problem_kinds(make_catalog((promised, make_item(2)))) == {"on_the_spot_not_immediate"}
    elsewhere = make_item(1, jurisdictions=("阎良区", "火星区"))
    assert problem_kinds(make_catalog((elsewhere, make_item(2)))) == {"unknown_jurisdiction"}
    assert elsewhere.jurisdiction_choices == ("阎良区", "火星区")


def test_unknown_jurisdiction() -> None:
    assert problem_kinds(make_catalog((make_item(1, jurisdiction="火星区"),))) == {"unknown_jurisdiction"}


def test_cancelled_item_needs_a_date_and_dates_in_order() -> None:
    undated = make_item(1, status=ItemStatus.CANCELLED)
    assert problem_kinds(make_catalog((undated,))) == {"cancelled_without_date"}
    reversed_dates = make_item(1, effective_from=date(2023, 5, 1), effective_to=date(2023, 1, 1))
    assert problem_kinds(make_catalog((reversed_dates,))) == {"effective_dates_reversed"}


def test_case_kind_agrees_with_the_promised_limit() -> None:
    immediate = make_item(1, case_kind=CaseKind.IMMEDIATE, promised_limit=TimeLimit(3))
    assert problem_kinds(make_catalog((immediate,))) == {"immediate_with_limit"}
    promised = make_item(1, case_kind=CaseKind.PROMISED, promised_limit=TimeLimit(0))
    assert problem_kinds(make_catalog((promised,))) == {"promised_without_limit"}


def test_charged_item_needs_a_fee_basis() -> None:
    assert problem_kinds(make_catalog((make_item(1, charged=True),))) == {"fee_basis_missing"}


def test_empty_name_department_and_service_objects() -> None:
    c = make_catalog((make_item(1, name=" ", department="", service_objects=()),))
    assert problem_kinds(c) == {"empty_name", "missing_department", "no_service_object"}


def test_catalog_header_rules() -> None:
    assert problem_kinds(make_catalog(version=0)) == {"bad_version"}
    assert problem_kinds(make_catalog(district_code="")) == {"missing_district"}
    j = Jurisdiction(area="阎良区")
    assert problem_kinds(make_catalog(jurisdictions=(j, j))) == {"duplicate_jurisdiction"}


def test_every_problem_is_reported_at_once_with_chinese_messages() -> None:
    c = make_catalog(
        (make_item(1, item_type="02"), make_item(1), make_item(2, visits=-2, code="SHORT")),
        (Bundle(code="B1", name="出生一件事", item_codes=(code(1), code(8))),),
    )
    with pytest.raises(CatalogValidationError) as info:
        c.validate()
    assert info.value.kinds() == {
        "unknown_item_type",
        "duplicate_item_code",
        "negative_visits",
        "malformed_code",
        "bundle_missing_item",
    }
    text = str(info.value)
    assert "事项类型代码“02”不在代码表中" in text and "出生一件事" in text
    assert len(text.splitlines()) == len(info.value.problems)


# ------------------------------------------------------------------------ serialisation


def full_catalog() -> Catalog:
    m = Material(
        code="M-CS",
        name="经营场所使用证明",
        form=MaterialForm.BOTH,
        originals=0,
        copies=2,
        necessity=Necessity.OPTIONAL,
        commitment_allowed=True,
        commitment_text="本人承诺……",
        blank_form="a.pdf",
        sample_form="b.pdf",
        acceptance_standard="盖章",
        shared_data=True,
        note="备注",
    )
    rich = make_item(
        1,
        materials=(ID_CARD, m),
        commitment_offered=True,
        tongban=TongbanScope.CITYWIDE,
        charged=True,
        fee_basis="发改价格〔2003〕2322号",
        legal_limit=None,
        effective_from=date(2021, 1, 1),
        life_events=(LifeEvent.BIRTH, LifeEvent.COMPANY_ESTABLISHMENT),
        basis=("某法第1条",),
        conditions=("条件一", "条件二"),
        process=(catalog_module.ProcessStep(name="受理", description="当场"),),
    )
    cancelled = make_item(
        2,
        status=ItemStatus.CANCELLED,
        effective_to=date(2023, 1, 1),
        level=Level.COMMUNITY,
        promised_limit=TimeLimit(0),
        case_kind=CaseKind.IMMEDIATE,
    )
    bundle = Bundle(
        code="B1",
        name="一件事",
        item_codes=(code(1), code(3)),
        life_events=(LifeEvent.BIRTH,),
        promised_limit=TimeLimit(3),
        sample=True,
    )
    return make_catalog((rich, cancelled, make_item(3)), (bundle,))


def test_round_trip_is_exact_through_json() -> None:
    c = full_catalog()
    c.validate()
    d = c.to_dict()
    text = json.dumps(d, ensure_ascii=False, sort_keys=True)
    back = Catalog.from_dict(json.loads(text))
    assert back == c
    assert back.to_dict() == d
    assert d["issued_at"] == "2023-07-01T08:30:00Z"
    assert d["items"][0]["legal_limit"] is None
    assert d["items"][0]["promised_limit"] == {"amount": 5, "unit": "工作日"}
    assert d["items"][0]["tongban"] == "全市通办"


def test_from_dict_fills_defaults_for_optional_keys() -> None:
    minimal = {
        "version": 1,
        "district_code": "610114",
        "district_name": "阎良区",
        "issued_at": "2023-07-01T00:00:00Z",
        "items": [
            {
                "code": code(1),
                "basic_code": "0" * 12,
                "name": "事项",
                "item_type": "20",
                "department": "局",
                "department_credit_code": CREDIT,
                "level": 4,
                "jurisdiction": "阎良区",
                "promised_limit": {"amount": 1, "unit": "工作日"},
            }
        ],
    }
    c = Catalog.from_dict(minimal)
    it = c.items[0]
    assert it.case_kind is CaseKind.PROMISED and it.status is ItemStatus.ACTIVE and it.materials == ()
    assert c.item_types == dict(catalog_module.DEFAULT_ITEM_TYPES)
    assert Catalog.from_dict(c.to_dict()) == c


def test_from_dict_reports_every_format_problem() -> None:
    d = full_catalog().to_dict()
    d["issued_at"] = "2023-07-01 08:30"  # no Z
    d["items"][0]["case_kind"] = "快办件"
    d["items"][0]["materials"][0]["necessity"] = "可选"
    d["items"][1]["level"] = 9
    del d["items"][2]["name"]
    d["bundles"][0]["item_codes"] = "B"
    with pytest.raises(CatalogFormatError) as info:
        Catalog.from_dict(d)
    text = str(info.value)
    assert len(info.value.problems) == 6
    for needle in ("issued_at", "快办件", "可选", "行使层级", "name", "item_codes"):
        assert needle in text


@pytest.mark.parametrize("bad", [20230101, "2023-13-01", "20230101", "2023-01-01T00:00:00Z"])
def test_from_dict_rejects_bad_dates(bad: object) -> None:
    d = full_catalog().to_dict()
    d["items"][0]["effective_from"] = bad
    with pytest.raises(CatalogFormatError, match="effective_from"):
        Catalog.from_dict(d)


def test_from_dict_rejects_bad_time_limits() -> None:
    d = full_catalog().to_dict()
    d["items"][0]["promised_limit"] = {"amount": -1, "unit": "工作日"}
    d["items"][2]["legal_limit"] = {"amount": 3, "unit": "小时"}
    with pytest.raises(CatalogFormatError) as info:
        Catalog.from_dict(d)
    assert len(info.value.problems) == 2


# ------------------------------------------------------------------------ bundle materials


def test_bundle_asks_a_shared_material_once_and_keeps_the_strictest_terms() -> None:
    photo = Material(code="M-ZP", name="照片", necessity=Necessity.OPTIONAL, originals=1)
    strict_photo = Material(code="M-ZP", name="照片", necessity=Necessity.DEFERRABLE, originals=2)
    pledge = Material(code="M-CN", name="收入说明", commitment_allowed=True, commitment_text="承诺", copies=1)
    pledge_no = Material(code="M-CN", name="收入说明", copies=3)
    a = make_item(1, materials=(ID_CARD, photo, pledge), commitment_offered=True)
    b = make_item(2, materials=(HOUSEHOLD, strict_photo, dataclasses.replace(ID_CARD, copies=2), pledge_no))
    c3 = make_item(3, materials=(ID_CARD,))
    c = make_catalog((a, b, c3), (Bundle(code="B", name="一件事", item_codes=(code(1), code(2), code(3))),))
    c.validate()
    merged = c.materials_for("B")
    assert [m.material.code for m in merged] == ["M-SFZ", "M-ZP", "M-CN", "M-HKB"]
    by_code = {m.material.code: m for m in merged}
    assert by_code["M-SFZ"].item_codes == (code(1), code(2), code(3))
    assert by_code["M-SFZ"].material.copies == 2
    assert by_code["M-ZP"].material.necessity is Necessity.DEFERRABLE
    assert by_code["M-ZP"].material.originals == 2
    assert by_code["M-CN"].material.commitment_allowed is False  # one item does not accept a commitment
    assert by_code["M-CN"].material.copies == 3
    assert by_code["M-HKB"].item_codes == (code(2),)
    with pytest.raises(KeyError):
        c.materials_for("missing")


# ------------------------------------------------------------------------ diff


def test_diff_reports_new_changed_cancelled_and_removed() -> None:
    old = make_catalog(
        (make_item(1), make_item(2), make_item(3), make_item(4)),
        (
            Bundle(code="B1", name="一件事", item_codes=(code(1), code(2))),
            Bundle(code="B2", name="二件事", item_codes=(code(1), code(3))),
        ),
    )
    new = make_catalog(
        (
            make_item(1, name="改名后的事项", promised_limit=TimeLimit(3)),
            make_item(2, status=ItemStatus.CANCELLED, effective_to=date(2023, 7, 1)),
            make_item(3),
            make_item(5),
        ),
        (
            Bundle(code="B1", name="一件事", item_codes=(code(1), code(3))),
            Bundle(code="B2", name="二件事", item_codes=(code(1), code(3)), status=ItemStatus.CANCELLED),
            Bundle(code="B3", name="三件事", item_codes=(code(3), code(5))),
        ),
        version=4,
    )
    d = diff(old, new)
    assert (d.old_version, d.new_version) == (3, 4)
    assert d.added_items == (code(5),)
    assert [(ch.code, ch.fields) for ch in d.changed_items] == [(code(1), ("name", "promised_limit"))]
    assert d.cancelled_items == (code(2), code(4))
    assert d.removed_items == (code(4),)
    assert d.added_bundles == ("B3",)
    assert [(ch.code, ch.fields) for ch in d.changed_bundles] == [("B1", ("item_codes",))]
    assert d.cancelled_bundles == ("B2",)
    assert not d.is_empty
    assert "新增事项1项" in d.summary() and "取消2项" in d.summary()


def test_diff_of_identical_catalogs_is_empty_and_reinstatement_is_a_change() -> None:
    c = full_catalog()
    assert diff(c, c).is_empty
    reinstated = dataclasses.replace(c.items[1], status=ItemStatus.ACTIVE, effective_to=None)
    newer = dataclasses.replace(c, items=(c.items[0], reinstated, c.items[2]), version=4)
    d = diff(c, newer)
    assert d.cancelled_items == ()
    assert [(ch.code, set(ch.fields)) for ch in d.changed_items] == [(code(2), {"status", "effective_to"})]


def test_public_api_is_pinned() -> None:
    for name in catalog_module.__all__:
        assert hasattr(catalog_module, name), name
    core = {"Catalog", "Item", "Material", "Bundle", "CatalogValidationError", "diff"}
    assert core <= set(catalog_module.__all__)


# ------------------------------------------------------------------------ property: any catalog round-trips

_text = st.text(alphabet=st.sampled_from("高龄津贴申领民政局证明 ABC123()、《》"), max_size=12)
_limits = st.builds(TimeLimit, st.integers(0, 60), st.sampled_from(list(TimeUnit)))
_dates = st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1))
_materials = st.builds(
    Material,
    code=st.sampled_from(["M-1", "M-2", "M-3"]),
    name=_text,
    material_type=st.sampled_from(list(catalog_module.MaterialType)),
    source=st.sampled_from(list(catalog_module.MaterialSource)),
    form=st.sampled_from(list(MaterialForm)),
    originals=st.integers(-1, 3),
    copies=st.integers(-1, 3),
    necessity=st.sampled_from(list(Necessity)),
    commitment_allowed=st.booleans(),
    commitment_text=_text,
    blank_form=_text,
    sample_form=_text,
    acceptance_standard=_text,
    shared_data=st.booleans(),
    note=_text,
)


@st.composite
def _items(draw: st.DrawFn, n: int) -> Item:
    return make_item(
        n,
        name=draw(_text),
        item_type=draw(st.sampled_from(["01", "05", "20", "99"])),
        level=draw(st.sampled_from(list(Level))),
        legal_limit=draw(st.none() | _limits),
        promised_limit=draw(_limits),
        case_kind=draw(st.sampled_from(list(CaseKind))),
        basis=tuple(draw(st.lists(_text, max_size=2))),
        conditions=tuple(draw(st.lists(_text, max_size=2))),
        materials=tuple(draw(st.lists(_materials, max_size=3))),
        visits=draw(st.integers(-1, 3)),
        charged=draw(st.booleans()),
        fee_basis=draw(_text),
        tongban=draw(st.none() | st.sampled_from(list(TongbanScope))),
        service_objects=tuple(
            draw(st.lists(st.sampled_from(list(catalog_module.ServiceObject)), max_size=2))
        ),
        life_events=tuple(draw(st.lists(st.sampled_from(list(LifeEvent)), max_size=3))),
        keywords=tuple(draw(st.lists(_text, max_size=3))),
        station_acceptable=draw(st.booleans()),
        commitment_offered=draw(st.booleans()),
        status=draw(st.sampled_from(list(ItemStatus))),
        effective_from=draw(_dates),
        effective_to=draw(_dates),
        sample=draw(st.booleans()),
        note=draw(_text),
    )


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_catalog_round_trips_exactly(data: st.DataObject) -> None:
    items = tuple(data.draw(_items(n)) for n in range(data.draw(st.integers(1, 3))))
    c = make_catalog(
        items,
        (
            Bundle(
                code="B", name="b", item_codes=(code(0), code(7)), keywords=tuple(data.draw(st.lists(_text)))
            ),
        ),
        issued_at=data.draw(st.datetimes(timezones=st.just(UTC))).replace(microsecond=0),
        synonyms=data.draw(st.dictionaries(_text, st.lists(_text, max_size=2).map(tuple), max_size=3)),
    )
    d = json.loads(json.dumps(c.to_dict(), ensure_ascii=False))
    back = Catalog.from_dict(d)
    assert back == c and back.to_dict() == d
    assert back.problems() == c.problems()


# ------------------------------------------------------------------------ keywords (俗称) and synonyms


def test_keywords_and_synonyms_round_trip_and_default() -> None:
    item = make_item(1, keywords=("低保", "吃低保"))
    bundle = Bundle(code="B", name="救助一件事", item_codes=(code(1), code(2)), keywords=("家庭困难",))
    c = make_catalog((item, make_item(2)), (bundle,), synonyms={"孩子": ("小孩", "宝宝")})
    d = c.to_dict()
    assert d["items"][0]["keywords"] == ["低保", "吃低保"] and d["bundles"][0]["keywords"] == ["家庭困难"]
    assert d["synonyms"] == {"孩子": ["小孩", "宝宝"]}
    assert Catalog.from_dict(d) == c
    # a catalog written before keywords and synonyms existed: no keywords, the default synonym table
    for key in ("synonyms",):
        del d[key]
    for entry in (*d["items"], *d["bundles"]):
        del entry["keywords"]
    old = Catalog.from_dict(d)
    assert old.items[0].keywords == () and dict(old.synonyms) == dict(catalog_module.DEFAULT_SYNONYMS)


def test_keyword_rules() -> None:
    long = "长" * (catalog_module.MAX_KEYWORD_LENGTH + 1)
    bad = make_item(1, keywords=("低保", " ", "低保", "a；b", long))
    kinds = problem_kinds(make_catalog((bad, make_item(2))))
    assert {"keyword_blank", "duplicate_keyword", "keyword_separator", "keyword_too_long"} <= kinds
    many = make_item(1, keywords=tuple(f"词{i}" for i in range(catalog_module.MAX_KEYWORDS + 1)))
    assert "too_many_keywords" in problem_kinds(make_catalog((many, make_item(2))))
    bundle = Bundle(code="B", name="b", item_codes=(code(1), code(2)), keywords=("",))
    assert "keyword_blank" in problem_kinds(make_catalog(bundles=(bundle,)))


def test_synonym_rules_and_messages_in_both_languages() -> None:
    c = make_catalog(synonyms={"孩子": ("",), "ＡＢ": ("x",)})
    with pytest.raises(CatalogValidationError) as info:
        c.validate()
    assert info.value.kinds() == {"synonym_blank", "synonym_unfolded"}
    from casework.messages import catalog as messages

    for kind in ("synonym_blank", "synonym_unfolded", "keyword_blank", "too_many_synonyms"):
        assert f"catalog.{kind}" in messages("zh_CN") and f"catalog.{kind}" in messages("en")


def test_diff_reports_keyword_and_synonym_changes() -> None:
    old = make_catalog()
    new = make_catalog(
        (make_item(1, keywords=("低保",)), make_item(2)), synonyms={"孩子": ("小孩",)}, version=4
    )
    d = diff(old, new)
    assert [(c.code, c.fields) for c in d.changed_items] == [(code(1), ("keywords",))]
    assert d.synonyms_changed and not d.is_empty and "同义词表已更新" in d.summary()
    same = diff(old, make_catalog(version=4))
    assert same.is_empty and not same.synonyms_changed
