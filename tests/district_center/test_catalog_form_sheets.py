"""Form fields and eligibility in the catalog spreadsheet: exported, read back, bad cells located."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from casework.formfields import Eligibility, FieldKind
from district_center.services.catalog.importing import import_files
from district_center.services.catalog.sheets import SHEET_FIELDS, SHEET_ITEMS, export_xlsx

from .catalog_samples import sample_catalog

DISTRICT = ("610114", "阎良区")
BIRTH_CERT = "116101142105847618201040101000000"
HIGH_AGE = "116101148271606872051010115000000"


def _sheet(data: bytes, name: str) -> list[dict[str, object]]:
    ws = load_workbook(io.BytesIO(data))[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _save(wb: object) -> bytes:
    out = io.BytesIO()
    wb.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def test_fields_and_conditions_are_written_in_words_a_district_reads() -> None:
    catalog = sample_catalog()
    assert catalog is not None
    data = export_xlsx(catalog)
    fields = [r for r in _sheet(data, SHEET_FIELDS) if r["实施编码"] == BIRTH_CERT]
    assert [r["字段名称"] for r in fields][:2] == ["新生儿姓名", "新生儿性别"]
    sex = next(r for r in fields if r["字段键名"] == "newborn_sex")
    assert (sex["字段类型"], sex["选项"], sex["必填"]) == ("选项", "男\n女", "是")
    high_age = next(r for r in _sheet(data, SHEET_ITEMS) if r["实施编码"] == HIGH_AGE)
    assert (high_age["申请年龄下限"], high_age["户籍地区代码"]) == (80, "610114")


def test_a_districts_own_field_sheet_reads_with_its_own_headers_and_bad_cells_are_located() -> None:
    catalog = sample_catalog()
    assert catalog is not None
    wb = load_workbook(io.BytesIO(export_xlsx(catalog)))
    del wb[SHEET_FIELDS]
    ws = wb.create_sheet("表单")
    ws.append(["事项编码", "键名", "填写项目", "类型", "是否必填", "可选值"])
    ws.append([HIGH_AGE, "bank_account", "银行账号", "文本", "是", ""])
    ws.append([HIGH_AGE, "payee", "领取方式", "选项", "否", "本人\n代领"])
    items = wb[SHEET_ITEMS]
    header = [c.value for c in items[1]]
    for row in items.iter_rows(min_row=2):
        if row[0].value == HIGH_AGE:
            row[header.index("申请年龄下限")].value = "90"
    result = import_files([("district.xlsx", _save(wb))], base=catalog, district=DISTRICT)
    assert result.errors == ()
    assert result.catalog is not None
    item = result.catalog.item(HIGH_AGE)
    assert [(f.key, f.kind, f.required) for f in item.fields] == [
        ("bank_account", FieldKind.TEXT, True),
        ("payee", FieldKind.CHOICE, False),
    ]
    assert item.eligibility == Eligibility(min_age=90, area_prefixes=("610114",))

    ws.append([HIGH_AGE, "pet", "宠物", "颜色", "是", ""])
    result = import_files([("district.xlsx", _save(wb))], base=catalog, district=DISTRICT)
    assert result.catalog is None
    assert [(e.sheet, e.row, e.column, e.code) for e in result.errors] == [
        ("表单", 4, "类型", "catalog_import.bad_enum")
    ]
