"""Key slots: workers, admin, station passphrase, lockout, recovery."""

from __future__ import annotations

import json
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from storage import (
    KdfParams,
    RecoveryFailed,
    SlotLockedOut,
    StationSecretRequired,
    StationStore,
    StoreCorrupted,
    UnknownSlot,
    WeakSecret,
    WrongSecret,
    open_recovery_slot,
    recover_with_district_key,
)
from storage.keyslots import FREE_ATTEMPTS, lockout_delay

from .helpers import ADMIN, PASSPHRASE, new_store, open_admin


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store_dir(tmp_path):
    s = new_store(tmp_path / "st")
    for i, pin in enumerate(["111111", "222222", "333333"]):
        s.add_worker(f"w{i}", pin, actor="admin")
    with s.transaction(actor="admin") as tx:
        tx.put("settings", "station", {"name": "测试站"})
    s.close()
    return tmp_path / "st"


def test_every_worker_unlocks_after_station_passphrase(store_dir):
    for i, pin in enumerate(["111111", "222222", "333333"]):
        s = StationStore.open(store_dir)
        with pytest.raises(StationSecretRequired):
            s.unlock_worker(f"w{i}", pin)
        s.unlock_station(PASSPHRASE)
        s.unlock_worker(f"w{i}", pin)
        assert s.get("settings", "station") == {"name": "测试站"}
        s.close()


def test_wrong_pin_wrong_passphrase_unknown_worker(store_dir):
    s = StationStore.open(store_dir)
    with pytest.raises(WrongSecret):
        s.unlock_station("not-the-passphrase")
    s.unlock_station(PASSPHRASE)
    with pytest.raises(WrongSecret):
        s.unlock_worker("w0", "999999")
    with pytest.raises(UnknownSlot):
        s.unlock_worker("nobody", "111111")
    assert not s.is_unlocked
    s.close()


def test_admin_unlocks_without_passphrase_and_yields_device_secret(store_dir):
    s = open_admin(store_dir)
    assert s.has_station_secret
    s.unlock_worker("w1", "222222")  # a second login in the same process also checks the PIN
    with pytest.raises(WrongSecret):
        s.unlock_worker("w1", "000000")
    s.close()


def test_removed_worker_cannot_unlock(store_dir):
    s = open_admin(store_dir)
    s.remove_worker("w1", actor="admin")
    assert s.workers() == ["w0", "w2"]
    s.close()
    s = StationStore.open(store_dir)
    s.unlock_station(PASSPHRASE)
    with pytest.raises(UnknownSlot):
        s.unlock_worker("w1", "222222")
    s.unlock_worker("w0", "111111")
    s.close()


def test_pin_change_rewrites_one_slot_only(store_dir):
    before = json.loads((store_dir / "keys.json").read_text())
    journal_before = sorted(p.read_bytes() for p in (store_dir / "docs").glob("journal-*"))
    s = StationStore.open(store_dir)
    s.unlock_station(PASSPHRASE)
    s.unlock_worker("w0", "111111")
    with pytest.raises(WrongSecret):
        s.change_pin("w0", "000000", "444444")
    s.change_pin("w0", "111111", "444444")
    s.close()
    after = json.loads((store_dir / "keys.json").read_text())
    changed = {k for k in after["slots"] if after["slots"][k] != before["slots"][k]}
    assert changed == {"worker:w0"}
    # data was not re-encrypted: the old journal bytes are still a prefix of the new journal
    journal_after = sorted(p.read_bytes() for p in (store_dir / "docs").glob("journal-*"))
    assert journal_after[0].startswith(journal_before[0])
    s = StationStore.open(store_dir)
    s.unlock_station(PASSPHRASE)
    with pytest.raises(WrongSecret):
        s.unlock_worker("w0", "111111")
    s.unlock_worker("w0", "444444")
    s.close()


