"""A real, set-up station store (fast KDF) with the sample catalog and a station number, for view-model tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from station_app import i18n
from station_app.services.cases import CaseService
from station_app.services.station import StationService, load_sample_catalog
from storage.crypto import KdfParams

ADMIN_SECRET = "admin-secret-123"
PASSPHRASE = "station-pass-1"
ADMIN_PIN = "246810"


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("zh_CN")


@pytest.fixture
def station(tmp_path) -> Iterator[StationService]:
    svc = StationService(tmp_path / "station")
    svc.set_up(station_name="测试社区便民服务站", area="阎良区", admin_name="王芳", admin_secret=ADMIN_SECRET,
               station_passphrase=PASSPHRASE, admin_pin=ADMIN_PIN, kdf=KdfParams.insecure_fast())
    svc.save_settings({"station_no": 7, "station_id": "st-test", "district_name": "阎良区"}, actor="admin")
    svc.install_catalog(load_sample_catalog(), actor="admin")
    yield svc
    svc.close()


@pytest.fixture
def cases(station: StationService) -> CaseService:
    return CaseService(station)
