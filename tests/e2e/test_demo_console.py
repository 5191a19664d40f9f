"""``station-app demo`` gives a newcomer the district console too: it prints the ``/console`` URL and the
sign-ins of a demo district admin and a demo reviewer, and both work. The district admin creates a reviewer
with the department chosen from the published catalog's list; a department typed with a typo (a POST that
bypasses the list) is refused by the server, and no account is made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from casework.samples import sample_catalog
from tests.e2e.conftest import new_page, running_demo, shot


def _sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/console/login" not in page.url, page.content()[:2000]


def test_demo_prints_console_sign_ins_and_the_admin_adds_a_reviewer_from_the_department_list(
    browser: Any, tmp_path: Path
) -> None:
    departments = sorted({i.department for i in sample_catalog().items if i.department})
    with running_demo(tmp_path) as demo:
        console, password = demo["console_url"], demo["console_password"]
        assert console == demo["center_url"] + "/console/"
        page, guard = new_page(browser, demo["center_url"])
        page.set_default_timeout(30_000)

        _sign_in(page, console + "cases", "reviewer", password)
        assert "待办办件" in page.locator("main h1").inner_text()
        page.context.clear_cookies()

        _sign_in(page, console, "district-admin", password)
        assert "您好，区管理员" in page.locator("main h1").inner_text()
        page.get_by_role("link", name="工作人员账号").first.click()
        choices = page.get_by_test_id("department").locator("option").all_inner_texts()
        assert choices[1:] == departments  # the catalog's departments, nothing typed by hand
        form = page.get_by_test_id("new-user")
        form.get_by_label("用户名").fill("reviewer-civil")
        form.get_by_label("姓名").fill("民政审批员")
        form.get_by_label("初始密码").fill("a-long-enough-password")
        form.get_by_label("审批人员", exact=True).check()
        page.get_by_test_id("department").select_option(departments[0])
        shot(page, "console-new-reviewer")
        form.get_by_role("button", name="新增账号").click()
        page.wait_for_load_state()
        assert "账号已创建" in page.locator("main").inner_text()
        rows = page.get_by_test_id("users").inner_text()
        assert "reviewer-civil" in rows and departments[0] in rows

        # a typo sent around the list: refused by the server, nothing created
        csrf = page.locator('form[data-testid="new-user"] input[name="csrf"]').get_attribute("value")
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        typo = departments[0][:-1] + "司"
        answer = httpx.post(
            demo["center_url"] + "/console/users",
            data={
                "csrf": csrf or "",
                "username": "reviewer-typo",
                "password": "a-long-enough-password",
                "role": "reviewer",
                "department": typo,
            },
            cookies=cookies,
        )
        assert answer.status_code == 400 and "不是已发布事项清单中的实施主体" in answer.text, answer.text
        page.reload()
        assert "reviewer-typo" not in page.get_by_test_id("users").inner_text()
        shot(page, "console-accounts")
        assert guard.foreign == []
        page.context.close()
