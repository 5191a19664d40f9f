"""Back-office work (district_center.services.cases.backoffice) reaching the station's cases through the
feed."""

from __future__ import annotations

import datetime as dt

from casework import clock
from casework.caseparts import MissingMaterial
from casework.cases import Case, CaseStatus
from casework.identity import Applicant, ApplicantKind
from district_center.services.cases import backoffice
from sync.local import load_identity
from sync.outbox import enqueue
from tests.sync.harness import CenterHandle, Station


def _reviewer(department: str) -> backoffice.Reviewer:
    return backoffice.Reviewer("user:reviewer", ("reviewer",), department)


def test_supplement_request_comes_down_with_what_is_missing(center: CenterHandle, station: Station) -> None:
    station.service.run_once(raise_errors=True)
    case = station.accept()
    station.service.run_once(raise_errors=True)
    user = _reviewer(center.catalog.item(station.item_code).department)
    with center.center.db.session() as s:
        backoffice.accept_for_review(s, user, case.id)
    with center.center.db.session() as s:
        backoffice.request_supplement(
            s,
            user,
            case.id,
            [MissingMaterial("M-HKB", "户口簿", "复印件不清晰")],
            due_date=dt.date(2026, 12, 31),
        )
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.feed_events_applied >= 2
    local = Case.from_dict(station.case(case.id))
    assert local.status is CaseStatus.SUPPLEMENT_REQUESTED
    request = local.open_supplement()
    assert request is not None and [m.name for m in request.items] == ["户口簿"]
    assert request.due_date == dt.date(2026, 12, 31)
    inbox = [station.store.get("sync_inbox", k) for k in station.store.keys_of("sync_inbox")]
    assert {e["type"] for e in inbox if e} >= {"status_changed", "supplement_requested"}


def test_a_bundle_item_decision_moves_the_sub_case(center: CenterHandle, station: Station) -> None:
    station.service.run_once(raise_errors=True)
    bundle = next(
        b
        for b in center.catalog.active_bundles()
        if all(center.catalog.item(c).department for c in b.item_codes)
    )
    identity = load_identity(station.store)
    now = clock.now()
    case = Case.new(
        number=f"261120-{identity.station_no:03d}-00001",
        station_id=identity.station_id,
        catalog_version=1,
        applicant=Applicant(ApplicantKind.PERSON, "测试申请人", "111", "11010519491231002X", "13800138000"),
        at=now,
        bundle_code=bundle.code,
        bundle_item_codes=bundle.item_codes,
    )
    case.transition(CaseStatus.ACCEPTED, actor="w01", at=now)
    case.transition(CaseStatus.QUEUED, actor="w01", at=now)
    with station.store.transaction() as tx:
        tx.put("cases", case.id, case.to_dict())
        enqueue(tx, case.to_dict())
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1

    first = bundle.item_codes[0]
    user = _reviewer(center.catalog.item(first).department)
    with center.center.db.session() as s:
        backoffice.accept_for_review(s, user, case.id, item_code=first)
    with center.center.db.session() as s:
        backoffice.decide(s, user, case.id, approve=True, item_code=first)
    report = station.service.run_once(raise_errors=True)
    assert report is not None
    local = Case.from_dict(station.case(case.id))
    assert local.sub_case(first).status is CaseStatus.APPROVED
    assert all(s.status is CaseStatus.DELIVERED for s in local.sub_cases[1:])
    assert local.status.value == center.cases()[case.id][1]  # the parent follows as at the center
