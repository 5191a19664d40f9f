"""The toolchain works: a fresh station serves its first-run screen in headless Chromium, fully offline."""

from __future__ import annotations

from tests.e2e.conftest import enable_semantics, free_port, ident, new_page, shot, start_station


def test_fresh_station_shows_setup_offline(browser, tmp_path):
    port = free_port()
    station = start_station(["serve"], tmp_path / "station", port)
    try:
        page, guard = new_page(browser, station.url)
        page.goto(station.url)
        enable_semantics(page)
        ident(page, "setup-submit").wait_for(timeout=60_000)
        page.get_by_role("textbox", name="站点名称").wait_for()
        shot(page, "00-setup")
        assert guard.foreign == []
        page.context.close()
    finally:
        station.stop()
