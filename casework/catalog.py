"""The service catalog (事项清单 / 实施清单) a district publishes and every station carries offline.

A :class:`Catalog` holds the district's :class:`Item` s (事项, keyed by 实施编码 ``code``), their
:class:`Material` s (申请材料), the :class:`Bundle` s (一件事) that group items across departments, and the
全市通办 :class:`Jurisdiction` windows (业务属地). Field names follow the 实施清单 elements of
GB/T 39046-2020; the code tables (事项类型, 行使层级, …) are enums or, where provinces differ, a table the
catalog carries itself.

Use::

    catalog = Catalog.from_dict(json.loads(text))   # structural errors -> CatalogFormatError
    catalog.validate()                              # every rule broken -> CatalogValidationError
    item = catalog.item("1161…")                    # KeyError with the code when unknown
    for merged in catalog.materials_for("B-CSYJS"): # a bundle's materials, each asked once
        print(merged.material.name, merged.item_codes)
    changes = diff(old_catalog, catalog)            # what the last update changed

The JSON codecs behind ``to_dict`` / ``from_dict`` live in :mod:`casework.catalog_json`; catalog deltas in
:mod:`casework.catalog_delta`.

Hazards:

* ``from_dict`` only checks shapes; a parsed catalog may still break the rules. Always ``validate()``
  a catalog that came from outside before using it to accept cases.
* Lookups index the first item with a code; a catalog with duplicate codes is invalid and
  ``validate()`` says so.
* A cancelled item (取消, 清单之外无审批) is still in the catalog so old cases can show it; callers that
  accept new cases must check :attr:`Item.accepts_new_cases`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any, TypeVar

from casework import messages
from casework.errors import DomainError
from casework.formfields import KEY_PATTERN, Eligibility, FieldKind, FormField, union
from casework.synonyms import DEFAULT_SYNONYMS, fold, synonym_issues
from casework.timelimit import TimeLimit, TimeUnit

__all__ = [
    "DEFAULT_ITEM_TYPES",
    "MAX_KEYWORDS",
    "MAX_KEYWORD_LENGTH",
    "Bundle",
    "CaseKind",
    "Catalog",
    "CatalogDiff",
    "CatalogError",
    "CatalogFormatError",
    "CatalogProblem",
    "CatalogValidationError",
    "Eligibility",
    "FieldKind",
    "FormField",
    "Item",
    "ItemChange",
    "ItemStatus",
    "Jurisdiction",
    "Level",
    "LifeEvent",
    "Material",
    "MaterialForm",
    "MaterialSource",
    "MaterialType",
    "MergedMaterial",
    "Necessity",
    "NotInCatalog",
    "ProcessStep",
    "ServiceObject",
    "SpotResult",
    "TimeLimit",
    "TimeUnit",
    "TongbanScope",
    "diff",
    "item_type_code",
]

# --------------------------------------------------------------------------------------------- code tables

#: 事项类型 code table (Shaanxi / national usage). Provinces vary, so a catalog carries its own copy in
#: ``Catalog.item_types``; this is the default.
DEFAULT_ITEM_TYPES: Mapping[str, str] = {
    "01": "行政许可",
    "04": "行政征收",
    "05": "行政给付",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}


def item_type_code(name: str, table: Mapping[str, str] = DEFAULT_ITEM_TYPES) -> str:
    """Map a 事项类型 name as lists print it ("行政许可", "许可", "公共服务") to its code ("01", "20").

    Raises ``KeyError`` naming the unknown type.
    """
    wanted = name.strip()
    for code, full in table.items():
        if wanted in (full, full.removeprefix("行政"), code):
            return code
    raise NotInCatalog("catalog.unknown_item_type", name=name)


class Level(IntEnum):
    """行使层级."""

    NATIONAL = 1  # 国家级
    PROVINCE = 2  # 省级
    CITY = 3  # 市级
    COUNTY = 4  # 县级
    TOWNSHIP = 5  # 镇(乡、街道)级
    COMMUNITY = 6  # 村(社区)级

    @property
    def label(self) -> str:
        return ("国家级", "省级", "市级", "县级", "镇(街道)级", "村(社区)级")[self.value - 1]


class CaseKind(StrEnum):
    """办件类型: 1 即办件 (done on the spot), 2 承诺件 (done within the promised limit)."""

    IMMEDIATE = "即办件"
    PROMISED = "承诺件"

    @property
    def code(self) -> str:
        return "1" if self is CaseKind.IMMEDIATE else "2"


class TongbanScope(StrEnum):
    """通办范围: where else than the 业务属地 an application may be taken, and so whose applications a window
    may take: :mod:`casework.residence` checks it against the applicant's 户籍/住所 district. ``DISTRICT``
    (区内通办) takes only residents of the catalog's district; an item without a scope is not checked."""

    NATIONWIDE = "全国通办"
    CROSS_PROVINCE = "跨省通办"
    CROSS_CITY = "跨市通办"
    CROSS_COUNTY = "跨县通办"
    CITYWIDE = "全市通办"
    DISTRICT = "区内通办"


