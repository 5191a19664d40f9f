"""docs/protocol.md's message tables are the protocol's own definitions (scripts/protocol_doc.py writes them),
and the center's OpenAPI document describes its station endpoints with those same definitions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("protocol_doc", ROOT / "scripts" / "protocol_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_protocol_page_shows_the_messages_as_defined() -> None:
    gen = _generator()
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert gen.updated(text) == text, "run: .venv/bin/python scripts/protocol_doc.py"


def test_openapi_station_endpoints_use_the_protocol_messages(tmp_path: Path) -> None:
    from district_center.app import create_app
    from district_center.settings import Settings
    from sync.protocol import CaseBatchResult, EnrollRequest
    from sync.protocol.messages import json_schema

    spec = create_app(Settings(data_dir=tmp_path)).openapi()
    batch = spec["paths"]["/api/v1/cases/batch"]["post"]
    assert "CaseBatchResult" in str(batch["responses"]["200"]), "response documented by the protocol model"
    body = batch["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["cases"]["items"]["properties"]["version"]["minimum"] == 1
    enroll = spec["paths"]["/api/v1/enroll"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(enroll["properties"]) == set(json_schema(EnrollRequest)["properties"])
    assert set(json_schema(CaseBatchResult)["properties"]) == {"receipts"}
