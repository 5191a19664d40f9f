"""The district's calendar in a real browser against ``station-app demo`` (a real center, real sync), with the
station and center clocks at Monday 2026-12-21 10:00 Beijing time (``BIANMIN_CLOCK_OFFSET_SECONDS``):

1. the district publishes a 2026 calendar with a moved 调休 day (``district-center calendar publish``); after
   a sync, 受理 of a 5-working-day item promises Saturday 12-26 (the built-in table says Monday 12-28), and
   the case list shows it;
2. a 15-working-day item is promised 2027-01-11, 暂定 (2027 is not published yet);
3. the district publishes 2027: the center recomputes the open case at once; after the next sync the sync
   page lists the moved case, the case shows the correction, and the 受理凭证（更正） PDF opens from the
   station's own origin (saved and rendered to PNG under test-artifacts/);
4. the resident's next progress lookup at the kiosk shows the new date.

Every request the pages make must stay on the station's origin.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework import clock
from tests.casework.calendar_samples import TEST_2027, moved_2026
from tests.e2e.conftest import SCREENSHOTS, new_page, running_demo
from tests.e2e.flows import (
    click_id,
    id_value,
    ids,
    intake,
    open_app,
    screenshot,
    settle,
    sign_in,
    text_of_page,
    type_into,
    wait_id,
)
from tests.e2e.test_main_path import center_cli, sync_and_wait

pytestmark = pytest.mark.e2e

MONDAY_10 = dt.datetime(2026, 12, 21, 2, 0, tzinfo=dt.UTC)
APPLICANT = ("李梅", "610114194001010012", "13800138000")  # 86: meets 高龄津贴 (80 and over, 阎良区)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    previous = os.environ.get(clock.OFFSET_ENV)
    # the demo, its center and the CLI calls below all run at Monday 2026-12-21 10:00 Beijing time
    os.environ[clock.OFFSET_ENV] = str((MONDAY_10 - clock.system_clock()).total_seconds())
    try:
        with running_demo(tmp_path_factory.mktemp("calendar-demo")) as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop(clock.OFFSET_ENV, None)
        else:
            os.environ[clock.OFFSET_ENV] = previous


def publish(demo: dict[str, Any], tmp: Path, table: Any) -> str:
    path = tmp / f"{table.year}.json"
    path.write_text(json.dumps(table.to_dict(), ensure_ascii=False), "utf-8")
    return center_cli(
        demo,
        "calendar",
        "publish",
        str(table.year),
        str(path),
        "--passphrase-file",
        str(demo["passphrase_file"]),
    )


def test_district_calendar_moves_dates_and_the_worker_prints_a_correction(
    browser: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    page, guard = new_page(browser, demo["url"])
    try:
        _walk(page, guard, browser, demo, tmp_path)
    except BaseException:
        screenshot(page, "zz-calendar-failure")
        print("identifiers on screen:", ids(page))
        print(demo["station"].output()[-3000:])
        raise
    page.context.close()


def _walk(page: Any, guard: Any, browser: Any, demo: dict[str, Any], tmp_path: Path) -> None:
    from station_app.viewmodels.guide import qr_png

    scan = tmp_path / "scan.png"
    scan.write_bytes(qr_png("失业保险金申领材料 扫描件", scale=8))
    out = publish(demo, tmp_path, moved_2026())
    assert "节假日文档第1版" in out, out

    open_app(page, demo["url"], "unlock-submit")
    sign_in(page, "02", demo["worker_pin"])
    sync_and_wait(page, demo["station"])
    assert "区级发布第 1 版" in text_of_page(page)

    short = intake(
        page,
        query="失业保险金申领",
        hit="失业保险金申领",
        applicant=APPLICANT,
        scan=scan,
        scans=("M-SFZ", "M-JCLDHT"),
        deferred=("M-SBK",),
        shots="cal-01-intake",
    )
    assert "2026-12-26" in text_of_page(page), "the district's 调休 Saturday, not the built-in Monday 12-28"
    long = intake(
        page,
        query="高龄津贴申领",
        hit="高龄津贴申领",
        applicant=APPLICANT,
        scan=scan,
        scans=("M-GLSQ", "M-SFZ", "M-HKB"),
        deferred=("M-SBK",),
    )
    shown = text_of_page(page)
    assert "2027-01-11" in shown and "暂定" in shown, shown

    click_id(page, "nav-cases")
    wait_id(page, f"case-row-{short}")
    settle(page)
    listed = text_of_page(page)
    assert "承诺 2026-12-26" in listed and "承诺 2027-01-11（暂定）" in listed, listed
    screenshot(page, "cal-02-cases")
    sync_and_wait(page, demo["station"])

    out = publish(demo, tmp_path, TEST_2027)
    assert "节假日文档第2版" in out and "1 件在办办件" in out, out
    sync_and_wait(page, demo["station"])
    wait_id(page, "calendar-moved-1")
    settle(page)
    screenshot(page, "cal-03-sync-notice")
    assert "由 2027-01-11（暂定） 改为 2027-01-09" in text_of_page(page)

    click_id(page, f"moved-{long}")
    wait_id(page, "case-corrected-2-2027-01-09")
    settle(page)
    screenshot(page, "cal-04-case-corrected")
    with page.context.expect_page(timeout=30_000) as popup_info:
        click_id(page, "case-correction")
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url.startswith(demo["url"]), popup.url
    pdf = page.context.request.get(popup.url)
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    popup.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = SCREENSHOTS / "cal-05-correction.pdf"
    saved.write_bytes(pdf.body())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(saved), str(saved.with_suffix(""))], check=True
    )
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    squashed = "".join(text.split())
    for expected in ("受理凭证（更正）", f"SL{long}", "2027年01月11日（暂定）", "2027年01月09日"):
        assert expected in squashed, (expected, text)

    # the resident asks at the kiosk: the new date
    kiosk, kiosk_guard = new_page(browser, demo["url"], width=1024, height=768)
    open_app(kiosk, demo["url"], "unlock-submit")
    type_into(kiosk, "工号", "02")
    type_into(kiosk, "工作人员密码", demo["worker_pin"])
    click_id(kiosk, "enter-kiosk")
    click_id(kiosk, "kiosk-progress")
    wait_id(kiosk, "kiosk-progress-find")
    type_into(kiosk, "办件编号（凭证上的数字）", long)
    type_into(kiosk, "预留手机号后四位", APPLICANT[2][-4:])
    click_id(kiosk, "kiosk-progress-find")
    wait_id(kiosk, "kiosk-progress-2027-01-09")
    settle(kiosk)
    screenshot(kiosk, "cal-06-kiosk-progress")
    assert kiosk_guard.foreign == []
    kiosk.context.close()
    assert id_value(page, "case-status-") in ("queued", "delivered")
    assert guard.foreign == [], guard.foreign
