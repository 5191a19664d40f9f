"""Offline bundles (离线同步包) from the sync page: export to a download, import the district's answer.

The bundle itself is :mod:`sync.bundle` (encrypted to the district's recovery key, signed); this module only
moves it between the store and the browser. The export is written to a private temp dir in the data dir and
served once through :class:`~station_app.services.documents.DocumentOutbox` (it is ciphertext); the answer the
worker picks in the browser arrives as bytes, is written to the same temp dir for the verifier (which streams
from a file) and deleted right after. Blocking: call from a thread.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from casework import clock

# sync.bundle (and through it the sync engine and httpx) is imported when a bundle is made, not at start-up:
# the unlock screen must not wait for it.


class BundleService:
    def __init__(self, station: Any, scratch_dir: Path) -> None:
        self.station = station
        self.scratch_dir = scratch_dir

    def _tmp(self, suffix: str) -> Path:
        self.scratch_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.scratch_dir / f"{secrets.token_hex(8)}{suffix}"

    def export(self) -> tuple[bytes, str, dict[str, Any]]:
        """(file bytes, download name, summary) of a bundle with everything waiting to sync."""
        from sync.bundle import export_bundle

        ident = self.station.identity() or {}
        path = self._tmp(".bmzz")
        try:
            summary = export_bundle(self.station.unlocked_store, path)
            data = path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
        name = f"station-{ident.get('station_no', 0):03d}-{clock.china_today():%Y%m%d}.bmzz"
        return data, name, dict(summary)

    def import_answer(self, data: bytes) -> dict[str, Any]:
        from sync.bundle import import_answer

        path = self._tmp(".bmzz")
        try:
            path.write_bytes(data)
            result = import_answer(self.station.unlocked_store, path)
        finally:
            path.unlink(missing_ok=True)
        self.station.catalog_changed()
        return dict(result)
