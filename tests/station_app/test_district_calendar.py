"""The district's calendar on the station (a real encrypted store, signed calendars as sync stores them):
intake and the list count with it, a newer one moves open cases in one commit with an audit entry each and a
notice, the case offers a 更正 receipt (both layouts, rendered to PNG), the kiosk shows the new date.

The clock is fixed at Monday 2026-12-21 23:30 Beijing time (15:30 UTC, when the UTC and China dates agree but
a UTC "today" would be wrong an hour later) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework import clock
from casework.acceptance import OverdueState
from casework.cases import CaseStatus
from casework.workdays import HolidayTable
from station_app.pdf import LAYOUTS, render
from station_app.services.cases import CaseService
from station_app.services.station import StationService
from station_app.viewmodels.cases import CaseFilter, Dashboard, apply
from station_app.viewmodels.guide import page_for, qr_png
from station_app.viewmodels.intake import draft_time
from station_app.viewmodels.kiosk import KioskViewModel
from station_app.viewmodels.sync import SyncView, calendar_notice
from sync.local import StationSyncStore
from sync.protocol import SignedEnvelope, sign_envelope
from tests.casework.calendar_samples import TEST_2027, moved_2026
from tests.station_app.conftest import enroll_locally
from tests.station_app.test_intake import fill_applicant, start

MON_2330 = dt.datetime(2026, 12, 21, 15, 30, tzinfo=dt.UTC)
PHONE_LAST4 = "8000"  # fill_applicant's 13800138000


@pytest.fixture
def district(station: StationService) -> Ed25519PrivateKey:
    """Re-enroll the test station under a district signing key the test holds (to sign calendars with)."""
    key = Ed25519PrivateKey.generate()
    enroll_locally(station, key)
    return key


@pytest.fixture
def monday() -> Iterator[dt.datetime]:
    with clock.use_clock(clock.fixed(MON_2330)):
        yield MON_2330


def calendar_envelope(key: Ed25519PrivateKey, version: int, tables: list[HolidayTable]) -> SignedEnvelope:
    import hashlib

    key_id = "district-" + hashlib.sha256(key.public_key().public_bytes_raw()).hexdigest()[:16]
    return sign_envelope(
        key,
        kind="calendar",
        version=version,
        payload={"tables": [t.to_dict() for t in tables]},
        issued_at="2026-12-01T00:00:00Z",
        expires_at="2028-01-01T00:00:00Z",
        key_id=key_id,
    )


def accept(station: StationService, cases: CaseService, name: str):  # type: ignore[no-untyped-def]
    catalog = station.catalog()
    assert catalog is not None
    item = next(i for i in catalog.items if i.name == name)
    vm = start(station, cases, item.code)
    fill_applicant(vm)
    for r in vm.material_rows():
        if r.necessity.value != "非必要":
            vm.attach(r.code, "scan.png", qr_png(r.code))
    return vm.accept(collected=False)


def test_intake_and_list_count_with_the_district_calendar(station, cases, district, monday):
    assert cases.calendars.version() == 0 and cases.calendar.version == 0
    before = accept(station, cases, "失业保险金申领")  # 5 working days on the built-in calendar
    assert before.promised_date == dt.date(2026, 12, 28) and before.calendar_version == 0
    StationSyncStore(station.unlocked_store).apply_calendar(calendar_envelope(district, 1, [moved_2026()]))
    assert cases.calendar.version == 1 and cases.calendar.is_working_day(dt.date(2026, 12, 26))
    after = accept(station, cases, "失业保险金申领")  # the district moved a 调休 day to Sat 12-26
    assert after.promised_date == dt.date(2026, 12, 26) and after.calendar_version == 1
    assert cases.get(before.id).promised_date == dt.date(2026, 12, 26)  # moved when the calendar arrived
    rows = {r.id: r for r in cases.rows()}
    assert rows[after.id].due == dt.date(2026, 12, 26) and rows[after.id].accepted_on == dt.date(2026, 12, 21)
    today, cal = clock.china_today(), cases.calendar
    assert Dashboard.from_rows(list(rows.values()), today, cal).counts["today"] == 2
    # Thu 12-24: due in two working days (Fri 12-25, Sat 12-26) on the district's calendar
    soon = apply(list(rows.values()), CaseFilter(preset="due_soon"), dt.date(2026, 12, 24), cal)
    assert {r.id for r in soon} == {before.id, after.id}
    late = apply(list(rows.values()), CaseFilter(preset="overdue"), dt.date(2026, 12, 28), cal)
    assert {r.id for r in late} == {before.id, after.id}


def test_a_newer_calendar_moves_open_cases_and_the_worker_can_print_a_correction(
    station, cases, district, monday, artifacts_dir: Path
):
    sync_store = StationSyncStore(station.unlocked_store)
    sync_store.apply_calendar(calendar_envelope(district, 1, [moved_2026()]))
    long = accept(station, cases, "高龄津贴申领")  # 15 working days: into provisional 2027
    short = accept(station, cases, "失业保险金申领")  # 5 working days: stays in 2026
    assert (long.promised_date, long.promised_date_provisional) == (dt.date(2027, 1, 11), True)
    audit_before = len(station.unlocked_store.audit_entries())

    sync_store.apply_calendar(calendar_envelope(district, 2, [moved_2026(), TEST_2027]))
    moved = cases.get(long.id)
    assert (moved.promised_date, moved.promised_date_provisional) == (dt.date(2027, 1, 9), False)
    assert moved.calendar_version == 2 and cases.get(short.id).promised_date == dt.date(2026, 12, 26)
    entries = station.unlocked_store.audit_entries()[audit_before:]
    recomputed = [e for e in entries if e.get("action") == "case.deadline_recomputed"]
    assert [e.get("case") for e in recomputed] == [long.id], "one audit entry per moved case"
    notice = station.unlocked_store.get("sync_state", "calendar_notice")
    assert notice["version"] == 2 and notice["moved_count"] == 1 and notice["checked"] == 2
    view = SyncView(headline="")
    calendar_notice(view, notice)
    assert view.calendar_moved == [
        (long.id, long.number, "承诺办结日期由 2027-01-11（暂定） 改为 2027-01-09")
    ]
    # the same calendar again (a second USB import): nothing moves, nothing is recorded twice
    sync_store.apply_calendar(calendar_envelope(district, 2, [moved_2026(), TEST_2027]))
    assert len(cases.corrections(long.id)) == 1

    rows = {r.id: r for r in cases.rows()}
    assert rows[long.id].corrected and not rows[short.id].corrected
    doc = cases.document(moved, "correction", worker="王芳")
    assert doc.title == "受理凭证（更正）" and doc.number == f"SG{long.number}"
    text = "\n".join(doc.lines())
    assert "2027年01月11日（暂定）" in text and "2027年01月09日" in text and f"SL{long.number}" in text
    for layout in LAYOUTS:
        pdf = artifacts_dir / f"correction-receipt-{layout}.pdf"
        pdf.write_bytes(render(doc, layout))
        png = artifacts_dir / f"correction-receipt-{layout}"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(png)], check=True)
        assert png.with_suffix(".png").stat().st_size > 10_000
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        squashed = "".join(out.split())
        assert "受理凭证（更正）" in squashed and "2027年01月09日" in squashed, out
    with pytest.raises(ValueError) as none:
        cases.document(cases.get(short.id), "correction", worker="王芳")
    assert none.value.code == "station.document.no_correction"  # type: ignore[attr-defined]

    kiosk = KioskViewModel(cases)
    progress = kiosk.progress(long.number, PHONE_LAST4)
    assert progress.promised_date == dt.date(2027, 1, 9) and not progress.provisional
    assert progress.status == CaseStatus.QUEUED.label


def test_a_stored_calendar_that_does_not_verify_is_not_used(station, cases, district, monday):
    StationSyncStore(station.unlocked_store).apply_calendar(calendar_envelope(district, 1, [moved_2026()]))
    doc = station.unlocked_store.get("sync_state", "calendar")
    forged = calendar_envelope(Ed25519PrivateKey.generate(), 1, [moved_2026()]).to_dict()
    with station.unlocked_store.transaction(actor="test", action="tamper") as tx:
        tx.put("sync_state", "calendar", {**doc, "version": 9, "envelope": {**forged, "version": 9}})
    calendar = cases.calendar
    assert calendar.version == 0 and not calendar.is_working_day(dt.date(2026, 12, 26))


def test_closed_days_and_the_kiosk_need_number_and_phone(station, cases, district, monday):
    case = accept(station, cases, "失业保险金申领")
    kiosk = KioskViewModel(cases)
    from station_app.viewmodels.kiosk import KioskError

    for wrong in ("0000", "", "800", "38000"):
        with pytest.raises(KioskError):
            kiosk.progress(case.number, wrong)
    assert kiosk.progress(case.number, PHONE_LAST4).promised_date == dt.date(2026, 12, 28)
    overdue = cases.row(cases.get(case.id), dt.date(2026, 12, 29), station.catalog(), "synced")
    assert overdue.overdue == OverdueState.OVERDUE.value


def test_today_counts_the_china_day_and_drafts_show_beijing_time(at_china_hour, station, cases):
    case = accept(station, cases, "失业保险金申领")
    rows = cases.rows()
    today = clock.china_today()
    assert rows[0].accepted_on == today
    assert Dashboard.from_rows(rows, today, cases.calendar).counts["today"] == 1
    yesterday = today - dt.timedelta(days=1)
    assert Dashboard.from_rows(rows, yesterday, cases.calendar).counts["today"] == 0
    draft = {"updated_at": clock.now().isoformat()}
    assert draft_time(draft) == clock.format_datetime(clock.now())
    assert draft_time(draft).startswith(today.isoformat())
    assert case.number


def test_the_guide_says_when_an_item_takes_effect(at_china_hour, station):
    from dataclasses import replace

    catalog = station.catalog()
    assert catalog is not None
    item = next(i for i in catalog.items if i.name == "失业保险金申领")
    today = clock.china_today()
    soon = replace(item, effective_from=today + dt.timedelta(days=3))
    page = page_for(replace(catalog, items=(soon,)), soon.code, today)
    assert page.cancelled and "起施行" in page.notice
    assert clock.format_date(today + dt.timedelta(days=3)) in page.notice
    leaving = replace(item, status=item.status.CANCELLED, effective_to=today + dt.timedelta(days=1))
    page = page_for(replace(catalog, items=(leaving,)), leaving.code, today)
    assert not page.cancelled and "起取消，此前仍可受理" in page.notice
    page = page_for(replace(catalog, items=(leaving,)), leaving.code, today + dt.timedelta(days=1))
    assert page.cancelled and "已于" in page.notice
