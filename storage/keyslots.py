"""Key slots (``keys.json``): the wrapped data key, one slot per worker, the admin slot, the recovery slot.

One random 256-bit **data key** encrypts every document and scan; it is stored only wrapped:

- **admin slot** — key = KDF(admin password). A strong password alone (>= 12 characters), so the station admin
  can always get in, even without the station passphrase.
- **worker slots** — key = HKDF(KDF(PIN) || device secret). A 6-digit PIN alone falls to offline guessing in
  days; the 256-bit **device secret** is what a disk thief lacks. It is itself wrapped (a) under the station
  passphrase (typed by the admin once per boot, or given by ``STATION_PASSPHRASE[_FILE]`` for scripted setups)
  and (b) under the data key (so an admin login also yields it).
- **recovery slot** — the data key sealed to the district's X25519 recovery key (:mod:`storage.recovery`).

Each wrap is AES-256-GCM whose associated data binds the store id, slot id, kind, KDF parameters and salt, so
moving a slot to another name or downgrading its KDF parameters makes it fail to open. Adding or removing a
worker or changing a PIN rewrites ``keys.json`` only; data is never re-encrypted.

Wrong PINs: after ``FREE_ATTEMPTS`` failures a slot waits ``LOCKOUT_BASE_SECONDS * 2**k`` (capped at
``LOCKOUT_MAX_SECONDS``), persisted in ``keys.json`` so a restart does not reset it. Hazard, stated plainly:
the
counter is plaintext in a file; whoever can edit files (or restore an older ``keys.json``, or set the clock)
can
reset it. It slows down guessing through the station UI, not an attacker with the disk — against that the
worker slots rely on the device secret. Failed attempts are kept in ``pending_audit`` until an unlock makes
the
audit log writable.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.crypto import InvalidTag, KdfParams, b64d, b64e, canonical, open_sealed, seal, subkey
from storage.errors import DiskFull, SlotLockedOut, StoreCorrupted, UnknownSlot, WeakSecret, WrongSecret
from storage.fsutil import atomic_write

log = logging.getLogger("storage.keyslots")
FORMAT = "bianmin-station-keys/v1"
ADMIN_SLOT = "admin"
MIN_ADMIN_SECRET = 12
MIN_PASSPHRASE = 10
MIN_PIN = 6
FREE_ATTEMPTS = 5
LOCKOUT_BASE_SECONDS = 30.0
LOCKOUT_MAX_SECONDS = 3600.0
MAX_PENDING_AUDIT = 200
_FIELDS = {
    "format",
    "store_id",
    "station_name",
    "kdf",
    "slots",
    "device",
    "device_by_data_key",
    "recovery",
    "lockout",
}


def _passphrase_key(passphrase: str, dev: dict[str, Any]) -> bytes:
    return subkey(KdfParams.from_dict(dev["kdf"]).derive(passphrase, b64d(dev["salt"])), "device-passphrase")


def worker_slot_id(worker_id: str) -> str:
    return f"worker:{worker_id}"


def lockout_delay(failures: int) -> float:
    """Seconds a slot waits after its ``failures``-th consecutive failure (0 for the first few)."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return float(min(LOCKOUT_BASE_SECONDS * 2 ** (failures - FREE_ATTEMPTS), LOCKOUT_MAX_SECONDS))


def check_admin_secret(secret: str) -> None:
    if len(secret) < MIN_ADMIN_SECRET:
        raise WeakSecret("storage.weak_admin_secret", min_length=MIN_ADMIN_SECRET)


def check_passphrase(secret: str) -> None:
    if len(secret) < MIN_PASSPHRASE:
        raise WeakSecret("storage.weak_passphrase", min_length=MIN_PASSPHRASE)


def check_pin(pin: str) -> None:
    if len(pin) < MIN_PIN:
        raise WeakSecret("storage.weak_pin", min_length=MIN_PIN)


