"""Offline bundle export from the sync page: everything queued, as one encrypted file, no plaintext left."""

from __future__ import annotations

import pytest

from station_app.services.bundles import BundleService
from tests.station_app.test_case_actions import accepted_single


def test_export_carries_the_queue_and_leaves_no_file(station, cases, tmp_path):
    case = accepted_single(station, cases)
    service = BundleService(station, tmp_path / "tmp")
    data, name, summary = service.export()
    assert summary["cases"] == 1 and summary["blobs"] >= 1
    assert name.startswith("station-007-") and name.endswith(".bmzz")
    assert case.applicant.name.encode() not in data and case.number.encode() not in data, "encrypted"
    assert list((tmp_path / "tmp").iterdir()) == []


def test_import_refuses_a_file_that_is_not_the_districts_answer(station, tmp_path):
    service = BundleService(station, tmp_path / "tmp")
    with pytest.raises(Exception):  # noqa: B017 - sync.bundle raises its own error types
        service.import_answer(b"not a bundle at all")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_catalog_update_records_what_changed_for_the_sync_page(station, tmp_path):
    from station_app.config import AppConfig
    from station_app.services.runtime import StationRuntime
    from station_app.viewmodels.sync import sync_view

    runtime = StationRuntime(config=AppConfig(data_dir=tmp_path), station=station)
    old = station.catalog()
    data = old.to_dict()
    data["version"] = old.version + 1
    target = next(i for i in data["items"] if "高龄" in i["name"])
    target["promised_limit"] = {"amount": 10, "unit": "工作日"}
    station.install_catalog(data, actor="admin")
    runtime.record_catalog_change(old)
    view = sync_view(runtime)
    assert view.catalog_change["version"] == old.version + 1
    assert any("高龄" in n for n in view.catalog_change["changed"])
    assert "变更1项" in view.catalog_change["summary"]
    if runtime.background is not None:  # the enrolled test station started its (unreachable) sync
        runtime.background.stop()
