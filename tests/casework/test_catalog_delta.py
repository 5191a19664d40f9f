"""casework.catalog_delta: the delta the center publishes leads a station from ``since`` to exactly the new
version; anything that does not fit is a DeltaError (the station then fetches the full catalog)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casework.catalog import Catalog, ItemStatus
from casework.catalog_delta import DeltaError, apply_delta, delta_payload

SAMPLE = Path(__file__).resolve().parents[2] / "casework" / "data" / "sample-catalog.json"


def _pair() -> tuple[Catalog, Catalog]:
    old_doc: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    old = Catalog.from_dict(old_doc)
    new_doc = old.to_dict()
    new_doc["version"] = old.version + 2
    new_doc["issued_at"] = "2026-12-01T00:00:00Z"
    new_doc["items"][0]["name"] += "（变更）"
    new_doc["items"][1]["status"] = ItemStatus.CANCELLED.value
    removed = new_doc["items"].pop(2)["code"]
    new_doc["bundles"] = [b for b in new_doc["bundles"] if removed not in b["item_codes"]]
    new_doc["items"].reverse()
    return old, Catalog.from_dict(new_doc)


def test_delta_leads_exactly_to_the_new_version() -> None:
    old, new = _pair()
    payload = delta_payload(old, new)
    assert len(payload["items"]) == 2 and len(payload["removed_items"]) == 1
    assert apply_delta(old, json.loads(json.dumps(payload))) == new
    assert old.items[1].code in payload["changes"]["cancelled_items"]  # removed ones count too


def test_another_base_is_refused() -> None:
    old, new = _pair()
    payload = delta_payload(old, new)
    with pytest.raises(DeltaError) as info:
        apply_delta(new, payload)
    assert info.value.code == "catalog.delta.other_base"
    assert info.value.params == {"since": str(old.version), "held": new.version}


@pytest.mark.parametrize("broken", ["header", "item_order", "version", "items"])
def test_incomplete_or_malformed_delta_is_a_delta_error(broken: str) -> None:
    old, new = _pair()
    payload = delta_payload(old, new)
    if broken == "items":
        payload["items"] = [None]
        payload["item_order"].append("NOT-IN-EITHER")
    elif broken == "item_order":
        payload["item_order"].append("NOT-IN-EITHER")
    else:
        del payload[broken]
    with pytest.raises(DeltaError):
        apply_delta(old, payload)


def test_delta_carries_keywords_and_the_synonym_table() -> None:
    old, _ = _pair()
    doc = old.to_dict()
    doc["version"] = old.version + 1
    doc["items"][5]["keywords"] = ["新俗称"]
    doc["synonyms"] = {"娃娃": ["孩子"]}
    new = Catalog.from_dict(doc)
    payload = delta_payload(old, new)
    assert [it["code"] for it in payload["items"]] == [old.items[5].code]
    assert payload["header"]["synonyms"] == {"娃娃": ["孩子"]} and payload["changes"]["synonyms_changed"]
    assert apply_delta(old, json.loads(json.dumps(payload))) == new


def test_a_delta_without_synonyms_keeps_the_stations_table() -> None:
    """A center that predates synonym tables sends headers without them: nothing is lost."""
    old, new = _pair()
    payload = delta_payload(old, new)
    del payload["header"]["synonyms"]
    assert apply_delta(old, payload).synonyms == old.synonyms
