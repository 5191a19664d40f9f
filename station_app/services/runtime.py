"""Process-wide state of a running station: configuration, the station service, the web directory.

Built once per process by ``station-app serve``/``demo`` and shared by every browser session.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from station_app.config import REPO_ASSETS, AppConfig
from station_app.services.documents import DocumentOutbox
from station_app.services.station import StationService


# The prebuilt Flet web client (both its JS and its WasmGC build) loads the Rive animation runtime from a CDN
# at start-up even when no Rive control is used. An offline station must not reach out: serve copies of the
# client whose Rive base URL points at a path on the station's own origin that does not exist, so that
# optional load fails locally. The replacement has the same length, so the wasm binary stays valid.
_RIVE_CDN = b"https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@44.0.0/"
_RIVE_LOCAL = (b"/_offline/rive/" + b"_" * len(_RIVE_CDN))[: len(_RIVE_CDN) - 1] + b"/"
CLIENT_FILES = ("main.dart.js", "main.dart.wasm")


def offline_client_bundle(web_dir: Path) -> list[Path]:
    """Write Flet's client files with the CDN URL replaced into the served dir, where they shadow Flet's."""
    import flet_web

    out = []
    for name in CLIENT_FILES:
        source = Path(flet_web.__file__).parent / "web" / name
        target = web_dir / name
        stamp = web_dir / f"{name}.source"
        signature = f"{source}:{source.stat().st_size}:{source.stat().st_mtime_ns}"
        if not (target.exists() and stamp.exists() and stamp.read_text() == signature):
            data = source.read_bytes()
            patched = data.replace(_RIVE_CDN, _RIVE_LOCAL)
            assert len(patched) == len(data)
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(patched)
            os.replace(tmp, target)
            stamp.write_text(signature)
        out.append(target)
    return out


@dataclass
class StationRuntime:
    config: AppConfig
    station: StationService
    documents: DocumentOutbox = field(init=False)

    def __post_init__(self) -> None:
        self.documents = DocumentOutbox(self.config.download_dir)

    @classmethod
    def open(cls, config: AppConfig) -> StationRuntime:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(config=config, station=StationService(config.data_dir))

    @property
    def upload_dir(self) -> Path:
        return self.config.data_dir / "uploads"

    def prepare_web_dir(self) -> None:
        """Create the served assets dir: the bundled fonts (symlink or copy) and an empty document dir."""
        web = self.config.web_dir
        web.mkdir(parents=True, exist_ok=True)
        # A copy, not a symlink: Starlette's static files refuse to follow symlinks out of the served dir.
        fonts = web / "fonts"
        if fonts.is_symlink():
            fonts.unlink()
        fonts.mkdir(exist_ok=True)
        for src in (REPO_ASSETS / "fonts").iterdir():
            dst = fonts / src.name
            if not dst.exists() or dst.stat().st_size != src.stat().st_size:
                shutil.copy2(src, dst)
        offline_client_bundle(web)
        self.documents.purge_all()
        # Uploads are plaintext scans in transit: nothing from a previous run may stay.
        shutil.rmtree(self.upload_dir, ignore_errors=True)
        self.upload_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        self.documents.purge_all()
        self.station.close()
