"""受理 view-model over a real encrypted store: bundle intake with a scan and a 容缺
material, notices, drafts."""

from __future__ import annotations

import pytest

from casework import clock
from casework.cases import CaseStatus, Satisfaction
from casework.catalog import Necessity
from station_app.services.cases import CaseService
from station_app.services.station import StationService
from station_app.viewmodels.guide import qr_png
from station_app.viewmodels.intake import IntakeError, IntakeViewModel, new_draft
from sync.outbox import OUTBOX
from tests.station_app.conftest import ADMIN_PIN, PASSPHRASE

VALID_ID = "610114194001010012"  # born 1940 in 阎良区: meets every sample item's 申请条件


def start(station: StationService, cases: CaseService, code: str) -> IntakeViewModel:
    catalog = station.catalog()
    assert catalog is not None
    draft = new_draft(catalog, code, worker="01", station_area="阎良区")
    return IntakeViewModel(cases, catalog, draft, "01", "王芳")


def fill_applicant(vm: IntakeViewModel) -> None:
    vm.set_applicant(name="张三", id_type="111", id_number=VALID_ID, phone="13800138000", address="阎良区")


NEWBORN = {
    "newborn_name": "王小明",
    "newborn_sex": "男",
    "newborn_birth_date": "2026-11-20",
    "newborn_birth_place": "阎良区人民医院",
    "birth_certificate_no": "Q610000123",
    "mother": {"name": "李芳", "id_number": "11010519491231002X"},
    "hukou_address": "阎良区凤凰路街道1号",
    "insurance_choice": "一档",
}


def fill_newborn(vm: IntakeViewModel) -> None:
    """出生一件事's one form: the newborn's facts, asked once for the four items."""
    for key, value in NEWBORN.items():
        vm.form.set(key, value)


def test_bundle_intake_with_scan_and_deferred_material_is_accepted_with_outbox(at_china_hour, station, cases):
    vm = start(station, cases, "YJS-CS")
    fill_applicant(vm)
    fill_newborn(vm)
    assert vm.applicant_problems() == []
    rows = vm.material_rows()
    deferrable = [r for r in rows if r.necessity is Necessity.DEFERRABLE]
    assert deferrable, "the 出生一件事 sample has a 容缺 material"
    for r in rows:
        if r.necessity is Necessity.DEFERRABLE:
            vm.set_satisfaction(r.code, Satisfaction.DEFERRED, due_date=vm.default_due_date())
        elif r.necessity is Necessity.REQUIRED:
            vm.attach(r.code, f"{r.code}.png", qr_png("scan of " + r.code))
    assert vm.review_problems() == []
    case = vm.accept(collected=False)
    assert case.status is CaseStatus.QUEUED and case.entered_at(CaseStatus.ACCEPTED)
    assert case.number.startswith(clock.china_today().strftime("%y")) or case.number[:2].isdigit()
    store = station.unlocked_store
    assert store.get("cases", case.id)["status"] == "queued"
    assert store.get(OUTBOX, case.id) is not None, "case and outbox entry are written together"
    assert store.get("drafts", vm.draft["id"]) is None
    pdf = vm.render_document()
    assert pdf.startswith(b"%PDF")
    deferred = [m for m in case.materials if m.satisfaction is Satisfaction.DEFERRED]
    assert deferred and deferred[0].due_date is not None


def test_missing_required_material_blocks_accept_and_one_time_notice_lists_it(station, cases):
    vm = start(station, cases, "YJS-CS")
    fill_applicant(vm)
    with pytest.raises(IntakeError) as err:
        vm.accept()
    assert any("缺少材料" in p for p in err.value.problems)
    case = vm.notice()
    assert case.status is CaseStatus.NOTICE_ISSUED
    assert vm.render_document().startswith(b"%PDF")


def test_refusal_needs_a_reason(station, cases):
    vm = start(station, cases, "YJS-CS")
    fill_applicant(vm)
    with pytest.raises(IntakeError):
        vm.refuse("  ")
    case = vm.refuse("不属于本站受理范围")
    assert case.status is CaseStatus.REFUSED


def test_live_id_check_gives_chinese_reason(station, cases):
    vm = start(station, cases, "YJS-CS")
    vm.set_applicant(id_number="110105194912310021")
    assert "id_number" in vm.field_problems()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in vm.field_problems()["id_number"])


def test_draft_survives_restart_encrypted(station, cases, tmp_path):
    vm = start(station, cases, "YJS-CS")
    fill_applicant(vm)
    vm.save()
    draft_id = vm.draft["id"]
    station.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "station").rglob("*") if p.is_file())
    assert "张三".encode() not in raw and VALID_ID.encode() not in raw, "drafts are encrypted at rest"
    again = StationService(tmp_path / "station")
    again.unlock_station(PASSPHRASE)
    again.unlock("01", ADMIN_PIN)
    draft = CaseService(again).draft(draft_id)
    assert draft is not None and draft["applicant"]["name"] == "张三"
    again.close()


