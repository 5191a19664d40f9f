"""A 100% full disk at the station (a real tmpfs filled to the last byte): a worker can still sign in, unlock,
read every case and print its receipt; 受理 and drafts are refused with a clear message and nothing is lost;
after space is freed everything works again."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from station_app.services.cases import CaseService
from station_app.services.station import StationService, load_sample_catalog
from station_app.viewmodels.intake import IntakeError
from storage.crypto import KdfParams
from storage.errors import DiskFull, DiskSpaceLow
from storage.store import StoreOptions
from tests.station_app.conftest import ADMIN_PIN, ADMIN_SECRET, PASSPHRASE, enroll_locally
from tests.station_app.test_case_actions import accepted_single

WORKER_PIN = "135790"


def _fill(directory: Path) -> Path:
    """Write until the filesystem refuses one more byte (unbuffered, so nothing is left to flush)."""
    filler = directory / "filler.bin"
    with filler.open("wb", buffering=0) as f:
        for size in (1 << 16, 1 << 10, 1):
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * size)
    return filler


@pytest.fixture
def full_disk_station(small_filesystem):
    mnt = small_filesystem(24)
    svc = StationService(mnt / "station")
    svc.set_up(
        station_name="测试社区便民服务站",
        area="阎良区",
        admin_name="王芳",
        admin_secret=ADMIN_SECRET,
        station_passphrase=PASSPHRASE,
        admin_pin=ADMIN_PIN,
        kdf=KdfParams.insecure_fast(),
    )
    svc.unlocked_store.options = StoreOptions(reserve_bytes=1 << 20, warning_bytes=2 << 20)
    enroll_locally(svc)
    svc.install_catalog(load_sample_catalog(), actor="admin")
    svc.add_worker("02", "李娜", WORKER_PIN, "worker", actor="admin")
    yield svc, mnt
    svc.close()


def test_sign_in_read_and_print_on_a_full_disk_but_no_intake(full_disk_station):
    station, mnt = full_disk_station
    cases = CaseService(station)
    case = accepted_single(station, cases)
    filler = _fill(mnt)

    # sign-in after an idle lock, a wrong PIN, then the right one: all work with no byte free
    store = station.unlocked_store
    store.lock()
    with pytest.raises(Exception) as wrong:
        station.unlock("02", "000000")
    assert wrong.value.code == "storage.wrong_secret"  # type: ignore[attr-defined]
    assert station.unlock("02", WORKER_PIN).id == "02"

    # reading and printing
    rows = cases.rows()
    assert [r.id for r in rows] == [case.id]
    stored = cases.get(case.id)
    pdf = cases.render_pdf(cases.document(stored, "receipt", worker="李娜"))
    assert pdf.startswith(b"%PDF")

    # 受理 and drafts refuse with a message a worker can act on, and leave nothing half-written
    with pytest.raises((DiskSpaceLow, DiskFull, IntakeError)) as refused:
        accepted_single(station, cases)  # the scan is refused first: the same space check as the case
    assert "磁盘" in str(refused.value)
    with pytest.raises((DiskSpaceLow, DiskFull)):
        cases.save_draft("d1", {"id": "d1", "name": "x"}, actor="worker:02")
    assert [r.id for r in cases.rows()] == [case.id]

    # space back: the deferred sign-in entries reach the audit chain with the next write, intake works
    filler.unlink()
    second = accepted_single(station, cases)
    assert {r.id for r in cases.rows()} == {case.id, second.id}
    actions = [e["action"] for e in store.audit_entries()]
    tail = actions[actions.index("case.accept") :]
    assert tail.index("unlock.failed") < tail.index("unlock") < len(tail) - 2, tail  # in time order
