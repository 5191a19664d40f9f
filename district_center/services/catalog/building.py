"""Turn the rows of found tables into catalog entries: cell by cell, each bad cell a coded problem.

:class:`RowReader` converts one row's cells with the codecs of
:mod:`~district_center.services.catalog.sheets`; a value that does not convert becomes a
:class:`~district_center.services.catalog.problems.CellError` on its cell (the sheet's own header text and
column letter). What a district's list leaves out is filled in, never refused, and recorded in
:class:`Filled` so the preview can flag it:

* 实施编码 / 基本编码 — :func:`~district_center.services.catalog.sheets.generated_codes` (stable);
* 实施主体 — from a section row ("（三）市民政局"), a "填报单位：…" title line, or the sheet's name;
* 事项类型 — from a section row ("一、行政许可");
* 统一社会信用代码 — the department's code from another row or the current catalog, else a placeholder;
* 行使层级 — from the district code (``610000`` province, ``610100`` city, else county);
* 业务属地 — the district's name, when the list has no such column; 办件类型 — 即办件 when the promised
  limit is 0;
* 承诺办结时限 — when the list has no such column: 20 工作日 and the item is marked 样例数据.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from casework.catalog import (
    CaseKind,
    Level,
    LifeEvent,
    MaterialForm,
    MaterialSource,
    MaterialType,
    Necessity,
    ServiceObject,
    SpotResult,
    TimeUnit,
    TongbanScope,
)
from casework.identity import Sex
from district_center.services.catalog.aliases import KEYWORDS, keywords_supported
from district_center.services.catalog.problems import Problems
from district_center.services.catalog.sheets import (
    PLACEHOLDER_CREDIT_CODE,
    PLACEHOLDER_PROMISED_DAYS,
    _Bad,
    _bool,
    _code,
    _date,
    _enum,
    _enum_lines,
    _field_kind,
    _int,
    _level,
    _lines,
    _optional_int,
    _plain,
    _status,
    _text,
    generated_codes,
    parse_limit,
)
from district_center.services.catalog.tables import Row, Table

__all__ = [
    "Filled",
    "ItemDefaults",
    "RowReader",
    "bundle_dict",
    "field_dict",
    "item_dict",
    "keep_absent",
    "material_dict",
]

_Conv = Callable[[Any], Any]
_KEYWORD_SPLIT = re.compile(r"[；;，,、\n]+")


@dataclass(slots=True)
class Filled:
    """What the import filled in for one entry (field names of the catalog), for the preview."""

    sheet: str
    row: int
    name: str
    fields: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ItemDefaults:
    """What items get when their list leaves a column out (see the module docstring)."""

    level: int
    jurisdiction: str
    credit_codes: dict[str, str]  # department -> credit code, from the current catalog and earlier rows


def level_for_district(district_code: str) -> int:
    """行使层级 of a district's own list from its GB/T 2260 code: 61 00 00 province, 61 01 00 city."""
    if re.fullmatch(r"\d{6}", district_code):
        if district_code.endswith("0000"):
            return int(Level.PROVINCE)
        if district_code.endswith("00"):
            return int(Level.CITY)
    return int(Level.COUNTY)


class RowReader:
    """Converts the cells of one row, recording a problem per bad cell (on the sheet's own column)."""

    def __init__(self, table: Table, row: Row, problems: Problems) -> None:
        self.table, self.row, self.problems = table, row, problems
        self.values = row.values
        self.failed = False

    def has(self, column: str) -> bool:
        return self.table.column(column) is not None

    def raw(self, column: str) -> Any:
        return self.values.get(column)

    def get(self, column: str, conv: _Conv = _text) -> Any:
        try:
            return conv(self.values.get(column))
        except _Bad as exc:
            self.fail(column, exc.code, **exc.params)
            return None

    def required_text(self, column: str) -> str:
        value = _text(self.values.get(column))
        if not value:
            self.fail(column, "catalog_import.required")
        return value

    def limit(self, amount_col: str, unit_col: str, *, required: bool) -> dict[str, Any] | None:
        col = self.table.column(amount_col)
        try:
            value, assumed = parse_limit(
                self.values.get(amount_col), self.values.get(unit_col), hint=col.hint if col else ""
            )
        except _Bad as exc:
            self.fail(amount_col, exc.code, **exc.params)
            return None
        if value is None and required:
            self.fail(amount_col, "catalog_import.limit_required")
        if assumed and value is not None:
            self.note(amount_col, "catalog_import.day_unit_assumed", value=_text(self.values.get(amount_col)))
        return value

    def _where(self, column: str) -> tuple[str, str]:
        col = self.table.column(column)
        return (col.label, col.letter) if col is not None else (column, "")

    def fail(self, column: str, code: str, **params: Any) -> None:
        self.failed = True
        label, letter = self._where(column)
        self.problems.add(self.table.sheet, self.row.number, label, code, letter=letter, **params)

    def note(self, column: str, code: str, **params: Any) -> None:
        label, letter = self._where(column)
        self.problems.add(
            self.table.sheet, self.row.number, label, code, letter=letter, severity="warning", **params
        )


