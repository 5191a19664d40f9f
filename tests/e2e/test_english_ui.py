"""Switching the station to English shows English screens and English errors (the error catalog's words,
not Chinese from a ``raise``): a worker switches the language in 设置, starts an intake and attaches a file
that is not a scan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casework import messages
from casework.samples import sample_catalog
from station_app.commands.demo import DEMO_ADMIN, DEMO_AREA, DEMO_STATION, DEMO_WORKER
from station_app.i18n import catalog
from tests.e2e.conftest import running_demo, shot
from tests.e2e.flows import (
    click_id,
    first_hit,
    id_value,
    open_app,
    settle,
    sign_in,
    text_of_page,
    type_into,
    wait_id,
)

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
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


# ---------------------------------------------------------------------------------------- the whole walk

#: Chinese that may show in the English UI because it is data, not the UI's words: what the demo set up
#: (station, area, people), what the worker typed, and what the catalog says about the entries the walk
#: opens (their names, departments, materials, conditions and the like). Anything else in Chinese fails.
DEMO_DATA = (DEMO_STATION, DEMO_AREA, DEMO_ADMIN, DEMO_WORKER[1], "李梅", "西安市阎良区凤凰路街道1号")
ENDONYMS = ("简体中文",)  # the language choice names each language in itself
ITEM = "失业保险金申领"
BUNDLE = "YJS-CS"


def _catalog_data() -> list[str]:
    catalog = sample_catalog()
    out: set[str] = set(DEMO_DATA) | set(ENDONYMS)
    out |= {i.name for i in catalog.items} | {b.name for b in catalog.bundles}
    out |= {i.department for i in catalog.items} | {j.area for j in catalog.jurisdictions}
    opened = [i for i in catalog.items if i.name == ITEM] + list(catalog.bundle_items(BUNDLE))
    for it in opened:
        out |= {
            it.jurisdiction,
            it.place,
            it.hours,
            it.result_name,
            it.fee_basis,
            *it.conditions,
            *it.keywords,
        }
        out |= {c for m in it.materials for c in (m.name, m.note, m.acceptance_standard, m.commitment_text)}
    bundle = catalog.bundle(BUNDLE)
    out |= {bundle.description, *bundle.keywords}
    return sorted((s for s in out if s and CJK.search(s)), key=len, reverse=True)


def _shown(page: Any) -> str:
    """Every text the screen shows or announces: the semantics tree's text, labels, values and hints."""
    return str(
        page.evaluate(
            """() => {
              const host = document.querySelector('flt-semantics-host') || document.body;
              const out = [];
              const walk = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
              for (let n = walk.nextNode(); n; n = walk.nextNode()) out.push(n.data);
              for (const e of host.querySelectorAll('[aria-label], [aria-description], input, textarea')) {
                out.push(e.getAttribute('aria-label') || '', e.getAttribute('aria-description') || '');
                out.push(e.value || '', e.getAttribute('placeholder') || '');
              }
              return out.join('\\n');
            }"""
        )
    )


class NoChinese:
    """Collects, screen by screen, the Chinese left once the data is taken out."""

    def __init__(self, data: list[str]) -> None:
        self.data = data
        self.found: dict[str, list[str]] = {}

    def check(self, page: Any, screen: str) -> str:
        settle(page, 700)
        text = _shown(page)
        shot(page, f"english-{screen}").with_suffix(".txt").write_text(text, encoding="utf-8")
        for line in text.splitlines():
            rest = line
            for value in self.data:
                rest = rest.replace(value, "")
            if CJK.search(rest):
                self.found.setdefault(screen, []).append(line.strip())
        return text


