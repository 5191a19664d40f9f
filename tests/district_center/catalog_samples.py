"""Catalogs for the catalog tests: the project's sample catalog when present, and a small rich one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from casework.catalog import Catalog

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CATALOG = REPO / "casework" / "data" / "sample-catalog.json"
XIAN_CSV = REPO / "casework" / "data" / "xian-city-hall-items-2020.csv"
CREDIT = "11610100MB2971046X"  # shape-valid 统一社会信用代码 used by the test items


def code(n: int) -> str:
    return f"1161010000{n:023d}"


def material(mcode: str, name: str, **kw: Any) -> dict[str, Any]:
    return {"code": mcode, "name": name, **kw}


def item(n: int, name: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": code(n),
        "basic_code": f"00{n:010d}",
        "name": name,
        "item_type": "01",
        "department": "区民政局",
        "department_credit_code": CREDIT,
        "level": 4,
        "jurisdiction": "新城区",
        "promised_limit": {"amount": 5, "unit": "工作日"},
    }
    base.update(kw)
    return base


def rich_catalog_dict(version: int = 1) -> dict[str, Any]:
    return {
        "version": version,
        "district_code": "610102",
        "district_name": "新城区",
        "issued_at": "2026-03-01T08:00:00Z",
        "item_types": {"01": "行政许可", "07": "行政确认", "20": "公共服务"},
        "jurisdictions": [
            {
                "area": "新城区",
                "area_code": "610102",
                "phone": "029-87443256",
                "window": "新城区政务服务中心3层305“跨地区通办”窗口",
                "seq": 2,
            },
            {
                "area": "碑林区",
                "area_code": "610103",
                "phone": "029-89625746",
                "window": "碑林区政务服务中心2层E13窗口",
                "seq": 3,
            },
        ],
        "items": [
            item(
                1,
                "出生医学证明办理",
                item_type="07",
                legal_limit={"amount": 20, "unit": "工作日"},
                basis=["《中华人民共和国母婴保健法》第二十三条", "《出生医学证明管理办法》"],
                conditions=["新生儿在本市医疗机构出生"],
                life_events=["出生"],
                station_acceptable=True,
                process=[
                    {"name": "申请", "description": "监护人提出申请"},
                    {"name": "受理", "description": ""},
                ],
                materials=[
                    material("M001", "居民身份证", copies=1),
                    material(
                        "M002",
                        "出生医学证明申请表",
                        material_type="申请表格文书",
                        necessity="容缺后补",
                        blank_form="sqb.docx",
                    ),
                ],
                tongban="全市通办",
                sample=True,
                note="样例数据",
            ),
            item(
                2,
                "新生儿户口登记",
                department="区公安分局",
                jurisdiction="碑林区",
                materials=[
                    material("M001", "居民身份证", originals=2),
                    material("M003", "结婚证", commitment_allowed=True, commitment_text="本人承诺已婚"),
                ],
                commitment_offered=True,
                charged=True,
                fee_basis="不收费=0",
                visits=0,
                service_objects=["自然人", "法人"],
                effective_from="2025-01-01",
            ),
            item(
                3,
                "城乡居民医疗保险参保登记",
                item_type="20",
                case_kind="即办件",
                promised_limit={"amount": 0, "unit": "工作日"},
                life_events=["出生", "社会保障"],
            ),
            item(
                4,
                "价格争议调解",
                item_type="20",
                status="cancelled",
                effective_to="2026-02-01",
                promised_limit={"amount": 10, "unit": "自然日"},
            ),
        ],
        "bundles": [
            {
                "code": "B-CSYJS",
                "name": "出生一件事",
                "item_codes": [code(1), code(2), code(3)],
                "life_events": ["出生"],
                "description": "一次受理、一次办结",
                "promised_limit": {"amount": 7, "unit": "工作日"},
                "sample": True,
            },
        ],
    }


def rich_catalog(version: int = 1) -> Catalog:
    c = Catalog.from_dict(rich_catalog_dict(version))
    c.validate()
    return c


def sample_catalog() -> Catalog | None:
    if not SAMPLE_CATALOG.exists():
        return None
    return Catalog.from_dict(json.loads(SAMPLE_CATALOG.read_text("utf-8")))