@dataclass
class KeyFile:
    """In-memory view of ``keys.json``. Slot mutators do not save: :class:`StationStore` saves them with the
    keys-change protocol (digest pinned in the journal head). Lockout counters save themselves."""

    path: Path
    store_id: str
    station_name: str
    slots: dict[str, dict[str, Any]]
    device: dict[str, Any]
    device_by_data_key: str
    recovery: dict[str, Any] | None = None
    lockout: dict[str, dict[str, Any]] = field(default_factory=dict)
    kdf: KdfParams = field(default_factory=KdfParams.default)

    # ---- persistence -------------------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: Path, *, station_name: str, admin_secret: str, station_passphrase: str, kdf: KdfParams
    ) -> tuple[KeyFile, bytes, bytes]:
        """Fresh data key and device secret (not saved yet). Returns ``(keyfile, data_key,
        device_secret)``."""
        check_admin_secret(admin_secret)
        check_passphrase(station_passphrase)
        data_key, device_secret = os.urandom(32), os.urandom(32)
        kf = cls(
            path=path,
            store_id=os.urandom(16).hex(),
            station_name=station_name,
            slots={},
            device={},
            device_by_data_key="",
            kdf=kdf,
        )
        wrapped = seal(subkey(data_key, "device-wrap"), device_secret, kf._aad("device-dk"))
        kf.device_by_data_key = b64e(wrapped)
        kf._wrap_device(station_passphrase, device_secret)
        kf._put_slot(ADMIN_SLOT, "admin", admin_secret, data_key, None)
        return kf, data_key, device_secret

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            d = json.loads(path.read_bytes())
            if d.get("format") != FORMAT or set(d) != _FIELDS:
                raise ValueError("format or fields")
            return cls(
                path=path,
                store_id=str(d["store_id"]),
                station_name=str(d["station_name"]),
                slots=dict(d["slots"]),
                device=dict(d["device"]),
                device_by_data_key=str(d["device_by_data_key"]),
                recovery=d.get("recovery"),
                lockout=dict(d.get("lockout", {})),
                kdf=KdfParams.from_dict(d["kdf"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreCorrupted(detail=f"keys.json unreadable: {type(exc).__name__}") from exc

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "store_id": self.store_id,
            "station_name": self.station_name,
            "kdf": self.kdf.to_dict(),
            "slots": self.slots,
            "device": self.device,
            "device_by_data_key": self.device_by_data_key,
            "recovery": self.recovery,
            "lockout": self.lockout,
        }

    def save(self) -> None:
        atomic_write(self.path, json.dumps(self.to_dict(), indent=1, sort_keys=True).encode("utf-8"))

    def save_quietly(self) -> None:
        """Save the lockout bookkeeping, but on a full disk keep it in memory only (for this process) and go
        on: a worker must still be able to sign in and read on a full disk. Key changes use :meth:`save`."""
        try:
            self.save()
        except DiskFull:
            log.warning("disk full: sign-in counters kept in memory until the next save")

    def slot_digest(self) -> str:
        """Digest of everything in keys.json except the lockout counters; pinned in the journal head on every
        key change, so an edited or older keys.json is refused once any slot has opened."""
        from storage.crypto import sha256_hex

        return sha256_hex(canonical({k: v for k, v in self.to_dict().items() if k != "lockout"}))

    # ---- wrapping ----------------------------------------------------------------------------------------
    def _aad(self, slot_id: str, extra: dict[str, Any] | None = None) -> bytes:
        return canonical({"store": self.store_id, "slot": slot_id, **(extra or {})})

    def _slot_key(
        self, slot: dict[str, Any], slot_id: str, secret: str, device_secret: bytes | None
    ) -> bytes:
        kdf = KdfParams.from_dict(slot["kdf"])
        stretched = kdf.derive(secret, b64d(slot["salt"]))
        if slot["kind"] == "worker":
            if device_secret is None:
                raise ValueError("worker slots need the device secret")
            return subkey(stretched + device_secret, f"worker-slot/{slot_id}")
        return subkey(stretched, f"admin-slot/{slot_id}")

    def _slot_aad(self, slot_id: str, slot: dict[str, Any]) -> bytes:
        return self._aad(slot_id, {"kind": slot["kind"], "kdf": slot["kdf"], "salt": slot["salt"]})

    def _put_slot(
        self, slot_id: str, kind: str, secret: str, data_key: bytes, device_secret: bytes | None
    ) -> None:
        slot: dict[str, Any] = {"kind": kind, "kdf": self.kdf.to_dict(), "salt": b64e(os.urandom(16))}
        key = self._slot_key(slot, slot_id, secret, device_secret)
        slot["wrapped"] = b64e(seal(key, data_key, self._slot_aad(slot_id, slot)))
        self.slots[slot_id] = slot
        self.lockout.pop(slot_id, None)

    def _wrap_device(self, passphrase: str, device_secret: bytes) -> None:
        dev: dict[str, Any] = {"kdf": self.kdf.to_dict(), "salt": b64e(os.urandom(16))}
        key = _passphrase_key(passphrase, dev)
        dev["wrapped"] = b64e(
            seal(key, device_secret, self._aad("device", {"kdf": dev["kdf"], "salt": dev["salt"]}))
        )
        self.device = dev

    # ---- unlocking ---------------------------------------------------------------------------------------
    def open_device(self, passphrase: str) -> bytes:
        """Device secret from the station passphrase; :class:`WrongSecret` if it does not match."""
        dev = self.device
        key = _passphrase_key(passphrase, dev)
        try:
            return open_sealed(
                key, b64d(dev["wrapped"]), self._aad("device", {"kdf": dev["kdf"], "salt": dev["salt"]})
            )
        except InvalidTag as exc:
            raise WrongSecret("storage.wrong_passphrase") from exc

    def device_from_data_key(self, data_key: bytes) -> bytes:
        try:
            return open_sealed(
                subkey(data_key, "device-wrap"), b64d(self.device_by_data_key), self._aad("device-dk")
            )
        except InvalidTag as exc:
            raise StoreCorrupted(detail="device secret wrap does not open with the data key") from exc

    def check_lockout(self, slot_id: str, now: float) -> None:
        """Raise :class:`SlotLockedOut` while the slot waits; the refused attempt is kept for the audit
        log."""
        state = self.lockout.get(slot_id)
        if state and float(state.get("locked_until", 0)) > now:
            until = float(state["locked_until"])
            pending = state.setdefault("pending_audit", [])
            pending.append({"at": now, "failures": state["failures"], "delay": until - now, "refused": True})
            del pending[:-MAX_PENDING_AUDIT]
            self.save_quietly()
            raise SlotLockedOut(until, until - now)

    def try_slot(self, slot_id: str, secret: str, now: float, device_secret: bytes | None = None) -> bytes:
        """Unwrap the data key from one slot, enforcing and updating the persistent lockout.

        Raises :class:`UnknownSlot`, :class:`SlotLockedOut` (without trying) or :class:`WrongSecret`.
        """
        slot = self.slots.get(slot_id)
        if slot is None or slot["kind"] not in ("admin", "worker"):
            raise UnknownSlot(detail=f"no slot {slot_id}")
        self.check_lockout(slot_id, now)
        key = self._slot_key(slot, slot_id, secret, device_secret)
        try:
            data_key = open_sealed(key, b64d(slot["wrapped"]), self._slot_aad(slot_id, slot))
        except InvalidTag as exc:
            self._record_failure(slot_id, now)
            raise WrongSecret() from exc
        if slot_id in self.lockout and int(self.lockout[slot_id].get("failures", 0)):
            self.lockout[slot_id]["failures"] = 0
            self.lockout[slot_id]["locked_until"] = 0
            self.save_quietly()
        return data_key

    def _record_failure(self, slot_id: str, now: float) -> None:
        state = self.lockout.setdefault(slot_id, {"failures": 0, "locked_until": 0, "pending_audit": []})
        state["failures"] = int(state.get("failures", 0)) + 1
        delay = lockout_delay(state["failures"])
        state["locked_until"] = now + delay if delay else 0
        pending = state.setdefault("pending_audit", [])
        pending.append({"at": now, "failures": state["failures"], "delay": delay})
        del pending[:-MAX_PENDING_AUDIT]
        self.save_quietly()

    def take_pending_audit(self) -> list[tuple[str, dict[str, Any]]]:
        """Failed attempts not yet in the audit log; clears them (caller writes them to the log, then
        saves)."""
        out: list[tuple[str, dict[str, Any]]] = []
        for slot_id, state in self.lockout.items():
            out.extend((slot_id, p) for p in state.get("pending_audit", []))
            state["pending_audit"] = []
        return out

    # ---- changing slots (caller has the data key) --------------------------------------------------------
    def set_worker(self, worker_id: str, pin: str, data_key: bytes, device_secret: bytes) -> None:
        check_pin(pin)
        self._put_slot(worker_slot_id(worker_id), "worker", pin, data_key, device_secret)

    def remove_worker(self, worker_id: str) -> None:
        if self.slots.pop(worker_slot_id(worker_id), None) is None:
            raise UnknownSlot(detail="no such worker slot")
        self.lockout.pop(worker_slot_id(worker_id), None)

    def set_admin(self, secret: str, data_key: bytes) -> None:
        check_admin_secret(secret)
        self._put_slot(ADMIN_SLOT, "admin", secret, data_key, None)

    def set_passphrase(self, passphrase: str, device_secret: bytes) -> None:
        check_passphrase(passphrase)
        self._wrap_device(passphrase, device_secret)

    def workers(self) -> list[str]:
        return sorted(s.split(":", 1)[1] for s, v in self.slots.items() if v["kind"] == "worker")
