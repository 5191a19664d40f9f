"""Import the catalog from spreadsheets: one xlsx workbook or CSV files, validated, errors cell by cell.

An xlsx workbook holds every sheet; CSV files hold one sheet each and are recognised by their header row,
so ``import_files([("items.csv", b"..."), ("materials.csv", b"...")], ...)`` works as well as a workbook::

    result = import_files([("catalog.xlsx", data)], base=staged_or_published, district=("610100", "西安市"))
    if result.errors:                                 # CellError(sheet, row, column, message), Chinese
        for e in result.errors: print(e)
    else:
        catalog = result.catalog                      # Catalog.validate() passed

An items sheet on its own (CSV) replaces the items of ``base`` (the staged or published catalog): the
catalog header, 业务属地, 事项类型 and 一件事 come from ``base``, and materials and 办理流程 of items whose
实施编码 is already in ``base`` are kept. Empty 实施编码 / 基本编码 cells get stable codes generated from the
department and name (:func:`~district_center.services.catalog.sheets.generated_codes`), so
re-importing the same
list yields the same codes.

The Xi'an city hall list (``casework/data/xian-city-hall-items-2020.csv``: seq, department, name, item_type,
enter_by, note) is recognised by its English header. It carries names, departments and types only, so every
item is marked 样例 and the missing guide elements get the placeholders of
:data:`~district_center.services.catalog.sheets.XIAN_DEFAULTS` — the administrator completes them later.

Validation problems found by ``casework.catalog`` are put back on the cell they are about (by the
problem's ``kind`` and the entry's row); a problem with no cell has ``row == 0``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from openpyxl import load_workbook

from casework import clock
from casework.catalog import (
    DEFAULT_ITEM_TYPES,
    CaseKind,
    Catalog,
    CatalogError,
    CatalogProblem,
    LifeEvent,
    MaterialForm,
    MaterialSource,
    MaterialType,
    Necessity,
    ServiceObject,
    TongbanScope,
)
from district_center.services.catalog.sheets import (
    LAYOUT,
    MAX_ERRORS,
    MAX_ROWS,
    META_KEYS,
    SHEET_BUNDLES,
    SHEET_ITEM_TYPES,
    SHEET_ITEMS,
    SHEET_JURISDICTIONS,
    SHEET_MATERIALS,
    SHEET_META,
    SHEET_PROCESS,
    XIAN_DEFAULTS,
    XIAN_HEADER,
    CellError,
    _Bad,
    _bool,
    _Col,
    _date,
    _enum,
    _enum_lines,
    _int,
    _level,
    _limit,
    _lines,
    _status,
    _text,
    generated_codes,
)

__all__ = ["CellError", "ImportResult", "import_files"]


#: A workbook whose members inflate beyond this is refused unread (a few thousand items take a few MB).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportResult:
    """A validated catalog, or the errors (never both). ``sheets`` names the sheets that were read."""

    catalog: Catalog | None
    errors: tuple[CellError, ...] = ()
    sheets: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.catalog is not None and not self.errors


# --------------------------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Sheet:
    """One sheet as read: its header and rows of ``{header: raw value}`` with spreadsheet row numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class _Errors:
    def __init__(self) -> None:
        self.items: list[CellError] = []

    def add(self, sheet: str, row: int, column: str, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(CellError(sheet, row, column, message))

    def __len__(self) -> int:
        return len(self.items)


def _table(name: str, raw_rows: Iterable[Sequence[Any]], errors: _Errors) -> _Sheet | None:
    it = iter(raw_rows)
    header_row = next(it, None)
    if header_row is None:
        errors.add(name, 0, "", "表格为空，没有表头")
        return None
    header = [_text(h) for h in header_row]
    while header and header[-1] == "":
        header.pop()
    sheet = _Sheet(name, header)
    for number, values in enumerate(it, start=2):
        if number > MAX_ROWS + 1:
            errors.add(name, number, "", f"行数超过上限 {MAX_ROWS}，其余行未读取")
            break
        if all(_text(v) == "" for v in values):
            continue
        extra = [v for v in values[len(header) :] if _text(v) != ""]
        if extra:
            errors.add(name, number, "", "该行有内容超出了表头范围（表头没有对应的列名）")
        sheet.rows.append(
            (number, {h: (values[i] if i < len(values) else None) for i, h in enumerate(header) if h})
        )
    return sheet


def _check_header(sheet: _Sheet, columns: Sequence[_Col], errors: _Errors) -> bool:
    known = {c.header for c in columns}
    ok = True
    seen: set[str] = set()
    for h in sheet.header:
        if h == "":
            continue
        if h in seen:
            errors.add(sheet.name, 1, h, "列名重复")
            ok = False
        seen.add(h)
        if h not in known:
            names = "、".join(c.header for c in columns)
            errors.add(sheet.name, 1, h, f"未知的列名；“{sheet.name}”表的列为：{names}")
            ok = False
    for c in columns:
        if c.required and c.header not in seen:
            errors.add(sheet.name, 1, c.header, "缺少必填的列")
            ok = False
    return ok


def _unpacked_size(data: bytes) -> int | None:
    """The workbook's total uncompressed size as its zip directory declares it (``zipfile`` never inflates
    a member past its declared size), or None when ``data`` is not a zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _read_xlsx(filename: str, data: bytes, errors: _Errors) -> list[_Sheet]:
    """The known sheets of a workbook. Anything wrong with the file — not a zip, a decompression bomb, XML
    openpyxl cannot parse, a bad cell reference or number — is one error on the file or the sheet, never an
    exception (the console and the API show it; nothing half-read is imported)."""
    unpacked = _unpacked_size(data)
    if unpacked is not None and unpacked > MAX_UNPACKED_BYTES:
        errors.add(
            filename,
            0,
            "",
            f"工作簿解压后超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB，未读取："
            "请只保留目录表格的工作表，删除图片和多余格式",
        )
        return []
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a non-workbook (zip, xml, key errors)
        errors.add(filename, 0, "", "无法读取该文件：不是有效的 xlsx 工作簿")
        return []
    sheets: list[_Sheet] = []
    try:
        for ws in wb.worksheets:
            if ws.title not in LAYOUT:
                errors.add(ws.title, 0, "", f"未知的工作表；应为：{'、'.join(LAYOUT)}")
                continue
            try:
                sheet = _table(ws.title, ws.iter_rows(values_only=True), errors)
            except Exception:  # malformed sheet XML: ParseError, ValueError, KeyError … from openpyxl
                errors.add(
                    ws.title,
                    0,
                    "",
                    "工作表内容已损坏，无法读取：请在 Excel 或 WPS 中打开后另存为 xlsx 再导入",
                )
                continue
            if sheet is not None:
                sheets.append(sheet)
    finally:
        wb.close()
    return sheets


def _decode_csv(filename: str, data: bytes, errors: _Errors) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    errors.add(filename, 0, "", "无法识别文件编码：请另存为 UTF-8 编码的 CSV")
    return None


def _csv_sheet_name(header: Sequence[str]) -> str | None:
    """Which sheet a CSV holds, from its header: the sheet whose required columns it has, most first."""
    present = set(header)
    if tuple(h for h in header if h) == XIAN_HEADER:
        return "xian"
    best, best_score = None, 0
    for name, columns in LAYOUT.items():
        required = {c.header for c in columns if c.required}
        if required <= present:
            score = len(present & {c.header for c in columns})
            if score > best_score:
                best, best_score = name, score
    return best


def _read_csv(filename: str, data: bytes, errors: _Errors) -> _Sheet | None:
    text = _decode_csv(filename, data, errors)
    if text is None:
        return None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # a cell over csv.field_size_limit() (128 KiB), a NUL byte …
        errors.add(filename, 0, "", "CSV 文件格式不正确（可能有超长的单元格或二进制内容），未读取")
        return None
    header = [_text(h) for h in rows[0]] if rows else []
    kind = _csv_sheet_name(header)
    if kind is None:
        errors.add(filename, 1, "", "无法识别该 CSV 是哪一张表：请使用导出表格中的列名（见目录表格说明）")
        return None
    if kind == "xian":
        return _xian_sheet(filename, rows, errors)
    return _table(kind, rows, errors)


def _xian_sheet(filename: str, rows: list[list[str]], errors: _Errors) -> _Sheet | None:
    """The Xi'an list as an items sheet: its columns renamed, the missing ones filled from XIAN_DEFAULTS."""
    raw = _table(SHEET_ITEMS, rows, errors)
    if raw is None:
        return None
    sheet = _Sheet(SHEET_ITEMS, ["事项名称", "事项类型", "实施主体", "备注", *XIAN_DEFAULTS])
    for number, values in raw.rows:
        note_parts = [_text(values.get("note"))]
        if _text(values.get("enter_by")):
            note_parts.append(f"进驻市政务服务大厅时限：{_text(values.get('enter_by'))}")
        if _text(values.get("seq")):
            note_parts.append(f"来源：西安市市级进驻事项清单（2020）第{_text(values.get('seq'))}项")
        row = {
            "事项名称": values.get("name"),
            "事项类型": values.get("item_type"),
            "实施主体": values.get("department"),
            "备注": "；".join(p for p in note_parts if p),
        }
        row.update(XIAN_DEFAULTS)
        sheet.rows.append((number, row))
    return sheet


# --------------------------------------------------------------------------------------------- building


_Conv = Callable[[Any], Any]


class _RowReader:
    """Converts the cells of one row, recording a CellError per bad cell."""

    def __init__(self, sheet: str, number: int, values: Mapping[str, Any], errors: _Errors) -> None:
        self.sheet, self.number, self.values, self.errors = sheet, number, values, errors
        self.failed = False

    def raw(self, column: str) -> Any:
        return self.values.get(column)

    def get(self, column: str, conv: _Conv = _text) -> Any:
        try:
            return conv(self.values.get(column))
        except _Bad as exc:
            self.fail(column, str(exc))
            return None

    def required_text(self, column: str) -> str:
        value = _text(self.values.get(column))
        if not value:
            self.fail(column, "不能为空")
        return value

    def limit(self, amount_col: str, unit_col: str, *, required: bool) -> dict[str, Any] | None:
        try:
            return _limit(self.values.get(amount_col), self.values.get(unit_col), required=required)
        except _Bad as exc:
            self.fail(amount_col, str(exc))
            return None

    def fail(self, column: str, message: str) -> None:
        self.failed = True
        self.errors.add(self.sheet, self.number, column, message)


def _item_type(value: Any, types: Mapping[str, str]) -> str:
    text = _text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{int(value):02d}"
    for code, name in types.items():
        if text in (code, name, name.removeprefix("行政")):
            return code
    raise _Bad(f"事项类型“{text}”不在事项类型表中；可填：{'、'.join(types.values())}")


def _item_dict(r: _RowReader, types: Mapping[str, str]) -> dict[str, Any]:
    name, department = r.required_text("事项名称"), r.required_text("实施主体")
    item_type = r.get("事项类型", lambda v: _item_type(v, types)) or ""
    code, basic = _text(r.raw("实施编码")), _text(r.raw("基本编码"))
    if (not code or not basic) and name and department and item_type:
        gen_code, gen_basic = generated_codes(department, name, item_type)
        code, basic = code or gen_code, basic or gen_basic
    return {
        "code": code,
        "basic_code": basic,
        "name": name,
        "item_type": item_type,
        "department": department,
        "department_credit_code": r.get("实施主体统一社会信用代码"),
        "level": r.get("行使层级", _level),
        "jurisdiction": r.get("业务属地"),
        "legal_limit": r.limit("法定办结时限", "法定时限单位", required=False),
        "promised_limit": r.limit("承诺办结时限", "承诺时限单位", required=True),
        "case_kind": r.get("办件类型", lambda v: _enum(v, CaseKind, default=CaseKind.PROMISED)),
        "basis": r.get("设定依据", _lines),
        "conditions": r.get("受理条件", _lines),
        "process": [],
        "materials": [],
        "visits": r.get("到办事现场次数", lambda v: _int(v, default=1)),
        "charged": r.get("是否收费", _bool),
        "fee_basis": r.get("收费依据"),
        "place": r.get("办理地点"),
        "hours": r.get("办理时间"),
        "consult_phone": r.get("咨询电话"),
        "supervise_phone": r.get("监督电话"),
        "tongban": r.get("通办范围", lambda v: _enum(v, TongbanScope) if _text(v) else None),
        "service_objects": r.get(
            "服务对象", lambda v: _enum_lines(v, ServiceObject) if _text(v) else [ServiceObject.PERSON.value]
        ),
        "result_name": r.get("结果名称"),
        "life_events": r.get("生命周期", lambda v: _enum_lines(v, LifeEvent)),
        "station_acceptable": r.get("服务站可受理", _bool),
        "commitment_offered": r.get("告知承诺制", _bool),
        "status": r.get("状态", _status),
        "effective_from": r.get("生效日期", _date),
        "effective_to": r.get("取消生效日期", _date),
        "sample": r.get("样例数据", _bool),
        "note": r.get("备注"),
    }


def _material_dict(r: _RowReader) -> dict[str, Any]:
    return {
        "code": r.required_text("材料编码"),
        "name": r.required_text("材料名称"),
        "material_type": r.get(
            "材料类型", lambda v: _enum(v, MaterialType, default=MaterialType.CERTIFICATE)
        ),
        "source": r.get("来源渠道", lambda v: _enum(v, MaterialSource, default=MaterialSource.APPLICANT)),
        "form": r.get("材料形式", lambda v: _enum(v, MaterialForm, default=MaterialForm.PAPER)),
        "originals": r.get("原件份数", lambda v: _int(v, default=1)),
        "copies": r.get("复印件份数", lambda v: _int(v, default=0)),
        "necessity": r.get("必要性", lambda v: _enum(v, Necessity, default=Necessity.REQUIRED)),
        "commitment_allowed": r.get("可告知承诺", _bool),
        "commitment_text": r.get("承诺内容"),
        "blank_form": r.get("空白表格"),
        "sample_form": r.get("示例样表"),
        "acceptance_standard": r.get("受理标准"),
        "shared_data": r.get("可数据共享", _bool),
        "note": r.get("备注"),
    }


def _bundle_dict(r: _RowReader) -> dict[str, Any]:
    return {
        "code": r.required_text("一件事编码"),
        "name": r.required_text("一件事名称"),
        "item_codes": r.get("包含事项", _lines),
        "life_events": r.get("生命周期", lambda v: _enum_lines(v, LifeEvent)),
        "description": r.get("说明"),
        "promised_limit": r.limit("承诺办结时限", "承诺时限单位", required=False),
        "status": r.get("状态", _status),
        "sample": r.get("样例数据", _bool),
    }


def _jurisdiction_dict(r: _RowReader) -> dict[str, Any]:
    return {
        "seq": r.get("序号", lambda v: _int(v, default=0)),
        "area": r.required_text("业务属地"),
        "area_code": r.get("区划代码"),
        "phone": r.get("咨询电话"),
        "window": r.get("通办窗口"),
    }


def _meta(sheet: _Sheet, errors: _Errors) -> dict[str, Any]:
    values: dict[str, tuple[int, str]] = {}
    for number, row in sheet.rows:
        key = _text(row.get("项目"))
        if key not in META_KEYS:
            errors.add(sheet.name, number, "项目", f"未知的项目“{key}”；应为：{'、'.join(META_KEYS)}")
            continue
        values[key] = (number, _text(row.get("值")))
    out: dict[str, Any] = {}
    for key, field_name in zip(
        META_KEYS, ("version", "district_code", "district_name", "issued_at"), strict=True
    ):
        if key not in values:
            errors.add(sheet.name, 0, "值", f"缺少“{key}”一行")
            continue
        number, text = values[key]
        if field_name == "version":
            try:
                out[field_name] = _int(text)
            except _Bad as exc:
                errors.add(sheet.name, number, "值", f"版本号{exc}")
        elif field_name == "issued_at":
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                errors.add(
                    sheet.name,
                    number,
                    "值",
                    f"发布时间应为 ISO 时间（如 2026-01-01T00:00:00Z），实际为“{text}”",
                )
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            out[field_name] = parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
        else:
            out[field_name] = text
    return out


# Which column a casework validation problem belongs to (casework.catalog CatalogProblem.kind).
_ITEM_KIND_COLUMN = {
    "malformed_code": "实施编码",
    "duplicate_item_code": "实施编码",
    "malformed_basic_code": "基本编码",
    "empty_name": "事项名称",
    "unknown_item_type": "事项类型",
    "missing_department": "实施主体",
    "malformed_credit_code": "实施主体统一社会信用代码",
    "unknown_jurisdiction": "业务属地",
    "promised_exceeds_legal": "承诺办结时限",
    "immediate_with_limit": "承诺办结时限",
    "promised_without_limit": "承诺办结时限",
    "negative_visits": "到办事现场次数",
    "fee_basis_missing": "收费依据",
    "no_service_object": "服务对象",
    "cancelled_without_date": "取消生效日期",
    "effective_dates_reversed": "取消生效日期",
}
_MATERIAL_KIND_COLUMN = {
    "duplicate_material": "材料编码",
    "material_unnamed": "材料名称",
    "negative_count": "原件份数",
    "commitment_text_missing": "承诺内容",
    "commitment_not_offered": "可告知承诺",
    "material_name_conflict": "材料名称",
}
_BUNDLE_KIND_COLUMN = {
    "duplicate_bundle_code": "一件事编码",
    "bundle_too_small": "包含事项",
    "bundle_duplicate_item": "包含事项",
    "bundle_missing_item": "包含事项",
    "bundle_cancelled_item": "包含事项",
}


@dataclass(slots=True)
class _Rows:
    """Where each catalog entry came from, to put validation problems back on their cells."""

    items: dict[str, tuple[str, int]] = field(default_factory=dict)  # item where-label -> (sheet, row)
    materials: dict[str, tuple[str, int]] = field(default_factory=dict)
    material_codes: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    bundles: dict[str, tuple[str, int]] = field(default_factory=dict)
    jurisdictions: dict[str, tuple[str, int]] = field(default_factory=dict)


def _item_label(item: Mapping[str, Any]) -> str:
    return f"事项“{item['name'] or item['code']}”({item['code']})"


def _locate(problem: CatalogProblem, rows: _Rows) -> CellError:
    """Put one casework validation problem on the spreadsheet cell it is about."""
    if problem.kind in _MATERIAL_KIND_COLUMN:
        column = _MATERIAL_KIND_COLUMN[problem.kind]
        if problem.kind == "material_name_conflict":
            code = problem.where.removeprefix("材料编码 ").strip()
            entries = rows.material_codes.get(code, [])
            for sheet, number, name in entries:
                if entries and name != entries[0][2]:
                    return CellError(sheet, number, column, problem.message)
        elif problem.where in rows.materials:
            sheet, number = rows.materials[problem.where]
            return CellError(sheet, number, column, problem.message)
    if problem.kind in _BUNDLE_KIND_COLUMN and problem.where in rows.bundles:
        sheet, number = rows.bundles[problem.where]
        return CellError(sheet, number, _BUNDLE_KIND_COLUMN[problem.kind], problem.message)
    if problem.where in rows.items:
        sheet, number = rows.items[problem.where]
        return CellError(sheet, number, _ITEM_KIND_COLUMN.get(problem.kind, ""), problem.message)
    for label, (sheet, number) in rows.items.items():
        if problem.where.startswith(label + " "):  # a material kept from the base catalog: its item's row
            what = problem.where.removeprefix(label).strip()
            return CellError(sheet, number, "", f"{what}：{problem.message}")
    if problem.kind == "duplicate_jurisdiction":
        area = problem.where.removeprefix("业务属地“").removesuffix("”")
        if area in rows.jurisdictions:
            sheet, number = rows.jurisdictions[area]
            return CellError(sheet, number, "业务属地", problem.message)
    return CellError(SHEET_META if problem.where == "目录" else "", 0, "", str(problem))


def _from_sheets(
    sheets: Mapping[str, _Sheet], base: Catalog | None, district: tuple[str, str], errors: _Errors
) -> Catalog | None:
    base_doc = base.to_dict() if base is not None else None
    for sheet in sheets.values():
        _check_header(sheet, LAYOUT[sheet.name], errors)
    if errors:
        return None

    # header: the meta sheet, else the base catalog, else the district settings with version 1
    if SHEET_META in sheets:
        meta = _meta(sheets[SHEET_META], errors)
    elif base_doc is not None:
        meta = {k: base_doc[k] for k in ("version", "district_code", "district_name", "issued_at")}
    else:
        now = clock.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        meta = {"version": 1, "district_code": district[0], "district_name": district[1], "issued_at": now}

    types: dict[str, str]
    if SHEET_ITEM_TYPES in sheets:
        types = {}
        for number, row in sheets[SHEET_ITEM_TYPES].rows:
            r = _RowReader(SHEET_ITEM_TYPES, number, row, errors)
            raw_code = row.get("代码")
            code = f"{int(raw_code):02d}" if isinstance(raw_code, int | float) else r.required_text("代码")
            name = r.required_text("名称")
            if code in types:
                r.fail("代码", f"事项类型代码“{code}”重复")
            elif name in types.values():
                r.fail("名称", f"事项类型名称“{name}”重复")
            elif code and name:
                types[code] = name
    else:
        types = dict(base_doc["item_types"]) if base_doc else dict(DEFAULT_ITEM_TYPES)

    rows = _Rows()
    jurisdictions: list[dict[str, Any]]
    if SHEET_JURISDICTIONS in sheets:
        jurisdictions = []
        for number, row in sheets[SHEET_JURISDICTIONS].rows:
            r = _RowReader(SHEET_JURISDICTIONS, number, row, errors)
            j = _jurisdiction_dict(r)
            if not r.failed:
                jurisdictions.append(j)
                rows.jurisdictions.setdefault(j["area"], (SHEET_JURISDICTIONS, number))
    else:
        jurisdictions = list(base_doc["jurisdictions"]) if base_doc else []

    items: list[dict[str, Any]] = []
    unreadable: set[str] = set()  # codes of item rows with bad cells: their materials are not checked again
    base_items = {it["code"]: it for it in base_doc["items"]} if base_doc else {}
    if SHEET_ITEMS in sheets:
        for number, row in sheets[SHEET_ITEMS].rows:
            r = _RowReader(SHEET_ITEMS, number, row, errors)
            item = _item_dict(r, types)
            if r.failed:
                unreadable.add(item["code"])
                continue
            if SHEET_MATERIALS not in sheets and item["code"] in base_items:
                item["materials"] = list(base_items[item["code"]]["materials"])
            if SHEET_PROCESS not in sheets and item["code"] in base_items:
                item["process"] = list(base_items[item["code"]]["process"])
            items.append(item)
            rows.items.setdefault(_item_label(item), (SHEET_ITEMS, number))
    elif base_doc is not None:
        items = [dict(it) for it in base_doc["items"]]
        if SHEET_MATERIALS in sheets:
            for it in items:
                it["materials"] = []
        if SHEET_PROCESS in sheets:
            for it in items:
                it["process"] = []
    else:
        errors.add(SHEET_ITEMS, 0, "", "缺少“事项”表：首次导入必须包含事项清单")
    by_code = {it["code"]: it for it in items}

    for sheet_name, key, builder in (
        (SHEET_MATERIALS, "materials", _material_dict),
        (SHEET_PROCESS, "process", _process_dict),
    ):
        if sheet_name not in sheets:
            continue
        for number, row in sheets[sheet_name].rows:
            r = _RowReader(sheet_name, number, row, errors)
            item_code = r.required_text("实施编码")
            entry = builder(r)
            if r.failed:
                continue
            owner = by_code.get(item_code)
            if owner is None and item_code in unreadable:
                continue
            if owner is None:
                r.fail("实施编码", f"事项表中没有实施编码为 {item_code} 的事项")
                continue
            owner[key].append(entry)
            if key == "materials":
                label = f"{_item_label(owner)} 材料“{entry['name']}”({entry['code']})"
                rows.materials.setdefault(label, (sheet_name, number))
                rows.material_codes.setdefault(entry["code"], []).append((sheet_name, number, entry["name"]))

    bundles: list[dict[str, Any]]
    if SHEET_BUNDLES in sheets:
        bundles = []
        for number, row in sheets[SHEET_BUNDLES].rows:
            r = _RowReader(SHEET_BUNDLES, number, row, errors)
            b = _bundle_dict(r)
            if not r.failed:
                bundles.append(b)
                rows.bundles.setdefault(f"一件事“{b['name']}”({b['code']})", (SHEET_BUNDLES, number))
    else:
        bundles = list(base_doc["bundles"]) if base_doc else []

    if errors:
        return None
    document = dict(meta, item_types=types, jurisdictions=jurisdictions, items=items, bundles=bundles)
    try:
        catalog = Catalog.from_dict(document)
    except CatalogError as exc:  # a shape our readers let through: report it without a cell
        for p in exc.problems:
            errors.add("", 0, "", str(p))
        return None
    for problem in catalog.problems():
        located = _locate(problem, rows)
        errors.add(located.sheet, located.row, located.column, located.message)
    return None if errors else catalog


def _process_dict(r: _RowReader) -> dict[str, Any]:
    return {"name": r.required_text("步骤名称"), "description": r.get("步骤说明")}


def import_files(
    files: Sequence[tuple[str, bytes]], *, base: Catalog | None, district: tuple[str, str]
) -> ImportResult:
    """Read one xlsx workbook or one or more CSV sheets into a validated catalog.

    ``base`` (the staged or published catalog, or None) supplies what the files do not contain;
    ``district`` = (district code, district name) heads a first catalog when neither the files nor
    ``base`` have a 目录信息 sheet. Errors come back as data, each on its cell.
    """
    errors = _Errors()
    sheets: dict[str, _Sheet] = {}
    for filename, data in files:
        lower = filename.lower()
        if lower.endswith(".xlsx"):
            found = _read_xlsx(filename, data, errors)
        elif lower.endswith(".csv"):
            one = _read_csv(filename, data, errors)
            found = [one] if one is not None else []
        else:
            errors.add(filename, 0, "", "只能导入 .xlsx 工作簿或 .csv 表格")
            found = []
        for sheet in found:
            if sheet.name in sheets:
                errors.add(sheet.name, 0, "", f"“{sheet.name}”表出现了不止一次（{filename}）")
            sheets[sheet.name] = sheet
    if not sheets and not errors:
        errors.add("", 0, "", "没有可导入的表格")
    catalog = None if errors else _from_sheets(sheets, base, district, errors)
    return ImportResult(catalog if not errors else None, tuple(errors.items), tuple(sheets))
