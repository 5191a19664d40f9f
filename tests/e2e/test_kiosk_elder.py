"""适老化 on the kiosk, measured in the rendered page: body text ≥ 18 dp (23.4 at 标准) and 30 dp at 大字,
line spacing ≥ 1.3, contrast ≥ 4.5:1, every touch target ≥ 60×60 dp, nothing off the screen sideways — at
100 % and 150 % browser zoom, on a 1366×768 landscape screen and an 800×1280 portrait tablet. Then: what a
resident typed stays when the text size changes, and the idle reset puts 标准 back.

How it is measured: ``tests/e2e/layout.py`` (semantics rectangles for sizes, screenshot pixels inside them
for font size, line spacing and contrast). Browser zoom is what Chromium does at 150 %: the page gets a CSS
viewport 1.5 times smaller and a device pixel ratio of 1.5, so Flutter lays out for the smaller logical
screen and draws each dp with 1.5 device pixels. Screenshots: ``elder-<zoom>-<screen>-<text>-<page>.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from station_app.config import KIOSK_LARGE_SCALE, KIOSK_MIN_TARGET, KIOSK_STANDARD_SCALE, LINE_HEIGHT
from station_app.i18n import t
from tests.e2e.conftest import OriginGuard, ident
from tests.e2e.flows import click_id, open_app, screenshot, settle, type_into, wait_id
from tests.e2e.layout import measure_text, overflow, rect, served_station, targets
from tests.station_app.volume import PIN

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCREENS = (("landscape", 1366, 768), ("portrait", 800, 1280))
RESET_SECONDS = 25


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    with served_station(
        tmp_path_factory.mktemp("elder"), STATION_KIOSK_RESET_SECONDS=str(RESET_SECONDS)
    ) as served:
        yield served


def kiosk_page(browser: Any, url: str, width: int, height: int, zoom: float) -> tuple[Any, OriginGuard]:
    """A tablet at ``width``×``height`` device-independent pixels and browser zoom ``zoom``, switched
    into 自助办 by a worker (the kiosk reaches the catalog after a worker unlocked the store)."""
    ctx = browser.new_context(
        viewport={"width": round(width / zoom), "height": round(height / zoom)},
        device_scale_factor=zoom,
        locale="zh-CN",
    )
    guard = OriginGuard(url)
    ctx.route("**/*", guard)
    page = ctx.new_page()
    open_app(page, url, "unlock-submit")
    type_into(page, "工号", "01")
    type_into(page, "工作人员密码", PIN)
    click_id(page, "enter-kiosk")
    wait_id(page, "kiosk-guide")
    return page, guard


def check_page(page: Any, name: str) -> bytes:
    """Every target at least 60×60 dp, nothing off the screen sideways; returns the first screenshot.

    A target cut by the edge of a scrolled area has a clipped rectangle, so each one is judged where it
    is wholly on screen: the page is wheeled down until its end, and a target passes at its largest
    wholly visible size."""
    png = screenshot(page, name).read_bytes()
    size = page.viewport_size
    page.mouse.move(size["width"] / 2, size["height"] / 2)
    seen: dict[tuple[str, str, str], tuple[float, float]] = {}
    last: list[dict[str, Any]] = []
    for _ in range(12):
        ov = overflow(page)
        assert ov["outside"] == [] and ov["scrollWidth"] <= ov["width"], (name, ov)
        now = targets(page)
        for b in now:
            key = (b["id"], b["label"], b["tag"])
            whole = b["y"] > 0.5 and b["y"] + b["h"] < size["height"] - 0.5
            w, h = seen.get(key, (0.0, 0.0))
            seen[key] = (max(w, b["w"]), max(h, b["h"])) if whole else (w, h)
        if now == last:
            break
        last = now
        page.mouse.wheel(0, size["height"] * 0.6)
        page.wait_for_timeout(400)
    page.mouse.wheel(0, -100_000)  # back to the top, where the screenshot was taken
    page.wait_for_timeout(600)
    small = {k: v for k, v in seen.items() if min(v) < KIOSK_MIN_TARGET - 0.5}
    assert small == {}, (name, small)
    return png


def check_text(
    png: bytes, box: dict[str, float], zoom: float, text: str, want: float, *, left: float = 0
) -> None:
    m = measure_text(png, box, zoom, text, left_dp=left)
    assert abs(m.font_dp - want) <= 0.06 * want, (text, want, m)
    assert m.line_spacing >= 1.3, (text, m)
    assert m.contrast >= 4.5, (text, m)


@pytest.mark.parametrize("zoom", [1.0, 1.5], ids=["100", "150"])
def test_kiosk_text_contrast_and_targets(
    browser: Any, station: tuple[Any, dict[str, str]], zoom: float
) -> None:
    served, _numbers = station
    assert 18 * KIOSK_STANDARD_SCALE >= 18 and round(18 * KIOSK_LARGE_SCALE, 6) == 30  # the app's own values
    assert LINE_HEIGHT >= 1.3
    for screen, width, height in SCREENS:
        page, guard = kiosk_page(browser, served.url, width, height, zoom)
        for text, scale in (("standard", KIOSK_STANDARD_SCALE), ("large", KIOSK_LARGE_SCALE)):
            tag = f"elder-{round(zoom * 100)}-{screen}-{text}"
            click_id(page, f"kiosk-text-{text}")
            settle(page, 800)
            png = check_page(page, f"{tag}-home")
            body = 18 * scale
            check_text(png, rect(page, "kiosk-welcome"), zoom, t("kiosk.welcome"), body)
            # a tile's label, right of its icon (padding 28, icon 40 × scale, gap 16)
            check_text(
                png,
                rect(page, "kiosk-guide"),
                zoom,
                t("kiosk.by_event"),
                24 * scale,
                left=28 + 40 * scale + 16,
            )
            click_id(page, "kiosk-guide")
            wait_id(page, "event-birth")
            check_page(page, f"{tag}-events")
            click_id(page, "event-birth")
            wait_id(page, "kiosk-hit-YJS-CS")
            click_id(page, "kiosk-hit-YJS-CS")
            wait_id(page, "kiosk-preapply")
            check_page(page, f"{tag}-item")
            click_id(page, "kiosk-preapply")
            wait_id(page, "kiosk-submit")
            check_page(page, f"{tag}-preapply")
            click_id(page, "kiosk-back")
            click_id(page, "kiosk-progress")
            wait_id(page, "kiosk-progress-find")
            check_page(page, f"{tag}-progress")
            click_id(page, "kiosk-back")
            wait_id(page, "kiosk-guide")
        assert guard.foreign == [], guard.foreign
        page.context.close()


def test_typed_input_survives_the_text_switch_and_the_idle_reset_restores_standard(
    browser: Any, station: tuple[Any, dict[str, str]]
) -> None:
    served, _numbers = station
    page, guard = kiosk_page(browser, served.url, 800, 1280, 1.0)
    click_id(page, "kiosk-guide")
    click_id(page, "event-birth")
    click_id(page, "kiosk-hit-YJS-CS")
    click_id(page, "kiosk-preapply")
    wait_id(page, "kiosk-submit")
    type_into(page, "姓名", "李四")
    type_into(page, "身份证号", "11010519491231002")  # one character short: a plain message under its box
    click_id(page, "kiosk-submit")
    settle(page, 800)
    screenshot(page, "elder-kept-error")
    click_id(page, "kiosk-text-large")
    settle(page, 800)
    screenshot(page, "elder-kept-after-large-text")
    for label, typed in (("姓名", "李四"), ("身份证号", "11010519491231002")):
        box = page.get_by_role("textbox", name=label).first
        box.click()  # Flutter puts the value into the DOM's input while the box has the focus
        page.wait_for_timeout(300)
        assert box.input_value() == typed, label
    screenshot(page, "elder-kept-after-large-text")
    box = ident(page, "kiosk-submit").first.bounding_box()
    assert box and box["height"] >= KIOSK_MIN_TARGET
    # nobody touches the tablet: the input goes, and the next resident finds 标准
    wait_id(page, "kiosk-welcome", (RESET_SECONDS + 30) * 1000)
    settle(page, 800)
    png = screenshot(page, "elder-after-idle-reset").read_bytes()
    check_text(png, rect(page, "kiosk-welcome"), 1.0, t("kiosk.welcome"), 18 * KIOSK_STANDARD_SCALE)
    assert guard.foreign == [], guard.foreign
    page.context.close()
