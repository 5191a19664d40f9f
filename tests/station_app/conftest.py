"""A real, set-up station store (fast KDF) with the sample catalog and a station number,
for view-model tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


def enroll_locally(svc: StationService, district_key: Any = None) -> None:
    """What ``sync.enrollment.enroll_station`` stores, without a center (the e2e tests enroll for real).
    ``district_key`` (an Ed25519 private key) is the district signing key to pin, for tests that sign
    district documents themselves; a random one otherwise."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from sync.local import save_identity
    from sync.protocol import b64encode

    signing = (district_key or Ed25519PrivateKey.generate()).public_key().public_bytes_raw()
    recovery = X25519PrivateKey.generate().public_key().public_bytes_raw()
    with svc.unlocked_store.transaction(actor="admin", action="station.enroll") as tx:
        save_identity(
            tx,
            center_url="http://127.0.0.1:9",
            station_id="st-test",
            station_no=7,
            key=Ed25519PrivateKey.generate(),
            district_code="610114",
            district_name="阎良区",
            signing_key=b64encode(signing),
            recovery_key=b64encode(recovery),
        )


@pytest.fixture
def station(tmp_path) -> Iterator[StationService]:
    svc = StationService(tmp_path / "station")
    svc.set_up(
        station_name="测试社区便民服务站",
        area="阎良区",
        admin_name="王芳",
        admin_secret=ADMIN_SECRET,
        station_passphrase=PASSPHRASE,
        admin_pin=ADMIN_PIN,
        kdf=KdfParams.insecure_fast(),
    )
    enroll_locally(svc)
    svc.install_catalog(load_sample_catalog(), actor="admin")
    yield svc
    svc.close()


@pytest.fixture
def cases(station: StationService) -> CaseService:
    return CaseService(station)
