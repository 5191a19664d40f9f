"""The console brings its own CJK font: on a PC with no Chinese font it shows Chinese, not tofu boxes.

Chromium is started with a fontconfig that knows only the DejaVu directory (``FONTCONFIG_FILE``), so no
system font can draw a Chinese character; the test checks that with ``fc-list`` first. The font Chromium
really used for a Chinese heading comes from the DevTools protocol (``CSS.getPlatformFontsForNode``): the
console's web font (the station's bundled Droid Sans Fallback). The same page with the font request blocked
draws the heading with no font at all for its Chinese characters — the tofu the test guards against.
Screenshots of both are saved to look at.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e_console.conftest import CHROMIUM, CHROMIUM_ARGS, SHOTS, World, sign_in

DEJAVU = "/usr/share/fonts/truetype/dejavu"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def no_cjk_fonts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a machine whose only fonts are DejaVu (Latin, Greek, Cyrillic: no CJK)."""
    base = tmp_path_factory.mktemp("fontconfig")
    config = base / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{base / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    env = {"FONTCONFIG_FILE": str(config)}
    listed = subprocess.run(
        ["fc-list"], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    assert "DejaVu" in listed.stdout
    chinese = subprocess.run(
        ["fc-list", ":lang=zh"], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    assert chinese.stdout.strip() == "", f"a CJK font is still visible: {chinese.stdout}"
    return env


@pytest.fixture(scope="module")
def bare_browser(browser: Any, no_cjk_fonts: dict[str, str]) -> Iterator[Any]:
    bare = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env={**os.environ, **no_cjk_fonts}
    )
    try:
        yield bare
    finally:
        bare.close()


def _fonts_of(page: Any, selector: str) -> list[dict[str, Any]]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def _open(bare_browser: Any, world: World, *, block_font: bool) -> tuple[Any, list[str]]:
    context = bare_browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    fetched: list[str] = []

    def route(r: Any) -> None:
        foreign = not r.request.url.startswith(world.url)
        if foreign or (block_font and r.request.url.endswith("/fonts/cjk.ttf")):
            r.abort()
        else:
            fetched.append(r.request.url)
            r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, world, "reviewer", go="/console/cases")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page, fetched


def test_console_draws_chinese_with_its_bundled_font_on_a_pc_without_one(
    bare_browser: Any, world: World
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, fetched = _open(bare_browser, world, block_font=False)
    try:
        heading = page.locator("main h1").first
        assert "待办办件" in heading.inner_text()
        page.screenshot(path=str(SHOTS / "20-queue-no-system-cjk-font.png"), full_page=True)
        fonts = _fonts_of(page, "main h1")
        assert any(f["isCustomFont"] and "Droid" in f["familyName"] for f in fonts), fonts
        assert not any(f["familyName"] == "" for f in fonts), fonts
        assert any(u.endswith("/console/fonts/cjk.ttf") for u in fetched)
    finally:
        page.context.close()

    blocked, _ = _open(bare_browser, world, block_font=True)
    try:
        blocked.screenshot(path=str(SHOTS / "20b-queue-font-blocked-tofu.png"), full_page=True)
        fonts = _fonts_of(blocked, "main h1")
        assert not any("Droid" in f["familyName"] for f in fonts), fonts  # nothing drew the Chinese: tofu
    finally:
        blocked.context.close()


def test_the_font_is_served_compressed_with_cache_headers(world: World) -> None:
    url = world.url + "/console/fonts/cjk.ttf"
    with httpx.Client() as http:
        first = http.get(url, headers={"accept-encoding": "gzip"})
        assert first.status_code == 200 and first.headers["content-type"] == "font/ttf"
        assert first.headers["content-encoding"] == "gzip"
        assert "max-age=31536000" in first.headers["cache-control"]
        original = Path(__file__).resolve().parents[2] / "station_app/assets/fonts/DroidSansFallbackFull.ttf"
        assert first.content == original.read_bytes()  # httpx decoded the gzip
        assert int(first.headers["content-length"]) < original.stat().st_size * 0.8
        again = http.get(url, headers={"if-none-match": first.headers["etag"]})
        assert again.status_code == 304
        assert http.get(world.url + "/console/fonts/other.ttf").status_code == 404
        css = http.get(world.url + "/console/static/console.css").text
        assert '@font-face { font-family: "Console CJK"' in css
