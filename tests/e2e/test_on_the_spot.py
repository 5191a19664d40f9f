"""当场办结 in a real browser with a real district center (``station-app demo``, real sync): a flagged item
is accepted, decided and its 证明 printed at the window in one visit, handed over and rated; after the sync
the department's console shows the case done at the station, with the printed 证明 as its result.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
from tests.e2e.test_main_path import REVIEWER_PASSWORD, api, center_cli, login, sync_and_wait

pytestmark = pytest.mark.e2e

SPOT_NAME = "城乡居民养老保险参保登记"  # flagged 当场办结 (证明) in the sample catalog
DEPARTMENT = "西安市阎良区人力资源和社会保障局"
APPLICANT = ("赵六", "11010519491231002X", "13800138000")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_demo(tmp_path_factory.mktemp("spot")) as running:
        yield running


def pdf_png(pdf: bytes, name: str) -> tuple[Path, str]:
    """The PDF's first page as a PNG under the screenshots (``pdftoppm``) and its text (``pdftotext``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.pdf"
    path.write_bytes(pdf)  # a test artifact of sample data
    stem = str(path.with_suffix(""))
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(path), stem], check=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return path.with_suffix(".png"), text.stdout


def test_on_the_spot_with_a_printed_certificate_and_the_console_shows_it_done(
    browser: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    printed = b""
    assert shutil.which("pdftoppm") and shutil.which("pdftotext")
    center = demo["center_url"]
    center_cli(demo, "user", "add", "rsj", "--role", "reviewer", "--department", DEPARTMENT)
    token = login(center, "rsj")
    scan = tmp_path / "scan.png"
    from station_app.viewmodels.guide import qr_png

    scan.write_bytes(qr_png("参保登记表 扫描件", scale=8))

    page, guard = new_page(browser, demo["url"])
    try:
        open_app(page, demo["url"], "unlock-submit")
        sign_in(page, "02", demo["worker_pin"])
        number = intake(
            page,
            query="养老保险参保登记",
            hit=SPOT_NAME,
            applicant=APPLICANT,
            scan=scan,
            scans=("M-SFZ", "M-HKB", "M-YLDJ"),
            shots="spot-01",
            decide="intake-on-the-spot",
        )
        assert "已当场办结" in text_of_page(page)

        # the 证明, printed from the station's own origin: a real PDF with the item, applicant, decision
        with page.context.expect_page(timeout=30_000) as popup_info:
            click_id(page, "open-document")
        popup = popup_info.value
        popup.wait_for_load_state()
        assert popup.url.startswith(demo["url"]), popup.url
        got = page.context.request.get(popup.url)
        printed = got.body()  # kept: the response goes with the station's browser context
        assert got.ok and printed.startswith(b"%PDF"), popup.url
        popup.close()
        png, text = pdf_png(printed, "spot-02-certificate")
        assert png.stat().st_size > 10_000
        for words in ("证明", SPOT_NAME, APPLICANT[0], "准予办理（当场办结）", number, f"ZM{number}"):
            assert words in text.replace(" ", ""), (words, text)
        assert APPLICANT[1] not in text  # the ID number is masked on paper

        # 送达 at the window, then 好差评
        click_id(page, "intake-open-case")
        wait_id(page, "case-handover")
        assert id_value(page, "case-status-") == "result_ready"
        settle(page)
        screenshot(page, "spot-03-case-result-ready")
        type_into(page, "领取人身份证号码", APPLICANT[1])
        click_id(page, "case-handover")
        wait_id(page, "rate-very_satisfied")
        click_id(page, "rate-very_satisfied")
        click_id(page, "rate-submit")
        wait_id(page, "rate-thanks")
        click_id(page, "rate-thanks")
        page.get_by_role("button", name="交还工作人员").click()  # the screen goes back to the worker
        wait_id(page, "nav-sync")

        sync_and_wait(page, demo["station"])
        assert guard.foreign == [], guard.foreign
    except BaseException:
        screenshot(page, "spot-zz-failure")
        print("identifiers on screen:", ids(page))
        print(demo["station"].output()[-3000:])
        raise
    finally:
        page.context.close()

    # the center took it as done at the station, with the printed result
    rows = api(f"{center}/api/v1/backoffice/cases?limit=50", token=token)["cases"]
    row = next(r for r in rows if r["number"] == number)
    assert (row["status"], row["on_the_spot"]) == ("handed_over", True), row

    # the department's console: the list and the case say 当场办结, and the 证明 opens
    console = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
    try:
        console.goto(center + "/console/")
        console.get_by_label("用户名").fill("rsj")
        console.get_by_label("密码").fill(REVIEWER_PASSWORD)
        console.get_by_role("button", name="登录").click()
        console.wait_for_load_state()
        console.goto(center + "/console/cases?status=done")  # 已出件 / 已办结
        console.screenshot(path=str(SCREENSHOTS / "spot-04-console-list.png"), full_page=True)
        console.locator(f'tr:has-text("{number}")').get_by_test_id("row-on-the-spot").wait_for()
        console.goto(f"{center}/console/cases/{row['id']}")
        console.get_by_test_id("on-the-spot").wait_for()
        assert "服务站当场办结" in console.get_by_test_id("on-the-spot").inner_text()
        assert "已送达" in console.get_by_test_id("case-status").inner_text()
        console.screenshot(path=str(SCREENSHOTS / "spot-05-console-case.png"), full_page=True)
        link = console.get_by_test_id("station-result").get_by_role("link").first
        href = link.get_attribute("href")
        assert href, "the station's result file is linked"
        result = console.context.request.get(center + href if href.startswith("/") else href)
        assert result.ok and result.body() == printed  # the very PDF printed at the window
    finally:
        console.context.close()