class SpotResult(StrEnum):
    """当场办结: what a station hands over when it decides an item itself (the catalog flag's result type)."""

    CERTIFICATE = "证明"  # a 证明 printed at the station
    RECEIPT = "回执"  # a 回执 printed at the station
    CARD = "证件"  # a card or 证 made at the station, with a printed 办结通知


class ServiceObject(StrEnum):
    """服务对象."""

    PERSON = "自然人"
    LEGAL_PERSON = "法人"
    OTHER_ORGANIZATION = "非法人组织"


class LifeEvent(StrEnum):
    """全生命周期 stages used to browse the guide (seeds 002, 003)."""

    BIRTH = "出生"
    EDUCATION = "教育"
    MARRIAGE_CHILDBIRTH = "婚育"
    EMPLOYMENT = "就业"
    HOUSING = "住房"
    TRAVEL = "出行"
    SOCIAL_INSURANCE = "社会保障"
    SOCIAL_ASSISTANCE = "社会救助"
    RETIREMENT = "退休"
    DEATH = "身后"
    OTHER = "其他"
    COMPANY_ESTABLISHMENT = "设立"
    COMPANY_OPERATION = "经营"
    COMPANY_DEREGISTRATION = "注销"

    @property
    def for_companies(self) -> bool:
        return self in (
            LifeEvent.COMPANY_ESTABLISHMENT,
            LifeEvent.COMPANY_OPERATION,
            LifeEvent.COMPANY_DEREGISTRATION,
        )


