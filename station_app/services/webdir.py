"""The station's runtime directories inside its data directory, beside the encrypted store:

* ``web/`` — what Flet serves as its assets: the bundled fonts (``web/fonts/``) and copies of Flet's web
  client with its one CDN URL pointed at the station's own origin (``main.dart.js``, ``main.dart.wasm``, each
  with a ``.source`` stamp naming the installed client it was made from). Written at start-up
  (:func:`prepare_web_dir`); any file that differs from what this version would write is replaced, so a
  tampered client script is never served;
* ``uploads/`` — scans in transit from the browser (plaintext for a moment): emptied at every start;
* ``tmp/`` — offline bundles being written or read (``<random>.bmzz``), removed when done;
* ``.station.serving`` — the URL of the running ``station-app serve`` (JSON ``{"url", "pid"}``), so a second
  ``serve`` on the same data directory can say where the first one runs; removed at exit.

:func:`check_runtime_dirs` is what ``station-app verify`` checks of them while the station is not running:
``web/`` holds exactly the expected files with the expected bytes, ``uploads/`` is empty, ``tmp/`` holds at
most bundle files left by an interrupted export (reported, not a fault), and nothing else is there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from station_app.resources import font_files

__all__ = [
    "CLIENT_FILES",
    "RUNTIME_DIRS",
    "SERVING_FILE",
    "check_runtime_dirs",
    "clear_serving",
    "expected_web_files",
    "prepare_web_dir",
    "read_serving",
    "write_serving",
]

# The prebuilt Flet web client (both its JS and its WasmGC build) loads the Rive animation runtime from a CDN
# at start-up even when no Rive control is used. An offline station must not reach out: serve copies of the
# client whose Rive base URL points at a path on the station's own origin that does not exist, so that
# optional load fails locally. The replacement has the same length, so the wasm binary stays valid.
_RIVE_CDN = b"https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@44.0.0/"
_RIVE_LOCAL = (b"/_offline/rive/" + b"_" * len(_RIVE_CDN))[: len(_RIVE_CDN) - 1] + b"/"
CLIENT_FILES = ("main.dart.js", "main.dart.wasm")
SERVING_FILE = ".station.serving"
RUNTIME_DIRS = ("web", "uploads", "tmp", SERVING_FILE)
_BUNDLE_TMP = re.compile(r"^[0-9a-f]{16}\.bmzz$")


def _client_source(name: str) -> Path:
    import flet_web  # type: ignore[import-untyped]  # flet-web ships no type information

    return Path(flet_web.__file__).parent / "web" / name


def _stamp(source: Path) -> str:
    st = source.stat()
    return f"{source}:{st.st_size}:{st.st_mtime_ns}"


def expected_web_files() -> dict[str, Callable[[], bytes]]:
    """Relative path under ``web/`` → how to produce its exact content (produced only when asked)."""
    out: dict[str, Callable[[], bytes]] = {}
    for font in font_files():
        out[f"fonts/{font.name}"] = font.read_bytes
    for name in CLIENT_FILES:
        source = _client_source(name)

        def client(source: Path = source) -> bytes:
            data = source.read_bytes()
            patched = data.replace(_RIVE_CDN, _RIVE_LOCAL)
            assert len(patched) == len(data)
            return patched

        def stamp(source: Path = source) -> bytes:
            return _stamp(source).encode()

        out[name] = client
        out[f"{name}.source"] = stamp
    return out


def prepare_web_dir(web: Path) -> None:
    """Write ``web/`` as this version serves it: every file whose bytes differ from what this version serves
    is rewritten, and stray files are removed."""
    web.mkdir(parents=True, exist_ok=True)
    # A copy, not a symlink: Starlette's static files refuse to follow symlinks out of the served dir.
    fonts = web / "fonts"
    if fonts.is_symlink():
        fonts.unlink()
    fonts.mkdir(exist_ok=True)
    expected = expected_web_files()
    for rel, produce in expected.items():
        target = web / rel
        data = produce()  # compared byte for byte: a same-size change is caught too (a few ms from cache)
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            continue
        if target.is_symlink():
            target.unlink()
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    for path in sorted(web.rglob("*"), reverse=True):
        rel = path.relative_to(web).as_posix()
        if rel in expected or rel == "fonts":
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def write_serving(data_dir: Path, url: str) -> None:
    """Record where this process serves the station UI (read by a second ``serve`` on the same dir)."""
    tmp = data_dir / (SERVING_FILE + ".tmp")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    os.replace(tmp, data_dir / SERVING_FILE)


def clear_serving(data_dir: Path) -> None:
    (data_dir / SERVING_FILE).unlink(missing_ok=True)


def read_serving(data_dir: Path) -> str | None:
    """The URL the station process that holds ``data_dir`` serves, if it is a ``serve`` that said so."""
    try:
        url = json.loads((data_dir / SERVING_FILE).read_text(encoding="utf-8")).get("url")
    except (OSError, ValueError, AttributeError):
        return None
    return url if isinstance(url, str) and url.startswith("http") else None


def check_runtime_dirs(data_dir: Path) -> tuple[list[str], list[str]]:
    """(problems, info) about ``web/``, ``uploads/`` and ``tmp/`` of a station that is not running."""
    problems: list[str] = []
    info: list[str] = []
    web = data_dir / "web"
    if web.is_dir():
        expected = expected_web_files()
        for path in sorted(web.rglob("*")):
            rel = path.relative_to(web).as_posix()
            if path.is_symlink():
                problems.append(f"web/{rel} is a symbolic link")
            elif path.is_dir():
                if rel != "fonts":
                    problems.append(f"unknown directory web/{rel}")
            elif rel not in expected:
                problems.append(f"unknown file web/{rel}")
            elif rel.endswith(".source"):
                continue  # a stamp of another installed client only makes the copy stale, not wrong
            elif rel in CLIENT_FILES and not _matches_installed_client(web, rel, expected):
                continue  # made from another installed client: rewritten at the next start
            elif path.read_bytes() != expected[rel]():
                problems.append(f"web/{rel} differs from what this version serves (changed?)")
        info.append("web/ checked")
    elif web.exists():
        problems.append("web is not a directory")
    uploads = data_dir / "uploads"
    if uploads.is_dir():
        left = [p.name for p in uploads.iterdir()]
        if left:
            problems.append(
                f"uploads/ holds {len(left)} file(s) while the station is stopped (plaintext scans)"
            )
    elif uploads.exists():
        problems.append("uploads is not a directory")
    tmp = data_dir / "tmp"
    if tmp.is_dir():
        for p in sorted(tmp.iterdir()):
            if p.is_file() and _BUNDLE_TMP.match(p.name):
                info.append(f"tmp/{p.name}: an offline bundle left by an interrupted export (encrypted)")
            else:
                problems.append(f"unknown file tmp/{p.name}")
    elif tmp.exists():
        problems.append("tmp is not a directory")
    if (data_dir / SERVING_FILE).exists():
        info.append(f"{SERVING_FILE}: left by a station process that did not stop cleanly (harmless)")
    return problems, info


def _matches_installed_client(web: Path, rel: str, expected: dict[str, Callable[[], bytes]]) -> bool:
    stamp = web / f"{rel}.source"
    return stamp.is_file() and stamp.read_bytes() == expected[f"{rel}.source"]()
