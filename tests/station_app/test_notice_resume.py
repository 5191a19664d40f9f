"""Resume after 一次性告知 (待补齐) over a real encrypted store: the notice keeps everything entered and
scanned, the resident comes back, the worker adds what was missing and accepts the same applicant's case;
the notice and the case name each other, the notice and refusal records wait for the district, and the
notice is found by the number printed (and in the QR) on the resident's paper."""

from __future__ import annotations

import datetime as dt

import pytest

from casework import clock
from casework.cases import Case, CaseStatus, Satisfaction
from casework.catalog import Necessity
from casework.notices import NoticeKind, NoticeReport
from station_app.services.notices import PENDING, NoticeService
from station_app.viewmodels.case_detail import timeline
from station_app.viewmodels.guide import qr_png
from station_app.viewmodels.intake import IntakeError, IntakeViewModel
from storage.retention import CONFIRMATIONS, PENDING_DAYS, is_tombstone, purge_expired, tombstone
from sync.notices import NOTICE_OUTBOX
from sync.outbox import OUTBOX
from tests.station_app.test_intake import fill_applicant, fill_newborn, start


def _first_visit(station, cases) -> tuple[IntakeViewModel, str, str]:
    """出生一件事 with every material scanned but one 必要 material: a 一次性告知书."""
    vm = start(station, cases, "YJS-CS")
    fill_applicant(vm)
    fill_newborn(vm)
    rows = vm.material_rows()
    required = [r for r in rows if r.necessity is Necessity.REQUIRED]
    missing, scanned = required[0], required[1:]
    for r in scanned:
        vm.attach(r.code, f"{r.code}.png", qr_png("scan of " + r.code))
    for r in rows:
        if r.necessity is Necessity.DEFERRABLE:
            vm.set_satisfaction(r.code, Satisfaction.DEFERRED, due_date=vm.default_due_date())
    vm.save()
    return vm, missing.code, missing.name


def test_a_notice_keeps_a_pending_record_and_queues_its_report(at_china_hour, station, cases):
    vm, _code, name = _first_visit(station, cases)
    notice = vm.notice()
    store = station.unlocked_store
    record = store.get(PENDING, notice.id)
    assert record is not None and record["missing"] == [name]
    assert record["notice_number"] == "GZ" + notice.number
    assert record["draft"]["applicant"]["name"] == "张三", "everything entered is kept"
    assert store.get("drafts", vm.draft["id"]) is None, "the draft became the pending record"
    assert store.get(OUTBOX, notice.id) is None, "a notice is not a case for the center"
    report = NoticeReport.from_dict(store.get(NOTICE_OUTBOX, notice.id))
    assert report.kind is NoticeKind.NOTICE and report.reasons == (name,) and report.version == notice.version
    assert report.number == "GZ" + notice.number and report.resumed_as == ""
    rows = NoticeService(cases).pending()
    assert [(r.notice_id, r.missing, r.applicant) for r in rows] == [(notice.id, (name,), "张三")]
    assert rows[0].noticed_on == clock.china_today()


