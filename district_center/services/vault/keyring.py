"""The data keys of the envelope encryption, kept wrapped in ``data_keys`` and cached unwrapped in memory.

    ring = Keyring(db, current_kek, previous=[old_kek])
    key_id, key = ring.active("pii")     # creates generation 1 on first use (race-safe across instances)
    key = ring.key(key_id)               # any generation, to open what it sealed
    ring.rewrap()                        # every data key wrapped by the current KEK (rotation)
    ring.rotate("pii")                   # a new generation seals from now on; old ones still open

Each wrapped key's context binds its purpose and generation, so a wrapped key cannot be moved to another
slot. Data keys are 32 random bytes (AES-256-GCM for ``pii``/``blob``, HMAC-SHA256 for ``index``).

Hazard: an instance caches the active generation it found at start-up; after ``rotate`` the other instances
seal with the previous generation until they restart (both open everything either way).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from casework import clock
from district_center.db.engine import Database
from district_center.db.models import DataKey
from district_center.services.vault.kek import KekError, KeyEncryptionKey

__all__ = ["PURPOSES", "Keyring"]

PURPOSES = ("pii", "index", "blob")


def _context(purpose: str, generation: int) -> bytes:
    return f"{purpose}\x00{generation}".encode()


class Keyring:
    """Data keys for one center database, unwrapped with ``kek`` (or a retired KEK in ``previous``)."""

    def __init__(
        self, db: Database, kek: KeyEncryptionKey, previous: Sequence[KeyEncryptionKey] = ()
    ) -> None:
        self.db = db
        self.kek = kek
        self._keks = {k.key_id: k for k in (*previous, kek)}
        self._keys: dict[int, bytes] = {}
        self._active: dict[str, int] = {}
        self._lock = threading.Lock()

    def _unwrap(self, row: DataKey) -> bytes:
        kek = self._keks.get(row.kek_id)
        if kek is None:
            raise KekError("center.kek.unknown", key_id=row.kek_id)
        return kek.unwrap(row.wrapped, _context(row.purpose, row.generation))

    def key(self, key_id: int) -> bytes:
        """The unwrapped data key ``key_id`` (cached)."""
        found = self._keys.get(key_id)
        if found is not None:
            return found
        with self.db.read_session() as s:
            row = s.get(DataKey, key_id)
            if row is None:
                raise KekError("center.kek.no_data_key", key_id=str(key_id))
            key = self._unwrap(row)
        with self._lock:
            self._keys[key_id] = key
        return key

    def active(self, purpose: str) -> tuple[int, bytes]:
        """(id, key) of the newest generation of ``purpose``, created when there is none yet."""
        key_id = self._active.get(purpose)
        if key_id is None:
            key_id = self._newest(purpose)
            if key_id is None:
                key_id = self._create(purpose, 1)
            with self._lock:
                self._active[purpose] = key_id
        return key_id, self.key(key_id)

    def _newest(self, purpose: str) -> int | None:
        with self.db.read_session() as s:
            found: int | None = s.scalar(
                select(DataKey.id)
                .where(DataKey.purpose == purpose)
                .order_by(DataKey.generation.desc())
                .limit(1)
            )
            return found

    def _create(self, purpose: str, generation: int) -> int:
        key = os.urandom(32)
        try:
            with self.db.session() as s:
                row = DataKey(
                    purpose=purpose,
                    generation=generation,
                    wrapped=self.kek.wrap(key, _context(purpose, generation)),
                    kek_id=self.kek.key_id,
                    created_at=clock.now(),
                )
                s.add(row)
                s.flush()
                key_id = int(row.id)
        except IntegrityError:  # another instance created this generation first: use theirs
            newest = self._newest(purpose)
            assert newest is not None
            return newest
        with self._lock:
            self._keys[key_id] = key
        return key_id

    def rotate(self, purpose: str) -> int:
        """Start a new generation of ``purpose`` (not ``index``: blind indexes would stop matching)."""
        if purpose == "index":
            raise KekError("center.kek.index_not_rotated")
        with self.db.read_session() as s:
            top = s.scalar(select(func.max(DataKey.generation)).where(DataKey.purpose == purpose)) or 0
        key_id = self._create(purpose, int(top) + 1)
        with self._lock:
            self._active[purpose] = key_id
        return key_id

    def rewrap(self) -> int:
        """Wrap every data key not yet under the current KEK with it; returns how many changed. Each key is
        opened first (with the KEK it names), so a wrong or missing old KEK changes nothing."""
        changed = 0
        with self.db.session() as s:
            rows = s.scalars(select(DataKey).where(DataKey.kek_id != self.kek.key_id).with_for_update()).all()
            for row in rows:
                key = self._unwrap(row)
                row.wrapped = self.kek.wrap(key, _context(row.purpose, row.generation))
                row.kek_id = self.kek.key_id
                row.rewrapped_at = clock.now()
                changed += 1
        return changed

    def wrapped_by(self) -> dict[str, int]:
        """How many data keys each KEK id wraps (for ``district-center keys status``)."""
        with self.db.read_session() as s:
            rows = s.execute(select(DataKey.kek_id, func.count()).group_by(DataKey.kek_id)).all()
            return {str(kek_id): int(n) for kek_id, n in rows}
