"""The catalog-defined part of the intake form (表单字段) and the item's eligibility warnings (申请条件).

One form per draft: an item's own fields, or for a 一件事 the union of its items' fields, each asked once
(:meth:`casework.catalog.Catalog.form_fields`). The values live in ``draft["form"]``; at 受理 each item's
sub-case gets the values of its own fields (:func:`fill_case`)::

    form = IntakeForm(catalog, draft)
    form.set("newborn_name", "王小明")
    form.live_problems()          # {} — only what is filled in is checked while typing
    form.problems()               # every required field still empty, by key
    form.eligibility_warnings()   # [("高龄津贴申领", "申请人60周岁，本事项要求年满80周岁")]

A field's error is recomputed from its current value on every change, so it clears as soon as the value is
right. Hazard: values hold personal data (a parent's ID number); they stay in the encrypted draft and case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casework import clock
from casework.cases import Case
from casework.catalog import Catalog, Item
from casework.formfields import FieldKind, FormField, eligibility_problems, validate, values_for
from casework.identity import normalize_resident_id
from casework.messages import current_language
from casework.problems import Problem

__all__ = ["EligibilityWarning", "IntakeForm", "fill_case"]

# 证件类型 whose number is a GB 11643 citizen number: the conditions can be read from it.
_RESIDENT_ID_TYPES = frozenset({"111", "112", "113"})


@dataclass(frozen=True, slots=True)
class EligibilityWarning:
    """One 申请条件 an item's applicant does not meet."""

    item_code: str
    item_name: str
    problem: Problem

    def text(self) -> str:
        sep = "：" if current_language() == "zh_CN" else ": "
        return f"{self.item_name}{sep}{self.problem.text()}"


class IntakeForm:
    """The form fields and eligibility of one intake draft (a view over ``draft``; mutates it)."""

    def __init__(self, catalog: Catalog, draft: dict[str, Any]) -> None:
        self.catalog = catalog
        self.draft = draft
        self.code = str(draft.get("item_code") or draft.get("bundle_code"))
        draft.setdefault("form", {})

    @property
    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = self.draft["form"]
        return values

    def fields(self) -> tuple[FormField, ...]:
        try:
            return self.catalog.form_fields(self.code)
        except KeyError:
            return ()

    def items(self) -> tuple[Item, ...]:
        if self.catalog.has_item(self.code):
            return (self.catalog.item(self.code),)
        return self.catalog.bundle_items(self.code)

    def set(self, key: str, value: Any) -> None:
        """Record one answer; ID numbers are normalised (spaces out, ``x`` → ``X``)."""
        kinds = {f.key: f.kind for f in self.fields()}
        if kinds.get(key) is FieldKind.ID_NUMBER and isinstance(value, str):
            value = normalize_resident_id(value)
        elif kinds.get(key) is FieldKind.PERSON and isinstance(value, Mapping):
            value = {
                "name": str(value.get("name") or "").strip(),
                "id_number": normalize_resident_id(str(value.get("id_number") or "")),
            }
        elif isinstance(value, str):
            value = value.strip()
        self.values[key] = value

    def problems(self) -> dict[str, Problem]:
        """Every field problem, by key (required fields left empty included): checked before 下一步."""
        today = clock.china_today()
        return {p.field: p for p in validate(self.fields(), self.values, today=today)}

    def live_problems(self) -> dict[str, Problem]:
        """Problems of the fields filled in so far (an empty field is not an error while typing)."""
        return {k: p for k, p in self.problems().items() if _filled(self.values.get(k))}

    # -- eligibility ---------------------------------------------------------------------------------------
    def eligibility_warnings(self) -> list[EligibilityWarning]:
        """The 申请条件 the applicant fails, per item; empty while the applicant's number is not a valid
        resident ID (the ID field shows that error) or the applicant is an organisation."""
        applicant = self.draft.get("applicant") or {}
        if applicant.get("id_type") not in _RESIDENT_ID_TYPES:
            return []
        number = str(applicant.get("id_number") or "")
        today = clock.china_today()
        out: list[EligibilityWarning] = []
        for item in self.items():
            for p in eligibility_problems(item.eligibility, number, today=today):
                if p.code != "eligibility.unknown":
                    out.append(EligibilityWarning(item.code, item.name, p))
        return out

    @property
    def override_reason(self) -> str:
        return str(self.draft.get("eligibility_reason") or "")

    def set_override_reason(self, reason: str) -> None:
        self.draft["eligibility_reason"] = reason.strip()

    def review_problems(self) -> list[str]:
        """What stops 受理: a field problem, or a failed condition without the worker's reason."""
        sep = "：" if current_language() == "zh_CN" else ": "
        out = [f"{self._label(k)}{sep}{p.text()}" for k, p in self.problems().items()]
        if self.eligibility_warnings() and not self.override_reason:
            out.append(self.reason_problem())
        return out

    @staticmethod
    def reason_problem() -> str:
        """The words of "a failed condition needs the worker's reason"."""
        return Problem("eligibility.override_reason").text()

    def _label(self, key: str) -> str:
        for f in self.fields():
            if f.key == key:
                return f.label_in(current_language())
        return key

    def override(self, worker_id: str) -> dict[str, Any] | None:
        """What the case records when it is accepted although a condition fails."""
        warnings = self.eligibility_warnings()
        if not warnings:
            return None
        codes: dict[str, list[str]] = {}
        for w in warnings:
            codes.setdefault(w.item_code, []).append(w.problem.code)
        return {"reason": self.override_reason, "codes": codes, "by": worker_id}


def fill_case(case: Case, form: IntakeForm, worker_id: str) -> None:
    """Put the form on ``case``: a single item keeps all its values, each bundle sub-case its own item's."""
    values = form.values
    if case.bundle_code is None:
        case.form_values = values_for(form.fields(), values)
    else:
        for sub in case.sub_cases:
            if form.catalog.has_item(sub.item_code):
                sub.form_values = values_for(form.catalog.item(sub.item_code).fields, values)
    case.eligibility_override = form.override(worker_id)


def _filled(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(str(v).strip() for v in value.values())
    return value is not None and str(value).strip() != ""
