"""The station as the UI sees it: set-up state, workers, settings, and access to the store and catalog.

Everything here is plain Python and may block (crypto, fsync): screens call it through
``asyncio.to_thread``. The encrypted store itself is ``storage``'s; this class only decides what the
station app keeps in it (collections ``settings``, ``workers``, ``drafts``, ``cases``, ``outbox``).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from station_app.config import DEFAULT_IDLE_LOCK_SECONDS

DEFAULT_SETTINGS: dict[str, Any] = {
    "language": "zh_CN",
    "font_scale": 1.0,
    "idle_lock_seconds": DEFAULT_IDLE_LOCK_SECONDS,
    "retention_days": 365,
    "center_url": "",
}


class StationService:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.RLock()
        self._settings: dict[str, Any] = dict(DEFAULT_SETTINGS)

    # -- set-up ----------------------------------------------------------------------------------------------
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    def is_set_up(self) -> bool:
        return self.store_dir().exists()

    # -- settings (cached in memory; persisted in the store's ``settings`` collection) ---------------------
    def settings(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._settings)

    def station_name(self) -> str:
        return str(self._settings.get("station_name", ""))

    def font_scale(self) -> float:
        return float(self._settings.get("font_scale", 1.0))

    def idle_lock_seconds(self) -> int:
        return int(self._settings.get("idle_lock_seconds", DEFAULT_IDLE_LOCK_SECONDS))

    def close(self) -> None:
        pass
