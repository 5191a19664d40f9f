"""差评 → 整改 → 回访评价, and 帮办代办 → the register → xlsx, in real browsers: the station (``station-app
demo``: a real district center, real sync) and the district console side by side.

1. 受理 at the window for a resident whose daughter files for her (委托他人, with a 授权委托书 scanned at the
   window: it syncs with the case), sync; the department decides through the back-office API; the result
   is handed over and the resident rates 不满意;
2. in the console the department's reviewer sees the 差评 and records the 整改;
3. the resident comes back: the case shows the open 整改 with its due day (from the feed) and the window
   records the 回访评价; after a sync the console shows the follow-up closed with the second rating, and
   supervision shows 参评率 and 整改率;
4. the station's 帮办代办登记 lists the filing and downloads it as xlsx; so does the console's register.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import new_page, running_demo
from tests.e2e.flows import (
    attach_scan,
    click_id,
    first_hit,
    id_value,
    ids,
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

APPLICANT = ("李梅", "610114194001010012", "13800138000")
AGENT = ("周小梅", "11010519491231002X", "13900139000")
DEPARTMENT = "西安市阎良区人力资源和社会保障局"  # 失业保险金申领 in the sample catalog
SCANS = ("M-SFZ", "M-JCLDHT", "M-SBK")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_demo(tmp_path_factory.mktemp("ratings-demo")) as running:
        yield running


def test_poor_rating_rectified_revisited_and_the_assisted_filing_register(
    browser: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    center_cli(demo, "user", "add", "rsj", "--role", "reviewer", "--department", DEPARTMENT)
    center_cli(demo, "user", "add", "jc", "--role", "supervisor")
    token = login(demo["center_url"], "rsj")
    from station_app.viewmodels.guide import qr_png

    scan = tmp_path / "scan.png"
    scan.write_bytes(qr_png("失业保险金申领材料 扫描件", scale=8))
    page, guard = new_page(browser, demo["url"])
    console = browser.new_context(
        viewport={"width": 1400, "height": 900},
        locale="zh-CN",
        accept_downloads=True,
        bypass_csp=True,  # only so the screenshots can be given a CJK font (_shot)
    )
    desk = console.new_page()
    try:
        _walk(page, desk, demo, token, scan, tmp_path)
        assert guard.foreign == []
    except BaseException:
        screenshot(page, "zz-ratings-failure")
        desk.screenshot(path=str(tmp_path / "console-failure.png"))
        print("identifiers on screen:", ids(page))
        print(demo["station"].output()[-3000:])
        raise
    finally:
        console.close()
        page.context.close()


def _agent_intake(page: Any, scan: Path, letter: Path) -> str:
    """受理 of 失业保险金申领 filed by the applicant's daughter (委托他人, on a scanned 授权委托书)."""
    click_id(page, "nav-intake")
    wait_id(page, "guide-search")
    type_into(page, "搜索事项", "失业保险金申领")
    settle(page, 800)
    first_hit(page, "失业保险金申领").click()
    wait_id(page, "intake-next")
    settle(page)
    name, id_number, phone = APPLICANT
    type_into(page, "姓名", name)
    type_into(page, "身份证号", id_number)
    type_into(page, "联系电话", phone)
    type_into(page, "住址", "西安市阎良区凤凰路街道1号")
    click_id(page, "agent-mode-agent")
    wait_id(page, "authority-kinship")
    settle(page)
    agent_name, agent_id, agent_phone = AGENT
    type_into(page, "代理人姓名", agent_name)
    type_into(page, "代理人身份证号", agent_id)
    _type_second(page, "联系电话", agent_phone)  # the agent's phone, below the applicant's
    page.mouse.move(600, 500)
    page.mouse.wheel(0, 600)  # the authority sits below the fold on a laptop screen
    settle(page)
    click_id(page, "authority-power_of_attorney")
    wait_id(page, "authority-missing")
    with page.expect_file_chooser(timeout=20_000) as chooser:
        click_id(page, "attach-authority")
    chooser.value.set_files(str(letter))
    wait_id(page, "authority-scanned", 20_000)
    page.mouse.move(600, 500)
    page.mouse.wheel(0, 600)
    settle(page, 400)
    screenshot(page, "rr-01-intake-agent")
    click_id(page, "intake-next")
    wait_id(page, f"material-{SCANS[0]}")
    for code in SCANS:
        attach_scan(page, code, scan)
    click_id(page, "intake-next")
    wait_id(page, "intake-accept")
    settle(page)
    click_id(page, "intake-accept")
    return id_value(page, "case-number-", 60_000)


