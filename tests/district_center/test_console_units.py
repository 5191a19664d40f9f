"""Console pieces without a browser: the supervision xlsx export, the 补正 material choices, imports."""

from __future__ import annotations

import ast
import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from district_center.console.pages_cases import _materials_to_ask
from district_center.console.pages_supervision import export_workbook
from district_center.devtools.server import RunningCenter
from district_center.keys import DistrictKeys

from .backoffice_helpers import ensure_sample_published

CONSOLE = Path(__file__).resolve().parents[2] / "district_center" / "console"
EVIL = '=HYPERLINK("http://x.invalid","点我")'
ITEM = "11610114MB2952150X400011730900001"


def _data() -> dict[str, Any]:
    case = {
        "number": "+261120-001-00001",
        "name": EVIL,
        "item_code": "X",
        "department": "@SUM(1)",
        "station_no": 1,
        "station_name": "-1+1",
        "status_label": "审查中",
        "promised_date": "2026-11-27",
        "deadline": {"text": "还剩2个工作日"},
        "overdue": False,
    }
    bucket = {"notices": 1, "refusals": 1, "first_accepted": 1, "share": 0.5, "label": EVIL}
    notices = {
        "total": bucket,
        "by_station": {"s1": bucket},
        "by_item": {"X": bucket},
        "by_month": {"2026-11": bucket},
        "by_reason": [{"kind": "refusal", "reason": EVIL, "count": 1}],
        "recent": [],
    }
    return {
        "notices": notices,
        "deadlines": {"cases": [case], "by_department": {EVIL: {"overdue": 1, "soon_due": 0}}},
        "ratings": {
            "month": [],
            "item": [
                {"label": EVIL, "total": 1, "satisfied_rate": 1.0, "bad_rate": 0.0, "levels": {"非常满意": 1}}
            ],
            "station": [],
        },
        "followups": [
            {
                "case_id": "c1",
                "item_code": ITEM,
                "rating": "不满意",
                "department": EVIL,
                "due_date": "2026-11-27",
                "status": "open",
                "overdue": False,
            }
        ],
        "coverage": {
            "station": [
                {
                    "label": EVIL,
                    "month": "2026-11",
                    "delivered": 2,
                    "rated": 1,
                    "participation_rate": 0.5,
                    "poor": 1,
                    "rectified": 0,
                    "rectification_rate": 0.0,
                }
            ],
            "department": [],
        },
        "names": {ITEM: "出生医学证明"},
        "stations": [
            {
                "station_no": 1,
                "name": EVIL,
                "status": "active",
                "last_seen_at": None,
                "backlog": 0,
                "open_cases": 0,
                "app_version": "=1+1",
                "catalog_version": 1,
                "error_count": 0,
            }
        ],
    }


def test_supervision_export_keeps_user_text_as_text() -> None:
    wb = load_workbook(io.BytesIO(export_workbook(_data())))
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    dangerous = [c for c in texts if c.value.startswith(("=", "+", "-", "@"))]
    assert len(dangerous) >= 9
    for cell in dangerous:
        assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    assert EVIL in [c.value for c in texts]  # unchanged value, only marked as text
    shares = wb["一次告知按服务站"]
    assert [c.value for c in shares[1]] == [
        "服务站",
        "一次性告知",
        "不予受理",
        "首次来办即受理",
        "一次告知率",
    ]
    assert [c.value for c in shares[2]] == [EVIL, 1, 1, 1, 0.5]
    assert [c.value for c in wb["告知与不予受理原因"][2]] == ["不予受理", EVIL, 1]


def test_supervision_export_names_items_rather_than_codes() -> None:
    data = _data()
    data["deadlines"]["cases"][0] |= {"name": "", "item_code": ITEM}
    wb = load_workbook(io.BytesIO(export_workbook(data)))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert ITEM not in values
    assert [r[1].value for r in wb["超期与临期办件"].iter_rows(min_row=2)] == ["出生医学证明"]
    assert [r[1].value for r in wb["差评回访"].iter_rows(min_row=2)] == ["出生医学证明"]


def test_supplement_choices_are_the_reviewers_own_items_materials(
    center: RunningCenter, district_keys: DistrictKeys
) -> None:
    ensure_sample_published(center, district_keys)
    police = "11610114145325255L071060102000000"
    detail = {"item_code": None, "bundle_code": "YJS-CS", "materials": [], "my_items": [police]}
    with center.db.read_session() as s:
        mine = {m["code"] for m in _materials_to_ask(s, detail)}
        everything = {m["code"] for m in _materials_to_ask(s, {**detail, "my_items": None})}
    assert mine == {"M-SFZ", "M-HKB", "M-CSYXZM", "M-JHZ"}
    assert {"M-CSSQ", "M-YBDJ", "M-JZJL"} <= everything - mine


def test_console_uses_only_the_public_backoffice_api() -> None:
    private = []
    for path in CONSOLE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "district_center.services.cases.backoffice"
            ):
                private += [(path.name, a.name) for a in node.names if a.name.startswith("_")]
    assert private == []


def test_the_sub_item_choice_shows_item_names_not_codes(
    center: RunningCenter, district_keys: DistrictKeys
) -> None:
    from district_center.console.pages_cases import _item_names

    ensure_sample_published(center, district_keys)
    police = "11610114145325255L071060102000000"
    detail = {"item_code": None, "case": {"sub_cases": [{"item_code": police}]}, "my_items": [police]}
    with center.db.read_session() as s:
        assert _item_names(s, detail) == {police: "新生儿户口登记(出生登记)"}
