"""JSON (de)serialisation of :mod:`casework.catalog`: the dict shape of catalog files, signed catalog payloads
and the station's stored copy. ``Catalog.to_dict`` / ``Catalog.from_dict`` are the entry points; this module
holds the field-by-field codecs so the model module stays about the model.

Every key is always written; ``from_dict`` checks shapes only and collects every malformed entry (with its
place, e.g. ``事项[3].materials[1].copies``) into one :class:`~casework.catalog.CatalogFormatError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from casework.catalog import (
    DEFAULT_ITEM_TYPES,
    Bundle,
    CaseKind,
    Catalog,
    CatalogFormatError,
    CatalogProblem,
    Item,
    ItemStatus,
    Jurisdiction,
    Level,
    LifeEvent,
    Material,
    MaterialForm,
    MaterialSource,
    MaterialType,
    Necessity,
    ProcessStep,
    ServiceObject,
    SpotResult,
    TongbanScope,
)
from casework.formfields import Eligibility, FieldKind, FormField
from casework.identity import Sex
from casework.synonyms import DEFAULT_SYNONYMS
from casework.timelimit import TimeLimit

__all__ = [
    "bundle_to_dict",
    "catalog_from_dict",
    "catalog_to_dict",
    "eligibility_from_dict",
    "eligibility_to_dict",
    "field_to_dict",
    "fields_from_list",
    "item_to_dict",
]


def catalog_to_dict(c: Catalog) -> dict[str, Any]:
    """``Catalog.to_dict``: every key always written, so the round trip of a dict produced here is exact."""
    return {
        "version": c.version,
        "district_code": c.district_code,
        "district_name": c.district_name,
        "issued_at": _datetime_to_str(c.issued_at),
        "item_types": dict(c.item_types),
        "jurisdictions": [_jurisdiction_to_dict(j) for j in c.jurisdictions],
        "items": [item_to_dict(it) for it in c.items],
        "bundles": [bundle_to_dict(b) for b in c.bundles],
        "synonyms": {word: list(words) for word, words in c.synonyms.items()},
    }


def catalog_from_dict(data: Mapping[str, Any], cls: type[Catalog] = Catalog) -> Catalog:
    """``Catalog.from_dict``: shapes only (validate afterwards); :class:`CatalogFormatError` lists every
    malformed entry with where it is."""
    problems: list[CatalogProblem] = []
    r = _Reader(data, "目录", problems)
    version = r.integer("version")
    district_code = r.text("district_code")
    district_name = r.text("district_name")
    issued_at = r.timestamp("issued_at")
    raw_types = r.get("item_types", dict(DEFAULT_ITEM_TYPES))
    item_types: dict[str, str] = {}
    if isinstance(raw_types, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw_types.items()
    ):
        item_types = dict(raw_types)
    else:
        r.fail("item_types", "事项类型代码表必须是“代码: 名称”的字符串映射")
    jurisdictions = _parse_list(r, "jurisdictions", _jurisdiction_from_dict, "业务属地")
    items = _parse_list(r, "items", _item_from_dict, "事项")
    bundles = _parse_list(r, "bundles", _bundle_from_dict, "一件事")
    synonyms = _synonyms(r)
    if problems:
        raise CatalogFormatError(problems)
    assert version is not None and issued_at is not None  # guaranteed when no problems
    return cls(
        version=version,
        district_code=district_code,
        district_name=district_name,
        issued_at=issued_at,
        items=tuple(items),
        bundles=tuple(bundles),
        jurisdictions=tuple(jurisdictions),
        item_types=item_types,
        synonyms=synonyms,
    )


def _synonyms(r: _Reader) -> dict[str, tuple[str, ...]]:
    """``synonyms``: word -> [words]; a catalog without the key (written before synonyms existed) gets the
    default table."""
    raw = r.get("synonyms")
    if raw is None:
        return dict(DEFAULT_SYNONYMS)
    if isinstance(raw, Mapping) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(w, str) for w in v)
        for k, v in raw.items()
    ):
        return {k: tuple(v) for k, v in raw.items()}
    r.fail("synonyms", "同义词表必须是“词: [同义词, …]”的映射")
    return {}


# --------------------------------------------------------------------------------------------- to_dict


def _datetime_to_str(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware (UTC)")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _limit_to_dict(limit: TimeLimit | None) -> dict[str, int | str] | None:
    return None if limit is None else limit.to_dict()


def _material_to_dict(m: Material) -> dict[str, Any]:
    return {
        "code": m.code,
        "name": m.name,
        "material_type": m.material_type.value,
        "source": m.source.value,
        "form": m.form.value,
        "originals": m.originals,
        "copies": m.copies,
        "necessity": m.necessity.value,
        "commitment_allowed": m.commitment_allowed,
        "commitment_text": m.commitment_text,
        "blank_form": m.blank_form,
        "sample_form": m.sample_form,
        "acceptance_standard": m.acceptance_standard,
        "shared_data": m.shared_data,
        "note": m.note,
    }


def item_to_dict(it: Item) -> dict[str, Any]:
    """One 事项 as the JSON dict of catalog files (every key written)."""
    return {
        "code": it.code,
        "basic_code": it.basic_code,
        "name": it.name,
        "item_type": it.item_type,
        "department": it.department,
        "department_credit_code": it.department_credit_code,
        "level": int(it.level),
        "jurisdiction": it.jurisdiction,
        "legal_limit": _limit_to_dict(it.legal_limit),
        "promised_limit": it.promised_limit.to_dict(),
        "case_kind": it.case_kind.value,
        "basis": list(it.basis),
        "conditions": list(it.conditions),
        "process": [{"name": s.name, "description": s.description} for s in it.process],
        "materials": [_material_to_dict(m) for m in it.materials],
        "visits": it.visits,
        "charged": it.charged,
        "fee_basis": it.fee_basis,
        "place": it.place,
        "hours": it.hours,
        "consult_phone": it.consult_phone,
        "supervise_phone": it.supervise_phone,
        "tongban": None if it.tongban is None else it.tongban.value,
        "service_objects": [s.value for s in it.service_objects],
        "result_name": it.result_name,
        "life_events": [e.value for e in it.life_events],
        "keywords": list(it.keywords),
        "station_acceptable": it.station_acceptable,
        "on_the_spot": None if it.on_the_spot is None else it.on_the_spot.value,
        "jurisdictions": list(it.jurisdictions),
        "commitment_offered": it.commitment_offered,
        "status": it.status.value,
        "effective_from": None if it.effective_from is None else it.effective_from.isoformat(),
        "effective_to": None if it.effective_to is None else it.effective_to.isoformat(),
        "sample": it.sample,
        "note": it.note,
        "fields": [field_to_dict(f) for f in it.fields],
        "eligibility": eligibility_to_dict(it.eligibility),
    }


def field_to_dict(f: FormField) -> dict[str, Any]:
    """One 表单字段 as its JSON dict (every key written)."""
    return {
        "key": f.key,
        "label": f.label,
        "label_en": f.label_en,
        "kind": f.kind.value,
        "required": f.required,
        "choices": list(f.choices),
        "past_only": f.past_only,
        "hint": f.hint,
    }


def eligibility_to_dict(e: Eligibility | None) -> dict[str, Any] | None:
    """An item's 申请条件 as its JSON dict; ``None`` when it has none."""
    if e is None:
        return None
    return {
        "min_age": e.min_age,
        "max_age": e.max_age,
        "sex": None if e.sex is None else e.sex.value,
        "area_prefixes": list(e.area_prefixes),
    }


