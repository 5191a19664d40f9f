"""The district console in a real browser against a real center and a real station (see conftest)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
from openpyxl import Workbook, load_workbook

from casework import clock
from district_center.devtools.station_client import station_http
from district_center.services.catalog.sheets import export_xlsx
from sync.protocol import canonical_json

from .conftest import PASSPHRASE, PASSWORD, World, sign_in

NEW_PLACE = "新城区政务服务中心二楼 12 号窗口"


def _district_workbook(world: World) -> tuple[bytes, str, str]:
    """The published catalog as a district keeps it: one sheet "附件1", a merged banner and a 填报单位 line
    above the header, notice-style headers (部门名称, 承诺时限, 办理地址 — which no alias knows), each
    department merged over its rows, and a footnote. One item's address and promised limit changed."""
    catalog = world.center.catalog
    item = next(i for i in catalog.items if i.code == world.station.item_code)
    items = sorted(catalog.items, key=lambda i: i.department)
    wb = Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws.append(["新城区政务服务事项清单"])
    ws.merge_cells("A1:G1")
    ws.append(["填报单位：新城区政务服务中心　　日期：2026年12月"])
    ws.merge_cells("A2:G2")
    ws.append(["序号", "实施编码", "部门\n名称", "事项名称", "事项类型", "办理地址", "承诺时限"])
    first_row: dict[str, int] = {}
    for n, it in enumerate(items, start=1):
        row = n + 3
        changed = it.code == item.code
        limit = it.promised_limit
        ws.append(
            [
                n,
                it.code,
                it.department if it.department not in first_row else None,
                it.name,
                catalog.item_type_name(it.item_type),
                NEW_PLACE if changed else it.place,
                f"3个{limit.unit.value}" if changed else f"{limit.amount}个{limit.unit.value}",
            ]
        )
        first_row.setdefault(it.department, row)
        if n == len(items) or items[n].department != it.department:
            ws.merge_cells(start_row=first_row[it.department], start_column=3, end_row=row, end_column=3)
    ws.append([])
    ws.append(["注：本清单由区政务服务中心汇总。"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), item.code, item.name


def _broken_workbook(world: World) -> bytes:
    wb = load_workbook(io.BytesIO(export_xlsx(world.center.catalog)))
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("承诺办结时限") + 1).value = "五天"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_catalog_admin_uploads_reviews_diff_and_publishes(
    page: Any, world: World, shoot: Any, tmp_path: Any
) -> None:
    sign_in(page, world, "admin")
    shoot(page, "01-home-catalog-admin")
    page.goto(world.url + "/console/catalog")
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(_broken_workbook(world))
    page.get_by_label(re.compile("事项清单表格")).set_input_files(str(bad))
    page.get_by_role("button", name="读取并预览").click()
    errors = page.get_by_test_id("cell-errors")
    assert errors.is_visible()
    text = errors.inner_text()
    assert (
        "承诺办结时限" in text and "事项" in text and "时限“五天”无法识别" in text and "即办件填“0”" in text
    )
    assert page.get_by_role("button", name="确认导入到待发布目录").count() == 0
    shoot(page, "02-catalog-cell-errors")

    # the district's own layout: previewed, nothing staged yet
    good = tmp_path / "附件1.xlsx"
    data, code, name = _district_workbook(world)
    good.write_bytes(data)
    page.get_by_label(re.compile("事项清单表格")).set_input_files(str(good))
    page.get_by_role("button", name="读取并预览").click()
    assert "尚未导入" in page.get_by_role("status").inner_text()
    preview = page.get_by_test_id("import-preview")
    table = preview.get_by_test_id("preview-table").inner_text()
    assert (
        "附件1" in table
        and "表头在第 3 行" in table
        and f"数据 {len(world.center.catalog.items)} 行" in table
    )
    counts = preview.get_by_test_id("preview-counts").inner_text()
    assert f"可导入 {len(world.center.catalog.items)} 个事项" in counts
    address = page.get_by_label("F列“办理地址”对应到")
    assert address.input_value() == "#note"  # no alias knows it: kept as a note until mapped
    assert page.get_by_label("C列“部门名称”对应到").input_value() == "实施主体"
    assert "变更" in preview.get_by_test_id("preview-summary").inner_text()
    assert world.center.center.settings.data_dir.joinpath("catalog", "staged.json").exists() is False
    shoot(page, "03-catalog-preview")

    # map 办理地址 to 办理地点 by hand, save it for next time, preview again
    address.select_option("办理地点")
    page.get_by_label(re.compile("保存为本区默认对应")).check()
    page.get_by_role("button", name="按所选对应重新核对").click()
    assert "列对应已保存" in page.get_by_role("status").inner_text()
    assert page.get_by_label("F列“办理地址”对应到").input_value() == "办理地点"
    changed = page.get_by_test_id("preview-changed").inner_text()
    assert name in changed and "办理地点" in changed and "承诺办结时限" in changed
    assert "新增事项0项,变更1项,取消0项" in page.get_by_test_id("preview-summary").inner_text()
    saved = world.center.center.settings.data_dir / "catalog" / "column-mapping.json"
    assert "办理地址" in saved.read_text("utf-8")
    shoot(page, "03b-catalog-preview-remapped")

    page.get_by_role("button", name="确认导入到待发布目录").click()
    assert "表格已导入" in page.get_by_role("status").inner_text()
    assert page.get_by_test_id("import-preview").count() == 0
    changed = page.get_by_test_id("diff-changed").inner_text()
    assert name in changed and "办理地点" in changed and "承诺办结时限" in changed
    assert "新增事项0项,变更1项,取消0项" in page.get_by_test_id("diff-summary").inner_text()
    shoot(page, "03c-catalog-staged-diff")

    # edit the item's guide and materials in the form (into the staged catalog)
    page.goto(world.url + f"/console/catalog/items/{code}")
    page.get_by_label("咨询电话").fill("029-12345678")
    page.get_by_placeholder("新增材料").fill("户口簿")
    # a form field and an age condition, typed as the district reads them
    page.get_by_placeholder("如 newborn_name").fill("Bank Account")  # not a key: refused, nothing lost
    page.get_by_placeholder("新增字段").fill("银行账号")
    page.get_by_label("年龄下限（周岁）").fill("60")
    page.get_by_role("button", name="保存到待发布目录").click()
    problems = page.get_by_role("alert").inner_text()
    assert "字段键名只能用小写英文字母" in problems, problems
    row = page.locator("tr", has=page.locator('input[aria-label="字段名称"][value="银行账号"]'))
    assert row.get_by_label("字段键名").input_value() == "Bank Account"  # kept as typed
    assert page.get_by_label("咨询电话").input_value() == "029-12345678"
    row.get_by_label("字段键名").fill("bank_account")
    shoot(page, "04-catalog-item-edit")
    page.get_by_role("button", name="保存到待发布目录").click()
    assert "事项已保存到待发布目录" in page.get_by_role("status").inner_text()
    changed = page.get_by_test_id("diff-changed").inner_text()
    assert "申请材料" in changed and "咨询电话" in changed
    assert "申请表字段" in changed and "申请条件" in changed, changed

    # a wrong passphrase is refused, the right one publishes version 2
    page.get_by_label("签名密钥口令").fill("not the passphrase")
    page.get_by_role("button", name=re.compile("签名并发布")).click()
    assert page.get_by_test_id("error-status").inner_text().startswith("403")
    page.goto(world.url + "/console/catalog")
    page.get_by_label("签名密钥口令").fill(PASSPHRASE)
    page.get_by_role("button", name="签名并发布第 2 版").click()
    assert "目录已发布" in page.get_by_role("status").inner_text()
    versions = page.get_by_test_id("versions").inner_text()
    assert "第 2 版" in versions and "清单管理员" in versions
    shoot(page, "05-catalog-published-history")

    # the real station pulls and verifies the signed delta
    assert world.station.service.run_once(raise_errors=True) is not None
    assert world.station.sync_store.catalog_version() == 2
    with world.center.center.db.read_session() as s:
        from district_center.db.models import AuditLog

        rows = s.query(AuditLog).filter(AuditLog.action == "catalog.publish").all()
        assert rows and all(PASSPHRASE not in str(r.details) for r in rows)


