"""Switching the station to English shows English screens and English errors (the error catalog's words,
not Chinese from a ``raise``): a worker switches the language in 设置, starts an intake and attaches a file
that is not a scan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casework import messages
from station_app.i18n import catalog
from tests.e2e.conftest import running_demo
from tests.e2e.flows import (
    click_id,
    first_hit,
    open_app,
    settle,
    sign_in,
    text_of_page,
    type_into,
    wait_id,
)

CJK = re.compile(r"[\u3400-\u9fff]")
EN = catalog("en")


def test_english_ui_shows_english_errors(browser: Any, tmp_path: Path) -> None:
    from tests.e2e.conftest import new_page, shot

    not_a_scan = tmp_path / "scan.jpg"
    not_a_scan.write_bytes(b"this is a text file, not a picture\n" * 20)
    with running_demo(tmp_path) as demo:
        page, guard = new_page(browser, demo["url"])
        open_app(page, demo["url"], "unlock-submit")
        sign_in(page, "01", demo["admin_pin"])
        click_id(page, "nav-settings")
        page.get_by_role("radio", name="English").first.click()
        # The rail and the screen are worded in English once the setting is saved.
        page.get_by_text(EN["nav.settings"]).first.wait_for(timeout=30_000)
        settle(page, 800)

        click_id(page, "nav-intake")
        wait_id(page, "guide-search")
        type_into(page, EN["guide.search"], "失业保险金申领")
        settle(page, 800)
        first_hit(page, "失业保险金申领").click()
        wait_id(page, "intake-next")
        type_into(page, EN["intake.name"], "李梅")
        type_into(page, EN["intake.id_number"], "610114194001010012")
        type_into(page, EN["intake.phone"], "13800138000")
        type_into(page, EN["intake.address"], "西安市阎良区凤凰路街道1号")
        click_id(page, "intake-next")
        wait_id(page, "material-M-SFZ")
        with page.expect_file_chooser(timeout=20_000) as chooser:
            click_id(page, "attach-M-SFZ")
        chooser.value.set_files(str(not_a_scan))
        errors = wait_id(page, "intake-errors", 20_000)
        settle(page, 600)
        shot(page, "english-ui-error")

        shown = errors.inner_text() or errors.get_attribute("aria-label") or ""
        refused = {
            messages.text(c, {}, "en") for c in ("storage.attachment_type", "storage.attachment_rejected")
        }
        assert any(text in shown for text in refused), shown
        assert not CJK.search(shown), f"Chinese in an English error: {shown!r}"
        page_text = text_of_page(page)
        assert EN["nav.intake"] in page_text
        assert guard.foreign == []
        page.context.close()
