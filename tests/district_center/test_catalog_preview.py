"""The import preview: column mapping (changed by hand, saved for next time), problems on their cells with
a fix, the district code, what a partial list keeps, size limits, and the words of every code."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from casework import messages
from district_center.services.catalog import importing as importing_module
from district_center.services.catalog import sheets as sheets_module
from district_center.services.catalog.column_mapping import load_mapping, save_mapping
from district_center.services.catalog.importing import import_files
from district_center.services.catalog.previewing import build_preview, render_text

from .catalog_samples import rich_catalog
from .sheet_fixtures import Sheet, notice, to_xls, to_xlsx

DISTRICT = ("610100", "西安市")
REPO = Path(__file__).resolve().parents[2]


def _sheet(header: list[str], rows: list[list[object]], name: str = "附件1") -> bytes:
    s = Sheet(name)
    s.row(0, ["某区政务服务事项清单"])
    s.merge(0, 0, 0, len(header) - 1)
    s.row(1, header)
    for i, row in enumerate(rows):
        s.row(2 + i, row)
    return to_xlsx([s])


HEADER = ["序号", "单位", "事项", "类别", "办件时长", "内部编号"]
ROWS: list[list[object]] = [
    [1, "区民政局", "低保申请", "行政给付", "15个工作日", "A-1"],
    [2, "区民政局", "临时救助", "行政给付", "5", "A-2"],
    [3, "区教育局", "教师资格认定", "行政许可", "20天", "B-1"],
]


def test_unknown_columns_become_notes_until_mapped_by_hand_then_saved(tmp_path: Path) -> None:
    data = _sheet(HEADER, ROWS)
    result = import_files([("区.xlsx", data)], base=None, district=DISTRICT)
    assert result.catalog is not None and result.errors == ()
    assert result.catalog.items[0].note == "办件时长：15个工作日；内部编号：A-1"
    assert result.catalog.items[0].sample  # no promised-limit column: placeholder, marked as sample

    overrides = {"附件1": {"E": "承诺办结时限", "F": "#ignore"}}
    result = import_files([("区.xlsx", data)], base=None, district=DISTRICT, overrides=overrides)
    assert result.errors == () and result.catalog is not None
    limits = [(i.name, i.promised_limit.amount, i.sample, i.note) for i in result.catalog.items]
    assert limits == [
        ("低保申请", 15, False, ""),
        ("临时救助", 5, False, ""),
        ("教师资格认定", 20, False, ""),
    ]
    assumed = [
        (p.row, p.letter, p.code) for p in result.notices if p.code == "catalog_import.day_unit_assumed"
    ]
    assert assumed == [(5, "E", "catalog_import.day_unit_assumed")]  # "20天" taken as working days
    hows = {c.letter: c.how for c in result.tables[0].columns}
    assert hows["E"] == hows["F"] == "override"

    save_mapping(tmp_path, "事项", {"办件时长": "承诺办结时限", "内部编号": "#ignore"})
    saved = load_mapping(tmp_path)
    assert saved == {"事项": {"办件时长": "承诺办结时限", "内部编号": "#ignore"}}
    again = import_files([("区.xlsx", data)], base=None, district=DISTRICT, saved=saved)
    assert again.catalog == result.catalog
    assert {c.letter: c.how for c in again.tables[0].columns}["E"] == "saved"
    save_mapping(tmp_path, "事项", {"x": "not a column"})  # refused targets are not stored
    assert load_mapping(tmp_path) == saved


def test_problems_land_on_the_sheets_own_cells_with_a_fix() -> None:
    rows = [list(r) for r in ROWS]
    rows[1][3] = "行政许可证"
    rows[2][1] = ""  # no department, none above the header either
    data = _sheet(["序号", "单位", "事项", "类别", "承诺时限"], [r[:5] for r in rows])
    result = import_files([("区.xlsx", data)], base=None, district=DISTRICT)
    got = {(e.sheet, e.row, e.letter, e.column, e.code) for e in result.errors}
    assert got == {
        ("附件1", 4, "D", "类别", "catalog_import.unknown_item_type"),
        ("附件1", 5, "B", "单位", "catalog_import.department_missing"),
    }
    assert all(e.fix for e in result.errors)
    bad = next(e for e in result.errors if e.code == "catalog_import.unknown_item_type")
    assert str(bad).startswith("附件1 第4行 D列“类别”：事项类型“行政许可证”不在事项类型表中")
    assert "行政许可" in bad.fix
    assert "Item type “行政许可证”" in messages.text(bad.code, bad.params, "en")


def test_first_import_without_a_district_names_the_option() -> None:
    result = import_files([("区.xlsx", _sheet(HEADER, ROWS))], base=None, district=("", ""))
    assert [e.code for e in result.errors] == ["catalog_import.district_missing"]
    assert "--district" in result.errors[0].fix and "CENTER_DISTRICT_CODE" in result.errors[0].fix


def test_a_list_of_names_updates_those_and_keeps_the_guide() -> None:
    base = rich_catalog()
    first = base.items[1]  # 新生儿户口登记, 区公安分局: charged, materials, fee basis …
    header = ["实施编码", "部门名称", "事项名称", "事项类型"]
    rows = [[i.code, i.department, i.name + "（更名）", base.item_types[i.item_type]] for i in base.items]
    result = import_files([("名单.xlsx", _sheet(header, rows))], base=base, district=DISTRICT)
    assert result.errors == () and result.catalog is not None
    item = result.catalog.item(first.code)
    assert item.name == first.name + "（更名）"
    assert (item.fee_basis, item.materials, item.promised_limit, item.sample) == (
        first.fee_basis,
        first.materials,
        first.promised_limit,
        first.sample,
    )
    assert result.filled == ()  # nothing filled in for items the catalog already has
    preview = build_preview(result, published=base, today="2026-12-01")
    assert preview.changes is not None
    assert {c["code"]: c["fields"] for c in preview.changes["changed_items"]}[first.code] == ["name"]
    text = render_text(preview.to_dict())
    assert "表头在第 2 行" in text and "变更：" in text


def test_xls_and_xlsx_give_the_same_preview() -> None:
    sheets, _ = notice()
    a = import_files([("a.xlsx", to_xlsx(sheets))], base=None, district=DISTRICT)
    b = import_files([("a.xls", to_xls(sheets))], base=None, district=DISTRICT)
    pa = build_preview(a, published=None, today="2026-12-01").to_dict()
    pb = build_preview(b, published=None, today="2026-12-01").to_dict()
    for p in (pa, pb):
        for t in p["tables"]:
            t.pop("file")
    assert pa == pb and pa["counts"]["items"] == 72 and pa["counts"]["departments"] == 18


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
def test_fifty_thousand_rows_import_and_more_than_the_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    out.write("部门名称,事项名称,事项类型,承诺时限\n")
    for i in range(50_000):
        out.write(f"市第{i // 12}局,事项{i:06d},公共服务,5\n")
    data = out.getvalue().encode("gb18030")
    result = import_files([("大.csv", data)], base=None, district=DISTRICT)
    assert result.errors == () and result.catalog is not None and len(result.catalog.items) == 50_000
    monkeypatch.setattr(importing_module, "MAX_ROWS", 1_000)
    result = import_files([("大.csv", data)], base=None, district=DISTRICT)
    assert result.catalog is None
    assert [(e.row, e.code) for e in result.errors] == [(1_002, "catalog_import.too_many_rows")]
    assert sheets_module.MAX_ROWS >= 50_000


def test_every_import_code_has_words_in_both_languages() -> None:
    zh, en = messages.catalog("zh_CN"), messages.catalog("en")
    assert zh.keys() == en.keys()
    for lang in ("zh_CN", "en"):
        keys = list(json.loads((REPO / "casework" / "data" / "messages" / f"{lang}.json").read_text("utf-8")))
        assert keys == sorted(keys)
    source = "\n".join(p.read_text("utf-8") for p in (REPO / "district_center").rglob("*.py"))
    codes = set(re.findall(r'"(catalog_import\.[a-z_]+(?:\.[a-z_]+)?)"', source)) - {"catalog_import.rule."}
    assert codes and codes <= zh.keys(), codes - zh.keys()
    for kind in re.findall(
        r'CatalogProblem\(\s*"([a-z_]+)"', (REPO / "casework" / "catalog.py").read_text("utf-8")
    ):
        assert f"catalog_import.rule.{kind}" in zh, kind


def test_the_admin_guide_lists_every_alias_and_every_message() -> None:
    from district_center.services.catalog.aliases import ALIASES

    guide = (REPO / "docs" / "catalog-spreadsheet.md").read_text("utf-8")
    for kind in ("事项", "材料"):
        for spec in ALIASES[kind]:
            for name in (spec.header, *spec.aliases):
                assert name in guide, name
    for code in messages.catalog("zh_CN"):
        own = code.startswith("catalog_import.") and not code.startswith("catalog_import.rule.")
        if own and not code.endswith(".fix"):
            assert f"`{code.removeprefix('catalog_import.')}`" in guide, code


def test_keywords_column_feeds_the_catalog_field_or_is_kept_as_a_note() -> None:
    from district_center.services.catalog.aliases import keywords_supported

    data = _sheet(
        ["部门名称", "事项名称", "事项类型", "俗称"],
        [["区民政局", "最低生活保障审批", "行政给付", "低保；救助"]],
    )
    result = import_files([("区.xlsx", data)], base=None, district=DISTRICT)
    assert result.errors == () and result.catalog is not None
    item = result.catalog.items[0]
    assert {c.letter: c.header for c in result.tables[0].columns}["D"] == "关键词"
    if keywords_supported():  # the catalog model has Item.keywords
        assert tuple(item.keywords) == ("低保", "救助") and "低保" not in item.note  # type: ignore[attr-defined]
    else:
        assert item.note == "关键词：低保；救助"