def test_lockout_grows_and_survives_restart(store_dir):
    clock = Clock()
    s = StationStore.open(store_dir, clock=clock)
    s.unlock_station(PASSPHRASE)
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(WrongSecret):
            s.unlock_worker("w0", "000000")
    with pytest.raises(SlotLockedOut) as info:
        s.unlock_worker("w0", "111111")  # even the right PIN waits
    assert info.value.wait_seconds == pytest.approx(lockout_delay(FREE_ATTEMPTS))
    assert "分钟" in str(info.value)
    s.close()

    s = StationStore.open(store_dir, clock=clock)  # restart: still locked
    s.unlock_station(PASSPHRASE)
    with pytest.raises(SlotLockedOut):
        s.unlock_worker("w0", "111111")
    clock.t += lockout_delay(FREE_ATTEMPTS) + 1
    with pytest.raises(WrongSecret):
        s.unlock_worker("w0", "000000")  # sixth failure: a longer wait
    with pytest.raises(SlotLockedOut) as info:
        s.unlock_worker("w0", "111111")
    assert info.value.wait_seconds == pytest.approx(lockout_delay(FREE_ATTEMPTS + 1))
    assert lockout_delay(FREE_ATTEMPTS + 1) > lockout_delay(FREE_ATTEMPTS)
    s.unlock_worker("w1", "222222")  # other slots are unaffected
    clock.t += lockout_delay(FREE_ATTEMPTS + 1) + 1
    s.unlock_worker("w0", "111111")
    failed = [e for e in s.audit_entries() if e["action"] == "unlock.failed"]
    assert len(failed) == FREE_ATTEMPTS + 1
    assert failed[-1]["actor"] == "worker:w0" and failed[-1]["detail"]["delay_seconds"] > 0
    refused = [e for e in s.audit_entries() if e["action"] == "unlock.refused"]
    assert len(refused) == 3 and all(e["actor"] == "worker:w0" for e in refused)
    s.close()


def test_recovery_slot_opens_only_with_district_key(store_dir):
    district = X25519PrivateKey.generate()
    s = open_admin(store_dir)
    s.set_recovery_key(district.public_key().public_bytes_raw())
    slot = s.recovery_slot()
    data_key = s.data_key
    s.close()
    assert slot is not None
    assert open_recovery_slot(slot, district) == data_key
    assert open_recovery_slot(json.dumps(slot).encode(), district.private_bytes_raw()) == data_key
    with pytest.raises(RecoveryFailed):
        open_recovery_slot(slot, X25519PrivateKey.generate())
    tampered = dict(slot, sealed=slot["sealed"][:-4] + ("AAAA" if slot["sealed"][-4:] != "AAAA" else "BBBB"))
    with pytest.raises(RecoveryFailed):
        open_recovery_slot(tampered, district)


def test_recover_with_district_key_rewrites_admin_slot(store_dir):
    district = X25519PrivateKey.generate()
    s = open_admin(store_dir)
    s.set_recovery_key(district.public_key().public_bytes_raw())
    s.close()
    with pytest.raises(RecoveryFailed):
        recover_with_district_key(store_dir, X25519PrivateKey.generate(), "brand-new-admin-pw")
    recover_with_district_key(store_dir, district, "brand-new-admin-pw")
    s = StationStore.open(store_dir)
    with pytest.raises(WrongSecret):
        s.unlock_admin(ADMIN)
    s.unlock_admin("brand-new-admin-pw")
    assert any(
        e["action"] == "key.admin_changed" and e["actor"] == "district-recovery" for e in s.audit_entries()
    )
    s.close()


def test_secret_strength_is_enforced(tmp_path, store_dir):
    with pytest.raises(WeakSecret):
        StationStore.create(
            tmp_path / "x",
            station_name="x",
            admin_secret="short",
            station_passphrase=PASSPHRASE,
            kdf=KdfParams.insecure_fast(),
        )
    s = open_admin(store_dir)
    with pytest.raises(WeakSecret):
        s.add_worker("w9", "12", actor="admin")
    s.close()


