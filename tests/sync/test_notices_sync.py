"""一次性告知 and 不予受理 records through a real district center on loopback: they leave the station with the
next sync (``push_notices``) exactly once, a newer version (the notice resumed as a case) replaces the
center's copy, the center's confirmation is kept for retention, and a center that predates the endpoint
leaves them waiting while the rest of the sync goes on."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from casework import casenumber, clock
from casework.cases import Case, CaseStatus
from casework.identity import Applicant, ApplicantKind
from casework.notices import report_of
from district_center.db.models import NoticeRecord
from storage.retention import CONFIRMATIONS
from sync import notices
from sync.engine_core import STAGES
from sync.local import load_identity
from tests.sync.harness import CenterHandle, Station, station_for


def _record(station: Station, seq: int, *, refusal: str = "") -> Case:
    """A notice (or refusal) as the station's intake commits it: the case and its report in one commit."""
    identity = load_identity(station.store)
    now = clock.now()
    case = Case.new(
        number=casenumber.generate(identity.station_no, clock.china_today(), seq),
        station_id=identity.station_id,
        item_code=station.item_code,
        catalog_version=1,
        applicant=Applicant(ApplicantKind.PERSON, "王五", "111", "11010519491231002X", "13700137000"),
        at=now,
    )
    if refusal:
        case.transition(CaseStatus.REFUSED, actor="w01", at=now, reason=refusal)
    else:
        case.transition(CaseStatus.NOTICE_ISSUED, actor="w01", at=now, reason="居民身份证；户口簿")
    with station.store.transaction(actor="worker:w01", action="case.notice") as tx:
        tx.put("cases", case.id, case.to_dict())
        notices.enqueue(tx, report_of(case))
    return case


def _held(center: CenterHandle) -> dict[str, tuple[int, str, list[str]]]:
    with center.center.db.read_session() as s:
        return {r.notice_id: (r.version, r.resumed_as, r.reasons) for r in s.scalars(select(NoticeRecord))}


def test_notices_and_refusals_reach_the_center_once(center: CenterHandle, station: Station) -> None:
    assert STAGES.index("push_notices") == STAGES.index("push_search_log") + 1
    notice, refusal = _record(station, 901), _record(station, 902, refusal="不属于受理范围")
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.notices_sent == 2 and report.warnings == []
    assert station.store.count(notices.NOTICE_OUTBOX) == 0
    held = _held(center)
    assert held[notice.id] == (notice.version, "", ["居民身份证", "户口簿"])
    assert held[refusal.id][0] == refusal.version and held[refusal.id][2] == [], (
        "a refusal's words are sealed"
    )
    assert station.store.get(CONFIRMATIONS, refusal.id) is not None, "retention may purge the refusal"
    assert station.store.get(CONFIRMATIONS, notice.id) is not None
    # the resident came back: the notice names the new case, and the newer version replaces the center's
    notice.mark_resumed(
        casenumber.generate(load_identity(station.store).station_no, clock.china_today(), 903), at=clock.now()
    )
    with station.store.transaction() as tx:
        tx.put("cases", notice.id, notice.to_dict())
        notices.enqueue(tx, report_of(notice))
        notices.enqueue(tx, report_of(refusal))  # an older (already held) version is sent again: harmless
    again = station.service.run_once(raise_errors=True)
    assert again is not None and again.notices_sent == 2 and station.store.count(notices.NOTICE_OUTBOX) == 0
    assert _held(center)[notice.id][:2] == (notice.version, notice.resumed_as)
    assert len([k for k in _held(center) if k in (notice.id, refusal.id)]) == 2, "nothing stored twice"


class NoNotices(httpx.BaseTransport):
    """A center that predates the notice records: the endpoint answers 404."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/notices":
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        return self.inner.handle_request(request)


def test_an_older_center_leaves_them_waiting_and_sync_goes_on(center: CenterHandle, station: Station) -> None:
    old = station_for(center, station.store, station.data_dir, transport=NoNotices())
    _record(station, 911)
    station.accept()
    try:
        report = old.service.run_once(raise_errors=True)
    finally:
        old.service.close()
    assert report is not None and report.cases_delivered == 1 and report.notices_sent == 0
    assert report.warnings == [] and station.store.count(notices.NOTICE_OUTBOX) == 1
    assert station.service.run_once(raise_errors=True).notices_sent == 1  # type: ignore[union-attr]
