"""The 关键词 column of the catalog spreadsheet (items and 一件事, "；"-separated) and what an import keeps:
keywords an older sheet without the column does not carry, and the synonym table (edited in the console)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from casework.catalog import Catalog
from district_center.services.catalog.importing import import_files
from district_center.services.catalog.sheets import (
    SHEET_BUNDLES,
    SHEET_ITEMS,
    export_xlsx,
    join_keywords,
    split_keywords,
)

from .catalog_samples import sample_catalog

DISTRICT = ("610114", "阎良区")


def _with_keywords() -> Catalog:
    doc = sample_catalog().to_dict()
    doc["synonyms"] = {"娃娃": ["孩子"], "birth": ["出生"]}
    return Catalog.from_dict(doc)


def _sheet(data: bytes, name: str) -> tuple[list[str], list[list[object]]]:
    ws = load_workbook(io.BytesIO(data))[name]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    return [str(h) for h in rows[0]], rows[1:]


def test_cells_split_and_join() -> None:
    assert split_keywords("低保；吃低保; 低保户\n城乡低保；；低保") == [
        "低保",
        "吃低保",
        "低保户",
        "城乡低保",
    ]
    assert split_keywords(None) == [] and join_keywords(["低保", "吃低保"]) == "低保；吃低保"


def test_export_writes_the_column_and_import_reads_it_back() -> None:
    catalog = _with_keywords()
    data = export_xlsx(catalog)
    header, rows = _sheet(data, SHEET_ITEMS)
    col = header.index("关键词")
    low = next(r for r in rows if r[header.index("事项名称")] == "最低生活保障申请")
    assert str(low[col]).startswith("低保；城乡低保")
    header, rows = _sheet(data, SHEET_BUNDLES)
    assert "生孩子" in str(rows[0][header.index("关键词")])
    result = import_files([("c.xlsx", data)], base=catalog, district=DISTRICT)
    assert result.errors == () and result.catalog == catalog  # keywords and the synonym table both kept


def test_an_older_sheet_without_the_column_keeps_the_keywords() -> None:
    catalog = _with_keywords()
    wb = load_workbook(io.BytesIO(export_xlsx(catalog)))
    for name in (SHEET_ITEMS, SHEET_BUNDLES):
        ws = wb[name]
        col = [c.value for c in ws[1]].index("关键词") + 1
        ws.delete_cols(col)
    out = io.BytesIO()
    wb.save(out)
    result = import_files([("old.xlsx", out.getvalue())], base=catalog, district=DISTRICT)
    assert result.errors == () and result.catalog is not None
    assert result.catalog.items == catalog.items and result.catalog.bundles == catalog.bundles


def test_an_edited_keyword_cell_is_what_the_catalog_gets() -> None:
    catalog = _with_keywords()
    wb = load_workbook(io.BytesIO(export_xlsx(catalog)))
    ws = wb[SHEET_ITEMS]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("事项名称")].value == "高龄津贴申领":
            row[header.index("关键词")].value = "老人补贴；长寿金\n高龄金"
    out = io.BytesIO()
    wb.save(out)
    result = import_files([("edited.xlsx", out.getvalue())], base=catalog, district=DISTRICT)
    assert result.catalog is not None
    item = next(i for i in result.catalog.items if i.name == "高龄津贴申领")
    assert item.keywords == ("老人补贴", "长寿金", "高龄金")


def test_a_keyword_that_breaks_a_rule_is_reported_on_its_row() -> None:
    catalog = _with_keywords()
    wb = load_workbook(io.BytesIO(export_xlsx(catalog)))
    ws = wb[SHEET_ITEMS]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("关键词") + 1).value = "长" * 30
    out = io.BytesIO()
    wb.save(out)
    result = import_files([("bad.xlsx", out.getvalue())], base=catalog, district=DISTRICT)
    assert result.catalog is None
    assert any("关键词" in e.message and e.sheet == SHEET_ITEMS and e.row == 2 for e in result.errors), (
        result.errors
    )


def test_a_bundle_keyword_cell_and_a_su_cheng_header_are_read() -> None:
    catalog = _with_keywords()
    wb = load_workbook(io.BytesIO(export_xlsx(catalog)))
    items, bundles = wb[SHEET_ITEMS], wb[SHEET_BUNDLES]
    items.cell(1, [c.value for c in items[1]].index("关键词") + 1).value = "俗称"  # another district's header
    col = [c.value for c in bundles[1]].index("关键词") + 1
    bundles.cell(2, col).value = "生娃；添丁"
    code = bundles.cell(2, [c.value for c in bundles[1]].index("一件事编码") + 1).value
    out = io.BytesIO()
    wb.save(out)
    result = import_files([("edited.xlsx", out.getvalue())], base=catalog, district=DISTRICT)
    assert result.errors == () and result.catalog is not None
    assert next(b for b in result.catalog.bundles if b.code == code).keywords == ("生娃", "添丁")
    assert result.catalog.items == catalog.items  # the 俗称 column still fed every item's keywords
