"""A year's volume in a real browser: sign in on a station holding 50,000 cases, page through the list,
filter it, search it by name (汉字 and pinyin initials), 身份证号 tail and case number, open a case — and
the same screens at 150 % font size. The store is built once per version of the code that builds it
(``tests/station_app/volume.py``) and cached under ``.cache/station-volume/`` (CI can cache that directory
by the builder's digest); each run serves a copy.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework.case_summary import name_initials
from tests.e2e.conftest import REPO, free_port, new_page, start_station
from tests.e2e.flows import click_id, open_app, screenshot, sign_in, type_into, wait_id
from tests.station_app.volume import PASSPHRASE, PIN, VolumeInfo, cached_volume_station

N = int(os.environ.get("VOLUME_E2E_CASES", "50000"))
CACHE = REPO / ".cache" / "station-volume"
SEARCH = "搜索：编号、姓名或拼音首字母、证件号后4–6位、手机后4位、事项"


@pytest.fixture(scope="module")
def volume() -> VolumeInfo:
    return cached_volume_station(CACHE, N)


@pytest.fixture
def served(volume: VolumeInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The cached station, copied, served with its passphrase given at start-up."""
    data = tmp_path / "station"
    shutil.copytree(volume.data_dir, data)
    monkeypatch.setenv("STATION_PASSPHRASE", PASSPHRASE)
    station = start_station(["serve"], data, free_port())
    try:
        yield station
    finally:
        station.stop()


def page_label(page: Any) -> str:
    loc = wait_id(page, "cases-page")
    return str(loc.get_attribute("aria-label") or loc.inner_text()).strip()


def wait_label(page: Any, want: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and page_label(page) != want:
        page.wait_for_timeout(200)
    assert page_label(page) == want


def search(page: Any, text: str, number: str) -> None:
    """Type into the list's search field and wait until the case shows."""
    type_into(page, SEARCH, text)
    wait_id(page, f"case-row-{number}", 30_000)


def test_fifty_thousand_cases_page_filter_and_search(browser: Any, served: Any, volume: VolumeInfo) -> None:
    page, guard = new_page(browser, served.url)
    open_app(page, served.url, "unlock-submit")
    wait_id(page, "unlock-submit")
    type_into(page, "工号", "01")
    type_into(page, "工作人员密码", PIN)
    started = time.monotonic()
    click_id(page, "unlock-submit")
    wait_id(page, "home-intake", 60_000)
    shown = time.monotonic() - started
    wait_id(page, "tiles-counted", 60_000)
    counted = time.monotonic() - started
    print(f"at {N} cases, PIN submitted → home shown {shown:.2f} s, tiles counted {counted:.2f} s (browser)")
    for tile in ("tile-overdue", "tile-pickup", "tile-due_soon"):
        wait_id(page, tile)
    screenshot(page, "volume-01-home")

    click_id(page, "nav-cases")
    pages = -(-N // 50)
    wait_label(page, f"第 1 / {pages} 页")
    assert page.locator('[flt-semantics-identifier^="case-row-"]').count() > 0
    screenshot(page, "volume-02-list")
    first = page.locator('[flt-semantics-identifier^="case-row-"]').first.get_attribute(
        "flt-semantics-identifier"
    )
    click_id(page, "cases-next")
    wait_label(page, f"第 2 / {pages} 页")
    second = page.locator('[flt-semantics-identifier^="case-row-"]').first.get_attribute(
        "flt-semantics-identifier"
    )
    assert first != second, "the next page shows other cases"
    click_id(page, "cases-prev")
    wait_label(page, f"第 1 / {pages} 页")

    click_id(page, "chip-pickup")  # 结果待领取: a home tile's filter
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and page_label(page).endswith(f"/ {pages} 页"):
        page.wait_for_timeout(200)
    assert not page_label(page).endswith(f"/ {pages} 页"), "the filter narrowed the list"
    screenshot(page, "volume-03-filtered")
    row = page.locator('[flt-semantics-identifier^="case-row-"]').first
    row.click()
    wait_id(page, "case-status-result_ready")
    click_id(page, "nav-cases")
    wait_label(page, f"第 1 / {pages} 页")

    i, (number, _status) = sorted(volume.probes.items())[1]
    name, ident, phone = volume.resident(i)
    search(page, name, number)  # 汉字
    screenshot(page, "volume-04-search-name")
    search(page, name_initials(name), number)  # pinyin initials
    search(page, ident[-6:], number)  # 身份证号 tail
    search(page, phone[-4:], number)  # phone tail
    search(page, number, number)
    click_id(page, f"case-row-{number}")
    wait_id(page, "case-reprint", 90_000)  # opening decrypts one case; on a starved machine it can take long
    screenshot(page, "volume-05-case")
    assert guard.foreign == [], guard.foreign
    page.context.close()


def test_the_list_at_150_percent_font_size(browser: Any, volume: VolumeInfo, tmp_path: Path) -> None:
    """适老化: the largest font setting on the same 50,000 cases (set the way the settings screen does)."""
    from station_app.services.station import StationService

    data = tmp_path / "station"
    shutil.copytree(volume.data_dir, data)
    svc = StationService(data)
    svc.unlock_station(PASSPHRASE)
    svc.unlock("01", PIN)
    svc.save_settings({"font_scale": 1.5}, actor="worker:01")
    svc.close()
    env_before = os.environ.get("STATION_PASSPHRASE")
    os.environ["STATION_PASSPHRASE"] = PASSPHRASE
    try:
        station = start_station(["serve"], data, free_port())
    finally:
        if env_before is None:
            os.environ.pop("STATION_PASSPHRASE", None)
        else:
            os.environ["STATION_PASSPHRASE"] = env_before
    try:
        page, guard = new_page(browser, station.url)
        open_app(page, station.url, "unlock-submit")
        sign_in(page, "01", PIN)
        wait_id(page, "tiles-counted", 60_000)
        screenshot(page, "volume-06-home-150")
        click_id(page, "nav-cases")
        wait_id(page, "cases-page")
        wait_id(page, "cases-next")
        screenshot(page, "volume-07-list-150")
        assert guard.foreign == []
        page.context.close()
    finally:
        station.stop()
