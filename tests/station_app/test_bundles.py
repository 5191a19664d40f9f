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