def test_resume_adds_the_missing_material_and_accepts_the_same_applicant(at_china_hour, station, cases):
    vm, code, _name = _first_visit(station, cases)
    notice = vm.notice()
    notices = NoticeService(cases)
    draft_id = notices.resume(notice.id, actor="worker:01")
    assert notices.resume(notice.id, actor="worker:01") == draft_id, "opening it twice opens one draft"
    draft = cases.draft(draft_id)
    assert draft["step"] == "materials" and draft["from_notice"]["number"] == "GZ" + notice.number
    catalog = station.catalog()
    back = IntakeViewModel(cases, catalog, draft, "01", "王芳")
    assert back.applicant().name == "张三" and back.applicant().id_number == vm.applicant().id_number
    assert [p for p in back.review_problems() if "缺少材料" in p], "still missing until it is added"
    with pytest.raises(IntakeError):
        back.notice()  # the first notice listed everything once: no second notice
    back.attach(code, "late.png", qr_png("the missing one"))
    assert back.review_problems() == []
    case = back.accept(collected=False)
    store = station.unlocked_store
    assert case.status is CaseStatus.QUEUED and case.id != notice.id
    assert case.prior_notice == "GZ" + notice.number
    assert store.get(OUTBOX, case.id)["case"]["prior_notice"] == "GZ" + notice.number
    stored_notice = Case.from_dict(store.get("cases", notice.id))
    assert stored_notice.status is CaseStatus.NOTICE_ISSUED and stored_notice.resumed_as == case.number
    report = NoticeReport.from_dict(store.get(NOTICE_OUTBOX, notice.id))
    assert report.resumed_as == case.number and report.version == stored_notice.version
    assert store.get(PENDING, notice.id) is None and store.get("drafts", draft_id) is None
    assert notices.pending() == []
    accepted_step = next(e for e in timeline(case) if e.label == CaseStatus.ACCEPTED.label)
    assert f"由一次性告知书 GZ{notice.number} 补齐材料后受理" in accepted_step.reason
    notice_step = next(e for e in timeline(stored_notice) if e.label == CaseStatus.NOTICE_ISSUED.label)
    assert f"受理为办件 {case.number}" in notice_step.reason
    scanned = {m.code for m in case.materials if m.satisfaction is Satisfaction.ORIGINAL_VERIFIED}
    first = {m.code for m in notice.materials if m.satisfaction is Satisfaction.ORIGINAL_VERIFIED}
    assert first < scanned and code in scanned, "the first visit's scans came along"


def test_the_notice_number_from_paper_or_qr_finds_the_pending_record(at_china_hour, station, cases):
    vm, _code, _name = _first_visit(station, cases)
    notice = vm.notice()
    notices = NoticeService(cases)
    for typed in ("GZ" + notice.number, " gz" + notice.number + " ", notice.number):
        found = notices.find(typed)
        assert found is not None and found.notice_id == notice.id, typed
    assert notices.find("GZ000000-000-00000") is None
    assert notices.find("") is None


def test_a_refusal_is_queued_for_the_district_with_its_reason(station, cases):
    vm = start(station, cases, "YJS-CS")
    fill_applicant(vm)
    case = vm.refuse("不属于本站受理范围")
    report = NoticeReport.from_dict(station.unlocked_store.get(NOTICE_OUTBOX, case.id))
    assert report.kind is NoticeKind.REFUSAL and report.reasons == ("不属于本站受理范围",)
    assert report.number == "BY" + case.number and report.applicant["name"] == "张三"
    assert station.unlocked_store.get(PENDING, case.id) is None


def _deliver(station, notice_id: str) -> None:
    """What the sync engine does when the center answers that it holds the notice record."""
    from sync.local import StationSyncStore

    store = station.unlocked_store
    version = store.get(NOTICE_OUTBOX, notice_id)["version"]
    StationSyncStore(store).notices_delivered({notice_id: version}, [])
    assert store.get(NOTICE_OUTBOX, notice_id) is None and store.get(CONFIRMATIONS, notice_id) is not None


def test_a_pending_record_the_resident_never_came_back_for_is_purged_like_a_case(station, cases):
    vm, _code, _name = _first_visit(station, cases)
    notice = vm.notice()
    store = station.unlocked_store
    scans = {a["sha256"] for st in vm.draft["materials"].values() for a in st["attachments"]}
    assert scans and all(store.blobs.has(sha) for sha in scans)
    issued = notice.entered_at(CaseStatus.NOTICE_ISSUED)
    assert issued is not None
    # not confirmed by the district yet: kept, however old
    assert purge_expired(store, now=issued + dt.timedelta(days=PENDING_DAYS + 400)).purged_cases == []
    _deliver(station, notice.id)
    later = clock.now() + dt.timedelta(days=PENDING_DAYS)  # over, but not yet ``retention_days`` ago
    assert purge_expired(store, now=later).purged_cases == []
    assert store.get(PENDING, notice.id) is not None
    store.blobs.recent.clear()  # months later, another process: no scan of this one is "just put" any more
    report = purge_expired(store, now=later + dt.timedelta(days=store.options.retention_days))
    assert report.purged_cases == [notice.id]
    assert is_tombstone(store.get("cases", notice.id)) and store.get(PENDING, notice.id) is None
    assert "applicant" not in store.get("cases", notice.id)
    assert not any(store.blobs.has(sha) for sha in scans), "the first visit's scans went with it"
    assert NoticeService(cases).pending() == []


