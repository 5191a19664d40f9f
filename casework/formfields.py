"""Catalog-defined form fields (表单字段) and eligibility conditions (申请条件) of an item or a 一件事.

An item declares the typed fields its department needs; the intake form renders them. A bundle's form is the
union of its items' fields, each key asked once (:func:`union`), and each item's sub-case keeps the values of
its own fields (:func:`values_for`)::

    name = FormField("newborn_name", "新生儿姓名", FieldKind.TEXT, label_en="Newborn's name")
    name.problem("")                         # Problem('form.field.required', field='newborn_name')
    validate([name], {"newborn_name": "王小明"}, today=d)   # []

The same ``key`` in two items is the same question (出生一件事: the newborn's name feeds the birth
certificate, the 户口 and the insurance items); a catalog where one key has two kinds is refused.

Eligibility is simple and read from the 居民身份证号码 only: age in full years from its birth date, sex from
its 顺序码, and 户籍 district from its first six digits. Hazard: those digits are where the number was first
issued, not always today's 户籍 — a failed condition is a warning the worker may override with a reason
(:func:`eligibility_problems`), never a refusal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from casework.identity import Sex, birth_date_from_resident_id, phone_problem, resident_id_problem
from casework.problems import Problem

__all__ = [
    "KEY_PATTERN",
    "Eligibility",
    "FieldKind",
    "FormField",
    "age_on",
    "eligibility_problems",
    "union",
    "validate",
    "values_for",
]

#: A field key: lower-case ASCII, digits and underscores, starting with a letter (``newborn_birth_date``).
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")

_MAX_TEXT = 200
_MAX_ADDRESS = 300


class FieldKind(StrEnum):
    """字段类型. The value of a PERSON field is a mapping ``{"name": …, "id_number": …}``; the others are
    strings (a DATE is ISO ``YYYY-MM-DD``, a CHOICE one of the field's ``choices``)."""

    TEXT = "text"
    DATE = "date"
    CHOICE = "choice"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    ADDRESS = "address"
    PERSON = "person"


@dataclass(frozen=True, slots=True)
class FormField:
    """One question of an item's form. ``label`` is the Chinese label, ``label_en`` the English one."""

    key: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()  # CHOICE only
    past_only: bool = False  # DATE only: not after today (a birth date)
    hint: str = ""
    label_en: str = ""

    def label_in(self, language: str) -> str:
        return self.label_en or self.label if language == "en" else self.label

    def problem(self, value: Any, *, today: dt.date | None = None) -> Problem | None:
        """What is wrong with ``value`` for this field (a :class:`Problem` whose ``field`` is this key), or
        ``None``. Empty optional fields are fine."""
        found = self._problem(value, today)
        return None if found is None else Problem(found.code, found.params, self.key)

    def _problem(self, value: Any, today: dt.date | None) -> Problem | None:
        if self.kind is FieldKind.PERSON:
            return self._person_problem(value, today)
        text = value.strip() if isinstance(value, str) else ""
        if value is not None and not isinstance(value, str):
            return Problem("form.field.not_text")
        if not text:
            return Problem("form.field.required") if self.required else None
        if self.kind is FieldKind.ID_NUMBER:
            return resident_id_problem(text, today=today)
        if self.kind is FieldKind.PHONE:
            return phone_problem(text)
        if self.kind is FieldKind.DATE:
            return _date_problem(text, self.past_only, today)
        if self.kind is FieldKind.CHOICE and text not in self.choices:
            return Problem("form.field.choice", {"choices": list(self.choices)})
        limit = _MAX_ADDRESS if self.kind is FieldKind.ADDRESS else _MAX_TEXT
        if len(text) > limit:
            return Problem("form.field.too_long", {"limit": limit, "length": len(text)})
        return None

    def _person_problem(self, value: Any, today: dt.date | None) -> Problem | None:
        if value is None or value == "" or (isinstance(value, Mapping) and not any(value.values())):
            return Problem("form.field.person_required") if self.required else None
        if not isinstance(value, Mapping):
            return Problem("form.field.not_person")
        name = str(value.get("name") or "").strip()
        if not name:
            return Problem("form.field.person_name")
        if len(name) > _MAX_TEXT:
            return Problem("form.field.too_long", {"limit": _MAX_TEXT, "length": len(name)})
        return resident_id_problem(str(value.get("id_number") or "").strip(), today=today)


def _date_problem(text: str, past_only: bool, today: dt.date | None) -> Problem | None:
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return Problem("form.field.date")
    if past_only and today is not None and day > today:
        return Problem("form.field.date_future")
    return None


def validate(
    fields: Iterable[FormField], values: Mapping[str, Any], *, today: dt.date | None = None
) -> list[Problem]:
    """Every problem of ``values`` against ``fields``, in field order (one per field at most)."""
    out: list[Problem] = []
    for f in fields:
        p = f.problem(values.get(f.key), today=today)
        if p is not None:
            out.append(p)
    return out


def union(forms: Iterable[Sequence[FormField]]) -> tuple[FormField, ...]:
    """The fields of several forms, each key once, in first-seen order: the bundle's one form (一张表单).
    A key required by any form is required in the union."""
    merged: dict[str, FormField] = {}
    for form in forms:
        for f in form:
            first = merged.get(f.key)
            if first is None:
                merged[f.key] = f
            elif f.required and not first.required:
                merged[f.key] = FormField(**{**_as_kwargs(first), "required": True})
    return tuple(merged.values())


def _as_kwargs(f: FormField) -> dict[str, Any]:
    return {name: getattr(f, name) for name in FormField.__slots__}


def values_for(fields: Iterable[FormField], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values one item needs, out of the whole form's ``values`` (blank ones left out)."""
    out: dict[str, Any] = {}
    for f in fields:
        v = values.get(f.key)
        if isinstance(v, str):
            v = v.strip()
        if v not in (None, "") and not (isinstance(v, Mapping) and not any(v.values())):
            out[f.key] = dict(v) if isinstance(v, Mapping) else v
    return out


# --------------------------------------------------------------------------------------------- eligibility


@dataclass(frozen=True, slots=True)
class Eligibility:
    """An item's simple conditions on the applicant, read from the applicant's 居民身份证号码.

    ``min_age`` / ``max_age`` in full years (inclusive), ``sex`` one of :class:`casework.identity.Sex`,
    ``area_prefixes`` the GB/T 2260 codes the number's first digits must start with (``"610114"`` for
    阎良区 户籍, ``"61"`` for the province).
    """

    min_age: int | None = None
    max_age: int | None = None
    sex: Sex | None = None
    area_prefixes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.min_age is None and self.max_age is None and self.sex is None and not self.area_prefixes


def age_on(born: dt.date, today: dt.date) -> int:
    """Age in full years (周岁) on ``today``; someone born on 29 February turns a year older on 1 March."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def eligibility_problems(rule: Eligibility | None, id_number: str, *, today: dt.date) -> list[Problem]:
    """The conditions of ``rule`` that the holder of ``id_number`` fails (``eligibility.*`` codes), as
    warnings for the worker; ``eligibility.unknown`` when the number is not a valid resident ID so nothing
    can be read from it."""
    if rule is None or rule.empty:
        return []
    if resident_id_problem(id_number, today=today) is not None:
        return [Problem("eligibility.unknown")]
    out: list[Problem] = []
    age = age_on(birth_date_from_resident_id(id_number), today)
    if rule.min_age is not None and age < rule.min_age:
        out.append(Problem("eligibility.age_below", {"age": age, "min_age": rule.min_age}))
    if rule.max_age is not None and age > rule.max_age:
        out.append(Problem("eligibility.age_above", {"age": age, "max_age": rule.max_age}))
    if rule.sex is not None:
        holder = Sex.MALE if int(id_number[16]) % 2 == 1 else Sex.FEMALE
        if holder is not rule.sex:
            out.append(Problem("eligibility.sex", {"sex_code": f"sex.{rule.sex.name.lower()}"}))
    if rule.area_prefixes and not any(id_number.startswith(p) for p in rule.area_prefixes):
        out.append(Problem("eligibility.area", {"areas": list(rule.area_prefixes), "area": id_number[:6]}))
    return out
