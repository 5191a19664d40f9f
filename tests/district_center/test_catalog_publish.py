"""Catalog publishing: staging, diff, signed versions, cancellations, deltas (SQLite and PostgreSQL)."""
# ruff: noqa: F811  (pytest fixtures imported from publishing_helpers)

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.catalog import Catalog, ItemStatus
from casework.catalog_delta import apply_delta
from district_center.db.engine import Database
from district_center.keys import DistrictKeys, generate_keys
from district_center.services.catalog.current import catalog_document, current_catalog
from district_center.services.catalog.publishing import (
    PublishError,
    delta_envelope,
    publish_staged,
    read_staged,
    stage_catalog,
    staged_diff,
    version_history,
)
from sync.protocol import ProtocolError, load_public_key, verify_envelope

from .catalog_samples import code, item, rich_catalog, rich_catalog_dict
from .publishing_helpers import database_url, db, district  # noqa: F401  (fixtures)

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def _verify(document: bytes, keys: DistrictKeys, kind: str) -> dict:
    env = verify_envelope(
        json.loads(document),
        load_public_key(keys.signing_public_b64),
        kind=kind,
        now_iso="2026-06-01T00:00:00Z",
        key_id=keys.key_id,
    )
    return env.payload


def _second_version() -> Catalog:
    doc = rich_catalog_dict()
    doc["items"][0]["name"] = "出生医学证明首次签发"  # changed
    doc["items"][0]["promised_limit"] = {"amount": 3, "unit": "工作日"}
    doc["items"] = [it for it in doc["items"] if it["code"] != code(2)]  # left out -> cancelled
    doc["bundles"][0]["item_codes"] = [code(1), code(3)]
    doc["items"].append(item(5, "低保申请", item_type="07"))  # new
    return Catalog.from_dict(doc)


def test_publish_diff_cancel_and_delta(db: Database, district: tuple[DistrictKeys, Path, Path]) -> None:
    keys, data_dir, _ = district
    with pytest.raises(PublishError) as nothing:
        publish_staged(db, data_dir, keys, actor="user:1", now=NOW)
    assert nothing.value.code == "center.publish.nothing_staged_import_first"

    stage_catalog(db, data_dir, rich_catalog(), actor="user:1", source="清单.xlsx", now=NOW)
    first = staged_diff(db, data_dir)
    assert first is not None and len(first["added_items"]) == 4 and first["new_version"] == 1
    row = publish_staged(
        db, data_dir, keys, actor="user:1", now=NOW, expected_public_key=keys.signing_public_b64
    )
    assert row.version == 1 and read_staged(data_dir) is None

    with db.read_session() as s:
        document = catalog_document(s, 1)
        assert document is not None
        payload = _verify(document, keys, "catalog")
        v1 = current_catalog(s)
    assert v1 is not None and v1.version == 1 and Catalog.from_dict(payload["catalog"]) == v1
    # one changed byte breaks the signature
    tampered = document.replace("出生医学证明办理".encode(), "出生医学证明办里".encode())
    assert tampered != document
    with pytest.raises(ProtocolError):
        _verify(tampered, keys, "catalog")

    stage_catalog(db, data_dir, _second_version(), actor="user:1", source="清单v2.xlsx", now=LATER)
    staged = read_staged(data_dir)
    assert staged is not None
    kept = staged.catalog.item(code(2))
    assert kept.status is ItemStatus.CANCELLED and kept.effective_to is not None
    assert kept.effective_to.isoformat() == "2026-04-01"
    changes = staged_diff(db, data_dir)
    assert changes is not None
    assert changes["added_items"] == [code(5)]
    assert changes["cancelled_items"] == [code(2)]
    changed = {c["code"]: c["fields"] for c in changes["changed_items"]}
    assert set(changed) == {code(1)} and set(changed[code(1)]) == {"name", "promised_limit"}
    assert [c["code"] for c in changes["changed_bundles"]] == ["B-CSYJS"]

    row2 = publish_staged(db, data_dir, keys, actor="user:2", now=LATER)
    assert row2.version == 2
    with db.read_session() as s:
        v2 = current_catalog(s)
        assert v2 is not None and v2.version == 2 and not v2.item(code(2)).accepts_new_cases
        delta = delta_envelope(s, 1)
        assert delta is not None
        delta_payload = _verify(delta, keys, "catalog_delta")
        assert {it["code"] for it in delta_payload["items"]} == {code(1), code(2), code(5)}
        assert apply_delta(v1, delta_payload) == v2
        assert delta_envelope(s, 2) is None
        history = version_history(s)
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["published_by"] == "user:2" and "取消1项" in history[0]["summary"]


def test_publish_refuses_a_foreign_key(db: Database, district: tuple[DistrictKeys, Path, Path]) -> None:
    keys, data_dir, _ = district
    stage_catalog(db, data_dir, rich_catalog(), actor="user:1", source="x", now=NOW)
    with pytest.raises(PublishError) as foreign:
        publish_staged(
            db,
            data_dir,
            generate_keys(),
            actor="user:1",
            now=NOW,
            expected_public_key=keys.signing_public_b64,
        )
    assert foreign.value.code == "center.publish.foreign_key"
    assert read_staged(data_dir) is not None
