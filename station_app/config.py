"""Where the station keeps its data and how the UI server is bound."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FONT_FAMILY = "CJK"
FONT_ASSET = "fonts/DroidSansFallbackFull.ttf"
DEFAULT_IDLE_LOCK_SECONDS = 300
DEFAULT_KIOSK_RESET_SECONDS = 90


def default_data_dir() -> Path:
    """Per-user data dir: ``$STATION_DATA_DIR``, else ``$XDG_DATA_HOME/bianmin-station``."""
    env = os.environ.get("STATION_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "bianmin-station"


@dataclass(frozen=True)
class AppConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8550
    desktop: bool = False
    open_browser: bool = True

    @property
    def web_dir(self) -> Path:
        """The directory served as Flet's assets: the bundled font and the CDN-free client copies.

        It lives in the data dir, not the repository. Generated documents are never written here (nor
        anywhere): they are served from memory (``station_app.services.documents``).
        """
        return self.data_dir / "web"

    @property
    def legacy_download_dir(self) -> Path:
        """Where versions before the in-memory document store wrote receipts; purged at start-up."""
        return self.web_dir / "d"

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}/"
