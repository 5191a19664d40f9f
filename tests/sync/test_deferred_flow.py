"""容缺 follow-through through a real center: the department cannot decide while a 容缺 material is owed; the
late material recorded at the station reaches the department; a waiver (免于补交) recorded at the center
reaches the station and survives the station's next push."""

from __future__ import annotations

import datetime as dt

import pytest

from casework import clock
from casework.caseparts import CaseResult, MaterialRecord, Satisfaction
from casework.cases import Case, CaseStatus, Side
from district_center.services.cases import backoffice
from tests.sync.harness import CenterHandle, Station, fake_jpeg
from tests.sync.test_backoffice_flow import _center_case, _reviewer, _save

OWED = ("M-LATE", "户口簿")


def _accept_owing(center: CenterHandle, station: Station) -> tuple[Case, backoffice.Reviewer]:
    """A case accepted with 户口簿 容缺 (due in three days), pushed, and taken into review; its reviewer."""
    station.service.run_once(raise_errors=True)
    case = station.accept()
    local = Case.from_dict(station.case(case.id))
    due = clock.china_today() + dt.timedelta(days=3)
    local.set_material(MaterialRecord(*OWED, Satisfaction.DEFERRED, due_date=due), at=clock.now())
    _save(station, local)
    station.service.run_once(raise_errors=True)
    user = _reviewer(center, station.item_code)
    with center.center.db.session() as s:
        backoffice.accept_for_review(s, user, case.id)
    return local, user


def test_decision_waits_for_the_late_material_and_the_department_sees_it_arrive(
    center: CenterHandle, station: Station
) -> None:
    case, user = _accept_owing(center, station)
    with center.center.db.session() as s, pytest.raises(backoffice.BackofficeError) as held:
        backoffice.decide(s, user, case.id, approve=True, result=CaseResult("准予决定书"))
    assert held.value.status == 409 and "户口簿" in str(held.value)

    station.service.run_once(raise_errors=True)  # the station learns "in review"
    local = Case.from_dict(station.case(case.id))
    sha = station.store.blobs.put_bytes(fake_jpeg(2500)).sha256
    local.receive_deferred(OWED[0], attachments=(sha,), verified_by="w01", at=clock.now())
    _save(station, local)
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1

    seen = _center_case(center, case.id).material(OWED[0])
    assert seen is not None and seen.supplied_at is not None and seen.attachments == (sha,)
    assert center.attachments()[sha][1]  # the scan itself arrived and was verified
    with center.center.db.session() as s:
        backoffice.decide(s, user, case.id, approve=True, result=CaseResult("准予决定书"))
    assert _center_case(center, case.id).status is CaseStatus.APPROVED


def test_a_waiver_at_the_center_reaches_the_station_and_survives_its_next_push(
    center: CenterHandle, station: Station
) -> None:
    case, user = _accept_owing(center, station)
    with center.center.db.session() as s, pytest.raises(backoffice.BackofficeError) as no_reason:
        backoffice.waive_deferred(s, user, case.id, OWED[0], reason=" ")
    assert no_reason.value.status == 409
    with center.center.db.session() as s:
        backoffice.waive_deferred(s, user, case.id, OWED[0], reason="已通过数据共享核验户籍信息")

    with center.center.db.read_session() as s:
        from district_center.db.models import AuditLog

        logged = [
            (a.actor, a.details) for a in s.query(AuditLog).filter(AuditLog.action == "case.deferred_waived")
        ]
    assert (user.actor, {"material": OWED[0], "reason": "已通过数据共享核验户籍信息"}) in logged

    station.service.run_once(raise_errors=True)
    local = Case.from_dict(station.case(case.id))
    waived = local.material(OWED[0])
    assert (
        waived is not None and not waived.outstanding and waived.waiver_reason == "已通过数据共享核验户籍信息"
    )
    assert local.status is CaseStatus.IN_REVIEW

    with center.center.db.session() as s:
        backoffice.decide(s, user, case.id, approve=True, result=CaseResult("准予决定书"))
        backoffice.mark_result_ready(s, user, case.id)
    station.service.run_once(raise_errors=True)
    ready = Case.from_dict(station.case(case.id))
    assert ready.status is CaseStatus.RESULT_READY
    ready.transition(
        CaseStatus.HANDED_OVER, actor="w01", at=clock.now(), side=Side.STATION, reason="本人领取"
    )
    _save(station, ready)
    station.service.run_once(raise_errors=True)
    at_center = _center_case(center, case.id)
    assert at_center.status is CaseStatus.HANDED_OVER
    kept = at_center.material(OWED[0])
    assert kept is not None and kept.waived_by == user.actor and not kept.outstanding