def bundle_to_dict(b: Bundle) -> dict[str, Any]:
    """One 一件事 as the JSON dict of catalog files (every key written)."""
    return {
        "code": b.code,
        "name": b.name,
        "item_codes": list(b.item_codes),
        "life_events": [e.value for e in b.life_events],
        "keywords": list(b.keywords),
        "description": b.description,
        "promised_limit": _limit_to_dict(b.promised_limit),
        "status": b.status.value,
        "sample": b.sample,
    }


def _jurisdiction_to_dict(j: Jurisdiction) -> dict[str, Any]:
    return {"area": j.area, "area_code": j.area_code, "phone": j.phone, "window": j.window, "seq": j.seq}


# --------------------------------------------------------------------------------------------- from_dict

_T = TypeVar("_T")
_EnumT = TypeVar("_EnumT", bound=StrEnum)


class _Reader:
    """Typed access to one dict, recording a problem per malformed key instead of stopping."""

    def __init__(self, data: object, where: str, problems: list[CatalogProblem]) -> None:
        self.where = where
        self.problems = problems
        if not isinstance(data, Mapping):
            self.fail("", "应为对象(JSON object)")
            data = {}
        self.data: Mapping[str, Any] = data

    def fail(self, key: str, message: str) -> None:
        where = f"{self.where}.{key}" if key else self.where
        self.problems.append(CatalogProblem("format", where, message))

    def get(self, key: str, default: object = None) -> Any:
        return self.data.get(key, default)

    def text(self, key: str, default: str | None = None) -> str:
        v = self.data.get(key, default)
        if isinstance(v, str):
            return v
        self.fail(key, "缺少该字段" if v is None else f"应为字符串,实际为{v!r}")
        return ""

    def integer(self, key: str, default: int | None = None) -> int | None:
        v = self.data.get(key, default)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        self.fail(key, "缺少该字段" if v is None else f"应为整数,实际为{v!r}")
        return None

    def flag(self, key: str, default: bool) -> bool:
        v = self.data.get(key, default)
        if isinstance(v, bool):
            return v
        self.fail(key, f"应为 true/false,实际为{v!r}")
        return default

    def strs(self, key: str) -> tuple[str, ...]:
        v = self.data.get(key, [])
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return tuple(v)
        self.fail(key, "应为字符串数组")
        return ()

    def enum(self, key: str, enum: type[_EnumT], default: _EnumT | None = None) -> _EnumT:
        v = self.data.get(key, None if default is None else default.value)
        try:
            return enum(v)
        except ValueError:
            allowed = "、".join(e.value for e in enum)
            self.fail(key, f"取值“{v}”无效,应为:{allowed}")
            return next(iter(enum))

    def enums(self, key: str, enum: type[_EnumT], default: Sequence[_EnumT] = ()) -> tuple[_EnumT, ...]:
        raw = self.data.get(key, [e.value for e in default])
        if not isinstance(raw, list):
            self.fail(key, "应为数组")
            return ()
        out: list[_EnumT] = []
        for v in raw:
            try:
                out.append(enum(v))
            except ValueError:
                allowed = "、".join(e.value for e in enum)
                self.fail(key, f"取值“{v}”无效,应为:{allowed}")
        return tuple(out)

    def date(self, key: str) -> date | None:
        v = self.data.get(key)
        if v is None:
            return None
        if isinstance(v, str) and len(v) == 10:
            try:
                return date.fromisoformat(v)
            except ValueError:
                pass
        self.fail(key, f"应为 ISO 日期(YYYY-MM-DD),实际为{v!r}")
        return None

    def timestamp(self, key: str) -> datetime | None:
        v = self.data.get(key)
        if isinstance(v, str) and v.endswith("Z"):
            try:
                parsed = datetime.fromisoformat(v[:-1] + "+00:00")
                return parsed.astimezone(UTC)
            except ValueError:
                pass
        self.fail(key, f"应为以 Z 结尾的 UTC ISO-8601 时间,实际为{v!r}")
        return None

    def limit(self, key: str, required: bool) -> TimeLimit | None:
        v = self.data.get(key)
        if v is None and not required:
            return None
        if isinstance(v, Mapping):
            try:
                return TimeLimit.from_dict(dict(v))
            except ValueError as e:
                self.fail(key, str(e))
                return None
        self.fail(key, "缺少该字段" if v is None else "应为 {amount, unit}")
        return None