def _item_type(value: Any, types: Mapping[str, str]) -> str:
    text = _plain(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{int(value):02d}"
    elif text.isdigit() and len(text) == 1:
        text = "0" + text
    for candidate in (text, text.removesuffix("事项"), text.removesuffix("类")):
        for code, name in types.items():
            if candidate and candidate in (code, name, name.removeprefix("行政")):
                return code
    raise _Bad("catalog_import.unknown_item_type", value=_text(value), allowed=list(types.values()))


def _keywords(value: Any) -> list[str]:
    return [k.strip() for k in _KEYWORD_SPLIT.split(_text(value)) if k.strip()]


def _note(r: RowReader, *, keywords_as_note: bool) -> str:
    parts = [_text(r.raw("备注"))]
    if keywords_as_note and _text(r.raw(KEYWORDS)):
        parts.append(f"{KEYWORDS}：{_text(r.raw(KEYWORDS))}")
    parts += [f"{label}：{text}" for label, text in r.row.notes]
    return "；".join(p for p in parts if p)


def item_dict(
    r: RowReader, types: Mapping[str, str], defaults: ItemDefaults, filled: Filled
) -> dict[str, Any]:
    """One 事项 row as a catalog item dict (``casework.catalog_json`` shape)."""
    table, section = r.table, r.row.section
    name = r.required_text("事项名称")
    department = _text(r.raw("实施主体")) or section.get("实施主体", "") or table.department
    if not _text(r.raw("实施主体")):
        if department:
            filled.fields.append("department")
        else:
            r.fail("实施主体", "catalog_import.department_missing")
    type_value = r.raw("事项类型") if _text(r.raw("事项类型")) else section.get("事项类型")
    if type_value is None:
        r.fail("事项类型", "catalog_import.item_type_missing", allowed=list(types.values()))
        item_type = ""
    else:
        item_type = r.get("事项类型", lambda _: _item_type(type_value, types)) or ""
        if not _text(r.raw("事项类型")):
            filled.fields.append("item_type")
    code, basic = r.get("实施编码", _code) or "", r.get("基本编码", _code) or ""
    if (not code or not basic) and name and department and item_type:
        gen_code, gen_basic = generated_codes(department, name, item_type)
        filled.fields += [f for f, v in (("code", code), ("basic_code", basic)) if not v]
        code, basic = code or gen_code, basic or gen_basic
    credit = r.get("实施主体统一社会信用代码", _code) or ""
    if credit:
        defaults.credit_codes.setdefault(department, credit)
    else:
        credit = defaults.credit_codes.get(department, "")
        filled.fields.append("department_credit_code")
        credit = credit or PLACEHOLDER_CREDIT_CODE
    level = r.get("行使层级", _level) if _text(r.raw("行使层级")) else None
    if level is None and not r.failed:
        level = defaults.level
        filled.fields.append("level")
    jurisdiction = _text(r.raw("业务属地"))
    if not r.has("业务属地"):  # an empty cell stays empty: the item is the district's own
        jurisdiction = defaults.jurisdiction
        filled.fields.append("jurisdiction")
    sample = r.get("样例数据", _bool)
    if r.has("承诺办结时限"):
        promised = r.limit("承诺办结时限", "承诺时限单位", required=True)
    else:
        promised = {"amount": PLACEHOLDER_PROMISED_DAYS, "unit": TimeUnit.WORKING_DAY.value}
        filled.fields.append("promised_limit")
        sample = True
    if _text(r.raw("办件类型")):
        case_kind = r.get("办件类型", lambda v: _enum(v, CaseKind))
    else:
        immediate = promised is not None and promised["amount"] == 0
        case_kind = (CaseKind.IMMEDIATE if immediate else CaseKind.PROMISED).value
    keywords_field = keywords_supported()
    out = {
        "code": code,
        "basic_code": basic,
        "name": name,
        "item_type": item_type,
        "department": department,
        "department_credit_code": credit,
        "level": level,
        "jurisdiction": jurisdiction,
        "legal_limit": r.limit("法定办结时限", "法定时限单位", required=False),
        "promised_limit": promised,
        "case_kind": case_kind,
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
        "on_the_spot": r.get("当场办结", lambda v: _enum(v, SpotResult) if _text(v) else None),
        "jurisdictions": r.get("可选业务属地", _lines),
        "status": r.get("状态", _status),
        "effective_from": r.get("生效日期", _date),
        "effective_to": r.get("取消生效日期", _date),
        "sample": sample,
        "note": _note(r, keywords_as_note=not keywords_field),
        "fields": [],
        "eligibility": _eligibility(r),
    }
    if keywords_field:
        out["keywords"] = _keywords(r.raw(KEYWORDS))
    return out


#: Item fields by the column that carries them (besides the item's identity: code, name, department, type).
COLUMN_FIELDS: Mapping[str, tuple[str, ...]] = {
    "基本编码": ("basic_code",),
    "实施主体统一社会信用代码": ("department_credit_code",),
    "行使层级": ("level",),
    "业务属地": ("jurisdiction",),
    "法定办结时限": ("legal_limit",),
    "承诺办结时限": ("promised_limit", "case_kind", "sample"),
    "办件类型": ("case_kind",),
    "设定依据": ("basis",),
    "受理条件": ("conditions",),
    "到办事现场次数": ("visits",),
    "是否收费": ("charged",),
    "收费依据": ("fee_basis",),
    "办理地点": ("place",),
    "办理时间": ("hours",),
    "咨询电话": ("consult_phone",),
    "监督电话": ("supervise_phone",),
    "通办范围": ("tongban",),
    "服务对象": ("service_objects",),
    "结果名称": ("result_name",),
    "生命周期": ("life_events",),
    "服务站可受理": ("station_acceptable",),
    "告知承诺制": ("commitment_offered",),
    "当场办结": ("on_the_spot",),
    "可选业务属地": ("jurisdictions",),
    "状态": ("status",),
    "生效日期": ("effective_from",),
    "取消生效日期": ("effective_to",),
    "样例数据": ("sample",),
    "申请年龄下限": ("eligibility",),
    KEYWORDS: ("keywords",),
}
_FILLED_BY = {
    "basic_code": "基本编码",
    "department_credit_code": "实施主体统一社会信用代码",
    "level": "行使层级",
    "jurisdiction": "业务属地",
    "promised_limit": "承诺办结时限",
}


def keep_absent(item: dict[str, Any], base: Mapping[str, Any], table: Table, filled: Filled) -> None:
    """An item already in the catalog keeps what the sheet has no column for (a list of names and
    departments does not wipe the guide), and is no longer reported as filled in for those fields."""
    present = {c.header for c in table.columns if c.imported}
    absent = [h for h in COLUMN_FIELDS if h not in present]
    kept = {f for h in absent for f in COLUMN_FIELDS[h]}
    if "办件类型" in present:
        kept.discard("case_kind")
    if "样例数据" in present:
        kept.discard("sample")
    for key in kept:
        if key in base:
            item[key] = base[key]
    if "备注" not in present and not any(c.header is None for c in table.columns):
        item["note"] = base.get("note", item["note"])
    filled.fields = [f for f in filled.fields if _FILLED_BY.get(f) not in absent]


def material_code(name: str) -> str:
    """A stable 材料编码 for a material listed without one (the console's item editor uses the same)."""
    return "M-" + hashlib.sha256(name.encode()).hexdigest()[:8].upper()


def material_dict(r: RowReader) -> dict[str, Any]:
    name = r.required_text("材料名称")
    return {
        "code": r.get("材料编码", _code) or (material_code(name) if name else ""),
        "name": name,
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
        "note": "；".join(p for p in [_text(r.raw("备注")), *(f"{a}：{b}" for a, b in r.row.notes)] if p),
    }


_ELIGIBILITY_COLUMNS = ("申请年龄下限", "申请年龄上限", "限定性别", "户籍地区代码")


def _eligibility(r: RowReader) -> dict[str, Any] | None:
    """申请条件 from the item row's four columns; ``None`` when all are empty."""
    if not any(_text(r.raw(c)) for c in _ELIGIBILITY_COLUMNS):
        return None
    return {
        "min_age": r.get("申请年龄下限", _optional_int),
        "max_age": r.get("申请年龄上限", _optional_int),
        "sex": r.get("限定性别", lambda v: _enum(v, Sex) if _text(v) else None),
        "area_prefixes": r.get("户籍地区代码", lambda v: [_code(x) for x in _lines(v)]),
    }


def field_dict(r: RowReader) -> dict[str, Any]:
    """One 表单字段 row (casework.formfields shape)."""
    return {
        "key": r.required_text("字段键名"),
        "label": r.required_text("字段名称"),
        "label_en": r.get("英文名称"),
        "kind": r.get("字段类型", _field_kind),
        "required": r.get("必填", lambda v: True if _text(v) == "" else _bool(v)),
        "choices": r.get("选项", _lines),
        "past_only": r.get("不晚于今天", _bool),
        "hint": r.get("填写提示"),
    }


def process_dict(r: RowReader) -> dict[str, Any]:
    return {"name": r.required_text("步骤名称"), "description": r.get("步骤说明")}


def bundle_dict(r: RowReader, *, with_keywords: bool) -> dict[str, Any]:
    out = {
        "code": r.required_text("一件事编码"),
        "name": r.required_text("一件事名称"),
        "item_codes": r.get("包含事项", lambda v: [_code(x) for x in _lines(v)]),
        "life_events": r.get("生命周期", lambda v: _enum_lines(v, LifeEvent)),
        "description": r.get("说明"),
        "promised_limit": r.limit("承诺办结时限", "承诺时限单位", required=False),
        "status": r.get("状态", _status),
        "sample": r.get("样例数据", _bool),
    }
    if with_keywords:
        out["keywords"] = _keywords(r.raw(KEYWORDS))
    return out


def jurisdiction_dict(r: RowReader) -> dict[str, Any]:
    return {
        "seq": r.get("序号", lambda v: _int(v, default=0)),
        "area": r.required_text("业务属地"),
        "area_code": r.get("区划代码", _code),
        "phone": r.get("咨询电话"),
        "window": r.get("通办窗口"),
    }
