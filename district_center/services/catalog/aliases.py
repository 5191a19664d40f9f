"""The alias table: every name a district's spreadsheet gives a catalog column, in one place.

Each sheet kind (事项, 材料, 办理流程, 一件事, 业务属地, 事项类型, 目录信息 — the sheets of our own export)
has its columns, each known by its **canonical header** (the column name our export writes, e.g. 实施主体)
and the aliases notices print (部门名称, 实施部门, 单位 …). ``docs/catalog-spreadsheet.md`` shows the table.

Headers are compared after :func:`normalize_header`: NFKC (full-width letters, digits and brackets become
ASCII), no whitespace at all (line breaks and full-width spaces inside a header cell are common), no
leading ``*`` / ``※`` marks, no trailing colon, ASCII lower case. A trailing parenthesis is tried both
ways: ``承诺时限（工作日）`` matches 承诺时限 and gives the unit hint 工作日::

    match_header(SHEET_ITEMS, "承诺\\n时限（工作日）")   # HeaderMatch("承诺办结时限", "alias", hint="工作日")
    match_header(SHEET_ITEMS, "颜色")                    # None: kept as a note column

Roles: ``field`` columns are imported; ``note`` columns go to the item's 备注 as "label：value"; ``skip``
columns (序号) help find the header row and are not imported. A column no alias knows is a note column.
Saved mappings (the console's "save for next time") are consulted before this table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from casework.catalog import Bundle, Item
from district_center.services.catalog.sheets import (
    SHEET_BUNDLES,
    SHEET_FIELDS,
    SHEET_ITEM_TYPES,
    SHEET_ITEMS,
    SHEET_JURISDICTIONS,
    SHEET_MATERIALS,
    SHEET_META,
    SHEET_PROCESS,
)

__all__ = [
    "ALIASES",
    "KEYWORDS",
    "KEY_FIELDS",
    "SEQ",
    "UNIT_OF",
    "ColumnSpec",
    "HeaderMatch",
    "keywords_supported",
    "match_header",
    "normalize_header",
]

Role = Literal["field", "note", "skip"]

SEQ = "序号"
KEYWORDS = "关键词"
ENTER_BY = "进驻时限"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    header: str  # canonical header (our export's column name)
    aliases: tuple[str, ...] = ()
    role: Role = "field"


def keywords_supported() -> bool:
    """Whether the catalog model has a ``keywords`` field (关键词 is imported, else kept as a note)."""
    return "keywords" in getattr(Item, "__dataclass_fields__", {})


def _c(header: str, *aliases: str, role: Role = "field") -> ColumnSpec:
    return ColumnSpec(header, aliases, role)


_ITEMS = (
    _c("实施编码", "事项实施编码", "实施清单编码", "实施清单编号", "事项编码", "业务办理项编码", "code"),
    _c("基本编码", "事项基本编码", "基本目录编码", "目录编码", "basic_code"),
    _c(
        "事项名称",
        "目录清单名称",
        "事项",
        "事项名",
        "服务事项名称",
        "政务服务事项名称",
        "实施清单名称",
        "办理项名称",
        "主项名称",
        "name",
    ),
    _c("事项类型", "类别", "事项类别", "类型", "权力类型", "职权类型", "权力类别", "item_type"),
    _c(
        "实施主体",
        "部门名称",
        "实施部门",
        "单位",
        "部门",
        "单位名称",
        "实施主体名称",
        "实施机关",
        "责任单位",
        "责任部门",
        "办理部门",
        "主管部门",
        "department",
    ),
    _c("实施主体统一社会信用代码", "统一社会信用代码", "信用代码", "实施主体编码", "部门统一社会信用代码"),
    _c("行使层级", "层级"),
    _c("业务属地", "属地"),
    _c("法定办结时限", "法定时限", "法定期限", "法定办理时限"),
    _c("法定时限单位", "法定办结时限单位"),
    _c("承诺办结时限", "承诺时限", "办理时限", "承诺期限", "办结时限", "承诺办理时限", "时限"),
    _c("承诺时限单位", "承诺办结时限单位", "时限单位"),
    _c("办件类型", "办件类别"),
    _c("设定依据", "实施依据", "法律依据", "依据", "设立依据"),
    _c("受理条件", "申请条件", "办理条件"),
    _c("到办事现场次数", "到现场次数", "跑动次数", "到现场办理次数"),
    _c("是否收费", "收费情况"),
    _c("收费依据", "收费标准", "收费依据及标准", "收费标准及依据"),
    _c("办理地点", "受理地点", "办公地点", "窗口地址"),
    _c("办理时间", "受理时间", "办公时间"),
    _c("咨询电话", "咨询方式", "联系电话"),
    _c("监督电话", "投诉电话", "监督投诉电话", "监督投诉方式"),
    _c("通办范围"),
    _c("服务对象", "办理对象"),
    _c("结果名称", "审批结果", "办理结果", "审批结果名称", "结果名称及样本"),
    _c("生命周期", "主题分类"),
    _c("服务站可受理", "便民服务站可受理", "可在服务站办理", "是否下沉"),
    _c("告知承诺制", "是否告知承诺", "告知承诺"),
    _c("当场办结", "当场办结结果", "服务站当场办结", "即办即结"),
    _c("可选业务属地", "其他业务属地", "可选属地"),
    _c("状态", "事项状态"),
    _c("生效日期"),
    _c("取消生效日期", "失效日期", "取消日期"),
    _c("样例数据"),
    _c("备注", "说明", "note"),
    _c("申请年龄下限", "最低年龄", "年龄下限", "年满周岁"),
    _c("申请年龄上限", "最高年龄", "年龄上限"),
    _c("限定性别", "性别要求", "性别限制"),
    _c("户籍地区代码", "户籍要求", "户籍地区", "户籍区划代码"),
    _c(KEYWORDS, "俗称", "关键字", "keywords"),
    _c(ENTER_BY, "进驻市政务服务大厅时限", "enter_by", role="note"),
    _c(SEQ, "编号", "顺序号", "seq", "no", "no.", role="skip"),
)

_MATERIALS = (
    _c("实施编码", "事项实施编码", "事项编码"),
    _c("事项名称", "目录清单名称", "所属事项"),  # links a material to its item when 实施编码 is missing
    _c("材料编码"),
    _c("材料名称", "申请材料名称", "申请材料", "材料"),
    _c("材料类型", "材料类别"),
    _c("来源渠道", "材料来源", "来源"),
    _c("材料形式", "介质要求", "材料介质"),
    _c("原件份数", "原件数量", "原件"),
    _c("复印件份数", "复印件数量", "复印件"),
    _c("必要性", "是否必要", "必要性及描述"),
    _c("可告知承诺"),
    _c("承诺内容"),
    _c("空白表格", "空表"),
    _c("示例样表", "示范文本", "样表"),
    _c("受理标准"),
    _c("可数据共享"),
    _c("备注", "说明"),
    _c(SEQ, "编号", role="skip"),
)

_PROCESS = (_c("实施编码"), _c("步骤名称", "环节名称", "办理环节"), _c("步骤说明", "环节说明"))
_FIELDS = (
    _c("实施编码", "事项实施编码", "事项编码"),
    _c("字段键名", "键名", "字段编码", "key"),
    _c("字段名称", "字段", "表单项", "填写项目"),
    _c("英文名称", "英文字段名称", "label_en"),
    _c("字段类型", "类型", "数据类型"),
    _c("必填", "是否必填"),
    _c("选项", "可选值", "选项值"),
    _c("不晚于今天", "不能晚于今天"),
    _c("填写提示", "提示", "填写说明"),
)
_BUNDLES = (
    _c("一件事编码"),
    _c("一件事名称", "主题名称"),
    _c("包含事项"),
    _c("生命周期"),
    _c("说明"),
    _c("承诺办结时限"),
    _c("承诺时限单位"),
    _c("状态"),
    _c("样例数据"),
    _c(KEYWORDS, "俗称", "关键字"),
)
_JURISDICTIONS = (_c("序号"), _c("业务属地"), _c("区划代码"), _c("咨询电话"), _c("通办窗口"))
_TYPES = (_c("代码"), _c("名称"))
_META = (_c("项目"), _c("值"))

ALIASES: Mapping[str, tuple[ColumnSpec, ...]] = {
    SHEET_ITEMS: _ITEMS,
    SHEET_MATERIALS: _MATERIALS,
    SHEET_PROCESS: _PROCESS,
    SHEET_FIELDS: _FIELDS,
    SHEET_BUNDLES: _BUNDLES,
    SHEET_JURISDICTIONS: _JURISDICTIONS,
    SHEET_ITEM_TYPES: _TYPES,
    SHEET_META: _META,
}

#: What a header row must have for each kind (all of the first group, one of the second), and the
#: weight a matched column adds to the row's score. A materials sheet also names its items, so 材料名称
#: weighs more than 事项名称.
KEY_FIELDS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    SHEET_ITEMS: (frozenset({"事项名称"}), frozenset({"实施主体", "事项类型", "实施编码", "承诺办结时限"})),
    SHEET_MATERIALS: (frozenset({"材料名称"}), frozenset({"实施编码", "事项名称"})),
    SHEET_PROCESS: (frozenset({"步骤名称", "实施编码"}), frozenset()),
    SHEET_FIELDS: (frozenset({"字段键名", "字段名称"}), frozenset()),
    SHEET_BUNDLES: (frozenset({"一件事名称", "包含事项"}), frozenset()),
    SHEET_JURISDICTIONS: (frozenset({"业务属地", "通办窗口"}), frozenset()),
    SHEET_ITEM_TYPES: (frozenset({"代码", "名称"}), frozenset()),
    SHEET_META: (frozenset({"项目", "值"}), frozenset()),
}

#: The unit column that belongs to a limit column (a two-row header "法定办结时限 / 单位").
UNIT_OF: Mapping[str, str] = {"法定办结时限": "法定时限单位", "承诺办结时限": "承诺时限单位"}

_MARKS = re.compile(r"^[*※★☆●◆■#]+|[*※★]+$|[:：]+$")
_PAREN = re.compile(r"^(.+?)[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]$")


def normalize_header(text: str) -> str:
    """A header cell as compared: NFKC, no whitespace, no marks, ASCII lower case."""
    t = unicodedata.normalize("NFKC", text)
    t = "".join(ch for ch in t if not ch.isspace())
    return _MARKS.sub("", t).lower()


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    header: str
    how: Literal["exact", "alias", "saved"]
    role: Role = "field"
    hint: str = ""  # the text in a trailing parenthesis (a unit: 工作日 / 自然日 / 天)


def _index(kind: str) -> dict[str, ColumnSpec]:
    out: dict[str, ColumnSpec] = {}
    for spec in ALIASES[kind]:
        for name in (spec.header, *spec.aliases):
            out.setdefault(normalize_header(name), spec)
    return out


_INDEX = {kind: _index(kind) for kind in ALIASES}


def role_of(kind: str, header: str) -> Role:
    for spec in ALIASES[kind]:
        if spec.header == header:
            return spec.role
    return "note"


def match_header(kind: str, label: str, saved: Mapping[str, str] | None = None) -> HeaderMatch | None:
    """The canonical column ``label`` (a header cell as printed) names in a sheet of ``kind``, or None.

    ``saved`` maps normalised labels to canonical headers (the district's saved mapping); it wins."""
    norm = normalize_header(label)
    if not norm:
        return None
    paren = _PAREN.match(norm)
    candidates = [(norm, "")] + ([(paren.group(1), paren.group(2))] if paren else [])
    for text, hint in candidates:
        if saved and text in saved:
            header = saved[text]
            return HeaderMatch(header, "saved", role_of(kind, header), hint)
    for text, hint in candidates:
        spec = _INDEX[kind].get(text)
        if spec is not None:
            how: Literal["exact", "alias"] = "exact" if text == normalize_header(spec.header) else "alias"
            return HeaderMatch(spec.header, how, spec.role, hint)
    return None


def bundle_keywords_supported() -> bool:
    return "keywords" in getattr(Bundle, "__dataclass_fields__", {})
