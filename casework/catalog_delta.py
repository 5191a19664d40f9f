"""Catalog deltas (目录增量): what a station holding version ``since`` needs to reach a newer version.

Pure code over :mod:`casework.catalog`, shared by the district center (which writes the payload of a signed
``catalog_delta`` envelope) and the station (which applies it)::

    payload = delta_payload(old, new)            # the district center, on publishing ``new``
    assert apply_delta(old, payload) == new      # the station, holding exactly ``old``

Payload shape (JSON)::

    {"since": 3, "version": 5,
     "header": {district_code, district_name, issued_at, item_types, jurisdictions, synonyms},
     "items": [full item dicts: new, changed and cancelled ones],
     "bundles": [full bundle dicts: new, changed and cancelled ones],
     "removed_items": [codes], "removed_bundles": [codes],
     "item_order": [every item code of the new version], "bundle_order": [every bundle code],
     "changes": diff_dict(...)}

Hazard: a delta applies only to exactly version ``since``; :func:`apply_delta` refuses any other base and any
payload that does not cover the new version, with :class:`DeltaError` — the station then fetches the full
catalog. Cancelled items are sent in full with ``status: cancelled`` (清单之外无审批: stations refuse new
cases for them). The result comes from ``Catalog.from_dict``; validate it like any catalog from outside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casework.catalog import Catalog, CatalogDiff, diff
from casework.errors import DomainError

__all__ = ["DeltaError", "apply_delta", "delta_payload", "diff_dict"]

_HEADER_KEYS = ("district_code", "district_name", "issued_at", "item_types", "jurisdictions", "synonyms")
#: Header keys a delta from an older district center may lack; the station keeps its own value then.
_OPTIONAL_HEADER_KEYS = frozenset({"synonyms"})


class DeltaError(DomainError, ValueError):
    """A delta that does not fit the catalog it is applied to (``catalog.delta.*``). Not a
    :class:`~casework.catalog.CatalogError`: the remedy is fetching the full catalog, not refusing it."""

    code = "catalog.delta.malformed"


def diff_dict(d: CatalogDiff) -> dict[str, Any]:
    """A :class:`CatalogDiff` as JSON: codes, and for changed entries the changed field names."""
    return {
        "old_version": d.old_version,
        "new_version": d.new_version,
        "added_items": list(d.added_items),
        "changed_items": [
            {"code": c.code, "name": c.name, "fields": list(c.fields)} for c in d.changed_items
        ],
        "cancelled_items": list(d.cancelled_items),
        "removed_items": list(d.removed_items),
        "added_bundles": list(d.added_bundles),
        "changed_bundles": [
            {"code": c.code, "name": c.name, "fields": list(c.fields)} for c in d.changed_bundles
        ],
        "cancelled_bundles": list(d.cancelled_bundles),
        "removed_bundles": list(d.removed_bundles),
        "synonyms_changed": d.synonyms_changed,
        "summary": d.summary(),
        "empty": d.is_empty,
    }


def delta_payload(old: Catalog, new: Catalog) -> dict[str, Any]:
    """The delta from ``old`` to ``new`` (see the module docstring for the shape)."""
    d = diff(old, new)
    new_doc = new.to_dict()
    touched_items = set(d.added_items) | {c.code for c in d.changed_items} | set(d.cancelled_items)
    touched_bundles = set(d.added_bundles) | {c.code for c in d.changed_bundles} | set(d.cancelled_bundles)
    return {
        "since": old.version,
        "version": new.version,
        "header": {k: new_doc[k] for k in _HEADER_KEYS},
        "items": [it for it in new_doc["items"] if it["code"] in touched_items],
        "bundles": [b for b in new_doc["bundles"] if b["code"] in touched_bundles],
        "removed_items": list(d.removed_items),
        "removed_bundles": list(d.removed_bundles),
        "item_order": [it["code"] for it in new_doc["items"]],
        "bundle_order": [b["code"] for b in new_doc["bundles"]],
        "changes": diff_dict(d),
    }


def apply_delta(old: Catalog, payload: Mapping[str, Any]) -> Catalog:
    """The catalog ``payload`` leads to from ``old``, which must be exactly version ``payload['since']``.

    Raises :class:`DeltaError` for another base or a payload that is incomplete or malformed (missing
    header, order naming an entry neither the base nor the delta holds); ``CatalogFormatError`` when the
    merged document is not a catalog."""
    if payload.get("since") != old.version:
        raise DeltaError("catalog.delta.other_base", since=str(payload.get("since")), held=old.version)
    doc = old.to_dict()
    items: dict[str, Any] = {it["code"]: it for it in doc["items"]}
    bundles: dict[str, Any] = {b["code"]: b for b in doc["bundles"]}
    try:
        for it in payload.get("items", []):
            items[it["code"]] = it
        for b in payload.get("bundles", []):
            bundles[b["code"]] = b
        for code in payload.get("removed_items", []):
            items.pop(code, None)
        for code in payload.get("removed_bundles", []):
            bundles.pop(code, None)
        header = {
            k: payload["header"][k]
            for k in _HEADER_KEYS
            if k in payload["header"] or k not in _OPTIONAL_HEADER_KEYS
        }
        ordered_items = [items[c] for c in payload["item_order"]]
        ordered_bundles = [bundles[c] for c in payload["bundle_order"]]
        version = payload["version"]
    except KeyError as exc:
        raise DeltaError("catalog.delta.incomplete", missing=str(exc.args[0])) from None
    except TypeError:
        raise DeltaError("catalog.delta.malformed") from None
    new_doc = dict(doc, **header, version=version, items=ordered_items, bundles=ordered_bundles)
    return Catalog.from_dict(new_doc)
