"""The catalog spreadsheet layout (事项清单表格): sheets, columns, cell codecs, and the xlsx export.

The layout is documented in ``docs/catalog-spreadsheet.md``; the column tables below are its reference.
Import (xlsx or CSV, errors cell by cell) is :mod:`district_center.services.catalog.importing`::

    data = export_xlsx(catalog)                       # bytes of an .xlsx workbook with every sheet
    result = import_files([("catalog.xlsx", data)], base=None, district=("610100", "西安市"))
    assert result.catalog == catalog                  # exact round trip

Round trip holds for every valid catalog whose list cells (设定依据, 受理条件 …) contain no line break
inside one entry — a list cell holds one entry per line. Text cells are written as text, never as
formulas, even when they start with "=" (and such text carries Excel's quote prefix: :func:`append_text_row`).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from casework.catalog import (
    Catalog,
    FieldKind,
    ItemStatus,
    Level,
    TimeUnit,
)
from casework.errors import DomainError
from district_center.services.catalog.problems import CellError

__all__ = [
    "FORMULA_PREFIXES",
    "PLACEHOLDER_CREDIT_CODE",
    "PLACEHOLDER_PROMISED_DAYS",
    "SHEET_BUNDLES",
    "SHEET_FIELDS",
    "SHEET_ITEMS",
    "SHEET_ITEM_TYPES",
    "SHEET_JURISDICTIONS",
    "SHEET_MATERIALS",
    "SHEET_META",
    "SHEET_PROCESS",
    "CellError",
    "append_text_row",
    "export_xlsx",
    "generated_codes",
    "join_keywords",
    "split_keywords",
]

SHEET_META = "目录信息"
SHEET_ITEMS = "事项"
SHEET_MATERIALS = "材料"
SHEET_PROCESS = "办理流程"
SHEET_BUNDLES = "一件事"
SHEET_JURISDICTIONS = "业务属地"
SHEET_ITEM_TYPES = "事项类型"
SHEET_FIELDS = "表单字段"

MAX_ROWS = 100_000  # data rows per import; a district lists a few thousand items


# --------------------------------------------------------------------------------------------- cell codecs


class _Bad(DomainError):
    """A cell value that cannot be converted: a ``catalog_import.*`` code and its parameters."""

    code = "catalog_import.bad_value"


_TRUE = {"是", "true", "yes", "y", "1", "√", "✓", "有"}
_FALSE = {"否", "false", "no", "n", "0", "", "无", "×"}
_STATUS_TEXT = {ItemStatus.ACTIVE: "有效", ItemStatus.CANCELLED: "已取消"}
_IMMEDIATE = {"即办", "即时办结", "即时", "当场办结", "立即办结", "即办件", "当场"}
_NO_LIMIT = {"", "无", "/", "—", "-", "——", "无法定时限", "不适用"}
_LIMIT = re.compile(r"^(\d{1,5})(?:\.0+)?\s*(?:个)?\s*(工作日|自然日|日|天)?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)


def _text(value: Any) -> str:
    """A cell as text: None -> "", integral floats without ".0", dates ISO, CRLF -> LF, stripped
    (also of full-width spaces)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _plain(value: Any) -> str:
    """A cell compared as a value: NFKC (full-width letters and digits to ASCII), no spaces."""
    return "".join(unicodedata.normalize("NFKC", _text(value)).split())


def _code(value: Any) -> str:
    """A code cell (实施编码, 信用代码, 区划代码 …): NFKC, no spaces, upper case, "610102.0" -> "610102".
    A code Excel turned into scientific notation ("6.10102E+11") has lost digits: an error."""
    text = _plain(value).upper()
    if _SCIENTIFIC.match(text):
        raise _Bad("catalog_import.code_scientific", value=text)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in _text(value).split("\n") if line.strip()]


def _int(value: Any, *, default: int | None = None) -> int:
    text = _plain(value)
    if re.fullmatch(r"-?\d+\.0+", text):
        text = text.split(".")[0]
    if text == "" and default is not None:
        return default
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise _Bad("catalog_import.bad_int", value=text) if text else _Bad("catalog_import.required_int")
    return int(text)


