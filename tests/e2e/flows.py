"""Steps of the station's main path, driven through Flutter's accessibility tree (shared by the tests)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import enable_semantics, ident, shot


def ids(page: Any) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('[flt-semantics-identifier]'))"
        ".map(e => e.getAttribute('flt-semantics-identifier'))"
    )


def wait_id(page: Any, name: str, timeout: float = 30_000) -> Any:
    loc = ident(page, name)
    loc.first.wait_for(state="attached", timeout=timeout)
    return loc.first


def id_value(page: Any, prefix: str, timeout: float = 30_000) -> str:
    """The value a screen encodes in an identifier such as ``case-number-261122-001-00015``."""
    loc = page.locator(f'[flt-semantics-identifier^="{prefix}"]').first
    loc.wait_for(state="attached", timeout=timeout)
    return str(loc.get_attribute("flt-semantics-identifier"))[len(prefix) :]


def first_hit(page: Any, expect: str, timeout: float = 15.0) -> Any:
    """The top search result once it is ``expect`` (results update as the worker types)."""
    loc = page.locator('[flt-semantics-identifier^="hit-"]').first
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        if loc.count():
            text = loc.get_attribute("aria-label") or loc.inner_text()
            if expect in text:
                return loc
        page.wait_for_timeout(200)
    raise AssertionError(f"top hit is {text!r}, expected {expect!r}")


def click_id(page: Any, name: str, timeout: float = 30_000) -> None:
    wait_id(page, name, timeout).click()


def type_into(page: Any, label: str, text: str) -> None:
    """Type like a person: Flutter's text fields take keyboard input more reliably than ``fill``."""
    box = page.get_by_role("textbox", name=label).first
    box.click()
    page.wait_for_timeout(120)
    page.keyboard.press("Control+A")
    page.keyboard.type(text, delay=10)
    deadline = time.monotonic() + 5
    while box.input_value() != text and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert box.input_value() == text, (label, box.input_value())


def open_app(page: Any, url: str, first_id: str) -> None:
    page.goto(url)
    enable_semantics(page)
    wait_id(page, first_id, 90_000)
    page.wait_for_timeout(1200)  # the first frame paints shortly after the semantics tree exists


def sign_in(page: Any, worker_id: str, pin: str) -> None:
    wait_id(page, "unlock-submit")
    type_into(page, "工号", worker_id)
    type_into(page, "工作人员密码", pin)
    click_id(page, "unlock-submit")
    wait_id(page, "tile-today")


def settle(page: Any, ms: int = 600) -> None:
    page.wait_for_timeout(ms)


def text_of_page(page: Any) -> str:
    return page.evaluate(
        "() => document.querySelector('flt-semantics-host, flt-glass-pane')?.innerText || "
        "document.body.innerText"
    )


def screenshot(page: Any, name: str) -> Path:
    return shot(page, name)


CASE_NUMBER = re.compile(r"\d{6}-\d{3}-\d{5}")


def attach_scan(page: Any, material: str, path: Path) -> None:
    with page.expect_file_chooser(timeout=20_000) as fc:
        click_id(page, f"attach-{material}")
    fc.value.set_files(str(path))
    wait_id(page, f"scan-{material}-0", 20_000)


def intake(
    page: Any,
    *,
    query: str,
    hit: str,
    applicant: tuple[str, str, str],
    scan: Path,
    scans: tuple[str, ...],
    shared: tuple[str, ...] = (),
    deferred: tuple[str, ...] = (),
    form: tuple[tuple[str, str], ...] = (),
    shots: str = "",
    decide: str = "intake-accept",
) -> str:
    """Choose an item or bundle in 受理, fill the applicant and the item's form, satisfy the materials, 受理.
    Returns the number. ``decide`` is the review step's button (``intake-on-the-spot``: 当场办结).

    ``hit`` is the identifier of the entry to choose (``hit-YJS-CS``) or, without the ``hit-`` prefix, the
    name the top result must have. ``form`` is ``(label, text)`` to type, or ``("", identifier)`` to click
    (a choice)."""
    click_id(page, "nav-intake")
    wait_id(page, "guide-search")
    type_into(page, "搜索事项", query)
    settle(page, 800)
    if hit.startswith("hit-"):
        click_id(page, hit)
    else:
        first_hit(page, hit).click()
    wait_id(page, "intake-next")
    settle(page)
    name, id_number, phone = applicant
    type_into(page, "姓名", name)
    type_into(page, "身份证号", id_number)
    type_into(page, "联系电话", phone)
    # the ID was issued in Beijing; the home address puts the applicant inside the items' 通办范围
    type_into(page, "住址", "西安市阎良区凤凰路街道1号")
    for label, value in form:
        if label:
            type_into(page, label, value)
        else:
            click_id(page, value)
    settle(page, 400)
    if shots:
        screenshot(page, f"{shots}-applicant")
    click_id(page, "intake-next")
    wait_id(page, f"material-{scans[0]}")
    for code in scans:
        attach_scan(page, code, scan)
    for code in shared:
        click_id(page, f"shared-{code}")
        settle(page, 400)
    for code in deferred:
        click_id(page, f"defer-{code}")
        click_id(page, "defer-ok")
        settle(page)
    if shots:
        screenshot(page, f"{shots}-materials")
    click_id(page, "intake-next")
    wait_id(page, decide)
    settle(page)
    if shots:
        screenshot(page, f"{shots}-review")
    click_id(page, decide)
    number = id_value(page, "case-number-", 60_000)
    settle(page)
    if shots:
        screenshot(page, f"{shots}-accepted")
    assert CASE_NUMBER.fullmatch(number), number
    return number


def newborn_form(born: str) -> tuple[tuple[str, str], ...]:
    """出生一件事's one form: the newborn's facts, typed once for the four items."""
    return (
        ("新生儿姓名", NEWBORN_NAME),
        ("", "form-newborn_sex-0"),
        ("出生日期", born),
        ("出生地点", "阎良区人民医院"),
        ("出生医学证明编号", "Q610000123"),
        ("母亲姓名", "李芳"),
        ("母亲身份证号码", "610114199503020045"),
        ("申报户口地址", "阎良区凤凰路街道1号"),
        ("", "form-insurance_choice-0"),
    )


NEWBORN_NAME = "王小明"


def intake_birth_bundle(page: Any, scan: Path, *, applicant: tuple[str, str, str]) -> str:
    """出生一件事: the newborn form, four scans, three materials from shared data, 结婚证 容缺 → 受理."""
    import datetime as dt

    from casework import clock

    born = (clock.china_today() - dt.timedelta(days=10)).isoformat()
    return intake(
        page,
        query="csyjs",
        hit="hit-YJS-CS",
        applicant=applicant,
        scan=scan,
        scans=("M-CSSQ", "M-SFZ", "M-YBDJ", "M-JZJL"),
        shared=("M-FMJL", "M-HKB", "M-CSYXZM"),
        deferred=("M-JHZ",),
        form=newborn_form(born),
        shots="04-intake",
    )