def _parse_list(r: _Reader, key: str, parse: Any, label: str) -> list[Any]:
    raw = r.get(key, [])
    if not isinstance(raw, list):
        r.fail(key, "应为数组")
        return []
    out: list[Any] = []
    for i, entry in enumerate(raw):
        name = (
            entry.get("name") or entry.get("area") or entry.get("label")
            if isinstance(entry, Mapping)
            else None
        )
        where = f"{label}[{i}]" + (f"“{name}”" if isinstance(name, str) else "")
        before = len(r.problems)
        value = parse(_Reader(entry, where, r.problems))
        if len(r.problems) == before:
            out.append(value)
    return out


def _material_from_dict(r: _Reader) -> Material:
    return Material(
        code=r.text("code"),
        name=r.text("name"),
        material_type=r.enum("material_type", MaterialType, MaterialType.CERTIFICATE),
        source=r.enum("source", MaterialSource, MaterialSource.APPLICANT),
        form=r.enum("form", MaterialForm, MaterialForm.PAPER),
        originals=r.integer("originals", 1) or 0,
        copies=r.integer("copies", 0) or 0,
        necessity=r.enum("necessity", Necessity, Necessity.REQUIRED),
        commitment_allowed=r.flag("commitment_allowed", False),
        commitment_text=r.text("commitment_text", ""),
        blank_form=r.text("blank_form", ""),
        sample_form=r.text("sample_form", ""),
        acceptance_standard=r.text("acceptance_standard", ""),
        shared_data=r.flag("shared_data", False),
        note=r.text("note", ""),
    )


def _step_from_dict(r: _Reader) -> ProcessStep:
    return ProcessStep(name=r.text("name"), description=r.text("description", ""))


