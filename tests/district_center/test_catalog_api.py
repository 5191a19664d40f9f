"""The catalog_admin HTTP API on a real center (SQLite and PostgreSQL): upload, errors, publish, calendar."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import select

from casework import messages
from casework.catalog import Catalog
from district_center.db.models import AuditLog
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import KEY_FILE_NAME, DistrictKeys, KdfParams, write_key_file
from district_center.services.catalog.importing import import_files
from district_center.services.catalog.publishing import STAGED_FILE
from district_center.services.catalog.sheets import export_xlsx
from sync.protocol import load_public_key, verify_envelope

from .backoffice_helpers import login
from .conftest import sample_catalog

PASSPHRASE = "api test passphrase"
NOW = "2026-12-01T00:00:00Z"


@pytest.fixture
def admin(center: RunningCenter, district_keys: DistrictKeys) -> httpx.Client:
    key_file = center.settings.data_dir / KEY_FILE_NAME
    if not key_file.exists():
        fast = KdfParams(iterations=1, lanes=1, memory_cost=8192)
        write_key_file(key_file, district_keys, PASSPHRASE, fast)
    return login(center, f"admin-{uuid.uuid4().hex[:8]}", ["catalog_admin"])


def test_upload_errors_publish_export_and_pull(
    center: RunningCenter,
    admin: httpx.Client,
    district_keys: DistrictKeys,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    reviewer = login(center, f"r-{uuid.uuid4().hex[:8]}", ["reviewer"], department="市发改委")
    xlsx = export_xlsx(Catalog.from_dict(sample_catalog()))
    files = {"files": ("清单.xlsx", xlsx, "application/octet-stream")}
    assert reviewer.post("/api/v1/admin/catalog/import", files=files).status_code == 403

    broken = "事项名称,事项类型,实施主体,承诺办结时限\n低保申请,许可证,区民政局,五天\n".encode()
    resp = admin.post("/api/v1/admin/catalog/import", files={"files": ("items.csv", broken, "text/csv")})
    assert resp.status_code == 422 and resp.json()["code"] == "catalog_invalid"
    cells = {(e["sheet"], e["row"], e["letter"], e["column"], e["code"]) for e in resp.json()["errors"]}
    assert cells == {
        ("items.csv", 2, "B", "事项类型", "catalog_import.unknown_item_type"),
        ("items.csv", 2, "D", "承诺办结时限", "catalog_import.bad_limit"),
    }
    assert all(e["message"] and e["fix"] for e in resp.json()["errors"])
    dry = admin.post("/api/v1/admin/catalog/import?dry_run=true", files=files)
    assert dry.status_code == 200 and dry.json()["staged"] is False
    assert dry.json()["preview"]["tables"][0]["header_row"] == 1
    assert admin.get("/api/v1/admin/catalog/staged").status_code == 404

    staged = admin.post("/api/v1/admin/catalog/import", files=files)
    assert staged.status_code == 200, staged.text
    assert staged.json()["diff"]["new_version"] == 1
    assert len(staged.json()["diff"]["added_items"]) == len(sample_catalog()["items"])
    assert admin.get("/api/v1/admin/catalog/staged").json()["items"] == len(sample_catalog()["items"])

    wrong = admin.post("/api/v1/admin/catalog/publish", json={"passphrase": "not it"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "key_refused"
    published = admin.post("/api/v1/admin/catalog/publish", json={"passphrase": PASSPHRASE, "valid_days": 30})
    assert published.status_code == 200, published.text
    version = published.json()["version"]
    assert admin.get("/api/v1/admin/catalog/staged").status_code == 404
    assert admin.get("/api/v1/admin/catalog/versions").json()["versions"][0]["version"] == version
    with center.db.read_session() as s:
        audit = json.dumps([a.details for a in s.scalars(select(AuditLog)).all()], ensure_ascii=False)
    assert PASSPHRASE not in audit

    exported = admin.get("/api/v1/admin/catalog/export")
    assert exported.status_code == 200
    back = import_files([("x.xlsx", exported.content)], base=None, district=("", ""))
    assert back.catalog is not None and back.catalog.version == version

    calendar = admin.post(
        "/api/v1/admin/calendar/2027",
        json={
            "passphrase": PASSPHRASE,
            "holidays": ["2027-01-01", "2027-02-06", "2027-02-08"],
            "workdays": ["2027-02-20"],
            "source": "测试",
        },
    )
    assert calendar.status_code == 200, calendar.text
    assert (
        admin.post(
            "/api/v1/admin/calendar/2027", json={"passphrase": PASSPHRASE, "holidays": ["2026-01-01"]}
        ).status_code
        == 400
    )

    key = load_public_key(district_keys.signing_public_b64)
    http = client(new_station())
    env = verify_envelope(
        http.get("/api/v1/catalog").json(), key, kind="catalog", now_iso=NOW, key_id=district_keys.key_id
    )
    assert env.version == version and Catalog.from_dict(env.payload["catalog"]) == back.catalog
    cal = verify_envelope(http.get("/api/v1/calendar").json(), key, kind="calendar", now_iso=NOW)
    assert [t["year"] for t in cal.payload["tables"]] == [2027]


def test_bootstrap_without_builtin_years_and_a_corrupt_workbook_are_4xx(admin: httpx.Client) -> None:
    late = admin.post("/api/v1/admin/calendar/bootstrap", json={"passphrase": PASSPHRASE, "from_year": 2090})
    assert late.status_code == 400 and late.json()["code"] == "bad_calendar", late.text
    xlsx = export_xlsx(Catalog.from_dict(sample_catalog()))
    corrupt = admin.post(
        "/api/v1/admin/catalog/import",
        files={"files": ("清单.xlsx", xlsx[: len(xlsx) // 2], "application/octet-stream")},
    )
    assert corrupt.status_code == 422 and corrupt.json()["code"] == "catalog_invalid"


def test_damaged_staged_file_is_409_on_every_route(center: RunningCenter, admin: httpx.Client) -> None:
    staged = center.settings.data_dir / STAGED_FILE
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_text("{not json", "utf-8")
    try:
        xlsx = export_xlsx(Catalog.from_dict(sample_catalog()))
        for resp in (
            admin.get("/api/v1/admin/catalog/staged"),
            admin.get("/api/v1/admin/catalog/export?staged=true"),
            admin.post("/api/v1/admin/catalog/publish", json={"passphrase": PASSPHRASE}),
            admin.post(
                "/api/v1/admin/catalog/import",
                files={"files": ("清单.xlsx", xlsx, "application/octet-stream")},
            ),
        ):
            assert resp.status_code == 409, resp.text
            worded = messages.text("center.publish.staged_damaged", {"path": str(staged)}, "zh_CN")
            assert resp.json()["code"] == "publish_refused" and resp.json()["detail"] == worded
    finally:
        staged.unlink()


def test_key_file_is_opened_by_one_request_at_a_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each opening runs Argon2id with 64 MiB: parallel publish requests must not multiply that."""
    from district_center.api import catalog as api

    running, peak, lock = 0, 0, threading.Lock()

    def slow_open(*_args: object) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "keys"

    monkeypatch.setattr(api, "open_district_keys", slow_open)
    center = SimpleNamespace(settings=SimpleNamespace(data_dir=tmp_path, extra={}))
    user = SimpleNamespace(id=1)
    threads = [threading.Thread(target=api._keys, args=(center, PASSPHRASE, user)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 1