def test_kdf_parameters_are_stored_per_slot_and_can_be_raised(store_dir):
    s = open_admin(store_dir)
    stronger = KdfParams.from_dict(
        {**s.keys.kdf.to_dict(), **({"iterations": 2} if s.keys.kdf.alg == "argon2id" else {"n": 2**11})}
    )
    s.keys.kdf = stronger
    s.add_worker("w0", "111111", actor="admin")  # rewrites only w0's slot with the new parameters
    assert s.keys.slots["worker:w0"]["kdf"] == stronger.to_dict()
    assert s.keys.slots["worker:w1"]["kdf"] != stronger.to_dict()
    s.close()
    s = StationStore.open(store_dir)
    s.unlock_station(PASSPHRASE)
    s.unlock_worker("w0", "111111")
    s.close()


def test_default_kdf_is_memory_hard_and_costly():
    """What a guess costs is a property of the parameters (the time is measured by bench/storage.py, about
    200 ms here): Argon2id with 64 MiB and 3 passes, or scrypt with N = 2^17 where Argon2id is missing. The
    CPU time of one derivation (not wall time, which a loaded machine inflates) is a sanity floor."""
    import time

    p = KdfParams.default()
    if p.alg == "argon2id":
        assert p.memory_kib >= 64 * 1024 and p.iterations >= 3
    else:
        assert p.alg == "scrypt" and p.n >= 2**17
    t = time.process_time()
    p.derive("123456", b"0" * 16)
    assert time.process_time() - t > 0.05


def test_kdf_downgrade_in_keys_json_is_refused(store_dir):
    doc = json.loads((store_dir / "keys.json").read_text())
    slot = doc["slots"]["worker:w0"]
    slot["kdf"] = KdfParams("scrypt", n=2, r=1, p=1).to_dict()
    (store_dir / "keys.json").write_text(json.dumps(doc))
    s = StationStore.open(store_dir)
    s.unlock_station(PASSPHRASE)
    with pytest.raises(WrongSecret):
        s.unlock_worker("w0", "111111")
    s.close()


def test_rolled_back_keys_json_is_refused(store_dir):
    old = (store_dir / "keys.json").read_bytes()
    s = open_admin(store_dir)
    s.remove_worker("w2", actor="admin")
    s.close()
    (store_dir / "keys.json").write_bytes(old)  # the removed worker's slot is back
    s = StationStore.open(store_dir)
    s.unlock_station(PASSPHRASE)
    with pytest.raises(StoreCorrupted):
        s.unlock_worker("w2", "333333")
    s.close()


def test_keys_json_from_another_store_is_refused(tmp_path, store_dir):
    other = new_store(tmp_path / "other")
    other.close()
    shutil.copy(tmp_path / "other" / "keys.json", store_dir / "keys.json")
    s = StationStore.open(store_dir)
    with pytest.raises(StoreCorrupted):
        s.unlock_admin(ADMIN)
    s.close()


def test_lock_drops_the_data_key(store_dir):
    from storage import StoreLocked

    s = StationStore.open(store_dir)
    s.unlock_station(PASSPHRASE)
    s.unlock_worker("w0", "111111")
    s.lock()
    with pytest.raises(StoreLocked):
        s.get("settings", "station")
    s.unlock_worker("w1", "222222")
    assert s.get("settings", "station") == {"name": "测试站"}
    s.lock(keep_station_secret=False)
    with pytest.raises(StationSecretRequired):
        s.unlock_worker("w1", "222222")
    s.close()


def test_scan_in_flight_survives_idle_lock(store_dir):
    from .helpers import jpeg

    s = open_admin(store_dir)
    ref = s.blobs.put_bytes(jpeg(5000))  # scanned, case not saved yet
    s.lock()
    s.unlock_worker("w0", "111111")
    assert s.blobs.has(ref.sha256)  # not swept as an orphan
    with s.transaction() as tx:
        tx.put("cases", "c", {"scan": ref.to_dict()})
    s.close()
