"""``station-app verify`` knows the station's runtime directories (web/, uploads/, tmp/) — a store that has
been served once verifies OK — and still fails when one of them was tampered with."""

from __future__ import annotations

from pathlib import Path

from station_app.services.station import StationService
from station_app.services.webdir import RUNTIME_DIRS, check_runtime_dirs, prepare_web_dir
from storage.verify import verify_store


def _verify(station: StationService) -> list[str]:
    report = verify_store(station.unlocked_store, extra=dict.fromkeys(RUNTIME_DIRS, check_runtime_dirs))
    return report.problems


def _serve_once(data_dir: Path) -> None:
    """What a start of ``station-app serve`` leaves in the data directory."""
    prepare_web_dir(data_dir / "web")
    (data_dir / "uploads").mkdir(exist_ok=True)
    (data_dir / "tmp").mkdir(exist_ok=True)


def test_a_store_served_once_verifies(station: StationService) -> None:
    _serve_once(station.data_dir)
    assert _verify(station) == []


def test_a_changed_client_script_or_font_fails_and_the_next_start_rewrites_it(
    station: StationService,
) -> None:
    web = station.data_dir / "web"
    _serve_once(station.data_dir)
    js = web / "main.dart.js"
    original = js.read_bytes()
    js.write_bytes(original.replace(b"function", b"functioN", 1))  # same size, other bytes
    assert any("main.dart.js" in p for p in _verify(station))
    prepare_web_dir(web)
    assert js.read_bytes() == original and _verify(station) == []
    font = web / "fonts" / "DroidSansFallbackFull.ttf"
    data = bytearray(font.read_bytes())
    data[100] ^= 0xFF
    font.write_bytes(bytes(data))
    assert any("DroidSansFallbackFull.ttf" in p for p in _verify(station))
    prepare_web_dir(web)
    assert _verify(station) == []


def test_stray_files_and_leftover_plaintext_fail(station: StationService) -> None:
    data_dir = station.data_dir
    _serve_once(data_dir)
    (data_dir / "web" / "evil.js").write_text("alert(1)")
    (data_dir / "uploads" / "scan.jpg").write_bytes(b"\xff\xd8 plaintext")
    (data_dir / "tmp" / "notes.txt").write_text("x")
    (data_dir / "tmp" / "0123456789abcdef.bmzz").write_bytes(b"encrypted bundle")
    (data_dir / "strange").mkdir()
    problems = _verify(station)
    assert any("web/evil.js" in p for p in problems)
    assert any("uploads/" in p and "plaintext" in p for p in problems)
    assert any("tmp/notes.txt" in p for p in problems)
    assert not any("0123456789abcdef.bmzz" in p for p in problems), "an interrupted export is info only"
    assert any("strange" in p for p in problems)
    prepare_web_dir(data_dir / "web")
    assert not (data_dir / "web" / "evil.js").exists(), "a start removes what it does not serve"