def test_holiday_calendar_publish(page: Any, world: World, shoot: Any) -> None:
    sign_in(page, world, "admin", go="/console/calendar")
    page.get_by_label("年份").fill("2027")
    page.get_by_label(re.compile("^放假日期")).fill("2027-01-01\n2027-02-06\n2027-02-07\n2027-02-08")
    page.get_by_label(re.compile("^调休上班日期")).fill("2027-02-14")
    page.get_by_label("依据").fill("国务院办公厅通知（测试）")
    page.get_by_label("签名密钥口令").fill(PASSPHRASE)
    page.get_by_role("button", name="签名并发布").click()
    assert "节假日安排已发布" in page.get_by_role("status").inner_text()
    assert "2027-02-14" in page.get_by_test_id("calendar-years").inner_text()
    shoot(page, "06-calendar")


def test_reviewer_asks_for_supplement_then_approves(
    page: Any, world: World, shoot: Any, tmp_path: Any
) -> None:
    case_id = world.station_cases[0]
    sign_in(page, world, "reviewer", go="/console/cases")
    queue = page.get_by_test_id("queue")
    rows = queue.locator("tbody tr")
    assert rows.first.inner_text().find("已超期") >= 0  # overdue first
    numbers = queue.inner_text()
    for cid in world.station_cases:
        assert world.station.case(cid)["number"] in numbers
    shoot(page, "07-reviewer-queue")

    number = world.station.case(case_id)["number"]
    page.get_by_role("link", name=number).click()
    shoot(page, "08-case-detail")
    # the scan is served by the center, to this user
    with page.expect_popup() as popup:
        page.get_by_role("link", name="查看扫描件 1").click()
    scan = popup.value
    scan.wait_for_load_state()
    scan.close()

    # the ID number is masked; showing it in full needs a stated reason and is audited
    full_id = world.station.case(case_id)["applicant"]["id_number"]
    assert full_id not in page.content()
    reveal = page.get_by_test_id("reveal-form")
    reveal.get_by_role("button", name="显示完整号码").click()  # no reason: the browser keeps the form
    assert page.get_by_test_id("id-number-full").count() == 0
    reveal.get_by_label("查看理由").fill("与身份证扫描件核对")
    reveal.get_by_role("button", name="显示完整号码").click()
    assert page.get_by_test_id("id-number-full").inner_text() == full_id
    shoot(page, "08-case-id-revealed")
    with world.center.center.db.read_session() as s:
        from district_center.db.models import AuditLog

        logged = [
            a.details
            for a in s.query(AuditLog).filter(AuditLog.action == "case.id_number_revealed")
            if a.target == f"case:{case_id}"
        ]
    assert logged == [{"reason": "与身份证扫描件核对"}]

    page.get_by_role("button", name="受理").click()
    assert page.get_by_test_id("case-status").inner_text() == "审查中"
    form = page.get_by_test_id("supplement-form")
    material = world.station.material[1]
    form.get_by_label(material, exact=False).first.check()
    form.get_by_label(f"{material} 的原因").fill("扫描件不清晰，请提交原件")
    form.get_by_role("button", name="发出补正通知").click()
    assert page.get_by_test_id("case-status").inner_text() == "待补齐补正"
    shoot(page, "09-case-supplement-requested")

    world.station.service.run_once(raise_errors=True)
    assert world.station.case(case_id)["status"] == "supplement_requested"
    with world.center.center.db.read_session() as s:  # what the station's feed carried
        from district_center.db.models import FeedEventRecord

        event = (
            s.query(FeedEventRecord)
            .filter(FeedEventRecord.case_id == case_id, FeedEventRecord.type == "supplement_requested")
            .one()
        )
        assert event.payload["missing"][0]["reason"] == "扫描件不清晰，请提交原件"

    page.get_by_label("收到的补正材料").fill("申请人到窗口补交原件，已核验")
    page.get_by_role("button", name="补正材料已收到，继续审查").click()
    assert page.get_by_test_id("case-status").inner_text() == "审查中"
    result = tmp_path / "决定书.pdf"
    result.write_bytes(b"%PDF-1.4\n% test result\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("结果名称").fill("出生医学证明")
    decision.get_by_label("证照编号").fill("S2026-0001")
    decision.get_by_label("结果文件").set_input_files(str(result))
    decision.get_by_role("button", name="办结").click()
    assert page.get_by_test_id("case-status").inner_text() == "准予办理"
    assert page.get_by_role("link", name="决定书.pdf").is_visible()
    shoot(page, "10-case-approved")

    world.station.service.run_once(raise_errors=True)
    doc = world.station.case(case_id)
    assert doc["status"] == "approved" and doc["result"]["number"] == "S2026-0001"


def test_reviewer_of_another_department_cannot_see_cases(page: Any, world: World, shoot: Any) -> None:
    sign_in(page, world, "reviewer2", go="/console/cases?status=all")
    text = page.get_by_test_id("queue").inner_text()
    for cid in world.station_cases:
        assert world.station.case(cid)["number"] not in text
    assert "261102-" in text  # their own department's case is listed
    page.goto(world.url + f"/console/cases/{world.station_cases[1]}")
    assert page.get_by_test_id("error-status").inner_text().startswith("403")
    shoot(page, "11-other-department-403")
    sha = next(iter(world.center.attachments()))
    resp = page.request.get(world.url + f"/console/cases/{world.station_cases[1]}/files/{sha}")
    assert resp.status == 403


def test_supervisor_sees_overdue_and_ratings(page: Any, world: World, shoot: Any) -> None:
    sign_in(page, world, "super", go="/console/supervision")
    overdue = page.get_by_test_id("overdue-list")
    assert "已超期" in overdue.inner_text()
    assert "261102-" in overdue.locator("tr.row-over").first.inner_text()
    assert int(page.get_by_test_id("overdue-count").inner_text()) >= 1
    chart = page.get_by_test_id("chart-month")
    assert chart.locator("g[role=listitem]").count() >= 3
    assert "%" in (chart.text_content() or "")
    assert page.get_by_test_id("chart-item").locator("g[role=listitem]").count() == 2
    shoot(page, "12-supervision")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert {"超期与临期办件", "好差评按月", "差评回访", "服务站运行"} <= set(wb.sheetnames)
    assert wb["超期与临期办件"].max_row >= 2

    page.goto(world.url + "/console/supervision/followups")
    rows = page.get_by_test_id("followups").locator("tbody tr")
    before = rows.count()
    assert before >= 5
    shoot(page, "13-followups")
    rows.first.get_by_label("回访及整改情况").fill("已电话回访，窗口已整改")
    rows.first.get_by_role("button", name="关闭").click()
    assert "回访整改已关闭" in page.get_by_role("status").inner_text()
    assert page.get_by_test_id("followups").locator("tbody tr").count() == before - 1


def test_station_admin_adds_and_revokes_a_station(page: Any, world: World, shoot: Any) -> None:
    # a case version the center refuses (its scan was never uploaded) shows as a sync error of that station
    bad = _refused_entry(world)
    with station_http(world.url, world.api_station) as http:
        resp = http.post(
            "/api/v1/cases/batch",
            content=canonical_json({"cases": [bad]}),
            headers={"content-type": "application/json"},
        )
        assert resp.json()["receipts"][0]["status"] == "rejected"
    sign_in(page, world, "stadmin", go="/console/stations")
    health = page.get_by_test_id("station-health")
    assert "测试社区便民服务站" in health.inner_text() and "运行中" in health.inner_text()
    second = health.locator("tr", has_text="第二社区便民服务站").inner_text()
    assert "1：" in second and "附件" in second
    page.get_by_label("名称").fill("雁南社区便民服务站")
    page.get_by_label("业务属地").fill("新城区")
    page.get_by_role("button", name="新增并生成注册码").click()
    code = page.get_by_test_id("enrollment-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    assert page.get_by_test_id("enrollment").locator("svg").count() == 1
    shoot(page, "14-station-enrollment-code")
    page.goto(world.url + "/console/stations")
    row = page.get_by_test_id("station-health").locator("tr", has_text="雁南社区便民服务站")
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="停用").click()
    assert "服务站已停用" in page.get_by_role("status").inner_text()
    revoked = page.get_by_test_id("station-health").locator("tr", has_text="雁南社区便民服务站")
    assert "已停用" in revoked.inner_text()
    shoot(page, "15-stations")


def _refused_entry(world: World) -> dict[str, Any]:
    from casework.caseparts import MaterialRecord, Satisfaction
    from casework.cases import Case, CaseStatus
    from casework.identity import Applicant, ApplicantKind

    at = clock.now()
    applicant = Applicant(ApplicantKind.PERSON, "赵六", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number="261122-002-09999",
        station_id=world.api_station.station_id,
        catalog_version=1,
        applicant=applicant,
        at=at,
        item_code=world.station.item_code,
    )
    scan = "ab" * 32  # never uploaded
    case.set_material(MaterialRecord("M-SFZ", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, (scan,)), at=at)
    case.transition(CaseStatus.ACCEPTED, actor="w-02", at=at)
    return {"id": case.id, "version": case.version, "case": case.to_dict()}


def test_wrong_role_is_refused_with_403_page(page: Any, world: World, shoot: Any) -> None:
    sign_in(page, world, "reviewer", go="/console/catalog")
    assert page.get_by_test_id("error-status").inner_text().startswith("403")
    shoot(page, "16-role-403")
    for path in ("/console/supervision", "/console/stations", "/console/calendar"):
        assert page.request.get(world.url + path).status == 403


def test_post_without_csrf_token_is_refused(page: Any, world: World) -> None:
    sign_in(page, world, "reviewer")
    case_id = world.station_cases[2]
    resp = page.request.post(world.url + f"/console/cases/{case_id}/accept", form={"item_code": ""})
    assert resp.status == 403 and "安全校验码" in resp.text()
    stolen = page.request.post(world.url + f"/console/cases/{case_id}/accept", form={"csrf": "0" * 64})
    assert stolen.status == 403
    with world.center.center.db.read_session() as s:
        from district_center.db.models import CaseRecord

        assert s.get(CaseRecord, case_id).status in ("queued", "delivered")


def test_sign_in_lockout_logout_and_cookie_flags(page: Any, world: World, shoot: Any) -> None:
    page.goto(world.url + "/console/")
    assert "/console/login" in page.url
    shoot(page, "00-login")
    for _ in range(5):
        page.get_by_label("用户名").fill("locked")
        page.get_by_label("密码").fill("wrong password!")
        page.get_by_role("button", name="登录").click()
    page.get_by_label("用户名").fill("locked")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert "锁定" in page.get_by_role("alert").inner_text()
    shoot(page, "17-login-locked")

    sign_in(page, world, "super")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bmzz_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"
    # a login form posted without its nonce is refused
    bare = httpx.post(world.url + "/console/login", data={"username": "super", "password": PASSWORD})
    assert bare.status_code == 403
    page.get_by_role("button", name="退出登录").click()
    assert "/console/login" in page.url
    page.goto(world.url + "/console/supervision")
    assert "/console/login" in page.url


def test_supervisor_finds_a_case_by_the_applicants_id_number_without_it_in_the_url(
    page: Any, world: World, shoot: Any
) -> None:
    """The names, 身份证号 and phones are sealed in the database: the lookup goes through blind indexes, and
    the number travels in a POST body, never in a URL (proxy logs, browser history)."""
    sign_in(page, world, "super", go="/console/cases")
    page.get_by_role("textbox", name="申请人").fill("11010519491231002x")  # lower-case x, as typed
    with page.expect_response(re.compile(r"/console/cases\?status=all&who=")) as answer:
        page.get_by_role("button", name="查找").click()
    assert "11010519491231002" not in answer.value.url and "id_number%3A" in answer.value.url
    assert page.get_by_test_id("applicant-filter").is_visible()
    rows = page.get_by_test_id("queue").locator("tbody tr")
    assert rows.count() >= 1 and "261102-" in rows.first.inner_text()
    shoot(page, "16-applicant-lookup")
    page.get_by_role("textbox", name="申请人").fill("王五不存在")
    with page.expect_navigation(url=re.compile(r"who=name%3A")):
        page.get_by_role("button", name="查找").click()
    assert "没有符合条件的办件" in page.get_by_test_id("queue").inner_text()