def _type_second(page: Any, label: str, text: str) -> None:
    """``flows.type_into`` for the second box with this label."""
    box = page.get_by_role("textbox", name=label).nth(1)
    for _ in range(3):
        box.click()
        page.wait_for_timeout(200)
        page.keyboard.press("Control+A")
        page.keyboard.type(text, delay=10)
        page.wait_for_timeout(300)
        if box.input_value() == text:
            return
    assert box.input_value() == text, (label, box.input_value())


def _console_sign_in(desk: Any, demo: dict[str, Any], username: str, go: str) -> None:
    desk.goto(demo["center_url"] + "/console/login?next=" + go)
    desk.get_by_label("用户名").fill(username)
    desk.get_by_label("密码").fill(REVIEWER_PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.wait_for_load_state()
    assert "/console/login" not in desk.url, desk.content()[:2000]


def _walk(page: Any, desk: Any, demo: dict[str, Any], token: str, scan: Path, tmp_path: Path) -> None:
    center = demo["center_url"]
    from station_app.viewmodels.guide import qr_png

    letter = tmp_path / "letter.png"
    letter.write_bytes(qr_png("授权委托书：委托周小梅代为申领失业保险金", scale=8))
    open_app(page, demo["url"], "unlock-submit")
    sign_in(page, "02", demo["worker_pin"])
    settle(page)
    sync_and_wait(page, demo["station"])  # the catalog is in; and the desk has painted before the first click
    number = _agent_intake(page, scan, letter)
    sync_and_wait(page, demo["station"])

    # the department decides; the result is released for pickup
    rows = api(f"{center}/api/v1/backoffice/cases?limit=50", token=token)["cases"]
    case_id = next(r["id"] for r in rows if r.get("number") == number)
    url = f"{center}/api/v1/backoffice/cases/{case_id}"
    api(f"{url}/accept", "POST", {}, token)
    api(f"{url}/decision", "POST", {"approve": True, "result": {"name": "失业保险金核定通知"}}, token)
    api(f"{url}/result-ready", "POST", None, token)
    sync_and_wait(page, demo["station"])

    # 已送达 to the applicant, and she rates 不满意
    click_id(page, "nav-cases")
    click_id(page, f"case-row-{number}")
    wait_id(page, "case-handover")
    type_into(page, "领取人身份证号码", APPLICANT[1])
    click_id(page, "case-handover")
    click_id(page, "rate-dissatisfied")
    click_id(page, "rate-submit")
    wait_id(page, "rate-thanks")
    page.get_by_role("button", name="交还工作人员").click()
    sync_and_wait(page, demo["station"])

    # the department's reviewer records the 整改 in the console
    _console_sign_in(desk, demo, "rsj", "/console/supervision/followups")
    row = desk.locator(f'tr[data-case="{number}"]')
    assert "不满意" in row.inner_text() and DEPARTMENT in row.inner_text()
    desk.screenshot(path=str(tmp_path / "followups-before.png"))
    row.get_by_label("整改情况").fill("已安排专人一次性告知失业保险金所需材料，窗口增设导办")
    row.get_by_role("button", name="录入整改").click()
    desk.wait_for_load_state()
    assert "整改情况已录入" in desk.get_by_role("status").inner_text()
    assert "增设导办" in desk.locator(f'tr[data-case="{number}"]').inner_text()
    _shot(desk, "rr-02-console-rectified")

    # the resident comes back: the case shows the open 整改 and the window records the 回访评价
    sync_and_wait(page, demo["station"])
    click_id(page, "nav-cases")
    click_id(page, f"case-row-{number}")
    wait_id(page, "case-followup")
    settle(page)
    shown = text_of_page(page)
    assert "回访期限" in shown and "不满意" in shown, shown
    screenshot(page, "rr-03-case-followup")
    click_id(page, "case-revisit")
    wait_id(page, "rate-satisfied")
    screenshot(page, "rr-04-revisit-rating")
    click_id(page, "rate-satisfied")
    click_id(page, "rate-submit")
    wait_id(page, "rate-thanks")
    assert "回访评价已记录" in text_of_page(page)
    page.get_by_role("button", name="交还工作人员").click()
    wait_id(page, f"case-status-{'handed_over'}")
    assert "case-followup" not in ids(page)
    sync_and_wait(page, demo["station"])

    # supervision: the follow-up closed with the second rating; 参评率 and 整改率
    desk.context.clear_cookies()
    _console_sign_in(desk, demo, "jc", "/console/supervision/followups?status=closed")
    closed = desk.locator(f'tr[data-case="{number}"]').inner_text()
    assert "满意" in closed and "窗口回访" in closed and "增设导办" in closed, closed
    _shot(desk, "rr-05-console-followup-closed")
    desk.goto(center + "/console/supervision")
    coverage = desk.get_by_test_id("coverage-station").inner_text()
    assert "100.0%" in coverage, coverage
    desk.get_by_test_id("coverage").scroll_into_view_if_needed()
    _shot(desk, "rr-06-console-coverage")

    # 帮办代办登记 at the station, downloaded as xlsx
    click_id(page, "nav-cases")
    click_id(page, "cases-register")
    wait_id(page, f"register-row-{number}")
    settle(page)
    assert AGENT[0] in text_of_page(page) and "授权委托书" in text_of_page(page)
    screenshot(page, "rr-07-station-register")
    # the workbook opens in a new tab from the station's own origin (the browser saves it); fetch the same URL
    xlsx_request = lambda r: "/d/" in r.url and r.url.endswith(".xlsx")  # noqa: E731
    with page.context.expect_event("request", predicate=xlsx_request, timeout=30_000) as request_info:
        click_id(page, "register-export")
    served = request_info.value.url
    assert served.startswith(demo["url"]), served
    xlsx = page.context.request.get(served)
    assert xlsx.ok, served
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ), xlsx.headers
    ws = load_workbook(io.BytesIO(xlsx.body())).active
    rows_of = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(2, ws.max_row + 1)}
    assert number in rows_of, rows_of
    assert AGENT[0] in rows_of[number] and "授权委托书" in rows_of[number] and "受托人" in rows_of[number]
    assert rows_of[number][9] == "是", rows_of[number]  # the 委托书 was scanned

    # and at the center: the console's register and its xlsx
    desk.goto(center + "/console/register?number=" + number)
    listed = desk.get_by_test_id("register").inner_text()
    assert number in listed and AGENT[0] in listed and "1101**********002X" in listed, listed
    _shot(desk, "rr-08-console-register")
    with desk.expect_download() as download_info:
        desk.get_by_test_id("register-export").click()
    saved = tmp_path / "register.xlsx"
    download_info.value.save_as(saved)
    ws = load_workbook(saved).active
    assert [c.value for c in ws[1]][:2] == ["办件编号", "受理时间"]
    center_rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(center_rows) == 1 and center_rows[0][0] == number, center_rows
    assert AGENT[0] in center_rows[0] and "授权委托书" in center_rows[0] and "已扫描" in center_rows[0]


def _shot(desk: Any, name: str) -> None:
    """A full-page screenshot of a console page. The console uses the system's CJK fonts and this machine
    has none, so for the picture only the station's bundled font is handed to the page."""
    from station_app.resources import font_files
    from tests.e2e.conftest import SCREENSHOTS

    font = next(p for p in font_files() if p.name == "DroidSansFallbackFull.ttf")
    desk.route("**/__screenshot_font__", lambda route: route.fulfill(body=font.read_bytes()))
    desk.add_style_tag(
        content="@font-face{font-family:'Noto Sans CJK SC';src:url('/__screenshot_font__');}"
        "body,input,button,select{font-family:'Noto Sans CJK SC',sans-serif!important}"
    )
    desk.evaluate("() => document.fonts.ready")
    desk.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