class ItemStatus(StrEnum):
    """Whether an item (or bundle) is in force. ``cancelled`` items accept no new cases."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class MaterialType(StrEnum):
    """材料类型."""

    CERTIFICATE = "证件证书证明"
    FORM = "申请表格文书"
    OTHER = "其他"


class MaterialSource(StrEnum):
    """来源渠道."""

    APPLICANT = "申请人自备"
    GOVERNMENT = "政府部门核发"
    INTERMEDIARY = "中介机构或法定机构产生"
    OTHER = "其他"


class MaterialForm(StrEnum):
    """材料形式."""

    PAPER = "纸质"
    ELECTRONIC = "电子"
    BOTH = "纸质和电子"


class Necessity(StrEnum):
    """必要性. ``DEFERRABLE`` (容缺后补) may be supplied after 受理 by a due date (容缺受理)."""

    REQUIRED = "必要"
    OPTIONAL = "非必要"
    DEFERRABLE = "容缺后补"


# Strictest first: when two items ask for one material, the merged request keeps the strictest.
_NECESSITY_RANK = {Necessity.REQUIRED: 0, Necessity.DEFERRABLE: 1, Necessity.OPTIONAL: 2}

#: Limits of 俗称 / 关键词 per item or bundle: a keyword is a word or short phrase residents use.
MAX_KEYWORDS = 30
MAX_KEYWORD_LENGTH = 20
KEYWORD_SEPARATORS = ("；", ";", "\n")  # the spreadsheet cell joins keywords with "；"

_CODE_CHARS = re.compile(r"^[0-9A-Z]+$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
BASIC_CODE_LENGTH = 12
IMPLEMENTATION_CODE_LENGTH = 33

# --------------------------------------------------------------------------------------------- errors


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    """One broken rule: a stable machine ``kind``, where it is, and a Chinese message for the admin."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class CatalogError(Exception):
    """Base of catalog errors. ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: Sequence[CatalogProblem]) -> None:
        self.problems: tuple[CatalogProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}


class CatalogFormatError(CatalogError, ValueError):
    """The dict is not shaped like a catalog (missing key, wrong type, unknown enum value)."""


class CatalogValidationError(CatalogError, ValueError):
    """The catalog is well-formed but breaks the 实施清单 rules (see :meth:`Catalog.validate`)."""


class NotInCatalog(DomainError, KeyError):
    """A lookup of something the catalog does not hold (``catalog.no_item``, ``catalog.no_bundle`` …);
    a ``KeyError``, so ``except KeyError`` around a lookup keeps working."""

    code = "catalog.no_item"


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True, kw_only=True)
class Material:
    """申请材料. ``code`` is the material's identity across items: two items asking for the material
    with the same code ask for the same document, and a bundle asks for it once."""

    code: str
    name: str
    material_type: MaterialType = MaterialType.CERTIFICATE
    source: MaterialSource = MaterialSource.APPLICANT
    form: MaterialForm = MaterialForm.PAPER
    originals: int = 1  # 原件份数
    copies: int = 0  # 复印件份数
    necessity: Necessity = Necessity.REQUIRED
    commitment_allowed: bool = False  # 告知承诺制 may replace it
    commitment_text: str = ""  # what the applicant signs instead
    blank_form: str = ""  # 空白表格 reference (file name / URL)
    sample_form: str = ""  # 示例样表 reference
    acceptance_standard: str = ""  # 受理标准
    shared_data: bool = False  # obtainable by 数据共享, the applicant need not bring it
    note: str = ""

    @property
    def deferrable(self) -> bool:
        return self.necessity is Necessity.DEFERRABLE


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessStep:
    """One step of 办理流程 (申请, 受理, 审查, 决定, 办结/送达 …)."""

    name: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """事项: one implementation-list entry, keyed by 实施编码 ``code``.

    ``sample`` is True when the guide details (materials, limits, process …) are sample data written
    for this project, not taken from a published guide; names, departments and types of the 72 city
    items are real (seed 000) even when ``sample`` is True.
    """

    code: str  # 实施编码, 33 chars
    basic_code: str  # 基本编码, 12 chars
    name: str  # 事项名称
    item_type: str  # 事项类型 code, see Catalog.item_types
    department: str  # 实施主体
    department_credit_code: str  # 实施主体统一社会信用代码
    level: Level  # 行使层级
    jurisdiction: str  # 业务属地: a Jurisdiction.area of the catalog
    promised_limit: TimeLimit  # 承诺办结时限
    legal_limit: TimeLimit | None = None  # 法定办结时限; None when the law sets none
    case_kind: CaseKind = CaseKind.PROMISED
    basis: tuple[str, ...] = ()  # 设定依据
    conditions: tuple[str, ...] = ()  # 受理条件
    process: tuple[ProcessStep, ...] = ()  # 办理流程
    materials: tuple[Material, ...] = ()
    visits: int = 1  # 到办事现场次数
    charged: bool = False  # 是否收费
    fee_basis: str = ""  # 收费依据 and 标准
    place: str = ""  # 办理地点
    hours: str = ""  # 办理时间
    consult_phone: str = ""  # 咨询电话
    supervise_phone: str = ""  # 监督电话
    tongban: TongbanScope | None = None  # 通办范围
    service_objects: tuple[ServiceObject, ...] = (ServiceObject.PERSON,)
    result_name: str = ""  # 结果名称
    life_events: tuple[LifeEvent, ...] = ()
    keywords: tuple[str, ...] = ()  # 俗称 / 关键词: how residents name it ("低保", "上户口")
    station_acceptable: bool = False  # may be accepted at a community station (便民服务站)
    #: 当场办结: a station may decide the item itself and hand over this kind of result in the same visit
    on_the_spot: SpotResult | None = None
    #: further 业务属地 the worker may choose at intake (the district that owns the case); ``jurisdiction``
    #: is always the first choice
    jurisdictions: tuple[str, ...] = ()
    commitment_offered: bool = False  # 告知承诺制 offered for this item
    status: ItemStatus = ItemStatus.ACTIVE
    effective_from: date | None = None
    effective_to: date | None = None  # the day cancellation takes effect, for cancelled items
    sample: bool = False
    note: str = ""
    fields: tuple[FormField, ...] = ()  # 表单字段 the department needs (see casework.formfields)
    eligibility: Eligibility | None = None  # simple 申请条件 read from the applicant's ID number

    @property
    def accepts_new_cases(self) -> bool:
        """The catalog status: False for a cancelled item (清单之外无审批). Ignores dates — whether the item
        takes a case on a given day is :meth:`in_force`."""
        return self.status is ItemStatus.ACTIVE

    def in_force(self, on: date) -> bool:
        """Whether a new case may be accepted on ``on`` (a China date): not before ``effective_from``
        (生效日期) and before ``effective_to`` (the day a cancellation takes effect), so a cancellation
        published ahead still accepts cases up to the day before; cancelled without a date: never."""
        if self.effective_from is not None and on < self.effective_from:
            return False
        if self.effective_to is not None:
            return on < self.effective_to
        return self.accepts_new_cases

    @property
    def jurisdiction_choices(self) -> tuple[str, ...]:
        """The 业务属地 a case of this item may belong to: ``jurisdiction`` first, then ``jurisdictions``."""
        return tuple(dict.fromkeys((self.jurisdiction, *self.jurisdictions)))

    def material(self, code: str) -> Material:
        for m in self.materials:
            if m.code == code:
                return m
        raise NotInCatalog("catalog.no_material", item=self.name, code=code)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bundle:
    """一件事: several items across departments, one form and one set of materials (seed 002)."""

    code: str
    name: str
    item_codes: tuple[str, ...]
    life_events: tuple[LifeEvent, ...] = ()
    keywords: tuple[str, ...] = ()  # 俗称 / 关键词 ("生孩子", "开店")
    description: str = ""
    promised_limit: TimeLimit | None = None  # the bundle's own promise, e.g. 7 工作日 for 开小超市
    status: ItemStatus = ItemStatus.ACTIVE
    sample: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Jurisdiction:
    """A 业务属地 and its 全市通办 window (seed 004 attachment 1). ``area`` is the key items refer to;
    ``area_code`` is the GB/T 2260 code where the area has one (开发区 do not)."""

    area: str
    area_code: str = ""
    phone: str = ""
    window: str = ""
    seq: int = 0


@dataclass(frozen=True, slots=True)
class MergedMaterial:
    """A material a bundle asks for once, with the items that need it (``item_codes``, bundle order).

    Where items state it differently, the merge keeps the strictest: most originals and copies, the
    strictest necessity, commitment only if every item allows it, 数据共享 only if every item can use it.
    """

    material: Material
    item_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalog:
    """The district's published catalog document (版本化, reviewed and published by the district)."""

    version: int
    district_code: str
    district_name: str
    issued_at: datetime
    items: tuple[Item, ...] = ()
    bundles: tuple[Bundle, ...] = ()
    jurisdictions: tuple[Jurisdiction, ...] = ()
    item_types: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ITEM_TYPES))
    #: 同义词表 (word -> words) the guide search expands queries with; see :mod:`casework.synonyms`.
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_SYNONYMS))
    _items_by_code: dict[str, Item] = field(init=False, repr=False, compare=False)
    _bundles_by_code: dict[str, Bundle] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        items: dict[str, Item] = {}
        for it in self.items:
            items.setdefault(it.code, it)
        bundles: dict[str, Bundle] = {}
        for b in self.bundles:
            bundles.setdefault(b.code, b)
        object.__setattr__(self, "_items_by_code", items)
        object.__setattr__(self, "_bundles_by_code", bundles)

    # ---- lookups

    def item(self, code: str) -> Item:
        """The item with 实施编码 ``code`` (cancelled ones included). ``KeyError`` when unknown."""
        try:
            return self._items_by_code[code]
        except KeyError:
            raise NotInCatalog("catalog.no_item", code=code) from None

    def bundle(self, code: str) -> Bundle:
        """The 一件事 with ``code``; :class:`NotInCatalog` (a ``KeyError``) when unknown."""
        try:
            return self._bundles_by_code[code]
        except KeyError:
            raise NotInCatalog("catalog.no_bundle", code=code) from None

    def has_item(self, code: str) -> bool:
        return code in self._items_by_code

    def active_items(self) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.status is ItemStatus.ACTIVE)

    def active_bundles(self) -> tuple[Bundle, ...]:
        return tuple(b for b in self.bundles if b.status is ItemStatus.ACTIVE)

    def bundle_items(self, code: str) -> tuple[Item, ...]:
        """The items of bundle ``code``, in the bundle's order (``KeyError`` for an unknown one)."""
        return tuple(self.item(c) for c in self.bundle(code).item_codes)

    def form_fields(self, code: str) -> tuple[FormField, ...]:
        """The one form (一张表单) of item or bundle ``code``: an item's own fields, or the union of a
        bundle's items' fields in the bundle's order, each key asked once. ``KeyError`` when unknown."""
        if code in self._bundles_by_code:
            return union([it.fields for it in self.bundle_items(code)])
        return self.item(code).fields

    def jurisdiction(self, area: str) -> Jurisdiction:
        """The 通办 window of 业务属地 ``area``; ``KeyError`` when the catalog lists none."""
        for j in self.jurisdictions:
            if j.area == area:
                return j
        raise NotInCatalog("catalog.no_jurisdiction", area=area)

    def item_type_name(self, code: str, language: str | None = None) -> str:
        """The 事项类型's name; in the UI language when it is the default table's (a province's own name
        stays as the catalog writes it)."""
        name = self.item_types.get(code, code)
        if DEFAULT_ITEM_TYPES.get(code) == name and messages.has(f"catalog.item_type.{code}", language):
            return messages.text(f"catalog.item_type.{code}", {}, language)
        return name

    def materials_for(self, bundle_code: str) -> tuple[MergedMaterial, ...]:
        """The bundle's materials as one list: a material (same ``Material.code``) needed by several
        items appears once, first-seen order, with every item that needs it.

        Raises ``KeyError`` for an unknown bundle, or for a member item missing from an unvalidated
        catalog (``validate()`` reports that as ``bundle_missing_item``)."""
        order: list[str] = []
        merged: dict[str, Material] = {}
        needed_by: dict[str, list[str]] = {}
        for it in self.bundle_items(bundle_code):
            for m in it.materials:
                if m.code not in merged:
                    order.append(m.code)
                    merged[m.code] = m
                    needed_by[m.code] = [it.code]
                    continue
                merged[m.code] = _merge_material(merged[m.code], m)
                if it.code not in needed_by[m.code]:
                    needed_by[m.code].append(it.code)
        return tuple(MergedMaterial(merged[c], tuple(needed_by[c])) for c in order)

    # ---- validation

    def problems(self) -> list[CatalogProblem]:
        """Every rule the catalog breaks (empty when valid). :meth:`validate` raises with these."""
        return _check_catalog(self)

    def validate(self) -> None:
        """Raise :class:`CatalogValidationError` listing ALL problems; return None when valid."""
        found = self.problems()
        if found:
            raise CatalogValidationError(found)

    # ---- serialisation

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``Catalog.from_dict(c.to_dict()) == c`` and the reverse round trip of a
        dict produced here is exact (every key is always written). See :mod:`casework.catalog_json`."""
        from casework.catalog_json import catalog_to_dict

        return catalog_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalog:
        """Parse a catalog dict. Raises :class:`CatalogFormatError` listing every malformed entry."""
        from casework.catalog_json import catalog_from_dict

        return catalog_from_dict(data, cls)


def _merge_material(a: Material, b: Material) -> Material:
    necessity = min(a.necessity, b.necessity, key=_NECESSITY_RANK.__getitem__)
    commitment = a.commitment_allowed and b.commitment_allowed
    return Material(
        code=a.code,
        name=a.name,
        material_type=a.material_type,
        source=a.source,
        form=a.form if a.form == b.form else MaterialForm.BOTH,
        originals=max(a.originals, b.originals),
        copies=max(a.copies, b.copies),
        necessity=necessity,
        commitment_allowed=commitment,
        commitment_text=(a.commitment_text or b.commitment_text) if commitment else "",
        blank_form=a.blank_form or b.blank_form,
        sample_form=a.sample_form or b.sample_form,
        acceptance_standard=a.acceptance_standard or b.acceptance_standard,
        shared_data=a.shared_data and b.shared_data,
        note=a.note or b.note,
    )


# --------------------------------------------------------------------------------------------- validation


def _check_code(value: str, length: int, kind: str, label: str, where: str) -> list[CatalogProblem]:
    if len(value) != length or not _CODE_CHARS.match(value):
        return [CatalogProblem(kind, where, f"{label}“{value}”格式不正确:应为{length}位数字或大写字母")]
    return []


def _limit_exceeds(promised: TimeLimit, legal: TimeLimit) -> bool:
    """True only when ``promised`` is certainly longer than ``legal`` without a calendar: same unit and
    a larger amount, or working days promised against natural days allowed (N 工作日 ≥ N 自然日)."""
    if promised.unit == legal.unit:
        return promised.amount > legal.amount
    if promised.unit is TimeUnit.WORKING_DAY:
        return promised.amount > legal.amount
    return False


def _check_item(it: Item, types: Mapping[str, str], areas: set[str]) -> list[CatalogProblem]:
    w = f"事项“{it.name or it.code}”({it.code})"
    out: list[CatalogProblem] = []
    out += _check_code(it.code, IMPLEMENTATION_CODE_LENGTH, "malformed_code", "实施编码", w)
    out += _check_code(it.basic_code, BASIC_CODE_LENGTH, "malformed_basic_code", "基本编码", w)
    if not it.name.strip():
        out.append(CatalogProblem("empty_name", w, "事项名称不能为空"))
    if it.item_type not in types:
        out.append(CatalogProblem("unknown_item_type", w, f"事项类型代码“{it.item_type}”不在代码表中"))
    if not it.department.strip():
        out.append(CatalogProblem("missing_department", w, "实施主体不能为空"))
    if not _CREDIT_CODE.match(it.department_credit_code):
        out.append(
            CatalogProblem(
                "malformed_credit_code", w, f"实施主体统一社会信用代码“{it.department_credit_code}”格式不正确"
            )
        )
    for area in it.jurisdiction_choices:
        if areas and area not in areas:
            out.append(CatalogProblem("unknown_jurisdiction", w, f"业务属地“{area}”不在属地表中"))
    if it.on_the_spot is not None and not (it.station_acceptable and it.case_kind is CaseKind.IMMEDIATE):
        out.append(
            CatalogProblem("on_the_spot_not_immediate", w, "当场办结的事项须为便民服务站可受理的即办件")
        )
    if it.legal_limit is not None and _limit_exceeds(it.promised_limit, it.legal_limit):
        out.append(
            CatalogProblem(
                "promised_exceeds_legal",
                w,
                f"承诺办结时限({it.promised_limit})长于法定办结时限({it.legal_limit})",
            )
        )
    if it.case_kind is CaseKind.IMMEDIATE and it.promised_limit.amount != 0:
        out.append(
            CatalogProblem(
                "immediate_with_limit", w, f"即办件的承诺办结时限应为即办,而不是{it.promised_limit}"
            )
        )
    if it.case_kind is CaseKind.PROMISED and it.promised_limit.amount == 0:
        out.append(CatalogProblem("promised_without_limit", w, "承诺件必须有大于0的承诺办结时限"))
    if it.visits < 0:
        out.append(CatalogProblem("negative_visits", w, f"到办事现场次数不能为负数({it.visits})"))
    if it.charged and not it.fee_basis.strip():
        out.append(CatalogProblem("fee_basis_missing", w, "收费事项必须写明收费依据"))
    if not it.service_objects:
        out.append(CatalogProblem("no_service_object", w, "至少要有一个服务对象"))
    if it.status is ItemStatus.CANCELLED and it.effective_to is None:
        out.append(CatalogProblem("cancelled_without_date", w, "已取消的事项必须写明取消生效日期"))
    if it.effective_from and it.effective_to and it.effective_to < it.effective_from:
        out.append(CatalogProblem("effective_dates_reversed", w, "失效日期早于生效日期"))
    out += _check_keywords(it.keywords, w)
    seen: set[str] = set()
    for m in it.materials:
        mw = f"{w} 材料“{m.name}”({m.code})"
        if m.code in seen:
            out.append(CatalogProblem("duplicate_material", mw, "同一事项中材料编码重复"))
        seen.add(m.code)
        if not m.code.strip() or not m.name.strip():
            out.append(CatalogProblem("material_unnamed", mw, "材料编码和材料名称不能为空"))
        if m.originals < 0 or m.copies < 0:
            out.append(
                CatalogProblem(
                    "negative_count", mw, f"原件份数({m.originals})和复印件份数({m.copies})不能为负数"
                )
            )
        if m.commitment_allowed and not m.commitment_text.strip():
            out.append(CatalogProblem("commitment_text_missing", mw, "可告知承诺的材料必须写明承诺内容"))
        if m.commitment_allowed and not it.commitment_offered:
            out.append(CatalogProblem("commitment_not_offered", mw, "材料可告知承诺,但事项未开通告知承诺制"))
    out += _check_fields(it.fields, w)
    if it.eligibility is not None:
        e = it.eligibility
        if (e.min_age is not None and e.min_age < 0) or (
            e.min_age is not None and e.max_age is not None and e.max_age < e.min_age
        ):
            out.append(
                CatalogProblem("eligibility_ages", w, f"申请条件年龄范围不正确({e.min_age}–{e.max_age})")
            )
        bad = [p for p in e.area_prefixes if not (p.isascii() and p.isdigit() and 2 <= len(p) <= 6)]
        if bad:
            out.append(CatalogProblem("eligibility_area", w, f"户籍地区代码应为2至6位数字:{'、'.join(bad)}"))
    return out


def _check_fields(fields: Sequence[FormField], w: str) -> list[CatalogProblem]:
    out: list[CatalogProblem] = []
    seen: set[str] = set()
    for f in fields:
        fw = f"{w} 表单字段“{f.label}”({f.key})"
        if not KEY_PATTERN.match(f.key):
            out.append(
                CatalogProblem("field_key", fw, "字段键名只能用小写英文字母、数字和下划线,且以字母开头")
            )
        if f.key in seen:
            out.append(CatalogProblem("duplicate_field", fw, "同一表单中字段键名重复"))
        seen.add(f.key)
        if not f.label.strip():
            out.append(CatalogProblem("field_unnamed", fw, "字段名称不能为空"))
        if f.kind is FieldKind.CHOICE and len(set(f.choices)) < 2:
            out.append(CatalogProblem("field_choices", fw, "选择题字段至少要有两个不同的选项"))
        if f.kind is not FieldKind.CHOICE and f.choices:
            out.append(CatalogProblem("field_choices", fw, "只有选择题字段可以列出选项"))
    return out


def _problem(kind: str, where: str, **params: Any) -> CatalogProblem:
    """A problem whose words come from the message catalogs (code ``catalog.<kind>``)."""
    from casework.messages import text

    return CatalogProblem(kind, where, text(f"catalog.{kind}", params))


def _check_keywords(keywords: Sequence[str], where: str) -> list[CatalogProblem]:
    out: list[CatalogProblem] = []
    if len(keywords) > MAX_KEYWORDS:
        out.append(_problem("too_many_keywords", where, count=len(keywords), limit=MAX_KEYWORDS))
    seen: set[str] = set()
    for kw in keywords:
        if not kw.strip():
            out.append(_problem("keyword_blank", where))
            continue
        if any(sep in kw for sep in KEYWORD_SEPARATORS):
            out.append(_problem("keyword_separator", where, keyword=kw[:40]))
        if len(kw) > MAX_KEYWORD_LENGTH:
            out.append(_problem("keyword_too_long", where, keyword=kw[:40], limit=MAX_KEYWORD_LENGTH))
        key = fold(kw)
        if key in seen:
            out.append(_problem("duplicate_keyword", where, keyword=kw))
        seen.add(key)
    return out


def _check_catalog(c: Catalog) -> list[CatalogProblem]:
    out: list[CatalogProblem] = []
    if c.version < 1:
        out.append(CatalogProblem("bad_version", "目录", f"版本号必须是正整数,而不是{c.version}"))
    if not c.district_code.strip() or not c.district_name.strip():
        out.append(CatalogProblem("missing_district", "目录", "必须写明发布目录的区县代码和名称"))
    areas: set[str] = set()
    for j in c.jurisdictions:
        if j.area in areas:
            out.append(CatalogProblem("duplicate_jurisdiction", f"业务属地“{j.area}”", "业务属地重复"))
        areas.add(j.area)
    seen_items: set[str] = set()
    material_names: dict[str, tuple[str, str]] = {}
    for it in c.items:
        if it.code in seen_items:
            out.append(
                CatalogProblem("duplicate_item_code", f"事项“{it.name}”({it.code})", "实施编码与另一事项重复")
            )
        seen_items.add(it.code)
        out += _check_item(it, c.item_types, areas)
        for m in it.materials:
            first = material_names.setdefault(m.code, (m.name, it.name))
            if first[0] != m.name:
                out.append(
                    CatalogProblem(
                        "material_name_conflict",
                        f"材料编码 {m.code}",
                        f"事项“{first[1]}”称其为“{first[0]}”,事项“{it.name}”称其为“{m.name}”;同一编码必须是同一材料",
                    )
                )
    kinds: dict[str, tuple[FieldKind, str]] = {}
    for owner, fields in [(it.name, it.fields) for it in c.items]:
        for f in fields:
            first = kinds.setdefault(f.key, (f.kind, owner))
            if first[0] is not f.kind:
                out.append(
                    CatalogProblem(
                        "field_kind_conflict",
                        f"表单字段 {f.key}",
                        f"“{first[1]}”中为{first[0].value},“{owner}”中为{f.kind.value};同一键名必须是同一问题",
                    )
                )
    seen_bundles: set[str] = set()
    for b in c.bundles:
        w = f"一件事“{b.name}”({b.code})"
        if b.code in seen_bundles:
            out.append(CatalogProblem("duplicate_bundle_code", w, "一件事编码重复"))
        seen_bundles.add(b.code)
        if not b.code.strip() or not b.name.strip():
            out.append(CatalogProblem("bundle_unnamed", w, "一件事的编码和名称不能为空"))
        out += _check_keywords(b.keywords, w)
        if len(set(b.item_codes)) < 2:
            out.append(CatalogProblem("bundle_too_small", w, "一件事至少要包含两个不同的事项"))
        if len(set(b.item_codes)) != len(b.item_codes):
            out.append(CatalogProblem("bundle_duplicate_item", w, "一件事中同一事项出现多次"))
        for code in b.item_codes:
            if not c.has_item(code):
                out.append(CatalogProblem("bundle_missing_item", w, f"包含的事项 {code} 不在目录中"))
            elif b.status is ItemStatus.ACTIVE and not c.item(code).accepts_new_cases:
                out.append(
                    CatalogProblem(
                        "bundle_cancelled_item", w, f"包含的事项“{c.item(code).name}”({code})已取消"
                    )
                )
    for kind, word, params in synonym_issues(c.synonyms):
        out.append(_problem(kind, f"同义词“{word}”" if word else "同义词表", **params))
    return out


# --------------------------------------------------------------------------------------------- diff


@dataclass(frozen=True, slots=True)
class ItemChange:
    """An item or bundle present in both versions whose fields differ (``fields`` are dict keys)."""

    code: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CatalogDiff:
    """What changed from ``old_version`` to ``new_version``.

    ``cancelled_*`` are entries that turned cancelled or disappeared (``removed_*`` lists the latter
    again, separately); ``changed_*`` excludes cancellations and includes reinstatements (field
    ``status``)."""

    old_version: int
    new_version: int
    added_items: tuple[str, ...] = ()
    changed_items: tuple[ItemChange, ...] = ()
    cancelled_items: tuple[str, ...] = ()
    removed_items: tuple[str, ...] = ()
    added_bundles: tuple[str, ...] = ()
    changed_bundles: tuple[ItemChange, ...] = ()
    cancelled_bundles: tuple[str, ...] = ()
    removed_bundles: tuple[str, ...] = ()
    synonyms_changed: bool = False  # the 同义词表 differs

    @property
    def is_empty(self) -> bool:
        return not (
            self.synonyms_changed
            or self.added_items
            or self.changed_items
            or self.cancelled_items
            or self.added_bundles
            or self.changed_bundles
            or self.cancelled_bundles
        )

    def summary(self) -> str:
        """One Chinese line for the station's "本次目录更新" notice."""
        return (
            f"目录由第{self.old_version}版更新为第{self.new_version}版:新增事项{len(self.added_items)}项,"
            f"变更{len(self.changed_items)}项,取消{len(self.cancelled_items)}项;"
            f"新增一件事{len(self.added_bundles)}个,变更{len(self.changed_bundles)}个,"
            f"取消{len(self.cancelled_bundles)}个" + (";同义词表已更新" if self.synonyms_changed else "")
        )