def test_cancelled_item_cannot_be_chosen_and_changed_item_is_flagged(at_china_hour, station, cases):
    catalog = station.catalog()
    in_bundles = {c for b in catalog.bundles for c in b.item_codes}
    loose = [
        i for i in catalog.items if i.accepts_new_cases and i.code not in in_bundles and i.station_acceptable
    ]
    cancel, change = loose[0], loose[1]
    vm_cancel, vm_change = start(station, cases, cancel.code), start(station, cases, change.code)
    vm_cancel.save()
    vm_change.save()
    data = catalog.to_dict()
    for item in data["items"]:
        if item["code"] == cancel.code:
            item["status"] = "cancelled"
            item["effective_to"] = clock.china_today().isoformat()  # cancelled from today on
        if item["code"] == change.code:
            item["promised_limit"] = {"amount": item["promised_limit"]["amount"] + 5, "unit": "工作日"}
            item["materials"] = item["materials"][1:]
    data["version"] = catalog.version + 1
    station.install_catalog(data, actor="admin")
    new_catalog = station.catalog()
    reopened = IntakeViewModel(cases, new_catalog, cases.draft(vm_cancel.draft["id"]), "01", "王芳")
    assert "取消" in reopened.catalog_warning()
    with pytest.raises(IntakeError):
        new_draft(new_catalog, cancel.code, worker="01", station_area="阎良区")
    with pytest.raises(IntakeError):
        reopened.accept()
    changed = IntakeViewModel(cases, new_catalog, cases.draft(vm_change.draft["id"]), "01", "王芳")
    warning = changed.catalog_warning()
    assert "变化" in warning and "承诺时限" in warning, warning
    assert "不再需要" + change.materials[0].name in warning, warning


def test_a_scan_with_an_undecodable_file_name_is_kept_under_a_safe_name(station, cases):
    """A name from a USB stick in another encoding (lone surrogates after decoding) is not a crash."""
    from station_app.viewmodels.guide import qr_png

    vm = start(station, cases, "YJS-CS")
    code = vm.material_rows()[0].code
    bad = "出生证明\udcb3\udcf6.png"
    sha = vm.attach(code, bad, qr_png("x"))
    assert vm.attach_notice and "\\udcb3\\udcf6" in vm.attach_notice, "the name is shown escaped"
    kept = vm.draft["materials"][code]["attachments"][0]
    assert kept["sha256"] == sha and kept["name"].endswith(".png") and "\udcb3" not in kept["name"]
    vm.save()  # the draft stores fine
    assert cases.draft(vm.draft["id"])["materials"][code]["attachments"][0]["name"] == kept["name"]


def test_district_only_item_is_refused_for_a_resident_of_another_district_with_the_reason(
    at_china_hour, station, cases
):
    enrol = "11610114637719807A201100108000000"  # 义务教育阶段入学报名, 区内通办 in 阎良区
    vm = start(station, cases, enrol)
    vm.set_applicant(
        name="张三", id_type="111", id_number="11010519491231002X", phone="13800138000", address=""
    )  # issued in Beijing
    refused = [p for p in vm.review_problems() if "区内通办" in p]
    assert len(refused) == 1 and "110105" in refused[0] and "住所地址" in refused[0]
    with pytest.raises(IntakeError):
        vm.accept(collected=False)
    vm.set_applicant(address="北京市朝阳区某路1号")  # an address outside the district says so too
    assert any("区内通办" in p and "北京" in p for p in vm.review_problems())
    vm.set_applicant(address="西安市阎良区凤凰路1号")  # lives here: the address wins over the ID's area code
    assert not any("区内通办" in p for p in vm.review_problems())


def test_worker_picks_the_jurisdiction_the_item_offers_and_another_one_makes_it_collected(station, cases):
    permit = "11610114145325255L201060110000000"  # 居住证申领: 阎良区, or 临潼区 / 高陵区
    vm = start(station, cases, permit)
    assert vm.jurisdiction_choices() == ("阎良区", "临潼区", "高陵区")
    assert vm.draft["jurisdiction"] == "阎良区" and not vm.draft["collected"]
    vm.choose_jurisdiction("临潼区", station_area="阎良区")
    assert (vm.draft["jurisdiction"], vm.draft["collected"]) == ("临潼区", True)
    assert vm.build_case("000000-000-00000").jurisdiction == "临潼区"
    with pytest.raises(IntakeError, match="火星区"):
        vm.choose_jurisdiction("火星区", station_area="阎良区")
    assert vm.draft["jurisdiction"] == "临潼区"
    vm.choose_jurisdiction("阎良区", station_area="阎良区")
    assert not vm.draft["collected"]
