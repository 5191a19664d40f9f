"""District spreadsheets in the layouts districts really send, built here as xlsx (openpyxl) and xls (xlwt).

Each layout is a list of :class:`Sheet` (cells, merged ranges, hidden rows/columns/sheets) that
:func:`to_xlsx` and :func:`to_xls` write the same way, and an :class:`Expected` — how many items the
import must give and a few named items with their departments and types. The data is the real Xi'an city
hall list (``casework/data/xian-city-hall-items-2020.csv``, seed 000's annex: 72 items, 18 departments).

Layouts (see ``docs/catalog-spreadsheet.md``):

* ``notice`` — one sheet "附件1" as the notice prints it: merged banner, "填报单位：… 日期：…" line, headers
  with line breaks and full-width spaces, a department merged over its rows, 事项类型 merged, 序号 as
  floats, a blank spacer column, footnotes below;
* ``per_department`` — one sheet per department named after it, no department column, alias headers
  in another order (编号 | 目录清单名称 | 类别 | 办理时限), a hidden column and a hidden row, a free-text
  "说明" sheet and a hidden drop-down sheet;
* ``sections`` — "Sheet1" with a two-row header (承诺办结时限 over 时限 | 单位), section rows
  "一、行政许可（14项）" giving the type, the header repeated after a page break, a 合计 row, signatures;
* ``gbk_csv`` — the list saved by Excel on Chinese Windows: GB18030, no BOM, "1.0" numbers, a 注 line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import xlwt
from openpyxl import Workbook

from .catalog_samples import XIAN_CSV

Cell = tuple[int, int]  # (row, col), 0-based


@dataclass
class Sheet:
    name: str
    cells: dict[Cell, Any] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    hidden: bool = False

    def row(self, r: int, values: Iterable[Any], start: int = 0) -> None:
        for c, v in enumerate(values, start=start):
            if v is not None and v != "":
                self.cells[(r, c)] = v

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))


@dataclass(frozen=True)
class Expected:
    items: int
    named: dict[str, tuple[str, str]]  # item name -> (department, 事项类型 name)
    departments: int


def xian_rows() -> list[dict[str, str]]:
    with XIAN_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _expected(rows: list[dict[str, str]]) -> Expected:
    wanted = ("教师资格认定", "价格争议调解", "保安员证核发", "对教师申诉的处理")
    named = {r["name"]: (r["department"], r["item_type"]) for r in rows if r["name"] in wanted}
    return Expected(len(rows), named, len({r["department"] for r in rows}))


# --------------------------------------------------------------------------------------------- layouts


def notice() -> tuple[list[Sheet], Expected]:
    rows = xian_rows()
    s = Sheet("附件1")
    s.row(0, ["西安市市级政务服务事项进驻市政务服务大厅清单"])
    s.merge(0, 0, 0, 6)
    s.row(1, ["填报单位：西安市政务服务中心　　　　日期：2020年10月"])
    s.merge(1, 0, 1, 6)
    s.row(2, ["序号", "部门\n名称", "事项名称", None, "事项　类型", "进驻时限", "备注"])  # D is a spacer
    r = 3
    for department, group in groupby(rows, key=lambda x: x["department"]):
        members = list(group)
        s.cells[(r, 1)] = department
        s.merge(r, 1, r + len(members) - 1, 1)
        t0 = r
        for i, item in enumerate(members):
            s.row(r + i, [float(item["seq"]), None, item["name"], None, None, item["enter_by"], item["note"]])
        for item_type, same in groupby(enumerate(members), key=lambda x: x[1]["item_type"]):
            block = list(same)
            s.cells[(t0 + block[0][0], 4)] = item_type
            s.merge(t0 + block[0][0], 4, t0 + block[-1][0], 4)
        r += len(members)
    s.row(r + 1, ["备注：1.本清单所列事项均进驻市政务服务大厅办理。"])
    s.merge(r + 1, 0, r + 1, 6)
    s.row(r + 2, ["2.进驻时限为最迟时限。"])
    s.merge(r + 2, 0, r + 2, 6)
    return [s], _expected(rows)


def per_department() -> tuple[list[Sheet], Expected]:
    rows = xian_rows()
    guide = Sheet("说明")
    guide.row(0, ["本工作簿按部门分表，每个部门一张表。"])
    guide.row(1, ["联系人：王某某", "电话：029-86787000"])
    sheets = [guide]
    for department, group in groupby(rows, key=lambda x: x["department"]):
        s = Sheet(department)
        s.row(0, [f"{department}政务服务事项清单"])
        s.merge(0, 0, 0, 4)
        s.row(1, ["编号", "目录清单名称", "类别", "办理时限", "内部流水号"])
        for i, item in enumerate(group):
            s.row(2 + i, [i + 1, item["name"], item["item_type"], "20个工作日", f"LS-{item['seq']}"])
        s.hidden_cols.add(4)
        if len(s.cells) > 15:
            s.hidden_rows.add(3)
        sheets.append(s)
    hidden = Sheet("下拉选项", hidden=True)
    hidden.row(0, ["事项名称", "事项类型", "部门名称"])
    hidden.row(1, ["（下拉）", "行政许可", "市民政局"])
    sheets.append(hidden)
    return sheets, _expected(rows)


def sections() -> tuple[list[Sheet], Expected]:
    rows = sorted(xian_rows(), key=lambda x: x["item_type"])
    s = Sheet("Sheet1")
    s.row(0, ["西安市市级政务服务事项清单（2020年版）"])
    s.merge(0, 0, 0, 6)
    header = ["序号", "实施部门", "事项名称", None, "承诺办结时限", None, "法定办结时限"]
    s.row(1, header)
    s.row(2, [None, None, None, None, "时限", "单位", "时限"])
    for c in (0, 1, 2):
        s.merge(1, c, 2, c)
    s.merge(1, 4, 1, 5)
    r = 3
    numerals = "一二三四五六七八九十"
    for n, (item_type, group) in enumerate(groupby(rows, key=lambda x: x["item_type"])):
        members = list(group)
        s.row(r, [f"{numerals[n]}、{item_type}（{len(members)}项）"])
        s.merge(r, 0, r, 6)
        r += 1
        for i, item in enumerate(members):
            s.row(r, [i + 1, item["department"], item["name"], None, 15, "工作日", "20个工作日"])
            r += 1
        if n == 1:  # a page break repeats the header
            s.row(r, header)
            r += 1
    s.row(r, ["合计", None, f"{len(rows)}项"])
    s.row(r + 2, ["填表人：张三", None, "审核人：李四", None, "联系电话：029-86787000"])
    expected = _expected(rows)
    return [s], expected


def gbk_csv() -> tuple[bytes, Expected]:
    rows = xian_rows()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["事项类型", "事项名称", "序号", "单位", "承诺时限（工作日）"])
    for item in rows:
        w.writerow([item["item_type"], item["name"], f"{item['seq']}.0", item["department"], "５"])
    w.writerow([])
    w.writerow(["注：本表由 Excel 另存为 CSV。"])
    return out.getvalue().encode("gb18030"), _expected(rows)


LAYOUTS = {"notice": notice, "per_department": per_department, "sections": sections}


# --------------------------------------------------------------------------------------------- writers


def to_xlsx(sheets: list[Sheet]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for (r, c), v in spec.cells.items():
            ws.cell(row=r + 1, column=c + 1, value=v)
        for r0, c0, r1, c1 in spec.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        for r in spec.hidden_rows:
            ws.row_dimensions[r + 1].hidden = True
        for c in spec.hidden_cols:
            ws.column_dimensions[chr(65 + c)].hidden = True
        if spec.hidden:
            ws.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_xls(sheets: list[Sheet]) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    for spec in sheets:
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        merged_at = {(r0, c0): (r0, c0, r1, c1) for r0, c0, r1, c1 in spec.merges}
        covered = {
            (r, c) for r0, c0, r1, c1 in spec.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
        }
        for (r, c), v in spec.cells.items():
            if (r, c) in merged_at:
                r0, c0, r1, c1 = merged_at[(r, c)]
                ws.write_merge(r0, r1, c0, c1, v)
            elif (r, c) not in covered:
                ws.write(r, c, v)
        for r in spec.hidden_rows:
            ws.row(r).hidden = True
        for c in spec.hidden_cols:
            ws.col(c).hidden = True
        if spec.hidden:
            ws.visibility = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