_E = TypeVar("_E", Item, Bundle)


def _diff_entries(
    old: Iterable[_E], new: Iterable[_E], to_dict: Any
) -> tuple[tuple[str, ...], tuple[ItemChange, ...], tuple[str, ...], tuple[str, ...]]:
    old_by = {e.code: e for e in old}
    new_by = {e.code: e for e in new}
    added = tuple(c for c in new_by if c not in old_by)
    removed = tuple(c for c in old_by if c not in new_by)
    changed: list[ItemChange] = []
    cancelled: list[str] = []
    for code, n in new_by.items():
        o = old_by.get(code)
        if o is None or o == n:
            continue
        if o.status is ItemStatus.ACTIVE and n.status is ItemStatus.CANCELLED:
            cancelled.append(code)
            continue
        od, nd = to_dict(o), to_dict(n)
        fields = tuple(k for k in nd if od.get(k) != nd[k])
        changed.append(ItemChange(code, n.name, fields))
    return added, tuple(changed), tuple(cancelled) + removed, removed


def diff(old: Catalog, new: Catalog) -> CatalogDiff:
    """Compare two catalog versions by item 实施编码 and bundle code (see :class:`CatalogDiff`)."""
    from casework.catalog_json import bundle_to_dict, item_to_dict

    ai, ci, xi, ri = _diff_entries(old.items, new.items, item_to_dict)
    ab, cb, xb, rb = _diff_entries(old.bundles, new.bundles, bundle_to_dict)
    synonyms_changed = dict(old.synonyms) != dict(new.synonyms)
    return CatalogDiff(old.version, new.version, ai, ci, xi, ri, ab, cb, xb, rb, synonyms_changed)
