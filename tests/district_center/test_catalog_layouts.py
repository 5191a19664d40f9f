"""District spreadsheets in their own layouts import the exact items, as xlsx, as xls and as GBK CSV."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from casework.catalog import Catalog
from district_center.services.catalog.importing import ImportResult, import_files
from district_center.services.catalog.sheets import PLACEHOLDER_CREDIT_CODE, generated_codes

from .sheet_fixtures import LAYOUTS, Expected, Sheet, gbk_csv, to_xls, to_xlsx, xian_rows

DISTRICT = ("610100", "西安市")
WRITERS: dict[str, Callable[[list[Sheet]], bytes]] = {"xlsx": to_xlsx, "xls": to_xls}


def _import(layout: str, fmt: str) -> tuple[ImportResult, Expected]:
    sheets, expected = LAYOUTS[layout]()
    data = WRITERS[fmt](sheets)
    return import_files([(f"{layout}.{fmt}", data)], base=None, district=DISTRICT), expected


def _check(catalog: Catalog | None, expected: Expected) -> Catalog:
    assert catalog is not None
    assert len(catalog.items) == expected.items
    assert len({i.department for i in catalog.items}) == expected.departments
    by_name = {i.name: i for i in catalog.items}
    for name, (department, type_name) in expected.named.items():
        item = by_name[name]
        assert item.department == department, name
        assert catalog.item_types[item.item_type] == type_name, name
        assert (item.code, item.basic_code) == generated_codes(department, name, item.item_type)
    # every item of the real list, with its own department and type
    for row in xian_rows():
        item = by_name[row["name"]]
        assert (item.department, catalog.item_types[item.item_type]) == (row["department"], row["item_type"])
    return catalog


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_notice_layout_title_rows_merged_departments_and_footnotes(fmt: str) -> None:
    result, expected = _import("notice", fmt)
    assert result.errors == (), [str(e) for e in result.errors]
    catalog = _check(result.catalog, expected)
    (table,) = result.tables
    assert (table.sheet, table.kind, table.header_row) == ("附件1", "事项", 3)
    mapping = {c.letter: (c.label, c.header) for c in table.columns}
    assert mapping["B"] == ("部门名称", "实施主体") and mapping["E"] == ("事项　类型", "事项类型")
    assert "D" not in mapping  # the blank spacer column
    assert mapping["F"] == ("进驻时限", None)  # kept as a note
    assert table.skipped["footnote"] and table.skipped["title"]
    item = next(i for i in catalog.items if i.name == "教师资格认定")
    enter_by = next(r["enter_by"] for r in xian_rows() if r["name"] == "教师资格认定")
    assert item.note == f"进驻时限：{enter_by}"
    assert item.department_credit_code == PLACEHOLDER_CREDIT_CODE and item.sample  # no limit column
    filled = {f.name: f.fields for f in result.filled}
    assert {"code", "basic_code", "department_credit_code", "promised_limit"} <= set(filled["教师资格认定"])


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_one_sheet_per_department_named_after_it(fmt: str) -> None:
    result, expected = _import("per_department", fmt)
    assert result.errors == (), [str(e) for e in result.errors]
    catalog = _check(result.catalog, expected)
    assert len(result.tables) == expected.departments
    assert all(t.department_from == "sheet" and t.department == t.sheet for t in result.tables)
    notices = {(p.sheet, p.code) for p in result.notices}
    assert ("说明", "catalog_import.no_header") in notices
    assert ("下拉选项", "catalog_import.hidden_sheet") in notices
    assert ("市民政局", "catalog_import.hidden_rows") in notices
    # the hidden column is read like the others, kept as a note
    item = next(i for i in catalog.items if i.name == "教师资格认定")
    assert item.note.startswith("内部流水号：LS-") and item.promised_limit.amount == 20
    assert not item.sample


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_section_rows_two_row_header_repeated_header_totals_and_signatures(fmt: str) -> None:
    result, expected = _import("sections", fmt)
    assert result.errors == (), [str(e) for e in result.errors]
    catalog = _check(result.catalog, expected)
    (table,) = result.tables
    assert (table.header_row, table.header_rows) == (2, 2)
    headers = {c.letter: c.header for c in table.columns}
    assert headers == {
        "A": "#ignore",
        "B": "实施主体",
        "C": "事项名称",
        "E": "承诺办结时限",
        "F": "承诺时限单位",
        "G": "法定办结时限",
    }
    assert set(table.skipped) >= {"section", "header", "total", "footnote"}
    item = catalog.items[0]
    assert (item.promised_limit.amount, item.legal_limit and item.legal_limit.amount) == (15, 20)


def test_gbk_csv_saved_by_excel() -> None:
    data, expected = gbk_csv()
    result = import_files([("清单.csv", data)], base=None, district=DISTRICT)
    assert result.errors == (), [str(e) for e in result.errors]
    catalog = _check(result.catalog, expected)
    assert {i.promised_limit.amount for i in catalog.items} == {5}  # "５" full-width
    assert result.tables[0].skipped["footnote"]


def test_the_same_list_gives_the_same_catalog_in_every_layout() -> None:
    items = []
    for layout in LAYOUTS:
        for fmt in WRITERS:
            result, _ = _import(layout, fmt)
            assert result.catalog is not None
            items.append(sorted((i.code, i.name, i.department, i.item_type) for i in result.catalog.items))
    assert all(x == items[0] for x in items)
