"""The district's calendar end to end with a real center on loopback and a real station store:

* the center publishes a 2026 calendar with a moved 调休 day; after a sync the station's intake and its case
  list count with it (not with the built-in table);
* the center publishes 2027: it recomputes its open cases (stored promised date and due day, an audit entry
  and a ``deadline_changed`` event each); after the next sync the station holds the same dates, lists the
  moved cases in its notice, can print the 更正 receipt, and the kiosk shows the new date;
* a 代收 case, whose dates the center owns, moves on the station through the center's event;
* a station that only ever sees USB bundles gets the same through the answer bundle.

The clock runs (ticking) from Monday 2026-12-21 23:30 Beijing time, in this process: the center runs in a
thread of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from casework import clock
from casework.cases import CaseStatus
from district_center.db.models import AuditLog, CaseRecord, FeedEventRecord
from district_center.services.cases import backoffice
from district_center.services.catalog.calendar import publish_tables
from district_center.services.stations.bundle_import import import_bundle
from station_app.services.cases import CaseService
from station_app.services.station import StationService
from station_app.viewmodels.kiosk import KioskViewModel
from sync.bundle import export_bundle, import_answer
from tests.casework.calendar_samples import TEST_2027, moved_2026
from tests.station_app.test_intake import fill_applicant
from tests.sync.harness import CenterHandle, Station, new_station

MON_2330 = dt.datetime(2026, 12, 21, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def monday() -> Iterator[None]:
    """Every test here at Monday 2026-12-21 23:30 Beijing time (ticking): the center shares this clock."""
    with clock.use_clock(clock.offset((MON_2330 - clock.system_clock()).total_seconds())):
        yield


def publish(center: CenterHandle, *tables: object) -> None:
    publish_tables(center.center.db, center.keys, list(tables), actor="user:admin")  # type: ignore[arg-type]


def sync(station: Station) -> None:
    assert station.service.run_once(raise_errors=True) is not None


def desk(station: Station) -> CaseService:
    return CaseService(StationService(station.data_dir, store=station.store))


def accept(cases: CaseService, name: str):  # type: ignore[no-untyped-def]
    from station_app.viewmodels.guide import qr_png
    from station_app.viewmodels.intake import IntakeViewModel, new_draft

    catalog = cases.station.catalog()
    assert catalog is not None
    item = next(i for i in catalog.items if i.name == name)
    vm = IntakeViewModel(
        cases, catalog, new_draft(catalog, item.code, worker="01", station_area="阎良区"), "01", "王芳"
    )
    fill_applicant(vm)
    for r in vm.material_rows():
        if r.necessity.value != "非必要":
            vm.attach(r.code, "scan.png", qr_png(r.code))
    return vm.accept(collected=False)


def row(center: CenterHandle, case_id: str) -> CaseRecord:
    with center.center.db.read_session() as s:
        record = s.get(CaseRecord, case_id)
        assert record is not None
        s.expunge(record)
        return record


def test_district_calendar_counts_at_intake_in_the_list_and_after_a_new_year_is_published(
    center: CenterHandle, station: Station
) -> None:
    publish(center, moved_2026())
    sync(station)
    cases = desk(station)
    assert cases.calendar.version == 1
    short = accept(cases, "失业保险金申领")  # 5 working days: Sat 12-26 works in the district's 2026
    long = accept(cases, "高龄津贴申领")  # 15 working days: into 2027, provisional
    assert short.promised_date == dt.date(2026, 12, 26), "built-in would say 12-28"
    assert (long.promised_date, long.promised_date_provisional) == (dt.date(2027, 1, 11), True)
    listed = {r.id: r for r in cases.rows()}
    assert listed[short.id].due == dt.date(2026, 12, 26) and listed[long.id].provisional
    sync(station)
    assert row(center, short.id).due_date == "2026-12-26" and row(center, long.id).due_date == "2027-01-11"

    publish(center, TEST_2027)  # version 2: the center moves its open cases at once
    at_center = row(center, long.id)
    assert (at_center.promised_date, at_center.due_date) == ("2027-01-09", "2027-01-09")
    assert at_center.document["calendar_version"] == 2 and row(center, short.id).due_date == "2026-12-26"
    with center.center.db.read_session() as s:
        events = s.scalars(select(FeedEventRecord).where(FeedEventRecord.type == "deadline_changed")).all()
        assert [(e.case_id, e.payload["promised_date"]) for e in events] == [(long.id, "2027-01-09")]
        audited = s.scalars(select(AuditLog).where(AuditLog.action == "case.deadline_recomputed")).all()
        assert [a.target for a in audited] == [f"case:{long.id}"]

    sync(station)  # calendar first (the station recomputes), then the feed (already applied: marked read)
    assert cases.calendar.version == 2
    here = cases.get(long.id)
    assert (here.promised_date, here.promised_date_provisional, here.calendar_version) == (
        dt.date(2027, 1, 9),
        False,
        2,
    )
    notice = station.store.get("sync_state", "calendar_notice")
    assert notice["moved_count"] == 1 and notice["moved"][0]["number"] == long.number
    assert len(cases.corrections(long.id)) == 1, "the center's event does not record the change twice"
    inbox = [d for _k, d in station.store.items("sync_inbox") if d.get("type") == "deadline_changed"]
    assert len(inbox) == 1 and inbox[0]["read"] is True
    assert cases.document(here, "correction", worker="王芳").number == f"SG{long.number}"
    assert KioskViewModel(cases).progress(long.number, "8000").promised_date == dt.date(2027, 1, 9)
    sync(station)  # the next push of the station's copy changes nothing at the center
    assert row(center, long.id).promised_date == "2027-01-09"


def test_a_collected_case_moves_on_the_station_through_the_centers_event(
    center: CenterHandle, station: Station
) -> None:
    publish(center, moved_2026())
    catalog = center.catalog
    item = next(i for i in catalog.items if i.name == "高龄津贴申领")
    # 代收 for the item's 业务属地 (the station is elsewhere)
    case = station.accept(item_code=item.code, collected_for=item.jurisdiction)
    sync(station)
    with center.center.db.read_session() as s:
        department = s.get(CaseRecord, case.id).department  # type: ignore[union-attr]
    reviewer = backoffice.Reviewer("user:reviewer", ("reviewer",), department)
    with center.center.db.session() as s:
        backoffice.accept_for_review(s, reviewer, case.id)  # the jurisdiction receives it: the clock starts
    sync(station)
    doc = station.case(case.id)
    assert doc["promised_date"] == "2027-01-11" and doc["calendar_version"] == 1 and doc["clock_start"]

    publish(center, TEST_2027)
    sync(station)
    doc = station.case(case.id)
    assert (doc["promised_date"], doc["promised_date_provisional"]) == ("2027-01-09", False)
    assert doc["status"] == CaseStatus.IN_REVIEW.value and doc["calendar_version"] == 2
    assert [c["dates"][0]["new"] for c in doc["_deadline_corrections"]] == ["2027-01-09"]
    inbox = [d for _k, d in station.store.items("sync_inbox") if d.get("type") == "deadline_changed"]
    assert len(inbox) == 1 and inbox[0]["read"] is False, "a notice the worker has to see"


def test_an_offline_station_gets_the_calendar_and_the_moves_by_usb(
    center: CenterHandle, tmp_path: Path
) -> None:
    publish(center, moved_2026())
    offline = new_station(center, tmp_path / "offline")
    try:
        first, answer = tmp_path / "first.bmzz", tmp_path / "first-answer.bmzz"
        export_bundle(offline.store, first)
        import_bundle(center.center, center.keys, first, answer)
        assert import_answer(offline.store, answer)["calendar_updated"]
        cases = desk(offline)
        long = accept(cases, "高龄津贴申领")
        assert long.promised_date == dt.date(2027, 1, 11)
        publish(center, TEST_2027)  # before the case reaches the center: ingest brings it to version 2
        second, answer2 = tmp_path / "second.bmzz", tmp_path / "second-answer.bmzz"
        export_bundle(offline.store, second)
        import_bundle(center.center, center.keys, second, answer2)
        assert row(center, long.id).promised_date == "2027-01-09"
        result = import_answer(offline.store, answer2)
        assert result["calendar_updated"] and result["delivered"] == 1
        assert cases.get(long.id).promised_date == dt.date(2027, 1, 9)
        notice = offline.store.get("sync_state", "calendar_notice")
        assert [m["number"] for m in notice["moved"]] == [long.number]
    finally:
        offline.close()