def test_a_record_the_district_refuses_is_purged_after_retention_not_kept_for_ever(station, cases):
    """The district refusing a notice report is final (the worker is told): the record leaves the outbox
    and its retention runs from that answer, as from a confirmation."""
    from sync.local import StationSyncStore

    vm, _code, _name = _first_visit(station, cases)
    notice = vm.notice()
    store = station.unlocked_store
    StationSyncStore(store).notices_delivered({}, [notice.id])
    assert store.get(NOTICE_OUTBOX, notice.id) is None
    assert store.get(CONFIRMATIONS, notice.id)["report_refused"] is True
    later = clock.now() + dt.timedelta(days=PENDING_DAYS)
    assert purge_expired(store, now=later).purged_cases == [], "kept while retention runs"
    store.blobs.recent.clear()
    report = purge_expired(store, now=later + dt.timedelta(days=store.options.retention_days))
    assert report.purged_cases == [notice.id]


def test_a_resumed_notice_is_purged_after_retention_and_the_case_keeps_its_scans(station, cases):
    vm, code, _name = _first_visit(station, cases)
    notice = vm.notice()
    draft = cases.draft(NoticeService(cases).resume(notice.id, actor="worker:01"))
    back = IntakeViewModel(cases, station.catalog(), draft, "01", "王芳")
    back.attach(code, "late.png", qr_png("the missing one"))
    case = back.accept(collected=False)
    store = station.unlocked_store
    _deliver(station, notice.id)  # the resumed version (resumed_as) reached the district
    days = store.options.retention_days
    report = purge_expired(store, now=clock.now() + dt.timedelta(days=days, minutes=1))
    assert report.purged_cases == [notice.id]
    kept = Case.from_dict(store.get("cases", case.id))
    assert kept.prior_notice == "GZ" + notice.number
    assert all(store.blobs.has(sha) for m in kept.materials for sha in m.attachments)


def test_a_notice_whose_resumed_draft_is_open_is_kept_until_the_worker_finishes(station, cases):
    vm, _code, _name = _first_visit(station, cases)
    notice = vm.notice()
    store = station.unlocked_store
    _deliver(station, notice.id)
    draft_id = NoticeService(cases).resume(notice.id, actor="worker:01")  # the resident is back, late
    long_after = clock.now() + dt.timedelta(days=PENDING_DAYS + store.options.retention_days + 1)
    store.blobs.recent.clear()
    assert purge_expired(store, now=long_after).purged_cases == []
    assert store.get(PENDING, notice.id) is not None and cases.draft(draft_id) is not None
    cases.delete_draft(draft_id, actor="worker:01")  # the worker gave the draft up: the notice is over
    assert purge_expired(store, now=long_after).purged_cases == [notice.id]


def test_a_case_accepted_after_its_notice_was_purged_is_still_accepted(station, cases):
    vm, code, _name = _first_visit(station, cases)
    notice = vm.notice()
    store = station.unlocked_store
    draft = cases.draft(NoticeService(cases).resume(notice.id, actor="worker:01"))
    back = IntakeViewModel(cases, station.catalog(), draft, "01", "王芳")
    back.attach(code, "late.png", qr_png("the missing one"))
    # another process's retention pass removed the notice meanwhile
    now = clock.now().isoformat()
    with store.transaction(actor="system:retention", action="retention.purge") as tx:
        tx.put("cases", notice.id, tombstone(store.get("cases", notice.id), confirmed_at=now, purged_at=now))
    case = back.accept(collected=False)
    assert case.status is CaseStatus.QUEUED and case.prior_notice == "GZ" + notice.number
    assert store.get(PENDING, notice.id) is None
    assert any(e["action"] == "notice.resumed_after_purge" for e in store.audit_entries())
