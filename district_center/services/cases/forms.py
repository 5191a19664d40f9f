"""The form values a case carries (表单字段), laid out per item for the back office.

A 一件事 case keeps each item's values in its sub-case, so a department reviewer (who sees only its own
sub-cases, see :mod:`~district_center.services.cases.backoffice`) sees only what its item asked for::

    form_sections(catalog, document)
    # [{"item_code": "…", "item_name": "新生儿户口登记(出生登记)",
    #   "rows": [("新生儿姓名", "王小明"), ("母亲", "李芳 6101**********0024"), …]}]

Labels come from the current catalog (the key itself when an item no longer declares it); a person's ID
number is masked as the applicant's is on the console.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casework.catalog import Catalog
from casework.formfields import FieldKind, FormField
from casework.identity import mask_id_number

__all__ = ["form_sections"]


def form_sections(catalog: Catalog | None, document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One section per item with form values: the single item's, or each visible sub-case's."""
    owners: list[tuple[str, Mapping[str, Any]]] = []
    if document.get("item_code"):
        owners.append((str(document["item_code"]), document.get("form_values") or {}))
    for sub in document.get("sub_cases") or []:
        owners.append((str(sub.get("item_code")), sub.get("form_values") or {}))
    out: list[dict[str, Any]] = []
    for code, values in owners:
        if not values:
            continue
        item = catalog.item(code) if catalog is not None and catalog.has_item(code) else None
        fields = {f.key: f for f in item.fields} if item is not None else {}
        order = [k for k in fields if k in values] + [k for k in values if k not in fields]
        out.append(
            {
                "item_code": code,
                "item_name": item.name if item is not None else code,
                "rows": [_row(fields.get(k), k, values[k]) for k in order],
            }
        )
    return out


def _row(field: FormField | None, key: str, value: Any) -> tuple[str, str]:
    label = field.label if field is not None else key
    if isinstance(value, Mapping):
        number = str(value.get("id_number") or "")
        return label, f"{value.get('name', '')} {mask_id_number(number) if number else ''}".strip()
    if field is not None and field.kind is FieldKind.ID_NUMBER:
        return label, mask_id_number(str(value))
    return label, str(value)