def test_english_ui_walks_every_main_screen_without_chinese_words(browser: Any, tmp_path: Path) -> None:
    from station_app.viewmodels.guide import qr_png
    from tests.e2e.conftest import new_page

    scan = tmp_path / "scan.png"
    scan.write_bytes(qr_png("居民身份证 扫描件", scale=8))
    not_a_scan = tmp_path / "scan.jpg"
    not_a_scan.write_bytes(b"this is a text file, not a picture\n" * 20)
    seen = NoChinese(_catalog_data())
    with running_demo(tmp_path) as demo:
        page, guard = new_page(browser, demo["url"])
        open_app(page, demo["url"], "unlock-submit")
        sign_in(page, "01", demo["admin_pin"])
        click_id(page, "nav-settings")
        page.get_by_role("radio", name="English").first.click()
        page.get_by_text(EN["nav.settings"]).first.wait_for(timeout=30_000)
        seen.check(page, "settings")

        click_id(page, "nav-home")
        wait_id(page, "tile-today")
        seen.check(page, "home")

        click_id(page, "nav-guide")
        wait_id(page, "guide-search")
        seen.check(page, "guide")
        type_into(page, EN["guide.search"], ITEM)
        first_hit(page, ITEM).click()
        wait_id(page, "guide-qr")
        seen.check(page, "guide-item")

        click_id(page, "nav-intake")
        wait_id(page, "guide-search")
        type_into(page, EN["guide.search"], ITEM)
        settle(page, 800)
        first_hit(page, ITEM).click()
        wait_id(page, "intake-next")
        seen.check(page, "intake-applicant")
        click_id(page, "intake-next")  # nothing typed yet: every field's problem
        wait_id(page, "intake-errors", 20_000)
        seen.check(page, "intake-applicant-errors")
        type_into(page, EN["intake.name"], "李梅")
        type_into(page, EN["intake.id_number"], "610114194001010013")  # a wrong check digit
        type_into(page, EN["intake.phone"], "138001")
        type_into(page, EN["intake.address"], "西安市阎良区凤凰路街道1号")
        click_id(page, "intake-next")
        settle(page, 800)
        seen.check(page, "intake-applicant-bad-id")
        type_into(page, EN["intake.id_number"], "610114194001010012")
        type_into(page, EN["intake.phone"], "13800138000")
        click_id(page, "intake-next")
        wait_id(page, "material-M-SFZ")
        seen.check(page, "intake-materials")
        with page.expect_file_chooser(timeout=20_000) as chooser:
            click_id(page, "attach-M-SFZ")
        chooser.value.set_files(str(not_a_scan))
        wait_id(page, "intake-errors", 20_000)
        seen.check(page, "intake-materials-error")
        with page.expect_file_chooser(timeout=20_000) as chooser:
            click_id(page, "attach-M-SFZ")
        chooser.value.set_files(str(scan))
        wait_id(page, "scan-M-SFZ-0", 20_000)
        click_id(page, "intake-next")
        wait_id(page, "intake-notice")
        seen.check(page, "intake-review")
        click_id(page, "intake-notice")  # materials still missing: the one-time notice
        number = id_value(page, "case-number-", 60_000)
        seen.check(page, "intake-outcome")

        click_id(page, "nav-cases")
        wait_id(page, f"case-row-{number}", 30_000)
        seen.check(page, "cases")
        click_id(page, f"case-row-{number}")
        wait_id(page, "case-status-notice_issued", 30_000)
        seen.check(page, "case-detail")

        click_id(page, "nav-sync")
        settle(page, 1500)
        seen.check(page, "sync")

        kiosk, kiosk_guard = new_page(browser, demo["url"], width=1024, height=768)
        open_app(kiosk, demo["url"], "unlock-submit")
        seen.check(kiosk, "unlock")
        type_into(kiosk, EN["unlock.worker_id"], "02")
        type_into(kiosk, EN["unlock.pin"], demo["worker_pin"])
        click_id(kiosk, "enter-kiosk")
        wait_id(kiosk, "kiosk-guide")
        seen.check(kiosk, "kiosk-home")
        click_id(kiosk, "kiosk-guide")
        click_id(kiosk, "event-birth")
        wait_id(kiosk, f"kiosk-hit-{BUNDLE}")
        seen.check(kiosk, "kiosk-life-event")
        click_id(kiosk, f"kiosk-hit-{BUNDLE}")
        click_id(kiosk, "kiosk-preapply")
        wait_id(kiosk, "kiosk-submit")
        seen.check(kiosk, "kiosk-preapply")
        click_id(kiosk, "kiosk-submit")  # nothing typed: the resident's words for each problem
        settle(kiosk, 800)
        seen.check(kiosk, "kiosk-preapply-errors")
        assert kiosk_guard.foreign == [] and guard.foreign == []
        kiosk.context.close()
        page.context.close()
    assert seen.found == {}, "Chinese words in the English UI:\n" + "\n".join(
        f"{screen}: {line!r}" for screen, lines in seen.found.items() for line in lines
    )
