"""Every desk screen reflows: at 100 % in portrait (800×1280, a kiosk tablet turned to the desk), then at the
150 % font size (chosen on the settings screen, as a worker with large text does) in portrait and on a
1366×768 laptop. On each screen nothing leaves the viewport sideways (every semantics rectangle within its
width, no scroll width beyond it) and every section of the navigation, 锁屏 included, is on screen.
Screenshots: ``test-artifacts/screenshots/reflow-<size>-<screen>.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ident, new_page
from tests.e2e.flows import attach_scan, click_id, open_app, screenshot, settle, sign_in, type_into, wait_id
from tests.e2e.layout import ELDER_ITEM, overflow, served_station
from tests.station_app.volume import PIN, TEMPLATE_ID

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NAV = ("nav-home", "nav-guide", "nav-intake", "nav-cases", "nav-sync", "nav-settings", "nav-lock")


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    with served_station(tmp_path_factory.mktemp("reflow")) as served:
        yield served


def check(page: Any, name: str, *, nav: bool = True) -> None:
    """No horizontal overflow; the navigation on screen; a screenshot to look at."""
    screenshot(page, f"reflow-{name}")  # first, so a failing screen can be looked at
    ov = overflow(page)
    assert ov["scrollWidth"] <= ov["width"] and ov["bodyScrollWidth"] <= ov["width"], (name, ov)
    assert ov["outside"] == [], (name, ov["outside"])
    if nav:
        size = page.viewport_size
        for nid in NAV:
            box = ident(page, nid).first.bounding_box()
            assert box, (name, nid)
            inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"] + 1
            assert inside and box["y"] + box["height"] <= size["height"] + 1, (name, nid, box)


def scroll_to(page: Any, name: str) -> None:
    """Wheel the screen until ``name`` is wholly on screen (Flutter scrolls on wheel events)."""
    size = page.viewport_size
    page.mouse.move(size["width"] / 2, size["height"] / 2)
    for _ in range(30):
        box = ident(page, name).first.bounding_box()
        if box and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]:
            return
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(250)
    raise AssertionError(f"{name} never scrolled into view")


def choose(page: Any, then: str) -> None:
    """Search 高龄津贴 by its initials; open it once the results settled (they update while one types)."""
    for attempt in range(3):  # on a starved machine a key can arrive twice while the results re-render
        try:
            type_into(page, "搜索事项", "gljt")
            break
        except AssertionError:
            if attempt == 2:
                raise
    settle(page, 800)
    wait_id(page, f"hit-{ELDER_ITEM}")
    scroll_to(page, f"hit-{ELDER_ITEM}")  # below the drafts of the earlier rounds
    click_id(page, f"hit-{ELDER_ITEM}")
    wait_id(page, then)


def tour(page: Any, size: str, numbers: dict[str, str], scan: Path) -> None:
    click_id(page, "nav-home")
    wait_id(page, "tiles-counted", 60_000)
    check(page, f"{size}-home")

    click_id(page, "nav-guide")
    wait_id(page, "guide-search")
    choose(page, "start-intake")
    check(page, f"{size}-item")
    click_id(page, "nav-guide")
    wait_id(page, "guide-search")
    check(page, f"{size}-guide")

    click_id(page, "nav-intake")
    wait_id(page, "guide-search")
    choose(page, "intake-next")
    type_into(page, "姓名", "张三")
    type_into(page, "身份证号", TEMPLATE_ID)
    type_into(page, "联系电话", "13800138000")
    type_into(page, "住址", "西安市阎良区凤凰路街道1号")
    check(page, f"{size}-intake-applicant")
    click_id(page, "intake-next")
    wait_id(page, "material-M-GLSQ")
    for code in ("M-GLSQ", "M-SFZ", "M-HKB"):
        attach_scan(page, code, scan)
    click_id(page, "defer-M-SBK")
    click_id(page, "defer-ok")
    settle(page)
    check(page, f"{size}-intake-materials")
    click_id(page, "intake-next")
    wait_id(page, "intake-accept")
    check(page, f"{size}-intake-review")

    click_id(page, "nav-cases")
    wait_id(page, "cases-page")
    check(page, f"{size}-cases")
    click_id(page, f"case-row-{numbers['accepted']}")
    wait_id(page, "case-reprint", 60_000)
    check(page, f"{size}-case")
    click_id(page, "nav-cases")
    click_id(page, f"case-row-{numbers['result_ready']}")
    wait_id(page, "case-handover", 60_000)
    scroll_to(page, "case-handover")
    check(page, f"{size}-handover")
    click_id(page, "nav-cases")
    click_id(page, f"case-row-{numbers['handed_over']}")
    click_id(page, "case-rate", 60_000)
    level = page.locator('[flt-semantics-identifier^="rate-"]').first
    level.wait_for(state="attached", timeout=30_000)
    level.click()
    wait_id(page, "rate-submit")  # the reasons and the comment box show once a level is chosen
    check(page, f"{size}-rating", nav=False)  # the resident rates on a screen of their own
    scroll_to(page, "rate-skip")
    click_id(page, "rate-skip")
    wait_id(page, "case-reprint", 60_000)

    click_id(page, "nav-sync")
    wait_id(page, "sync-now")
    check(page, f"{size}-sync")
    click_id(page, "nav-settings")
    wait_id(page, "settings-workers")
    check(page, f"{size}-settings")

    click_id(page, "nav-lock")
    wait_id(page, "unlock-submit")
    check(page, f"{size}-unlock", nav=False)
    sign_in(page, "01", PIN)


def test_every_desk_screen_reflows_at_150_percent_and_in_portrait(
    browser: Any, station: tuple[Any, dict[str, str]], tmp_path: Path
) -> None:
    served, numbers = station
    from station_app.viewmodels.guide import qr_png

    scan = tmp_path / "scan.png"
    scan.write_bytes(qr_png("扫描件", scale=4))
    page, guard = new_page(browser, served.url, width=800, height=1280)
    open_app(page, served.url, "unlock-submit")
    sign_in(page, "01", PIN)
    tour(page, "portrait-100", numbers, scan)

    click_id(page, "nav-settings")
    wait_id(page, "settings-workers")
    page.get_by_role("radio", name="150%").click()
    settle(page, 1500)
    tour(page, "portrait-150", numbers, scan)
    page.set_viewport_size({"width": 1366, "height": 768})
    settle(page, 1500)
    tour(page, "landscape-150", numbers, scan)
    assert guard.foreign == [], guard.foreign
    page.context.close()
