"""Where the station keeps its data and how the UI server is bound."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

FONT_FAMILY = "CJK"
FONT_ASSET = "fonts/DroidSansFallbackFull.ttf"
DEFAULT_IDLE_LOCK_SECONDS = 300
DEFAULT_KIOSK_RESET_SECONDS = 90
#: 适老化: every text style's line height, as a multiple of its font size (the guidance asks for ≥ 1.3)
LINE_HEIGHT = 1.4
#: the kiosk's text scale: 标准 puts body text at 18 × 1.3 = 23.4 dp, 大字 at 30 dp (the guidance's largest)
KIOSK_STANDARD_SCALE = 1.3
KIOSK_LARGE_SCALE = 30 / 18
#: 适老化: the smallest touch target on the kiosk, in dp
KIOSK_MIN_TARGET = 60
#: below this page width (dp) the desk's navigation rail becomes a bar along the bottom
NARROW_WIDTH = 1000


DATA_DIR_ENV = "STATION_DATA_DIR"
APP_DIR_NAME = "bianmin-station"


def default_data_dir() -> Path:
    """The one default for every ``station-app`` subcommand: ``$STATION_DATA_DIR`` if set, else the OS's
    per-user data directory (``platformdirs``): ``%LOCALAPPDATA%\\bianmin-station`` on Windows,
    ``~/.local/share/bianmin-station`` (or ``$XDG_DATA_HOME``) on Linux, ``~/Library/Application
    Support/bianmin-station`` on macOS."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False, roaming=False))


def add_data_dir_argument(parser: argparse.ArgumentParser, *, what: str = "station data directory") -> None:
    """``--data-dir DIR`` with the one default, shown in ``--help``."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"{what} (default: ${DATA_DIR_ENV}, else {default_data_dir()})",
    )


def data_dir_of(args: argparse.Namespace) -> Path:
    """The data directory a parsed command line names (its ``--data-dir`` or the default), absolute."""
    given: str | Path | None = getattr(args, "data_dir", None)
    return (Path(given) if given else default_data_dir()).expanduser().resolve()


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
