"""Catalog spreadsheets: xlsx round trip, CSV sheets, the Xi'an list as is, errors cell by cell."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from casework.catalog import Catalog
from district_center.services.catalog import xlsx_guard
from district_center.services.catalog.importing import CellError, import_files
from district_center.services.catalog.sheets import (
    SHEET_BUNDLES,
    SHEET_ITEMS,
    SHEET_MATERIALS,
    export_xlsx,
    generated_codes,
)

from .catalog_samples import XIAN_CSV, code, rich_catalog, rich_catalog_dict, sample_catalog

DISTRICT = ("610102", "新城区")


def _edit(data: bytes, sheet: str, edits: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    for ref, value in edits.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _column_ref(data: bytes, sheet: str, header: str, row: int) -> str:
    ws = load_workbook(io.BytesIO(data))[sheet]
    for cell in ws[1]:
        if cell.value == header:
            return f"{cell.column_letter}{row}"
    raise AssertionError(header)


def test_rich_catalog_round_trips_through_xlsx() -> None:
    catalog = rich_catalog()
    result = import_files([("catalog.xlsx", export_xlsx(catalog))], base=None, district=DISTRICT)
    assert result.errors == ()
    assert result.catalog == catalog
    assert result.catalog is not None and result.catalog.to_dict() == catalog.to_dict()


def test_sample_catalog_round_trips_through_xlsx() -> None:
    catalog = sample_catalog()
    assert catalog is not None, "casework/data/sample-catalog.json is missing"
    catalog.validate()
    result = import_files([("sample.xlsx", export_xlsx(catalog))], base=None, district=DISTRICT)
    assert result.errors == ()
    assert result.catalog == catalog


def test_text_that_looks_like_a_formula_is_neutralised_and_round_trips() -> None:
    doc = rich_catalog_dict()
    hostile = {
        "fee_basis": '=HYPERLINK("http://evil.example/","点击查看")',
        "note": "+86 29 8744 3256",
        "place": "-1+1",
        "hours": "@SUM(1,1)",
    }
    doc["items"][1].update(hostile)
    doc["items"][1]["materials"][0]["note"] = "=1+1"
    catalog = Catalog.from_dict(doc)
    catalog.validate()
    data = export_xlsx(catalog)
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in (wb[SHEET_ITEMS], wb[SHEET_MATERIALS]) for row in ws.iter_rows() for c in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} >= {*hostile.values(), "=1+1"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    plain = [c for c in cells if isinstance(c.value, str) and c not in risky]
    assert plain and not any(c.quotePrefix for c in plain)
    assert import_files([("c.xlsx", data)], base=None, district=DISTRICT).catalog == catalog


def test_xian_csv_imports_as_is() -> None:
    result = import_files([(XIAN_CSV.name, XIAN_CSV.read_bytes())], base=None, district=("610100", "西安市"))
    assert result.errors == ()
    catalog = result.catalog
    assert catalog is not None
    assert len(catalog.items) == 72
    assert len({it.code for it in catalog.items}) == 72
    with XIAN_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_name = {it.name: it for it in catalog.items}
    for row in rows:
        it = by_name[row["name"]]
        assert it.department == row["department"]
        assert catalog.item_types[it.item_type] == row["item_type"]
        assert it.sample and len(it.code) == 33 and len(it.basic_code) == 12
        assert (it.code, it.basic_code) == generated_codes(row["department"], row["name"], it.item_type)
        assert row["enter_by"] in it.note
    assert by_name["教师资格认定"].item_type == "01"
    assert by_name["对教师申诉的处理"].item_type == "09"
    # stable: a second import yields the same codes
    again = import_files([(XIAN_CSV.name, XIAN_CSV.read_bytes())], base=None, district=("610100", "西安市"))
    assert again.catalog is not None
    assert [i.code for i in again.catalog.items] == [i.code for i in catalog.items]


def test_broken_spreadsheet_reports_every_bad_cell() -> None:
    data = export_xlsx(rich_catalog())
    data = _edit(
        data,
        SHEET_ITEMS,
        {
            _column_ref(data, SHEET_ITEMS, "事项类型", 2): "行政许可证",
            _column_ref(data, SHEET_ITEMS, "行使层级", 3): "省市级",
            _column_ref(data, SHEET_ITEMS, "承诺办结时限", 4): "三天",
            _column_ref(data, SHEET_ITEMS, "是否收费", 5): "也许",
        },
    )
    data = _edit(
        data,
        SHEET_MATERIALS,
        {
            _column_ref(data, SHEET_MATERIALS, "实施编码", 2): code(99),
            _column_ref(data, SHEET_MATERIALS, "原件份数", 3): "两份",
        },
    )
    data = _edit(data, SHEET_BUNDLES, {_column_ref(data, SHEET_BUNDLES, "状态", 2): "暂停"})
    result = import_files([("broken.xlsx", data)], base=None, district=DISTRICT)
    assert result.catalog is None
    located = {(e.sheet, e.row, e.column) for e in result.errors}
    assert located == {
        (SHEET_ITEMS, 2, "事项类型"),
        (SHEET_ITEMS, 3, "行使层级"),
        (SHEET_ITEMS, 4, "承诺办结时限"),
        (SHEET_ITEMS, 5, "是否收费"),
        (SHEET_MATERIALS, 2, "实施编码"),
        (SHEET_MATERIALS, 3, "原件份数"),
        (SHEET_BUNDLES, 2, "状态"),
    }
    messages = {(e.sheet, e.row): e.message for e in result.errors}
    assert "行政许可证" in messages[(SHEET_ITEMS, 2)]
    assert "应为整数" in messages[(SHEET_MATERIALS, 3)]
    assert all(isinstance(e, CellError) and e.message for e in result.errors)


def test_validation_problems_land_on_their_cells() -> None:
    data = export_xlsx(rich_catalog())
    data = _edit(
        data,
        SHEET_ITEMS,
        {
            _column_ref(data, SHEET_ITEMS, "实施主体统一社会信用代码", 3): "123",
            _column_ref(data, SHEET_ITEMS, "业务属地", 4): "火星区",
            _column_ref(data, SHEET_ITEMS, "收费依据", 3): "",
        },
    )
    data = _edit(data, SHEET_MATERIALS, {_column_ref(data, SHEET_MATERIALS, "承诺内容", 5): ""})
    bundle_items = _column_ref(data, SHEET_BUNDLES, "包含事项", 2)
    data = _edit(data, SHEET_BUNDLES, {bundle_items: f"{code(1)}\n{code(77)}"})
    result = import_files([("invalid.xlsx", data)], base=None, district=DISTRICT)
    assert result.catalog is None
    located = {(e.sheet, e.row, e.column) for e in result.errors}
    assert located == {
        (SHEET_ITEMS, 3, "实施主体统一社会信用代码"),
        (SHEET_ITEMS, 3, "收费依据"),
        (SHEET_ITEMS, 4, "业务属地"),
        (SHEET_MATERIALS, 5, "承诺内容"),
        (SHEET_BUNDLES, 2, "包含事项"),
    }


def test_items_csv_alone_keeps_materials_and_bundles_of_base() -> None:
    base = rich_catalog()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "实施编码",
            "基本编码",
            "事项名称",
            "事项类型",
            "实施主体",
            "实施主体统一社会信用代码",
            "行使层级",
            "业务属地",
            "承诺办结时限",
            "承诺时限单位",
            "办件类型",
            "告知承诺制",
        ]
    )
    for it in base.items[:3]:
        w.writerow(
            [
                it.code,
                it.basic_code,
                it.name + "（新）",
                base.item_types[it.item_type],
                it.department,
                it.department_credit_code,
                it.level.label,
                it.jurisdiction,
                it.promised_limit.amount,
                it.promised_limit.unit.value,
                it.case_kind.value,
                "是" if it.commitment_offered else "否",
            ]
        )
    result = import_files([("items.csv", out.getvalue().encode("gb18030"))], base=base, district=DISTRICT)
    assert result.errors == ()
    assert result.catalog is not None
    assert [i.name for i in result.catalog.items] == [i.name + "（新）" for i in base.items[:3]]
    assert result.catalog.items[0].materials == base.items[0].materials
    assert result.catalog.bundles == base.bundles
    assert result.sheets == (SHEET_ITEMS,)
    # a kept material that breaks a rule is reported on its item's row
    out2 = out.getvalue().replace(",是\r\n", ",否\r\n")
    result = import_files([("items.csv", out2.encode())], base=base, district=DISTRICT)
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("items.csv", 3, "")]
    assert result.errors[0].code == "catalog_import.rule.commitment_not_offered"
    assert "结婚证" in result.errors[0].message


def test_unknown_column_is_kept_as_a_note_and_an_unrecognised_csv_is_refused() -> None:
    result = import_files([("x.csv", "名字,类型\n甲,乙\n".encode())], base=None, district=DISTRICT)
    assert result.catalog is None and [e.code for e in result.errors] == ["catalog_import.no_table"]
    assert result.errors[0].fix  # says which headers are looked for
    header = "事项名称,事项类型,实施主体,承诺办结时限,颜色\n"
    result = import_files(
        [("y.csv", (header + "甲,公共服务,区民政局,5,红\n").encode())], base=None, district=DISTRICT
    )
    assert result.errors == () and result.catalog is not None
    assert result.catalog.items[0].note == "颜色：红"
    notes = [(e.sheet, e.row, e.letter, e.column, e.code) for e in result.notices]
    assert ("y.csv", 1, "E", "颜色", "catalog_import.note_column") in notes


def test_not_a_workbook() -> None:
    result = import_files([("bad.xlsx", b"not a zip")], base=None, district=DISTRICT)
    assert result.catalog is None and "xlsx" in result.errors[0].message


def _rezip(data: bytes, member: str, edit: Callable[[bytes], bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, edit(content) if name == member else content)
    return out.getvalue()


@pytest.mark.parametrize(
    "edit",
    [
        lambda xml: xml[: len(xml) // 2],  # truncated XML
        lambda xml: xml.replace(b'r="A2"', b'r="ZZZZZZ9"', 1),  # a cell reference openpyxl refuses
        lambda xml: xml.replace(b"<v>", b"<v>x", 1),  # a number cell that is not a number
    ],
    ids=["truncated", "bad-reference", "bad-number"],
)
def test_corrupt_sheet_is_an_error_on_the_sheet_not_an_exception(edit: Callable[[bytes], bytes]) -> None:
    data = export_xlsx(rich_catalog())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")}
    member = next(n for n, xml in sheets.items() if b'r="A2"' in xml and b"<v>" in xml)
    result = import_files([("c.xlsx", _rezip(data, member, edit))], base=None, district=DISTRICT)
    assert result.catalog is None
    assert any("已损坏" in e.message for e in result.errors)


def test_workbook_inflating_past_the_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    data = export_xlsx(rich_catalog())
    monkeypatch.setattr(xlsx_guard, "MAX_UNPACKED_BYTES", len(data))  # the XML inflates well past it
    result = import_files([("c.xlsx", data)], base=None, district=DISTRICT)
    assert result.catalog is None and [e.code for e in result.errors] == ["catalog_import.too_large_unpacked"]


def test_csv_with_an_oversized_cell_is_an_error() -> None:
    data = ('实施编码,材料编码,材料名称\n1,M1,"' + "长" * 200_000 + '"\n').encode()
    result = import_files([("m.csv", data)], base=None, district=DISTRICT)
    assert result.catalog is None and [e.code for e in result.errors] == ["catalog_import.csv_malformed"]
