"""The committed sample catalog: real city items, complete community items, bundles, 通办 windows."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from casework.catalog import (
    Catalog,
    ItemStatus,
    Level,
    Necessity,
    TongbanScope,
    item_type_code,
)
from casework.identity import is_valid_uscc

ROOT = Path(__file__).resolve().parents[2]
CATALOG_PATH = ROOT / "casework" / "data" / "sample-catalog.json"


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    c = Catalog.from_dict(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))
    c.validate()
    return c


def csv_rows(name: str) -> Iterator[dict[str, str]]:
    with (ROOT / "casework" / "data" / name).open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def test_sample_catalog_loads_validates_and_round_trips(catalog: Catalog) -> None:
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    assert catalog.to_dict() == raw
    assert (catalog.district_code, catalog.district_name) == ("610114", "阎良区")


def test_committed_file_matches_the_build_script() -> None:
    build = load_script("build_sample_catalog")
    assert build.render(build.build()) == CATALOG_PATH.read_text(encoding="utf-8")


def test_all_72_city_items_keep_their_real_name_department_and_type(catalog: Catalog) -> None:
    city = [it for it in catalog.items if it.jurisdiction == "西安市"]
    rows = list(csv_rows("xian-city-hall-items-2020.csv"))
    assert len(rows) == len(city) == 72
    for row, it in zip(rows, city, strict=True):
        assert it.name == row["name"].strip()
        assert it.department == row["department"].strip()
        assert it.item_type == item_type_code(row["item_type"])
        assert catalog.item_types[it.item_type] == row["item_type"].strip()
        assert it.level is Level.CITY and it.sample
        assert it.tongban is TongbanScope.CITYWIDE


def test_codes_have_working_system_shapes(catalog: Catalog) -> None:
    for it in catalog.items:
        assert len(it.code) == 33 and len(it.basic_code) == 12
        assert it.code == it.department_credit_code + it.basic_code + "000"
        assert is_valid_uscc(it.department_credit_code), it.department


HIGH_FREQUENCY = [
    "城乡居民养老保险参保登记",
    "最低生活保障申请",
    "高龄津贴申领",
    "残疾人证办理",
    "居住证申领",
    "就业失业登记",
    "老年人优待证办理",
    "生育登记",
    "城乡居民医疗保险参保登记",
    "临时救助申请",
    "特困人员救助供养",
    "新生儿户口登记(出生登记)",
    "出生医学证明",
    "预防接种证办理",
    "独生子女父母光荣证办理",
    "婚姻登记预约",
]


def test_community_items_are_complete_samples(catalog: Catalog) -> None:
    community = [it for it in catalog.active_items() if it.jurisdiction == "阎良区"]
    assert len(community) >= 25
    names = {it.name for it in community}
    assert set(HIGH_FREQUENCY) <= names
    for it in community:
        assert it.sample, it.name
        assert it.conditions and it.process and it.materials and it.basis, it.name
        assert it.place and it.hours and it.consult_phone and it.supervise_phone, it.name
        assert it.life_events and it.result_name and it.service_objects, it.name
        assert it.promised_limit.unit.value == "工作日", it.name
        assert it.level >= Level.COUNTY
    assert sum(it.station_acceptable for it in community) >= 25
    assert any(it.charged and it.fee_basis for it in community)
    materials = [m for it in community for m in it.materials]
    assert any(m.necessity is Necessity.DEFERRABLE for m in materials)
    assert any(m.necessity is Necessity.OPTIONAL for m in materials)
    pledges = [m for m in materials if m.commitment_allowed]
    assert len({m.code for m in pledges}) >= 3
    assert all("承诺" in m.commitment_text for m in pledges)


def test_birth_bundle_is_exactly_seed_002(catalog: Catalog) -> None:
    birth = next(b for b in catalog.bundles if b.name == "出生一件事")
    assert [catalog.item(c).name for c in birth.item_codes] == [
        "出生医学证明",
        "新生儿户口登记(出生登记)",
        "城乡居民医疗保险参保登记",
        "预防接种证办理",
    ]
    merged = {m.material.name: m for m in catalog.materials_for(birth.code)}
    assert len(merged["居民身份证"].item_codes) == 4
    assert len(merged["出生医学证明"].item_codes) == 3  # asked once, though three items need it
    names = [m.material.name for m in catalog.materials_for(birth.code)]
    assert len(names) == len(set(names))


def test_every_bundle_resolves_to_active_items(catalog: Catalog) -> None:
    assert len(catalog.bundles) >= 3
    assert {"出生一件事", "退休一件事", "开小超市一件事", "身后一件事"} <= {b.name for b in catalog.bundles}
    for b in catalog.bundles:
        items = catalog.bundle_items(b.code)
        assert len(items) >= 2 and all(it.accepts_new_cases for it in items)
        assert b.life_events and b.description
        assert catalog.materials_for(b.code)
    shop = next(b for b in catalog.bundles if b.name == "开小超市一件事")
    assert shop.promised_limit is not None and shop.promised_limit.amount == 7  # seed 002: 19 → 7 工作日


def test_cancelled_items_exist_and_accept_nothing(catalog: Catalog) -> None:
    cancelled = [it for it in catalog.items if it.status is ItemStatus.CANCELLED]
    assert len(cancelled) >= 2
    for it in cancelled:
        assert not it.accepts_new_cases and it.effective_to is not None
        assert it not in catalog.active_items()


def test_jurisdictions_are_the_22_tongban_windows(catalog: Catalog) -> None:
    rows = list(csv_rows("xian-tongban-windows-2023.csv"))
    assert [(j.area, j.phone, j.window) for j in catalog.jurisdictions] == [
        (r["area"], r["phone"], r["window"]) for r in rows
    ]
    assert catalog.jurisdiction("阎良区").area_code == "610114"
    assert catalog.jurisdiction("航空基地").area_code == ""  # 开发区 have no GB/T 2260 code
    citywide = [it for it in catalog.active_items() if it.tongban is TongbanScope.CITYWIDE]
    assert sum(it.jurisdiction == "阎良区" for it in citywide) >= 5
    for it in catalog.items:
        assert catalog.jurisdiction(it.jurisdiction).window


def test_synthetic_benchmark_catalog_is_valid() -> None:
    build = load_script("build_sample_catalog")
    c = Catalog.from_dict(build.synthetic_catalog(2_000))
    c.validate()
    assert len(c.items) == 2_000 and len(c.bundles) == 40
    assert any(not it.accepts_new_cases for it in c.items)