def _bool(value: Any) -> bool:
    text = _plain(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad("catalog_import.bad_bool", value=_text(value))


def _enum(value: Any, enum: type[StrEnum], *, default: StrEnum | None = None) -> str:
    text = _text(value)
    if text == "" and default is not None:
        return default.value
    plain = _plain(value)
    for e in enum:
        if plain == e.value:
            return e.value
    allowed = [e.value for e in enum]
    if not text:
        raise _Bad("catalog_import.required_enum", allowed=allowed)
    raise _Bad("catalog_import.bad_enum", value=text, allowed=allowed)


#: 字段类型 as the sheet writes it; the English values (``text``, ``date`` …) are read too.
FIELD_KIND_TEXT: Mapping[FieldKind, str] = {
    FieldKind.TEXT: "文本",
    FieldKind.DATE: "日期",
    FieldKind.CHOICE: "选项",
    FieldKind.ID_NUMBER: "身份证号码",
    FieldKind.PHONE: "电话",
    FieldKind.ADDRESS: "地址",
    FieldKind.PERSON: "人员",
}


def _field_kind(value: Any) -> str:
    plain = _plain(value)
    if plain == "":
        return FieldKind.TEXT.value
    for kind, label in FIELD_KIND_TEXT.items():
        if plain in (label, kind.value):
            return kind.value
    raise _Bad("catalog_import.bad_enum", value=_text(value), allowed=list(FIELD_KIND_TEXT.values()))


def _optional_int(value: Any) -> int | None:
    return None if _plain(value) == "" else _int(value)


#: A 关键词 cell holds keywords (俗称) separated by "；" (";" and line breaks are read too).
KEYWORD_SEPARATOR = "；"
_KEYWORD_SPLIT = re.compile(r"[；;\n]+")


def split_keywords(value: Any) -> list[str]:
    """The keywords of a 关键词 cell (or a console field), stripped, blanks and repeats dropped."""
    return list(dict.fromkeys(k.strip() for k in _KEYWORD_SPLIT.split(_text(value)) if k.strip()))


def join_keywords(keywords: Iterable[str]) -> str:
    return KEYWORD_SEPARATOR.join(keywords)


def _enum_lines(value: Any, enum: type[StrEnum]) -> list[str]:
    return [_enum(v, enum) for v in _lines(value)]


def _status(value: Any) -> str:
    text = _plain(value)
    for status, label in _STATUS_TEXT.items():
        if text in (label, status.value):
            return status.value
    if text in ("", "在用", "正常"):
        return ItemStatus.ACTIVE.value
    if text == "取消":
        return ItemStatus.CANCELLED.value
    raise _Bad("catalog_import.bad_status", value=_text(value))


def _level(value: Any) -> int:
    text = _plain(value)
    for lv in Level:
        if text in (str(lv.value), lv.label, lv.label.replace("(", "（").replace(")", "）")):
            return int(lv)
    labels = [f"{lv.value} {lv.label}" for lv in Level]
    if not text:
        raise _Bad("catalog_import.required_level", allowed=labels)
    raise _Bad("catalog_import.bad_level", value=_text(value), allowed=labels)


def _date(value: Any) -> str | None:
    text = _plain(value)
    if text == "":
        return None
    try:
        return date.fromisoformat(text[:10] if "T" in text else text).isoformat()
    except ValueError:
        raise _Bad("catalog_import.bad_date", value=_text(value)) from None


def parse_limit(amount: Any, unit: Any, *, hint: str = "") -> tuple[dict[str, Any] | None, bool]:
    """A time limit from its cells: (``{"amount", "unit"}`` or None when both are empty, whether the unit
    was assumed). The amount cell may carry the unit ("5个工作日", "20 自然日"), or be 即办 (0); a unit of
    天 or 日 is taken as 工作日 (行政许可法 §82) and reported as assumed. ``hint`` is the header's unit
    ("承诺时限（工作日）"). Raises ``catalog_import.bad_limit``."""
    amount_text, unit_text = _plain(amount), _plain(unit)
    if amount_text in _NO_LIMIT and unit_text == "":
        return None, False
    if amount_text in _IMMEDIATE:
        amount_text = "0"
    m = _LIMIT.match(amount_text)
    if m is None:
        raise _Bad("catalog_import.bad_limit", value=_text(amount))
    word = m.group(2) or unit_text or _plain(hint)
    assumed = word in ("日", "天", "")
    if word in ("日", "天"):
        word = TimeUnit.WORKING_DAY.value
    unit_value = _enum(word, TimeUnit, default=TimeUnit.WORKING_DAY)
    return {"amount": int(m.group(1)), "unit": unit_value}, assumed and word != "" and int(m.group(1)) > 0


# --------------------------------------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class _Col:
    header: str
    width: int = 14
    required: bool = False  # the column must be present (its cells may still be empty where allowed)


def _cols(*spec: tuple[str, int] | tuple[str, int, bool]) -> tuple[_Col, ...]:
    return tuple(_Col(*s) for s in spec)


ITEM_COLUMNS = _cols(
    ("实施编码", 36),
    ("基本编码", 16),
    ("事项名称", 30, True),
    ("关键词", 30),
    ("事项类型", 12, True),
    ("实施主体", 16, True),
    ("实施主体统一社会信用代码", 22),
    ("行使层级", 10),
    ("业务属地", 12),
    ("法定办结时限", 8),
    ("法定时限单位", 8),
    ("承诺办结时限", 8),
    ("承诺时限单位", 8),
    ("办件类型", 8),
    ("设定依据", 30),
    ("受理条件", 30),
    ("到办事现场次数", 8),
    ("是否收费", 6),
    ("收费依据", 20),
    ("办理地点", 20),
    ("办理时间", 20),
    ("咨询电话", 14),
    ("监督电话", 14),
    ("通办范围", 10),
    ("服务对象", 10),
    ("结果名称", 20),
    ("生命周期", 10),
    ("服务站可受理", 8),
    ("告知承诺制", 8),
    ("当场办结", 8),
    ("可选业务属地", 14),
    ("状态", 8),
    ("生效日期", 12),
    ("取消生效日期", 12),
    ("样例数据", 8),
    ("备注", 30),
    ("申请年龄下限", 8),
    ("申请年龄上限", 8),
    ("限定性别", 8),
    ("户籍地区代码", 14),
)
MATERIAL_COLUMNS = _cols(
    ("实施编码", 36, True),
    ("材料编码", 14, True),
    ("材料名称", 30, True),
    ("材料类型", 14),
    ("来源渠道", 14),
    ("材料形式", 10),
    ("原件份数", 8),
    ("复印件份数", 8),
    ("必要性", 10),
    ("可告知承诺", 8),
    ("承诺内容", 30),
    ("空白表格", 16),
    ("示例样表", 16),
    ("受理标准", 30),
    ("可数据共享", 8),
    ("备注", 20),
)
PROCESS_COLUMNS = _cols(("实施编码", 36, True), ("步骤名称", 14, True), ("步骤说明", 50))
BUNDLE_COLUMNS = _cols(
    ("一件事编码", 14, True),
    ("一件事名称", 24, True),
    ("关键词", 30),
    ("包含事项", 36, True),
    ("生命周期", 10),
    ("说明", 40),
    ("承诺办结时限", 8),
    ("承诺时限单位", 8),
    ("状态", 8),
    ("样例数据", 8),
)
FIELD_COLUMNS = _cols(
    ("实施编码", 36, True),
    ("字段键名", 20, True),
    ("字段名称", 20, True),
    ("英文名称", 24),
    ("字段类型", 10),
    ("必填", 6),
    ("选项", 20),
    ("不晚于今天", 8),
    ("填写提示", 30),
)
JURISDICTION_COLUMNS = _cols(
    ("序号", 6), ("业务属地", 14, True), ("区划代码", 10), ("咨询电话", 16), ("通办窗口", 50)
)
ITEM_TYPE_COLUMNS = _cols(("代码", 8, True), ("名称", 16, True))
META_COLUMNS = _cols(("项目", 12, True), ("值", 30, True))
META_KEYS = ("版本号", "区县代码", "区县名称", "发布时间")

LAYOUT: dict[str, tuple[_Col, ...]] = {
    SHEET_META: META_COLUMNS,
    SHEET_ITEMS: ITEM_COLUMNS,
    SHEET_MATERIALS: MATERIAL_COLUMNS,
    SHEET_PROCESS: PROCESS_COLUMNS,
    SHEET_FIELDS: FIELD_COLUMNS,
    SHEET_BUNDLES: BUNDLE_COLUMNS,
    SHEET_JURISDICTIONS: JURISDICTION_COLUMNS,
    SHEET_ITEM_TYPES: ITEM_TYPE_COLUMNS,
}

#: What an item without 实施主体统一社会信用代码 gets (the catalog requires 18 characters): checksum-valid,
#: obviously not a real organisation; the preview lists every item that got it.
PLACEHOLDER_CREDIT_CODE = "000000000000000000"
#: The 承诺办结时限 of an item from a list without that column (行政许可法 §42's general limit); such items
#: are marked 样例数据 until the administrator completes them.
PLACEHOLDER_PROMISED_DAYS = 20


# --------------------------------------------------------------------------------------------- export


def _join(values: Iterable[Any]) -> str:
    return "\n".join(str(v) for v in values)


def _limit_cells(limit: Mapping[str, Any] | None) -> tuple[Any, str]:
    return ("", "") if limit is None else (limit["amount"], limit["unit"])


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _item_row(it: Mapping[str, Any], types: Mapping[str, str]) -> list[Any]:
    legal, promised = _limit_cells(it["legal_limit"]), _limit_cells(it["promised_limit"])
    return [
        it["code"],
        it["basic_code"],
        it["name"],
        join_keywords(it["keywords"]),
        types.get(it["item_type"], it["item_type"]),
        it["department"],
        it["department_credit_code"],
        Level(it["level"]).label,
        it["jurisdiction"],
        *legal,
        *promised,
        it["case_kind"],
        _join(it["basis"]),
        _join(it["conditions"]),
        it["visits"],
        _yes(it["charged"]),
        it["fee_basis"],
        it["place"],
        it["hours"],
        it["consult_phone"],
        it["supervise_phone"],
        it["tongban"] or "",
        _join(it["service_objects"]),
        it["result_name"],
        _join(it["life_events"]),
        _yes(it["station_acceptable"]),
        _yes(it["commitment_offered"]),
        it.get("on_the_spot") or "",
        _join(it.get("jurisdictions") or []),
        _STATUS_TEXT[ItemStatus(it["status"])],
        it["effective_from"] or "",
        it["effective_to"] or "",
        _yes(it["sample"]),
        it["note"],
        *_eligibility_cells(it["eligibility"]),
    ]


def _eligibility_cells(e: Mapping[str, Any] | None) -> list[Any]:
    if e is None:
        return ["", "", "", ""]
    ages = ["" if e[k] is None else e[k] for k in ("min_age", "max_age")]
    return [*ages, e["sex"] or "", _join(e["area_prefixes"])]


def _field_row(item_code: str, f: Mapping[str, Any]) -> list[Any]:
    return [
        item_code,
        f["key"],
        f["label"],
        f["label_en"],
        FIELD_KIND_TEXT[FieldKind(f["kind"])],
        _yes(f["required"]),
        _join(f["choices"]),
        _yes(f["past_only"]),
        f["hint"],
    ]


def _material_row(item_code: str, m: Mapping[str, Any]) -> list[Any]:
    return [
        item_code,
        m["code"],
        m["name"],
        m["material_type"],
        m["source"],
        m["form"],
        m["originals"],
        m["copies"],
        m["necessity"],
        _yes(m["commitment_allowed"]),
        m["commitment_text"],
        m["blank_form"],
        m["sample_form"],
        m["acceptance_standard"],
        _yes(m["shared_data"]),
        m["note"],
    ]


def _bundle_row(b: Mapping[str, Any]) -> list[Any]:
    return [
        b["code"],
        b["name"],
        join_keywords(b["keywords"]),
        _join(b["item_codes"]),
        _join(b["life_events"]),
        b["description"],
        *_limit_cells(b["promised_limit"]),
        _STATUS_TEXT[ItemStatus(b["status"])],
        _yes(b["sample"]),
    ]


def _sheet_rows(catalog: Catalog) -> dict[str, list[list[Any]]]:
    doc = catalog.to_dict()
    types = doc["item_types"]
    if len(set(types.values())) != len(types):  # names must map back to one code; else export codes
        types = {code: code for code in types}
    return {
        SHEET_META: [
            ["版本号", doc["version"]],
            ["区县代码", doc["district_code"]],
            ["区县名称", doc["district_name"]],
            ["发布时间", doc["issued_at"]],
        ],
        SHEET_ITEMS: [_item_row(it, types) for it in doc["items"]],
        SHEET_MATERIALS: [_material_row(it["code"], m) for it in doc["items"] for m in it["materials"]],
        SHEET_PROCESS: [
            [it["code"], s["name"], s["description"]] for it in doc["items"] for s in it["process"]
        ],
        SHEET_FIELDS: [_field_row(it["code"], f) for it in doc["items"] for f in it["fields"]],
        SHEET_BUNDLES: [_bundle_row(b) for b in doc["bundles"]],
        SHEET_JURISDICTIONS: [
            [j["seq"], j["area"], j["area_code"], j["phone"], j["window"]] for j in doc["jurisdictions"]
        ],
        SHEET_ITEM_TYPES: [[code, name] for code, name in doc["item_types"].items()],
    }


#: What Excel, LibreOffice and WPS read as the start of a formula (typed, pasted or saved as CSV).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def append_text_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """Append ``values`` to the openpyxl worksheet ``ws`` with every ``str`` kept as text: stored as a string
    cell (openpyxl would write text starting with "=" as a formula) in text format, and text starting with
    one of :data:`FORMULA_PREFIXES` marked ``quotePrefix`` — Excel's own "typed with a leading apostrophe"
    flag, so editing or re-saving the cell does not turn user-supplied text into a formula (CSV/formula
    injection). The value itself is unchanged, so an import reads back exactly what was exported.
    Returns the row's text cells."""
    ws.append(list(values))
    text_cells = []
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            cell.number_format = "@"
            if cell.value.startswith(FORMULA_PREFIXES):
                cell.quotePrefix = True
            text_cells.append(cell)
    return text_cells


def export_xlsx(catalog: Catalog) -> bytes:
    """The whole catalog as an xlsx workbook (every sheet of the layout, text cells kept as text)."""
    wb = Workbook()
    wb.remove(wb.active)
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, rows in _sheet_rows(catalog).items():
        ws = wb.create_sheet(name)
        columns = LAYOUT[name]
        ws.append([c.header for c in columns])
        for i, col in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font, cell.fill = header_font, header_fill
            ws.column_dimensions[get_column_letter(i)].width = col.width
        for values in rows:
            for cell in append_text_row(ws, values):
                if "\n" in cell.value:
                    cell.alignment = wrap
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------- codes


_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # upper-case, no I O S V Z: readable on the phone


def _hash_code(text: str, length: int) -> str:
    n = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")
    out = []
    for _ in range(length):
        n, r = divmod(n, len(_CODE_ALPHABET))
        out.append(_CODE_ALPHABET[r])
    return "".join(out)


def generated_codes(department: str, name: str, item_type: str) -> tuple[str, str]:
    """Stable (实施编码 33 chars, 基本编码 12 chars) for an item listed without codes.

    The 基本编码 is the 事项类型 code followed by 10 characters derived from the name (the same item in
    another department shares it, as national basic codes do); the 实施编码 is the 基本编码 followed by
    21 characters derived from department and name. Same inputs, same codes, on every machine.
    """
    basic = (item_type + _hash_code(f"basic|{name}", 12))[:12]
    code = basic + _hash_code(f"impl|{department}|{name}", 21)
    return code, basic