def _item_from_dict(r: _Reader) -> Item:
    level_raw = r.integer("level")
    level = Level.COMMUNITY
    if level_raw is not None:
        try:
            level = Level(level_raw)
        except ValueError:
            r.fail("level", f"行使层级应为1(国家级)至6(村/社区级),实际为{level_raw}")
    tongban_raw = r.get("tongban")
    tongban = None if tongban_raw is None else r.enum("tongban", TongbanScope)
    spot_raw = r.get("on_the_spot")
    on_the_spot = None if spot_raw is None else r.enum("on_the_spot", SpotResult)
    promised = r.limit("promised_limit", required=True)
    return Item(
        code=r.text("code"),
        basic_code=r.text("basic_code"),
        name=r.text("name"),
        item_type=r.text("item_type"),
        department=r.text("department"),
        department_credit_code=r.text("department_credit_code"),
        level=level,
        jurisdiction=r.text("jurisdiction"),
        legal_limit=r.limit("legal_limit", required=False),
        promised_limit=promised or TimeLimit(0),
        case_kind=r.enum("case_kind", CaseKind, CaseKind.PROMISED),
        basis=r.strs("basis"),
        conditions=r.strs("conditions"),
        process=tuple(_parse_list(r, "process", _step_from_dict, f"{r.where} 办理流程")),
        materials=tuple(_parse_list(r, "materials", _material_from_dict, f"{r.where} 材料")),
        visits=r.integer("visits", 1) or 0,
        charged=r.flag("charged", False),
        fee_basis=r.text("fee_basis", ""),
        place=r.text("place", ""),
        hours=r.text("hours", ""),
        consult_phone=r.text("consult_phone", ""),
        supervise_phone=r.text("supervise_phone", ""),
        tongban=tongban,
        service_objects=r.enums("service_objects", ServiceObject, (ServiceObject.PERSON,)),
        result_name=r.text("result_name", ""),
        life_events=r.enums("life_events", LifeEvent),
        keywords=r.strs("keywords"),
        station_acceptable=r.flag("station_acceptable", False),
        on_the_spot=on_the_spot,
        jurisdictions=r.strs("jurisdictions"),
        commitment_offered=r.flag("commitment_offered", False),
        status=r.enum("status", ItemStatus, ItemStatus.ACTIVE),
        effective_from=r.date("effective_from"),
        effective_to=r.date("effective_to"),
        sample=r.flag("sample", False),
        note=r.text("note", ""),
        fields=tuple(_parse_list(r, "fields", _field_from_dict, f"{r.where} 表单字段")),
        eligibility=_eligibility(r),
    )


def _field_from_dict(r: _Reader) -> FormField:
    return FormField(
        key=r.text("key"),
        label=r.text("label"),
        label_en=r.text("label_en", ""),
        kind=r.enum("kind", FieldKind, FieldKind.TEXT),
        required=r.flag("required", True),
        choices=r.strs("choices"),
        past_only=r.flag("past_only", False),
        hint=r.text("hint", ""),
    )


def _eligibility(r: _Reader) -> Eligibility | None:
    raw = r.get("eligibility")
    if raw is None:
        return None
    return eligibility_from_dict(_Reader(raw, f"{r.where}.eligibility", r.problems))


def eligibility_from_dict(r: _Reader) -> Eligibility:
    sex_raw = r.get("sex")
    return Eligibility(
        min_age=None if r.get("min_age") is None else r.integer("min_age"),
        max_age=None if r.get("max_age") is None else r.integer("max_age"),
        sex=None if sex_raw is None else r.enum("sex", Sex),
        area_prefixes=r.strs("area_prefixes"),
    )


def fields_from_list(raw: object, where: str) -> tuple[tuple[FormField, ...], list[CatalogProblem]]:
    """Parse a JSON list of 表单字段 (the console editor's and the spreadsheet's cell): the fields and
    the problems found."""
    problems: list[CatalogProblem] = []
    r = _Reader({"fields": raw}, where, problems)
    return tuple(_parse_list(r, "fields", _field_from_dict, where)), problems


def _bundle_from_dict(r: _Reader) -> Bundle:
    return Bundle(
        code=r.text("code"),
        name=r.text("name"),
        item_codes=r.strs("item_codes"),
        life_events=r.enums("life_events", LifeEvent),
        keywords=r.strs("keywords"),
        description=r.text("description", ""),
        promised_limit=r.limit("promised_limit", required=False),
        status=r.enum("status", ItemStatus, ItemStatus.ACTIVE),
        sample=r.flag("sample", False),
    )


def _jurisdiction_from_dict(r: _Reader) -> Jurisdiction:
    return Jurisdiction(
        area=r.text("area"),
        area_code=r.text("area_code", ""),
        phone=r.text("phone", ""),
        window=r.text("window", ""),
        seq=r.integer("seq", 0) or 0,
    )
